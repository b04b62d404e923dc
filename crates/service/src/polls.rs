//! Polls: a status may carry one; members vote on polls from here and from other servers.
//!
//! A poll travels as a `Question`. A vote on a remote poll is sent to its author as a
//! `Create(Note)` naming the option; votes for local polls (from here or elsewhere) are counted
//! and the new counts sent out as an `Update(Question)` by the next housekeeping round, once
//! for all the votes of that round.

use crate::error::{invalid, invalid_as};
use crate::posts::{can_see, get_post, visible_post};
use crate::Problem;
use crate::{Context, Event, ServiceError, ServiceResult};
use chrono::{Duration, NaiveDateTime};
use tsunagu_db::queries::{blocks, polls};
use tsunagu_db::{now, Actor, Poll};

pub const MAX_OPTIONS: usize = 4;
pub const MAX_OPTION_CHARS: usize = 50;
/// Shortest and longest poll duration, in seconds (five minutes to a month, as Mastodon).
pub const MIN_EXPIRY_SECS: i64 = 300;
pub const MAX_EXPIRY_SECS: i64 = 2_629_746;

/// A poll to be created with a status.
#[derive(Debug, Clone)]
pub struct NewPoll {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

impl NewPoll {
    pub fn check(&self) -> ServiceResult<()> {
        if self.options.len() < 2 {
            return Err(invalid("a poll needs at least 2 options"));
        }
        if self.options.len() > MAX_OPTIONS {
            return Err(invalid(format!("a poll has at most {MAX_OPTIONS} options")));
        }
        for option in &self.options {
            if option.trim().is_empty() {
                return Err(invalid_as(
                    "poll-option-blank",
                    "poll options can't be blank",
                ));
            }
            if option.chars().count() > MAX_OPTION_CHARS {
                return Err(invalid(format!(
                    "poll options are at most {MAX_OPTION_CHARS} characters"
                )));
            }
        }
        let mut seen: Vec<&str> = self.options.iter().map(|o| o.trim()).collect();
        seen.sort();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid_as("poll-options-same", "poll options must differ"));
        }
        if !(MIN_EXPIRY_SECS..=MAX_EXPIRY_SECS).contains(&self.expires_in) {
            return Err(invalid(format!(
                "poll duration must be from {MIN_EXPIRY_SECS} to {MAX_EXPIRY_SECS} seconds"
            )));
        }
        Ok(())
    }

    pub(crate) fn row(&self, post_id: i64, created: NaiveDateTime) -> Poll {
        let options: Vec<&str> = self.options.iter().map(|o| o.trim()).collect();
        Poll {
            post_id,
            multiple: self.multiple,
            hide_totals: self.hide_totals,
            expires_at: Some(created + Duration::seconds(self.expires_in)),
            options_json: serde_json::to_string(&options).unwrap_or_else(|_| "[]".into()),
            counts_json: serde_json::to_string(&vec![0; options.len()])
                .unwrap_or_else(|_| "[]".into()),
            voters_count: 0,
            ended_notified: false,
            counts_changed: false,
        }
    }
}

/// A poll as read back: option titles with their counts.
#[derive(Debug, Clone)]
pub struct PollState {
    pub poll: Poll,
    pub options: Vec<(String, i64)>,
}

impl PollState {
    pub fn from_row(poll: Poll) -> PollState {
        let titles: Vec<String> = serde_json::from_str(&poll.options_json).unwrap_or_default();
        let counts: Vec<i64> = serde_json::from_str(&poll.counts_json).unwrap_or_default();
        let options = titles
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t, counts.get(i).copied().unwrap_or(0)))
            .collect();
        PollState { poll, options }
    }

    pub fn expired(&self) -> bool {
        self.poll.expires_at.is_some_and(|t| t <= now())
    }

    pub fn votes_count(&self) -> i64 {
        self.options
            .iter()
            .fold(0i64, |sum, (_, n)| sum.saturating_add(*n))
    }
}

/// Nobody votes in the poll of someone they block or who blocks them.
async fn check_not_blocked(ctx: &Context, voter: i64, author: i64) -> ServiceResult<()> {
    let blocked = ctx
        .db
        .read(move |c| {
            Ok(blocks::block_of(c, voter, author)?.is_some()
                || blocks::block_of(c, author, voter)?.is_some())
        })
        .await?;
    if blocked {
        return Err(ServiceError::Forbidden(Problem::coded(
            "blocked",
            "one of you blocks the other",
        )));
    }
    Ok(())
}

