//! Events, their participants and members' calendar feeds.

use crate::schema::{calendar_feeds, event_participants, events, posts};
use crate::{CalendarEvent, Conn, EventParticipant, NewEventParticipant, Post, QueryResult};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

/// Which events a listing shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scope {
    /// Not yet over, soonest first.
    Upcoming,
    /// Over, most recent first.
    Past,
    /// Those not over that `actor` organises or takes part in (going, waiting or pending),
    /// soonest first.
    Mine(i64),
}

/// Stores an event's facts, replacing earlier ones.
pub fn save(conn: &mut Conn, e: &CalendarEvent) -> QueryResult<()> {
    let updated = diesel::update(events::table.find(e.post_id))
        .set((
            events::starts_at.eq(e.starts_at),
            events::ends_at.eq(e.ends_at),
            events::timezone.eq(&e.timezone),
            events::utc_offset.eq(e.utc_offset),
            events::location.eq(&e.location),
            events::online_url.eq(&e.online_url),
            events::capacity.eq(e.capacity),
            events::cancelled_at.eq(e.cancelled_at),
            events::remote_participants.eq(e.remote_participants),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(events::table).values(e).execute(conn)?;
    }
    Ok(())
}

pub fn get(conn: &mut Conn, post_id: i64) -> QueryResult<Option<(CalendarEvent, Post)>> {
    events::table
        .inner_join(posts::table)
        .filter(events::post_id.eq(post_id))
        .filter(posts::deleted_at.is_null())
        .select((CalendarEvent::as_select(), Post::as_select()))
        .first(conn)
        .optional()
}

/// A page of events in `scope` as of `now`; only this instance's with `local_only`.
pub fn list(
    conn: &mut Conn,
    scope: Scope,
    local_only: bool,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(CalendarEvent, Post)>> {
    let not_over = events::ends_at
        .ge(now)
        .or(events::ends_at.is_null().and(events::starts_at.ge(now)));
    // Written out rather than `NOT not_over`: with no end, that is NULL, never true.
    let over = events::ends_at
        .lt(now)
        .or(events::ends_at.is_null().and(events::starts_at.lt(now)));
    let mut q = events::table
        .inner_join(posts::table)
        .filter(posts::deleted_at.is_null())
        .select((CalendarEvent::as_select(), Post::as_select()))
        .into_boxed();
    if local_only {
        q = q.filter(posts::local.eq(true));
    }
    q = match scope {
        Scope::Upcoming => q.filter(not_over).order(events::starts_at.asc()),
        Scope::Past => q.filter(over).order(events::starts_at.desc()),
        Scope::Mine(actor) => {
            let joined: Vec<i64> = event_participants::table
                .filter(event_participants::actor_id.eq(actor))
                .select(event_participants::event_id)
                .load(conn)?;
            q.filter(
                posts::author_id
                    .eq(actor)
                    .or(events::post_id.eq_any(joined)),
            )
            .filter(not_over)
            .order(events::starts_at.asc())
        }
    };
    q.then_order_by(events::post_id.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// `(event, state, count)` for the events given.
pub fn counts(conn: &mut Conn, event_ids: &[i64]) -> QueryResult<Vec<(i64, String, i64)>> {
    event_participants::table
        .filter(event_participants::event_id.eq_any(event_ids))
        .group_by((event_participants::event_id, event_participants::state))
        .select((
            event_participants::event_id,
            event_participants::state,
            count_star(),
        ))
        .load(conn)
}

pub fn count_in_state(conn: &mut Conn, event_id: i64, state: &str) -> QueryResult<i64> {
    event_participants::table
        .filter(event_participants::event_id.eq(event_id))
        .filter(event_participants::state.eq(state))
        .count()
        .get_result(conn)
}

/// `actor`'s places in the events given.
pub fn participations(
    conn: &mut Conn,
    actor_id: i64,
    event_ids: &[i64],
) -> QueryResult<Vec<EventParticipant>> {
    event_participants::table
        .filter(event_participants::actor_id.eq(actor_id))
        .filter(event_participants::event_id.eq_any(event_ids))
        .select(EventParticipant::as_select())
        .load(conn)
}

pub fn participation(
    conn: &mut Conn,
    event_id: i64,
    actor_id: i64,
) -> QueryResult<Option<EventParticipant>> {
    event_participants::table
        .filter(event_participants::event_id.eq(event_id))
        .filter(event_participants::actor_id.eq(actor_id))
        .select(EventParticipant::as_select())
        .first(conn)
        .optional()
}

/// Participants of one event in `state`, first come first.
pub fn participants(
    conn: &mut Conn,
    event_id: i64,
    state: &str,
) -> QueryResult<Vec<EventParticipant>> {
    event_participants::table
        .filter(event_participants::event_id.eq(event_id))
        .filter(event_participants::state.eq(state))
        .order(event_participants::id.asc())
        .select(EventParticipant::as_select())
        .load(conn)
}

pub fn add_participant(conn: &mut Conn, new: &NewEventParticipant) -> QueryResult<()> {
    diesel::insert_into(event_participants::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

pub fn remove_participant(conn: &mut Conn, id: i64) -> QueryResult<()> {
    diesel::delete(event_participants::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn set_state(conn: &mut Conn, id: i64, state: &str) -> QueryResult<()> {
    diesel::update(event_participants::table.find(id))
        .set(event_participants::state.eq(state))
        .execute(conn)?;
    Ok(())
}

/// Members here going to events (here or elsewhere, not cancelled) that start between `now`
/// and `until`, not yet reminded: `(participation, event)`.
pub fn due_reminders(
    conn: &mut Conn,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<(EventParticipant, Post)>> {
    use crate::schema::actors;
    let soon: Vec<i64> = events::table
        .inner_join(posts::table)
        .filter(posts::deleted_at.is_null())
        .filter(events::cancelled_at.is_null())
        .filter(events::starts_at.ge(now))
        .filter(events::starts_at.le(until))
        .select(events::post_id)
        .load(conn)?;
    let due: Vec<EventParticipant> = event_participants::table
        .inner_join(actors::table.on(actors::id.eq(event_participants::actor_id)))
        .filter(actors::local.eq(true))
        .filter(event_participants::event_id.eq_any(&soon))
        .filter(event_participants::state.eq("going"))
        .filter(event_participants::reminded_at.is_null())
        .select(EventParticipant::as_select())
        .load(conn)?;
    let ids: Vec<i64> = due.iter().map(|p| p.event_id).collect();
    let found: Vec<Post> = posts::table
        .filter(posts::id.eq_any(ids))
        .select(Post::as_select())
        .load(conn)?;
    Ok(due
        .into_iter()
        .filter_map(|p| {
            let post = found.iter().find(|e| e.id == p.event_id)?.clone();
            Some((p, post))
        })
        .collect())
}

/// Marks a participant reminded; false when someone else did first (another process's
/// housekeeping, on a database several share), who then sends the reminder.
pub fn claim_reminder(
    conn: &mut Conn,
    participant_id: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let claimed = diesel::update(
        event_participants::table
            .find(participant_id)
            .filter(event_participants::reminded_at.is_null()),
    )
    .set(event_participants::reminded_at.eq(at))
    .execute(conn)?;
    Ok(claimed == 1)
}

pub fn feed_token(conn: &mut Conn, user_id: i64) -> QueryResult<Option<String>> {
    calendar_feeds::table
        .find(user_id)
        .select(calendar_feeds::token)
        .get_result(conn)
        .optional()
}

/// Gives `user_id` a (new) feed address; the old one stops working.
pub fn set_feed_token(conn: &mut Conn, user_id: i64, token: &str) -> QueryResult<()> {
    diesel::delete(calendar_feeds::table.find(user_id)).execute(conn)?;
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::user_id.eq(user_id),
            calendar_feeds::token.eq(token),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn feed_owner(conn: &mut Conn, token: &str) -> QueryResult<Option<i64>> {
    calendar_feeds::table
        .filter(calendar_feeds::token.eq(token))
        .select(calendar_feeds::user_id)
        .first(conn)
        .optional()
}

pub fn by_join_ap_id(conn: &mut Conn, ap_id: &str) -> QueryResult<Option<EventParticipant>> {
    event_participants::table
        .filter(event_participants::join_ap_id.eq(ap_id))
        .select(EventParticipant::as_select())
        .get_result(conn)
        .optional()
}

pub fn participant(conn: &mut Conn, id: i64) -> QueryResult<EventParticipant> {
    event_participants::table
        .find(id)
        .select(EventParticipant::as_select())
        .get_result(conn)
}

/// The inboxes (shared where there is one) of an event's remote participants, in any state.
pub fn remote_participant_inboxes(conn: &mut Conn, event_id: i64) -> QueryResult<Vec<String>> {
    use crate::schema::actors;
    let rows: Vec<(String, Option<String>)> = event_participants::table
        .inner_join(actors::table.on(actors::id.eq(event_participants::actor_id)))
        .filter(event_participants::event_id.eq(event_id))
        .filter(actors::local.eq(false))
        .select((actors::inbox_url, actors::shared_inbox_url))
        .load(conn)?;
    Ok(rows.into_iter().map(|(i, s)| s.unwrap_or(i)).collect())
}

/// Forgets who was reminded of an event (it moved: they are reminded of the new time).
pub fn reset_reminders(conn: &mut Conn, event_id: i64) -> QueryResult<()> {
    diesel::update(event_participants::table.filter(event_participants::event_id.eq(event_id)))
        .set(event_participants::reminded_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// Holds the event's places until the transaction ends (see [`super::lock_row`]).
pub fn lock(conn: &mut Conn, event_id: i64) -> QueryResult<()> {
    super::lock_row(conn, "events", "post_id", event_id)
}
