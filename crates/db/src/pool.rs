use crate::actor_cache::{self, ActorCache};
use crate::signals::Signals;
use crate::Actor;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// One connection type for both backends; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot prepare the database: {0}")]
    Setup(String),
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("database task failed: {0}")]
    Task(String),
}

impl DbError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::Query(diesel::result::Error::NotFound))
    }
    /// The transaction was rolled back on purpose by a query that found its rows changed.
    pub fn is_rollback(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::RollbackTransaction)
        )
    }
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::Query(e) if crate::is_unique_violation(e))
    }
}

/// Pragmas every SQLite connection needs: foreign keys are off by default, WAL lets readers
/// work beside the writer, and the busy timeout turns lock contention into waiting. The
/// writing connection keeps its temporary files in memory: each write of a group commit runs
/// in a savepoint, which copies every page it changes first to a journal of its own, and past
/// 64 KB that journal would otherwise go through a file. It also leaves checkpoints to the
/// checkpointing thread (see [`checkpoints`]) instead of running them inside its commits.
#[derive(Debug)]
struct SqlitePragmas {
    writer: bool,
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        if matches!(conn, Conn::Sqlite(_)) {
            // One statement per call: SQLite runs only the first statement of a string.
            for pragma in [
                "PRAGMA busy_timeout = 10000",
                "PRAGMA foreign_keys = ON",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
            ] {
                diesel::sql_query(pragma)
                    .execute(conn)
                    .map_err(diesel::r2d2::Error::QueryError)?;
            }
            if self.writer {
                for pragma in [
                    "PRAGMA temp_store = MEMORY",
                    "PRAGMA wal_autocheckpoint = 0",
                ] {
                    diesel::sql_query(pragma)
                        .execute(conn)
                        .map_err(diesel::r2d2::Error::QueryError)?;
                }
            }
        }
        Ok(())
    }
}

/// The database: a reading pool and a writing pool. On SQLite the writing pool has a single
/// connection, so writers queue in the process instead of failing with "database is locked";
/// a writer thread takes the writes waiting in that queue together, each in its own savepoint of
/// one transaction (group commit), and answers each only once that transaction has committed.
#[derive(Clone)]
pub struct Db {
    read: Pool<ConnectionManager<Conn>>,
    write: Pool<ConnectionManager<Conn>>,
    /// SQLite's group-commit queue (none on PostgreSQL, whose writers work in parallel).
    writer: Option<std::sync::mpsc::SyncSender<Job>>,
    backend: Backend,
    /// Wakes what waits for writes (streaming listeners) and for queued deliveries (the
    /// delivery worker), in this process and, on PostgreSQL, in the others sharing the database.
    signals: std::sync::Arc<Signals>,
    /// Actors recently read by `ap_id` (see [`crate::actor_cache`]).
    actors: std::sync::Arc<ActorCache>,
}