/// The poll of a status the viewer may see.
pub async fn get(ctx: &Context, viewer: Option<i64>, post_id: i64) -> ServiceResult<PollState> {
    visible_post(ctx, viewer, post_id).await?;
    let poll = ctx.db.read(move |c| polls::find(c, post_id)).await?;
    poll.map(PollState::from_row)
        .ok_or(ServiceError::NotFound("poll"))
}

/// Recounts a local poll from its votes.
fn recount(c: &mut tsunagu_db::Conn, poll: &Poll) -> tsunagu_db::QueryResult<()> {
    let n = PollState::from_row(poll.clone()).options.len();
    let mut counts = vec![0i64; n];
    let mut voters = Vec::new();
    for (voter, choice) in polls::votes(c, poll.post_id)? {
        if let Some(slot) = counts.get_mut(choice as usize) {
            *slot += 1;
        }
        voters.push(voter);
    }
    voters.sort();
    voters.dedup();
    let json = serde_json::to_string(&counts).unwrap_or_else(|_| "[]".into());
    polls::set_counts(c, poll.post_id, &json, voters.len() as i64)
}

/// A member votes: `choices` are option indexes.
pub async fn vote(
    ctx: &Context,
    voter: &Actor,
    post_id: i64,
    choices: &[i64],
) -> ServiceResult<PollState> {
    let post = visible_post(ctx, Some(voter.id), post_id).await?;
    let state = get(ctx, Some(voter.id), post_id).await?;
    if post.author_id == voter.id {
        return Err(invalid_as("own-poll", "you cannot vote in your own poll"));
    }
    check_not_blocked(ctx, voter.id, post.author_id).await?;
    if state.expired() {
        return Err(invalid_as("poll-ended", "the poll has already ended"));
    }
    if choices.is_empty() {
        return Err(invalid("choose at least one option"));
    }
    let mut chosen: Vec<i32> = Vec::new();
    for c in choices {
        let index = usize::try_from(*c)
            .ok()
            .filter(|i| *i < state.options.len())
            .ok_or_else(|| invalid(format!("there is no option {c}")))?;
        if !chosen.contains(&(index as i32)) {
            chosen.push(index as i32);
        }
    }
    if chosen.len() > 1 && !state.poll.multiple {
        return Err(invalid("this poll takes one choice"));
    }
    let (vid, local) = (voter.id, post.local);
    let voter_ap = voter.ap_id.clone();
    let votes = chosen.clone();
    let poll = state.poll.clone();
    ctx.db
        .write(move |c| {
            polls::lock(c, post_id)?;
            if !polls::choices_of(c, vid, &[post_id])?.is_empty() {
                return Ok(Err(invalid_as(
                    "already-voted",
                    "you have already voted on this poll",
                )));
            }
            for choice in &votes {
                let ap = format!("{voter_ap}#votes/{}", crate::posts::random_token());
                polls::add_vote(c, post_id, vid, *choice, Some(&ap), now())?;
            }
            if local {
                recount(c, &poll)?;
                polls::mark_counts_changed(c, post_id)?;
            } else {
                // Counted here at once; the author's server sends the true counts later.
                let mut state = PollState::from_row(poll.clone());
                for choice in &votes {
                    if let Some(option) = state.options.get_mut(*choice as usize) {
                        option.1 = option.1.saturating_add(1);
                    }
                }
                let counts: Vec<i64> = state.options.iter().map(|(_, n)| *n).collect();
                let json = serde_json::to_string(&counts).unwrap_or_else(|_| "[]".into());
                polls::set_counts(c, post_id, &json, poll.voters_count.saturating_add(1))?;
            }
            Ok(Ok(()))
        })
        .await??;
    if !local {
        ctx.publish(Event::PollVoted {
            post_id,
            voter_id: voter.id,
        })
        .await;
    }
    get(ctx, Some(voter.id), post_id).await
}

