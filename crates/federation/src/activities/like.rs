//! Favourites: `Like` (and Misskey's `EmojiReact`), Lemmy's `Dislike`, and their `Undo`.
//!
//! Who may say what: the sender likes or dislikes as itself, any post we store; only the
//! account that liked may undo it. A `Dislike` takes back that account's favourite (there
//! are no downvotes here).

use super::{inbox_of, Incoming, Outgoing};
use crate::objects::DbActor;
use crate::{Data, FedError};
use serde_json::json;
use tsunagu_db::queries::{actors, posts};
use tsunagu_service::{inbound, Event};
use url::Url;

pub(super) async fn receive(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let object = activity.object_id()?;
    apply(
        &activity.kind,
        &sender.0,
        &object,
        activity.id.as_str(),
        data,
    )
    .await
}

/// A like or dislike by `actor` (the sender, or an account a group vouches for).
pub(crate) async fn apply(
    kind: &str,
    actor: &tsunagu_db::Actor,
    object: &Url,
    like_id: &str,
    data: &Data,
) -> Result<(), FedError> {
    let ctx = data.app_data();
    if kind == "Dislike" {
        inbound::receive_dislike(ctx, actor, object.as_str()).await?;
    } else {
        inbound::receive_like(ctx, actor, object.as_str(), like_id).await?;
    }
    Ok(())
}

pub(super) async fn receive_undo(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let inner = activity.require_own_inner()?;
    let object = activity.object.get("object").and_then(super::first_id);
    inbound::receive_unlike(
        data.app_data(),
        &sender.0,
        inner.as_str(),
        object.as_deref(),
    )
    .await?;
    Ok(())
}

/// `Undo` naming only the id of a like.
pub(super) async fn undo_by_id(sender: &DbActor, inner: &Url, data: &Data) -> Result<(), FedError> {
    inbound::receive_unlike(data.app_data(), &sender.0, inner.as_str(), None).await?;
    Ok(())
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let ctx = data.app_data();
    // Who liked what, the like's id, and whether it is being undone.
    let (actor_id, post_id, like_id, undo) = match event.clone() {
        Event::Liked { favourite_id } => {
            let fav = ctx
                .db
                .read(move |c| posts::favourite_by_id(c, favourite_id))
                .await?;
            (fav.actor_id, fav.post_id, fav.ap_id, false)
        }
        Event::Unliked {
            actor_id,
            post_id,
            like_ap_id,
        } => (actor_id, post_id, like_ap_id, true),
        _ => return Ok(Vec::new()),
    };
    let (actor, post, author) = ctx
        .db
        .read(move |c| {
            let p = posts::by_id(c, post_id)?;
            Ok((
                actors::by_id(c, actor_id)?,
                p.clone(),
                actors::by_id(c, p.author_id)?,
            ))
        })
        .await?;
    // Likes of our own posts stay here.
    if author.local {
        return Ok(Vec::new());
    }
    let like = json!({
        "id": like_id,
        "type": "Like",
        "actor": actor.ap_id,
        "object": post.ap_id,
    });
    let activity = if undo {
        json!({
            "id": super::activity_id(ctx, "undo"),
            "type": "Undo",
            "actor": actor.ap_id,
            "object": like,
        })
    } else {
        like
    };
    Ok(vec![Outgoing {
        actor_id: actor.id,
        activity,
        inboxes: vec![inbox_of(&author)],
    }])
}
