//! Ordering and renewing. Resolves who acts and under which partnership and applies the
//! billing rules ([`quote`]); a member reviews the quote and confirms it once
//! ([`confirm`]); placing writes the order, its invoice (numbered without gaps) and the
//! partner's income in one transaction, with the payment mode in force at that moment
//! ([`place`]); the scheduler bills the automatic renewals ([`renewals`]).

mod confirm;
mod error;
mod place;
mod renewals;

pub use confirm::{Confirmation, INTENT_KEPT_DAYS, INTENT_VALID_MINUTES, Review, confirm, review};
pub use error::OrderError;
pub use place::place;
pub use renewals::{RenewalRun, renew_due};

use chrono::{Months, NaiveDate};

use crate::billing::{self, Charge, Management, Payer, Refusal, Totals};
use crate::db::DbConn;
use crate::db::models::offers;
use crate::db::models::orders as rows;
use crate::db::models::orgs;
use crate::db::models::partnerships::{self, Side};
use crate::db::models::products::{self, ProductView};
use crate::domain::{Access, Currency, OrderKind, PartnershipStatus, Placer};
use crate::i18n::{Locale, Text};

/// Invoices are due this many days after they are issued, unless configured otherwise.
pub const PAYMENT_TERM_DAYS: i64 = 30;

/// The conditions invoices are issued on: the VAT rate and the payment term. A VAT rate
/// alone (`810.into()`) comes with the default term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conditions {
    pub vat_rate_bp: i32,
    /// Days from issue to the due date.
    pub payment_days: i64,
    /// Whether payments carry a QR reference (the provider's account is a QR-IBAN)
    /// rather than a creditor reference.
    pub qr_reference: bool,
}

impl From<i32> for Conditions {
    fn from(vat_rate_bp: i32) -> Conditions {
        Conditions {
            vat_rate_bp,
            payment_days: PAYMENT_TERM_DAYS,
            qr_reference: false,
        }
    }
}

/// What is ordered: a new product for a customer, or another year of a product.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    New {
        customer_org_id: &'a str,
        offer_code: &'a str,
        /// For a customer's own order: the partnership under which a partner will manage
        /// the product (a partner's order is always managed by that partner).
        managed_by: Option<&'a str>,
        /// The product's own name (see [`crate::domain::parse_label`]); empty: none.
        label: &'a str,
    },
    Renewal {
        product_id: &'a str,
    },
}

/// Who acts: an organization (through one of its members, who reads the invoice's
/// lines in their language), or the scheduler (which writes them in English).
#[derive(Debug, Clone, Copy)]
pub enum Acting<'a> {
    Member {
        org_id: &'a str,
        user_id: &'a str,
        locale: Locale,
    },
    Scheduler,
}

impl Acting<'_> {
    /// The language an order's invoice lines are written in.
    pub fn locale(self) -> Locale {
        match self {
            Acting::Member { locale, .. } => locale,
            Acting::Scheduler => Locale::default(),
        }
    }
}

/// The partnership under which the product is (or will be) managed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedBy {
    pub partnership_id: String,
    pub partner_org_id: String,
    pub partner_name: String,
    /// The partner's rights, and who pays the renewals it places.
    pub access: Access,
}

/// Everything an order will do, computed before it is placed: the confirmation page
/// shows it, and placing recomputes it inside the transaction.
#[derive(Debug, Clone)]
pub struct Quote {
    pub kind: OrderKind,
    pub placer: Placer,
    pub customer_org_id: String,
    pub customer_name: String,
    pub currency: Currency,
    pub offer_code: String,
    /// The product's name as shown (its label with its offer's name).
    pub product_name: String,
    /// A new product's label (empty for a renewal).
    pub label: String,
    pub product_id: Option<String>,
    pub managed_by: Option<ManagedBy>,
    pub charge: Charge,
    pub payer_org_id: String,
    pub payer_name: String,
    /// The invoice's lines, written in the orderer's language when placed.
    pub lines: Vec<(Text, i64)>,
    pub totals: Totals,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Days from issue to the invoice's due date.
    pub payment_days: i64,
    /// Whether a payment of the invoice carries a QR reference.
    pub qr_reference: bool,
}

