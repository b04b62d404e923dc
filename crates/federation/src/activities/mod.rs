//! Activities, one module per family. Each module owns both directions of its family: what
//! a local [`Event`] becomes on the wire (`build`), and what an arriving activity may do
//! (`receive`: who may say it about which object, then the use case). [`receive`] dispatches
//! an arriving activity on its type and its object's type; [`build`] dispatches an event.
//! `docs/federation.md` lists the rules each module enforces.

mod announce;
mod block;
pub(crate) mod board;
mod event;
mod follow;
mod like;
mod mentoring;
mod poll;
mod post;
mod profile;
mod report;

use crate::objects::{first_id, DbActor};
use crate::{Data, FedError};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tsunagu_db::now;
use tsunagu_db::queries::deliveries;
use tsunagu_service::Event;
use url::Url;

/// An activity as it arrived. `actor` may be written as a string or an object with an `id`.
#[derive(Debug, Deserialize)]
pub struct Incoming {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "actor_id")]
    pub actor: Url,
    #[serde(default)]
    pub object: Value,
    #[serde(default)]
    pub published: Option<String>,
    /// Everything else, so a board can forward the activity unchanged.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

fn actor_id<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    let value = Value::deserialize(d)?;
    let id = first_id(&value).ok_or_else(|| serde::de::Error::custom("actor has no id"))?;
    Url::parse(&id).map_err(serde::de::Error::custom)
}

impl Incoming {
    /// The id of the object, which must be there.
    pub fn object_id(&self) -> Result<Url, FedError> {
        let id = first_id(&self.object)
            .ok_or_else(|| FedError::BadRequest(format!("{} has no object", self.kind)))?;
        Ok(Url::parse(&id)?)
    }

    /// The object's `type`, when the object is embedded.
    pub fn object_kind(&self) -> Option<&str> {
        self.object.get("type").and_then(Value::as_str)
    }

    /// The `actor` of an embedded activity (`Undo(Like)`, `Announce(Delete)`...).
    pub fn inner_actor(&self) -> Option<String> {
        self.object.get("actor").and_then(first_id)
    }

    /// The activity as it arrived, for a board to forward.
    pub fn raw(&self) -> Value {
        let mut map = self.rest.clone();
        map.remove("@context");
        map.insert("id".into(), Value::String(self.id.to_string()));
        map.insert("type".into(), Value::String(self.kind.clone()));
        map.insert("actor".into(), Value::String(self.actor.to_string()));
        map.insert("object".into(), self.object.clone());
        if let Some(p) = &self.published {
            map.insert("published".into(), Value::String(p.clone()));
        }
        Value::Object(map)
    }

    /// An embedded activity (`Undo`'s object) must be by the same actor, from the same server.
    fn require_own_inner(&self) -> Result<Url, FedError> {
        let inner = self.object_id()?;
        crate::objects::verify_same_host(&inner, &self.actor)?;
        if let Some(actor) = self.inner_actor() {
            if actor != self.actor.as_str() {
                return Err(FedError::Forbidden(
                    "an actor may only undo its own activities".into(),
                ));
            }
        }
        Ok(inner)
    }
}

/// Object types that are activities (wrapped in a group's `Announce`).
fn is_activity_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Create"
            | "Update"
            | "Delete"
            | "Like"
            | "Dislike"
            | "Undo"
            | "Announce"
            | "Lock"
            | "Add"
            | "Remove"
            | "Flag"
            | "Block"
    )
}

/// Applies an activity whose signature was verified: `sender` is the actor that signed it.
/// `receipt` is the activity's id when the write storing its post is to remember it (see
/// [`remembered_with_post`]); otherwise it was remembered before.
pub async fn receive(
    activity: Incoming,
    sender: DbActor,
    data: &Data,
    receipt: Option<&str>,
) -> Result<(), FedError> {
    let object_kind = activity.object_kind().map(str::to_string);
    let result = match (activity.kind.as_str(), object_kind.as_deref()) {
        ("Create" | "Update", Some(k)) if crate::objects::is_actor_kind(k) => {
            profile::receive_update(&activity, data).await
        }
        ("Create" | "Update", _) => post::receive(&activity, &sender, data, receipt).await,
        ("Delete", _) if activity.object_id()? == activity.actor => {
            profile::receive_delete(&sender, data).await
        }
        ("Delete", _) => {
            if mentoring::receive_withdrawal(&activity, &sender, data).await? {
                Ok(())
            } else {
                post::receive_delete(&activity, &sender, data).await
            }
        }
        ("Follow", _) => follow::receive(&activity, &sender, data).await,
        ("Accept" | "Reject", _) if mentoring::answers_request(&activity, data) => {
            mentoring::receive_answer(&activity, &sender, data).await
        }
        ("Accept" | "Reject", _) if event::answers_join(&activity, data) => {
            event::receive_answer(&activity, &sender, data).await
        }
        ("Join", _) => event::receive_join(&activity, &sender, data).await,
        ("Leave", _) => event::receive_leave(&activity, &sender, data).await,
        ("Accept" | "Reject", Some("Follow") | None) => {
            follow::receive_answer(&activity, &sender, data).await
        }
        ("Undo", Some("Follow")) => follow::receive_undo(&activity, &sender, data).await,
        ("Like" | "EmojiReact" | "Dislike", _) => like::receive(&activity, &sender, data).await,
        ("Undo", Some("Like" | "EmojiReact" | "Dislike")) => {
            like::receive_undo(&activity, &sender, data).await
        }
        ("Announce", Some(k)) if is_activity_kind(k) => {
            board::receive_announced(&activity, &sender, data).await
        }
        ("Announce", _) => announce::receive(&activity, &sender, data).await,
        ("Undo", Some("Announce")) => announce::receive_undo(&activity, &sender, data).await,
        ("Block", _) if activity.rest.contains_key("target") => {
            board::receive_ban(&activity, &activity.raw(), &sender, true, data).await
        }
        ("Block", _) => block::receive(&activity, &sender, data).await,
        ("Undo", Some("Block")) if activity.object.get("target").is_some() => {
            let inner = activity.object.clone();
            board::receive_ban(&activity, &inner, &sender, false, data).await
        }
        ("Undo", Some("Block")) => block::receive_undo(&activity, &sender, data).await,
        ("Flag", _) => report::receive(&activity, &sender, data).await,
        // An `Undo` naming only the id of what it undoes.
        ("Undo", None) => {
            let inner = activity.require_own_inner()?;
            like::undo_by_id(&sender, &inner, data).await?;
            announce::undo_by_id(&sender, &inner, data).await
        }
        (kind, object) => {
            tracing::debug!(
                "ignoring {kind}({}) from {}",
                object.unwrap_or("-"),
                activity.actor
            );
            Ok(())
        }
    };
    if result.is_ok() && activity.kind == "Undo" {
        // What was undone may be done again with the same id (Takahē reuses ids): the replay
        // protection must not eat it.
        if let Ok(inner) = activity.object_id() {
            let inner = inner.to_string();
            data.db
                .write(move |c| deliveries::forget_received(c, &inner))
                .await?;
        }
    }
    result
}

