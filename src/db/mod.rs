//! Storage: one connection type over SQLite and PostgreSQL, the pool, the migrations,
//! and the one way to run a write transaction.

/// Runs `$body` with `$c` bound to the connection of the database's own backend (an
/// `SqliteConnection` or a `PgConnection`), for the queries that pages run most.
///
/// Through the multi-backend connection, diesel writes a statement's SQL text again each
/// time it runs it, already prepared or not, up to three times (to find it in the
/// statement cache, to check it may be cached, to collect its binds): a third of the work
/// of a page. On the backend's own connection a query of a fixed shape is found in the
/// cache by its type, and a boxed one has its SQL written once.
macro_rules! natively {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

pub mod models;
pub mod schema;
mod types;

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{
    AnsiTransactionManager, Connection, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
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

/// `DATABASE_URL`, checked: a `postgres://` URL, or an SQLite file (`sqlite://path` or a path).
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: BackendKind,
    target: String,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl {
                backend: BackendKind::Postgres,
                target: raw.to_owned(),
            });
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("DATABASE_URL names no SQLite file after 'sqlite://'".into());
            }
            return Ok(DatabaseUrl {
                backend: BackendKind::Sqlite,
                target: path.to_owned(),
            });
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "DATABASE_URL scheme '{scheme}' is not supported: use postgres://… or an SQLite file path"
            ));
        }
        Ok(DatabaseUrl {
            backend: BackendKind::Sqlite,
            target: raw.to_owned(),
        })
    }

    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The URL with any password hidden, for messages and logs.
    pub fn redacted(&self) -> String {
        match self.backend {
            BackendKind::Sqlite => format!("sqlite://{}", self.target),
            BackendKind::Postgres => redact_password(&self.target),
        }
    }

    fn establish(&self) -> Result<DbConn, ConnectError> {
        match self.backend {
            BackendKind::Postgres => {
                // libpq would otherwise wait for the operating system's TCP timeout.
                let sep = if self.target.contains('?') { '&' } else { '?' };
                let url = if self.target.contains("connect_timeout=") {
                    self.target.clone()
                } else {
                    format!("{}{sep}connect_timeout=5", self.target)
                };
                let mut conn = PgConnection::establish(&url).map_err(|e| self.error(e))?;
                conn.set_instrumentation(StatementCounter::default());
                Ok(DbConn::Pg(conn))
            }
            BackendKind::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.target).map_err(|e| self.error(e))?;
                // synchronous=FULL: an acknowledged order or invoice must survive a power cut.
                // cache_size: 512 KiB of pages per connection (the default is 2 MiB); the
                // system's file cache holds the rest, and pages were no slower for it.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA busy_timeout = 10000;
                     PRAGMA cache_size = -512;",
                )
                .map_err(|e| ConnectError {
                    url: self.redacted(),
                    message: e.to_string(),
                })?;
                conn.set_instrumentation(StatementCounter::default());
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn error(&self, e: diesel::ConnectionError) -> ConnectError {
        let message = match e {
            diesel::ConnectionError::BadConnection(m) => m.trim().replace('\n', " "),
            other => other.to_string(),
        };
        ConnectError {
            url: self.redacted(),
            message,
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let shown = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{scheme}://{shown}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Why a database could not be opened, in one line.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the database {url}: {message}")]
pub struct ConnectError {
    url: String,
    message: String,
}

/// Opens connections for the pool, with the real error when it cannot.
pub struct Manager {
    url: DatabaseUrl,
}

/// A connection of the pool, and when it last worked (`None`: after a failure).
pub struct PoolConn {
    conn: DbConn,
    worked_at: Option<Instant>,
}

impl Deref for PoolConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// A PostgreSQL connection idle for longer is checked before it is lent out.
const TRUSTED_FOR: Duration = Duration::from_secs(30);

impl ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<PoolConn, ConnectError> {
        Ok(PoolConn {
            conn: self.url.establish()?,
            worked_at: Some(Instant::now()),
        })
    }

    /// An SQLite file cannot go away; a PostgreSQL connection that just worked is
    /// trusted, one idle for a while or whose last work failed is asked `SELECT 1` (the
    /// server may have closed it).
    fn is_valid(&self, pooled: &mut PoolConn) -> Result<(), ConnectError> {
        let fresh = pooled
            .worked_at
            .is_some_and(|at| at.elapsed() < TRUSTED_FOR);
        if fresh || matches!(pooled.conn, DbConn::Sqlite(_)) {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(|e| ConnectError {
                url: self.url.redacted(),
                message: e.to_string(),
            })?;
        pooled.worked_at = Some(Instant::now());
        Ok(())
    }

    fn has_broken(&self, pooled: &mut PoolConn) -> bool {
        std::thread::panicking() || pooled.conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The database as the web handlers and tasks see it: a pool, used off the async workers.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: BackendKind,
    /// SQLite: the turn of this process's writers (see [`Db::write`]).
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl Db {
    /// Connects once (so a bad URL or an unreachable server is reported at once, with the
    /// real reason), runs the pending migrations, then builds the pool.
    pub fn connect(url: &DatabaseUrl, max_connections: u32) -> anyhow::Result<Db> {
        let manager = Manager { url: url.clone() };
        let mut first = manager.connect()?;
        migrate(&mut first)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(15))
            .build(manager)?;
        Ok(Db {
            pool,
            backend: url.backend(),
            writers: (url.backend() == BackendKind::Sqlite)
                .then(|| Arc::new(tokio::sync::Mutex::new(()))),
        })
    }

    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    pub fn get(&self) -> Result<PooledConn, r2d2::PoolError> {
        self.pool.get()
    }

    /// Runs database work that writes. SQLite lets one writer in at a time, and one that
    /// waits for its lock holds a connection and a blocking thread while it does: under a
    /// storm of logins, the waiting writers took the whole pool and the pages that only
    /// read waited behind them. So this process's writers take turns here, waiting
    /// without holding anything, before they take a connection. (Another process writing
    /// the same file is still waited for by SQLite's busy timeout.) PostgreSQL locks rows,
    /// not the database: its writers go straight to [`Db::run`].
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<r2d2::PoolError> + From<actix_web::error::BlockingError> + Send + 'static,
    {
        let _turn = match &self.writers {
            Some(writers) => Some(writers.lock().await),
            None => None,
        };
        self.run(f).await
    }

    /// Runs blocking database work on the blocking thread pool. Within
    /// [`DatabaseWork::measure`], the statements it sends are counted.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<r2d2::PoolError> + From<actix_web::error::BlockingError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let started = Instant::now();
        let (result, statements) = actix_web::web::block(move || {
            let mut conn = match pool.get() {
                Ok(conn) => conn,
                Err(e) => return (Err(e.into()), 0),
            };
            let before = statements_sent(&mut conn);
            let result = f(&mut conn);
            conn.worked_at = result.is_ok().then(Instant::now);
            (result, statements_sent(&mut conn) - before)
        })
        .await?;
        let _ = WORK.try_with(|work| {
            work.statements.set(work.statements.get() + statements);
            work.time.set(work.time.get() + started.elapsed());
        });
        result
    }
}

/// Counts the statements a connection sends (and logs them at trace level).
#[derive(Default)]
struct StatementCounter(u64);

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0 += 1;
            tracing::trace!(%query, "statement");
        }
    }
}

