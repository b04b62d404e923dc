//! Media attachments: uploads waiting for a status, and the files of statuses and profiles.

use crate::schema::media;
use crate::{Conn, Media, NewMedia, QueryResult};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewMedia) -> QueryResult<Media> {
    let id: i64 = diesel::insert_into(media::table)
        .values(new)
        .returning(media::id)
        .get_result(conn)?;
    by_id(conn, id)
}

pub fn by_id(conn: &mut Conn, id: i64) -> QueryResult<Media> {
    media::table
        .find(id)
        .select(Media::as_select())
        .get_result(conn)
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<Media>> {
    media::table
        .filter(media::id.eq_any(ids))
        .select(Media::as_select())
        .load(conn)
}

/// Attachments of each of `posts`, in their order on the status.
pub fn of_posts(conn: &mut Conn, posts: &[i64]) -> QueryResult<Vec<Media>> {
    media::table
        .filter(super::id_in(conn, "media.post_id", posts))
        .order((media::post_id, media::position, media::id))
        .select(Media::as_select())
        .load(conn)
}

pub fn update_details(
    conn: &mut Conn,
    id: i64,
    description: &str,
    focus: (f64, f64),
) -> QueryResult<()> {
    diesel::update(media::table.find(id))
        .set((
            media::description.eq(description),
            media::focus_x.eq(focus.0),
            media::focus_y.eq(focus.1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Attaches `owner`'s uploads to a status in the given order; the status's earlier attachments
/// that are not among them are let go (they stay the uploader's, unattached). An upload that is
/// meanwhile on another status (not deleted) makes the whole transaction roll back.
pub fn attach(conn: &mut Conn, owner: i64, post: i64, ids: &[i64]) -> QueryResult<()> {
    use crate::schema::posts;
    diesel::update(media::table.filter(media::post_id.eq(post)))
        .set(media::post_id.eq(None::<i64>))
        .execute(conn)?;
    for (position, id) in ids.iter().enumerate() {
        let deleted_posts = posts::table
            .filter(posts::deleted_at.is_not_null())
            .select(posts::id.nullable());
        let changed = diesel::update(
            media::table
                .find(*id)
                .filter(media::owner_id.eq(owner))
                .filter(media::remote_url.is_null())
                .filter(
                    media::post_id
                        .is_null()
                        .or(media::post_id.eq_any(deleted_posts)),
                ),
        )
        .set((media::post_id.eq(post), media::position.eq(position as i32)))
        .execute(conn)?;
        if changed != 1 {
            return Err(diesel::result::Error::RollbackTransaction);
        }
    }
    Ok(())
}

/// Drops the attachments recorded for a remote status (before recording them anew).
pub fn delete_of_post(conn: &mut Conn, post: i64) -> QueryResult<()> {
    diesel::delete(media::table.filter(media::post_id.eq(post))).execute(conn)?;
    Ok(())
}

/// Uploads made here before `cutoff` that are on no status (avatars and headers among them).
pub fn unattached_before(
    conn: &mut Conn,
    cutoff: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Media>> {
    media::table
        .filter(media::post_id.is_null())
        .filter(media::remote_url.is_null())
        .filter(media::created_at.lt(cutoff))
        .order(media::id)
        .limit(limit)
        .select(Media::as_select())
        .load(conn)
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<()> {
    diesel::delete(media::table.find(id)).execute(conn)?;
    Ok(())
}
