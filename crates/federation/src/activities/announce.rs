//! Boosts: `Announce` of a post, and `Undo(Announce)`.
//!
//! Who may say what: the sender boosts as itself; the boosted post is taken from our store
//! or fetched from its own server, never from the announce. A boost never widens who may see
//! the original (refused unless it is public, or the sender's own). A group's announce of a
//! post addressed to it is the group's thread, not a boost (see [`super::board`]). Only the
//! booster may undo a boost.

use super::{inbox_of, Incoming, Outgoing};
use crate::objects::{format_time, DbActor, DbPost, PUBLIC};
use crate::{Data, FedError};
use activitypub_federation::fetch::object_id::ObjectId;
use serde_json::json;
use tsunagu_db::queries::{actors, follows, posts};
use tsunagu_db::Actor;
use tsunagu_service::{inbound, Event};
use url::Url;

pub(super) async fn receive(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let url = activity.object_id()?;
    if sender.0.kind == "Group"
        && super::board::receive_group_post(activity, &sender.0, &activity.object, data).await?
    {
        return Ok(());
    }
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
        &sender.0,
        &original,
        activity.id.as_str(),
        crate::objects::parse_time(activity.published.as_deref()),
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
    undo_by_id(sender, &inner, data).await
}

/// `Undo` of a boost, by the boost's id.
pub(super) async fn undo_by_id(sender: &DbActor, inner: &Url, data: &Data) -> Result<(), FedError> {
    inbound::receive_unannounce(data.app_data(), &sender.0, inner.as_str()).await?;
    Ok(())
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    let out = match event.clone() {
        Event::Announced { reblog_id } => {
            let (boost, original) = data
                .db
                .read(move |c| {
                    let b = posts::by_id(c, reblog_id)?;
                    let o = posts::by_id(c, b.reblog_of_id.unwrap_or(b.id))?;
                    Ok((b, o))
                })
                .await?;
            let (actor, author, inboxes) =
                recipients(data, boost.author_id, original.author_id).await?;
            Outgoing {
                actor_id: actor.id,
                activity: json!({
                    "id": boost.ap_id,
                    "type": "Announce",
                    "actor": actor.ap_id,
                    "published": format_time(boost.created_at),
                    "to": [PUBLIC],
                    "cc": [author.ap_id, actor.followers_url],
                    "object": original.ap_id,
                }),
                inboxes,
            }
        }
        Event::Unannounced {
            actor_id,
            post_id,
            announce_ap_id,
        } => {
            let original = data.db.read(move |c| posts::by_id(c, post_id)).await?;
            let (actor, author, inboxes) = recipients(data, actor_id, original.author_id).await?;
            Outgoing {
                actor_id: actor.id,
                activity: json!({
                    "id": super::activity_id(ctx, "undo"),
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
            }
        }
        _ => return Ok(Vec::new()),
    };
    Ok(vec![out])
}

/// The booster, the original's author, and the inboxes: the booster's remote followers and
/// the author's server.
async fn recipients(
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
