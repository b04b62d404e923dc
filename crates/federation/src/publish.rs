//! From local events to stored activities: what to send, and to whose inboxes.

use crate::objects::{actor_json, first_id, post_json, with_context, DbActor, DbPost, PUBLIC};
use crate::{Data, FedError};
use activitypub_federation::config::FederationConfig;
use activitypub_federation::fetch::fetch_object_http;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::fetch::webfinger::webfinger_resolve_actor;
use activitypub_federation::traits::Object;
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::Notify;
use tsunagu_db::queries::{actors, deliveries, follows, posts};
use tsunagu_db::{now, Actor, NewOutgoingActivity};
use tsunagu_service::posts::random_token;
use tsunagu_service::{Context, Event, Federator, Resolved, ServiceError, ServiceResult};
use url::Url;

/// The federation layer as the use cases see it.
#[derive(Clone)]
pub struct ApFederator {
    config: FederationConfig<Context>,
    wake: Arc<Notify>,
}

impl ApFederator {
    /// `wake` is notified whenever deliveries are queued, so the worker starts at once.
    pub fn new(config: FederationConfig<Context>, wake: Arc<Notify>) -> ApFederator {
        ApFederator { config, wake }
    }
}

/// One activity ready to store: who sends it, the JSON, and where it goes.
pub(crate) struct Outgoing {
    pub actor_id: i64,
    pub activity: Value,
    pub inboxes: Vec<String>,
}

/// Stores an activity and its deliveries for the worker.
pub(crate) async fn enqueue(data: &Data, out: Outgoing) -> Result<(), FedError> {
    if out.inboxes.is_empty() {
        return Ok(());
    }
    let row = NewOutgoingActivity {
        ap_id: out.activity["id"].as_str().unwrap_or_default().to_string(),
        actor_id: out.actor_id,
        body: with_context(out.activity).to_string(),
        created_at: now(),
    };
    let inboxes = out.inboxes;
    data.db
        .write(move |c| deliveries::enqueue(c, &row, &inboxes))
        .await?;
    Ok(())
}

#[async_trait]
impl Federator for ApFederator {
    async fn publish(&self, event: Event) -> ServiceResult<()> {
        let data = self.config.to_request_data();
        let mut outgoing: Vec<Outgoing> = match &event {
            Event::PollVoted { post_id, voter_id } => poll_votes(&data, *post_id, *voter_id)
                .await
                .map_err(FedError::into_service)?,
            _ => build(&event, &data)
                .await
                .map_err(FedError::into_service)?
                .into_iter()
                .collect(),
        };
        let shared = crate::boards::board_activities(&event, outgoing.first(), &data)
            .await
            .map_err(FedError::into_service)?;
        if let (Event::PostDeleted { .. }, Some(first)) = (&event, outgoing.first_mut()) {
            // Whoever a board showed the post to hears of its deletion from its author.
            for o in &shared {
                first.inboxes.extend(o.inboxes.iter().cloned());
            }
            first.inboxes.sort();
            first.inboxes.dedup();
        }
        outgoing.extend(shared);
        for out in outgoing {
            enqueue(&data, out).await.map_err(FedError::into_service)?;
        }
        self.wake.notify_one();
        Ok(())
    }

    async fn resolve_handle(&self, name: &str, host: &str) -> ServiceResult<Actor> {
        let data = self.config.to_request_data();
        let actor: DbActor = webfinger_resolve_actor(&format!("{name}@{host}"), &data)
            .await
            .map_err(|e| {
                tracing::info!("resolving {name}@{host}: {e}");
                ServiceError::NotFound("remote account")
            })?;
        Ok(actor.0)
    }

    async fn resolve_url(&self, url: &str) -> ServiceResult<Resolved> {
        let data = self.config.to_request_data();
        let url = Url::parse(url).map_err(|_| ServiceError::Invalid("not a URL".into()))?;
        resolve_url(&url, &data).await.map_err(|e| {
            tracing::info!("resolving {url}: {e}");
            e.into_service()
        })
    }
}

async fn resolve_url(url: &Url, data: &Data) -> Result<Resolved, FedError> {
    let u = url.to_string();
    let (actor, post) = data
        .db
        .read(move |c| Ok((actors::by_ap_id(c, &u)?, posts::by_ap_id(c, &u)?)))
        .await?;
    if let Some(a) = actor {
        return Ok(Resolved::Actor(a));
    }
    if let Some(p) = post {
        return Ok(Resolved::Post(p));
    }
    let fetched = fetch_object_http::<_, Value>(url, data).await?;
    let kind = fetched
        .object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let id = Url::parse(&first_id(&fetched.object).unwrap_or_default())?;
    if matches!(
        kind,
        "Person" | "Group" | "Service" | "Application" | "Organization"
    ) {
        let actor = ObjectId::<DbActor>::from(id).dereference(data).await?;
        Ok(Resolved::Actor(actor.0))
    } else {
        let json = serde_json::from_value(fetched.object)?;
        DbPost::verify(&json, &id, data).await?;
        Ok(Resolved::Post(DbPost::from_json(json, data).await?.0))
    }
}