/// A remote vote on a local poll: `Create(Note{name, inReplyTo})` by `voter`.
pub async fn receive_vote(
    ctx: &Context,
    voter: &Actor,
    post_id: i64,
    option: &str,
    vote_ap_id: &str,
) -> ServiceResult<()> {
    let post = get_post(ctx, post_id).await?;
    if !post.local || post.deleted_at.is_some() || !can_see(ctx, Some(voter.id), &post).await? {
        return Err(ServiceError::NotFound("poll"));
    }
    check_not_blocked(ctx, voter.id, post.author_id).await?;
    let state = get(ctx, Some(voter.id), post_id)
        .await
        .map_err(|_| ServiceError::NotFound("poll"))?;
    if state.expired() {
        return Err(ServiceError::Forbidden(Problem::coded(
            "poll-ended",
            "the poll has already ended",
        )));
    }
    let index = state
        .options
        .iter()
        .position(|(title, _)| title == option.trim())
        .ok_or_else(|| invalid(format!("the poll has no option {option:?}")))?;
    let (vid, poll, ap) = (voter.id, state.poll.clone(), vote_ap_id.to_string());
    let counted = ctx
        .db
        .write(move |c| {
            polls::lock(c, post_id)?;
            let earlier = polls::choices_of(c, vid, &[post_id])?;
            if earlier.iter().any(|(_, c)| *c == index as i32)
                || (!poll.multiple && !earlier.is_empty())
            {
                return Ok(false);
            }
            polls::add_vote(c, post_id, vid, index as i32, Some(&ap), now())?;
            recount(c, &poll)?;
            polls::mark_counts_changed(c, post_id)?;
            Ok(true)
        })
        .await?;
    if !counted {
        tracing::debug!("vote by {} on {post_id} not counted", voter.ap_id);
    }
    Ok(())
}

/// Sends the new counts of local polls that got votes since the last time: one `Update` per
/// poll per round of housekeeping, however many votes came in. Returns how many were sent.
pub async fn send_changed_counts(ctx: &Context) -> ServiceResult<usize> {
    let changed = ctx.db.read(|c| polls::with_changed_counts(c, 100)).await?;
    let mut sent = 0;
    for post_id in changed {
        if ctx
            .db
            .write(move |c| polls::claim_counts(c, post_id))
            .await?
        {
            ctx.publish(Event::PollUpdated { post_id }).await;
            sent += 1;
        }
    }
    Ok(sent)
}

/// A poll as another server describes it.
#[derive(Debug, Clone)]
pub struct RemotePoll {
    pub options: Vec<(String, i64)>,
    pub multiple: bool,
    pub expires_at: Option<NaiveDateTime>,
    pub voters_count: Option<i64>,
}

/// Records (or refreshes the counts of) the poll of a remote post.
pub(crate) fn record_remote(
    c: &mut tsunagu_db::Conn,
    post_id: i64,
    remote: &RemotePoll,
) -> tsunagu_db::QueryResult<()> {
    let options: Vec<String> = remote
        .options
        .iter()
        .take(MAX_OPTIONS * 4)
        .map(|(t, _)| t.chars().take(200).collect())
        .collect();
    let counts: Vec<i64> = remote
        .options
        .iter()
        .take(options.len())
        .map(|(_, n)| (*n).clamp(0, i64::from(i32::MAX)))
        .collect();
    let voters = remote.voters_count.unwrap_or_else(|| {
        if remote.multiple {
            0
        } else {
            counts.iter().sum()
        }
    });
    polls::upsert(
        c,
        &Poll {
            post_id,
            multiple: remote.multiple,
            hide_totals: false,
            expires_at: remote.expires_at,
            options_json: serde_json::to_string(&options).unwrap_or_else(|_| "[]".into()),
            counts_json: serde_json::to_string(&counts).unwrap_or_else(|_| "[]".into()),
            voters_count: voters.clamp(0, i64::from(i32::MAX)),
            ended_notified: false,
            counts_changed: false,
        },
    )
}

/// Tells of polls that have ended: a `poll` notification to each local voter and to a local
/// author, and for local polls the final counts to other servers. Each poll once, whichever
/// process gets to it first. Returns how many polls were announced.
pub async fn announce_ended(ctx: &Context) -> ServiceResult<usize> {
    let due = ctx
        .db
        .read(|c| polls::ended_unannounced(c, now(), 100))
        .await?;
    let mut announced = 0;
    for poll in due {
        let post_id = poll.post_id;
        let local_poll = ctx
            .db
            .write(move |c| {
                if !polls::claim_end(c, post_id)? {
                    return Ok(None);
                }
                let post = tsunagu_db::queries::posts::by_id(c, post_id)?;
                if post.deleted_at.is_some() {
                    return Ok(Some(false));
                }
                let mut told: Vec<i64> = polls::votes(c, post_id)?
                    .into_iter()
                    .map(|(voter, _)| voter)
                    .collect();
                told.push(post.author_id);
                told.sort();
                told.dedup();
                let local = tsunagu_db::queries::actors::by_ids(c, &told)?;
                for actor in local.iter().filter(|a| a.local) {
                    crate::posts::notify(c, actor.id, "poll", post.author_id, Some(post_id))?;
                }
                Ok(Some(post.local))
            })
            .await?;
        match local_poll {
            Some(true) => {
                ctx.publish(Event::PollUpdated { post_id }).await;
                announced += 1;
            }
            Some(false) => announced += 1,
            None => {}
        }
    }
    Ok(announced)
}
