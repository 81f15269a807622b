//! The pool of connections, and the one way handlers and tasks use it: off the async
//! workers, writers on SQLite taking turns.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};

use super::instrument::{DatabaseWork, statements_sent};
use super::url::{ConnectError, DatabaseUrl};
use super::{BackendKind, DbConn, migrate};

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
        // What the work writes for the reader (a timeline, an invoice's lines) is in the
        // language of the request it is done for.
        let locale = crate::i18n::current();
        let (result, statements) = actix_web::web::block(move || {
            let mut conn = match pool.get() {
                Ok(conn) => conn,
                Err(e) => return (Err(e.into()), 0),
            };
            let before = statements_sent(&mut conn);
            let result = crate::i18n::within(locale, || f(&mut conn));
            conn.worked_at = result.is_ok().then(Instant::now);
            (result, statements_sent(&mut conn) - before)
        })
        .await?;
        DatabaseWork::count(statements, started.elapsed());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::write_tx;

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
}
