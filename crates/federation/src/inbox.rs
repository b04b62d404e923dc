//! The inbox: one activity type that accepts every shape, verified by the federation library
//! (digest, actor, signature), then dispatched by its `type` to a use case. Types we do not
//! handle are accepted and ignored; each activity id is applied at most once.

use crate::objects::{first_id, DbActor, DbPost, PostJson};
use crate::{Data, FedError};
use activitypub_federation::axum::inbox::{receive_activity, ActivityData};
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::protocol::verification::verify_domains_match;
use activitypub_federation::traits::{Activity, Object};
use async_trait::async_trait;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tsunagu_db::now;
use tsunagu_db::queries::{actors, deliveries, posts};
use tsunagu_service::{inbound, Context};
use url::Url;

/// Any activity. `actor` may be a string or an object with an `id`.
#[derive(Debug, Deserialize)]
pub struct InboxActivity {
    id: Url,
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "actor_id")]
    actor: Url,
    #[serde(default)]
    object: Value,
    #[serde(default)]
    published: Option<String>,
}

fn actor_id<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    let value = Value::deserialize(d)?;
    let id = first_id(&value).ok_or_else(|| serde::de::Error::custom("actor has no id"))?;
    Url::parse(&id).map_err(serde::de::Error::custom)
}

/// Activities larger than this are refused.
const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;

pub async fn post_inbox(data: Data, request: Request) -> Result<StatusCode, FedError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_ACTIVITY_BYTES) {
        return Err(FedError::TooLarge);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ACTIVITY_BYTES)
        .await
        .map_err(|_| FedError::TooLarge)?;
    let request = Request::from_parts(parts, Body::from(bytes));
    let activity = ActivityData::from_request(request, &())
        .await
        .map_err(|_| FedError::BadRequest("unreadable request".into()))?;
    receive_activity::<InboxActivity, DbActor, Context>(activity, &data).await?;
    Ok(StatusCode::ACCEPTED)
}

#[async_trait]
impl Activity for InboxActivity {
    type DataType = Context;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data) -> Result<(), FedError> {
        // The library has checked that the id and the actor share a domain and that the
        // actor signed the request; each handler below checks what the object claims.
        Ok(())
    }

    async fn receive(self, data: &Data) -> Result<(), FedError> {
        let id = self.id.to_string();
        let first_time = data
            .db
            .write({
                let id = id.clone();
                move |c| deliveries::remember_received(c, &id, now())
            })
            .await?;
        if !first_time {
            tracing::debug!("activity {id} was already received");
            return Ok(());
        }
        let result = self.dispatch(data).await;
        if result.is_err() {
            // Let the sender retry: nothing of it was applied.
            let _ = data
                .db
                .write(move |c| deliveries::forget_received(c, &id))
                .await;
        }
        result
    }
}

impl InboxActivity {
    async fn dispatch(self, data: &Data) -> Result<(), FedError> {
        let actor = ObjectId::<DbActor>::from(self.actor.clone())
            .dereference(data)
            .await?;
        let ctx = data.app_data();
        match self.kind.as_str() {
            "Create" | "Update" => self.receive_create_or_update(data).await,
            "Delete" => {
                let object = self.object_id()?;
                verify_domains_match(&object, &self.actor)?;
                inbound::receive_delete(ctx, &actor.0, object.as_str()).await?;
                Ok(())
            }
            "Follow" => {
                let target = self.local_actor(data, &self.object_id()?).await?;
                inbound::receive_follow(ctx, &actor.0, &target.0, self.id.as_str()).await?;
                Ok(())
            }
            "Accept" | "Reject" => {
                let follow_id = first_id(&self.object);
                let follower = self.object.get("actor").and_then(first_id);
                inbound::receive_follow_answer(
                    ctx,
                    &actor.0,
                    follower.as_deref(),
                    follow_id.as_deref(),
                    self.kind == "Accept",
                )
                .await?;
                Ok(())
            }
            "Undo" => self.receive_undo(&actor, data).await,
            "Like" | "EmojiReact" => {
                let object = self.object_id()?;
                inbound::receive_like(ctx, &actor.0, object.as_str(), self.id.as_str()).await?;
                Ok(())
            }
            "Announce" => self.receive_announce(&actor, data).await,
            other => {
                tracing::debug!("ignoring activity of type {other} from {}", self.actor);
                Ok(())
            }
        }
    }

