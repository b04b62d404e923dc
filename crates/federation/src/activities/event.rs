//! Taking part in events, as Mobilizon does it: `Join` of an `Event`, answered with
//! `Accept` (or `Reject`), and `Leave`.
//!
//! Who may say what: the sender of a `Join` or `Leave` is the participant, and its object
//! must be an event here; only the event's own server may answer a `Join` of ours. A `Join`
//! of a full event is kept in line unanswered until a place frees up.

use super::{first_id, Incoming, Outgoing};
use crate::objects::DbActor;
use crate::{Data, FedError};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, events, posts};
use tsunagu_service::{events as use_case, Event};

pub(super) async fn receive_join(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let event = activity.object_id()?;
    use_case::receive_join(
        data.app_data(),
        &sender.0,
        event.as_str(),
        activity.id.as_str(),
    )
    .await?;
    Ok(())
}

pub(super) async fn receive_leave(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    // Mobilizon names the event; some software embeds its `Join` instead.
    let event = match activity.object.get("type").and_then(Value::as_str) {
        Some("Join") => activity.object.get("object").and_then(first_id),
        _ => first_id(&activity.object),
    }
    .ok_or_else(|| FedError::BadRequest("Leave has no event".into()))?;
    use_case::receive_leave(data.app_data(), &sender.0, &event).await?;
    Ok(())
}

/// Whether an `Accept` or `Reject` answers one of our `Join`s.
pub(super) fn answers_join(activity: &Incoming, data: &Data) -> bool {
    activity.object_kind() == Some("Join")
        || first_id(&activity.object)
            .is_some_and(|id| id.starts_with(&data.app_data().url("/activities/join/")))
}

pub(super) async fn receive_answer(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let join = first_id(&activity.object);
    let event = activity.object.get("object").and_then(first_id);
    let participant = activity.inner_actor();
    use_case::receive_answer(
        data.app_data(),
        &sender.0,
        join.as_deref(),
        event.as_deref(),
        participant.as_deref(),
        activity.kind == "Accept",
    )
    .await?;
    Ok(())
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let out = match event.clone() {
        Event::EventJoinRequested { participant_id } => {
            let (join_id, member, post, organiser) = participation(data, participant_id).await?;
            Outgoing {
                actor_id: member.id,
                activity: join_json(join_id.as_deref(), &member.ap_id, &post.ap_id),
                inboxes: vec![super::inbox_of(&organiser)],
            }
        }
        Event::EventJoinAccepted { participant_id } => {
            let (join_id, member, post, organiser) = participation(data, participant_id).await?;
            Outgoing {
                actor_id: organiser.id,
                activity: json!({
                    "id": super::activity_id(ctx, "accept"),
                    "type": "Accept",
                    "actor": organiser.ap_id,
                    "object": join_json(join_id.as_deref(), &member.ap_id, &post.ap_id),
                }),
                inboxes: vec![member.inbox_url.clone()],
            }
        }
        Event::EventLeft {
            event_id,
            actor_id,
            join_ap_id,
        } => {
            let (member, post, organiser) = data
                .db
                .read(move |c| {
                    let post = posts::by_id(c, event_id)?;
                    Ok((
                        actors::by_id(c, actor_id)?,
                        actors::by_id(c, post.author_id)?,
                        post,
                    ))
                })
                .await
                .map(|(m, o, p)| (m, p, o))?;
            Outgoing {
                actor_id: member.id,
                activity: json!({
                    "id": join_ap_id
                        .map(|j| format!("{j}/leave"))
                        .unwrap_or_else(|| super::activity_id(ctx, "leave")),
                    "type": "Leave",
                    "actor": member.ap_id,
                    "object": post.ap_id,
                }),
                inboxes: vec![super::inbox_of(&organiser)],
            }
        }
        _ => return Ok(Vec::new()),
    };
    Ok(vec![out])
}

/// A participation with its join's id, the participant, the event and its organiser.
async fn participation(
    data: &Data,
    participant_id: i64,
) -> Result<
    (
        Option<String>,
        tsunagu_db::Actor,
        tsunagu_db::Post,
        tsunagu_db::Actor,
    ),
    FedError,
> {
    Ok(data
        .db
        .read(move |c| {
            let p = events::participant(c, participant_id)?;
            let post = posts::by_id(c, p.event_id)?;
            let organiser = actors::by_id(c, post.author_id)?;
            Ok((p.join_ap_id, actors::by_id(c, p.actor_id)?, post, organiser))
        })
        .await?)
}

fn join_json(id: Option<&str>, actor: &str, event: &str) -> Value {
    json!({
        "id": id,
        "type": "Join",
        "actor": actor,
        "object": event,
    })
}
