//! What other servers tell us, after the federation layer has verified who says it. Each
//! function applies one kind of activity; replays and unknown targets change nothing.

use crate::html;
use crate::posts::notify;
use crate::{Context, Event, ServiceError, ServiceResult};
use chrono::NaiveDateTime;
use tsunagu_db::queries::{actors, deliveries, follows, posts};
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
    pub mentions: Vec<Mentioned>,
    pub tags: Vec<String>,
    pub attachments: Vec<crate::media::RemoteMedia>,
    pub poll: Option<crate::polls::RemotePoll>,
    /// The id of the activity that carried it, when the write storing the post is to
    /// remember it (so that the activity is applied once; see [`receive_post`]).
    pub receipt: Option<String>,
}

/// A stored actor a post mentions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mentioned {
    pub id: i64,
    /// An account of this instance, to be notified.
    pub local: bool,
}

/// Limits on what another server may send in one post: longer text is refused, longer
/// warnings and titles are cut, and tags and mentions past these counts are not kept.
pub const MAX_REMOTE_CONTENT_CHARS: usize = 100_000;
pub const MAX_REMOTE_SUMMARY_CHARS: usize = 2_000;
pub const MAX_REMOTE_NAME_CHARS: usize = 300;
pub const MAX_REMOTE_TAGS: usize = 50;
pub const MAX_REMOTE_MENTIONS: usize = 100;

/// A remote post's text, cut or refused to the limits above.
struct Bounded {
    content: String,
    summary: String,
    name: Option<String>,
    tags: Vec<String>,
}

