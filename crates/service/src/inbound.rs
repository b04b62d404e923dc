//! What other servers tell us, after the federation layer has verified who says it. Each
//! function applies one kind of activity; replays and unknown targets change nothing.

use crate::html;
use crate::posts::notify;
use crate::{Context, Event, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use tsunagu_db::queries::{actors, follows, posts};
use tsunagu_db::{now, Actor, NewFavourite, NewFollow, NewPost, Post};

/// A post from another server, already converted from its wire form.
#[derive(Debug, Clone)]
pub struct RemotePost {
    pub ap_id: String,
    pub kind: String,
    pub in_reply_to: Option<String>,
    pub context: Option<String>,
    pub name: Option<String>,
    /// HTML as received; sanitised here.
    pub content: String,
    pub source: Option<String>,
    pub summary: Option<String>,
    pub sensitive: bool,
    pub visibility: String,
    pub url: Option<String>,
    pub published: Option<NaiveDateTime>,
    /// Accounts mentioned (already resolved to stored actors).
    pub mentions: Vec<i64>,
    pub tags: Vec<String>,
    pub attachments: Vec<crate::media::RemoteMedia>,
    pub poll: Option<crate::polls::RemotePoll>,
}

/// Stores (or, when it exists, updates) a post by `author`.
pub async fn receive_post(
    ctx: &Context,
    author: &Actor,
    remote: RemotePost,
) -> ServiceResult<Post> {
    let ap = remote.ap_id.clone();
    if let Some(existing) = ctx.db.read(move |c| posts::by_ap_id(c, &ap)).await? {
        if existing.author_id != author.id {
            return Err(ServiceError::Forbidden(
                "object belongs to another actor".into(),
            ));
        }
        return update_post(ctx, &existing, remote).await;
    }
    let author_id = author.id;
    let content = html::sanitize(&remote.content);
    let summary = remote
        .summary
        .as_deref()
        .map(html::sanitize)
        .unwrap_or_default();
    let name = remote.name.map(|n| n.chars().take(300).collect::<String>());
    let tags: Vec<String> = remote
        .tags
        .iter()
        .map(|t| t.trim_start_matches('#').to_lowercase())
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .collect();
    let mut mentions = remote.mentions.clone();
    mentions.sort();
    mentions.dedup();
    let post = ctx
        .db
        .write(move |c| {
            let parent = match &remote.in_reply_to {
                Some(url) => posts::by_ap_id(c, url)?,
                None => None,
            };
            let context = remote
                .context
                .clone()
                .or_else(|| parent.as_ref().and_then(|p| p.context.clone()));
            let row = NewPost {
                ap_id: remote.ap_id.clone(),
                author_id,
                kind: remote.kind.clone(),
                in_reply_to_id: parent.as_ref().map(|p| p.id),
                in_reply_to_ap_id: remote.in_reply_to.clone(),
                reblog_of_id: None,
                context,
                name,
                content,
                source: remote.source.clone(),
                sensitive: remote.sensitive || !summary.is_empty(),
                summary,
                visibility: remote.visibility.clone(),
                url: remote.url.clone(),
                local: false,
                created_at: remote.published.unwrap_or_else(now).min(now()),
            };
            let id = posts::insert(c, &row)?;
            posts::add_mentions(c, id, &mentions)?;
            let mut tags = tags.clone();
            tags.sort();
            tags.dedup();
            posts::add_tags(c, id, &tags)?;
            posts::adopt_orphans(c, id, &remote.ap_id)?;
            crate::media::record_remote(c, author_id, id, &remote.attachments)?;
            if let Some(poll) = &remote.poll {
                crate::polls::record_remote(c, id, poll)?;
            }
            let mut notified = Vec::new();
            for m in &mentions {
                if actors::by_id(c, *m)?.local && *m != author_id {
                    notify(c, *m, "mention", author_id, Some(id))?;
                    notified.push(*m);
                }
            }
            crate::posts::notify_subscribers(c, author_id, id, &notified)?;
            if let Some(parent) = &parent {
                if !notified.contains(&parent.author_id)
                    && parent.author_id != author_id
                    && actors::by_id(c, parent.author_id)?.local
                {
                    notify(c, parent.author_id, "mention", author_id, Some(id))?;
                }
            }
            posts::by_id(c, id)
        })
        .await?;
    Ok(post)
}

async fn update_post(ctx: &Context, existing: &Post, remote: RemotePost) -> ServiceResult<Post> {
    if existing.deleted_at.is_some() {
        return Ok(existing.clone());
    }
    let id = existing.id;
    let content = html::sanitize(&remote.content);
    let summary = remote
        .summary
        .as_deref()
        .map(html::sanitize)
        .unwrap_or_default();
    let sensitive = remote.sensitive || !summary.is_empty();
    let name = remote
        .name
        .clone()
        .map(|n| n.chars().take(300).collect::<String>());
    // New poll counts come as an update of the same post.
    if let Some(poll) = remote.poll.clone() {
        ctx.db
            .write(move |c| crate::polls::record_remote(c, id, &poll))
            .await?;
    }
    // Attachments (and their descriptions) may change without the text.
    let (attachments, author_id) = (remote.attachments.clone(), existing.author_id);
    let stored = ctx
        .db
        .read(move |c| tsunagu_db::queries::media::of_posts(c, &[id]))
        .await?;
    let same_media = stored.len() == attachments.len()
        && stored.iter().zip(&attachments).all(|(s, r)| {
            s.remote_url.as_deref() == Some(r.url.as_str()) && s.description == r.description
        });
    if !same_media {
        ctx.db
            .write(move |c| crate::media::record_remote(c, author_id, id, &attachments))
            .await?;
    }
    // The same post seen again (a re-announce, a re-fetch, new poll counts) is no edit.
    if content == existing.content && summary == existing.summary && name == existing.name {
        return Ok(existing.clone());
    }
    let previous = existing.clone();
    Ok(ctx
        .db
        .write(move |c| {
            posts::save_version(c, &previous, now())?;
            posts::update_content(c, id, &content, &summary, sensitive, name.as_deref(), now())?;
            posts::by_id(c, id)
        })
        .await?)
}

/// A `Delete` from `actor`: of one of its posts, or of itself.
pub async fn receive_delete(ctx: &Context, actor: &Actor, object: &str) -> ServiceResult<()> {
    if object == actor.ap_id {
        let id = actor.id;
        ctx.db.write(move |c| actors::mark_deleted(c, id)).await?;
        return Ok(());
    }
    let url = object.to_string();
    let Some(post) = ctx.db.read(move |c| posts::by_ap_id(c, &url)).await? else {
        return Ok(());
    };
    if post.author_id != actor.id {
        return Err(ServiceError::Forbidden(
            "cannot delete another actor's object".into(),
        ));
    }
    let pid = post.id;
    if post.reblog_of_id.is_some() {
        ctx.db.write(move |c| posts::delete_row(c, pid)).await?;
    } else {
        ctx.db
            .write(move |c| posts::mark_deleted(c, pid, now()))
            .await?;
    }
    Ok(())
}

/// A remote account asks to follow a local one. Returns true when accepted at once.
pub async fn receive_follow(
    ctx: &Context,
    follower: &Actor,
    target: &Actor,
    follow_ap_id: &str,
) -> ServiceResult<bool> {
    if !target.local || target.kind == "Application" {
        return Err(ServiceError::NotFound("local account"));
    }
    let (fid, tid) = (follower.id, target.id);
    let accepted = !target.manually_approves_followers;
    let ap = follow_ap_id.to_string();
    let follow_id = ctx
        .db
        .write(move |c| {
            if let Some(f) = follows::find(c, fid, tid)? {
                return Ok((f.id, f.accepted));
            }
            let id = follows::insert(
                c,
                &NewFollow {
                    follower_id: fid,
                    followee_id: tid,
                    ap_id: Some(ap),
                    accepted,
                    created_at: now(),
                },
            )?;
            notify(
                c,
                tid,
                if accepted { "follow" } else { "follow_request" },
                fid,
                None,
            )?;
            Ok((id, accepted))
        })
        .await?;
    if follow_id.1 {
        ctx.publish(Event::FollowAccepted {
            follow_id: follow_id.0,
        })
        .await;
    }
    Ok(follow_id.1)
}

/// The remote `followee` accepted (or, with `accepted = false`, rejected) a local follower.
pub async fn receive_follow_answer(
    ctx: &Context,
    followee: &Actor,
    follower_ap_id: Option<&str>,
    follow_ap_id: Option<&str>,
    accepted: bool,
) -> ServiceResult<()> {
    let fe = followee.id;
    let follower_ap_id = follower_ap_id.map(str::to_string);
    let follow_ap_id = follow_ap_id.map(str::to_string);
    ctx.db
        .write(move |c| {
            let follow = match &follow_ap_id {
                Some(ap) => follows::by_ap_id(c, ap)?,
                None => None,
            };
            let follow = match (follow, &follower_ap_id) {
                (Some(f), _) => Some(f),
                (None, Some(follower)) => match actors::by_ap_id(c, follower)? {
                    Some(a) => follows::find(c, a.id, fe)?,
                    None => None,
                },
                (None, None) => None,
            };
            let Some(f) = follow.filter(|f| f.followee_id == fe) else {
                return Ok(());
            };
            if accepted {
                follows::accept(c, f.id)
            } else {
                follows::delete(c, f.id)
            }
        })
        .await?;
    Ok(())
}

/// `Undo(Follow)`: the remote follower stops following.
pub async fn receive_unfollow(
    ctx: &Context,
    follower: &Actor,
    target_ap_id: &str,
) -> ServiceResult<()> {
    let (fid, target) = (follower.id, target_ap_id.to_string());
    ctx.db
        .write(move |c| {
            let Some(t) = actors::by_ap_id(c, &target)? else {
                return Ok(());
            };
            if let Some(f) = follows::find(c, fid, t.id)? {
                follows::delete(c, f.id)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// A `Like` of a stored post.
pub async fn receive_like(
    ctx: &Context,
    actor: &Actor,
    object: &str,
    like_ap_id: &str,
) -> ServiceResult<()> {
    let (aid, obj, ap) = (actor.id, object.to_string(), like_ap_id.to_string());
    ctx.db
        .write(move |c| {
            let Some(post) = posts::by_ap_id(c, &obj)? else {
                return Ok(());
            };
            if posts::favourite_by(c, aid, post.id)?.is_some() {
                return Ok(());
            }
            posts::add_favourite(
                c,
                &NewFavourite {
                    actor_id: aid,
                    post_id: post.id,
                    ap_id: Some(ap),
                    created_at: now(),
                },
            )?;
            if actors::by_id(c, post.author_id)?.local {
                notify(c, post.author_id, "favourite", aid, Some(post.id))?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// `Undo(Like)`, by the like's id or, failing that, by actor and object.
pub async fn receive_unlike(
    ctx: &Context,
    actor: &Actor,
    like_ap_id: &str,
    object: Option<&str>,
) -> ServiceResult<()> {
    let (aid, ap, obj) = (actor.id, like_ap_id.to_string(), object.map(str::to_string));
    ctx.db
        .write(move |c| {
            let fav = match posts::favourite_by_ap_id(c, &ap)? {
                Some(f) => Some(f),
                None => match obj {
                    Some(o) => match posts::by_ap_id(c, &o)? {
                        Some(p) => posts::favourite_by(c, aid, p.id)?,
                        None => None,
                    },
                    None => None,
                },
            };
            if let Some(f) = fav.filter(|f| f.actor_id == aid) {
                posts::remove_favourite(c, f.id)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// An `Announce` (boost) of a stored post.
pub async fn receive_announce(
    ctx: &Context,
    actor: &Actor,
    original: &Post,
    announce_ap_id: &str,
    published: Option<NaiveDateTime>,
) -> ServiceResult<()> {
    let (aid, oid, author, ap) = (
        actor.id,
        original.id,
        original.author_id,
        announce_ap_id.to_string(),
    );
    ctx.db
        .write(move |c| {
            if posts::by_ap_id(c, &ap)?.is_some() || posts::reblog_by(c, aid, oid)?.is_some() {
                return Ok(());
            }
            posts::insert(
                c,
                &NewPost {
                    ap_id: ap,
                    author_id: aid,
                    kind: "Announce".into(),
                    in_reply_to_id: None,
                    in_reply_to_ap_id: None,
                    reblog_of_id: Some(oid),
                    context: None,
                    name: None,
                    content: String::new(),
                    source: None,
                    summary: String::new(),
                    sensitive: false,
                    visibility: "public".into(),
                    url: None,
                    local: false,
                    created_at: published.unwrap_or_else(now).min(now()),
                },
            )?;
            if actors::by_id(c, author)?.local {
                notify(c, author, "reblog", aid, Some(oid))?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// `Undo(Announce)`.
pub async fn receive_unannounce(
    ctx: &Context,
    actor: &Actor,
    announce_ap_id: &str,
) -> ServiceResult<()> {
    let (aid, ap) = (actor.id, announce_ap_id.to_string());
    ctx.db
        .write(move |c| {
            if let Some(p) = posts::by_ap_id(c, &ap)? {
                if p.author_id == aid && p.reblog_of_id.is_some() {
                    posts::delete_row(c, p.id)?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// Forgets a post that was just stored and then refused (by a board's rules): it was never
/// accepted, so it leaves no trace.
pub async fn discard_post(ctx: &Context, post_id: i64) -> ServiceResult<()> {
    ctx.db.write(move |c| posts::delete_row(c, post_id)).await?;
    Ok(())
}

/// A post taken down at its origin or by the board holding it, as another server tells us.
pub async fn take_down_post(ctx: &Context, post_id: i64) -> ServiceResult<()> {
    ctx.db
        .write(move |c| posts::mark_deleted(c, post_id, now()))
        .await?;
    Ok(())
}

/// A remote account blocks (or, with `blocked` false, stops blocking) a local one: follows
/// between them end, and the local member no longer sees it.
pub async fn receive_block(
    ctx: &Context,
    blocker: &Actor,
    target_ap_id: &str,
    block_ap_id: &str,
    blocked: bool,
) -> ServiceResult<()> {
    let (bid, target, ap) = (
        blocker.id,
        target_ap_id.to_string(),
        block_ap_id.to_string(),
    );
    ctx.db
        .write(move |c| {
            let Some(t) = actors::by_ap_id(c, &target)?.filter(|a| a.local) else {
                return Ok(());
            };
            if !blocked {
                tsunagu_db::queries::blocks::unblock(c, bid, t.id)?;
                return Ok(());
            }
            tsunagu_db::queries::blocks::block(c, bid, t.id, &ap, now())?;
            for f in [follows::find(c, bid, t.id)?, follows::find(c, t.id, bid)?]
                .into_iter()
                .flatten()
            {
                follows::delete(c, f.id)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}
