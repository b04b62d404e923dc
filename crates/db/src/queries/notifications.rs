use super::{newest_first, paginate, Page};
use crate::schema::notifications;
use crate::{Conn, NewNotification, Notification, QueryResult};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewNotification) -> QueryResult<i64> {
    diesel::insert_into(notifications::table)
        .values(new)
        .returning(notifications::id)
        .get_result(conn)
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
