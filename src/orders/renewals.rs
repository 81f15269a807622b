//! The automatic renewals: every product due is billed once per period, with the
//! payment mode in force when the scheduler runs.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};

use super::{Acting, Conditions, OrderError, Request, place::write, quote};
use crate::db::models::products;
use crate::db::{DbConn, write_tx};

/// What a run of the automatic renewals did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RenewalRun {
    pub renewed: usize,
    pub failed: usize,
}

/// How many due products one query fetches.
pub(super) const BATCH: i64 = 100;

/// Bills every automatic renewal due on `today` or before, each in its own transaction,
/// with the payment mode in force now. A product overdue by several years is renewed
/// once per missed year. The oldest period due is billed first, whichever product it is
/// (products due the same day in the order of their identifiers): the order shows only
/// when one renewal leaves no room for another, a partner's income at its limit. A
/// product that cannot be renewed is not tried again in the run. Running it again (or
/// on two instances at once) bills nothing twice.
pub fn renew_due(
    conn: &mut DbConn,
    today: NaiveDate,
    at: NaiveDateTime,
    conditions: impl Into<Conditions>,
) -> anyhow::Result<RenewalRun> {
    let conditions = conditions.into();
    let mut run = RenewalRun::default();
    let mut failed: Vec<String> = Vec::new();
    loop {
        // Those that failed are fetched again, to be passed over.
        let limit = BATCH + failed.len() as i64;
        let batch = products::due(conn, today, limit)?;
        // With a full batch, products past its last one are not known yet: a period
        // renewed into their place waits for the next batch.
        let bound = (batch.len() as i64 == limit)
            .then(|| batch.last().cloned())
            .flatten();
        let mut queue: BTreeSet<(NaiveDate, String)> = batch
            .into_iter()
            .filter(|(_, id)| !failed.contains(id))
            .collect();
        if queue.is_empty() {
            return Ok(run);
        }
        while let Some(next) = queue.pop_first() {
            if bound.as_ref().is_some_and(|bound| next > *bound) {
                break;
            }
            let (_, id) = next;
            match renew_one(conn, &id, today, at, conditions) {
                Ok(renews_on) => {
                    run.renewed += 1;
                    if renews_on <= today {
                        queue.insert((renews_on, id));
                    }
                }
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

/// Renews one period of the product; returns its new renewal date.
fn renew_one(
    conn: &mut DbConn,
    product_id: &str,
    today: NaiveDate,
    at: NaiveDateTime,
    conditions: Conditions,
) -> Result<NaiveDate, OrderError> {
    write_tx(conn, |conn| {
        let quote = quote(
            conn,
            Acting::Scheduler,
            Request::Renewal { product_id },
            today,
            conditions,
        )?;
        let renews_on = quote.period_end;
        write(conn, Acting::Scheduler, quote, at)?;
        Ok(renews_on)
    })
}
