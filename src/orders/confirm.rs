//! A member's order or renewal: reviewed, then confirmed once. The review issues a
//! single-use intent that names exactly what is confirmed (the product or offer, the
//! period, the payer, the prices, the partner's income); the confirmation carries only
//! the intent's id and consumes it in the transaction that places the order. Sent again,
//! replayed later or many times at once, it charges once and answers with the first
//! result. If the terms changed since the review, nothing is placed and the new terms
//! are reviewed again.

use chrono::{NaiveDateTime, TimeDelta};

use super::{Acting, Conditions, OrderError, Placed, Quote, Request, place::write, quote};
use crate::db::models::intents::{self, Intent};
use crate::db::{DbConn, write_tx};
use crate::domain::OrderKind;

/// A review can be confirmed this long after it was shown.
pub const INTENT_VALID_MINUTES: i64 = 60;
/// A confirmed review is kept this long after it expired, so that a replay is answered
/// with the order it made (afterwards it is refused as expired: still nothing charged).
pub const INTENT_KEPT_DAYS: i64 = 30;

/// A quote as the member reviews it, and the intent its confirmation must carry.
#[derive(Debug, Clone)]
pub struct Review {
    pub quote: Quote,
    pub intent_id: String,
    /// The same order, placed by the same member a few minutes ago (a back button and a
    /// second confirmation would repeat it): the review says so.
    pub recently_placed: Option<Placed>,
}

/// How far back a review looks for the same order placed already.
pub const RECENT_MINUTES: i64 = 30;

/// What a confirmation did.
#[derive(Debug, Clone)]
pub enum Confirmation {
    /// The order was placed now.
    Placed(Placed),
    /// The intent was consumed before (a double click, a replay): nothing was charged
    /// again; this is the order the first confirmation placed.
    AlreadyPlaced(Placed),
    /// The terms changed since the review: nothing was placed; here are the new terms,
    /// under a new intent.
    Changed(Box<Review>),
}

/// Works out what `request` by the member `acting` would do now and issues the intent
/// to confirm it.
pub fn review(
    conn: &mut DbConn,
    acting: Acting<'_>,
    request: Request<'_>,
    at: NaiveDateTime,
    conditions: impl Into<Conditions>,
) -> Result<Review, OrderError> {
    let conditions = conditions.into();
    let Acting::Member {
        org_id, user_id, ..
    } = acting
    else {
        return Err(OrderError::NotFound);
    };
    write_tx(conn, |conn| {
        let quote = quote(conn, acting, request, at.date(), conditions)?;
        // An invoice is addressed: the payer says to whom before anything is ordered.
        if crate::db::models::billing_details::of_org(conn, &quote.payer_org_id)?.is_none() {
            return Err(OrderError::NoBillingDetails {
                payer: quote.payer_name.clone(),
                ours: quote.payer_org_id == org_id,
            });
        }
        issue(conn, org_id, user_id, quote, at)
    })
}

fn issue(
    conn: &mut DbConn,
    org_id: &str,
    user_id: &str,
    quote: Quote,
    at: NaiveDateTime,
) -> Result<Review, OrderError> {
    let intent = Intent {
        id: crate::auth::tokens::new(32),
        org_id: org_id.to_owned(),
        user_id: user_id.to_owned(),
        kind: quote.kind,
        customer_org_id: quote.customer_org_id.clone(),
        offer_code: quote.offer_code.clone(),
        product_id: quote.product_id.clone(),
        partnership_id: quote.managed_by.as_ref().map(|m| m.partnership_id.clone()),
        payer_org_id: quote.payer_org_id.clone(),
        currency: quote.currency,
        public_price: quote.charge.public_price,
        discount: quote.charge.discount,
        total: quote.totals.total,
        income_kind: quote.charge.income.map(|(kind, _)| kind),
        income_amount: quote.charge.income.map(|(_, amount)| amount),
        period_start: quote.period_start,
        period_end: quote.period_end,
        created_at: at,
        expires_at: at + TimeDelta::minutes(INTENT_VALID_MINUTES),
        order_id: None,
        label: quote.label.clone(),
    };
    let recent = intents::recently_placed(conn, &intent, at - TimeDelta::minutes(RECENT_MINUTES))?;
    let recently_placed = match recent {
        Some(order_id) => Some(outcome(conn, &order_id)?),
        None => None,
    };
    intents::insert(conn, &intent)?;
    Ok(Review {
        quote,
        intent_id: intent.id,
        recently_placed,
    })
}

