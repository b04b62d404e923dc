//! Boards on the wire (FEP-1b12): the `Group` actor's collections, and the board forwarding
//! what is posted in it to its followers: `Announce(activity)` for software that reads it
//! (forums, Tsunagu), `Announce(object)` for microblogs, which show it as a boost.

use crate::activities::{activity_id, Outgoing};
use crate::objects::{with_context, PUBLIC};
use crate::publish::strip_context;
use crate::{Data, FedError};
use serde_json::{json, Value};
use tsunagu_db::queries::{follows, posts};
use tsunagu_db::Actor;
use tsunagu_service::{boards, Event};

/// The local boards' forwarding of a member's new, edited or deleted post in their threads:
/// each board holding the thread announces the author's activity to its followers.
pub(crate) async fn board_activities(
    event: &Event,
    author_activity: Option<&Outgoing>,
    data: &Data,
) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let mut out = Vec::new();
    let (Event::PostCreated { post_id }
    | Event::PostUpdated { post_id }
    | Event::PostDeleted { post_id, .. }) = event.clone()
    else {
        return Ok(out);
    };
    let Some(activity) = author_activity else {
        return Ok(out);
    };
    let post = ctx.db.read(move |c| posts::by_id(c, post_id)).await?;
    if !tsunagu_service::posts::is_public(&post) {
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
    Ok(out)
}

/// A board's remote followers' inboxes: (forums and other software that reads
/// `Announce(activity)`, microblogs that read only `Announce(object)`).
pub(crate) async fn follower_inboxes(
    data: &Data,
    board: &Actor,
) -> Result<(Vec<String>, Vec<String>), FedError> {
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
    forums.sort();
    forums.dedup();
    microblogs.sort();
    microblogs.dedup();
    Ok((forums, microblogs))
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
    let (forums, microblogs) = follower_inboxes(data, board).await?;
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
    let fetch = |url: String| async move {
        crate::net::get(ctx, &url, "application/json")
            .await?
            .json::<Value>()
            .await
            .ok()
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
