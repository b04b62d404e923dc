//! Bookmarks and reading markers, a member's own bookkeeping.

use crate::schema::{bookmarks, markers, posts};
use crate::{Conn, Post, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn add(conn: &mut Conn, actor: i64, post: i64, at: NaiveDateTime) -> QueryResult<()> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        bookmarks::table
            .filter(bookmarks::actor_id.eq(actor))
            .filter(bookmarks::post_id.eq(post)),
    ))
    .get_result(conn)?;
    if !exists {
        diesel::insert_into(bookmarks::table)
            .values((
                bookmarks::actor_id.eq(actor),
                bookmarks::post_id.eq(post),
                bookmarks::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove(conn: &mut Conn, actor: i64, post: i64) -> QueryResult<()> {
    diesel::delete(
        bookmarks::table
            .filter(bookmarks::actor_id.eq(actor))
            .filter(bookmarks::post_id.eq(post)),
    )
    .execute(conn)?;
    Ok(())
}

/// Which of `ids` the viewer bookmarked.
pub fn among(conn: &mut Conn, actor: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    bookmarks::table
        .filter(bookmarks::actor_id.eq(actor))
        .filter(super::id_in(conn, "bookmarks.post_id", ids))
        .select(bookmarks::post_id)
        .load(conn)
}

/// Bookmarked posts, newest bookmark first, paged by the bookmark's id.
pub fn list(
    conn: &mut Conn,
    actor: i64,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, Post)>> {
    let mut q = bookmarks::table
        .inner_join(posts::table)
        .filter(bookmarks::actor_id.eq(actor))
        .filter(posts::deleted_at.is_null())
        .select((bookmarks::id, Post::as_select()))
        .into_boxed();
    if let Some(max) = max_id {
        q = q.filter(bookmarks::id.lt(max));
    }
    q.order(bookmarks::id.desc())
        .limit(limit.clamp(1, 40))
        .load(conn)
}

/// (timeline, last read id, version, updated at) of a member's markers.
pub fn markers_of(
    conn: &mut Conn,
    actor: i64,
) -> QueryResult<Vec<(String, String, i32, NaiveDateTime)>> {
    markers::table
        .filter(markers::actor_id.eq(actor))
        .select((
            markers::timeline,
            markers::last_read_id,
            markers::version,
            markers::updated_at,
        ))
        .load(conn)
}

pub fn set_marker(
    conn: &mut Conn,
    actor: i64,
    timeline: &str,
    last_read_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let version: Option<i32> = markers::table
        .filter(markers::actor_id.eq(actor))
        .filter(markers::timeline.eq(timeline))
        .select(markers::version)
        .first(conn)
        .optional()?;
    match version {
        Some(v) => {
            diesel::update(
                markers::table
                    .filter(markers::actor_id.eq(actor))
                    .filter(markers::timeline.eq(timeline)),
            )
            .set((
                markers::last_read_id.eq(last_read_id),
                markers::version.eq(v + 1),
                markers::updated_at.eq(at),
            ))
            .execute(conn)?;
        }
        None => {
            diesel::insert_into(markers::table)
                .values((
                    markers::actor_id.eq(actor),
                    markers::timeline.eq(timeline),
                    markers::last_read_id.eq(last_read_id),
                    markers::version.eq(1),
                    markers::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Pins a status to its author's profile.
pub fn pin(conn: &mut Conn, actor: i64, post: i64, at: NaiveDateTime) -> QueryResult<()> {
    use crate::schema::status_pins;
    let exists: bool = diesel::select(diesel::dsl::exists(
        status_pins::table
            .filter(status_pins::actor_id.eq(actor))
            .filter(status_pins::post_id.eq(post)),
    ))
    .get_result(conn)?;
    if !exists {
        diesel::insert_into(status_pins::table)
            .values((
                status_pins::actor_id.eq(actor),
                status_pins::post_id.eq(post),
                status_pins::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn unpin(conn: &mut Conn, actor: i64, post: i64) -> QueryResult<()> {
    use crate::schema::status_pins;
    diesel::delete(
        status_pins::table
            .filter(status_pins::actor_id.eq(actor))
            .filter(status_pins::post_id.eq(post)),
    )
    .execute(conn)?;
    Ok(())
}

/// A member's pinned statuses, most recently pinned first.
pub fn pinned(conn: &mut Conn, actor: i64) -> QueryResult<Vec<Post>> {
    use crate::schema::status_pins;
    status_pins::table
        .inner_join(posts::table.on(posts::id.eq(status_pins::post_id)))
        .filter(status_pins::actor_id.eq(actor))
        .filter(posts::deleted_at.is_null())
        .order(status_pins::created_at.desc())
        .select(Post::as_select())
        .load(conn)
}
