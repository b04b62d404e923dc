//! Boards and the moderation of their threads (FEP-1b12), in both directions: what a remote
//! group announces to us, and what our boards' moderators do.
//!
//! Who may say what, of a remote group:
//! - a post is the group's thread only if the post itself, as its own server serves it (or as
//!   the group embeds it, when the group's server is the post's), is addressed to the group;
//!   a plain `Announce` of such a post is that thread too, never a boost;
//! - the group moderates (removes, restores, locks, pins) only posts in threads it holds, and
//!   only through actors on its own server; a removal hides the post here, even one written
//!   here, and is undone by `Undo(Delete)`; it never destroys it;
//! - an author's own deletion announced by the group counts when the group's server is the
//!   author's, or when the post's own server confirms it is gone;
//! - likes, bans and the group's own profile are taken from actors on the group's server;
//! - nothing a group announces files, edits or locks posts of ours.

use super::{first_id, inbox_of, Incoming, Outgoing};
use crate::objects::{same_host, DbActor, DbPost, PostJson, PUBLIC};
use crate::publish::strip_context;
use crate::{Data, FedError};
use activitypub_federation::fetch::fetch_object_http;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::Object;
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_db::{Actor, Post};
use tsunagu_service::{boards, inbound, Event};
use url::Url;

/// A group forwarding an activity posted in it.
pub(super) async fn receive_announced(
    activity: &Incoming,
    group: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let group = &group.0;
    if group.kind != "Group" {
        tracing::debug!(
            "ignoring Announce({}) from non-group {}",
            activity.object_kind().unwrap_or("-"),
            activity.actor
        );
        return Ok(());
    }
    let inner = &activity.object;
    let inner_kind = activity.object_kind().unwrap_or("");
    let inner_actor = activity.inner_actor().unwrap_or_default();
    let inner_object = inner.get("object").cloned().unwrap_or(Value::Null);
    // Moderation counts only from the group's own server.
    let from_group_server = same_host(&inner_actor, &group.ap_id);
    match inner_kind {
        "Create" | "Update"
            if inner_object
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(crate::objects::is_actor_kind) =>
        {
            // Lemmy announces changes of the community by one of its moderators.
            if first_id(&inner_object).as_deref() == Some(group.ap_id.as_str()) && from_group_server
            {
                ObjectId::<DbActor>::from(Url::parse(&group.ap_id)?)
                    .dereference_forced(data)
                    .await?;
            }
        }
        "Create" | "Update" => {
            receive_group_post(activity, group, &inner_object, data).await?;
        }
        "Delete" => {
            let Some(post) = held_post(data, group, &inner_object).await? else {
                return Ok(());
            };
            if inner_actor == author_ap_id(data, &post).await? {
                author_deleted(data, group, &post).await?;
            } else if from_group_server {
                let reason = inner.get("summary").and_then(Value::as_str).unwrap_or("");
                inbound::receive_removal(data.app_data(), group, post.id, reason, true).await?;
            }
        }
        "Undo" => {
            let undone = inner_object.get("type").and_then(Value::as_str);
            let undone_object = inner_object.get("object").cloned().unwrap_or(Value::Null);
            if !from_group_server {
                return Ok(());
            }
            match undone {
                Some("Delete") => {
                    if let Some(post) = held_post(data, group, &undone_object).await? {
                        inbound::receive_removal(data.app_data(), group, post.id, "", false)
                            .await?;
                    }
                }
                Some("Lock") => lock(data, group, &undone_object, false).await?,
                Some("Like" | "Dislike") => {
                    let voter = vouched_actor(data, group, &inner_object).await?;
                    if let (Some(voter), Some(like)) = (voter, first_id(&inner_object)) {
                        inbound::receive_unlike(
                            data.app_data(),
                            &voter,
                            &like,
                            first_id(&undone_object).as_deref(),
                        )
                        .await?;
                    }
                }
                Some("Block") => {
                    receive_ban(
                        activity,
                        &inner_object,
                        &DbActor::new(group.clone())?,
                        false,
                        data,
                    )
                    .await?
                }
                _ => {}
            }
        }
        "Lock" if from_group_server => lock(data, group, &inner_object, true).await?,
        "Add" | "Remove" if from_group_server => {
            let target = inner.get("target").and_then(first_id).unwrap_or_default();
            if target.ends_with("/featured") && same_host(&target, &group.ap_id) {
                if let Some(post) = held_post(data, group, &inner_object).await? {
                    boards::apply_remote_pin(data.app_data(), group, post.id, inner_kind == "Add")
                        .await?;
                }
            }
        }
        "Like" | "Dislike" => {
            if let (Some(voter), Some(object)) = (
                vouched_actor(data, group, inner).await?,
                first_id(&inner_object),
            ) {
                let like_id = first_id(inner).unwrap_or_default();
                super::like::apply(inner_kind, &voter, &Url::parse(&object)?, &like_id, data)
                    .await?;
            }
        }
        "Block" if from_group_server => {
            receive_ban(activity, inner, &DbActor::new(group.clone())?, true, data).await?
        }
        other => tracing::debug!("ignoring Announce({other}) from {}", activity.actor),
    }
    Ok(())
}

