//! Wake-ups for what waits on the database: streaming listeners wait for writes, the delivery
//! worker for queued deliveries. Within a process they are watch channels bumped after each
//! commit. On PostgreSQL, processes sharing the database also tell each other, through
//! `NOTIFY tsunagu` sent by one thread and `LISTEN tsunagu` heard by another, so a post made
//! through one process reaches the listeners and the worker of every other at once instead of
//! at their next look. SQLite has no such channel: other processes on the same file are seen
//! when their listeners look again (every few seconds).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The PostgreSQL channel every process of an instance listens on.
const CHANNEL: &str = "tsunagu";
/// How often the threads look whether the database was closed, and wait before reconnecting.
const CHECK_EVERY: Duration = Duration::from_secs(1);
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

/// What a process tells the others: `w` when it wrote, `q` when it queued deliveries.
const WROTE: &str = "w";
const QUEUED: &str = "q";

/// Held by [`crate::Db`]; when the last copy goes, its threads end and their connections close.
pub(crate) struct Signals {
    shared: Arc<Shared>,
}

struct Shared {
    writes: watch::Sender<u64>,
    queued: watch::Sender<u64>,
    /// Set while this process listens to the others (PostgreSQL, connection up).
    hearing: AtomicBool,
    /// Tells this process's own notifications from the others'.
    token: String,
    outgoing: Mutex<Outgoing>,
    ready: Condvar,
}

/// What is still to be told to the other processes; repeated signals fold into one.
#[derive(Default)]
struct Outgoing {
    wrote: bool,
    queued: bool,
    closed: bool,
}

impl Signals {
    /// Local wake-ups only (SQLite).
    pub(crate) fn local() -> Signals {
        Signals {
            shared: Arc::new(Shared {
                writes: watch::channel(0).0,
                queued: watch::channel(0).0,
                hearing: AtomicBool::new(false),
                token: token(),
                outgoing: Mutex::new(Outgoing::default()),
                ready: Condvar::new(),
            }),
        }
    }

    /// Local wake-ups, and a thread each to tell and to hear the processes sharing the
    /// PostgreSQL database at `url`.
    pub(crate) fn shared_through(url: &str) -> Signals {
        let signals = Signals::local();
        let (tell, hear) = (signals.shared.clone(), signals.shared.clone());
        // Named, so operators see them in `pg_stat_activity`.
        let (tell_url, hear_url) = (named(url, "tsunagu-notify"), named(url, "tsunagu-listen"));
        let started = std::thread::Builder::new()
            .name("pg-notify".into())
            .spawn(move || tell.tell_others(&tell_url))
            .and_then(|_| {
                std::thread::Builder::new()
                    .name("pg-listen".into())
                    .spawn(move || hear.hear_others(&hear_url))
            });
        if let Err(e) = started {
            tracing::warn!("cannot start the threads that wake other processes: {e}");
        }
        signals
    }

    /// A write committed.
    pub(crate) fn wrote(&self) {
        self.shared.writes.send_modify(|n| *n = n.wrapping_add(1));
        self.shared.outgoing(|o| o.wrote = true);
    }

    /// Deliveries were queued.
    pub(crate) fn queued(&self) {
        self.shared.queued.send_modify(|n| *n = n.wrapping_add(1));
        self.shared.outgoing(|o| o.queued = true);
    }

    pub(crate) fn watch_writes(&self) -> watch::Receiver<u64> {
        self.shared.writes.subscribe()
    }

    pub(crate) fn writes_seen(&self) -> u64 {
        *self.shared.writes.borrow()
    }

    pub(crate) fn watch_queued(&self) -> watch::Receiver<u64> {
        self.shared.queued.subscribe()
    }

    pub(crate) fn hears_other_processes(&self) -> bool {
        self.shared.hearing.load(Ordering::Relaxed)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.shared.outgoing(|o| o.closed = true);
    }
}

