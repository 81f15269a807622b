//! Credit notes: each cancels one invoice, in full, numbered per year in a series of
//! its own without gap (`CN-2026-000001`), and never changes once issued.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{credit_note_counters, credit_notes, invoices};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credit_notes)]
pub struct CreditNote {
    pub id: String,
    pub number: String,
    pub year: i32,
    pub sequence: i32,
    pub invoice_id: String,
    pub issued_at: NaiveDateTime,
    pub reason: String,
}

/// The number of the `sequence`th credit note of `year`.
pub fn number(year: i32, sequence: i32) -> String {
    format!("CN-{year}-{sequence:06}")
}

/// Takes the next credit note number of `year` (`next_in_series`).
pub fn next_sequence(conn: &mut DbConn, year: i32) -> QueryResult<i32> {
    next_in_series!(conn, credit_note_counters, year)
}

pub fn insert(conn: &mut DbConn, note: &CreditNote) -> QueryResult<()> {
    diesel::insert_into(credit_notes::table)
        .values(note)
        .execute(conn)
        .map(drop)
}

/// Marks the invoice cancelled at `at`, if it is neither paid nor cancelled yet.
pub fn mark_cancelled(conn: &mut DbConn, invoice_id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        invoices::table
            .find(invoice_id)
            .filter(invoices::paid_at.is_null())
            .filter(invoices::cancelled_at.is_null()),
    )
    .set(invoices::cancelled_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The credit note that cancelled an invoice of the payer's, if one did.
pub fn of_invoice(
    conn: &mut DbConn,
    payer_org_id: &str,
    invoice_id: &str,
) -> QueryResult<Option<CreditNote>> {
    credit_notes::table
        .inner_join(invoices::table)
        .filter(invoices::payer_org_id.eq(payer_org_id))
        .filter(credit_notes::invoice_id.eq(invoice_id))
        .select(CreditNote::as_select())
        .first(conn)
        .optional()
}

/// The invoice numbered `number`: its id, payer, and whether it is paid; and the credit
/// note that cancelled it, if one did.
pub fn invoice_by_number(
    conn: &mut DbConn,
    number: &str,
) -> QueryResult<Option<(String, bool, Option<CreditNote>)>> {
    let Some((id, paid_at)) = invoices::table
        .filter(invoices::number.eq(number))
        .select((invoices::id, invoices::paid_at))
        .first::<(String, Option<NaiveDateTime>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let note = credit_notes::table
        .filter(credit_notes::invoice_id.eq(&id))
        .select(CreditNote::as_select())
        .first(conn)
        .optional()?;
    Ok(Some((id, paid_at.is_some(), note)))
}
