//! Boards on the wire (FEP-1b12): the `Group` actor's collections, and the board forwarding
//! what is posted in it to its followers: `Announce(activity)` for software that reads it
//! (forums, Tsunagu), `Announce(object)` for microblogs, which show it as a boost.

use crate::objects::{with_context, PUBLIC};
use crate::publish::{activity_id, strip_context, Outgoing};
use crate::{Data, FedError};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, follows, posts};
use tsunagu_db::Actor;
use tsunagu_service::{boards, Event};

/// What a local board sends when something happens in it.
pub(crate) async fn board_activities(
    event: &Event,
    author_activity: Option<&Outgoing>,
    data: &Data,
) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let mut out = Vec::new();
    match event.clone() {
        Event::PostCreated { post_id }
        | Event::PostUpdated { post_id }
        | Event::PostDeleted { post_id } => {
            let Some(activity) = author_activity else {
                return Ok(out);
            };
            let post = ctx.db.read(move |c| posts::by_id(c, post_id)).await?;
            if !matches!(post.visibility.as_str(), "public" | "unlisted") {
                return Ok(out);
            }
            let Some((root, _)) = boards::thread_of(ctx, &post).await? else {
                return Ok(out);
            };
            let object = matches!(event, Event::PostCreated { .. }).then(|| post.ap_id.clone());
            for board in boards::boards_of_thread(ctx, root.id)
                .await?
                .into_iter()
                .filter(|b| b.local)
            {
                out.extend(announce(data, &board, &activity.activity, object.as_deref()).await?);
            }
        }
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
            out.extend(announce(data, &board, &inner, None).await?);
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
            out.extend(announce(data, &board, &inner, None).await?);
        }
        Event::PostRemoved {
            post_id,
            board_id,
            moderator_id,
            reason,
        } => {
            let (post, board, moderator) = three(data, post_id, board_id, moderator_id).await?;
            let mut inner = moderation(ctx, "Delete", &moderator, &board, json!(post.ap_id));
            inner["summary"] = json!(reason);
            out.extend(announce(data, &board, &inner, None).await?);
        }
        Event::PostApproved { post_id, board_id } => {
            let post = ctx.db.read(move |c| posts::by_id(c, post_id)).await?;
            let board = ctx.db.read(move |c| actors::by_id(c, board_id)).await?;
            let author_id = post.author_id;
            let author = ctx.db.read(move |c| actors::by_id(c, author_id)).await?;
            // The author's activity is not kept; followers fetch the post from its origin.
            let create = json!({
                "id": format!("{}#create", post.ap_id),
                "type": "Create",
                "actor": author.ap_id,
                "object": post.ap_id,
            });
            let object = post.in_reply_to_id.is_none().then(|| post.ap_id.clone());
            out.extend(announce(data, &board, &create, object.as_deref()).await?);
        }
        Event::ReportForwarded { report_id } => {
            let (report, target) = ctx
                .db
                .read(move |c| {
                    let r = tsunagu_db::queries::reports::by_id(c, report_id)?;
                    let t = actors::by_id(c, r.target_id)?;
                    Ok((r, t))
                })
                .await?;
            let ids = tsunagu_service::reports::post_ids(&report);
            let statuses = ctx.db.read(move |c| posts::by_ids(c, &ids)).await?;
            let mut objects = vec![json!(target.ap_id)];
            objects.extend(statuses.iter().map(|p| json!(p.ap_id)));
            // Reports travel as the instance, not the member, as Mastodon does.
            let instance = tsunagu_service::accounts::instance_actor(ctx).await?;
            out.push(Outgoing {
                actor_id: instance.id,
                activity: json!({
                    "id": activity_id(ctx, "flag"),
                    "type": "Flag",
                    "actor": instance.ap_id,
                    "object": objects,
                    "content": report.comment,
                }),
                inboxes: vec![target.inbox_url.clone()],
            });
        }
        Event::BoardUpdated { board_id } => {
            let board = ctx.db.read(move |c| actors::by_id(c, board_id)).await?;
            let object = strip_context(crate::objects::actor_json(ctx, &board).await?);
            let inboxes = ctx
                .db
                .read(move |c| follows::remote_follower_inboxes(c, board_id))
                .await?;
            out.push(Outgoing {
                actor_id: board.id,
                activity: json!({ "id": activity_id(ctx, "update"), "type": "Update", "actor": board.ap_id, "to": [PUBLIC], "object": object }),
                inboxes,
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
) -> Result<(tsunagu_db::Post, Actor, Actor), FedError> {
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

/// A moderator's activity in a board (`Lock`, `Add`, `Delete`, `Undo`...), addressed to the
/// board, which then announces it.
fn moderation(
    ctx: &tsunagu_service::Context,
    kind: &str,
    moderator: &Actor,
    board: &Actor,
    object: Value,
) -> Value {
    json!({
        "id": activity_id(ctx, &kind.to_lowercase()),
        "type": kind,
        "actor": moderator.ap_id,
        "object": object,
        "audience": board.ap_id,
        "to": [PUBLIC],
        "cc": [board.ap_id],
    })
}

/// The board forwards `activity` to its remote followers: wrapped whole for software that
/// understands it, and as a plain boost of `object` (when given) for microblogs.
pub(crate) async fn announce(
    data: &Data,
    board: &Actor,
    activity: &Value,
    object: Option<&str>,
) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let bid = board.id;
    let followers = ctx
        .db
        .read(move |c| follows::remote_follower_inboxes_by_domain(c, bid))
        .await?;
    let (mut forums, mut microblogs) = (Vec::new(), Vec::new());
    for (inbox, domain) in followers {
        let software = boards::instance_software(ctx, &domain)
            .await?
            .unwrap_or_default();
        if boards::is_microblog(&software) {
            microblogs.push(inbox);
        } else {
            forums.push(inbox);
        }
    }
    forums.dedup();
    microblogs.dedup();
    let mut out = Vec::new();
    let followers_url = board.followers_url.clone();
    if !forums.is_empty() {
        out.push(Outgoing {
            actor_id: board.id,
            activity: json!({
                "id": activity_id(ctx, "announce"),
                "type": "Announce",
                "actor": board.ap_id,
                "to": [PUBLIC],
                "cc": [followers_url],
                "object": strip_context(activity.clone()),
            }),
            inboxes: forums,
        });
    }
    if let Some(object) = object.filter(|_| !microblogs.is_empty()) {
        out.push(Outgoing {
            actor_id: board.id,
            activity: json!({
                "id": activity_id(ctx, "announce"),
                "type": "Announce",
                "actor": board.ap_id,
                "to": [PUBLIC],
                "cc": [followers_url],
                "object": object,
            }),
            inboxes: microblogs,
        });
    }
    Ok(out)
}

/// Learns what software `domain` runs from its NodeInfo, once.
pub(crate) async fn detect_software(data: &Data, domain: &str) {
    let ctx = data.app_data();
    if matches!(boards::instance_software(ctx, domain).await, Ok(Some(_))) {
        return;
    }
    let scheme = if ctx.scheme == "http" {
        "http"
    } else {
        "https"
    };
    let Some(client) = crate::plain_client() else {
        return;
    };
    let fetch = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .header("Accept", "application/json")
                .send()
                .await
                .ok()?
                .json::<Value>()
                .await
                .ok()
        }
    };
    let Some(links) = fetch(format!("{scheme}://{domain}/.well-known/nodeinfo")).await else {
        tracing::debug!("no NodeInfo at {domain}");
        return;
    };
    let href = links["links"].as_array().and_then(|l| {
        l.iter()
            .rev()
            .find_map(|x| x["href"].as_str().map(str::to_string))
    });
    let Some(href) = href else { return };
    // The document must be on the server it describes.
    if url::Url::parse(&href)
        .ok()
        .map(|u| crate::objects::authority(&u))
        .as_deref()
        != Some(domain)
    {
        return;
    }
    if let Some(info) = fetch(href).await {
        if let Some(name) = info["software"]["name"].as_str() {
            let _ = boards::record_instance_software(ctx, domain, name).await;
        }
    }
}

