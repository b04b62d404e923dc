//! Answers kept between requests until the database changes. A thread read again and again
//! (a link shared widely, a board's popular question) costs one rendering per change instead
//! of one per request.
//!
//! An answer is kept for one viewer (or for anonymous readers) and only while no write has
//! committed since its rendering began: writes of this process and, on PostgreSQL, of the
//! others sharing the database ([`tsunagu_db::Db::writes_seen`]). What changes without a
//! write (a poll's end, a SQLite admin command run beside the server) is seen within
//! [`MAX_AGE`]. Readers who arrive while an answer is being rendered wait for that rendering;
//! anonymous ones get the previous answer instead, if there is one (they have no writes of
//! their own to miss), and never wait for a new rendering once a thread has been rendered.
//!
//! A rendering is milliseconds of CPU (hundreds of statuses built and written out). It runs on
//! a thread of the blocking pool, not on one of the runtime's workers: a worker busy rendering
//! would hold back the requests queued on it (answers kept, other pages) until it finished.

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, Semaphore};

/// The longest an answer is kept, whatever the writes.
pub const MAX_AGE: Duration = Duration::from_secs(2);
/// The bytes of answers kept at most (per process), and how many; the oldest go first.
const BUDGET: usize = 8 << 20;
const MAX_ENTRIES: usize = 1024;

/// Renderings under way at once. Each holds a blocking thread while its queries wait for
/// others of the same pool, so they must stay well below its size; more would not render
/// faster on a small machine anyway.
const RENDERINGS: usize = 2;

/// What was asked: the route, the status, the viewer.
pub type Key = (&'static str, i64, Option<i64>);

#[derive(Clone)]
pub struct ReadCache {
    kept: Arc<Mutex<Kept>>,
    renderings: Arc<Semaphore>,
}

impl Default for ReadCache {
    fn default() -> Self {
        ReadCache {
            kept: Arc::default(),
            renderings: Arc::new(Semaphore::new(RENDERINGS)),
        }
    }
}

#[derive(Default)]
struct Kept {
    entries: HashMap<Key, Entry>,
    bytes: usize,
}

struct Entry {
    /// The write count when its rendering began.
    writes: u64,
    at: Instant,
    body: Arc<OnceCell<Bytes>>,
    /// The answer before, for anonymous readers while `body` is being rendered.
    previous: Option<Bytes>,
    /// The bytes held (`body` once rendered, `previous` until then).
    bytes: usize,
}

impl ReadCache {
    /// The JSON answer for `key`, rendered by `render` unless a rendering begun after the
    /// latest write (`writes`) is kept or under way.
    pub async fn json<E, F, Fut>(&self, writes: u64, key: Key, render: F) -> Result<Response, E>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, E>> + Send + 'static,
        E: Send + 'static,
    {
        let (cell, previous, new) = {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            match kept.entries.get(&key) {
                Some(e) if e.writes >= writes && e.at.elapsed() < MAX_AGE => {
                    (e.body.clone(), e.previous.clone(), false)
                }
                old => {
                    let previous =
                        old.and_then(|e| e.body.get().cloned().or_else(|| e.previous.clone()));
                    let body = Arc::new(OnceCell::new());
                    let entry = Entry {
                        writes,
                        at: Instant::now(),
                        body: body.clone(),
                        bytes: previous.as_ref().map_or(0, Bytes::len),
                        previous: previous.clone(),
                    };
                    kept.bytes += entry.bytes;
                    if let Some(old) = kept.entries.insert(key, entry) {
                        kept.bytes -= old.bytes;
                    }
                    kept.make_room(writes);
                    (body, previous, true)
                }
            }
        };
        let anonymous = key.2.is_none();
        if let (true, Some(previous), None) = (anonymous, previous, cell.get()) {
            if new {
                let cache = self.clone();
                tokio::spawn(async move { cache.fill(key, cell, writes, render).await });
            }
            return Ok(answer(previous));
        }
        self.fill(key, cell, writes, render).await.map(answer)
    }

    /// Renders into `cell` (or waits for the rendering under way) and counts it.
    async fn fill<E, F, Fut>(
        &self,
        key: Key,
        cell: Arc<OnceCell<Bytes>>,
        writes: u64,
        render: F,
    ) -> Result<Bytes, E>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, E>>,
        E: Send + 'static,
    {
        let rendered = cell
            .get_or_try_init(|| async {
                // Never closed, so a permit always comes.
                let _permit = self.renderings.acquire().await;
                let runtime = tokio::runtime::Handle::current();
                let rendering = tokio::task::spawn_blocking(move || {
                    runtime.block_on(async { Ok(Bytes::from(render().await?.to_string())) })
                });
                match rendering.await {
                    Ok(body) => body,
                    // A rendering that panicked fails its request as it would have here; one
                    // is only cancelled when the runtime shuts down, and nobody waits then.
                    Err(e) => std::panic::resume_unwind(
                        e.try_into_panic()
                            .unwrap_or_else(|e| Box::new(e.to_string())),
                    ),
                }
            })
            .await
            .cloned();
        self.rendered(key, &cell, writes);
        rendered
    }

    /// Counts a finished rendering against the budget in place of the previous answer; forgets
    /// a failed one (not found, not allowed: errors are not kept).
    fn rendered(&self, key: Key, cell: &Arc<OnceCell<Bytes>>, writes: u64) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = kept.entries.get_mut(&key) else {
            return;
        };
        // Replaced meanwhile by a newer rendering, or already counted.
        if !Arc::ptr_eq(&entry.body, cell) || entry.previous.is_none() && entry.bytes > 0 {
            return;
        }
        let held = entry.bytes;
        match cell.get().map(Bytes::len) {
            Some(len) => {
                entry.previous = None;
                entry.bytes = len;
                kept.bytes = kept.bytes - held + len;
                kept.make_room(writes);
            }
            None => {
                kept.entries.remove(&key);
                kept.bytes -= held;
            }
        }
    }
}

