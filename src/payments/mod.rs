//! Payments from the bank: `partnerdesk payments import FILE` reads a camt.054
//! notification or a camt.053 statement and marks paid the invoices its credits settle,
//! found by their creditor reference ([`reference`]).
//!
//! Every credit is kept, matched or not ([`bank_payments`](crate::db::models::bank_payments)):
//! one that pays less than is due, more, an invoice paid already, or names no invoice of
//! ours, is listed as unmatched for a person to look at. A credit is kept once, by the
//! bank's reference of it: importing the same file again, or the statement after the
//! notification, changes nothing. A file is read whole before anything is written, and
//! written in one transaction: a malformed one changes nothing.

pub mod camt;
pub mod reference;
pub mod slip;

use chrono::NaiveDateTime;

use crate::db::models::bank_payments::{self as rows, BankPayment};
use crate::db::models::orders::record_payment;
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::decimal;

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// `camt.054` or `camt.053`.
    pub kind: &'static str,
    /// Credits that paid their invoice in full (with earlier partial ones, if any).
    pub settled: usize,
    pub partial: usize,
    pub over: usize,
    /// Credits in another currency than their invoice's.
    pub currency: usize,
    pub unknown: usize,
    /// Credits kept by an earlier import.
    pub known: usize,
    /// Debits and entries not booked yet.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a message this reads: nothing was written.
    #[error("{0}")]
    Malformed(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Imports the message `xml` (from the file `file_name`) at `at`.
pub fn import(
    conn: &mut DbConn,
    xml: &str,
    file_name: &str,
    at: NaiveDateTime,
) -> Result<Report, ImportError> {
    let message = camt::read(xml).map_err(ImportError::Malformed)?;
    let mut report = Report {
        kind: message.kind,
        skipped: message.skipped,
        ..Report::default()
    };
    let written = write_tx(conn, |conn| {
        for credit in &message.credits {
            if let Some((currency, amount)) = rows::known(conn, &credit.bank_ref)? {
                // The same reference of the bank's for another credit: never dropped.
                if (currency.as_str(), amount) != (credit.currency_code.as_str(), credit.amount) {
                    return Err(ImportError::Malformed(format!(
                        "the bank's reference {:?} was imported before for {currency} {}, and this file gives it to {} {}",
                        credit.bank_ref,
                        decimal(amount),
                        credit.currency_code,
                        decimal(credit.amount),
                    )));
                }
                report.known += 1;
                continue;
            }
            let (invoice, outcome) = apply(conn, credit, at)?;
            let kept = rows::insert(
                conn,
                &BankPayment {
                    id: new_id(),
                    bank_ref: credit.bank_ref.clone(),
                    reference: credit.reference.clone(),
                    invoice_id: invoice,
                    currency: credit.currency_code.clone(),
                    amount: credit.amount,
                    booked_on: credit.booked_on,
                    debtor: credit.debtor.clone(),
                    outcome: outcome.into(),
                    file_name: file_name.chars().take(255).collect(),
                    imported_at: at,
                },
            )?;
            if !kept {
                // The same file imported at this very moment: it counts there.
                return Err(ImportError::Db(diesel::result::Error::RollbackTransaction));
            }
            match outcome {
                "settled" => report.settled += 1,
                "partial" => report.partial += 1,
                "over" => report.over += 1,
                "currency" => report.currency += 1,
                _ => report.unknown += 1,
            }
        }
        Ok(())
    });
    match written {
        Ok(()) => Ok(report),
        // Lost the race for the same credits: what the other import kept counts there.
        Err(ImportError::Db(diesel::result::Error::RollbackTransaction)) => {
            import(conn, xml, file_name, at)
        }
        Err(other) => Err(other),
    }
}

/// What `credit` does to the invoice its reference names: the invoice's id, if any, and
/// the outcome. Marks the invoice paid when the payments to it reach its total.
fn apply(
    conn: &mut DbConn,
    credit: &camt::Credit,
    at: NaiveDateTime,
) -> Result<(Option<String>, &'static str), ImportError> {
    let number = credit
        .reference
        .as_deref()
        .and_then(reference::invoice_number);
    let invoice = match number {
        Some(number) => rows::payable(conn, &number)?,
        None => None,
    };
    let Some(invoice) = invoice else {
        return Ok((None, "unknown"));
    };
    if credit.currency() != Some(invoice.currency) {
        return Ok((Some(invoice.id), "currency"));
    }
    // Nothing is due on an invoice paid already, or cancelled by a credit note.
    if invoice.paid_at.is_some() || invoice.cancelled_at.is_some() {
        return Ok((Some(invoice.id), "over"));
    }
    let paid = rows::paid_to(conn, &invoice.id)?.saturating_add(credit.amount);
    if paid < invoice.total {
        return Ok((Some(invoice.id), "partial"));
    }
    // Paid on the day the bank booked it.
    let paid_at = credit.booked_on.and_hms_opt(0, 0, 0).unwrap_or(at);
    record_payment(conn, &invoice.id, paid_at)?;
    rows::settle_partials(conn, &invoice.id)?;
    Ok((
        Some(invoice.id),
        if paid == invoice.total {
            "settled"
        } else {
            "over"
        },
    ))
}