impl Db {
    /// Opens (and for SQLite creates) the database named by `url`.
    pub fn connect(url: &str) -> Result<Db, DbError> {
        let (backend, conn_url) = if let Some(path) = url.strip_prefix("sqlite://") {
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        DbError::Setup(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
            }
            (Backend::Sqlite, path.to_string())
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(DbError::UnsupportedUrl(url.to_string()));
        };
        // Connect once outside the pool for a clear error message.
        Conn::establish(&conn_url).map_err(|e| DbError::Setup(e.to_string()))?;
        let build = |size: u32, writer: bool| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // A SQLite connection is a file handle that does not break: checking it with
                // a query at each use only costs. A PostgreSQL one may have lost its server.
                .test_on_check_out(backend == Backend::Postgres)
                .connection_timeout(Duration::from_secs(30))
                .connection_customizer(Box::new(SqlitePragmas { writer }))
                .build(ConnectionManager::<Conn>::new(&conn_url))
        };
        let (read, write) = match backend {
            Backend::Sqlite => (build(8, false)?, build(1, true)?),
            Backend::Postgres => {
                let pool = build(16, false)?;
                (pool.clone(), pool)
            }
        };
        let writer =
            (backend == Backend::Sqlite).then(|| group_commit(write.clone(), read.clone()));
        let signals = match backend {
            Backend::Sqlite => Signals::local(),
            Backend::Postgres => Signals::shared_through(&conn_url),
        };
        Ok(Db {
            read,
            write,
            writer,
            backend,
            signals: std::sync::Arc::new(signals),
            actors: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations and returns how many ran.
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.write.get()?;
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        // Several processes may start at once against one PostgreSQL database.
        if self.backend == Backend::Postgres {
            diesel::sql_query("SELECT pg_advisory_lock(72657301)").execute(&mut *conn)?;
        }
        let applied = conn
            .run_pending_migrations(migrations)
            .map(|v| v.len())
            .map_err(|e| DbError::Setup(e.to_string()));
        if self.backend == Backend::Postgres {
            diesel::sql_query("SELECT pg_advisory_unlock(72657301)").execute(&mut *conn)?;
        }
        applied
    }

    /// Runs read-only queries on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> diesel::QueryResult<T> + Send + 'static,
    {
        run(self.read.clone(), f).await
    }

    /// Runs a short read (a few rows found by key, as the inbox does several times per
    /// activity). On SQLite it runs on the calling thread when a reading connection is idle:
    /// handing it to the blocking pool and back costs two thread wake-ups, more than such a
    /// read. Anything longer (pages, lists, searches) goes through [`Db::read`], off the
    /// runtime. On PostgreSQL every query is a round trip, so this is [`Db::read`].
    pub async fn lookup<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> diesel::QueryResult<T> + Send + 'static,
    {
        if self.backend == Backend::Sqlite {
            if let Some(mut conn) = self.read.try_get() {
                return Ok(f(&mut conn)?);
            }
        }
        self.read(f).await
    }

    /// [`Db::lookup`] for `count` lookups by key in one closure (the addressees of an
    /// activity): on the calling thread only while they are few, so that a sender listing
    /// thousands of addressees holds no runtime thread for long.
    pub async fn lookup_many<T, F>(&self, count: usize, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> diesel::QueryResult<T> + Send + 'static,
    {
        if count <= FEW_LOOKUPS {
            self.lookup(f).await
        } else {
            self.read(f).await
        }
    }

    /// Actors by `ap_id`, in the order asked (`None` for one not stored): the rows read
    /// recently are taken from memory (see [`crate::actor_cache`]), the others looked up.
    pub async fn actors_by_ap_id(
        &self,
        ap_ids: Vec<String>,
    ) -> Result<Vec<Option<Actor>>, DbError> {
        let mut found: Vec<Option<Actor>> = ap_ids.iter().map(|u| self.actors.get(u)).collect();
        let missing: Vec<(usize, String)> = ap_ids
            .into_iter()
            .enumerate()
            .filter(|(i, _)| found[*i].is_none())
            .collect();
        if missing.is_empty() {
            return Ok(found);
        }
        let mark = actor_cache::changes();
        let read = self
            .lookup_many(missing.len(), move |c| {
                missing
                    .into_iter()
                    .map(|(i, u)| Ok((i, crate::queries::actors::by_ap_id(c, &u)?)))
                    .collect::<diesel::QueryResult<Vec<_>>>()
            })
            .await?;
        self.actors
            .keep(mark, read.iter().filter_map(|(_, a)| a.clone()));
        for (i, actor) in read {
            found[i] = actor;
        }
        Ok(found)
    }

    /// One actor by `ap_id`, as [`Db::actors_by_ap_id`].
    pub async fn actor_by_ap_id(&self, ap_id: &str) -> Result<Option<Actor>, DbError> {
        let mut found = self.actors_by_ap_id(vec![ap_id.to_string()]).await?;
        Ok(found.pop().flatten())
    }

    /// Runs queries that change data, in one transaction (on SQLite, a savepoint of a
    /// transaction shared with the writes waiting beside it); returns once it has committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> diesel::QueryResult<T> + Send + 'static,
    {
        let result = match &self.writer {
            Some(writer) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                let job: Job = Box::new(move |conn: &mut Conn| {
                    let result = conn.transaction(f).map_err(DbError::from);
                    Box::new(move |committed: Result<(), String>| {
                        let _ = tx.send(match committed {
                            Ok(()) => result,
                            Err(e) => Err(DbError::Task(e)),
                        });
                    }) as Reply
                });
                let stopped = || DbError::Task("the database writer has stopped".into());
                match writer.try_send(job) {
                    Ok(()) => {}
                    // The queue is bounded: when it is full, wait for room off the runtime.
                    Err(std::sync::mpsc::TrySendError::Full(job)) => {
                        let writer = writer.clone();
                        tokio::task::spawn_blocking(move || writer.send(job))
                            .await
                            .map_err(|e| DbError::Task(e.to_string()))?
                            .map_err(|_| stopped())?;
                    }
                    Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return Err(stopped()),
                }
                rx.await
                    .map_err(|_| DbError::Task("the database writer has stopped".into()))?
            }
            None => {
                run(self.write.clone(), move |conn| {
                    let result = conn.transaction(f);
                    actor_cache::after_commit();
                    result
                })
                .await
            }
        };
        if result.is_ok() {
            self.signals.wrote();
        }
        result
    }

    /// Changes whenever a write commits: one made by this process, or on PostgreSQL by
    /// another sharing the database. Other processes on a SQLite file are not seen here:
    /// listeners also look again from time to time.
    pub fn watch_writes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.signals.watch_writes()
    }