fn answer(body: Bytes) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

impl Kept {
    /// Drops answers older than the latest write, then the oldest, until within bounds.
    fn make_room(&mut self, writes: u64) {
        if self.bytes <= BUDGET && self.entries.len() <= MAX_ENTRIES {
            return;
        }
        self.entries
            .retain(|_, e| e.writes >= writes && e.at.elapsed() < MAX_AGE);
        self.bytes = self.entries.values().map(|e| e.bytes).sum();
        while self.bytes > BUDGET || self.entries.len() > MAX_ENTRIES {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.at)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some(gone) = self.entries.remove(&oldest) {
                self.bytes -= gone.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Asks for status `id` as `viewer`; the rendering takes 20 ms for status 7.
    async fn ask(
        cache: &ReadCache,
        writes: u64,
        id: i64,
        viewer: Option<i64>,
        renders: &Arc<AtomicUsize>,
    ) -> String {
        let renders = renders.clone();
        let response = cache
            .json(writes, ("test", id, viewer), move || async move {
                let n = renders.fetch_add(1, Ordering::SeqCst);
                if id == 7 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok::<_, ()>(serde_json::json!({ "id": id, "rendering": n }))
            })
            .await
            .expect("rendered");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        String::from_utf8(body.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn kept_until_the_next_write_and_rendered_once_for_readers_arriving_together() {
        let (cache, renders) = (ReadCache::default(), Arc::new(AtomicUsize::new(0)));
        let me = Some(1);
        let together =
            futures::future::join_all((0..8).map(|_| ask(&cache, 1, 7, me, &renders))).await;
        assert!(together.iter().all(|b| b == &together[0]));
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert_eq!(ask(&cache, 1, 7, me, &renders).await, together[0]);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        // After a write a signed-in reader waits for the new rendering.
        assert_ne!(ask(&cache, 2, 7, me, &renders).await, together[0]);
        assert_eq!(renders.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn anonymous_readers_get_the_previous_answer_while_the_next_renders() {
        let (cache, renders) = (ReadCache::default(), Arc::new(AtomicUsize::new(0)));
        let first = ask(&cache, 1, 7, None, &renders).await;
        assert!(first.contains(r#""rendering":0"#), "{first}");
        // A write: the previous answer at once, while the next one renders beside.
        assert_eq!(ask(&cache, 2, 7, None, &renders).await, first);
        assert_eq!(ask(&cache, 2, 7, None, &renders).await, first);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let next = ask(&cache, 2, 7, None, &renders).await;
        assert!(next.contains(r#""rendering":1"#), "{next}");
        assert_eq!(renders.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failures_are_not_kept_and_many_keys_stay_bounded() {
        let cache = ReadCache::default();
        for id in 0..100 {
            let failed = cache
                .json(1, ("test", id, None), || async {
                    Err::<serde_json::Value, _>("no")
                })
                .await;
            assert!(failed.is_err());
        }
        assert!(cache.kept.lock().expect("lock").entries.is_empty());
        let renders = Arc::new(AtomicUsize::new(0));
        for id in 100..(MAX_ENTRIES as i64 + 150) {
            ask(&cache, 1, id, None, &renders).await;
        }
        let kept = cache.kept.lock().expect("lock");
        assert!(kept.entries.len() <= MAX_ENTRIES);
        assert_eq!(
            kept.bytes,
            kept.entries.values().map(|e| e.bytes).sum::<usize>()
        );
    }
}
