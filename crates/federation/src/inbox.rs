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
use tsunagu_service::{boards, inbound, Context};
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
    /// Everything else, so a board can forward the activity unchanged.
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
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
                self.forward_to_boards(data, object.as_str()).await
            }
            "Follow" => {
                let target = self.local_actor(data, &self.object_id()?).await?;
                inbound::receive_follow(ctx, &actor.0, &target.0, self.id.as_str()).await?;
                if target.0.kind == "Group" {
                    // Boards speak to each follower's software in the form it reads.
                    let (d, domain) = (data.reset_request_count(), actor.0.domain.clone());
                    tokio::spawn(async move { crate::boards::detect_software(&d, &domain).await });
                }
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
            "Block" => {
                let target = self.object_id()?;
                inbound::receive_block(ctx, &actor.0, target.as_str(), self.id.as_str(), true)
                    .await?;
                Ok(())
            }
            "Flag" => {
                let objects = crate::objects::ids_of(&self.object);
                let comment = self
                    .rest
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                tsunagu_service::reports::receive(
                    ctx,
                    &actor.0,
                    self.id.as_str(),
                    &objects,
                    comment,
                )
                .await?;
                Ok(())
            }
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
        let url = self.object_id()?;
        let existed = {
            let u = url.to_string();
            data.db
                .read(move |c| posts::by_ap_id(c, &u))
                .await?
                .is_some()
        };
        let (post, json) = if self.object.is_string() {
            // Only a reference: fetch it from its origin.
            verify_domains_match(&url, &self.actor)?;
            let post = ObjectId::<DbPost>::from(url)
                .dereference_forced(data)
                .await?;
            (post, None)
        } else {
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
            if let Some((question, option)) = json.vote() {
                let local_poll = data
                    .db
                    .read(move |c| {
                        Ok(posts::by_ap_id(c, &question)?
                            .filter(|p| p.local && p.kind == "Question"))
                    })
                    .await?;
                if let Some(poll) = local_poll {
                    let voter = ObjectId::<DbActor>::from(self.actor.clone())
                        .dereference(data)
                        .await?;
                    let vote_id = json.id.to_string();
                    tsunagu_service::polls::receive_vote(
                        data.app_data(),
                        &voter.0,
                        poll.id,
                        &option,
                        &vote_id,
                    )
                    .await?;
                    return Ok(());
                }
            }
            (DbPost::from_json(json.clone(), data).await?, Some(json))
        };
        self.file_into_boards(data, post.0, json, existed).await
    }

    /// Local boards named anywhere in the addressing or tags of this activity and its object.
    async fn addressed_boards(&self, data: &Data) -> Result<Vec<tsunagu_db::Actor>, FedError> {
        let mut urls = Vec::new();
        for source in [
            &self.rest,
            self.object.as_object().unwrap_or(&serde_json::Map::new()),
        ] {
            for key in ["to", "cc", "audience"] {
                if let Some(v) = source.get(key) {
                    urls.extend(crate::objects::ids_of(v));
                }
            }
            if let Some(Value::Array(tags)) = source.get("tag") {
                for t in tags.iter().filter(|t| t["type"] == "Mention") {
                    urls.extend(crate::objects::ids_of(t));
                }
            }
        }
        urls.sort();
        urls.dedup();
        Ok(data
            .db
            .read(move |c| {
                let mut found = Vec::new();
                for u in &urls {
                    if let Some(a) = actors::by_ap_id(c, u)? {
                        if a.local && a.kind == "Group" {
                            found.push(a);
                        }
                    }
                }
                Ok(found)
            })
            .await?)
    }

    /// Files a post into the local boards it was addressed to (or whose thread it answers),
    /// and lets each board forward the activity to its followers. A post no board may take
    /// is refused and, if it was new, not kept.
    async fn file_into_boards(
        &self,
        data: &Data,
        post: tsunagu_db::Post,
        json: Option<PostJson>,
        existed: bool,
    ) -> Result<(), FedError> {
        let ctx = data.app_data();
        let addressed = self.addressed_boards(data).await?;
        if addressed.is_empty() && post.in_reply_to_id.is_none() {
            return Ok(());
        }
        let author_id = post.author_id;
        let author = data.db.read(move |c| actors::by_id(c, author_id)).await?;
        let taking = match boards::file_into_boards(ctx, &author, &post, &addressed).await {
            Ok(taking) => taking,
            Err(e) => {
                if !existed {
                    let pid = post.id;
                    inbound::discard_post(ctx, pid).await?;
                }
                return Err(e.into());
            }
        };
        if let Some(json) = &json {
            apply_thread_state(data, &post, json).await?;
        }
        // Only new posts wait for a moderator; an edit of an approved one does not.
        if !existed && boards::hold_if_first_remote_post(ctx, &author, &post, &taking).await? {
            tracing::info!("holding {} for a moderator", post.ap_id);
            return Ok(());
        }
        let object = (self.kind == "Create").then(|| post.ap_id.clone());
        let raw = self.raw();
        for board in taking {
            for out in crate::boards::announce(data, &board, &raw, object.as_deref()).await? {
                crate::publish::enqueue(data, out).await?;
            }
        }
        Ok(())
    }

    /// The activity as it arrived.
    fn raw(&self) -> Value {
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
            Some("Block") => {
                let target = inner_object.clone().unwrap_or_default();
                inbound::receive_block(ctx, &actor.0, &target, inner_id.as_str(), false).await?;
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
        ) {
            return self.receive_group_announce(actor, inner_kind, data).await;
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

/// Lock state and accepted answer that a thread's origin states on its starter.
async fn apply_thread_state(
    data: &Data,
    post: &tsunagu_db::Post,
    json: &PostJson,
) -> Result<(), FedError> {
    let locked = json
        .extra
        .get("commentsEnabled")
        .and_then(Value::as_bool)
        .map(|enabled| !enabled);
    let accepted = match json.extra.get("acceptedAnswer") {
        Some(v) => {
            let url = first_id(v);
            let id = match url {
                Some(u) => data
                    .db
                    .read(move |c| posts::by_ap_id(c, &u))
                    .await?
                    .map(|p| p.id),
                None => None,
            };
            Some(id)
        }
        None => None,
    };
    if locked.is_some() || accepted.is_some() {
        boards::apply_remote_thread_state(data.app_data(), post.id, locked, accepted).await?;
    }
    Ok(())
}

impl InboxActivity {
    /// A group forwarding an activity posted in it (FEP-1b12). The inner activity is trusted
    /// only as far as it can be checked: posts are fetched from their origin, deletions and
    /// moderation are applied when the group or the author may make them.
    async fn receive_group_announce(
        &self,
        group: &DbActor,
        inner_kind: &str,
        data: &Data,
    ) -> Result<(), FedError> {
        if group.0.kind != "Group" {
            tracing::debug!(
                "ignoring Announce({inner_kind}) from non-group {}",
                self.actor
            );
            return Ok(());
        }
        let ctx = data.app_data();
        let inner_actor = self
            .object
            .get("actor")
            .and_then(first_id)
            .unwrap_or_default();
        let inner_object = self.object.get("object").cloned().unwrap_or(Value::Null);
        let object_url = first_id(&inner_object);
        match inner_kind {
            "Create" | "Update" => {
                let Some(url) = object_url else { return Ok(()) };
                let url = Url::parse(&url)?;
                // Never trust the embedded copy: fetch the post from its own server.
                let post = ObjectId::<DbPost>::from(url)
                    .dereference_forced(data)
                    .await?
                    .0;
                // A group may file other servers' posts, never ours.
                if post.local {
                    return Ok(());
                }
                boards::file_remote_thread(ctx, &group.0, &post).await?;
                if let Ok(json) = serde_json::from_value::<PostJson>(inner_object) {
                    // Thread state counts only from the thread's own server.
                    if json.id.as_str() == post.ap_id && same_host(&post.ap_id, &group.0.ap_id) {
                        apply_thread_state(data, &post, &json).await?;
                    }
                }
            }
            "Delete" => {
                let Some(url) = object_url else { return Ok(()) };
                let Some(post) = data.db.read(move |c| posts::by_ap_id(c, &url)).await? else {
                    return Ok(());
                };
                // Only for posts in the group's threads: a moderator's removal counts when it
                // comes from the group's own server (even of our members' replies there); an
                // author's deletion when the post's origin confirms it is gone.
                if !self.group_holds(data, &post, &group.0).await? {
                    return Ok(());
                }
                let by_group = same_host(&inner_actor, &group.0.ap_id);
                let confirmed = by_group
                    || (!post.local
                        && fetch_status(&post.ap_id)
                            .await
                            .is_some_and(|s| s == 404 || s == 410));
                if confirmed {
                    inbound::take_down_post(ctx, post.id).await?;
                }
            }
            "Lock" | "Undo" => {
                let (target, locked) = if inner_kind == "Lock" {
                    (object_url, true)
                } else if inner_object.get("type").and_then(Value::as_str) == Some("Lock") {
                    (inner_object.get("object").and_then(first_id), false)
                } else {
                    return Ok(());
                };
                let Some(url) = target else { return Ok(()) };
                if !same_host(&inner_actor, &group.0.ap_id) {
                    return Ok(());
                }
                if let Some(post) = data.db.read(move |c| posts::by_ap_id(c, &url)).await? {
                    if !post.local && self.group_holds(data, &post, &group.0).await? {
                        boards::apply_remote_thread_state(ctx, post.id, Some(locked), None).await?;
                    }
                }
            }
            "Add" | "Remove" => {
                let target = self
                    .object
                    .get("target")
                    .and_then(first_id)
                    .unwrap_or_default();
                let Some(url) = object_url else { return Ok(()) };
                if !target.ends_with("/featured") || !same_host(&target, &group.0.ap_id) {
                    return Ok(());
                }
                if !same_host(&inner_actor, &group.0.ap_id) {
                    return Ok(());
                }
                if let Some(post) = data.db.read(move |c| posts::by_ap_id(c, &url)).await? {
                    boards::apply_remote_pin(ctx, &group.0, post.id, inner_kind == "Add").await?;
                }
            }
            other => tracing::debug!("ignoring Announce({other}) from {}", self.actor),
        }
        Ok(())
    }

    /// Whether `post` is in a thread that `group` holds.
    async fn group_holds(
        &self,
        data: &Data,
        post: &tsunagu_db::Post,
        group: &tsunagu_db::Actor,
    ) -> Result<bool, FedError> {
        let root = match boards::thread_of(data.app_data(), post).await? {
            Some((root, _)) => root.id,
            None => post.id,
        };
        Ok(boards::boards_of_thread(data.app_data(), root)
            .await?
            .iter()
            .any(|b| b.id == group.id))
    }
}

fn same_host(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => crate::objects::authority(&a) == crate::objects::authority(&b),
        _ => false,
    }
}

/// The HTTP status of an unsigned GET, to tell a deleted object (404, 410) from one that
/// is there.
async fn fetch_status(url: &str) -> Option<u16> {
    let res = crate::plain_client()?
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .ok()?;
    Some(res.status().as_u16())
}

impl InboxActivity {
    /// Lets the local boards holding `object`'s thread pass this activity on to their
    /// followers, so a deletion reaches everyone the board showed the post to.
    async fn forward_to_boards(&self, data: &Data, object: &str) -> Result<(), FedError> {
        let url = object.to_string();
        let Some(post) = data.db.read(move |c| posts::by_ap_id(c, &url)).await? else {
            return Ok(());
        };
        let Some((root, _)) = boards::thread_of(data.app_data(), &post).await? else {
            return Ok(());
        };
        let raw = self.raw();
        for board in boards::boards_of_thread(data.app_data(), root.id)
            .await?
            .into_iter()
            .filter(|b| b.local)
        {
            for out in crate::boards::announce(data, &board, &raw, None).await? {
                crate::publish::enqueue(data, out).await?;
            }
        }
        Ok(())
    }
}
