//! The durable outgoing queue. Workers in any number of processes claim due deliveries with a
//! lease (a conditional update), so each delivery is sent by one worker at a time.

use crate::schema::{deliveries, outgoing_activities, received_activities};
use crate::{Conn, Delivery, NewDelivery, NewOutgoingActivity, OutgoingActivity, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Stores an activity and one pending delivery per inbox.
pub fn enqueue(
    conn: &mut Conn,
    activity: &NewOutgoingActivity,
    inboxes: &[String],
) -> QueryResult<i64> {
    let activity_id: i64 = diesel::insert_into(outgoing_activities::table)
        .values(activity)
        .returning(outgoing_activities::id)
        .get_result(conn)?;
    let rows: Vec<NewDelivery> = inboxes
        .iter()
        .map(|inbox| NewDelivery {
            activity_id,
            inbox_url: inbox.clone(),
            next_attempt_at: activity.created_at,
            created_at: activity.created_at,
        })
        .collect();
    // Multi-row inserts only compile per backend, not through the MultiConnection.
    for chunk in rows.chunks(500) {
        super::on_backend!(conn, |c| diesel::insert_into(deliveries::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(activity_id)
}

pub fn activity_by_ap_id(conn: &mut Conn, url: &str) -> QueryResult<Option<OutgoingActivity>> {
    outgoing_activities::table
        .filter(outgoing_activities::ap_id.eq(url))
        .select(OutgoingActivity::as_select())
        .get_result(conn)
        .optional()
}

pub fn activities_by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<OutgoingActivity>> {
    outgoing_activities::table
        .filter(outgoing_activities::id.eq_any(ids))
        .select(OutgoingActivity::as_select())
        .load(conn)
}

/// Activities an actor published, newest first (for its outbox).
pub fn activities_of(
    conn: &mut Conn,
    actor: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<OutgoingActivity>> {
    let mut q = outgoing_activities::table
        .filter(outgoing_activities::actor_id.eq(actor))
        .select(OutgoingActivity::as_select())
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(outgoing_activities::id.lt(before));
    }
    q.order(outgoing_activities::id.desc())
        .limit(limit)
        .load(conn)
}

pub fn count_activities_of(conn: &mut Conn, actor: i64) -> QueryResult<i64> {
    outgoing_activities::table
        .filter(outgoing_activities::actor_id.eq(actor))
        .count()
        .get_result(conn)
}

fn pending() -> diesel::dsl::And<
    diesel::dsl::IsNull<deliveries::delivered_at>,
    diesel::dsl::IsNull<deliveries::failed_at>,
> {
    deliveries::delivered_at
        .is_null()
        .and(deliveries::failed_at.is_null())
}

/// Leases up to `limit` due deliveries to `token` until `lease_until` and returns them.
/// The lease conditions are repeated in the outer update so that two processes racing for the
/// same rows cannot both win: the loser's update re-checks them and skips the row.
pub fn claim(
    conn: &mut Conn,
    token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    let free = deliveries::locked_until
        .is_null()
        .or(deliveries::locked_until.lt(now));
    let due = deliveries::table
        .filter(pending())
        .filter(deliveries::next_attempt_at.le(now))
        .filter(free)
        .order(deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(deliveries::id);
    let ids: Vec<i64> = due.load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(
        deliveries::table
            .filter(deliveries::id.eq_any(&ids))
            .filter(pending())
            .filter(
                deliveries::locked_until
                    .is_null()
                    .or(deliveries::locked_until.lt(now)),
            ),
    )
    .set((
        deliveries::lock_token.eq(token),
        deliveries::locked_until.eq(lease_until),
    ))
    .execute(conn)?;
    deliveries::table
        .filter(deliveries::lock_token.eq(token))
        .filter(deliveries::id.eq_any(&ids))
        .filter(pending())
        .select(Delivery::as_select())
        .load(conn)
}

/// Gives leased deliveries back unsent (a worker stopping), so any worker may take them now.
pub fn release(conn: &mut Conn, ids: &[i64]) -> QueryResult<()> {
    diesel::update(deliveries::table.filter(deliveries::id.eq_any(ids)))
        .set((
            deliveries::lock_token.eq(None::<String>),
            deliveries::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_delivered(conn: &mut Conn, delivery_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    mark_all_delivered(conn, &[delivery_id], at)
}

/// Records several deliveries as done in one statement.
pub fn mark_all_delivered(
    conn: &mut Conn,
    delivery_ids: &[i64],
    at: NaiveDateTime,
) -> QueryResult<()> {
    let ids = super::id_in(conn, "deliveries.id", delivery_ids);
    diesel::update(deliveries::table.filter(ids))
        .set((
            deliveries::delivered_at.eq(at),
            deliveries::last_status.eq(None::<i32>),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::lock_token.eq(None::<String>),
            deliveries::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `retry_at` is `None`.
/// `status` is the receiver's HTTP answer, when it gave one.
pub fn mark_attempt_failed(
    conn: &mut Conn,
    delivery_id: i64,
    error: &str,
    status: Option<i32>,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let error: String = error.chars().take(1000).collect();
    diesel::update(deliveries::table.find(delivery_id))
        .set((
            deliveries::last_status.eq(status),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::last_error.eq(error),
            deliveries::next_attempt_at.eq(retry_at.unwrap_or(now)),
            deliveries::failed_at.eq(if retry_at.is_none() { Some(now) } else { None }),
            deliveries::lock_token.eq(None::<String>),
            deliveries::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// (pending, delivered, failed) counts, for operators.
pub fn stats(conn: &mut Conn) -> QueryResult<(i64, i64, i64)> {
    let pending_count = deliveries::table
        .filter(pending())
        .count()
        .get_result(conn)?;
    let delivered = deliveries::table
        .filter(deliveries::delivered_at.is_not_null())
        .count()
        .get_result(conn)?;
    let failed = deliveries::table
        .filter(deliveries::failed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((pending_count, delivered, failed))
}

/// One receiving inbox as operators see it.
#[derive(Debug, Clone, Default)]
pub struct InboxStats {
    pub inbox_url: String,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub last_delivered_at: Option<NaiveDateTime>,
}

/// Per inbox: deliveries waiting, made and given up, and the last success.
pub fn stats_by_inbox(conn: &mut Conn) -> QueryResult<Vec<InboxStats>> {
    use diesel::dsl::{count_star, max};
    use std::collections::BTreeMap;
    let mut by_inbox: BTreeMap<String, InboxStats> = BTreeMap::new();
    let pending_rows: Vec<(String, i64)> = deliveries::table
        .filter(pending())
        .group_by(deliveries::inbox_url)
        .select((deliveries::inbox_url, count_star()))
        .load(conn)?;
    for (inbox, n) in pending_rows {
        by_inbox.entry(inbox).or_default().pending = n;
    }
    let failed_rows: Vec<(String, i64)> = deliveries::table
        .filter(deliveries::failed_at.is_not_null())
        .group_by(deliveries::inbox_url)
        .select((deliveries::inbox_url, count_star()))
        .load(conn)?;
    for (inbox, n) in failed_rows {
        by_inbox.entry(inbox).or_default().failed = n;
    }
    let delivered_rows: Vec<(String, i64, Option<NaiveDateTime>)> = deliveries::table
        .filter(deliveries::delivered_at.is_not_null())
        .group_by(deliveries::inbox_url)
        .select((
            deliveries::inbox_url,
            count_star(),
            max(deliveries::delivered_at),
        ))
        .load(conn)?;
    for (inbox, n, last) in delivered_rows {
        let entry = by_inbox.entry(inbox).or_default();
        entry.delivered = n;
        entry.last_delivered_at = last;
    }
    Ok(by_inbox
        .into_iter()
        .map(|(inbox_url, s)| InboxStats { inbox_url, ..s })
        .collect())
}

/// A failed attempt, as operators see it.
#[derive(Debug, Clone)]
pub struct RecentFailure {
    pub inbox_url: String,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<i32>,
    pub error: String,
    /// When it will be tried again (or when it was given up).
    pub next_attempt_at: NaiveDateTime,
}

/// The latest failed attempts still undelivered, newest first.
pub fn recent_failures(conn: &mut Conn, limit: i64) -> QueryResult<Vec<RecentFailure>> {
    let rows: Vec<(String, Option<i32>, Option<String>, NaiveDateTime)> = deliveries::table
        .filter(deliveries::last_error.is_not_null())
        .filter(deliveries::delivered_at.is_null())
        .order(deliveries::id.desc())
        .limit(limit)
        .select((
            deliveries::inbox_url,
            deliveries::last_status,
            deliveries::last_error,
            deliveries::next_attempt_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(inbox_url, status, error, next_attempt_at)| RecentFailure {
                inbox_url,
                status,
                error: error.unwrap_or_default(),
                next_attempt_at,
            },
        )
        .collect())
}

/// Deliveries to one inbox, for tests and operators.
pub fn for_inbox(conn: &mut Conn, inbox: &str) -> QueryResult<Vec<Delivery>> {
    deliveries::table
        .filter(deliveries::inbox_url.eq(inbox))
        .select(Delivery::as_select())
        .load(conn)
}

/// Remembers an incoming activity id; false when it was seen before (a replay).
pub fn remember_received(conn: &mut Conn, url: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let row = (
        received_activities::ap_id.eq(url),
        received_activities::received_at.eq(at),
    );
    let inserted = super::on_backend!(conn, |c| diesel::insert_into(received_activities::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Forgets an incoming activity id, so a failed processing can be retried by the sender.
pub fn forget_received(conn: &mut Conn, url: &str) -> QueryResult<()> {
    diesel::delete(received_activities::table.filter(received_activities::ap_id.eq(url)))
        .execute(conn)?;
    Ok(())
}

/// Inboxes an activity (by its ActivityPub id) was queued for.
pub fn inboxes_of_activity(conn: &mut Conn, url: &str) -> QueryResult<Vec<String>> {
    deliveries::table
        .inner_join(outgoing_activities::table)
        .filter(outgoing_activities::ap_id.eq(url))
        .select(deliveries::inbox_url)
        .load(conn)
}

/// Forgets incoming activity ids received before `cutoff`; returns how many.
pub fn forget_received_before(conn: &mut Conn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(received_activities::table.filter(received_activities::received_at.lt(cutoff)))
        .execute(conn)
}

/// Deletes deliveries that were made, or given up, before `cutoff`; returns how many. The
/// activities themselves stay (they make the actors' outboxes).
pub fn prune_finished_before(conn: &mut Conn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        deliveries::table.filter(
            deliveries::delivered_at
                .lt(cutoff)
                .or(deliveries::failed_at.lt(cutoff)),
        ),
    )
    .execute(conn)
}

/// Deliveries of one inbox that ended in one hour (hours since the Unix epoch).
#[derive(Debug, Clone, QueryableByName)]
pub struct HourCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub inbox_url: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hour: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// Per inbox and hour since `since`: deliveries made (`delivered`) or given up (`!delivered`).
/// Grouped by the database, whose hour arithmetic differs between the two backends.
pub fn hourly(
    conn: &mut Conn,
    since: NaiveDateTime,
    delivered: bool,
) -> QueryResult<Vec<HourCount>> {
    use diesel::sql_types::Timestamp;
    let column = if delivered {
        "delivered_at"
    } else {
        "failed_at"
    };
    match conn {
        Conn::Sqlite(c) => diesel::sql_query(format!(
            "SELECT inbox_url, CAST(strftime('%s', {column}) AS INTEGER) / 3600 AS hour, COUNT(*) AS n \
             FROM deliveries WHERE {column} >= ? GROUP BY inbox_url, hour"
        ))
        .bind::<Timestamp, _>(since)
        .load(c),
        Conn::Postgresql(c) => diesel::sql_query(format!(
            "SELECT inbox_url, CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 3600) AS BIGINT) AS hour, COUNT(*) AS n \
             FROM deliveries WHERE {column} >= $1 GROUP BY inbox_url, hour"
        ))
        .bind::<Timestamp, _>(since)
        .load(c),
    }
}
