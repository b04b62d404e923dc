//! Typed queries, one module per table family. Each function takes a connection and does one
//! thing; transactions are the caller's (see [`crate::Db::write`]).
//!
//! A row found by a unique key is read with `.get_result()`, not `.first()`: `.first()` adds a
//! bound `LIMIT ?`, and SQLite plans a statement with a bound limit again at every use, which
//! costs more than the lookup itself. SQLite steps rows one at a time and only the first is
//! read, and a unique key has only one, so nothing else changes.

pub mod actors;
pub mod blocks;
pub mod boards;
pub mod bookmarks;
pub mod campaigns;
pub mod careers;
pub mod deliveries;
pub mod events;
pub mod follows;
pub mod joining;
pub mod media;
pub mod mentoring;
pub mod notifications;
pub mod oauth;
pub mod policy;
pub mod polls;
pub mod posts;
pub mod reports;
pub mod rooms;
pub mod settings;
pub mod surveys;
pub mod users;

/// Keyset pagination as the Mastodon API expresses it: newest first below `max_id`, above
/// `since_id`, or the oldest ones just above `min_id` (returned newest first all the same).
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    pub fn first(limit: i64) -> Page {
        Page {
            limit,
            ..Page::default()
        }
    }
}

/// Applies a [`Page`] to a boxed query over a table with an `id` column.
macro_rules! paginate {
    ($query:expr, $id:expr, $page:expr) => {{
        let page: $crate::queries::Page = $page;
        let mut q = $query;
        if let Some(max) = page.max_id {
            q = q.filter($id.lt(max));
        }
        if let Some(since) = page.since_id {
            q = q.filter($id.gt(since));
        }
        if let Some(min) = page.min_id {
            q = q.filter($id.gt(min)).order($id.asc());
        } else {
            q = q.order($id.desc());
        }
        (q.limit(page.limit.clamp(1, 200)), page.min_id.is_some())
    }};
}
pub(crate) use paginate;

/// Runs `$body` on the backend's own connection (`$c`) instead of through [`crate::Conn`].
/// Diesel's multi-backend connection writes a query's SQL text again at every use to find its
/// prepared statement, which costs more than a lookup by key; on the backend's connection a
/// query is found by its type. For the queries run several times per inbound activity, and
/// for those only a backend's own connection can express (`ON CONFLICT DO NOTHING`, inserts
/// of several rows, boxed raw SQL).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::Conn::Sqlite($c) => $body,
            $crate::Conn::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Rows fetched in ascending order for `min_id` are turned back to newest first.
pub(crate) fn newest_first<T>(mut rows: Vec<T>, ascending: bool) -> Vec<T> {
    if ascending {
        rows.reverse();
    }
    rows
}

/// A LIKE pattern (with `ESCAPE '\\'`) matching values that contain `text`, any case: its own
/// `%`, `_` and the backslash are plain characters.
pub fn containing(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Takes a row lock until the transaction ends, so that checks and writes on PostgreSQL
/// (several writers at once) see each other, as SQLite's single writer already does: a
/// capacity counted under the lock stays true until the commit.
pub fn lock_row(
    conn: &mut crate::Conn,
    table: &'static str,
    key: &'static str,
    id: i64,
) -> crate::QueryResult<()> {
    use diesel::RunQueryDsl;
    match conn {
        crate::Conn::Sqlite(_) => Ok(()),
        crate::Conn::Postgresql(pg) => {
            diesel::sql_query(format!(
                "SELECT 1 FROM {table} WHERE {key} = {id} FOR UPDATE"
            ))
            .execute(pg)?;
            Ok(())
        }
    }
}

/// `column IN (ids)` with the ids bound as one parameter: a JSON array read by `json_each` on
/// SQLite, an array on PostgreSQL. The statement's text is then the same whatever the number
/// of ids, so it is prepared once per connection and cached; `eq_any` writes a placeholder
/// per id, and a statement is parsed and planned again for every new length (most of the
/// cost of a page of statuses).
pub(crate) fn id_in(conn: &crate::Conn, column: &'static str, ids: &[i64]) -> IdIn {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let (open, value, close) = match conn {
        crate::Conn::Sqlite(_) => (
            " IN (SELECT value FROM json_each(",
            format!("[{list}]"),
            "))",
        ),
        crate::Conn::Postgresql(_) => (" = ANY(CAST(", format!("{{{list}}}"), " AS BIGINT[]))"),
    };
    IdIn {
        column,
        open,
        value,
        close,
    }
}

/// The condition [`id_in`] builds.
#[derive(Debug, Clone)]
pub(crate) struct IdIn {
    column: &'static str,
    open: &'static str,
    value: String,
    close: &'static str,
}

impl diesel::expression::Expression for IdIn {
    type SqlType = diesel::sql_types::Bool;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for IdIn {}

impl<QS> diesel::expression::SelectableExpression<QS> for IdIn {}

impl<GB> diesel::expression::ValidGrouping<GB> for IdIn {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for IdIn {
    type QueryId = ();
    // The text depends on the column and the backend: cached by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for IdIn
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        out.push_sql(self.column);
        out.push_sql(self.open);
        out.push_bind_param::<diesel::sql_types::Text, String>(&self.value)?;
        out.push_sql(self.close);
        Ok(())
    }
}
