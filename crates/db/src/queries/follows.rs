use crate::schema::{actors, follows};
use crate::{Actor, Conn, Follow, NewFollow, QueryResult};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewFollow) -> QueryResult<i64> {
    diesel::insert_into(follows::table)
        .values(new)
        .returning(follows::id)
        .get_result(conn)
}

pub fn find(conn: &mut Conn, follower: i64, followee: i64) -> QueryResult<Option<Follow>> {
    follows::table
        .filter(follows::follower_id.eq(follower))
        .filter(follows::followee_id.eq(followee))
        .select(Follow::as_select())
        .first(conn)
        .optional()
}

pub fn by_ap_id(conn: &mut Conn, url: &str) -> QueryResult<Option<Follow>> {
    follows::table
        .filter(follows::ap_id.eq(url))
        .select(Follow::as_select())
        .get_result(conn)
        .optional()
}

pub fn accept(conn: &mut Conn, follow_id: i64) -> QueryResult<()> {
    diesel::update(follows::table.find(follow_id))
        .set(follows::accepted.eq(true))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut Conn, follow_id: i64) -> QueryResult<()> {
    diesel::delete(follows::table.find(follow_id)).execute(conn)?;
    Ok(())
}

/// Accounts following `followee` (accepted), newest first, with keyset paging on the follow id.
pub fn followers(
    conn: &mut Conn,
    followee: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Follow, Actor)>> {
    let mut q = follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::follower_id)))
        .filter(follows::followee_id.eq(followee))
        .filter(follows::accepted.eq(true))
        .select((Follow::as_select(), Actor::as_select()))
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(follows::id.lt(before));
    }
    q.order(follows::id.desc()).limit(limit).load(conn)
}

/// Accounts `follower` follows (accepted), newest first.
pub fn following(
    conn: &mut Conn,
    follower: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Follow, Actor)>> {
    let mut q = follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::followee_id)))
        .filter(follows::follower_id.eq(follower))
        .filter(follows::accepted.eq(true))
        .select((Follow::as_select(), Actor::as_select()))
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(follows::id.lt(before));
    }
    q.order(follows::id.desc()).limit(limit).load(conn)
}

pub fn count_followers(conn: &mut Conn, followee: i64) -> QueryResult<i64> {
    follows::table
        .filter(follows::followee_id.eq(followee))
        .filter(follows::accepted.eq(true))
        .count()
        .get_result(conn)
}

pub fn count_following(conn: &mut Conn, follower: i64) -> QueryResult<i64> {
    follows::table
        .filter(follows::follower_id.eq(follower))
        .filter(follows::accepted.eq(true))
        .count()
        .get_result(conn)
}

/// Inboxes of the remote accounts following `followee`, shared inboxes collapsed.
pub fn remote_follower_inboxes(conn: &mut Conn, followee: i64) -> QueryResult<Vec<String>> {
    let rows: Vec<(String, Option<String>)> = follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::follower_id)))
        .filter(follows::followee_id.eq(followee))
        .filter(follows::accepted.eq(true))
        .filter(actors::local.eq(false))
        .select((actors::inbox_url, actors::shared_inbox_url))
        .load(conn)?;
    let mut inboxes: Vec<String> = rows
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// Pending follow requests towards `followee`.
pub fn pending_for(conn: &mut Conn, followee: i64) -> QueryResult<Vec<(Follow, Actor)>> {
    follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::follower_id)))
        .filter(follows::followee_id.eq(followee))
        .filter(follows::accepted.eq(false))
        .order(follows::id.desc())
        .select((Follow::as_select(), Actor::as_select()))
        .load(conn)
}

pub fn by_id(conn: &mut Conn, follow_id: i64) -> QueryResult<Follow> {
    follows::table
        .find(follow_id)
        .select(Follow::as_select())
        .get_result(conn)
}

/// Inbox (shared when it has one) and domain of each remote follower of `followee`.
pub fn remote_follower_inboxes_by_domain(
    conn: &mut Conn,
    followee: i64,
) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<(String, Option<String>, String)> = follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::follower_id)))
        .filter(follows::followee_id.eq(followee))
        .filter(follows::accepted.eq(true))
        .filter(actors::local.eq(false))
        .select((actors::inbox_url, actors::shared_inbox_url, actors::domain))
        .load(conn)?;
    let mut out: Vec<(String, String)> = rows
        .into_iter()
        .map(|(inbox, shared, domain)| (shared.unwrap_or(inbox), domain))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// (actor id, followers, following) for several actors, in two grouped queries.
pub fn counts_of(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, i64, i64)>> {
    use diesel::dsl::count_star;
    use std::collections::HashMap;
    let followers: HashMap<i64, i64> = follows::table
        .filter(super::id_in(conn, "follows.followee_id", ids))
        .filter(follows::accepted.eq(true))
        .group_by(follows::followee_id)
        .select((follows::followee_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let following: HashMap<i64, i64> = follows::table
        .filter(super::id_in(conn, "follows.follower_id", ids))
        .filter(follows::accepted.eq(true))
        .group_by(follows::follower_id)
        .select((follows::follower_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .map(|id| {
            (
                *id,
                followers.get(id).copied().unwrap_or(0),
                following.get(id).copied().unwrap_or(0),
            )
        })
        .collect())
}

pub fn set_options(
    conn: &mut Conn,
    follow_id: i64,
    notify: bool,
    reblogs: bool,
) -> QueryResult<()> {
    diesel::update(follows::table.find(follow_id))
        .set((
            follows::notify.eq(notify),
            follows::show_reblogs.eq(reblogs),
        ))
        .execute(conn)?;
    Ok(())
}

/// Local members who asked to be notified of each new status by `followee`.
pub fn notify_subscribers(conn: &mut Conn, followee: i64) -> QueryResult<Vec<i64>> {
    super::on_backend!(conn, |c| follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::follower_id)))
        .filter(follows::followee_id.eq(followee))
        .filter(follows::accepted.eq(true))
        .filter(follows::notify.eq(true))
        .filter(actors::local.eq(true))
        .select(follows::follower_id)
        .load(c))
}

/// Ids of the accounts `follower` follows (accepted), without loading the accounts.
pub fn followee_ids(conn: &mut Conn, follower: i64) -> QueryResult<Vec<i64>> {
    follows::table
        .filter(follows::follower_id.eq(follower))
        .filter(follows::accepted.eq(true))
        .select(follows::followee_id)
        .load(conn)
}

/// Which of `followees` `follower` follows (accepted).
pub fn followed_among(conn: &mut Conn, follower: i64, followees: &[i64]) -> QueryResult<Vec<i64>> {
    follows::table
        .filter(follows::follower_id.eq(follower))
        .filter(follows::followee_id.eq_any(followees))
        .filter(follows::accepted.eq(true))
        .select(follows::followee_id)
        .load(conn)
}

/// Ends every follow between an account on `domain` (or a subdomain) and anyone.
pub fn delete_with_domain(conn: &mut Conn, domain: &str) -> QueryResult<usize> {
    let on_domain = actors::table
        .filter(
            actors::domain
                .eq(domain)
                .or(actors::domain.like(format!("%.{}", domain.replace(['%', '_'], "")))),
        )
        .select(actors::id);
    let ids: Vec<i64> = on_domain.load(conn)?;
    diesel::delete(
        follows::table.filter(
            follows::follower_id
                .eq_any(&ids)
                .or(follows::followee_id.eq_any(&ids)),
        ),
    )
    .execute(conn)
}
