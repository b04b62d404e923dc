//! Poll votes: a vote travels as `Create(Note{name: option, inReplyTo: question})`, one per
//! option chosen, to the poll's author. New counts go out as `Update(Question)` with the
//! post (see [`super::post`]).
//!
//! Who may say what: the sender votes as itself, on polls of ours only.

use super::Outgoing;
use crate::objects::{DbActor, PostJson};
use crate::{Data, FedError};
use serde_json::json;
use tsunagu_db::queries::{actors, posts};
use tsunagu_service::Event;

/// Counts the vote if `json` is one on a poll of ours; returns whether it was.
pub(super) async fn receive_vote(
    json: &PostJson,
    sender: &DbActor,
    data: &Data,
) -> Result<bool, FedError> {
    let Some((question, option)) = json.vote() else {
        return Ok(false);
    };
    let local_poll = data
        .db
        .read(move |c| {
            Ok(posts::by_ap_id(c, &question)?.filter(|p| p.local && p.kind == "Question"))
        })
        .await?;
    let Some(poll) = local_poll else {
        return Ok(false);
    };
    tsunagu_service::polls::receive_vote(
        data.app_data(),
        &sender.0,
        poll.id,
        &option,
        json.id.as_str(),
    )
    .await?;
    Ok(true)
}

/// A member's votes on a remote poll: one `Create(Note)` per option chosen, to the author only.
pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let Event::PollVoted { post_id, voter_id } = *event else {
        return Ok(Vec::new());
    };
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
        let note_id = vote_id.unwrap_or_else(|| super::activity_id(data.app_data(), "vote"));
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
