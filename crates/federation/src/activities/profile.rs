//! Profiles: `Update` of an actor, and an actor's `Delete` of itself.
//!
//! Who may say what: an actor updates or deletes only itself. The new profile is fetched
//! from the actor's own server, never taken from the activity.

use super::{Incoming, Outgoing};
use crate::objects::{actor_json, DbActor, PUBLIC};
use crate::publish::strip_context;
use crate::{Data, FedError};
use activitypub_federation::fetch::object_id::ObjectId;
use serde_json::json;
use tsunagu_db::queries::{actors, follows};
use tsunagu_service::{inbound, Event};

pub(super) async fn receive_update(activity: &Incoming, data: &Data) -> Result<(), FedError> {
    if activity.object_id()? == activity.actor {
        ObjectId::<DbActor>::from(activity.actor.clone())
            .dereference_forced(data)
            .await?;
    } else {
        tracing::debug!(
            "ignoring {} of another actor's profile from {}",
            activity.kind,
            activity.actor
        );
    }
    Ok(())
}

pub(super) async fn receive_delete(sender: &DbActor, data: &Data) -> Result<(), FedError> {
    inbound::receive_delete(data.app_data(), &sender.0, &sender.0.ap_id).await?;
    Ok(())
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let Event::ProfileUpdated { actor_id } = *event else {
        return Ok(Vec::new());
    };
    let ctx = data.app_data();
    let actor = ctx.db.read(move |c| actors::by_id(c, actor_id)).await?;
    let inboxes = ctx
        .db
        .read(move |c| follows::remote_follower_inboxes(c, actor_id))
        .await?;
    let object = strip_context(actor_json(ctx, &actor).await?);
    Ok(vec![Outgoing {
        actor_id,
        activity: json!({
            "id": super::activity_id(ctx, "update"),
            "type": "Update",
            "actor": actor.ap_id,
            "to": [PUBLIC],
            "object": object,
        }),
        inboxes,
    }])
}

/// `Delete` of a local actor whose member left: every server that knew them forgets them.
pub(super) async fn build_delete(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let Event::AccountDeleted { actor_id, inboxes } = event else {
        return Ok(Vec::new());
    };
    let ctx = data.app_data();
    let id = *actor_id;
    let actor = ctx.db.read(move |c| actors::by_id(c, id)).await?;
    Ok(vec![Outgoing {
        actor_id: id,
        activity: json!({
            "id": super::activity_id(ctx, "delete"),
            "type": "Delete",
            "actor": actor.ap_id,
            "to": [PUBLIC],
            "object": actor.ap_id,
        }),
        inboxes: inboxes.clone(),
    }])
}
