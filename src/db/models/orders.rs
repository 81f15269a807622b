//! What an order writes: the order, its invoice with lines, and the partner's income.
//! The caller runs them all in one transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    income_entries, income_totals, invoice_counters, invoice_lines, invoices, orders,
};
use crate::domain::{Currency, IncomeKind, OrderKind, Placer};
use diesel::upsert::excluded;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = orders)]
pub struct NewOrder<'a> {
    pub id: &'a str,
    pub customer_org_id: &'a str,
    pub product_id: &'a str,
    pub kind: OrderKind,
    pub placed_by: Placer,
    pub placed_by_user_id: Option<&'a str>,
    pub partnership_id: Option<&'a str>,
    pub payer_org_id: &'a str,
    pub currency: Currency,
    pub public_price: i64,
    pub discount: i64,
    pub price: i64,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = invoices)]
pub struct NewInvoice<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub year: i32,
    pub sequence: i32,
    pub payer_org_id: &'a str,
    pub payer_name: &'a str,
    pub order_id: &'a str,
    pub currency: Currency,
    pub issued_at: NaiveDateTime,
    pub due_on: NaiveDate,
    pub subtotal: i64,
    pub vat_rate_bp: i32,
    pub vat: i64,
    pub total: i64,
    /// The payer's address as printed when issued (lines), and its VAT number.
    pub buyer_address: Option<String>,
    pub buyer_vat_number: Option<String>,
    /// The reference a payment of it carries.
    pub payment_reference: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = invoice_lines)]
pub struct NewLine<'a> {
    pub id: String,
    pub invoice_id: &'a str,
    pub position: i32,
    pub description: String,
    pub amount: i64,
    /// The line as a message (JSON of a [`crate::i18n::Text`]), worded for each reader.
    pub words: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = income_entries)]
pub struct NewIncome<'a> {
    pub id: &'a str,
    pub partner_org_id: &'a str,
    pub customer_org_id: &'a str,
    pub order_id: &'a str,
    pub kind: IncomeKind,
    pub currency: Currency,
    pub amount: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_order(conn: &mut DbConn, order: &NewOrder<'_>) -> QueryResult<()> {
    diesel::insert_into(orders::table)
        .values(order)
        .execute(conn)
        .map(drop)
}

/// Takes the next invoice number of `year` (`next_in_series`).
pub fn next_invoice_sequence(conn: &mut DbConn, year: i32) -> QueryResult<i32> {
    next_in_series!(conn, invoice_counters, year)
}

pub fn insert_invoice(
    conn: &mut DbConn,
    invoice: &NewInvoice<'_>,
    lines: &[NewLine<'_>],
) -> QueryResult<()> {
    diesel::insert_into(invoices::table)
        .values(invoice)
        .execute(conn)?;
    for line in lines {
        diesel::insert_into(invoice_lines::table)
            .values(line)
            .execute(conn)?;
    }
    Ok(())
}

/// All a partner has earned in `currency`, every client and kind together.
pub fn income_sum(conn: &mut DbConn, partner_org_id: &str, currency: Currency) -> QueryResult<i64> {
    // Kept within an i64 by the caller, so the sum neither overflows (SQLite) nor
    // needs a wider type than BIGINT (PostgreSQL's SUM is NUMERIC).
    income_totals::table
        .filter(income_totals::partner_org_id.eq(partner_org_id))
        .filter(income_totals::currency.eq(currency))
        .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "CAST(COALESCE(SUM(amount), 0) AS BIGINT)",
        ))
        .first(conn)
}

/// Records an income entry and adds it to the partner's totals for that client.
pub fn insert_income(conn: &mut DbConn, income: &NewIncome<'_>) -> QueryResult<()> {
    diesel::insert_into(income_entries::table)
        .values(income)
        .execute(conn)?;
    let add = diesel::insert_into(income_totals::table)
        .values((
            income_totals::partner_org_id.eq(income.partner_org_id),
            income_totals::customer_org_id.eq(income.customer_org_id),
            income_totals::currency.eq(income.currency),
            income_totals::kind.eq(income.kind),
            income_totals::amount.eq(income.amount),
        ))
        .on_conflict((
            income_totals::partner_org_id,
            income_totals::customer_org_id,
            income_totals::currency,
            income_totals::kind,
        ))
        .do_update()
        .set(income_totals::amount.eq(income_totals::amount + excluded(income_totals::amount)));
    match conn {
        DbConn::Pg(pg) => add.execute(pg),
        DbConn::Sqlite(lite) => add.execute(lite),
    }
    .map(drop)
}

/// Records that an invoice was paid: with its cancellation, the only change an issued
/// invoice accepts, once.
pub fn record_payment(conn: &mut DbConn, invoice_id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        invoices::table
            .find(invoice_id)
            .filter(invoices::paid_at.is_null())
            .filter(invoices::cancelled_at.is_null()),
    )
    .set(invoices::paid_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}