/// One activity ready to store: who sends it, the JSON, and where it goes.
pub(crate) struct Outgoing {
    pub actor_id: i64,
    pub activity: Value,
    pub inboxes: Vec<String>,
}

/// The activities an event becomes, with their recipients.
pub(crate) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    match event {
        Event::PostCreated { .. }
        | Event::PostUpdated { .. }
        | Event::PostDeleted { .. }
        | Event::PollUpdated { .. } => post::build(event, data).await,
        Event::FollowRequested { .. }
        | Event::FollowAccepted { .. }
        | Event::FollowRejected { .. }
        | Event::Unfollowed { .. } => follow::build(event, data).await,
        Event::Liked { .. } | Event::Unliked { .. } => like::build(event, data).await,
        Event::Announced { .. } | Event::Unannounced { .. } => announce::build(event, data).await,
        Event::Blocked { .. } => block::build(event, data).await,
        Event::MentoringRequested { .. }
        | Event::MentoringAnswered { .. }
        | Event::MentoringCancelled { .. } => mentoring::build(event, data).await,
        Event::EventJoinRequested { .. }
        | Event::EventJoinAccepted { .. }
        | Event::EventLeft { .. } => event::build(event, data).await,
        Event::ProfileUpdated { .. } => profile::build(event, data).await,
        Event::AccountDeleted { .. } => profile::build_delete(event, data).await,
        Event::PollVoted { .. } => poll::build(event, data).await,
        Event::ReportForwarded { .. } => report::build(event, data).await,
        Event::ThreadLocked { .. }
        | Event::ThreadPinned { .. }
        | Event::PostRemoved { .. }
        | Event::BanChanged { .. }
        | Event::BoardUpdated { .. }
        | Event::PostApproved { .. } => board::build(event, data).await,
    }
}

/// A fresh id for an activity of ours: `{base}/activities/{kind}/{random}`.
pub(crate) fn activity_id(ctx: &tsunagu_service::Context, kind: &str) -> String {
    ctx.url(&format!(
        "/activities/{kind}/{}",
        tsunagu_service::posts::random_token()
    ))
}

/// The inbox to reach `actor` at: its server's shared inbox when it has one.
pub(crate) fn inbox_of(actor: &tsunagu_db::Actor) -> String {
    actor
        .shared_inbox_url
        .clone()
        .unwrap_or_else(|| actor.inbox_url.clone())
}

/// Two actors by id.
pub(crate) async fn two_actors(
    data: &Data,
    a: i64,
    b: i64,
) -> Result<(tsunagu_db::Actor, tsunagu_db::Actor), FedError> {
    use tsunagu_db::queries::actors;
    Ok(data
        .db
        .read(move |c| Ok((actors::by_id(c, a)?, actors::by_id(c, b)?)))
        .await?)
}

/// Whether an arriving activity's id is remembered by the write that stores its post rather
/// than by a write of its own ([`first_time`]): a `Create` carrying a post. Poll votes and
/// mentoring requests, also notes, are applied by writes of their own and keep theirs.
pub(crate) fn remembered_with_post(activity: &Incoming) -> bool {
    let object = &activity.object;
    activity.kind == "Create"
        && activity
            .object_kind()
            .is_some_and(crate::objects::post::is_post_kind)
        && object.get("mentoringRequest").is_none()
        && !(object.get("name").is_some() && object.get("inReplyTo").is_some())
}

/// Remembers an arriving activity's id; false when it was seen before (a replay).
pub(crate) async fn first_time(data: &Data, id: &str) -> Result<bool, FedError> {
    let id = id.to_string();
    Ok(data
        .db
        .write(move |c| deliveries::remember_received(c, &id, now()))
        .await?)
}

/// Forgets an arriving activity's id after it failed, so the sender's retry is applied.
pub(crate) async fn forget(data: &Data, id: &str) {
    let id = id.to_string();
    let _ = data
        .db
        .write(move |c| deliveries::forget_received(c, &id))
        .await;
}
