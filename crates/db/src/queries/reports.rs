//! Reports of accounts and posts, from members here and from other servers.

use crate::schema::reports;
use crate::{Conn, NewReport, QueryResult, Report};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewReport) -> QueryResult<i64> {
    diesel::insert_into(reports::table)
        .values(new)
        .returning(reports::id)
        .get_result(conn)
}

pub fn by_id(conn: &mut Conn, id: i64) -> QueryResult<Report> {
    reports::table
        .find(id)
        .select(Report::as_select())
        .get_result(conn)
}

pub fn by_ap_id(conn: &mut Conn, url: &str) -> QueryResult<Option<Report>> {
    reports::table
        .filter(reports::ap_id.eq(url))
        .select(Report::as_select())
        .get_result(conn)
        .optional()
}

/// Reports not yet resolved, newest first; `board` limits them to one board's.
pub fn open(conn: &mut Conn, board: Option<i64>, limit: i64) -> QueryResult<Vec<Report>> {
    let mut q = reports::table
        .filter(reports::resolved_at.is_null())
        .select(Report::as_select())
        .into_boxed();
    if let Some(b) = board {
        q = q.filter(reports::board_id.eq(b));
    }
    q.order(reports::id.desc()).limit(limit).load(conn)
}

pub fn resolve(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(reports::table.find(id))
        .set(reports::resolved_at.eq(at))
        .execute(conn)
}

/// How many reports `reporters` filed since `since` (to cap what other servers may file).
pub fn count_by_reporters_since(
    conn: &mut Conn,
    reporters: &[i64],
    since: NaiveDateTime,
) -> QueryResult<i64> {
    reports::table
        .filter(reports::reporter_id.eq_any(reporters))
        .filter(reports::created_at.ge(since))
        .count()
        .get_result(conn)
}
