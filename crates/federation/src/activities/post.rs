//! Posts: `Create`, `Update` and `Delete` of notes, pages, articles, questions...
//!
//! Who may say what: an author creates, edits and deletes only posts on its own server that
//! are attributed to it. An embedded object is used only then; a mere reference is fetched
//! from the sender's server. A post addressed to boards here is filed into those that take
//! it and forwarded to their followers; a board that declines leaves the post to its other
//! addressees. Only the accepted answer is taken from a thread's author here (a public reply
//! in that thread); locks are the board's.

use super::{first_id, inbox_of, Incoming, Outgoing};
use crate::objects::{post_json, DbActor, DbPost, PostJson};
use crate::publish::strip_context;
use crate::{Data, FedError};
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::Object;
use serde::Deserialize;
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, deliveries, follows, posts};
use tsunagu_db::{now, Actor, Post};
use tsunagu_service::{boards, inbound, Event};

pub(super) async fn receive(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
    receipt: Option<&str>,
) -> Result<(), FedError> {
    let url = activity.object_id()?;
    let embedded = !activity.object.is_string();
    // A `Create` carrying its post is nearly always of a new one: its write finds out.
    let existing = if embedded && activity.kind == "Create" {
        None
    } else {
        let u = url.to_string();
        data.db.lookup(move |c| posts::by_ap_id(c, &u)).await?
    };
    let (post, json, existed) = if !embedded {
        // Only a reference: fetch it from its origin.
        crate::objects::verify_same_host(&url, &activity.actor)?;
        let post = ObjectId::<DbPost>::from(url)
            .dereference_forced(data)
            .await?;
        (post.0, None, existing.is_some())
    } else {
        let kind = activity.object_kind().unwrap_or("");
        if !crate::objects::post::is_post_kind(kind) {
            tracing::debug!("ignoring {} of {kind}", activity.kind);
            return Ok(());
        }
        // Read from the activity in place: no copy of the object's tree first.
        let json = PostJson::deserialize(&activity.object)?;
        DbPost::verify(&json, &activity.actor, data).await?;
        if json.author_id().as_deref() != Some(activity.actor.as_str()) {
            return Err(FedError::BadRequest(
                "object is attributed to another actor".into(),
            ));
        }
        if super::poll::receive_vote(&json, sender, data).await?
            || super::mentoring::receive_request(&json, sender, data).await?
        {
            return Ok(());
        }
        // Its author is the sender, checked above and already found.
        let Some(received) = DbPost::store(json.clone(), sender, existing, receipt, data).await?
        else {
            tracing::debug!("activity {} was already received", activity.id);
            return Ok(());
        };
        (received.post, Some(json), !received.new)
    };
    file_into_boards(activity, data, &sender.0, post, json, existed).await
}

/// Local boards named anywhere in the addressing or tags of this activity and its object.
async fn addressed_boards(activity: &Incoming, data: &Data) -> Result<Vec<Actor>, FedError> {
    let empty = serde_json::Map::new();
    let mut urls = Vec::new();
    for source in [
        &activity.rest,
        activity.object.as_object().unwrap_or(&empty),
    ] {
        urls.extend(crate::objects::addressees(source));
    }
    // Only this instance's boards are looked for (not the public collection, members or
    // other servers' followers).
    let boards = data.app_data().url("/boards/");
    urls.retain(|u| u.starts_with(&boards));
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    urls.sort();
    urls.dedup();
    Ok(data
        .db
        .actors_by_ap_id(urls)
        .await?
        .into_iter()
        .flatten()
        .filter(|a| a.local && a.kind == "Group")
        .collect())
}

/// Files a post into the local boards it was addressed to (or whose thread it answers),
/// and lets each board forward the activity to its followers. When no board takes it, it is
/// still kept if it was also meant for someone here (a mention, a reply to one of ours);
/// otherwise it is refused and, if it was new, forgotten.
async fn file_into_boards(
    activity: &Incoming,
    data: &Data,
    author: &Actor,
    post: Post,
    json: Option<PostJson>,
    existed: bool,
) -> Result<(), FedError> {
    let ctx = data.app_data();
    let addressed = addressed_boards(activity, data).await?;
    if addressed.is_empty() && post.in_reply_to_id.is_none() {
        return Ok(());
    }
    let taking = match boards::file_into_boards(ctx, author, &post, &addressed).await {
        Ok(taking) => taking,
        Err(e) => {
            // A board declining a new thread leaves the post to its other addressees; a
            // reply a thread refuses (locked, banned author) is refused whole.
            if post.in_reply_to_ap_id.is_none() && meant_for_members(data, &post).await? {
                tracing::info!(
                    "{} declined by boards ({e}), kept for its addressees",
                    post.ap_id
                );
                return Ok(());
            }
            if !existed {
                inbound::discard_post(ctx, post.id).await?;
            }
            return Err(e.into());
        }
    };
    if let Some(json) = &json {
        // The question's author may mark its accepted answer; locks belong to the board.
        if let Some(answer) = json.extra.get("acceptedAnswer") {
            accepted_answer(data, &post, answer).await?;
        }
    }
    // Only new posts wait for a moderator; an edit of an approved one does not.
    if !existed && boards::hold_if_first_remote_post(ctx, author, &post, &taking).await? {
        tracing::info!("holding {} for a moderator", post.ap_id);
        return Ok(());
    }
    let object = (activity.kind == "Create").then(|| post.ap_id.clone());
    let raw = activity.raw();
    for board in taking {
        for out in crate::boards::announce(data, &board, &raw, object.as_deref()).await? {
            crate::publish::enqueue(data, out).await?;
        }
    }
    Ok(())
}

