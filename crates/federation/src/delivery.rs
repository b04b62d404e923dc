//! The delivery worker. Deliveries are rows (see `tsunagu_db::queries::deliveries`); a worker
//! leases due ones, sends each in its own task with a timeout, and records the outcome. A
//! failed delivery is retried with exponential backoff; a dead peer only delays itself.
//! Any number of workers, in one process or many sharing a PostgreSQL database, can run.

use crate::{signatures, Data};
use activitypub_federation::config::FederationConfig;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};
use tsunagu_db::queries::{actors, deliveries};
use tsunagu_db::{now, Actor, Delivery, OutgoingActivity};
use tsunagu_service::posts::random_token;
use tsunagu_service::Context;
use url::Url;

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Wait before the first retry; each later retry waits four times longer.
    pub retry_base: Duration,
    /// Longest wait between two attempts.
    pub retry_max: Duration,
    /// Attempts before a delivery is given up.
    pub max_attempts: i32,
    /// Deliveries in flight at once; 0 runs no worker (other processes send).
    pub concurrency: usize,
    /// How often to look for due deliveries when not woken: retries fall due, and other
    /// processes on a SQLite file queue without waking this one.
    pub poll_interval: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(12 * 3600),
            max_attempts: 16,
            concurrency: 64,
            poll_interval: Duration::from_secs(2),
        }
    }
}

impl DeliverySettings {
    /// When to try again after `attempts` failures, or `None` to give up.
    pub fn next_retry(&self, attempts: i32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exponent = (attempts.max(1) - 1).min(15) as u32;
        Some(
            self.retry_base
                .saturating_mul(4u32.saturating_pow(exponent))
                .min(self.retry_max),
        )
    }
}

/// A delivery still under way after this long steps aside: its slot goes to the next one while
/// it finishes (or times out). Most inboxes answer well within it; a dead or stalled server
/// then holds a slot a quarter of a second, not the request's whole timeout.
const STEP_ASIDE: Duration = Duration::from_millis(250);
/// Deliveries that may be finishing beside the slots, per slot.
const STRAGGLERS_PER_SLOT: usize = 8;
/// Most outcomes recorded by one write.
const OUTCOMES_PER_WRITE: usize = 500;

/// Runs the worker until `shutdown` turns true; deliveries in flight are finished first.
///
/// The worker keeps a small local queue of leased deliveries and starts one as soon as a slot
/// comes free, so a busy worker never sleeps while work is due; it refills the queue in
/// batches (one database write per batch, not per delivery) and sleeps only when nothing is due.
pub async fn run(
    config: FederationConfig<Context>,
    settings: DeliverySettings,
    mut shutdown: watch::Receiver<bool>,
) {
    if settings.concurrency == 0 {
        tracing::info!("this process sends no deliveries: the other processes' workers do");
        return;
    }
    let token = format!("worker-{}", random_token());
    // Subscribed before the first look, so nothing queued after it goes unnoticed.
    let mut queued = config.db.watch_deliveries();
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    // Slow deliveries finish beside the slots (see `STEP_ASIDE`), up to this many.
    let stragglers = Arc::new(Semaphore::new(STRAGGLERS_PER_SLOT * settings.concurrency));
    let settings = Arc::new(settings);
    let batch = settings.concurrency.max(1);
    let lease = chrono::Duration::minutes(5);
    let (outcomes, recorded) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record_outcomes(config.to_request_data(), recorded));
    let mut queue: VecDeque<Claimed> = VecDeque::new();
    // Whether the last claim took all it asked for (so more may be due right now).
    let mut more_due = true;
    loop {
        if *shutdown.borrow() {
            break;
        }
        if queue.is_empty() || (more_due && queue.len() < batch / 2) {
            let want = (batch - queue.len()) as i64;
            let (db, t) = (config.db.clone(), token.clone());
            let claimed = db
                .write(move |c| deliveries::claim(c, &t, now(), now() + lease, want))
                .await
                .unwrap_or_else(|e| {
                    tracing::error!("claiming deliveries: {e}");
                    Vec::new()
                });
            more_due = claimed.len() as i64 == want;
            queue.extend(prepare(&config.db, claimed).await);
        }
        let Some(claimed) = queue.pop_front() else {
            tokio::select! {
                _ = queued.changed() => {}
                _ = tokio::time::sleep(settings.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
            more_due = true;
            continue;
        };
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit,
            _ = shutdown.changed() => {
                queue.push_front(claimed);
                continue;
            }
        };
        let Ok(permit) = permit else { break };
        let data = config.to_request_data();
        let settings = settings.clone();
        let stragglers = stragglers.clone();
        let outcomes = outcomes.clone();
        tokio::spawn(async move {
            let work = deliver(&data, &settings, claimed, &outcomes);
            tokio::pin!(work);
            tokio::select! {
                _ = &mut work => {}
                _ = tokio::time::sleep(STEP_ASIDE) => {
                    // A slow or dead peer gives its slot to the next delivery and finishes
                    // beside the slots, so it delays only itself.
                    match stragglers.try_acquire_owned() {
                        Ok(straggler) => {
                            drop(permit);
                            work.await;
                            drop(straggler);
                            return;
                        }
                        Err(_) => work.await,
                    }
                }
            }
            drop(permit);
        });
    }
    // Leased but not started: hand them back so the next worker need not wait for the lease.
    let ids: Vec<i64> = queue.iter().map(|d| d.delivery.id).collect();
    if !ids.is_empty() {
        if let Err(e) = config.db.write(move |c| deliveries::release(c, &ids)).await {
            tracing::warn!("releasing unsent deliveries: {e}");
        }
    }
    // Wait for deliveries in flight.
    let _ = slots.acquire_many(settings.concurrency as u32).await;
    let _ = stragglers
        .acquire_many((STRAGGLERS_PER_SLOT * settings.concurrency) as u32)
        .await;
    // Their outcomes recorded.
    drop(outcomes);
    let _ = recorder.await;
}