/// The `Group` parts of a local board's actor JSON.
pub(crate) async fn group_fields(
    data_ctx: &tsunagu_service::Context,
    actor: &Actor,
    value: &mut Value,
) -> Result<(), FedError> {
    let Ok((board, _)) = boards::board_by_actor(data_ctx, actor.id).await else {
        return Ok(());
    };
    value["attributedTo"] = json!(format!("{}/moderators", actor.ap_id));
    value["moderators"] = json!(format!("{}/moderators", actor.ap_id));
    value["featured"] = json!(format!("{}/featured", actor.ap_id));
    value["postingRestrictedToMods"] = json!(board.posting_mode == "moderators");
    if !board.rules.is_empty() {
        value["rules"] = json!(board.rules);
    }
    Ok(())
}

/// `/boards/{name}/moderators` and `/boards/{name}/featured` as collections.
pub(crate) async fn moderators_collection(data: &Data, board: &Actor) -> Result<Value, FedError> {
    let mods = boards::moderators(data.app_data(), board.id).await?;
    Ok(with_context(json!({
        "id": format!("{}/moderators", board.ap_id),
        "type": "OrderedCollection",
        "totalItems": mods.len(),
        "orderedItems": mods.iter().map(|a| a.ap_id.clone()).collect::<Vec<_>>(),
    })))
}

pub(crate) async fn featured_collection(data: &Data, board: &Actor) -> Result<Value, FedError> {
    let mut items = Vec::new();
    for post in boards::pinned(data.app_data(), board.id).await? {
        items.push(strip_context(
            crate::objects::post_json(data.app_data(), &post).await?,
        ));
    }
    Ok(with_context(json!({
        "id": format!("{}/featured", board.ap_id),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}
