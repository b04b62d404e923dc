//! Following: `Follow`, its `Accept` or `Reject`, and `Undo(Follow)`.
//!
//! Who may say what: the sender of a `Follow` is the follower, and its object must be an
//! account or board here; only the followed account may answer a follow; only the follower
//! may undo it.

use super::{first_id, two_actors, Incoming, Outgoing};
use crate::objects::DbActor;
use crate::{Data, FedError};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, follows};
use tsunagu_db::Actor;
use tsunagu_service::{inbound, Event};

pub(super) async fn receive(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let target = local_actor(data, activity.object_id()?.as_str()).await?;
    let ctx = data.app_data();
    inbound::receive_follow(ctx, &sender.0, &target, activity.id.as_str()).await?;
    if target.kind == "Group" {
        // Boards speak to each follower's software in the form it reads.
        let (d, domain) = (data.reset_request_count(), sender.0.domain.clone());
        tokio::spawn(async move { crate::boards::detect_software(&d, &domain).await });
    }
    Ok(())
}

/// `Accept` or `Reject` of a follow we sent: the follow named by id, or by its follower.
pub(super) async fn receive_answer(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let follow_id = first_id(&activity.object);
    let follower = activity.object.get("actor").and_then(first_id);
    inbound::receive_follow_answer(
        data.app_data(),
        &sender.0,
        follower.as_deref(),
        follow_id.as_deref(),
        activity.kind == "Accept",
    )
    .await?;
    Ok(())
}

pub(super) async fn receive_undo(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    activity.require_own_inner()?;
    let target = activity
        .object
        .get("object")
        .and_then(first_id)
        .ok_or_else(|| FedError::BadRequest("Undo(Follow) without object".into()))?;
    inbound::receive_unfollow(data.app_data(), &sender.0, &target).await?;
    Ok(())
}

async fn local_actor(data: &Data, id: &str) -> Result<Actor, FedError> {
    let id = id.to_string();
    data.db
        .read(move |c| actors::by_ap_id(c, &id))
        .await?
        .filter(|a| a.local)
        .ok_or(FedError::NotFound)
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let out = match event.clone() {
        Event::FollowRequested { follow_id } => {
            let (follow, follower, followee) = follow_and_actors(data, follow_id).await?;
            Outgoing {
                actor_id: follower.id,
                activity: follow_json(follow.ap_id.as_deref(), &follower, &followee),
                inboxes: vec![followee.inbox_url.clone()],
            }
        }
        Event::FollowAccepted { follow_id } => {
            let (follow, follower, followee) = follow_and_actors(data, follow_id).await?;
            Outgoing {
                actor_id: followee.id,
                activity: json!({
                    "id": super::activity_id(ctx, "accept"),
                    "type": "Accept",
                    "actor": followee.ap_id,
                    "object": follow_json(follow.ap_id.as_deref(), &follower, &followee),
                }),
                inboxes: vec![follower.inbox_url.clone()],
            }
        }
        Event::FollowRejected {
            follower_id,
            followee_id,
            follow_ap_id,
        } => {
            let (follower, followee) = two_actors(data, follower_id, followee_id).await?;
            Outgoing {
                actor_id: followee.id,
                activity: json!({
                    "id": super::activity_id(ctx, "reject"),
                    "type": "Reject",
                    "actor": followee.ap_id,
                    "object": follow_json(follow_ap_id.as_deref(), &follower, &followee),
                }),
                inboxes: vec![follower.inbox_url.clone()],
            }
        }
        Event::Unfollowed {
            follower_id,
            followee_id,
            follow_ap_id,
        } => {
            let (follower, followee) = two_actors(data, follower_id, followee_id).await?;
            Outgoing {
                actor_id: follower.id,
                activity: json!({
                    "id": super::activity_id(ctx, "undo"),
                    "type": "Undo",
                    "actor": follower.ap_id,
                    "object": follow_json(follow_ap_id.as_deref(), &follower, &followee),
                }),
                inboxes: vec![followee.inbox_url.clone()],
            }
        }
        _ => return Ok(Vec::new()),
    };
    Ok(vec![out])
}

async fn follow_and_actors(
    data: &Data,
    follow_id: i64,
) -> Result<(tsunagu_db::Follow, Actor, Actor), FedError> {
    Ok(data
        .db
        .read(move |c| {
            let f = follows::by_id(c, follow_id)?;
            Ok((
                f.clone(),
                actors::by_id(c, f.follower_id)?,
                actors::by_id(c, f.followee_id)?,
            ))
        })
        .await?)
}

fn follow_json(id: Option<&str>, follower: &Actor, followee: &Actor) -> Value {
    json!({
        "id": id,
        "type": "Follow",
        "actor": follower.ap_id,
        "object": followee.ap_id,
    })
}
