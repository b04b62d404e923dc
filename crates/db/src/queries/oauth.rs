use crate::schema::{oauth_apps, oauth_codes, oauth_tokens};
use crate::{
    Conn, NewOauthApp, NewOauthCode, NewOauthToken, OauthApp, OauthCode, OauthToken, QueryResult,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert_app(conn: &mut Conn, new: &NewOauthApp) -> QueryResult<i64> {
    diesel::insert_into(oauth_apps::table)
        .values(new)
        .returning(oauth_apps::id)
        .get_result(conn)
}

pub fn app_by_id(conn: &mut Conn, app_id: i64) -> QueryResult<OauthApp> {
    oauth_apps::table
        .find(app_id)
        .select(OauthApp::as_select())
        .get_result(conn)
}

pub fn app_by_client_id(conn: &mut Conn, client_id: &str) -> QueryResult<Option<OauthApp>> {
    oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .select(OauthApp::as_select())
        .first(conn)
        .optional()
}

pub fn insert_token(conn: &mut Conn, new: &NewOauthToken) -> QueryResult<i64> {
    diesel::insert_into(oauth_tokens::table)
        .values(new)
        .returning(oauth_tokens::id)
        .get_result(conn)
}

pub fn live_token(conn: &mut Conn, hash: &str) -> QueryResult<Option<OauthToken>> {
    oauth_tokens::table
        .filter(oauth_tokens::token_hash.eq(hash))
        .filter(oauth_tokens::revoked_at.is_null())
        .select(OauthToken::as_select())
        .first(conn)
        .optional()
}

/// Revokes a token of the given app.
pub fn revoke_token(
    conn: &mut Conn,
    hash: &str,
    app_id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::token_hash.eq(hash))
            .filter(oauth_tokens::app_id.eq(app_id)),
    )
    .set(oauth_tokens::revoked_at.eq(at))
    .execute(conn)
}

pub fn insert_code(conn: &mut Conn, new: &NewOauthCode) -> QueryResult<i64> {
    diesel::insert_into(oauth_codes::table)
        .values(new)
        .returning(oauth_codes::id)
        .get_result(conn)
}

/// Takes a code for exchange: returns it once, and marks it used so it cannot be replayed.
pub fn take_code(conn: &mut Conn, hash: &str) -> QueryResult<Option<OauthCode>> {
    let code = oauth_codes::table
        .filter(oauth_codes::code_hash.eq(hash))
        .filter(oauth_codes::used.eq(false))
        .select(OauthCode::as_select())
        .first(conn)
        .optional()?;
    let Some(code) = code else { return Ok(None) };
    // Only the request that flips `used` gets the code, however many race for it.
    let taken = diesel::update(
        oauth_codes::table
            .find(code.id)
            .filter(oauth_codes::used.eq(false)),
    )
    .set(oauth_codes::used.eq(true))
    .execute(conn)?;
    Ok((taken == 1).then_some(code))
}

/// Revokes a token that belongs to no app (a web session).
pub fn revoke_session(conn: &mut Conn, hash: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::token_hash.eq(hash))
            .filter(oauth_tokens::app_id.is_null()),
    )
    .set(oauth_tokens::revoked_at.eq(at))
    .execute(conn)
}

/// Revokes every token of a user: their sessions and every app's access.
pub fn revoke_all_of_user(conn: &mut Conn, user_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::user_id.eq(user_id))
            .filter(oauth_tokens::revoked_at.is_null()),
    )
    .set(oauth_tokens::revoked_at.eq(at))
    .execute(conn)
}