fn statements_sent(conn: &mut DbConn) -> u64 {
    conn.instrumentation()
        .downcast_ref::<StatementCounter>()
        .map_or(0, |counter| counter.0)
}

/// The database work done for one request (or any other unit of work): how many
/// statements, and how long its database calls took, waiting for a connection included.
#[derive(Debug, Default)]
pub struct DatabaseWork {
    statements: Cell<u64>,
    time: Cell<Duration>,
}

tokio::task_local! {
    static WORK: DatabaseWork;
}

impl DatabaseWork {
    /// Runs `work`, counting the database work it does through [`Db::run`].
    pub async fn measure<F: Future>(work: F) -> (F::Output, DatabaseWork) {
        WORK.scope(DatabaseWork::default(), async move {
            let output = work.await;
            let done = WORK.with(|w| DatabaseWork {
                statements: Cell::new(w.statements.get()),
                time: Cell::new(w.time.get()),
            });
            (output, done)
        })
        .await
    }

    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    pub fn time(&self) -> Duration {
        self.time.get()
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
    use super::*;

    #[test]
    fn database_urls_pick_their_backend() {
        assert_eq!(
            DatabaseUrl::parse("partnerdesk.db").unwrap().backend(),
            BackendKind::Sqlite
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/pd.db").unwrap().target,
            "data/pd.db"
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:p@h/db").unwrap().backend(),
            BackendKind::Postgres
        );
        assert!(
            DatabaseUrl::parse("mysql://h/db")
                .err()
                .unwrap()
                .contains("not supported")
        );
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    /// Writers waiting for SQLite's lock must not take the connections that readers need.
    #[actix_web::test]
    async fn waiting_writers_leave_the_pool_to_readers() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(dir.path().join("w.db").to_str().unwrap()).unwrap();
        let db = Db::connect(&url, 2).unwrap();
        db.run(|c| -> anyhow::Result<()> {
            Ok(c.batch_execute("CREATE TABLE scratch (x INTEGER)")?)
        })
        .await
        .unwrap();
        let insert = |conn: &mut DbConn| -> anyhow::Result<()> {
            write_tx(conn, |c| {
                Ok(c.batch_execute("INSERT INTO scratch VALUES (1)")?)
            })
        };

        // One writer holds the lock (and a connection) until it is released…
        let (release, released) = std::sync::mpsc::channel::<()>();
        let first = actix_web::rt::spawn({
            let db = db.clone();
            async move {
                db.write(move |conn| -> anyhow::Result<()> {
                    insert(conn)?;
                    write_tx(conn, |c| -> anyhow::Result<()> {
                        c.batch_execute("INSERT INTO scratch VALUES (2)")?;
                        released.recv()?;
                        Ok(())
                    })
                })
                .await
            }
        });
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        // …four more wait for their turn…
        let others: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                actix_web::rt::spawn(async move { db.write(insert).await })
            })
            .collect();
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        // …and a reader still gets the other connection at once.
        let read = actix_web::rt::time::timeout(
            Duration::from_secs(5),
            db.run(|c| -> anyhow::Result<()> {
                Ok(c.batch_execute("SELECT count(*) FROM scratch")?)
            }),
        )
        .await;
        assert!(
            matches!(read, Ok(Ok(()))),
            "a reader waited behind the writers"
        );

        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        for other in others {
            other.await.unwrap().unwrap();
        }
        let rows: i64 = db
            .run(|c| -> anyhow::Result<i64> {
                use diesel::prelude::*;
                Ok(
                    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                        "(SELECT count(*) FROM scratch)",
                    ))
                    .get_result(c)?,
                )
            })
            .await
            .unwrap();
        assert_eq!(rows, 6, "every writer wrote, in turn");
    }

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

    #[test]
    fn passwords_never_appear_in_messages() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.example:5432/pd").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db.example:5432/pd");
        assert_eq!(
            redact_password("postgres://localhost/pd"),
            "postgres://localhost/pd"
        );
    }
}
