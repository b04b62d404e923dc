use super::{newest_first, paginate, Page};
use crate::schema::notifications;
use crate::{Conn, NewNotification, Notification, QueryResult};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewNotification) -> QueryResult<i64> {
    super::on_backend!(conn, |c| diesel::insert_into(notifications::table)
        .values(new)
        .returning(notifications::id)
        .get_result(c))
}

pub fn list(
    conn: &mut Conn,
    recipient: i64,
    types: Option<&[String]>,
    exclude: &[String],
    page: Page,
) -> QueryResult<Vec<Notification>> {
    let mut q = notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .select(Notification::as_select())
        .into_boxed();
    if let Some(types) = types {
        q = q.filter(notifications::kind.eq_any(types.to_vec()));
    }
    if !exclude.is_empty() {
        q = q.filter(notifications::kind.ne_all(exclude.to_vec()));
    }
    let (q, asc) = paginate!(q, notifications::id, page);
    Ok(newest_first(q.load(conn)?, asc))
}

pub fn by_id(conn: &mut Conn, recipient: i64, id: i64) -> QueryResult<Notification> {
    notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .filter(notifications::id.eq(id))
        .select(Notification::as_select())
        .first(conn)
}

pub fn dismiss(conn: &mut Conn, recipient: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(
        notifications::table
            .filter(notifications::recipient_id.eq(recipient))
            .filter(notifications::id.eq(id)),
    )
    .execute(conn)
}

pub fn clear(conn: &mut Conn, recipient: i64) -> QueryResult<usize> {
    diesel::delete(notifications::table.filter(notifications::recipient_id.eq(recipient)))
        .execute(conn)
}

/// The highest notification id, where new notifications start for a listener.
pub fn latest_id(conn: &mut Conn) -> QueryResult<i64> {
    use diesel::dsl::max;
    Ok(notifications::table
        .select(max(notifications::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// A recipient's notifications of one kind about one post (or none), made in `[from, to)`,
/// newest first: the members of a notification group.
pub fn in_group(
    conn: &mut Conn,
    recipient: i64,
    kind: &str,
    post: Option<i64>,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> QueryResult<Vec<Notification>> {
    let mut q = notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .filter(notifications::kind.eq(kind))
        .filter(notifications::created_at.ge(from))
        .filter(notifications::created_at.lt(to))
        .select(Notification::as_select())
        .into_boxed();
    q = match post {
        Some(p) => q.filter(notifications::post_id.eq(p)),
        None => q.filter(notifications::post_id.is_null()),
    };
    q.order(notifications::id.desc()).load(conn)
}

pub fn dismiss_many(conn: &mut Conn, recipient: i64, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(
        notifications::table
            .filter(notifications::recipient_id.eq(recipient))
            .filter(notifications::id.eq_any(ids)),
    )
    .execute(conn)
}