    /// How many writes [`Db::watch_writes`] has seen so far: a value kept with something read
    /// tells, while it is still the count, that no write has committed since.
    pub fn writes_seen(&self) -> u64 {
        self.signals.writes_seen()
    }

    /// Says that deliveries were queued (after the write that queued them committed), to this
    /// process's delivery worker and on PostgreSQL to the other processes'.
    pub fn deliveries_queued(&self) {
        self.signals.queued();
    }

    /// Changes whenever [`Db::deliveries_queued`] is called here or in another process.
    pub fn watch_deliveries(&self) -> tokio::sync::watch::Receiver<u64> {
        self.signals.watch_queued()
    }

    /// True while writes of the other processes sharing this database wake this one's
    /// waiters (PostgreSQL, its listening connection up), so they need not look as often.
    pub fn hears_other_processes(&self) -> bool {
        self.signals.hears_other_processes()
    }

    /// A connection for synchronous callers (command-line tasks, tests).
    pub fn get(&self) -> Result<PooledConnection<ConnectionManager<Conn>>, DbError> {
        Ok(self.write.get()?)
    }
}

async fn run<T, F>(pool: Pool<ConnectionManager<Conn>>, f: F) -> Result<T, DbError>
where
    T: Send + 'static,
    F: FnOnce(&mut Conn) -> diesel::QueryResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        Ok(f(&mut conn)?)
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))?
}

/// Lookups by key [`Db::lookup_many`] runs on the calling thread at most.
const FEW_LOOKUPS: usize = 8;

/// What a write hands back once its transaction has committed (or failed to).
type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write waiting for the writer thread: run in a savepoint, it returns its reply.
type Job = Box<dyn FnOnce(&mut Conn) -> Reply + Send>;

/// Writes taken together at most.
const GROUP_COMMIT_MAX: usize = 256;

