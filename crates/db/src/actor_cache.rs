//! Actors by `ap_id`, kept for a moment in memory: the inbox looks up the signing actor and
//! every mentioned account of each activity, and a peer delivering often sends thousands of
//! activities a second from the same few actors.
//!
//! A kept row is used only while no write to the `actors` table has committed since it was
//! read (in this process), and for at most [`KEPT_FOR`]: other processes sharing a PostgreSQL
//! database are not heard, so their changes are seen that much later at most, as if the
//! request had come in a moment earlier.

use crate::rows::Actor;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a kept row is used at most.
pub(crate) const KEPT_FOR: Duration = Duration::from_secs(2);
/// Rows kept at most; past it the cache starts again empty (no bookkeeping of ages).
const MOST: usize = 4096;

/// Counts writes to `actors` in this process: bumped right after each statement that changes
/// the table and again once the transaction holding it has committed, so that a row read
/// before the commit (still the old one) is never kept as current.
static CHANGES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Set by a statement that changed `actors` on this thread, taken after its commit.
    static CHANGED_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Called by every query that changes the `actors` table, after it ran.
pub(crate) fn actors_changed() {
    CHANGES.fetch_add(1, Ordering::SeqCst);
    CHANGED_HERE.with(|c| c.set(true));
}

/// Called once a transaction committed (or rolled back) on this thread.
pub(crate) fn after_commit() {
    if CHANGED_HERE.with(Cell::take) {
        CHANGES.fetch_add(1, Ordering::SeqCst);
    }
}

/// The mark to take before reading rows that may be kept.
pub(crate) fn changes() -> u64 {
    CHANGES.load(Ordering::SeqCst)
}

struct Kept {
    actor: Actor,
    changes: u64,
    at: Instant,
}

#[derive(Default)]
pub(crate) struct ActorCache {
    rows: Mutex<HashMap<String, Kept>>,
}

impl ActorCache {
    pub(crate) fn get(&self, ap_id: &str) -> Option<Actor> {
        let now = changes();
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.get(ap_id)
            .filter(|k| k.changes == now && k.at.elapsed() < KEPT_FOR)
            .map(|k| k.actor.clone())
    }

    /// Keeps rows read after `mark` (from [`changes`]), unless `actors` changed since.
    pub(crate) fn keep(&self, mark: u64, actors: impl IntoIterator<Item = Actor>) {
        if changes() != mark {
            return;
        }
        let at = Instant::now();
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        for actor in actors {
            if rows.len() >= MOST {
                rows.clear();
            }
            let key = actor.ap_id.clone();
            rows.insert(
                key,
                Kept {
                    actor,
                    changes: mark,
                    at,
                },
            );
        }
    }
}
