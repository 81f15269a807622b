//! The automatic renewals: every product due is billed once per period, with the
//! payment mode in force when the scheduler runs.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Acting, OrderError, Request, place::write, quote};
use crate::db::models::products;
use crate::db::{DbConn, write_tx};

/// What a run of the automatic renewals did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RenewalRun {
    pub renewed: usize,
    pub failed: usize,
}

/// Bills every automatic renewal due on `today` or before, each in its own transaction,
/// with the payment mode in force now. A product overdue by several years is renewed
/// once per missed year. Running it again (or on two instances at once) bills nothing twice.
pub fn renew_due(
    conn: &mut DbConn,
    today: NaiveDate,
    at: NaiveDateTime,
    vat_rate_bp: i32,
) -> anyhow::Result<RenewalRun> {
    let mut run = RenewalRun::default();
    let mut failed: Vec<String> = Vec::new();
    loop {
        let due: Vec<String> = products::due(conn, today, 100)?
            .into_iter()
            .filter(|id| !failed.contains(id))
            .collect();
        if due.is_empty() {
            return Ok(run);
        }
        for id in due {
            match renew_one(conn, &id, today, at, vat_rate_bp) {
                Ok(()) => run.renewed += 1,
                Err(OrderError::AlreadyBilled) => {}
                Err(e) => {
                    tracing::error!(product = %id, error = %e, "automatic renewal failed");
                    run.failed += 1;
                    failed.push(id);
                }
            }
        }
    }
}

fn renew_one(
    conn: &mut DbConn,
    product_id: &str,
    today: NaiveDate,
    at: NaiveDateTime,
    vat_rate_bp: i32,
) -> Result<(), OrderError> {
    write_tx(conn, |conn| {
        let quote = quote(
            conn,
            Acting::Scheduler,
            Request::Renewal { product_id },
            today,
            vat_rate_bp,
        )?;
        write(conn, Acting::Scheduler, quote, at)?;
        Ok(())
    })
}