/// The actor of an activity a group forwards, when the group's server is that actor's.
async fn vouched_actor(
    data: &Data,
    group: &Actor,
    activity: &Value,
) -> Result<Option<Actor>, FedError> {
    let Some(actor) = activity.get("actor").and_then(first_id) else {
        return Ok(None);
    };
    if !same_host(&actor, &group.ap_id) {
        return Ok(None);
    }
    Ok(Some(
        ObjectId::<DbActor>::from(Url::parse(&actor)?)
            .dereference(data)
            .await?
            .0,
    ))
}

async fn author_ap_id(data: &Data, post: &Post) -> Result<String, FedError> {
    let aid = post.author_id;
    Ok(data.db.read(move |c| actors::by_id(c, aid)).await?.ap_id)
}

/// An author deleted their own post, as the group tells: believed when the group's server
/// is the author's, or when the post's own server confirms it is gone.
async fn author_deleted(data: &Data, group: &Actor, post: &Post) -> Result<(), FedError> {
    if post.local {
        return Ok(());
    }
    let confirmed = same_host(&post.ap_id, &group.ap_id)
        || crate::net::get(data.app_data(), &post.ap_id, "application/activity+json")
            .await
            .is_some_and(|r| matches!(r.status().as_u16(), 404 | 410));
    if confirmed {
        inbound::take_down_post(data.app_data(), post.id).await?;
    }
    Ok(())
}

async fn lock(data: &Data, group: &Actor, object: &Value, locked: bool) -> Result<(), FedError> {
    if let Some(post) = held_post(data, group, object).await? {
        if !post.local {
            boards::apply_remote_thread_state(data.app_data(), post.id, Some(locked), None).await?;
        }
    }
    Ok(())
}

/// The stored post `object` names, if it is in a thread `group` holds.
async fn held_post(data: &Data, group: &Actor, object: &Value) -> Result<Option<Post>, FedError> {
    let Some(url) = first_id(object) else {
        return Ok(None);
    };
    let Some(post) = data.db.read(move |c| posts::by_ap_id(c, &url)).await? else {
        return Ok(None);
    };
    let ctx = data.app_data();
    let root = match boards::thread_of(ctx, &post).await? {
        Some((root, _)) => root.id,
        None => post.id,
    };
    let holds = boards::boards_of_thread(ctx, root)
        .await?
        .iter()
        .any(|b| b.id == group.id);
    Ok(holds.then_some(post))
}

/// A post a group announces (in `Announce(Create)`, or plainly): when the post is addressed
/// to the group, it is stored and, if it starts a thread, filed as the group's. Returns
/// whether it was the group's.
pub(super) async fn receive_group_post(
    activity: &Incoming,
    group: &Actor,
    object: &Value,
    data: &Data,
) -> Result<bool, FedError> {
    let Some(url) = first_id(object) else {
        return Ok(false);
    };
    let url = Url::parse(&url)?;
    // Nothing a group says files, edits or locks a post of ours.
    if data.app_data().domain == crate::objects::authority(&url) {
        return is_ours_in_group(data, group, &url).await;
    }
    let json = post_from_origin(data, group, object, &url).await?;
    if !addresses(&json, group) {
        tracing::debug!(
            "{} announces {url}, which is not addressed to it",
            activity.actor
        );
        return Ok(false);
    }
    DbPost::verify(&json, &url, data).await?;
    let post = DbPost::from_json(json.clone(), data).await?.0;
    if post.in_reply_to_ap_id.is_none() {
        boards::file_remote_thread(data.app_data(), group, &post).await?;
        // Thread state counts only from the thread's own server.
        if same_host(&post.ap_id, &group.ap_id) {
            let locked = json
                .extra
                .get("commentsEnabled")
                .and_then(Value::as_bool)
                .map(|enabled| !enabled);
            if locked.is_some() {
                boards::apply_remote_thread_state(data.app_data(), post.id, locked, None).await?;
            }
            if let Some(answer) = json.extra.get("acceptedAnswer") {
                super::post::accepted_answer(data, &post, answer).await?;
            }
        }
    }
    Ok(true)
}

