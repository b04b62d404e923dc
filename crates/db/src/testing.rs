//! Throwaway PostgreSQL databases for tests: one migrated template per test process, copied
//! for each test so tests run in parallel on a clean database.

use crate::pool::DbError;
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::sync::Mutex;

static TEMPLATE: Mutex<Option<String>> = Mutex::new(None);

fn admin(admin_url: &str) -> Result<PgConnection, DbError> {
    PgConnection::establish(admin_url).map_err(|e| DbError::Setup(e.to_string()))
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let prefix_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    match base[prefix_end..].find('/') {
        Some(slash) => format!("{}/{name}{query}", &base[..prefix_end + slash]),
        None => format!("{base}/{name}{query}"),
    }
}

/// Creates a fresh, migrated database named `name` on the server of `admin_url` and returns
/// its URL.
pub fn create_database(admin_url: &str, name: &str) -> Result<String, DbError> {
    let template = {
        let mut guard = TEMPLATE.lock().map_err(|e| DbError::Setup(e.to_string()))?;
        match guard.as_ref() {
            Some(t) => t.clone(),
            None => {
                let t = format!("tsunagu_template_{}", std::process::id());
                let mut conn = admin(admin_url)?;
                drop_leftovers(&mut conn)?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {t}")).execute(&mut conn)?;
                diesel::sql_query(format!("CREATE DATABASE {t}")).execute(&mut conn)?;
                {
                    let db = crate::Db::connect(&with_database(admin_url, &t))?;
                    db.migrate()?;
                }
                *guard = Some(t.clone());
                t
            }
        }
    };
    let mut conn = admin(admin_url)?;
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}")).execute(&mut conn)?;
    Ok(with_database(admin_url, name))
}

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops the databases of test processes that are gone. A test's database is not dropped when
/// the test ends, since its instance may still be winding down; the next run cleans up.
fn drop_leftovers(conn: &mut PgConnection) -> Result<(), DbError> {
    let names: Vec<DatabaseName> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'tsunagu_test_%' OR datname LIKE 'tsunagu_template_%'",
    )
    .load(conn)?;
    for DatabaseName { datname } in names {
        let pid = datname
            .trim_start_matches("tsunagu_test_")
            .trim_start_matches("tsunagu_template_")
            .split('_')
            .next()
            .unwrap_or("");
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// How many sessions are connected to the database of `url` (a test's own database).
pub fn connections(url: &str) -> Result<i64, DbError> {
    let name = url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .unwrap_or_default()
        .to_string();
    let mut conn = admin(&with_database(url, "postgres"))?;
    let row: Count =
        diesel::sql_query("SELECT count(*) AS count FROM pg_stat_activity WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut conn)?;
    Ok(row.count)
}

/// Cuts the connections each process listens on to the database of `url` (as a database
/// restart would) and returns how many there were.
pub fn cut_listeners(url: &str) -> Result<usize, DbError> {
    let mut conn = admin(url)?;
    Ok(diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'tsunagu-listen' AND datname = current_database()",
    )
    .execute(&mut conn)?)
}

/// Runs one SQL statement, for tests that break the database on purpose.
pub fn execute(conn: &mut crate::Conn, sql: &str) -> Result<usize, DbError> {
    Ok(diesel::sql_query(sql).execute(conn)?)
}

/// Cuts every connection to the database of `url` but the one doing it (as a database restart
/// would) and returns how many there were.
pub fn cut_connections(url: &str) -> Result<usize, DbError> {
    let mut conn = admin(url)?;
    Ok(diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut conn)?)
}

/// Fills the database with `accounts` remote accounts and `posts` public posts written by them
/// in turn (every third one a reply to the post before it), for benchmarks that need a database
/// of realistic size. Rows are generated inside the database, a batch of 100,000 per statement.
pub fn seed_posts(conn: &mut crate::Conn, accounts: i64, posts: i64) -> Result<(), DbError> {
    use crate::Conn;
    // Numbers 1..=n generated in the database (one dialect each).
    let sqlite = matches!(conn, Conn::Sqlite(_));
    let numbers = |from: i64, to: i64| match sqlite {
        true => format!(
            "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) \
             SELECT i FROM n"
        ),
        false => format!("SELECT i FROM generate_series({from}::bigint, {to}) AS i"),
    };
    let accounts_sql = format!(
        "INSERT INTO actors (ap_id, kind, username, domain, local, display_name, summary, \
         inbox_url, public_key_pem, published_at, refreshed_at) \
         SELECT 'https://seed-' || (i % 100) || '.test/users/u' || i, 'Person', 'u' || i, \
         'seed-' || (i % 100) || '.test', false, 'Seeded account ' || i, '', \
         'https://seed-' || (i % 100) || '.test/users/u' || i || '/inbox', '', \
         CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM ({}) AS numbers",
        numbers(1, accounts)
    );
    diesel::sql_query(accounts_sql).execute(conn)?;
    #[derive(diesel::QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let first_actor = diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS id FROM actors")
        .get_result::<Max>(conn)?
        .id
        - accounts
        + 1;
    let first_post = diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS id FROM posts")
        .get_result::<Max>(conn)?
        .id
        + 1;
    let mut done = 0;
    while done < posts {
        let to = (done + 100_000).min(posts);
        let batch = format!(
            "INSERT INTO posts (id, ap_id, author_id, kind, in_reply_to_id, content, summary, \
             sensitive, visibility, local, created_at, held) \
             SELECT {first_post} + i, 'https://seed-' || (i % 100) || '.test/posts/' || i, \
             {first_actor} + (i % {accounts}), 'Note', \
             CASE WHEN i % 3 = 2 THEN {first_post} + i - 1 END, \
             '<p>Seeded post number ' || i || ', with a few words of text.</p>', '', \
             false, 'public', false, CURRENT_TIMESTAMP, false FROM ({}) AS numbers",
            numbers(done, to - 1)
        );
        diesel::sql_query(batch).execute(conn)?;
        done = to;
    }
    if !sqlite {
        // Explicit ids do not move PostgreSQL's sequence.
        diesel::sql_query(
            "SELECT setval(pg_get_serial_sequence('posts', 'id'), MAX(id)) FROM posts",
        )
        .execute(conn)?;
    }
    if sqlite {
        diesel::sql_query("ANALYZE").execute(conn)?;
    } else {
        // As after any bulk load: vacuumed and analysed now, and its pages written out, rather
        // than by autovacuum and the checkpointer while a benchmark measures.
        diesel::sql_query("VACUUM (ANALYZE)").execute(conn)?;
        diesel::sql_query("CHECKPOINT").execute(conn)?;
    }
    Ok(())
}