/// An order that was placed, as its confirmation tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order_id: String,
    pub product_id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub kind: OrderKind,
    pub placer: Placer,
    pub product_name: String,
    pub customer_name: String,
    pub payer_org_id: String,
    pub payer_name: String,
    pub period_end: NaiveDate,
}

fn one_year_after(date: NaiveDate) -> NaiveDate {
    date.checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX)
}

/// The billing view of a product's manager: only an active partnership counts.
fn management(product: &ProductView) -> (Management, Option<ManagedBy>) {
    let managed_by = product.active_manager().map(|m| ManagedBy {
        partnership_id: m.partnership_id.clone(),
        partner_org_id: m.partner_org_id.clone(),
        partner_name: m.partner_name.clone(),
        access: m.access,
    });
    (product.management(), managed_by)
}

/// Works out what `request` by `acting` would do today.
pub fn quote(
    conn: &mut DbConn,
    acting: Acting<'_>,
    request: Request<'_>,
    today: NaiveDate,
    conditions: impl Into<Conditions>,
) -> Result<Quote, OrderError> {
    let conditions = conditions.into();
    let mut quote = terms(conn, acting, request, today, conditions.vat_rate_bp)?;
    quote.payment_days = conditions.payment_days;
    quote.qr_reference = conditions.qr_reference;
    // Every sum of a partner's income shown (a client's, a kind's, the balance) stays
    // within what minor units count: an order whose income would pass it is refused,
    // at the review already.
    if let (Some((_, amount)), Some(manager)) = (quote.charge.income, &quote.managed_by) {
        let earned = rows::income_sum(conn, &manager.partner_org_id, quote.currency)?;
        if earned.checked_add(amount).is_none() {
            return Err(OrderError::Refused(Refusal::TooLarge));
        }
    }
    Ok(quote)
}

fn terms(
    conn: &mut DbConn,
    acting: Acting<'_>,
    request: Request<'_>,
    today: NaiveDate,
    vat_rate_bp: i32,
) -> Result<Quote, OrderError> {
    match request {
        Request::New {
            customer_org_id,
            offer_code,
            managed_by,
            label,
        } => {
            let Acting::Member { org_id, .. } = acting else {
                return Err(OrderError::NotFound);
            };
            let (placer, partnership) = if org_id == customer_org_id {
                let partnership = match managed_by {
                    Some(id) => Some(
                        partnerships::find(conn, Side::Customer, customer_org_id, id)?
                            .filter(|p| p.status == PartnershipStatus::Active)
                            .ok_or(OrderError::UnknownManager)?,
                    ),
                    None => None,
                };
                (Placer::Customer, partnership)
            } else {
                // A partner orders for a client it has an active partnership with.
                let partnership = partnerships::live_between(conn, customer_org_id, org_id)?
                    .filter(|p| p.status == PartnershipStatus::Active)
                    .ok_or(OrderError::NotFound)?;
                (Placer::Partner, Some(partnership))
            };
            let customer = orgs::find(conn, customer_org_id)?.ok_or(OrderError::NotFound)?;
            let offer = offers::find(conn, offer_code)?.ok_or(OrderError::UnknownOffer)?;
            let (management, managed_by) = match &partnership {
                Some(p) => (
                    p.management(),
                    Some(ManagedBy {
                        partnership_id: p.id.clone(),
                        partner_org_id: p.partner_org_id.clone(),
                        partner_name: p.partner_name.clone(),
                        access: p.access,
                    }),
                ),
                None => (Management::Unmanaged, None),
            };
            let charge =
                billing::charge(management, placer, offer.yearly_price(customer.currency))?;
            build(
                Draft {
                    kind: OrderKind::New,
                    placer,
                    customer_org_id: customer.id,
                    customer_name: customer.name,
                    currency: customer.currency,
                    offer_code: offer.code,
                    product_name: crate::domain::product_name(label, &offer.name),
                    label: label.to_owned(),
                    product_id: None,
                    managed_by,
                    charge,
                    period_start: today,
                },
                vat_rate_bp,
            )
        }
        Request::Renewal { product_id } => {
            let (product, placer) = match acting {
                Acting::Member { org_id, .. } => {
                    let product = products::find_view(conn, org_id, product_id)?
                        .ok_or(OrderError::NotFound)?;
                    let placer = if product.customer_org_id == org_id {
                        Placer::Customer
                    } else {
                        Placer::Partner
                    };
                    (product, placer)
                }
                Acting::Scheduler => {
                    let product =
                        products::find_any(conn, product_id)?.ok_or(OrderError::NotFound)?;
                    // Another run renewed it meanwhile: nothing is due, nothing is checked.
                    if product.renews_on > today {
                        return Err(OrderError::AlreadyBilled);
                    }
                    (product, Placer::Scheduler)
                }
            };
            let (management, managed_by) = management(&product);
            let charge = billing::charge(management, placer, product.yearly_price)?;
            build(
                Draft {
                    kind: OrderKind::Renewal,
                    placer,
                    customer_org_id: product.customer_org_id,
                    customer_name: product.customer_name,
                    currency: product.currency,
                    offer_code: product.offer_code,
                    product_name: product.product_name,
                    label: String::new(),
                    product_id: Some(product.id),
                    managed_by,
                    charge,
                    period_start: product.renews_on,
                },
                vat_rate_bp,
            )
        }
    }
}