/// A leased delivery with what sending it needs, read once for all the deliveries of a claim
/// (a fan-out's are of one activity by one actor). `None` when the read failed: the delivery
/// is then tried again later.
struct Claimed {
    delivery: Delivery,
    prepared: Option<Arc<(OutgoingActivity, Actor)>>,
}

/// Reads the activities of `claimed` and their actors, each once.
async fn prepare(db: &tsunagu_db::Db, claimed: Vec<Delivery>) -> Vec<Claimed> {
    let mut ids: Vec<i64> = claimed.iter().map(|d| d.activity_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let read = db
        .read(move |c| {
            let activities = deliveries::activities_by_ids(c, &ids)?;
            let mut actor_ids: Vec<i64> = activities.iter().map(|a| a.actor_id).collect();
            actor_ids.sort_unstable();
            actor_ids.dedup();
            let actors: HashMap<i64, Actor> = actors::by_ids(c, &actor_ids)?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            Ok(activities
                .into_iter()
                .filter_map(|a| {
                    let actor = actors.get(&a.actor_id)?.clone();
                    Some((a.id, Arc::new((a, actor))))
                })
                .collect::<HashMap<_, _>>())
        })
        .await;
    let prepared = read.unwrap_or_else(|e| {
        tracing::error!("reading claimed deliveries: {e}");
        HashMap::new()
    });
    claimed
        .into_iter()
        .map(|delivery| Claimed {
            prepared: prepared.get(&delivery.activity_id).cloned(),
            delivery,
        })
        .collect()
}

/// What became of one delivery.
enum Outcome {
    Delivered(i64),
    Failed {
        id: i64,
        reason: String,
        status: Option<i32>,
        retry_at: Option<chrono::NaiveDateTime>,
        at: chrono::NaiveDateTime,
    },
}

/// Sends one delivery and hands its outcome to [`record_outcomes`].
async fn deliver(
    data: &Data,
    settings: &DeliverySettings,
    claimed: Claimed,
    outcomes: &mpsc::UnboundedSender<Outcome>,
) {
    let Claimed { delivery, prepared } = claimed;
    let sent = match prepared {
        Some(prepared) => send(data, &delivery, &prepared.0, &prepared.1).await,
        None => Err(Failure::transient("its activity could not be read")),
    };
    let outcome = match sent {
        Ok(()) => Outcome::Delivered(delivery.id),
        Err(failure) => {
            let attempts = delivery.attempts + 1;
            let retry = if failure.permanent {
                None
            } else {
                settings.next_retry(attempts)
            };
            tracing::info!(
                inbox = %delivery.inbox_url,
                attempts,
                status = failure.status,
                "delivery failed{}: {}",
                if retry.is_some() { ", will retry" } else { ", giving up" },
                failure.reason
            );
            let at = now();
            Outcome::Failed {
                id: delivery.id,
                reason: failure.reason,
                status: failure.status.map(i32::from),
                retry_at: retry.map(|d| at + chrono::Duration::from_std(d).unwrap_or_default()),
                at,
            }
        }
    };
    if outcomes.send(outcome).is_err() {
        tracing::error!(
            "delivery {}: its outcome could not be recorded",
            delivery.id
        );
    }
}

/// Records outcomes as they come, many in one write: those finishing while a write is under
/// way go together into the next, so a fan-out costs a few writes, not one per inbox. An
/// outcome lost in a crash leaves its delivery leased; it is sent again when the lease ends.
async fn record_outcomes(data: Data, mut outcomes: mpsc::UnboundedReceiver<Outcome>) {
    let mut batch = Vec::new();
    while outcomes.recv_many(&mut batch, OUTCOMES_PER_WRITE).await > 0 {
        let taken = std::mem::take(&mut batch);
        let count = taken.len();
        let written = data
            .db
            .write(move |c| {
                let mut delivered = Vec::new();
                for outcome in &taken {
                    match outcome {
                        Outcome::Delivered(id) => delivered.push(*id),
                        Outcome::Failed {
                            id,
                            reason,
                            status,
                            retry_at,
                            at,
                        } => deliveries::mark_attempt_failed(
                            c, *id, reason, *status, *retry_at, *at,
                        )?,
                    }
                }
                if !delivered.is_empty() {
                    deliveries::mark_all_delivered(c, &delivered, now())?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::error!("recording {count} delivery outcomes: {e}");
        }
    }
}

/// Why a delivery did not go through: the receiver's answer (if any), and whether trying
/// again could help.
struct Failure {
    status: Option<u16>,
    reason: String,
    permanent: bool,
}

impl Failure {
    fn transient(reason: impl ToString) -> Failure {
        Failure {
            status: None,
            reason: reason.to_string(),
            permanent: false,
        }
    }

    fn permanent(reason: impl ToString) -> Failure {
        Failure {
            status: None,
            reason: reason.to_string(),
            permanent: true,
        }
    }

    /// A refusal by the receiver: client errors are final, except those that say "later"
    /// (401 while it cannot fetch our key, 408, 429); server errors are retried.
    fn answered(status: u16, body: &str) -> Failure {
        let reason: String = body.trim().chars().take(300).collect();
        Failure {
            status: Some(status),
            reason: if reason.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {reason}")
            },
            permanent: (400..500).contains(&status) && !matches!(status, 401 | 408 | 429),
        }
    }
}

async fn send(
    data: &Data,
    delivery: &Delivery,
    activity: &OutgoingActivity,
    actor: &Actor,
) -> Result<(), Failure> {
    let inbox = Url::parse(&delivery.inbox_url).map_err(Failure::permanent)?;
    if let Some(reason) = crate::net::refusal(&inbox) {
        return Err(Failure::permanent(reason));
    }
    let ctx = data.app_data();
    // Queued before the server was blocked: not sent.
    tsunagu_service::policy::require_federates(ctx, &crate::objects::authority(&inbox))
        .await
        .map_err(Failure::permanent)?;
    if inbox.scheme() == "http" && ctx.scheme == "https" {
        return Err(Failure::permanent(
            "plain http inboxes are used in development mode only",
        ));
    }
    let key = actor
        .private_key_pem
        .as_deref()
        .ok_or_else(|| Failure::permanent("the sending actor has no key"))?;
    let body = activity.body.clone().into_bytes();
    let headers =
        signatures::signed_post_headers(&format!("{}#main-key", actor.ap_id), key, &inbox, &body)
            .map_err(Failure::permanent)?;
    let mut request = crate::net::client(ctx).post(inbox).body(body);
    for (name, value) in headers {
        // The client writes `Host` itself, as signed.
        if name != "Host" {
            request = request.header(name, value);
        }
    }
    let response = request.send().await.map_err(Failure::transient)?;
    let status = response.status().as_u16();
    if response.status().is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(Failure::answered(status, &body))
}

/// Incoming activity ids are remembered this long to refuse replays; signatures are only
/// accepted for an hour after their date, so a week is ample.
pub const RECEIVED_IDS_KEPT: chrono::Duration = chrono::Duration::days(7);
/// Finished deliveries are kept this long. Deleting a post reaches, besides the author's
/// followers and the mentioned accounts, every inbox its creation was delivered to within it.
pub const FINISHED_DELIVERIES_KEPT: chrono::Duration = chrono::Duration::days(90);

/// Removes records that have served their purpose: old received activity ids and old finished
/// deliveries. Returns how many of each went.
pub async fn prune_records(ctx: &Context) -> Result<(usize, usize), crate::FedError> {
    let at = now();
    Ok(ctx
        .db
        .write(move |c| {
            let ids = deliveries::forget_received_before(c, at - RECEIVED_IDS_KEPT)?;
            let finished = deliveries::prune_finished_before(c, at - FINISHED_DELIVERIES_KEPT)?;
            Ok((ids, finished))
        })
        .await?)
}