    fn object_id(&self) -> Result<Url, FedError> {
        let id = first_id(&self.object)
            .ok_or_else(|| FedError::BadRequest(format!("{} has no object", self.kind)))?;
        Ok(Url::parse(&id)?)
    }

    async fn local_actor(&self, data: &Data, url: &Url) -> Result<DbActor, FedError> {
        let id = url.to_string();
        let actor = data
            .db
            .read(move |c| actors::by_ap_id(c, &id))
            .await?
            .filter(|a| a.local)
            .ok_or(FedError::NotFound)?;
        DbActor::new(actor)
    }

    async fn receive_create_or_update(&self, data: &Data) -> Result<(), FedError> {
        let kind = self
            .object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if matches!(
            kind,
            "Person" | "Group" | "Service" | "Application" | "Organization"
        ) {
            // A profile update: fetch the actor afresh from its own server.
            if self.object_id()? == self.actor {
                ObjectId::<DbActor>::from(self.actor.clone())
                    .dereference_forced(data)
                    .await?;
            }
            return Ok(());
        }
        if self.object.is_string() {
            // Only a reference: fetch it from its origin.
            let url = self.object_id()?;
            verify_domains_match(&url, &self.actor)?;
            ObjectId::<DbPost>::from(url)
                .dereference_forced(data)
                .await?;
            return Ok(());
        }
        if !crate::objects::post::is_post_kind(kind) {
            tracing::debug!("ignoring {} of {kind}", self.kind);
            return Ok(());
        }
        let json: PostJson = serde_json::from_value(self.object.clone())?;
        DbPost::verify(&json, &self.actor, data).await?;
        if json.author_id().as_deref() != Some(self.actor.as_str()) {
            return Err(FedError::BadRequest(
                "object is attributed to another actor".into(),
            ));
        }
        DbPost::from_json(json, data).await?;
        Ok(())
    }

    async fn receive_undo(&self, actor: &DbActor, data: &Data) -> Result<(), FedError> {
        let ctx = data.app_data();
        let inner_id = self.object_id()?;
        verify_domains_match(&inner_id, &self.actor)?;
        let inner_kind = self.object.get("type").and_then(Value::as_str);
        let inner_object = self.object.get("object").and_then(first_id);
        match inner_kind {
            Some("Follow") => {
                let target = inner_object
                    .ok_or_else(|| FedError::BadRequest("Undo(Follow) without object".into()))?;
                inbound::receive_unfollow(ctx, &actor.0, &target).await?;
            }
            Some("Like") | Some("EmojiReact") => {
                inbound::receive_unlike(ctx, &actor.0, inner_id.as_str(), inner_object.as_deref())
                    .await?;
            }
            Some("Announce") => {
                inbound::receive_unannounce(ctx, &actor.0, inner_id.as_str()).await?;
            }
            Some(_) => {}
            None => {
                // Only the id: it names one of the things this actor did.
                inbound::receive_unlike(ctx, &actor.0, inner_id.as_str(), None).await?;
                inbound::receive_unannounce(ctx, &actor.0, inner_id.as_str()).await?;
            }
        }
        Ok(())
    }

    async fn receive_announce(&self, actor: &DbActor, data: &Data) -> Result<(), FedError> {
        let inner_kind = self
            .object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if matches!(
            inner_kind,
            "Create" | "Update" | "Delete" | "Like" | "Undo" | "Announce"
        ) {
            // A group forwarding an activity; handled with boards.
            tracing::debug!("ignoring Announce({inner_kind}) from {}", self.actor);
            return Ok(());
        }
        let url = self.object_id()?;
        let known = {
            let u = url.to_string();
            data.db.read(move |c| posts::by_ap_id(c, &u)).await?
        };
        let original = match known {
            Some(p) => p,
            // Never trust an embedded copy: fetch the post from its own server.
            None => ObjectId::<DbPost>::from(url).dereference(data).await?.0,
        };
        inbound::receive_announce(
            data.app_data(),
            &actor.0,
            &original,
            self.id.as_str(),
            crate::objects::parse_time(self.published.as_deref()),
        )
        .await?;
        Ok(())
    }
}