/// Whether a post of ours is in a thread the group holds (a group announcing it back).
async fn is_ours_in_group(data: &Data, group: &Actor, url: &Url) -> Result<bool, FedError> {
    Ok(held_post(data, group, &json!(url.as_str()))
        .await?
        .is_some())
}

/// The post as its own server has it: the group's embedded copy when the group's server is
/// the post's, else fetched from the post's server.
async fn post_from_origin(
    data: &Data,
    group: &Actor,
    embedded: &Value,
    url: &Url,
) -> Result<PostJson, FedError> {
    if embedded.is_object() && same_host(url.as_str(), &group.ap_id) {
        if let Ok(json) = serde_json::from_value::<PostJson>(embedded.clone()) {
            if json.id == *url {
                return Ok(json);
            }
        }
    }
    let fetched = fetch_object_http::<_, PostJson>(url, data).await?;
    Ok(fetched.object)
}

/// Whether the post names the group in its addressing, audience or mentions.
fn addresses(json: &PostJson, group: &Actor) -> bool {
    let mut named: Vec<String> = json.to.iter().chain(&json.cc).cloned().collect();
    if let Some(a) = &json.audience {
        named.extend(crate::objects::ids_of(a));
    }
    named.extend(
        json.tag
            .iter()
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
            .flat_map(crate::objects::ids_of),
    );
    named.contains(&group.ap_id)
}

/// A ban in a remote board (a `Block` whose `target` is the board), of one of our members.
pub(super) async fn receive_ban(
    activity: &Incoming,
    block: &Value,
    sender: &DbActor,
    banned: bool,
    data: &Data,
) -> Result<(), FedError> {
    let target = block.get("target").and_then(first_id).unwrap_or_default();
    let member = block.get("object").and_then(first_id).unwrap_or_default();
    // The board's server speaks for its boards: the board itself or one of its moderators.
    if !same_host(&target, &sender.0.ap_id) {
        return Err(FedError::Forbidden(
            "only the board's own server may ban from it".into(),
        ));
    }
    let (t, m) = (target.clone(), member.clone());
    let (board, member) = data
        .db
        .read(move |c| Ok((actors::by_ap_id(c, &t)?, actors::by_ap_id(c, &m)?)))
        .await?;
    let (Some(board), Some(member)) = (board, member) else {
        return Ok(());
    };
    if board.local || board.kind != "Group" || !member.local {
        tracing::debug!("ignoring a ban by {} in {target}", activity.actor);
        return Ok(());
    }
    let reason = block.get("summary").and_then(Value::as_str).unwrap_or("");
    inbound::receive_board_ban(data.app_data(), &board, &member, banned, reason).await?;
    Ok(())
}

