//! Career offers of the careers board.

use crate::schema::{career_offers, posts};
use crate::{CareerOffer, Conn, Post, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, offer: &CareerOffer) -> QueryResult<()> {
    diesel::insert_into(career_offers::table)
        .values(offer)
        .execute(conn)?;
    Ok(())
}

/// Offers newest first, of `kind` if given; with `at`, only those not expired then.
pub fn list(
    conn: &mut Conn,
    kind: Option<&str>,
    at: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<(CareerOffer, Post)>> {
    let mut q = career_offers::table
        .inner_join(posts::table)
        .filter(posts::deleted_at.is_null())
        .select((CareerOffer::as_select(), Post::as_select()))
        .into_boxed();
    if let Some(kind) = kind {
        q = q.filter(career_offers::kind.eq(kind.to_string()));
    }
    if let Some(at) = at {
        q = q.filter(career_offers::expires_at.gt(at));
    }
    q.order(posts::id.desc()).limit(limit).load(conn)
}

pub fn of_post(conn: &mut Conn, post_id: i64) -> QueryResult<Option<CareerOffer>> {
    career_offers::table
        .find(post_id)
        .select(CareerOffer::as_select())
        .get_result(conn)
        .optional()
}

/// Takes an offer out of listings from `at` on.
pub fn set_expiry(conn: &mut Conn, post_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(career_offers::table.find(post_id))
        .set(career_offers::expires_at.eq(at))
        .execute(conn)
}