fn inbox_of(actor: &Actor) -> String {
    actor
        .shared_inbox_url
        .clone()
        .unwrap_or_else(|| actor.inbox_url.clone())
}

pub(crate) fn activity_id(ctx: &Context, kind: &str) -> String {
    ctx.url(&format!("/activities/{kind}/{}", random_token()))
}

/// Builds the activity for an event; `None` when there is nothing to send.
async fn build(event: &Event, data: &Data) -> Result<Option<Outgoing>, FedError> {
    let ctx = data.app_data();
    let db = &ctx.db;
    Ok(match event.clone() {
        Event::PostCreated { post_id }
        | Event::PostUpdated { post_id }
        | Event::PollUpdated { post_id } => {
            let post = db.read(move |c| posts::by_id(c, post_id)).await?;
            let (author_id, visibility) = (post.author_id, post.visibility.clone());
            let (author, mut inboxes) = db
                .read(move |c| post_recipients(c, author_id, post_id, &visibility))
                .await?;
            if matches!(event, Event::PollUpdated { .. }) {
                // Remote voters see the new counts even if they follow nobody here.
                inboxes.extend(
                    db.read(move |c| tsunagu_db::queries::polls::remote_voter_inboxes(c, post_id))
                        .await?,
                );
                inboxes.sort();
                inboxes.dedup();
            }
            let object = post_json(ctx, &post).await?;
            let created = matches!(event, Event::PostCreated { .. });
            let mut activity = json!({
                "id": if created { format!("{}/activity", post.ap_id) } else { activity_id(ctx, "update") },
                "type": if created { "Create" } else { "Update" },
                "actor": author.ap_id,
                "published": object["published"],
                "to": object["to"],
                "cc": object["cc"],
                "object": strip_context(object),
            });
            if !created {
                activity["updated"] = json!(crate::objects::format_time(now()));
            }
            Some(Outgoing {
                actor_id: author.id,
                activity,
                inboxes,
            })
        }
        Event::PostDeleted { post_id } => {
            let post = db.read(move |c| posts::by_id(c, post_id)).await?;
            let (author_id, visibility, ap) =
                (post.author_id, post.visibility.clone(), post.ap_id.clone());
            let (author, mut inboxes) = db
                .read(move |c| post_recipients(c, author_id, post_id, &visibility))
                .await?;
            // Everyone who received the post hears of its deletion, followers or not.
            let create_id = format!("{ap}/activity");
            inboxes.extend(
                db.read(move |c| deliveries::inboxes_of_activity(c, &create_id))
                    .await?,
            );
            inboxes.sort();
            inboxes.dedup();
            // Addressed as the post was, so a private post's deletion stays private.
            let addressed = post_json(ctx, &post).await?;
            Some(Outgoing {
                actor_id: author.id,
                activity: json!({
                    "id": format!("{}/delete", post.ap_id),
                    "type": "Delete",
                    "actor": author.ap_id,
                    "to": addressed["to"],
                    "cc": addressed["cc"],
                    "object": { "id": post.ap_id, "type": "Tombstone", "formerType": post.kind },
                }),
                inboxes,
            })
        }
        Event::FollowRequested { follow_id } => {
            let (follow, follower, followee) = db
                .read(move |c| {
                    let f = tsunagu_db::queries::follows::by_id(c, follow_id)?;
                    Ok((
                        f.clone(),
                        actors::by_id(c, f.follower_id)?,
                        actors::by_id(c, f.followee_id)?,
                    ))
                })
                .await?;
            Some(Outgoing {
                actor_id: follower.id,
                activity: follow_json(follow.ap_id.as_deref(), &follower, &followee),
                inboxes: vec![followee.inbox_url.clone()],
            })
        }
        Event::FollowAccepted { follow_id } => {
            let (follow, follower, followee) = db
                .read(move |c| {
                    let f = tsunagu_db::queries::follows::by_id(c, follow_id)?;
                    Ok((
                        f.clone(),
                        actors::by_id(c, f.follower_id)?,
                        actors::by_id(c, f.followee_id)?,
                    ))
                })
                .await?;
            Some(Outgoing {
                actor_id: followee.id,
                activity: json!({
                    "id": activity_id(ctx, "accept"),
                    "type": "Accept",
                    "actor": followee.ap_id,
                    "object": follow_json(follow.ap_id.as_deref(), &follower, &followee),
                }),
                inboxes: vec![follower.inbox_url.clone()],
            })
        }
        Event::FollowRejected {
            follower_id,
            followee_id,
            follow_ap_id,
        } => {
            let (follower, followee) = two_actors(data, follower_id, followee_id).await?;
            Some(Outgoing {
                actor_id: followee.id,
                activity: json!({
                    "id": activity_id(ctx, "reject"),
                    "type": "Reject",
                    "actor": followee.ap_id,
                    "object": follow_json(follow_ap_id.as_deref(), &follower, &followee),
                }),
                inboxes: vec![follower.inbox_url.clone()],
            })
        }
        Event::Unfollowed {
            follower_id,
            followee_id,
            follow_ap_id,
        } => {
            let (follower, followee) = two_actors(data, follower_id, followee_id).await?;
            Some(Outgoing {
                actor_id: follower.id,
                activity: json!({
                    "id": activity_id(ctx, "undo"),
                    "type": "Undo",
                    "actor": follower.ap_id,
                    "object": follow_json(follow_ap_id.as_deref(), &follower, &followee),
                }),
                inboxes: vec![followee.inbox_url.clone()],
            })
        }
        Event::Liked { favourite_id } => {
            let (fav, actor, post, author) = db
                .read(move |c| {
                    let f = posts::favourite_by_id(c, favourite_id)?;
                    let p = posts::by_id(c, f.post_id)?;
                    Ok((
                        f.clone(),
                        actors::by_id(c, f.actor_id)?,
                        p.clone(),
                        actors::by_id(c, p.author_id)?,
                    ))
                })
                .await?;
            if author.local {
                return Ok(None);
            }
            Some(Outgoing {
                actor_id: actor.id,
                activity: json!({
                    "id": fav.ap_id,
                    "type": "Like",
                    "actor": actor.ap_id,
                    "object": post.ap_id,
                }),
                inboxes: vec![inbox_of(&author)],
            })
        }
        Event::Unliked {
            actor_id,
            post_id,
            like_ap_id,
        } => {
            let (actor, post, author) = db
                .read(move |c| {
                    let p = posts::by_id(c, post_id)?;
                    Ok((
                        actors::by_id(c, actor_id)?,
                        p.clone(),
                        actors::by_id(c, p.author_id)?,
                    ))
                })
                .await?;
            if author.local {
                return Ok(None);
            }
            Some(Outgoing {
                actor_id: actor.id,
                activity: json!({
                    "id": activity_id(ctx, "undo"),
                    "type": "Undo",
                    "actor": actor.ap_id,
                    "object": {
                        "id": like_ap_id,
                        "type": "Like",
                        "actor": actor.ap_id,
                        "object": post.ap_id,
                    },
                }),
                inboxes: vec![inbox_of(&author)],
            })
        }
        Event::Announced { reblog_id } => {
            let (boost, original) = db
                .read(move |c| {
                    let b = posts::by_id(c, reblog_id)?;
                    let o = posts::by_id(c, b.reblog_of_id.unwrap_or(b.id))?;
                    Ok((b, o))
                })
                .await?;
            let (actor, author, inboxes) =
                announce_recipients(data, boost.author_id, original.author_id).await?;
            Some(Outgoing {
                actor_id: actor.id,
                activity: json!({
                    "id": boost.ap_id,
                    "type": "Announce",
                    "actor": actor.ap_id,
                    "published": crate::objects::format_time(boost.created_at),
                    "to": [PUBLIC],
                    "cc": [author.ap_id, actor.followers_url],
                    "object": original.ap_id,
                }),
                inboxes,
            })
        }
        Event::Unannounced {
            actor_id,
            post_id,
            announce_ap_id,
        } => {
            let original = db.read(move |c| posts::by_id(c, post_id)).await?;
            let (actor, author, inboxes) =
                announce_recipients(data, actor_id, original.author_id).await?;
            Some(Outgoing {
                actor_id: actor.id,
                activity: json!({
                    "id": activity_id(ctx, "undo"),
                    "type": "Undo",
                    "actor": actor.ap_id,
                    "to": [PUBLIC],
                    "cc": [author.ap_id, actor.followers_url],
                    "object": {
                        "id": announce_ap_id,
                        "type": "Announce",
                        "actor": actor.ap_id,
                        "object": original.ap_id,
                    },
                }),
                inboxes,
            })
        }
        Event::Blocked {
            actor_id,
            target_id,
            block_ap_id,
            blocked,
        } => {
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
                json!({ "id": activity_id(ctx, "undo"), "type": "Undo", "actor": actor.ap_id, "object": block })
            };
            Some(Outgoing {
                actor_id,
                activity,
                inboxes: vec![target.inbox_url.clone()],
            })
        }
        // Board moderation is sent by the board itself (see `crate::boards`).
        Event::ThreadLocked { .. }
        | Event::ThreadPinned { .. }
        | Event::PostRemoved { .. }
        | Event::BoardUpdated { .. }
        | Event::PostApproved { .. }
        | Event::ReportForwarded { .. } => None,
        // Sent one activity per choice, see `poll_votes`.
        Event::PollVoted { .. } => None,
        Event::ProfileUpdated { actor_id } => {
            let actor = db.read(move |c| actors::by_id(c, actor_id)).await?;
            let inboxes = db
                .read(move |c| follows::remote_follower_inboxes(c, actor_id))
                .await?;
            let object = strip_context(actor_json(ctx, &actor).await?);
            Some(Outgoing {
                actor_id,
                activity: json!({
                    "id": activity_id(ctx, "update"),
                    "type": "Update",
                    "actor": actor.ap_id,
                    "to": [PUBLIC],
                    "object": object,
                }),
                inboxes,
            })
        }
    })
}

