//! Blocks and mutes between accounts.

use crate::schema::{actors, blocks, mutes};
use crate::{Actor, Conn, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn block(
    conn: &mut Conn,
    actor: i64,
    target: i64,
    ap_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    if block_of(conn, actor, target)?.is_none() {
        diesel::insert_into(blocks::table)
            .values((
                blocks::actor_id.eq(actor),
                blocks::target_id.eq(target),
                blocks::ap_id.eq(ap_id),
                blocks::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The block's ActivityPub id, if `actor` blocks `target`.
pub fn block_of(conn: &mut Conn, actor: i64, target: i64) -> QueryResult<Option<Option<String>>> {
    blocks::table
        .filter(blocks::actor_id.eq(actor))
        .filter(blocks::target_id.eq(target))
        .select(blocks::ap_id)
        .first(conn)
        .optional()
}

pub fn unblock(conn: &mut Conn, actor: i64, target: i64) -> QueryResult<usize> {
    diesel::delete(
        blocks::table
            .filter(blocks::actor_id.eq(actor))
            .filter(blocks::target_id.eq(target)),
    )
    .execute(conn)
}

pub fn mute(
    conn: &mut Conn,
    actor: i64,
    target: i64,
    notifications: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        mutes::table
            .filter(mutes::actor_id.eq(actor))
            .filter(mutes::target_id.eq(target)),
    )
    .execute(conn)?;
    diesel::insert_into(mutes::table)
        .values((
            mutes::actor_id.eq(actor),
            mutes::target_id.eq(target),
            mutes::notifications.eq(notifications),
            mutes::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn unmute(conn: &mut Conn, actor: i64, target: i64) -> QueryResult<usize> {
    diesel::delete(
        mutes::table
            .filter(mutes::actor_id.eq(actor))
            .filter(mutes::target_id.eq(target)),
    )
    .execute(conn)
}

pub fn is_muting(conn: &mut Conn, actor: i64, target: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        mutes::table
            .filter(mutes::actor_id.eq(actor))
            .filter(mutes::target_id.eq(target)),
    ))
    .get_result(conn)
}

/// Accounts `viewer` does not want to see: those it blocks or mutes, and those blocking it.
pub fn hidden_from(conn: &mut Conn, viewer: i64) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = blocks::table
        .filter(blocks::actor_id.eq(viewer))
        .select(blocks::target_id)
        .load(conn)?;
    ids.extend(
        blocks::table
            .filter(blocks::target_id.eq(viewer))
            .select(blocks::actor_id)
            .load::<i64>(conn)?,
    );
    ids.extend(
        mutes::table
            .filter(mutes::actor_id.eq(viewer))
            .select(mutes::target_id)
            .load::<i64>(conn)?,
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Accounts `viewer` blocks (`mutes` false) or mutes (true), newest first.
pub fn listed(conn: &mut Conn, viewer: i64, muted: bool) -> QueryResult<Vec<Actor>> {
    if muted {
        mutes::table
            .inner_join(actors::table.on(actors::id.eq(mutes::target_id)))
            .filter(mutes::actor_id.eq(viewer))
            .order(mutes::id.desc())
            .select(Actor::as_select())
            .load(conn)
    } else {
        blocks::table
            .inner_join(actors::table.on(actors::id.eq(blocks::target_id)))
            .filter(blocks::actor_id.eq(viewer))
            .order(blocks::id.desc())
            .select(Actor::as_select())
            .load(conn)
    }
}