struct Draft {
    kind: OrderKind,
    placer: Placer,
    customer_org_id: String,
    customer_name: String,
    currency: Currency,
    offer_code: String,
    product_name: String,
    label: String,
    product_id: Option<String>,
    managed_by: Option<ManagedBy>,
    charge: Charge,
    period_start: NaiveDate,
}

fn build(d: Draft, vat_rate_bp: i32) -> Result<Quote, OrderError> {
    let (payer_org_id, payer_name) = match (d.charge.payer, &d.managed_by) {
        (Payer::Partner, Some(m)) => (m.partner_org_id.clone(), m.partner_name.clone()),
        (Payer::Partner, None) => {
            return Err(OrderError::Storage(anyhow::anyhow!(
                "a partner pays but none manages"
            )));
        }
        (Payer::Customer, _) => (d.customer_org_id.clone(), d.customer_name.clone()),
    };
    let period_end = one_year_after(d.period_start);
    let kind = d.kind.in_sentence();
    let mut lines = vec![(
        Text::new("%{offer} — %{kind}, %{start} to %{end}")
            .arg("offer", &d.product_name)
            .text("kind", kind)
            .day("start", d.period_start)
            .day("end", period_end),
        d.charge.public_price,
    )];
    if d.charge.discount > 0 {
        let partner = d
            .managed_by
            .as_ref()
            .map_or("", |m| m.partner_name.as_str());
        lines.push((
            Text::new("Partner discount (%{partner})").arg("partner", partner),
            -d.charge.discount,
        ));
    }
    let amounts: Vec<i64> = lines.iter().map(|(_, amount)| *amount).collect();
    let totals = billing::totals(&amounts, vat_rate_bp)?;
    Ok(Quote {
        kind: d.kind,
        placer: d.placer,
        customer_org_id: d.customer_org_id,
        customer_name: d.customer_name,
        currency: d.currency,
        offer_code: d.offer_code,
        product_name: d.product_name,
        label: d.label,
        product_id: d.product_id,
        managed_by: d.managed_by,
        charge: d.charge,
        payer_org_id,
        payer_name,
        lines,
        totals,
        period_start: d.period_start,
        period_end,
        payment_days: PAYMENT_TERM_DAYS,
        qr_reference: false,
    })
}

#[cfg(test)]
mod tests;