fn bounded(remote: &RemotePost) -> ServiceResult<Bounded> {
    if remote.content.chars().count() > MAX_REMOTE_CONTENT_CHARS {
        return Err(ServiceError::Invalid(
            format!("content is longer than {MAX_REMOTE_CONTENT_CHARS} characters").into(),
        ));
    }
    let summary = remote
        .summary
        .as_deref()
        .map(|s| html::sanitize(&s.chars().take(MAX_REMOTE_SUMMARY_CHARS).collect::<String>()))
        .unwrap_or_default();
    let name = remote
        .name
        .as_deref()
        .map(|n| n.chars().take(MAX_REMOTE_NAME_CHARS).collect());
    // Hashtags are names, nothing more: markup or odd characters make a tag we do not keep.
    let mut tags: Vec<String> = Vec::new();
    for tag in remote
        .tags
        .iter()
        .filter_map(|t| html::parse_hashtag(&format!("#{}", t.trim_start_matches('#'))))
        .map(|t| t.to_lowercase())
        .filter(|t| t.len() <= 100)
    {
        if tags.len() == MAX_REMOTE_TAGS {
            break;
        }
        // The first ones named, in order.
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(Bounded {
        content: html::sanitize(&remote.content),
        summary,
        name,
        tags,
    })
}

/// What [`receive_post`] did with a post.
pub struct Received {
    pub post: Post,
    /// It was not stored before (otherwise the stored one was updated).
    pub new: bool,
}

/// What the write of a new post found.
enum Stored {
    New(Box<Post>),
    /// Stored meanwhile by another delivery of the same post.
    Exists,
    /// The activity carrying it (`RemotePost::receipt`) was received before.
    Replay,
}

/// Stores (or, when it exists, updates) a post by `author`. `existing` is the stored post of
/// the same id when the caller has already found it; without it the write itself finds out
/// (a `Create` is nearly always of a new post, and a lookup first would cost every one).
/// Two deliveries of the same new post at once store it once. With a `receipt`, the
/// activity's id is remembered by the same write, and `None` answers one received before.
pub async fn receive_post(
    ctx: &Context,
    author: &Actor,
    remote: RemotePost,
    existing: Option<Post>,
) -> ServiceResult<Option<Received>> {
    let updated = |post| Some(Received { post, new: false });
    if let Some(existing) = existing {
        if let Some(receipt) = remote.receipt.clone() {
            let first = ctx
                .db
                .write(move |c| deliveries::remember_received(c, &receipt, now()))
                .await?;
            if !first {
                return Ok(None);
            }
        }
        return update_existing(ctx, author, &existing, remote)
            .await
            .map(updated);
    }
    let author_id = author.id;
    let Bounded {
        content,
        summary,
        name,
        tags,
    } = bounded(&remote)?;
    let mut mentions = remote.mentions.clone();
    mentions.sort();
    mentions.dedup();
    mentions.truncate(MAX_REMOTE_MENTIONS);
    let stored = {
        let remote = remote.clone();
        ctx.db
            .write(move |c| {
                if let Some(receipt) = &remote.receipt {
                    if !deliveries::remember_received(c, receipt, now())? {
                        return Ok(Stored::Replay);
                    }
                }
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
                let Some(id) = posts::insert_if_absent(c, &row)? else {
                    return Ok(Stored::Exists);
                };
                let mentioned: Vec<i64> = mentions.iter().map(|m| m.id).collect();
                posts::add_mentions(c, id, &mentioned)?;
                posts::add_tags(c, id, &tags)?;
                posts::adopt_orphans(c, id, &remote.ap_id)?;
                // A new post has no attachments to replace.
                crate::media::add_remote(c, author_id, id, &remote.attachments)?;
                if let Some(poll) = &remote.poll {
                    crate::polls::record_remote(c, id, poll)?;
                }
                let mut notified = Vec::new();
                for m in &mentions {
                    if m.local && m.id != author_id {
                        notify(c, m.id, "mention", author_id, Some(id))?;
                        notified.push(m.id);
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
                posts::by_id(c, id).map(|p| Stored::New(Box::new(p)))
            })
            .await?
    };
    match stored {
        Stored::New(post) => {
            if let Some(parent) = &remote.in_reply_to {
                crate::mentoring::reply_received(ctx, author, parent, post.id).await?;
                crate::rooms::received(ctx, author, &post).await?;
            }
            Ok(Some(Received {
                post: *post,
                new: true,
            }))
        }
        Stored::Replay => Ok(None),
        Stored::Exists => {
            let ap = remote.ap_id.clone();
            let existing = ctx
                .db
                .lookup(move |c| posts::by_ap_id(c, &ap))
                .await?
                .ok_or(ServiceError::NotFound("status"))?;
            update_existing(ctx, author, &existing, remote)
                .await
                .map(updated)
        }
    }
}

async fn update_existing(
    ctx: &Context,
    author: &Actor,
    existing: &Post,
    remote: RemotePost,
) -> ServiceResult<Post> {
    if existing.author_id != author.id {
        return Err(ServiceError::Forbidden(
            "object belongs to another actor".into(),
        ));
    }
    update_post(ctx, existing, remote).await
}

async fn update_post(ctx: &Context, existing: &Post, remote: RemotePost) -> ServiceResult<Post> {
    if existing.deleted_at.is_some() {
        return Ok(existing.clone());
    }
    let id = existing.id;
    let Bounded {
        content,
        summary,
        name,
        ..
    } = bounded(&remote)?;
    let sensitive = remote.sensitive || !summary.is_empty();
    // A thread's title that was taken from its text stays, unless the update names one.
    let name = name.or_else(|| existing.name.clone());
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
    // The same post seen again (a re-announce, a re-fetch, new poll counts) is no edit; nor
    // is a content warning we turned into the thread's title.
    let same_summary = summary == existing.summary
        || (existing.summary.is_empty() && name.as_deref() == Some(html::to_text(&summary).trim()));
    if content == existing.content && same_summary && name == existing.name {
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
    let Some(post) = ctx.db.lookup(move |c| posts::by_ap_id(c, &url)).await? else {
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

/// A `Dislike` (a downvote) of a stored post: there are no downvotes here, but it takes back
/// the same account's favourite (Lemmy switches a vote without undoing the first).
pub async fn receive_dislike(ctx: &Context, actor: &Actor, object: &str) -> ServiceResult<()> {
    let (aid, obj) = (actor.id, object.to_string());
    ctx.db
        .write(move |c| {
            if let Some(post) = posts::by_ap_id(c, &obj)? {
                if let Some(f) = posts::favourite_by(c, aid, post.id)? {
                    posts::remove_favourite(c, f.id)?;
                }
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

/// An `Announce` (boost) of a stored post. A boost never widens who may see the original:
/// others' posts are boosted only when public or unlisted, and an author's boost of their own
/// followers-only post stays followers-only.
pub async fn receive_announce(
    ctx: &Context,
    actor: &Actor,
    original: &Post,
    announce_ap_id: &str,
    published: Option<NaiveDateTime>,
) -> ServiceResult<()> {
    let own = original.author_id == actor.id;
    if original.deleted_at.is_some() || original.held {
        return Err(ServiceError::NotFound("status"));
    }
    let may_boost = crate::posts::is_public(original) || (own && original.visibility == "private");
    if !may_boost {
        return Err(ServiceError::Forbidden(
            "only public and unlisted posts can be boosted".into(),
        ));
    }
    let visibility = if own {
        original.visibility.clone()
    } else {
        "public".to_string()
    };
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
                    visibility,
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

/// A remote board's moderators removed (or, with `removed` false, restored) a post in one of
/// its threads. The post is hidden from everyone but its author; it is never destroyed, even
/// when it was written here.
pub async fn receive_removal(
    ctx: &Context,
    board: &Actor,
    post_id: i64,
    reason: &str,
    removed: bool,
) -> ServiceResult<()> {
    let (bid, reason) = (board.id, reason.chars().take(500).collect::<String>());
    ctx.db
        .write(move |c| {
            if removed {
                tsunagu_db::queries::boards::remove_post(c, post_id, bid, &reason, now())
            } else {
                tsunagu_db::queries::boards::restore_post(c, post_id, bid).map(|_| ())
            }
        })
        .await?;
    Ok(())
}

/// A remote board banned (or, with `banned` false, let back) one of our members: they may no
/// longer reply in its threads.
pub async fn receive_board_ban(
    ctx: &Context,
    board: &Actor,
    member: &Actor,
    banned: bool,
    reason: &str,
) -> ServiceResult<()> {
    let (bid, mid, reason) = (
        board.id,
        member.id,
        reason.chars().take(500).collect::<String>(),
    );
    ctx.db
        .write(move |c| {
            if banned {
                tsunagu_db::queries::boards::ban(c, bid, mid, &reason, now())
            } else {
                tsunagu_db::queries::boards::unban(c, bid, mid)
            }
        })
        .await?;
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