/// Starts SQLite's writer thread: it takes the first waiting write and every other already
/// waiting (up to [`GROUP_COMMIT_MAX`]), runs each in its own savepoint of one transaction, commits
/// once, then answers them all. A write that fails rolls back its savepoint only. Checkpoints
/// run beside it, on a connection of the reading pool (see [`checkpoints`]).
fn group_commit(
    pool: Pool<ConnectionManager<Conn>>,
    read: Pool<ConnectionManager<Conn>>,
) -> std::sync::mpsc::SyncSender<Job> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(4 * GROUP_COMMIT_MAX);
    let committed_writes = checkpoints(read);
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < GROUP_COMMIT_MAX {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
                let committed = match pool.get() {
                    Ok(mut conn) => write_transaction(&mut conn, |c| {
                        for job in batch.drain(..) {
                            // A write that panics fails the whole batch, never the thread.
                            let run = std::panic::AssertUnwindSafe(|| job(c));
                            match std::panic::catch_unwind(run) {
                                Ok(reply) => replies.push(reply),
                                Err(_) => return Err(diesel::result::Error::RollbackTransaction),
                            }
                        }
                        Ok(())
                    })
                    .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                actor_cache::after_commit();
                // Jobs never run (no connection) are answered through their dropped channels.
                drop(batch);
                let count = replies.len();
                for reply in replies {
                    reply(committed.clone());
                }
                // Stops with the checkpointing thread (never before the writer).
                let _ = committed_writes.send(count);
            }
        })
        .expect("the SQLite writer thread starts");
    tx
}

/// Writes committed before a checkpoint is due, or the longest wait with any committed.
const CHECKPOINT_AFTER_WRITES: usize = 512;
const CHECKPOINT_AFTER: Duration = Duration::from_secs(1);

/// Starts the thread that copies the WAL's pages back into the database file (a passive
/// checkpoint: readers and the writer go on meanwhile) after [`CHECKPOINT_AFTER_WRITES`]
/// writes, and at least every [`CHECKPOINT_AFTER`] (with nothing new in the WAL, that only
/// reads its header), so that writes made outside the writer thread ([`Db::get`]) are copied
/// too. It hears of each commit through the returned channel and stops when that closes.
/// SQLite would otherwise checkpoint inside the writer's commit once the WAL reaches a
/// thousand pages: every write waiting on the writer (the inbox's among them) stood still for
/// the copy and its `fsync`s, several milliseconds.
fn checkpoints(read: Pool<ConnectionManager<Conn>>) -> std::sync::mpsc::Sender<usize> {
    use std::sync::mpsc::RecvTimeoutError;
    let (tx, rx) = std::sync::mpsc::channel::<usize>();
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let (mut pending, mut last) = (0, std::time::Instant::now());
            loop {
                match rx.recv_timeout(CHECKPOINT_AFTER.saturating_sub(last.elapsed())) {
                    Ok(count) => pending += count,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                if pending < CHECKPOINT_AFTER_WRITES && last.elapsed() < CHECKPOINT_AFTER {
                    continue;
                }
                (pending, last) = (0, std::time::Instant::now());
                let done = read.get().map_err(|e| e.to_string()).and_then(|mut c| {
                    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
                        .execute(&mut *c)
                        .map_err(|e| e.to_string())
                });
                if let Err(e) = done {
                    tracing::warn!("SQLite checkpoint failed: {e}");
                }
            }
        })
        .expect("the SQLite checkpointing thread starts");
    tx
}

