//! Fundraising campaigns.

use crate::schema::{campaigns, posts};
use crate::{Campaign, Conn, Post, QueryResult};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, c: &Campaign) -> QueryResult<()> {
    diesel::insert_into(campaigns::table)
        .values(c)
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut Conn, post_id: i64) -> QueryResult<Option<(Campaign, Post)>> {
    campaigns::table
        .inner_join(posts::table)
        .filter(campaigns::post_id.eq(post_id))
        .filter(posts::deleted_at.is_null())
        .select((Campaign::as_select(), Post::as_select()))
        .first(conn)
        .optional()
}

/// Campaigns newest first.
pub fn list(conn: &mut Conn, limit: i64) -> QueryResult<Vec<(Campaign, Post)>> {
    campaigns::table
        .inner_join(posts::table)
        .filter(posts::deleted_at.is_null())
        .order(posts::id.desc())
        .limit(limit)
        .select((Campaign::as_select(), Post::as_select()))
        .load(conn)
}

pub fn set_raised(conn: &mut Conn, post_id: i64, raised: i64) -> QueryResult<()> {
    diesel::update(campaigns::table.find(post_id))
        .set(campaigns::raised.eq(raised))
        .execute(conn)?;
    Ok(())
}
