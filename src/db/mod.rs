//! Storage: one connection type over SQLite and PostgreSQL, the pool, the migrations,
//! and the one way to run a write transaction.

/// Runs `$body` with `$c` bound to the connection of the database's own backend (an
/// `SqliteConnection` or a `PgConnection`): `natively!(conn, c => query.load(c))`.
/// `$body` is written twice, once per backend, as an arm of a `match` in the caller: a
/// `?` or `return` in it leaves the caller, as anywhere else in its body.
///
/// Through the multi-backend connection, diesel writes a statement's SQL text again each
/// time it runs it, already prepared or not, up to three times (to find it in the
/// statement cache, to check it may be cached, to collect its binds): a third of the work
/// of a page. On the backend's own connection a query of a fixed shape is found in the
/// cache by its type, and a boxed one has its SQL written once.
///
/// The rule: the reads a page makes on every request (the session, the member and their
/// organizations, the page's list, its timeline, its totals) are written natively; writes
/// and what runs once per action go through [`DbConn`], where the extra SQL text is lost
/// in the cost of the write. `bench/run.py` measures the pages that show it.
macro_rules! natively {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

mod instrument;
pub mod models;
mod pool;
pub mod schema;
mod types;
mod url;

pub use instrument::DatabaseWork;
pub use pool::{Db, Manager, Pool, PoolConn, PooledConn};
pub use url::{ConnectError, DatabaseUrl};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{
    AnsiTransactionManager, Connection, SimpleConnection, TransactionManager,
};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever database `DATABASE_URL` names.
///
/// PostgreSQL comes first: SQLite would accept any string as a file name.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgres",
        }
    }
}

/// Runs the migrations of the connection's backend. On PostgreSQL an advisory lock
/// keeps several instances starting at once from migrating together.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<()> {
    const MIGRATION_LOCK: i64 = 0x0070_6172_746e_6572; // "partner"
    let result = match conn {
        DbConn::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let applied = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            applied
        }
        DbConn::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len()),
    };
    let applied = result.map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so that two writers
/// queue for the lock at the start instead of failing at their first write. Nested in
/// another transaction, it is a savepoint.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => {
            let depth =
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?;
            if depth.is_none() {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
            } else {
                // Inside a transaction already: a savepoint.
                AnsiTransactionManager::begin_transaction(c)?
            }
        }
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

/// Lets this connection commit without waiting for the disk: for data that can be made
/// again (the benchmark's), never for the application's.
pub fn relax_durability(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA synchronous = OFF"),
        DbConn::Pg(c) => c.batch_execute("SET synchronous_commit = off"),
    }
}

/// The current time, in UTC, at the precision both databases keep (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A new opaque identifier. Version 7 UUIDs keep index inserts local while staying
/// unguessable enough for URLs.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    /// Set in .cargo/config.toml: without it every statement with a bound LIMIT is
    /// compiled again at each execution.
    #[test]
    fn sqlite_is_built_with_the_planner_stability_guarantee() {
        use diesel::prelude::*;
        use diesel::sql_types::Integer;
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let on: i32 = diesel::select(diesel::dsl::sql::<Integer>(
            "sqlite_compileoption_used('ENABLE_QPSG')",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(on, 1, "SQLite was built without SQLITE_ENABLE_QPSG");
    }
}
