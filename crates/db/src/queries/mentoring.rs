//! Mentor profiles and mentoring requests.

use crate::schema::{actors, mentor_profiles, mentoring_requests};
use crate::{Actor, Conn, MentorProfile, MentoringRequest, NewMentoringRequest, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Stores (or replaces) a mentor profile.
pub fn save_profile(conn: &mut Conn, p: &MentorProfile) -> QueryResult<()> {
    diesel::delete(mentor_profiles::table.find(p.actor_id)).execute(conn)?;
    diesel::insert_into(mentor_profiles::table)
        .values(p)
        .execute(conn)?;
    Ok(())
}

pub fn remove_profile(conn: &mut Conn, actor_id: i64) -> QueryResult<()> {
    diesel::delete(mentor_profiles::table.find(actor_id)).execute(conn)?;
    Ok(())
}

pub fn profile(conn: &mut Conn, actor_id: i64) -> QueryResult<Option<MentorProfile>> {
    mentor_profiles::table
        .find(actor_id)
        .select(MentorProfile::as_select())
        .get_result(conn)
        .optional()
}

/// What a search for mentors asks.
#[derive(Debug, Clone, Default)]
pub struct MentorFilter {
    /// One topic, lower-case.
    pub topic: Option<String>,
    /// Words in a name, username or topic.
    pub text: Option<String>,
    pub local_only: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Available mentors (not deleted or suspended accounts), most recently updated first.
pub fn available(conn: &mut Conn, f: &MentorFilter) -> QueryResult<Vec<(MentorProfile, Actor)>> {
    let mut q = mentor_profiles::table
        .inner_join(actors::table)
        .filter(mentor_profiles::available.eq(true))
        .filter(actors::deleted.eq(false))
        .select((MentorProfile::as_select(), Actor::as_select()))
        .into_boxed();
    if f.local_only {
        q = q.filter(actors::local.eq(true));
    }
    if let Some(topic) = &f.topic {
        q = q.filter(
            mentor_profiles::topics
                .like(super::containing(&format!(",{topic},")))
                .escape('\\'),
        );
    }
    if let Some(text) = &f.text {
        let pattern = super::containing(text);
        q = q.filter(
            super::actors::lower(actors::username)
                .like(pattern.clone())
                .escape('\\')
                .or(super::actors::lower(actors::display_name)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(mentor_profiles::topics.like(pattern).escape('\\')),
        );
    }
    q.order((
        mentor_profiles::updated_at.desc(),
        mentor_profiles::actor_id.desc(),
    ))
    .offset(f.offset)
    .limit(f.limit)
    .load(conn)
}

pub fn insert_request(conn: &mut Conn, new: &NewMentoringRequest) -> QueryResult<i64> {
    diesel::insert_into(mentoring_requests::table)
        .values(new)
        .returning(mentoring_requests::id)
        .get_result(conn)
}

pub fn request(conn: &mut Conn, id: i64) -> QueryResult<MentoringRequest> {
    mentoring_requests::table
        .find(id)
        .select(MentoringRequest::as_select())
        .get_result(conn)
}

pub fn request_by_ap_id(conn: &mut Conn, ap_id: &str) -> QueryResult<Option<MentoringRequest>> {
    mentoring_requests::table
        .filter(mentoring_requests::ap_id.eq(ap_id))
        .select(MentoringRequest::as_select())
        .get_result(conn)
        .optional()
}

pub fn set_ap_id(conn: &mut Conn, id: i64, ap_id: &str) -> QueryResult<()> {
    diesel::update(mentoring_requests::table.find(id))
        .set(mentoring_requests::ap_id.eq(ap_id))
        .execute(conn)?;
    Ok(())
}

/// Requests `actor` made or received (`as_mentor`: only received; `Some(false)`: only made),
/// in `state` if given, newest first.
pub fn requests_of(
    conn: &mut Conn,
    actor: i64,
    as_mentor: Option<bool>,
    state: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<MentoringRequest>> {
    let mut q = mentoring_requests::table
        .select(MentoringRequest::as_select())
        .into_boxed();
    q = match as_mentor {
        Some(true) => q.filter(mentoring_requests::mentor_id.eq(actor)),
        Some(false) => q.filter(mentoring_requests::mentee_id.eq(actor)),
        None => q.filter(
            mentoring_requests::mentor_id
                .eq(actor)
                .or(mentoring_requests::mentee_id.eq(actor)),
        ),
    };
    if let Some(state) = state {
        q = q.filter(mentoring_requests::state.eq(state.to_string()));
    }
    q.order(mentoring_requests::id.desc())
        .limit(limit)
        .load(conn)
}

/// The request of `mentee` to `mentor` in `state`, if any.
pub fn between(
    conn: &mut Conn,
    mentor: i64,
    mentee: i64,
    state: &str,
) -> QueryResult<Option<MentoringRequest>> {
    mentoring_requests::table
        .filter(mentoring_requests::mentor_id.eq(mentor))
        .filter(mentoring_requests::mentee_id.eq(mentee))
        .filter(mentoring_requests::state.eq(state))
        .select(MentoringRequest::as_select())
        .first(conn)
        .optional()
}

pub fn count_accepted(conn: &mut Conn, mentor: i64) -> QueryResult<i64> {
    mentoring_requests::table
        .filter(mentoring_requests::mentor_id.eq(mentor))
        .filter(mentoring_requests::state.eq("accepted"))
        .count()
        .get_result(conn)
}

/// Moves a request on from `pending` only; false when it was no longer pending.
pub fn answer(
    conn: &mut Conn,
    id: i64,
    state: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        mentoring_requests::table
            .find(id)
            .filter(mentoring_requests::state.eq("pending")),
    )
    .set((
        mentoring_requests::state.eq(state),
        mentoring_requests::reason.eq(reason),
        mentoring_requests::answered_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_conversation(conn: &mut Conn, id: i64, post_id: i64) -> QueryResult<()> {
    diesel::update(mentoring_requests::table.find(id))
        .set(mentoring_requests::conversation_post_id.eq(post_id))
        .execute(conn)?;
    Ok(())
}

/// Pending requests past their expiry.
pub fn expired_pending(conn: &mut Conn, at: NaiveDateTime) -> QueryResult<Vec<MentoringRequest>> {
    mentoring_requests::table
        .filter(mentoring_requests::state.eq("pending"))
        .filter(mentoring_requests::expires_at.le(at))
        .select(MentoringRequest::as_select())
        .load(conn)
}

/// Holds a mentor's places until the transaction ends (see [`super::lock_row`]).
pub fn lock_mentor(conn: &mut Conn, actor_id: i64) -> QueryResult<()> {
    super::lock_row(conn, "mentor_profiles", "actor_id", actor_id)
}
