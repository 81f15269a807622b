//! Writing an order: the product or its next period, the order, its invoice numbered
//! without gaps, and the partner's income, in one transaction.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{Acting, Conditions, OrderError, Placed, Quote, Request, quote};
use crate::db::models::orders::{self as rows, NewIncome, NewInvoice, NewLine, NewOrder};
use crate::db::models::products::{self, Product};
use crate::db::{DbConn, new_id, write_tx};
use crate::payments::reference::Reference;

/// Places an order with the terms in force at `at`, without a review: for the demo and
/// benchmark data, and the tests. Members go through [`review`](super::review) and
/// [`confirm`](super::confirm).
pub fn place(
    conn: &mut DbConn,
    acting: Acting<'_>,
    request: Request<'_>,
    at: NaiveDateTime,
    conditions: impl Into<Conditions>,
) -> Result<Placed, OrderError> {
    let conditions = conditions.into();
    write_tx(conn, |conn| {
        let quote = quote(conn, acting, request, at.date(), conditions)?;
        write(conn, acting, quote, at)
    })
}

/// Writes what `quote` says, all in the caller's transaction: the product (or its next
/// period), the order, the invoice and its lines, the partner's income.
pub(super) fn write(
    conn: &mut DbConn,
    acting: Acting<'_>,
    quote: Quote,
    at: NaiveDateTime,
) -> Result<Placed, OrderError> {
    let product_id = match &quote.product_id {
        Some(id) => {
            if !products::advance_renewal(conn, id, quote.period_start, quote.period_end)? {
                return Err(OrderError::AlreadyBilled);
            }
            id.clone()
        }
        None => {
            let product = Product {
                id: new_id(),
                customer_org_id: quote.customer_org_id.clone(),
                offer_code: quote.offer_code.clone(),
                partnership_id: quote.managed_by.as_ref().map(|m| m.partnership_id.clone()),
                renews_on: quote.period_end,
                auto_renew: 1,
                created_at: at,
                label: quote.label.clone(),
            };
            products::insert(conn, &product)?;
            product.id
        }
    };
    let order_id = new_id();
    let user_id = match acting {
        Acting::Member { user_id, .. } => Some(user_id),
        Acting::Scheduler => None,
    };
    let order = NewOrder {
        id: &order_id,
        customer_org_id: &quote.customer_org_id,
        product_id: &product_id,
        kind: quote.kind,
        placed_by: quote.placer,
        placed_by_user_id: user_id,
        partnership_id: quote.managed_by.as_ref().map(|m| m.partnership_id.as_str()),
        payer_org_id: &quote.payer_org_id,
        currency: quote.currency,
        public_price: quote.charge.public_price,
        discount: quote.charge.discount,
        price: quote.charge.price,
        period_start: quote.period_start,
        period_end: quote.period_end,
        created_at: at,
    };
    rows::insert_order(conn, &order).map_err(|e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            OrderError::AlreadyBilled
        }
        other => other.into(),
    })?;

    let year = chrono::Datelike::year(&at.date());
    let sequence = rows::next_invoice_sequence(conn, year)?;
    let invoice_id = new_id();
    let invoice_number = format!("{year}-{sequence:06}");
    let lines: Vec<NewLine<'_>> = quote
        .lines
        .iter()
        .enumerate()
        .map(|(i, (description, amount))| NewLine {
            id: new_id(),
            invoice_id: &invoice_id,
            position: i32::try_from(i).unwrap_or(i32::MAX) + 1,
            // Written once, in the orderer's language: an issued invoice does not change.
            description: description.render(acting.locale()),
            amount: *amount,
            words: serde_json::to_string(description).ok(),
        })
        .collect();
    // Addressed as the payer's details read now: the invoice keeps them.
    let buyer = crate::db::models::billing_details::of_org(conn, &quote.payer_org_id)?;
    let invoice = NewInvoice {
        id: &invoice_id,
        number: &invoice_number,
        year,
        sequence,
        payer_org_id: &quote.payer_org_id,
        payer_name: &quote.payer_name,
        order_id: &order_id,
        currency: quote.currency,
        issued_at: at,
        due_on: at.date() + TimeDelta::days(quote.payment_days),
        subtotal: quote.totals.subtotal,
        vat_rate_bp: quote.totals.vat_rate_bp,
        vat: quote.totals.vat,
        total: quote.totals.total,
        buyer_address: buyer.as_ref().map(|b| b.postal().stored()),
        buyer_vat_number: buyer.and_then(|b| b.vat_number),
        payment_reference: Reference::of_invoice(&invoice_number, quote.qr_reference)
            .value()
            .to_owned(),
    };
    rows::insert_invoice(conn, &invoice, &lines)?;

    if let (Some((kind, amount)), Some(manager)) = (quote.charge.income, &quote.managed_by) {
        rows::insert_income(
            conn,
            &NewIncome {
                id: &new_id(),
                partner_org_id: &manager.partner_org_id,
                customer_org_id: &quote.customer_org_id,
                order_id: &order_id,
                kind,
                currency: quote.currency,
                amount,
                created_at: at,
            },
        )?;
    }
    Ok(Placed {
        order_id,
        product_id,
        invoice_id,
        invoice_number,
        kind: quote.kind,
        placer: quote.placer,
        product_name: quote.product_name,
        customer_name: quote.customer_name,
        payer_org_id: quote.payer_org_id,
        payer_name: quote.payer_name,
        period_end: quote.period_end,
    })
}