/// What our boards' moderators do, announced by the board to its followers.
pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let mut out = Vec::new();
    match event.clone() {
        Event::ThreadLocked {
            post_id,
            board_id,
            moderator_id,
            locked,
        } => {
            let (post, board, moderator) = three(data, post_id, board_id, moderator_id).await?;
            let lock = moderation(ctx, "Lock", &moderator, &board, json!(post.ap_id));
            let inner = if locked {
                lock
            } else {
                moderation(ctx, "Undo", &moderator, &board, lock)
            };
            out.extend(crate::boards::announce(data, &board, &inner, None).await?);
        }
        Event::ThreadPinned {
            post_id,
            board_id,
            moderator_id,
            pinned,
        } => {
            let (post, board, moderator) = three(data, post_id, board_id, moderator_id).await?;
            let kind = if pinned { "Add" } else { "Remove" };
            let mut inner = moderation(ctx, kind, &moderator, &board, json!(post.ap_id));
            inner["target"] = json!(format!("{}/featured", board.ap_id));
            out.extend(crate::boards::announce(data, &board, &inner, None).await?);
        }
        Event::PostRemoved {
            post_id,
            board_id,
            moderator_id,
            reason,
            removed,
        } => {
            let (post, board, moderator) = three(data, post_id, board_id, moderator_id).await?;
            let mut delete = moderation(ctx, "Delete", &moderator, &board, json!(post.ap_id));
            delete["summary"] = json!(reason);
            let inner = if removed {
                delete
            } else {
                moderation(ctx, "Undo", &moderator, &board, delete)
            };
            out.extend(crate::boards::announce(data, &board, &inner, None).await?);
        }
        Event::BanChanged {
            board_id,
            moderator_id,
            target_id,
            banned,
            reason,
        } => {
            let (target, board, moderator) = data
                .db
                .read(move |c| {
                    Ok((
                        actors::by_id(c, target_id)?,
                        actors::by_id(c, board_id)?,
                        actors::by_id(c, moderator_id)?,
                    ))
                })
                .await?;
            // Lemmy's ban: a `Block` of the account with the board as `target`.
            let mut block = moderation(ctx, "Block", &moderator, &board, json!(target.ap_id));
            block["target"] = json!(board.ap_id);
            block["removeData"] = json!(false);
            block["summary"] = json!(reason);
            let inner = if banned {
                block
            } else {
                moderation(ctx, "Undo", &moderator, &board, block)
            };
            out.extend(crate::boards::announce(data, &board, &inner, None).await?);
            if !target.local {
                // The banned account's server hears of it even if it follows nothing here.
                out.push(Outgoing {
                    actor_id: moderator.id,
                    activity: inner,
                    inboxes: vec![inbox_of(&target)],
                });
            }
        }
        Event::PostApproved { post_id, board_id } => {
            let (post, board, author) = data
                .db
                .read(move |c| {
                    let post = posts::by_id(c, post_id)?;
                    let board = actors::by_id(c, board_id)?;
                    let author = actors::by_id(c, post.author_id)?;
                    Ok((post, board, author))
                })
                .await?;
            // The author's activity is not kept; followers fetch the post from its origin.
            let create = json!({
                "id": format!("{}#create", post.ap_id),
                "type": "Create",
                "actor": author.ap_id,
                "object": post.ap_id,
            });
            let object = post.in_reply_to_id.is_none().then(|| post.ap_id.clone());
            out.extend(crate::boards::announce(data, &board, &create, object.as_deref()).await?);
        }
        Event::BoardUpdated {
            board_id,
            moderator_id,
        } => {
            let board = ctx.db.read(move |c| actors::by_id(c, board_id)).await?;
            let moderator = match moderator_id {
                Some(m) => Some(ctx.db.read(move |c| actors::by_id(c, m)).await?),
                None => boards::moderators(ctx, board_id).await?.into_iter().next(),
            };
            let group = strip_context(crate::objects::actor_json(ctx, &board).await?);
            // Forums take a board's change from one of its moderators, announced by the
            // board (as Lemmy's communities send it); microblogs from the board itself.
            let (forums, microblogs) = crate::boards::follower_inboxes(data, &board).await?;
            let everyone = match &moderator {
                Some(moderator) => {
                    let update = moderation(ctx, "Update", moderator, &board, group.clone());
                    out.extend(crate::boards::announce(data, &board, &update, None).await?);
                    microblogs
                }
                None => forums.into_iter().chain(microblogs).collect(),
            };
            out.push(Outgoing {
                actor_id: board.id,
                activity: json!({
                    "id": super::activity_id(ctx, "update"),
                    "type": "Update",
                    "actor": board.ap_id,
                    "to": [PUBLIC],
                    "object": group,
                }),
                inboxes: everyone,
            });
        }
        _ => {}
    }
    Ok(out)
}

async fn three(
    data: &Data,
    post_id: i64,
    board_id: i64,
    moderator_id: i64,
) -> Result<(Post, Actor, Actor), FedError> {
    Ok(data
        .db
        .read(move |c| {
            Ok((
                posts::by_id(c, post_id)?,
                actors::by_id(c, board_id)?,
                actors::by_id(c, moderator_id)?,
            ))
        })
        .await?)
}

/// A moderator's activity in a board (`Lock`, `Add`, `Delete`, `Block`, `Update`, `Undo`...),
/// addressed to the board, which then announces it.
fn moderation(
    ctx: &tsunagu_service::Context,
    kind: &str,
    moderator: &Actor,
    board: &Actor,
    object: Value,
) -> Value {
    json!({
        "id": super::activity_id(ctx, &kind.to_lowercase()),
        "type": kind,
        "actor": moderator.ap_id,
        "object": object,
        "audience": board.ap_id,
        "to": [PUBLIC],
        "cc": [board.ap_id],
    })
}