/// A member's votes on a remote poll: one `Create(Note)` per option chosen, to the author only.
async fn poll_votes(data: &Data, post_id: i64, voter_id: i64) -> Result<Vec<Outgoing>, FedError> {
    let (post, voter, author, votes, state) = data
        .db
        .read(move |c| {
            let post = posts::by_id(c, post_id)?;
            let voter = actors::by_id(c, voter_id)?;
            let author = actors::by_id(c, post.author_id)?;
            let votes = tsunagu_db::queries::polls::votes_of(c, voter_id, post_id)?;
            let poll = tsunagu_db::queries::polls::find(c, post_id)?;
            Ok((post, voter, author, votes, poll))
        })
        .await?;
    let Some(state) = state.map(tsunagu_service::polls::PollState::from_row) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (choice, vote_id) in votes {
        let Some((option, _)) = state.options.get(choice as usize) else {
            continue;
        };
        let note_id = vote_id.unwrap_or_else(|| activity_id(data.app_data(), "vote"));
        out.push(Outgoing {
            actor_id: voter.id,
            activity: json!({
                "id": format!("{note_id}/activity"),
                "type": "Create",
                "actor": voter.ap_id,
                "to": [author.ap_id],
                "object": {
                    "id": note_id,
                    "type": "Note",
                    "name": option,
                    "attributedTo": voter.ap_id,
                    "to": [author.ap_id],
                    "inReplyTo": post.ap_id,
                },
            }),
            inboxes: vec![author.inbox_url.clone()],
        });
    }
    Ok(out)
}