impl Shared {
    fn outgoing(&self, change: impl FnOnce(&mut Outgoing)) {
        let mut outgoing = self.outgoing.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut outgoing);
        self.ready.notify_one();
    }

    fn closed(&self) -> bool {
        self.outgoing.lock().map(|o| o.closed).unwrap_or(true)
    }

    /// A notification from another process: wake this process's waiters.
    fn heard(&self, payload: &str) {
        let Some((token, what)) = payload.split_once(' ') else {
            return;
        };
        if token != self.token {
            self.wake(what == QUEUED);
        }
    }

    fn wake(&self, queued: bool) {
        self.writes.send_modify(|n| *n = n.wrapping_add(1));
        if queued {
            self.queued.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// The telling thread: sends what accumulated, one `NOTIFY` per kind, until closed.
    fn tell_others(&self, url: &str) {
        use diesel::{Connection, RunQueryDsl};
        let mut conn: Option<diesel::PgConnection> = None;
        loop {
            // Deliveries queued were written too: one notification says both.
            let queued = {
                let mut o = self.outgoing.lock().unwrap_or_else(|e| e.into_inner());
                while !(o.wrote || o.queued || o.closed) {
                    o = self
                        .ready
                        .wait_timeout(o, CHECK_EVERY)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                if o.closed {
                    return;
                }
                o.wrote = false;
                std::mem::take(&mut o.queued)
            };
            if conn.is_none() {
                conn = diesel::PgConnection::establish(url)
                    .inspect_err(|e| tracing::warn!("waking other processes: {e}"))
                    .ok();
            }
            let what = if queued { QUEUED } else { WROTE };
            // The token is ours (letters and digits), so it is safe inside the literal.
            let sql = format!("NOTIFY {CHANNEL}, '{} {what}'", self.token);
            let sent = conn
                .as_mut()
                .map(|c| diesel::sql_query(sql).execute(c).map(drop));
            if let Some(Err(e)) = &sent {
                tracing::warn!("waking other processes: {e}");
                conn = None;
            }
            if !matches!(sent, Some(Ok(()))) {
                // Told again once connected; meanwhile the others look on their timers.
                self.outgoing(|o| {
                    o.wrote = true;
                    o.queued |= queued;
                });
                std::thread::sleep(RECONNECT_AFTER);
            }
        }
    }

    /// The hearing thread: listens on the channel until closed, connecting again when the
    /// connection is lost.
    fn hear_others(&self, url: &str) {
        while !self.closed() {
            match listen::Listener::connect(url, CHANNEL) {
                Ok(mut listener) => {
                    // Something may have happened while nobody listened.
                    self.wake(true);
                    self.hearing.store(true, Ordering::Relaxed);
                    while !self.closed() {
                        match listener.wait(CHECK_EVERY) {
                            Ok(payloads) => payloads.iter().for_each(|p| self.heard(p)),
                            Err(e) => {
                                tracing::warn!("hearing other processes: {e}");
                                break;
                            }
                        }
                    }
                    self.hearing.store(false, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!("hearing other processes: {e}");
                    let mut waited = Duration::ZERO;
                    while waited < RECONNECT_AFTER && !self.closed() {
                        std::thread::sleep(CHECK_EVERY);
                        waited += CHECK_EVERY;
                    }
                }
            }
        }
    }
}

fn named(url: &str, name: &str) -> String {
    if url.contains("application_name=") {
        url.to_string()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}application_name={name}")
    }
}

fn token() -> String {
    use std::hash::{BuildHasher, Hasher};
    // Distinct per database handle of each process; no secret.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// A libpq connection that waits for notifications. diesel only checks for notifications
/// without waiting, so this talks to libpq (which diesel already links) itself, as its manual
/// describes: wait on the connection's socket, then consume the input and take the
/// notifications.
#[allow(unsafe_code)]
mod listen {
    use pq_sys::{
        ConnStatusType, ExecStatusType, PGconn, PQclear, PQconnectdb, PQconsumeInput,
        PQerrorMessage, PQexec, PQfinish, PQfreemem, PQnotifies, PQresultStatus, PQsocket,
        PQstatus,
    };
    use std::ffi::{CStr, CString};
    use std::time::Duration;

    pub(super) struct Listener {
        /// Never null; owned by this value alone and used by one thread at a time.
        conn: *mut PGconn,
    }

    // SAFETY: a libpq connection may move between threads as long as one thread uses it at
    // a time, which `&mut self` on every use ensures.
    unsafe impl Send for Listener {}

    impl Listener {
        pub(super) fn connect(url: &str, channel: &str) -> Result<Listener, String> {
            let url = CString::new(url).map_err(|e| e.to_string())?;
            // SAFETY: `url` is a valid C string for the duration of the call.
            let conn = unsafe { PQconnectdb(url.as_ptr()) };
            if conn.is_null() {
                return Err("libpq could not allocate a connection".into());
            }
            let listener = Listener { conn };
            // SAFETY: `conn` is a live connection owned by `listener`.
            if unsafe { PQstatus(listener.conn) } != ConnStatusType::CONNECTION_OK {
                return Err(listener.error());
            }
            listener.exec(&format!("LISTEN {channel}"))?;
            Ok(listener)
        }

        fn exec(&self, sql: &str) -> Result<(), String> {
            let sql = CString::new(sql).map_err(|e| e.to_string())?;
            // SAFETY: live connection and valid C string; the result is cleared once read.
            let ok = unsafe {
                let result = PQexec(self.conn, sql.as_ptr());
                let ok =
                    !result.is_null() && PQresultStatus(result) == ExecStatusType::PGRES_COMMAND_OK;
                PQclear(result);
                ok
            };
            if ok {
                Ok(())
            } else {
                Err(self.error())
            }
        }

        fn error(&self) -> String {
            // SAFETY: libpq returns a C string owned by the connection, valid until its next
            // call on it; it is copied at once.
            unsafe { CStr::from_ptr(PQerrorMessage(self.conn)) }
                .to_string_lossy()
                .trim()
                .to_string()
        }

        /// Waits up to `timeout` for notifications and returns their payloads (none when the
        /// time ran out); an error when the connection is lost.
        pub(super) fn wait(&mut self, timeout: Duration) -> Result<Vec<String>, String> {
            // SAFETY: live connection.
            let fd = unsafe { PQsocket(self.conn) };
            if fd < 0 {
                return Err("the connection has no socket".into());
            }
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut poll, 1, timeout.as_millis() as libc::c_int) };
            if ready < 0 {
                let e = std::io::Error::last_os_error();
                return match e.kind() {
                    std::io::ErrorKind::Interrupted => Ok(Vec::new()),
                    _ => Err(e.to_string()),
                };
            }
            // SAFETY: live connection. 0 means the connection broke.
            if ready > 0 && unsafe { PQconsumeInput(self.conn) } == 0 {
                return Err(self.error());
            }
            let mut payloads = Vec::new();
            loop {
                // SAFETY: live connection; each notification is read, then freed once.
                let notification = unsafe { PQnotifies(self.conn) };
                if notification.is_null() {
                    break;
                }
                unsafe {
                    let extra = (*notification).extra;
                    if !extra.is_null() {
                        payloads.push(CStr::from_ptr(extra).to_string_lossy().into_owned());
                    }
                    PQfreemem(notification.cast());
                }
            }
            Ok(payloads)
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            // SAFETY: the connection is owned by this value and not used after.
            unsafe { PQfinish(self.conn) }
        }
    }
}