/// Whether `quote` charges exactly what the intent named.
fn same_terms(intent: &Intent, quote: &Quote) -> bool {
    intent.customer_org_id == quote.customer_org_id
        && intent.offer_code == quote.offer_code
        && intent.product_id == quote.product_id
        && intent.partnership_id.as_deref()
            == quote.managed_by.as_ref().map(|m| m.partnership_id.as_str())
        && intent.payer_org_id == quote.payer_org_id
        && intent.currency == quote.currency
        && intent.public_price == quote.charge.public_price
        && intent.discount == quote.charge.discount
        && intent.total == quote.totals.total
        && intent.income_kind == quote.charge.income.map(|(kind, _)| kind)
        && intent.income_amount == quote.charge.income.map(|(_, amount)| amount)
        && intent.period_start == quote.period_start
        && intent.period_end == quote.period_end
}

/// The request an intent was issued for.
fn request_of(intent: &Intent) -> Request<'_> {
    match &intent.product_id {
        Some(product_id) => Request::Renewal { product_id },
        None => Request::New {
            customer_org_id: &intent.customer_org_id,
            offer_code: &intent.offer_code,
            // A customer's own order names its manager; a partner's is managed by it.
            managed_by: (intent.org_id == intent.customer_org_id)
                .then_some(intent.partnership_id.as_deref())
                .flatten(),
            label: &intent.label,
        },
    }
}

/// Confirms the intent `intent_id` that the member `acting` was shown. `product_id`
/// is the product a renewal's form is about (`None` for a new order): an intent for
/// anything else is not found.
pub fn confirm(
    conn: &mut DbConn,
    acting: Acting<'_>,
    intent_id: &str,
    product_id: Option<&str>,
    at: NaiveDateTime,
    conditions: impl Into<Conditions>,
) -> Result<Confirmation, OrderError> {
    let conditions = conditions.into();
    let Acting::Member {
        org_id, user_id, ..
    } = acting
    else {
        return Err(OrderError::NotFound);
    };
    write_tx(conn, |conn| {
        let intent = intents::lock(conn, intent_id, org_id, user_id)?
            .filter(|i| i.product_id.as_deref() == product_id)
            .ok_or(OrderError::NotFound)?;
        if let Some(order_id) = &intent.order_id {
            return Ok(Confirmation::AlreadyPlaced(outcome(conn, order_id)?));
        }
        if intent.expires_at <= at {
            return Err(OrderError::Expired);
        }
        let quote = quote(conn, acting, request_of(&intent), at.date(), conditions)?;
        if intent.kind == OrderKind::Renewal && quote.period_start > intent.period_start {
            // The period reviewed was billed meanwhile, by someone else or the scheduler.
            return Err(OrderError::AlreadyBilled);
        }
        if !same_terms(&intent, &quote) {
            // The member was told nothing was ordered: this intent places nothing, ever.
            intents::expire(conn, &intent.id, at)?;
            return issue(conn, org_id, user_id, quote, at)
                .map(|review| Confirmation::Changed(Box::new(review)));
        }
        let placed = write(conn, acting, quote, at)?;
        if !intents::consume(conn, &intent.id, &placed.order_id)? {
            // The lock makes this impossible; never place twice if it happens anyway.
            return Err(OrderError::Storage(anyhow::anyhow!(
                "intent {intent_id} was consumed by another confirmation"
            )));
        }
        Ok(Confirmation::Placed(placed))
    })
}

fn outcome(conn: &mut DbConn, order_id: &str) -> Result<Placed, OrderError> {
    let o = intents::outcome(conn, order_id)?;
    Ok(Placed {
        order_id: o.order_id,
        product_id: o.product_id,
        invoice_id: o.invoice_id,
        invoice_number: o.invoice_number,
        kind: o.kind,
        placer: o.placer,
        product_name: o.product_name,
        customer_name: o.customer_name,
        payer_org_id: o.payer_org_id,
        payer_name: o.payer_name,
        period_end: o.period_end,
    })
}
