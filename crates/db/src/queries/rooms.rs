//! Talk rooms, their members and their messages.

use crate::schema::{room_members, room_messages, rooms};
use crate::{Conn, NewRoom, QueryResult, Room, RoomMember};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewRoom) -> QueryResult<i64> {
    diesel::insert_into(rooms::table)
        .values(new)
        .returning(rooms::id)
        .get_result(conn)
}

pub fn get(conn: &mut Conn, id: i64) -> QueryResult<Option<Room>> {
    rooms::table
        .find(id)
        .select(Room::as_select())
        .get_result(conn)
        .optional()
}

/// Rooms `actor` is in or invited to, newest first.
pub fn of_actor(conn: &mut Conn, actor: i64) -> QueryResult<Vec<(Room, RoomMember)>> {
    rooms::table
        .inner_join(room_members::table.on(room_members::room_id.eq(rooms::id)))
        .filter(room_members::actor_id.eq(actor))
        .order(rooms::id.desc())
        .select((Room::as_select(), RoomMember::as_select()))
        .load(conn)
}

pub fn members(conn: &mut Conn, room: i64) -> QueryResult<Vec<RoomMember>> {
    room_members::table
        .filter(room_members::room_id.eq(room))
        .order(room_members::created_at.asc())
        .select(RoomMember::as_select())
        .load(conn)
}

pub fn member(conn: &mut Conn, room: i64, actor: i64) -> QueryResult<Option<RoomMember>> {
    room_members::table
        .find((room, actor))
        .select(RoomMember::as_select())
        .get_result(conn)
        .optional()
}

pub fn add_member(conn: &mut Conn, m: &RoomMember) -> QueryResult<()> {
    diesel::insert_into(room_members::table)
        .values(m)
        .execute(conn)?;
    Ok(())
}

pub fn set_state(conn: &mut Conn, room: i64, actor: i64, state: &str) -> QueryResult<()> {
    diesel::update(room_members::table.find((room, actor)))
        .set(room_members::state.eq(state))
        .execute(conn)?;
    Ok(())
}

pub fn set_invitation_post(conn: &mut Conn, room: i64, actor: i64, post: i64) -> QueryResult<()> {
    diesel::update(room_members::table.find((room, actor)))
        .set(room_members::invitation_post_id.eq(post))
        .execute(conn)?;
    Ok(())
}

pub fn remove_member(conn: &mut Conn, room: i64, actor: i64) -> QueryResult<usize> {
    diesel::delete(room_members::table.find((room, actor))).execute(conn)
}

/// The invitation a post is, if it is one.
pub fn invitation_by_post(conn: &mut Conn, post: i64) -> QueryResult<Option<RoomMember>> {
    room_members::table
        .filter(room_members::invitation_post_id.eq(post))
        .select(RoomMember::as_select())
        .first(conn)
        .optional()
}

/// Records a post as said in a room (once).
pub fn add_message(conn: &mut Conn, room: i64, post: i64) -> QueryResult<()> {
    if room_of_message(conn, post)?.is_some() {
        return Ok(());
    }
    diesel::insert_into(room_messages::table)
        .values((
            room_messages::room_id.eq(room),
            room_messages::post_id.eq(post),
        ))
        .execute(conn)?;
    Ok(())
}

/// The room a post was said in.
pub fn room_of_message(conn: &mut Conn, post: i64) -> QueryResult<Option<i64>> {
    room_messages::table
        .find(post)
        .select(room_messages::room_id)
        .get_result(conn)
        .optional()
}

/// A page of a room's message ids, newest first, below `max_id`.
pub fn messages(
    conn: &mut Conn,
    room: i64,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let mut q = room_messages::table
        .filter(room_messages::room_id.eq(room))
        .select(room_messages::post_id)
        .into_boxed();
    if let Some(max) = max_id {
        q = q.filter(room_messages::post_id.lt(max));
    }
    q.order(room_messages::post_id.desc())
        .limit(limit)
        .load(conn)
}

/// Holds a room's membership until the transaction ends (see [`super::lock_row`]).
pub fn lock(conn: &mut Conn, room_id: i64) -> QueryResult<()> {
    super::lock_row(conn, "rooms", "id", room_id)
}
