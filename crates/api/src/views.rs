//! JSON in the shapes of Mastodon's entities, rendered from the read models of
//! `tsunagu_service::read` (which decide what a viewer sees, in batches).

use crate::error::ApiResult;
use chrono::NaiveDateTime;
use serde_json::{json, Value};
use std::collections::HashMap;
use tsunagu_db::queries::{actors, follows, posts};
use tsunagu_db::{Actor, Media, Notification, Post};
use tsunagu_service::accounts::{self, Viewer};
use tsunagu_service::polls::PollState;
use tsunagu_service::read::{self, AccountView, PollView, StatusView};
use tsunagu_service::relations::Relationship;
use tsunagu_service::Context;

/// `2026-11-22T10:00:00.000Z`
pub fn time(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn acct(ctx: &Context, actor: &Actor) -> String {
    read::acct(ctx, actor)
}

pub fn default_avatar(ctx: &Context) -> String {
    ctx.url("/avatars/original/missing.png")
}

/// Account entities for several actors, in a handful of queries whatever their number.
pub async fn accounts(ctx: &Context, list: &[Actor]) -> ApiResult<Vec<Value>> {
    Ok(read::accounts(ctx, list, Viewer::Anonymous)
        .await?
        .iter()
        .map(|a| account_value(ctx, a))
        .collect())
}

/// Account entities of the accounts `ids`, by id (unknown ones are left out).
pub async fn accounts_by_id(ctx: &Context, ids: Vec<i64>) -> ApiResult<HashMap<i64, Value>> {
    let rows = ctx.db.read(move |c| actors::by_ids(c, &ids)).await?;
    let values = accounts(ctx, &rows).await?;
    Ok(rows.iter().map(|a| a.id).zip(values).collect())
}

fn account_value(ctx: &Context, view: &AccountView) -> Value {
    let actor = &view.actor;
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
        "acct": view.acct(ctx),
        "display_name": actor.display_name,
        "locked": actor.manually_approves_followers,
        "bot": matches!(actor.kind.as_str(), "Application" | "Service"),
        "discoverable": true,
        "indexable": true,
        "group": actor.kind == "Group",
        "created_at": time(actor.published_at.date().and_hms_opt(0, 0, 0).unwrap_or(actor.published_at)),
        "note": actor.summary,
        "url": view.url(),
        "uri": actor.ap_id,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": view.followers,
        "following_count": view.following,
        "statuses_count": view.statuses,
        "last_status_at": null,
        "hide_collections": false,
        "noindex": false,
        "emojis": [],
        "roles": [],
        "fields": view.fields.iter().map(|f| json!({ "name": f.name, "value": f.value_html, "verified_at": null })).collect::<Vec<_>>(),
    });
    if let Some(user) = &view.member {
        value["tsunagu"] = json!({ "role": user.role });
    }
    if let Some(v) = &view.alumni {
        value["tsunagu"]["alumni"] = alumni(v);
    }
    value
}

/// `tsunagu.alumni` of an account entity.
pub fn alumni(v: &tsunagu_db::AlumniVerification) -> Value {
    json!({
        "graduation_year": v.graduation_year,
        "department": v.department,
        "institution": v.institution,
        "verified_at": time(v.verified_at),
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
    let alumni = value["tsunagu"]["alumni"].take();
    value["tsunagu"] = json!({
        "alumni": alumni,
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

/// Status entities for a list of posts, in the same order.
pub async fn statuses(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ApiResult<Vec<Value>> {
    // Built once per author: a thread is mostly the same few people.
    let mut accounts = HashMap::new();
    Ok(read::statuses(ctx, viewer, list)
        .await?
        .iter()
        .map(|s| status_value(ctx, s, &mut accounts))
        .collect())
}

pub async fn status(ctx: &Context, viewer: Option<i64>, post: Post) -> ApiResult<Value> {
    Ok(statuses(ctx, viewer, vec![post])
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

fn status_value(ctx: &Context, view: &StatusView, accounts: &mut HashMap<i64, Value>) -> Value {
    let post = &view.post;
    let mentions: Vec<Value> = view
        .mentions
        .iter()
        .map(|a| {
            json!({
                "id": a.id.to_string(),
                "username": a.username,
                "url": a.url.clone().unwrap_or_else(|| a.ap_id.clone()),
                "acct": acct(ctx, a),
            })
        })
        .collect();
    let tags: Vec<Value> = view
        .tags
        .iter()
        .map(|t| json!({ "name": t, "url": ctx.tag_url(t) }))
        .collect();
    let mut value = json!({
        "id": post.id.to_string(),
        "uri": post.ap_id,
        "url": view.url(),
        "created_at": time(post.created_at),
        "edited_at": post.updated_at.map(time),
        "account": accounts
            .entry(view.author.actor.id)
            .or_insert_with(|| account_value(ctx, &view.author))
            .clone(),
        "content": view.content_html,
        "visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": tsunagu_service::html::to_text(&post.summary),
        "media_attachments": view.media.iter().map(|m| attachment(ctx, m)).collect::<Vec<_>>(),
        "application": null,
        "mentions": mentions,
        "tags": tags,
        "emojis": [],
        "reblogs_count": view.reblogs,
        "favourites_count": view.favourites,
        "replies_count": view.replies,
        "in_reply_to_id": post.in_reply_to_id.map(|id| id.to_string()),
        "in_reply_to_account_id": view.in_reply_to_account_id.map(|id| id.to_string()),
        "reblog": null,
        "poll": view.poll.as_ref().map(poll_value).unwrap_or(Value::Null),
        "card": null,
        "language": null,
        "favourited": view.favourited,
        "reblogged": view.reblogged,
        "muted": false,
        "bookmarked": view.bookmarked,
        "pinned": view.pinned,
        "filtered": [],
    });
    if let Some(original) = &view.reblog {
        value["reblog"] = status_value(ctx, original, accounts);
        value["reblogged"] = json!(original.reblogged);
        value["favourited"] = json!(original.favourited);
    }
    value
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

/// A poll entity.
fn poll_value(view: &PollView) -> Value {
    let state = &view.state;
    let options: Vec<Value> = state
        .options
        .iter()
        .map(|(title, count)| {
            json!({
                "title": title,
                "votes_count": if view.counts_shown { json!(count) } else { Value::Null },
            })
        })
        .collect();
    json!({
        "id": state.poll.post_id.to_string(),
        "expires_at": state.poll.expires_at.map(time),
        "expired": state.expired(),
        "multiple": state.poll.multiple,
        "votes_count": state.votes_count(),
        "voters_count": if state.poll.multiple { json!(state.poll.voters_count) } else { json!(state.poll.voters_count.max(state.votes_count())) },
        "voted": view.voted,
        "own_votes": view.voted.map(|_| view.own_votes.clone()),
        "options": options,
        "emojis": [],
    })
}

/// A poll entity on its own (`GET /api/v1/polls/:id`).
pub async fn poll(ctx: &Context, viewer: Option<i64>, state: PollState) -> ApiResult<Value> {
    Ok(poll_value(&read::poll(ctx, viewer, state).await?))
}
