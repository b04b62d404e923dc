//! Polls and their votes.

use crate::schema::{poll_votes, polls};
use crate::{Conn, Poll, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Records a poll, or replaces it (a remote `Update(Question)` with new counts), keeping
/// whether its end was already announced.
pub fn upsert(conn: &mut Conn, poll: &Poll) -> QueryResult<()> {
    let announced = find(conn, poll.post_id)?.is_some_and(|p| p.ended_notified);
    diesel::delete(polls::table.find(poll.post_id)).execute(conn)?;
    let mut row = poll.clone();
    row.ended_notified |= announced;
    diesel::insert_into(polls::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Polls that have ended and whose end nobody was told of yet.
pub fn ended_unannounced(
    conn: &mut Conn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Poll>> {
    polls::table
        .filter(polls::expires_at.le(now))
        .filter(polls::ended_notified.eq(false))
        .limit(limit)
        .select(Poll::as_select())
        .load(conn)
}

/// Notes that a poll's counts changed and are to be sent out.
pub fn mark_counts_changed(conn: &mut Conn, post: i64) -> QueryResult<()> {
    diesel::update(polls::table.find(post))
        .set(polls::counts_changed.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Polls whose counts changed since they were last sent.
pub fn with_changed_counts(conn: &mut Conn, limit: i64) -> QueryResult<Vec<i64>> {
    polls::table
        .filter(polls::counts_changed.eq(true))
        .limit(limit)
        .select(polls::post_id)
        .load(conn)
}

/// Takes the job of sending a poll's new counts; false when another process took it.
pub fn claim_counts(conn: &mut Conn, post: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        polls::table
            .find(post)
            .filter(polls::counts_changed.eq(true)),
    )
    .set(polls::counts_changed.eq(false))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Marks a poll's end as announced; false when another process did it first.
pub fn claim_end(conn: &mut Conn, post: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        polls::table
            .find(post)
            .filter(polls::ended_notified.eq(false)),
    )
    .set(polls::ended_notified.eq(true))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Takes the poll's row lock until the transaction ends (PostgreSQL; SQLite writes one at a
/// time anyway), so concurrent votes on one poll are counted one after the other.
pub fn lock(conn: &mut Conn, post: i64) -> QueryResult<()> {
    diesel::update(polls::table.find(post))
        .set(polls::voters_count.eq(polls::voters_count))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut Conn, post: i64) -> QueryResult<Option<Poll>> {
    polls::table
        .find(post)
        .select(Poll::as_select())
        .get_result(conn)
        .optional()
}

pub fn of_posts(conn: &mut Conn, posts: &[i64]) -> QueryResult<Vec<Poll>> {
    polls::table
        .filter(super::id_in(conn, "polls.post_id", posts))
        .select(Poll::as_select())
        .load(conn)
}

pub fn set_counts(conn: &mut Conn, post: i64, counts_json: &str, voters: i64) -> QueryResult<()> {
    diesel::update(polls::table.find(post))
        .set((
            polls::counts_json.eq(counts_json),
            polls::voters_count.eq(voters),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn add_vote(
    conn: &mut Conn,
    post: i64,
    actor: i64,
    choice: i32,
    ap_id: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(poll_votes::table)
        .values((
            poll_votes::post_id.eq(post),
            poll_votes::actor_id.eq(actor),
            poll_votes::choice.eq(choice),
            poll_votes::ap_id.eq(ap_id),
            poll_votes::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The choices `actor` made in each of `posts`' polls.
pub fn choices_of(conn: &mut Conn, actor: i64, posts: &[i64]) -> QueryResult<Vec<(i64, i32)>> {
    poll_votes::table
        .filter(poll_votes::actor_id.eq(actor))
        .filter(super::id_in(conn, "poll_votes.post_id", posts))
        .order(poll_votes::choice)
        .select((poll_votes::post_id, poll_votes::choice))
        .load(conn)
}

/// Every vote on a poll as (voter, choice): what local poll counts are made of.
pub fn votes(conn: &mut Conn, post: i64) -> QueryResult<Vec<(i64, i32)>> {
    poll_votes::table
        .filter(poll_votes::post_id.eq(post))
        .select((poll_votes::actor_id, poll_votes::choice))
        .load(conn)
}

/// A voter's choices on a poll with each vote's id.
pub fn votes_of(conn: &mut Conn, actor: i64, post: i64) -> QueryResult<Vec<(i32, Option<String>)>> {
    poll_votes::table
        .filter(poll_votes::actor_id.eq(actor))
        .filter(poll_votes::post_id.eq(post))
        .order(poll_votes::choice)
        .select((poll_votes::choice, poll_votes::ap_id))
        .load(conn)
}

/// Inboxes of the remote accounts that voted on a poll.
pub fn remote_voter_inboxes(conn: &mut Conn, post: i64) -> QueryResult<Vec<String>> {
    use crate::schema::actors;
    let rows: Vec<(String, Option<String>)> = poll_votes::table
        .inner_join(actors::table.on(actors::id.eq(poll_votes::actor_id)))
        .filter(poll_votes::post_id.eq(post))
        .filter(actors::local.eq(false))
        .select((actors::inbox_url, actors::shared_inbox_url))
        .distinct()
        .load(conn)?;
    let mut inboxes: Vec<String> = rows.into_iter().map(|(i, s)| s.unwrap_or(i)).collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}
