//! JSON views of our data in the shapes of Mastodon's entities, built in batches so a page of
//! statuses costs a handful of queries.

use crate::error::ApiResult;
use chrono::NaiveDateTime;
use serde_json::{json, Value};
use std::collections::HashMap;
use tsunagu_db::queries::{actors, follows, posts, users};
use tsunagu_db::{Actor, Media, Notification, Post};
use tsunagu_service::accounts::{self, Viewer};
use tsunagu_service::polls::PollState;
use tsunagu_service::relations::Relationship;
use tsunagu_service::Context;

/// `2026-11-22T10:00:00.000Z`
pub fn time(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn acct(ctx: &Context, actor: &Actor) -> String {
    if actor.local && actor.domain == ctx.domain {
        actor.username.clone()
    } else {
        format!("{}@{}", actor.username, actor.domain)
    }
}

pub fn default_avatar(ctx: &Context) -> String {
    ctx.url("/avatars/original/missing.png")
}

/// Account entities for several actors, in a handful of queries whatever their number.
pub async fn accounts(ctx: &Context, list: &[Actor]) -> ApiResult<Vec<Value>> {
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let local_ids: Vec<i64> = list.iter().filter(|a| a.local).map(|a| a.id).collect();
    let (statuses, follow_counts, (members, fields)) = ctx
        .db
        .read(move |c| {
            Ok((
                posts::counts_by_authors(c, &ids)?,
                follows::counts_of(c, &ids)?,
                users::by_actors_with_profiles(c, &local_ids)?,
            ))
        })
        .await?;
    let statuses: HashMap<i64, i64> = statuses.into_iter().collect();
    let follow_counts: HashMap<i64, (i64, i64)> = follow_counts
        .into_iter()
        .map(|(id, a, b)| (id, (a, b)))
        .collect();
    let members: HashMap<i64, tsunagu_db::User> =
        members.into_iter().map(|u| (u.actor_id, u)).collect();
    let mut out = Vec::with_capacity(list.len());
    for actor in list {
        let fields: Vec<Value> = match members.get(&actor.id) {
            Some(user) => {
                let rows = fields
                    .iter()
                    .filter(|f| f.user_id == user.id)
                    .cloned()
                    .collect();
                accounts::visible_entries(rows, Viewer::Anonymous)
                    .into_iter()
                    .map(|e| json!({ "name": e.key.label(), "value": tsunagu_service::html::escape(&e.value), "verified_at": null }))
                    .chain(own_fields(&actor.fields_json).map(|mut f| {
                        // A member's own fields are stored as written.
                        let value = f["value"].as_str().unwrap_or_default().to_string();
                        f["value"] = json!(tsunagu_service::html::escape(&value));
                        f
                    }))
                    .collect()
            }
            None => own_fields(&actor.fields_json).collect(),
        };
        let (followers, following) = follow_counts.get(&actor.id).copied().unwrap_or_default();
        let avatar = actor
            .avatar_url
            .clone()
            .unwrap_or_else(|| default_avatar(ctx));
        let header = actor
            .header_url
            .clone()
            .unwrap_or_else(|| ctx.url("/headers/original/missing.png"));
        let mut value = json!({
            "id": actor.id.to_string(),
            "username": actor.username,
            "acct": acct(ctx, actor),
            "display_name": actor.display_name,
            "locked": actor.manually_approves_followers,
            "bot": matches!(actor.kind.as_str(), "Application" | "Service"),
            "discoverable": true,
            "indexable": true,
            "group": actor.kind == "Group",
            "created_at": time(actor.published_at.date().and_hms_opt(0, 0, 0).unwrap_or(actor.published_at)),
            "note": actor.summary,
            "url": actor.url.clone().unwrap_or_else(|| actor.ap_id.clone()),
            "uri": actor.ap_id,
            "avatar": avatar,
            "avatar_static": avatar,
            "header": header,
            "header_static": header,
            "followers_count": followers,
            "following_count": following,
            "statuses_count": statuses.get(&actor.id).copied().unwrap_or(0),
            "last_status_at": null,
            "hide_collections": false,
            "noindex": false,
            "emojis": [],
            "roles": [],
            "fields": fields,
        });
        if let Some(user) = members.get(&actor.id) {
            value["tsunagu"] = json!({ "role": user.role });
        }
        out.push(value);
    }
    Ok(out)
}

/// Name/value fields stored with an account (written by the member, or from their server).
fn own_fields(fields_json: &str) -> impl Iterator<Item = Value> {
    serde_json::from_str::<Vec<Value>>(fields_json)
        .unwrap_or_default()
        .into_iter()
        .map(|mut f| {
            f["verified_at"] = Value::Null;
            f
        })
}

pub async fn account(ctx: &Context, actor: &Actor) -> ApiResult<Value> {
    Ok(accounts(ctx, std::slice::from_ref(actor)).await?.remove(0))
}

/// The member's own account, with `source` (what they wrote, for editing).
pub async fn credential_account(
    ctx: &Context,
    user: &tsunagu_db::User,
    actor: &Actor,
) -> ApiResult<Value> {
    let mut value = account(ctx, actor).await?;
    let profile = accounts::profile(ctx, user.id, Viewer::OwnerOrStaff).await?;
    let me = actor.id;
    let pending = ctx
        .db
        .read(move |c| follows::pending_for(c, me))
        .await?
        .len();
    value["source"] = json!({
        "privacy": user.default_visibility,
        "sensitive": user.default_sensitive,
        "language": user.default_language,
        "note": tsunagu_service::html::to_text(&actor.summary),
        "fields": serde_json::from_str::<Value>(&actor.fields_json).unwrap_or(json!([])),
        "follow_requests_count": pending,
    });
    value["role"] = json!({ "id": "0", "name": user.role, "permissions": "0", "color": "", "highlighted": false });
    value["tsunagu"] = json!({
        "role": user.role,
        "profile": profile.iter().map(|e| json!({
            "field": e.key.as_str(),
            "label": e.key.label(),
            "value": e.value,
            "visibility": e.visibility.as_str(),
        })).collect::<Vec<_>>(),
    });
    Ok(value)
}

pub fn relationship(r: &Relationship) -> Value {
    json!({
        "id": r.target_id.to_string(),
        "following": r.following,
        "showing_reblogs": r.showing_reblogs,
        "notifying": r.notifying,
        "languages": null,
        "followed_by": r.followed_by,
        "blocking": r.blocking,
        "blocked_by": r.blocked_by,
        "muting": r.muting,
        "muting_notifications": r.muting,
        "requested": r.requested,
        "requested_by": r.requested_by,
        "domain_blocking": false,
        "endorsed": false,
        "note": "",
    })
}

struct Batch {
    posts: HashMap<i64, Post>,
    actors: HashMap<i64, Actor>,
    mentions: HashMap<i64, Vec<i64>>,
    tags: HashMap<i64, Vec<String>>,
    counts: HashMap<i64, (i64, i64, i64)>,
    favourited: Vec<i64>,
    reblogged: Vec<i64>,
    bookmarked: Vec<i64>,
    pinned: Vec<i64>,
    parent_authors: HashMap<i64, i64>,
    media: HashMap<i64, Vec<Media>>,
    polls: HashMap<i64, Value>,
}

/// Status entities for a list of posts, in the same order.
pub async fn statuses(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ApiResult<Vec<Value>> {
    // A boost shows only with its original, and only to those who may see the original.
    let list = tsunagu_service::posts::without_hidden_originals(ctx, viewer, list).await?;
    let wanted: Vec<i64> = list.iter().map(|p| p.id).collect();
    let batch = ctx
        .db
        .read(move |c| {
            let mut map: HashMap<i64, Post> = HashMap::new();
            let first = posts::by_ids(c, &wanted)?;
            let originals: Vec<i64> = first.iter().filter_map(|p| p.reblog_of_id).collect();
            for p in first.into_iter().chain(posts::by_ids(c, &originals)?) {
                map.insert(p.id, p);
            }
            let ids: Vec<i64> = map.keys().copied().collect();
            let mut mentions: HashMap<i64, Vec<i64>> = HashMap::new();
            let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
            let mut actor_ids: Vec<i64> = map.values().map(|p| p.author_id).collect();
            for (post, actor) in posts::mentions_of(c, &ids)? {
                actor_ids.push(actor);
                mentions.entry(post).or_default().push(actor);
            }
            for (post, tag) in posts::tags_of(c, &ids)? {
                tags.entry(post).or_default().push(tag);
            }
            let parents: Vec<i64> = map.values().filter_map(|p| p.in_reply_to_id).collect();
            let parent_authors = posts::by_ids(c, &parents)?
                .into_iter()
                .map(|p| (p.id, p.author_id))
                .collect();
            actor_ids.sort();
            actor_ids.dedup();
            let actors = actors::by_ids(c, &actor_ids)?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            let counts = posts::counts(c, &ids)?
                .into_iter()
                .map(|(id, r, b, f)| (id, (r, b, f)))
                .collect();
            let (favourited, reblogged, bookmarked, pinned) = match viewer {
                Some(v) => (
                    posts::favourited_among(c, v, &ids)?,
                    posts::reblogged_among(c, v, &ids)?,
                    tsunagu_db::queries::bookmarks::among(c, v, &ids)?,
                    tsunagu_db::queries::bookmarks::pinned(c, v)?
                        .into_iter()
                        .map(|p| p.id)
                        .collect(),
                ),
                None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
            };
            let mut media: HashMap<i64, Vec<Media>> = HashMap::new();
            for m in tsunagu_db::queries::media::of_posts(c, &ids)? {
                if let Some(post) = m.post_id {
                    media.entry(post).or_default().push(m);
                }
            }
            let own_votes = match viewer {
                Some(v) => tsunagu_db::queries::polls::choices_of(c, v, &ids)?,
                None => Vec::new(),
            };
            let polls = tsunagu_db::queries::polls::of_posts(c, &ids)?
                .into_iter()
                .map(|poll| {
                    let id = poll.post_id;
                    let mine: Vec<i32> = own_votes
                        .iter()
                        .filter(|(p, _)| *p == id)
                        .map(|(_, choice)| *choice)
                        .collect();
                    let author = map.get(&id).map(|p| p.author_id);
                    let state = tsunagu_service::polls::PollState::from_row(poll);
                    (id, poll_value(&state, viewer, author, &mine))
                })
                .collect();
            Ok(Batch {
                media,
                polls,
                posts: map,
                actors,
                mentions,
                tags,
                counts,
                favourited,
                reblogged,
                bookmarked,
                pinned,
                parent_authors,
            })
        })
        .await?;
    let actor_list: Vec<Actor> = batch.actors.values().cloned().collect();
    let account_views: HashMap<i64, Value> = actor_list
        .iter()
        .map(|a| a.id)
        .zip(accounts(ctx, &actor_list).await?)
        .collect();
    let mut out = Vec::with_capacity(list.len());
    for p in &list {
        let Some(post) = batch.posts.get(&p.id) else {
            continue;
        };
        let mut value = status_value(ctx, post, &batch, &account_views);
        if let Some(original) = post.reblog_of_id.and_then(|id| batch.posts.get(&id)) {
            value["reblog"] = status_value(ctx, original, &batch, &account_views);
            value["reblogged"] = json!(batch.reblogged.contains(&original.id));
            value["favourited"] = json!(batch.favourited.contains(&original.id));
        }
        out.push(value);
    }
    Ok(out)
}

pub async fn status(ctx: &Context, viewer: Option<i64>, post: Post) -> ApiResult<Value> {
    Ok(statuses(ctx, viewer, vec![post])
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

fn status_value(
    ctx: &Context,
    post: &Post,
    batch: &Batch,
    accounts: &HashMap<i64, Value>,
) -> Value {
    let mentions: Vec<Value> = batch
        .mentions
        .get(&post.id)
        .into_iter()
        .flatten()
        .filter_map(|id| batch.actors.get(id))
        .map(|a| {
            json!({
                "id": a.id.to_string(),
                "username": a.username,
                "url": a.url.clone().unwrap_or_else(|| a.ap_id.clone()),
                "acct": acct(ctx, a),
            })
        })
        .collect();
    let tags: Vec<Value> = batch
        .tags
        .get(&post.id)
        .into_iter()
        .flatten()
        .map(|t| json!({ "name": t, "url": ctx.tag_url(t) }))
        .collect();
    let (replies, reblogs, favourites) = batch.counts.get(&post.id).copied().unwrap_or_default();
    let content = match &post.name {
        // Titled posts (threads, articles) show their title first, as Mastodon apps show
        // no title of their own, unless the text already opens with it.
        Some(name) if !tsunagu_service::boards::text_opens_with_title(post) => format!(
            "<p><strong>{}</strong></p>{}",
            tsunagu_service::html::escape(name),
            post.content
        ),
        _ => post.content.clone(),
    };
    json!({
        "id": post.id.to_string(),
        "uri": post.ap_id,
        "url": post.url.clone().unwrap_or_else(|| post.ap_id.clone()),
        "created_at": time(post.created_at),
        "edited_at": post.updated_at.map(time),
        "account": accounts.get(&post.author_id).cloned().unwrap_or(Value::Null),
        "content": content,
        "visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": tsunagu_service::html::to_text(&post.summary),
        "media_attachments": batch
            .media
            .get(&post.id)
            .map(|list| list.iter().map(|m| attachment(ctx, m)).collect::<Vec<_>>())
            .unwrap_or_default(),
        "application": null,
        "mentions": mentions,
        "tags": tags,
        "emojis": [],
        "reblogs_count": reblogs,
        "favourites_count": favourites,
        "replies_count": replies,
        "in_reply_to_id": post.in_reply_to_id.map(|id| id.to_string()),
        "in_reply_to_account_id": post
            .in_reply_to_id
            .and_then(|id| batch.parent_authors.get(&id))
            .map(|id| id.to_string()),
        "reblog": null,
        "poll": batch.polls.get(&post.id).cloned().unwrap_or(Value::Null),
        "card": null,
        "language": null,
        "favourited": batch.favourited.contains(&post.id),
        "reblogged": batch.reblogged.contains(&post.id),
        "muted": false,
        "bookmarked": batch.bookmarked.contains(&post.id),
        "pinned": batch.pinned.contains(&post.id),
        "filtered": [],
    })
}

/// Notification entities; `status` is left out when a notification is not about one.
pub async fn notifications(
    ctx: &Context,
    viewer: i64,
    list: Vec<Notification>,
) -> ApiResult<Vec<Value>> {
    // Nothing from servers this instance refuses.
    let senders: Vec<i64> = list.iter().map(|n| n.from_actor_id).collect();
    let refused = tsunagu_service::policy::hidden_authors(ctx, &senders, false).await?;
    let list: Vec<Notification> = list
        .into_iter()
        .filter(|n| !refused.contains(&n.from_actor_id))
        .collect();
    let actor_ids: Vec<i64> = list.iter().map(|n| n.from_actor_id).collect();
    let post_ids: Vec<i64> = list.iter().filter_map(|n| n.post_id).collect();
    let (actor_rows, post_rows) = ctx
        .db
        .read(move |c| Ok((actors::by_ids(c, &actor_ids)?, posts::by_ids(c, &post_ids)?)))
        .await?;
    let account_views: HashMap<i64, Value> = actor_rows
        .iter()
        .map(|a| a.id)
        .zip(accounts(ctx, &actor_rows).await?)
        .collect();
    // Statuses since deleted, removed or otherwise out of the member's sight drop out.
    let post_rows = tsunagu_service::posts::filter_visible(ctx, Some(viewer), post_rows).await?;
    let status_views: HashMap<i64, Value> = statuses(ctx, Some(viewer), post_rows)
        .await?
        .into_iter()
        .filter_map(|v| Some((v["id"].as_str()?.parse().ok()?, v)))
        .collect();
    Ok(list
        .iter()
        // A notification about a status the member may no longer see (deleted, removed) goes.
        .filter(|n| n.post_id.is_none_or(|id| status_views.contains_key(&id)))
        .map(|n| {
            let mut value = json!({
                "id": n.id.to_string(),
                "type": n.kind,
                "created_at": time(n.created_at),
                "account": account_views.get(&n.from_actor_id).cloned().unwrap_or(Value::Null),
            });
            if let Some(s) = n.post_id.and_then(|id| status_views.get(&id)) {
                value["status"] = s.clone();
            }
            value
        })
        .collect())
}

/// A media attachment entity.
pub fn attachment(ctx: &Context, m: &Media) -> Value {
    let url = tsunagu_service::media::url_of(ctx, m);
    let size = match (m.width, m.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => json!({
            "width": w,
            "height": h,
            "size": format!("{w}x{h}"),
            "aspect": f64::from(w) / f64::from(h),
        }),
        _ => Value::Null,
    };
    json!({
        "id": m.id.to_string(),
        "type": m.kind,
        "url": url,
        "preview_url": url,
        "remote_url": m.remote_url,
        "preview_remote_url": null,
        "text_url": null,
        "meta": {
            "original": size,
            "small": size,
            "focus": { "x": m.focus_x, "y": m.focus_y },
        },
        "description": (!m.description.is_empty()).then_some(&m.description),
        "blurhash": null,
    })
}

/// A poll entity; `author` is the status's author (who sees counts even when hidden).
fn poll_value(
    state: &PollState,
    viewer: Option<i64>,
    author: Option<i64>,
    own_votes: &[i32],
) -> Value {
    let expired = state.expired();
    let show_counts = !state.poll.hide_totals || expired || (viewer.is_some() && viewer == author);
    let options: Vec<Value> = state
        .options
        .iter()
        .map(|(title, count)| {
            json!({
                "title": title,
                "votes_count": if show_counts { json!(count) } else { Value::Null },
            })
        })
        .collect();
    json!({
        "id": state.poll.post_id.to_string(),
        "expires_at": state.poll.expires_at.map(time),
        "expired": expired,
        "multiple": state.poll.multiple,
        "votes_count": state.votes_count(),
        "voters_count": if state.poll.multiple { json!(state.poll.voters_count) } else { json!(state.poll.voters_count.max(state.votes_count())) },
        "voted": viewer.map(|v| Some(v) == author || !own_votes.is_empty()),
        "own_votes": viewer.map(|_| own_votes.to_vec()),
        "options": options,
        "emojis": [],
    })
}

/// A poll entity on its own (`GET /api/v1/polls/:id`).
pub async fn poll(ctx: &Context, viewer: Option<i64>, state: PollState) -> ApiResult<Value> {
    let post_id = state.poll.post_id;
    let (author, mine) = ctx
        .db
        .read(move |c| {
            let author = posts::by_id(c, post_id)?.author_id;
            let mine = match viewer {
                Some(v) => tsunagu_db::queries::polls::choices_of(c, v, &[post_id])?,
                None => Vec::new(),
            };
            Ok((author, mine))
        })
        .await?;
    let mine: Vec<i32> = mine.into_iter().map(|(_, c)| c).collect();
    Ok(poll_value(&state, viewer, Some(author), &mine))
}
