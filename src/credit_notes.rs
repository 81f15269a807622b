//! Cancelling a mistaken invoice: never edited, it is cancelled in full by a credit note
//! that references it, numbered in a series of its own (`CN-2026-000001`, per year,
//! without gap however many are issued at once), with its own PDF. A paid invoice is
//! not cancelled here, nor one partly paid (its money is to be refunded first), and an
//! invoice is cancelled once: asking again answers with the credit note that did.

use chrono::{Datelike, NaiveDateTime};

use crate::db::models::credit_notes::{self as rows, CreditNote};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::refuse_hidden_characters;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no invoice is numbered {0}")]
    NotFound(String),
    #[error("invoice {0} is paid: refund it before cancelling it")]
    Paid(String),
    #[error(
        "invoice {invoice} is partly paid ({received} received): refund it before cancelling it"
    )]
    PartlyPaid { invoice: String, received: String },
    #[error("invoice {invoice} was cancelled already, by credit note {note}")]
    AlreadyCancelled { invoice: String, note: String },
    #[error("the reason is {0}")]
    Reason(&'static str),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// What a reason may be: told on the credit note, on one line.
fn check_reason(reason: &str) -> Result<&str, CancelError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CancelError::Reason(
            "missing: say why the invoice is cancelled",
        ));
    }
    if reason.chars().count() > 300 {
        return Err(CancelError::Reason("longer than 300 characters"));
    }
    if reason.chars().any(char::is_control) {
        return Err(CancelError::Reason("on more than one line"));
    }
    refuse_hidden_characters(reason)
        .map_err(|_| CancelError::Reason("written with characters that cannot be printed"))?;
    Ok(reason)
}

/// Cancels the invoice numbered `invoice_number` by a new credit note issued at `at`.
pub fn cancel(
    conn: &mut DbConn,
    invoice_number: &str,
    reason: &str,
    at: NaiveDateTime,
) -> Result<CreditNote, CancelError> {
    let reason = check_reason(reason)?;
    let invoice_number = invoice_number.trim();
    write_tx(conn, |conn| {
        let (invoice_id, paid, note) = rows::invoice_by_number(conn, invoice_number)?
            .ok_or_else(|| CancelError::NotFound(invoice_number.to_owned()))?;
        let refused = |paid: bool, note: Option<CreditNote>| match note {
            Some(note) => CancelError::AlreadyCancelled {
                invoice: invoice_number.to_owned(),
                note: note.number,
            },
            None if paid => CancelError::Paid(invoice_number.to_owned()),
            None => CancelError::NotFound(invoice_number.to_owned()),
        };
        if paid || note.is_some() {
            return Err(refused(paid, note));
        }
        // Paid or cancelled by another transaction meanwhile: read again what it did.
        if !rows::mark_cancelled(conn, &invoice_id, at)? {
            let (_, paid, note) = rows::invoice_by_number(conn, invoice_number)?
                .ok_or_else(|| CancelError::NotFound(invoice_number.to_owned()))?;
            return Err(refused(paid, note));
        }
        // Money received for it is to be refunded or completed first (the invoice's row
        // is locked now: a payment being imported waits, then finds it cancelled).
        let received = crate::db::models::bank_payments::paid_to(conn, &invoice_id)?;
        if received > 0 {
            return Err(CancelError::PartlyPaid {
                invoice: invoice_number.to_owned(),
                received: crate::domain::decimal(received),
            });
        }
        let year = at.year();
        let sequence = rows::next_sequence(conn, year)?;
        let note = CreditNote {
            id: new_id(),
            number: rows::number(year, sequence),
            year,
            sequence,
            invoice_id,
            issued_at: at,
            reason: reason.to_owned(),
        };
        rows::insert(conn, &note)?;
        Ok(note)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_one_plain_line_of_some_length() {
        assert_eq!(check_reason("  Ordered twice ").unwrap(), "Ordered twice");
        for wrong in [
            "",
            "   ",
            "two\nlines",
            "tab\there",
            &"x".repeat(301),
            "a\u{202e}b",
        ] {
            assert!(check_reason(wrong).is_err(), "{wrong:?}");
        }
        assert_eq!(rows::number(2026, 7), "CN-2026-000007");
    }
}
