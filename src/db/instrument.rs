//! Counting the statements a connection sends and the time database work takes, for
//! `SERVER_TIMING` and the tests that keep pages' statement counts flat.

use std::cell::Cell;
use std::time::Duration;

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};

use super::DbConn;

/// Counts the statements a connection sends (and logs them at trace level).
#[derive(Default)]
pub(super) struct StatementCounter(u64);

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0 += 1;
            tracing::trace!(%query, "statement");
        }
    }
}

pub(super) fn statements_sent(conn: &mut DbConn) -> u64 {
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

    /// Adds database work to the unit being measured, if any.
    pub(super) fn count(statements: u64, time: Duration) {
        let _ = WORK.try_with(|work| {
            work.statements.set(work.statements.get() + statements);
            work.time.set(work.time.get() + time);
        });
    }

    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    pub fn time(&self) -> Duration {
        self.time.get()
    }
}
