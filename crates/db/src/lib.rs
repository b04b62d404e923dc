//! Storage for Tsunagu: the schema, row types, typed queries and migrations, over SQLite or
//! PostgreSQL chosen at run time by the database URL.
//!
//! Knows nothing of HTTP, JSON-LD or ActivityPub. Every query is a plain function taking a
//! `&mut Conn`; callers run them on the blocking pool through [`Db::read`] and [`Db::write`].

mod actor_cache;
mod pool;
pub mod queries;
pub mod rows;
pub mod schema;
mod signals;
pub mod testing;

pub use pool::{Backend, Conn, Db, DbError};
pub use rows::*;

/// Result of a single query function.
pub type QueryResult<T> = diesel::QueryResult<T>;

/// The error a query function returns, re-exported so callers can tell "not found" and unique
/// violations apart without naming diesel.
pub use diesel::result::Error as QueryError;

/// True when the error is a unique-constraint violation (a duplicate insert).
pub fn is_unique_violation(err: &QueryError) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Current time in the precision both backends store (microseconds).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
