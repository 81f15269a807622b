//! Payments read from the bank, matched to an invoice or not, each kept once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{bank_payments, invoices};
use crate::domain::Currency;

/// A payment as kept.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bank_payments)]
pub struct BankPayment {
    pub id: String,
    pub bank_ref: String,
    pub reference: Option<String>,
    pub invoice_id: Option<String>,
    pub currency: String,
    pub amount: i64,
    pub booked_on: NaiveDate,
    pub debtor: Option<String>,
    pub outcome: String,
    pub file_name: String,
    pub imported_at: NaiveDateTime,
}

/// An invoice as a payment finds it.
#[derive(Debug, Clone, Queryable)]
pub struct Payable {
    pub id: String,
    pub currency: Currency,
    pub total: i64,
    pub paid_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
}

/// The invoice numbered `number`, locked until the end of the transaction on PostgreSQL
/// (SQLite's write transaction holds the whole database): payments to one invoice are
/// added up one after the other.
pub fn payable(conn: &mut DbConn, number: &str) -> QueryResult<Option<Payable>> {
    let query = invoices::table.filter(invoices::number.eq(number)).select((
        invoices::id,
        invoices::currency,
        invoices::total,
        invoices::paid_at,
        invoices::cancelled_at,
    ));
    match conn {
        DbConn::Pg(pg) => query.for_update().first(pg).optional(),
        DbConn::Sqlite(lite) => query.first(lite).optional(),
    }
}

/// The currency and amount of the payment kept under `bank_ref`, if one is.
pub fn known(conn: &mut DbConn, bank_ref: &str) -> QueryResult<Option<(String, i64)>> {
    bank_payments::table
        .filter(bank_payments::bank_ref.eq(bank_ref))
        .select((bank_payments::currency, bank_payments::amount))
        .first(conn)
        .optional()
}

/// What was paid to the invoice so far (payments in its currency).
pub fn paid_to(conn: &mut DbConn, invoice_id: &str) -> QueryResult<i64> {
    let amounts: Vec<i64> = bank_payments::table
        .filter(bank_payments::invoice_id.eq(invoice_id))
        .filter(bank_payments::outcome.ne("currency"))
        .select(bank_payments::amount)
        .load(conn)?;
    Ok(amounts.into_iter().fold(0i64, i64::saturating_add))
}

/// Keeps `payment`: `false` when its bank reference is kept already (another import).
pub fn insert(conn: &mut DbConn, payment: &BankPayment) -> QueryResult<bool> {
    natively!(conn, c => diesel::insert_into(bank_payments::table)
        .values(payment)
        .on_conflict_do_nothing()
        .execute(c)
        .map(|n| n == 1))
}

/// The invoice's earlier partial payments are part of its settlement now.
pub fn settle_partials(conn: &mut DbConn, invoice_id: &str) -> QueryResult<()> {
    diesel::update(
        bank_payments::table
            .filter(bank_payments::invoice_id.eq(invoice_id))
            .filter(bank_payments::outcome.eq("partial")),
    )
    .set(bank_payments::outcome.eq("settled"))
    .execute(conn)
    .map(drop)
}

/// The payments that settled nothing (partial, over, other currency, unknown), oldest
/// first, with the number of the invoice each names, if any.
pub fn unmatched(conn: &mut DbConn) -> QueryResult<Vec<(BankPayment, Option<String>)>> {
    bank_payments::table
        .left_join(invoices::table)
        .filter(bank_payments::outcome.ne("settled"))
        .order((bank_payments::imported_at, bank_payments::bank_ref))
        .select((BankPayment::as_select(), invoices::number.nullable()))
        .load(conn)
}