pub(crate) fn strip_context(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.remove("@context");
    }
    value
}

fn follow_json(id: Option<&str>, follower: &Actor, followee: &Actor) -> Value {
    json!({
        "id": id,
        "type": "Follow",
        "actor": follower.ap_id,
        "object": followee.ap_id,
    })
}

async fn two_actors(data: &Data, a: i64, b: i64) -> Result<(Actor, Actor), FedError> {
    Ok(data
        .db
        .read(move |c| Ok((actors::by_id(c, a)?, actors::by_id(c, b)?)))
        .await?)
}

/// The author and the inboxes of a post: remote followers (unless direct) and every remote
/// account it mentions.
fn post_recipients(
    c: &mut tsunagu_db::Conn,
    author_id: i64,
    post_id: i64,
    visibility: &str,
) -> tsunagu_db::QueryResult<(Actor, Vec<String>)> {
    let author = actors::by_id(c, author_id)?;
    let mut inboxes = if visibility == "direct" {
        Vec::new()
    } else {
        follows::remote_follower_inboxes(c, author_id)?
    };
    let mentioned_ids = posts::mentions(c, post_id)?;
    for mentioned in actors::by_ids(c, &mentioned_ids)? {
        if !mentioned.local {
            // Direct messages go to the personal inbox, never a shared one.
            inboxes.push(if visibility == "direct" {
                mentioned.inbox_url.clone()
            } else {
                inbox_of(&mentioned)
            });
        }
    }
    inboxes.sort();
    inboxes.dedup();
    Ok((author, inboxes))
}

async fn announce_recipients(
    data: &Data,
    actor_id: i64,
    author_id: i64,
) -> Result<(Actor, Actor, Vec<String>), FedError> {
    Ok(data
        .db
        .read(move |c| {
            let actor = actors::by_id(c, actor_id)?;
            let author = actors::by_id(c, author_id)?;
            let mut inboxes = follows::remote_follower_inboxes(c, actor_id)?;
            if !author.local {
                inboxes.push(inbox_of(&author));
            }
            inboxes.sort();
            inboxes.dedup();
            Ok((actor, author, inboxes))
        })
        .await?)
}