/// Runs `f` in a transaction that holds SQLite's write lock from its start (`BEGIN
/// IMMEDIATE`). A transaction begun deferred that first reads and then writes cannot wait
/// for another process's writer: SQLite fails its write at once ("database is locked")
/// instead of calling the busy handler. Taking the lock first waits for it instead.
fn write_transaction<F>(conn: &mut Conn, f: F) -> diesel::QueryResult<()>
where
    F: FnOnce(&mut Conn) -> diesel::QueryResult<()>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let Conn::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(()) => <Conn as Connection>::TransactionManager::commit_transaction(conn),
        Err(e) => {
            <Conn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::{current, ThreadId};

    fn thread(_: &mut Conn) -> diesel::QueryResult<ThreadId> {
        Ok(current().id())
    }

    #[tokio::test]
    async fn short_lookups_run_on_the_calling_thread_only_while_a_connection_is_idle() {
        let dir = tempfile::tempdir().expect("folder");
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display())).expect("db");
        let here = current().id();
        assert_eq!(db.lookup(thread).await.expect("lookup"), here);
        assert_eq!(
            db.lookup_many(FEW_LOOKUPS, thread).await.expect("few"),
            here
        );
        assert_ne!(
            db.lookup_many(FEW_LOOKUPS + 1, thread).await.expect("many"),
            here
        );
        // Every reading connection taken: the lookup waits off this thread for one to come back.
        let held: Vec<_> = (0..db.read.max_size())
            .map(|_| db.read.get().expect("connection"))
            .collect();
        let giver = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        assert_ne!(db.lookup(thread).await.expect("lookup"), here);
        giver.join().expect("giver");
    }

    #[tokio::test]
    async fn the_wal_is_copied_into_the_database_file_beside_the_writer() {
        let dir = tempfile::tempdir().expect("folder");
        let path = dir.path().join("t.db");
        let db = Db::connect(&format!("sqlite://{}", path.display())).expect("db");
        db.migrate().expect("migrations");
        let size = || std::fs::metadata(&path).expect("database file").len();
        // The migrations' pages reach the file by the timer.
        tokio::time::sleep(CHECKPOINT_AFTER + Duration::from_millis(500)).await;
        let before = size();
        // Enough new pages (ids of 1 KB) that only a checkpoint can have put in the file: the
        // writer's own connection never checkpoints.
        for i in 0..CHECKPOINT_AFTER_WRITES {
            let url = format!("https://peer.test/{i}/{}", "x".repeat(1000));
            db.write(move |c| crate::queries::deliveries::remember_received(c, &url, crate::now()))
                .await
                .expect("write");
        }
        let deadline = std::time::Instant::now() + CHECKPOINT_AFTER * 3;
        while size() < before + 400 * 1024 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(size() >= before + 400 * 1024, "{before} -> {}", size());
    }

    #[tokio::test]
    async fn actors_read_by_ap_id_are_kept_until_a_write_to_actors_commits() {
        use crate::queries::actors;
        let dir = tempfile::tempdir().expect("folder");
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display())).expect("db");
        db.migrate().expect("migrations");
        let ap_id = "https://peer.test/users/ann".to_string();
        let new = crate::NewActor {
            ap_id: ap_id.clone(),
            kind: "Person".into(),
            username: "ann".into(),
            domain: "peer.test".into(),
            local: false,
            display_name: "Ann".into(),
            summary: String::new(),
            url: None,
            inbox_url: format!("{ap_id}/inbox"),
            shared_inbox_url: None,
            outbox_url: None,
            followers_url: None,
            following_url: None,
            public_key_pem: "key".into(),
            private_key_pem: None,
            avatar_url: None,
            header_url: None,
            manually_approves_followers: false,
            fields_json: "[]".into(),
            published_at: crate::now(),
            refreshed_at: crate::now(),
        };
        let id = db
            .write(move |c| actors::insert(c, &new))
            .await
            .expect("insert");
        let name = |found: Vec<Option<Actor>>| -> Vec<Option<String>> {
            found
                .into_iter()
                .map(|a| a.map(|a| a.display_name))
                .collect()
        };
        let both = vec![ap_id.clone(), "https://peer.test/users/nobody".to_string()];
        let read_at = std::time::Instant::now();
        let found = db.actors_by_ap_id(both.clone()).await.expect("read");
        assert_eq!(name(found), vec![Some("Ann".to_string()), None]);
        // A change the process does not make through its queries (another process's) is
        // seen only once the kept row has expired...
        diesel::sql_query("UPDATE actors SET display_name = 'Elsewhere'")
            .execute(&mut *db.get().expect("connection"))
            .expect("update");
        let found = db.actors_by_ap_id(both.clone()).await.expect("kept");
        if read_at.elapsed() < actor_cache::KEPT_FOR {
            assert_eq!(name(found), vec![Some("Ann".to_string()), None]);
        }
        // ...while a write of its own is seen at once.
        db.write(move |c| actors::update_profile(c, id, "Ann B.", "", "[]"))
            .await
            .expect("update");
        let found = db.actors_by_ap_id(both).await.expect("read again");
        assert_eq!(name(found), vec![Some("Ann B.".to_string()), None]);
        let kept = db.actor_by_ap_id(&ap_id).await.expect("one");
        assert_eq!(kept.map(|a| a.display_name).as_deref(), Some("Ann B."));
    }
}
