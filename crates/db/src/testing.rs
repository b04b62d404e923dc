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
