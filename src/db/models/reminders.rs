//! The reminders of overdue invoices: which unpaid invoices are past a step, and the row
//! that records a step as sent.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{invoice_reminders, invoices};

/// An unpaid invoice due on or before some day, and the steps sent for it so far.
#[derive(Debug, Clone)]
pub struct Unpaid {
    pub id: String,
    pub payer_org_id: String,
    pub number: String,
    pub currency: crate::domain::Currency,
    pub total: i64,
    pub due_on: NaiveDate,
    /// The reference a payment of it carries, as issued.
    pub payment_reference: Option<String>,
    /// The steps (days after the due date) already sent, highest first.
    pub sent: Vec<i32>,
}

impl Unpaid {
    /// The reference a payment of it carries.
    pub fn reference(&self) -> crate::payments::reference::Reference {
        crate::payments::reference::Reference::kept(self.payment_reference.as_deref(), &self.number)
    }
}

/// Up to `limit` unpaid invoices due on or before `due_by`, after `after` (by id), with
/// the steps sent for each.
pub fn unpaid_due_by(
    conn: &mut DbConn,
    due_by: NaiveDate,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Unpaid>> {
    type Row = (
        String,
        String,
        String,
        crate::domain::Currency,
        i64,
        NaiveDate,
        Option<String>,
    );
    let rows: Vec<Row> = invoices::table
        .filter(invoices::paid_at.is_null())
        .filter(invoices::cancelled_at.is_null())
        .filter(invoices::due_on.le(due_by))
        .filter(invoices::id.gt(after))
        .order(invoices::id)
        .limit(limit)
        .select((
            invoices::id,
            invoices::payer_org_id,
            invoices::number,
            invoices::currency,
            invoices::total,
            invoices::due_on,
            invoices::payment_reference,
        ))
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let sent: Vec<(String, i32)> = invoice_reminders::table
        .filter(invoice_reminders::invoice_id.eq_any(&ids))
        .order(invoice_reminders::step_days.desc())
        .select((invoice_reminders::invoice_id, invoice_reminders::step_days))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, payer_org_id, number, currency, total, due_on, payment_reference)| Unpaid {
                sent: sent
                    .iter()
                    .filter(|(invoice, _)| *invoice == id)
                    .map(|(_, step)| *step)
                    .collect(),
                id,
                payer_org_id,
                number,
                currency,
                total,
                due_on,
                payment_reference,
            },
        )
        .collect())
}

/// Records step `step_days` of the invoice as sent at `at`: `false` when it was already
/// (another run sent it).
pub fn claim(
    conn: &mut DbConn,
    invoice_id: &str,
    step_days: i32,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        invoice_reminders::invoice_id.eq(invoice_id),
        invoice_reminders::step_days.eq(step_days),
        invoice_reminders::sent_at.eq(at),
    );
    natively!(conn, c => diesel::insert_into(invoice_reminders::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)
        .map(|n| n == 1))
}

/// Whether the invoice is still unpaid (read inside the transaction that sends).
pub fn is_unpaid(conn: &mut DbConn, invoice_id: &str) -> QueryResult<bool> {
    invoices::table
        .find(invoice_id)
        .filter(invoices::paid_at.is_null())
        .filter(invoices::cancelled_at.is_null())
        .count()
        .get_result::<i64>(conn)
        .map(|n| n == 1)
}