/// Whether a post mentions an account here or answers one of our posts.
async fn meant_for_members(data: &Data, post: &Post) -> Result<bool, FedError> {
    let (pid, parent) = (post.id, post.in_reply_to_id);
    Ok(data
        .db
        .lookup(move |c| {
            let ids = posts::mentions(c, pid)?;
            let mentioned = actors::by_ids(c, &ids)?;
            if mentioned.iter().any(|a| a.local && a.kind != "Group") {
                return Ok(true);
            }
            Ok(match parent {
                Some(p) => {
                    let parent_author = posts::by_id(c, p)?.author_id;
                    actors::by_id(c, parent_author)?.local
                }
                None => false,
            })
        })
        .await?)
}

/// Records the accepted answer a thread's origin names (`acceptedAnswer`).
pub(crate) async fn accepted_answer(
    data: &Data,
    root: &Post,
    answer: &Value,
) -> Result<(), FedError> {
    let id = match first_id(answer) {
        Some(url) => data
            .db
            .lookup(move |c| posts::by_ap_id(c, &url))
            .await?
            .map(|p| p.id),
        None => None,
    };
    boards::apply_remote_thread_state(data.app_data(), root.id, None, Some(id)).await?;
    Ok(())
}

pub(super) async fn receive_delete(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let object = activity.object_id()?;
    crate::objects::verify_same_host(&object, &activity.actor)?;
    inbound::receive_delete(data.app_data(), &sender.0, object.as_str()).await?;
    forward_to_boards(activity, data, object.as_str()).await
}

/// Lets the local boards holding `object`'s thread pass this activity on to their
/// followers, so a deletion reaches everyone the board showed the post to.
async fn forward_to_boards(activity: &Incoming, data: &Data, object: &str) -> Result<(), FedError> {
    let url = object.to_string();
    let Some(post) = data.db.lookup(move |c| posts::by_ap_id(c, &url)).await? else {
        return Ok(());
    };
    let Some((root, _)) = boards::thread_of(data.app_data(), &post).await? else {
        return Ok(());
    };
    let raw = activity.raw();
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

/// The author's activity for a new, edited or deleted post (or new poll counts), and each
/// local board's forwarding of it. A server that gets the board's `Announce` of the activity
/// does not get it from the author as well.
pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let Some(mut author) = author_activity(event, data).await? else {
        return Ok(Vec::new());
    };
    let forwarded = crate::boards::board_activities(event, Some(&author), data).await?;
    let announced: Vec<&String> = forwarded
        .iter()
        .filter(|o| o.activity["object"].is_object())
        .flat_map(|o| &o.inboxes)
        .collect();
    if matches!(event, Event::PostDeleted { .. }) {
        // Whoever a board showed the post to hears of its deletion from its author.
        for o in &forwarded {
            author.inboxes.extend(o.inboxes.iter().cloned());
        }
    } else {
        author.inboxes.retain(|i| !announced.contains(&i));
    }
    author.inboxes.sort();
    author.inboxes.dedup();
    let mut out = vec![author];
    out.extend(forwarded);
    Ok(out)
}

async fn author_activity(event: &Event, data: &Data) -> Result<Option<Outgoing>, FedError> {
    let ctx = data.app_data();
    let db = &ctx.db;
    Ok(match event.clone() {
        Event::PostCreated { post_id }
        | Event::PostUpdated { post_id }
        | Event::PollUpdated { post_id } => {
            let post = db.read(move |c| posts::by_id(c, post_id)).await?;
            let (author_id, visibility) = (post.author_id, post.visibility.clone());
            let (author, mut inboxes) = db
                .read(move |c| recipients(c, author_id, post_id, &visibility))
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
                "id": if created { format!("{}/activity", post.ap_id) } else { super::activity_id(ctx, "update") },
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
        Event::PostDeleted { post_id, boosters } => {
            let post = db.read(move |c| posts::by_id(c, post_id)).await?;
            let (author_id, visibility, ap) =
                (post.author_id, post.visibility.clone(), post.ap_id.clone());
            let (author, mut inboxes) = db
                .read(move |c| recipients(c, author_id, post_id, &visibility))
                .await?;
            // Everyone who received the post hears of its deletion, followers or not, and
            // the servers of those who boosted it, whose followers saw it through them.
            let create_id = format!("{ap}/activity");
            inboxes.extend(
                db.read(move |c| deliveries::inboxes_of_activity(c, &create_id))
                    .await?,
            );
            let boosters = db.read(move |c| actors::by_ids(c, &boosters)).await?;
            inboxes.extend(boosters.iter().filter(|a| !a.local).map(inbox_of));
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
        _ => None,
    })
}

/// The author and the inboxes of a post: remote followers (unless direct), every remote
/// account it mentions and, for an event, its remote participants.
fn recipients(
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
    inboxes.extend(tsunagu_db::queries::events::remote_participant_inboxes(
        c, post_id,
    )?);
    inboxes.sort();
    inboxes.dedup();
    Ok((author, inboxes))
}
