//! Blocks between accounts: `Block` and `Undo(Block)` (a board's ban, a `Block` with a
//! `target`, belongs to [`super::board`]).
//!
//! Who may say what: the sender blocks as itself, and only accounts here matter to us; only
//! the blocker may undo its block.

use super::{first_id, two_actors, Incoming, Outgoing};
use crate::objects::DbActor;
use crate::{Data, FedError};
use serde_json::json;
use tsunagu_service::{inbound, Event};

pub(super) async fn receive(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let target = activity.object_id()?;
    inbound::receive_block(
        data.app_data(),
        &sender.0,
        target.as_str(),
        activity.id.as_str(),
        true,
    )
    .await?;
    Ok(())
}

pub(super) async fn receive_undo(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let inner = activity.require_own_inner()?;
    let target = activity
        .object
        .get("object")
        .and_then(first_id)
        .unwrap_or_default();
    inbound::receive_block(data.app_data(), &sender.0, &target, inner.as_str(), false).await?;
    Ok(())
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let Event::Blocked {
        actor_id,
        target_id,
        block_ap_id,
        blocked,
    } = event.clone()
    else {
        return Ok(Vec::new());
    };
    let (actor, target) = two_actors(data, actor_id, target_id).await?;
    let block = json!({
        "id": block_ap_id,
        "type": "Block",
        "actor": actor.ap_id,
        "object": target.ap_id,
    });
    let activity = if blocked {
        block
    } else {
        json!({
            "id": super::activity_id(data.app_data(), "undo"),
            "type": "Undo",
            "actor": actor.ap_id,
            "object": block,
        })
    };
    Ok(vec![Outgoing {
        actor_id,
        activity,
        inboxes: vec![target.inbox_url.clone()],
    }])
}
