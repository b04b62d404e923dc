//! Surveys, their responses, and who answered.

use crate::schema::{survey_respondents, survey_responses, surveys};
use crate::{Conn, NewSurvey, QueryResult, Survey, SurveyResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewSurvey) -> QueryResult<Survey> {
    let id: i64 = diesel::insert_into(surveys::table)
        .values(new)
        .returning(surveys::id)
        .get_result(conn)?;
    by_id(conn, id)
}

pub fn by_id(conn: &mut Conn, id: i64) -> QueryResult<Survey> {
    surveys::table
        .find(id)
        .select(Survey::as_select())
        .get_result(conn)
}

/// Surveys newest first; with `open_at`, only those still open then.
pub fn list(
    conn: &mut Conn,
    open_at: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<Survey>> {
    let mut q = surveys::table.select(Survey::as_select()).into_boxed();
    if let Some(at) = open_at {
        q = q.filter(surveys::closes_at.is_null().or(surveys::closes_at.gt(at)));
    }
    q.order(surveys::id.desc()).limit(limit).load(conn)
}

/// Records a response unless `user_id` answered already; false if they had.
pub fn respond(
    conn: &mut Conn,
    survey_id: i64,
    user_id: i64,
    named: bool,
    answers_json: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    // A response racing this one fails on the key instead (a unique violation).
    if answered(conn, survey_id, user_id)? {
        return Ok(false);
    }
    diesel::insert_into(survey_respondents::table)
        .values((
            survey_respondents::survey_id.eq(survey_id),
            survey_respondents::user_id.eq(user_id),
        ))
        .execute(conn)?;
    diesel::insert_into(survey_responses::table)
        .values((
            survey_responses::survey_id.eq(survey_id),
            survey_responses::user_id.eq(named.then_some(user_id)),
            survey_responses::answers_json.eq(answers_json),
            survey_responses::submitted_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn answered(conn: &mut Conn, survey_id: i64, user_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        survey_respondents::table
            .filter(survey_respondents::survey_id.eq(survey_id))
            .filter(survey_respondents::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

pub fn responses(conn: &mut Conn, survey_id: i64) -> QueryResult<Vec<SurveyResponse>> {
    survey_responses::table
        .filter(survey_responses::survey_id.eq(survey_id))
        .order(survey_responses::id.asc())
        .select(SurveyResponse::as_select())
        .load(conn)
}

/// `(user id, username)` of the members `user_ids`.
pub fn usernames(conn: &mut Conn, user_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    use crate::schema::{actors, users};
    users::table
        .inner_join(actors::table.on(actors::id.eq(users::actor_id)))
        .filter(users::id.eq_any(user_ids))
        .select((users::id, actors::username))
        .load(conn)
}

pub fn set_poll(conn: &mut Conn, id: i64, post_id: i64) -> QueryResult<()> {
    diesel::update(surveys::table.find(id))
        .set(surveys::poll_post_id.eq(post_id))
        .execute(conn)?;
    Ok(())
}
