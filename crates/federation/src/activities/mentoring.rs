//! Mentoring requests between servers.
//!
//! A request is a direct `Note` from the student to the mentor marked `mentoringRequest`, so
//! software that knows nothing of mentoring shows it as a readable private message (and a
//! reply to it accepts). The mentor's server answers with `Accept` or `Reject` (`content`: the
//! reason) of the note's id; the student withdraws it with `Delete`.
//!
//! Who may say what: a request comes from the student, addressed to a member here; only the
//! mentor answers; only the student withdraws.

use super::{first_id, Incoming, Outgoing};
use crate::objects::{format_time, DbActor, PostJson};
use crate::{Data, FedError};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, mentoring as q};
use tsunagu_db::{Actor, MentoringRequest};
use tsunagu_service::{html, mentoring, Event};

/// Takes a `Create` of a mentoring request; false when the note is not one.
pub(super) async fn receive_request(
    json: &PostJson,
    sender: &DbActor,
    data: &Data,
) -> Result<bool, FedError> {
    if json.extra.get("mentoringRequest").and_then(Value::as_bool) != Some(true) {
        return Ok(false);
    }
    let addressed: Vec<String> = json.to.iter().chain(&json.cc).cloned().collect();
    let mentor = data
        .db
        .read(move |c| {
            for id in &addressed {
                if let Some(a) = actors::by_ap_id(c, id)? {
                    if a.local && a.kind == "Person" {
                        return Ok(Some(a));
                    }
                }
            }
            Ok(None)
        })
        .await?
        .ok_or(FedError::NotFound)?;
    // The student's words as written (`source`); else the text of the message.
    let message = json
        .source
        .as_ref()
        .and_then(|s| s.get("content"))
        .and_then(Value::as_str)
        .map(html::escape)
        .or_else(|| json.content.clone())
        .unwrap_or_default();
    mentoring::receive_request(
        data.app_data(),
        &sender.0,
        &mentor,
        json.id.as_str(),
        &message,
    )
    .await?;
    Ok(true)
}

/// Whether an `Accept` or `Reject` answers one of our requests.
pub(super) fn answers_request(activity: &Incoming, data: &Data) -> bool {
    first_id(&activity.object)
        .is_some_and(|id| id.starts_with(&data.app_data().url("/mentoring/requests/")))
}

pub(super) async fn receive_answer(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let id = first_id(&activity.object).unwrap_or_default();
    let reason = activity
        .rest
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("");
    mentoring::receive_answer(
        data.app_data(),
        &sender.0,
        &id,
        activity.kind == "Accept",
        reason,
    )
    .await?;
    Ok(())
}

/// A `Delete` withdrawing a request to a member here; false when it is about something else.
pub(super) async fn receive_withdrawal(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<bool, FedError> {
    let object = activity.object_id()?;
    Ok(mentoring::receive_withdrawal(data.app_data(), &sender.0, object.as_str()).await?)
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let id = match event {
        Event::MentoringRequested { request_id }
        | Event::MentoringAnswered { request_id }
        | Event::MentoringCancelled { request_id } => *request_id,
        _ => return Ok(Vec::new()),
    };
    let (r, mentor, mentee) = data
        .db
        .read(move |c| {
            let r = q::request(c, id)?;
            let (mentor, mentee) = (
                actors::by_id(c, r.mentor_id)?,
                actors::by_id(c, r.mentee_id)?,
            );
            Ok((r, mentor, mentee))
        })
        .await?;
    let out = match event {
        Event::MentoringRequested { .. } => Outgoing {
            actor_id: mentee.id,
            activity: json!({
                "id": format!("{}/activity", r.ap_id),
                "type": "Create",
                "actor": mentee.ap_id,
                "published": format_time(r.created_at),
                "to": [mentor.ap_id],
                "cc": [],
                "object": request_note(ctx, &r, &mentor, &mentee),
            }),
            inboxes: vec![mentor.inbox_url.clone()],
        },
        Event::MentoringAnswered { .. } => {
            let accepted = r.state == mentoring::ACCEPTED;
            let mut activity = json!({
                "id": super::activity_id(ctx, if accepted { "accept" } else { "reject" }),
                "type": if accepted { "Accept" } else { "Reject" },
                "actor": mentor.ap_id,
                "to": [mentee.ap_id],
                "object": r.ap_id,
            });
            if !r.reason.is_empty() {
                activity["content"] = json!(r.reason);
            }
            Outgoing {
                actor_id: mentor.id,
                activity,
                inboxes: vec![mentee.inbox_url.clone()],
            }
        }
        _ => Outgoing {
            actor_id: mentee.id,
            activity: json!({
                "id": format!("{}/delete", r.ap_id),
                "type": "Delete",
                "actor": mentee.ap_id,
                "to": [mentor.ap_id],
                "object": { "id": r.ap_id, "type": "Tombstone", "formerType": "Note" },
            }),
            inboxes: vec![mentor.inbox_url.clone()],
        },
    };
    Ok(vec![out])
}

/// The request as a direct message anyone's software can show.
fn request_note(
    ctx: &tsunagu_service::Context,
    r: &MentoringRequest,
    mentor: &Actor,
    mentee: &Actor,
) -> Value {
    let handle = format!("@{}@{}", mentor.username, mentor.domain);
    let link = mentor.url.clone().unwrap_or_else(|| mentor.ap_id.clone());
    let paragraphs: String = r
        .message
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", html::escape(p).replace('\n', "<br>")))
        .collect();
    let content = format!(
        "<p><span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span> \
         Mentoring request from {} · メンタリングの依頼</p>{paragraphs}\
         <p>Reply to this message to accept. 返信すると承諾になります。</p>",
        html::escape(&link),
        html::escape(&mentor.username),
        html::escape(&tsunagu_service::read::acct(ctx, mentee)),
    );
    json!({
        "id": r.ap_id,
        "type": "Note",
        "attributedTo": mentee.ap_id,
        "to": [mentor.ap_id],
        "cc": [],
        "content": content,
        "published": format_time(r.created_at),
        "tag": [{ "type": "Mention", "href": mentor.ap_id, "name": handle }],
        "source": { "content": r.message, "mediaType": "text/plain" },
        "mentoringRequest": true,
    })
}
