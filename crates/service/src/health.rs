//! How delivery to each receiving server is going, for staff and operators: the queue, the
//! last success, the last refusal and its reason, and the last day hour by hour.

use crate::{Context, ServiceResult};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;
use tsunagu_db::now;
use tsunagu_db::queries::deliveries::{self, RecentFailure};

/// Hours in the chart of each server.
pub const HOURS: usize = 24;

/// Deliveries of the whole instance.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// One receiving server (host and port of its inboxes).
#[derive(Debug, Clone, Default)]
pub struct PeerHealth {
    pub server: String,
    /// Waiting to be sent (first tries and retries).
    pub pending: i64,
    pub delivered: i64,
    /// Given up after the last retry (or refused for good).
    pub failed: i64,
    pub last_delivered_at: Option<NaiveDateTime>,
    /// The latest refusal of a delivery not yet made: status, reason, next try.
    pub last_failure: Option<RecentFailure>,
    /// The last [`HOURS`] hours, oldest first: (delivered, given up).
    pub hours: Vec<(i64, i64)>,
}

impl PeerHealth {
    /// Whether staff should look at this server: deliveries given up, or failing now.
    pub fn troubled(&self) -> bool {
        self.failed > 0 || self.last_failure.is_some()
    }
}

/// The server an inbox belongs to, as `host` or `host:port`.
pub fn server_of(inbox: &str) -> String {
    url::Url::parse(inbox)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_else(|| inbox.to_string())
}

/// Totals, and every server we deliver to, by name.
pub async fn report(ctx: &Context) -> ServiceResult<(Totals, Vec<PeerHealth>)> {
    let now_hour = now().and_utc().timestamp() / 3600;
    let first_hour = now_hour - HOURS as i64 + 1;
    let since = chrono::DateTime::from_timestamp(first_hour * 3600, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_else(now);
    let (totals, by_inbox, failures, delivered, given_up) = ctx
        .db
        .read(move |c| {
            Ok((
                deliveries::stats(c)?,
                deliveries::stats_by_inbox(c)?,
                deliveries::recent_failures(c, 1000)?,
                deliveries::hourly(c, since, true)?,
                deliveries::hourly(c, since, false)?,
            ))
        })
        .await?;
    let mut peers: BTreeMap<String, PeerHealth> = BTreeMap::new();
    for s in by_inbox {
        let p = entry(&mut peers, &s.inbox_url);
        p.pending += s.pending;
        p.delivered += s.delivered;
        p.failed += s.failed;
        p.last_delivered_at = p.last_delivered_at.max(s.last_delivered_at);
    }
    // Newest first: the first one seen of each server is its latest.
    for f in failures {
        let p = entry(&mut peers, &f.inbox_url);
        if p.last_failure.is_none() {
            p.last_failure = Some(f);
        }
    }
    for (rows, made) in [(delivered, true), (given_up, false)] {
        for r in rows {
            let Ok(i) = usize::try_from(r.hour - first_hour) else {
                continue;
            };
            let p = entry(&mut peers, &r.inbox_url);
            if let Some(slot) = p.hours.get_mut(i) {
                if made {
                    slot.0 += r.n;
                } else {
                    slot.1 += r.n;
                }
            }
        }
    }
    let (pending, delivered, failed) = totals;
    Ok((
        Totals {
            pending,
            delivered,
            failed,
        },
        peers.into_values().collect(),
    ))
}

fn entry<'a>(peers: &'a mut BTreeMap<String, PeerHealth>, inbox: &str) -> &'a mut PeerHealth {
    let server = server_of(inbox);
    peers.entry(server.clone()).or_insert_with(|| PeerHealth {
        server,
        hours: vec![(0, 0); HOURS],
        ..PeerHealth::default()
    })
}
