//! Reading invoices. Every query is scoped to the payer organization in SQL: an
//! invoice exists only for the organization that paid it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{invoice_lines, invoices, offers, orders, organizations, products};
use crate::domain::postal::Postal;
use crate::domain::{Currency, OrderKind, Placer};
use crate::payments::reference::Reference;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invoices)]
pub struct Invoice {
    pub id: String,
    pub number: String,
    pub payer_org_id: String,
    pub payer_name: String,
    pub order_id: String,
    pub currency: Currency,
    pub issued_at: NaiveDateTime,
    pub due_on: NaiveDate,
    pub paid_at: Option<NaiveDateTime>,
    pub subtotal: i64,
    pub vat_rate_bp: i32,
    pub vat: i64,
    pub total: i64,
    /// The payer's address as issued, one part a line (`Postal::stored`; invoices
    /// issued before billing details existed have none), and its VAT number.
    pub buyer_address: Option<String>,
    pub buyer_vat_number: Option<String>,
    /// When a credit note cancelled it.
    pub cancelled_at: Option<NaiveDateTime>,
    /// The reference a payment of it carries, as issued (invoices issued before it was
    /// kept have none: theirs is the creditor reference of their number).
    pub payment_reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Overdue,
    Paid,
    Cancelled,
}

impl Status {
    pub fn parse(input: &str) -> Option<Status> {
        match input {
            "open" => Some(Status::Open),
            "overdue" => Some(Status::Overdue),
            "paid" => Some(Status::Paid),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Overdue => "overdue",
            Status::Paid => "paid",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::Overdue => "Overdue",
            Status::Paid => "Paid",
            Status::Cancelled => "Cancelled",
        }
    }
}

impl Invoice {
    /// The reference a payment of it carries.
    pub fn reference(&self) -> Reference {
        Reference::kept(self.payment_reference.as_deref(), &self.number)
    }

    /// Who it is addressed to, as issued.
    pub fn buyer(&self) -> Option<Postal> {
        self.buyer_address.as_deref().and_then(Postal::from_stored)
    }

    pub fn status(&self, today: NaiveDate) -> Status {
        match (self.cancelled_at, self.paid_at) {
            (Some(_), _) => Status::Cancelled,
            (None, Some(_)) => Status::Paid,
            (None, None) if self.due_on < today => Status::Overdue,
            (None, None) => Status::Open,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invoice_lines)]
pub struct Line {
    pub position: i32,
    pub description: String,
    pub amount: i64,
    pub words: Option<String>,
}

impl Line {
    /// The line in `locale`: worded from its message, or as written for lines issued
    /// without one.
    pub fn worded(&self, locale: crate::i18n::Locale) -> String {
        self.words
            .as_deref()
            .and_then(|words| serde_json::from_str::<crate::i18n::Text>(words).ok())
            .map_or_else(|| self.description.clone(), |text| text.render(locale))
    }
}

/// What an invoice was for, as its page tells it.
#[derive(Debug, Clone, Queryable)]
pub struct Subject {
    pub customer_name: String,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    pub product_name: String,
    pub kind: OrderKind,
    pub placed_by: Placer,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// Which invoices: issued in `[from, to]` (dates, UTC) and of a status, as of `today`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<Status>,
}

/// Where an older page starts: before this invoice.
#[derive(Debug, Clone)]
pub struct Before {
    pub issued_at: NaiveDateTime,
    pub id: String,
}

/// An invoice as the list shows it: with the client whose product it bills, and the
/// product's offer.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub invoice: Invoice,
    pub client: String,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    pub product: String,
}

/// A page of the payer's invoices, newest first.
pub fn list(
    conn: &mut DbConn,
    payer_org_id: &str,
    filter: &Filter,
    today: NaiveDate,
    before: Option<&Before>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    natively!(conn, conn => {
        let mut query = invoices::table
            .inner_join(orders::table)
            .inner_join(products::table.on(products::id.eq(orders::product_id)))
            .inner_join(offers::table.on(offers::code.eq(products::offer_code)))
            .inner_join(organizations::table.on(organizations::id.eq(orders::customer_org_id)))
            .filter(invoices::payer_org_id.eq(payer_org_id))
            .order((invoices::issued_at.desc(), invoices::id.desc()))
            .select((
                Invoice::as_select(),
                organizations::name,
                (products::label, offers::name),
            ))
            .limit(limit)
            .into_boxed();
        if let Some(from) = filter.from {
            query =
                query.filter(invoices::issued_at.ge(from.and_hms_opt(0, 0, 0).unwrap_or_default()));
        }
        if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
            query =
                query.filter(invoices::issued_at.lt(to.and_hms_opt(0, 0, 0).unwrap_or_default()));
        }
        query = match filter.status {
            None => query,
            Some(Status::Paid) => query.filter(invoices::paid_at.is_not_null()),
            Some(Status::Open) => query
                .filter(invoices::paid_at.is_null())
                .filter(invoices::cancelled_at.is_null())
                .filter(invoices::due_on.ge(today)),
            Some(Status::Overdue) => query
                .filter(invoices::paid_at.is_null())
                .filter(invoices::cancelled_at.is_null())
                .filter(invoices::due_on.lt(today)),
            Some(Status::Cancelled) => query.filter(invoices::cancelled_at.is_not_null()),
        };
        if let Some(before) = before {
            // Written so that the first condition bounds the index range by itself.
            query = query
                .filter(invoices::issued_at.le(before.issued_at))
                .filter(
                    invoices::issued_at
                        .lt(before.issued_at)
                        .or(invoices::id.lt(before.id.clone())),
                );
        }
        query.load(conn)
    })
}

/// How many of the payer's invoices wait for payment, due from `today` on and overdue
/// before it, each counted up to `cap` (a dashboard says "at least" beyond it, and stays
/// as quick however many there are).
pub fn waiting(
    conn: &mut DbConn,
    payer_org_id: &str,
    today: NaiveDate,
    cap: i64,
) -> QueryResult<(usize, usize)> {
    let unpaid = || {
        invoices::table
            .filter(invoices::payer_org_id.eq(payer_org_id))
            .filter(invoices::paid_at.is_null())
            .filter(invoices::cancelled_at.is_null())
            .select(invoices::due_on)
            .limit(cap)
    };
    let open: Vec<NaiveDate> = unpaid().filter(invoices::due_on.ge(today)).load(conn)?;
    let overdue: Vec<NaiveDate> = unpaid().filter(invoices::due_on.lt(today)).load(conn)?;
    Ok((open.len(), overdue.len()))
}

/// The position of one of the payer's invoices, to continue a list after it.
pub fn position(conn: &mut DbConn, payer_org_id: &str, id: &str) -> QueryResult<Option<Before>> {
    natively!(conn, conn => {
        invoices::table
            .filter(invoices::payer_org_id.eq(payer_org_id))
            .filter(invoices::id.eq(id))
            .select((invoices::issued_at, invoices::id))
            .first::<(NaiveDateTime, String)>(conn)
            .optional()
            .map(|found| found.map(|(issued_at, id)| Before { issued_at, id }))
    })
}

/// One of the payer's invoices, with its lines and what it was for.
pub fn find(
    conn: &mut DbConn,
    payer_org_id: &str,
    id: &str,
) -> QueryResult<Option<(Invoice, Vec<Line>, Subject)>> {
    natively!(conn, conn => {
        let Some(invoice) = invoices::table
            .filter(invoices::payer_org_id.eq(payer_org_id))
            .filter(invoices::id.eq(id))
            .select(Invoice::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let lines = invoice_lines::table
            .filter(invoice_lines::invoice_id.eq(&invoice.id))
            .order(invoice_lines::position)
            .select(Line::as_select())
            .load(conn)?;
        let subject = orders::table
            .inner_join(products::table.inner_join(offers::table))
            .inner_join(organizations::table.on(organizations::id.eq(orders::customer_org_id)))
            .filter(orders::id.eq(&invoice.order_id))
            .select((
                organizations::name,
                (products::label, offers::name),
                orders::kind,
                orders::placed_by,
                orders::period_start,
                orders::period_end,
            ))
            .first(conn)?;
        Ok(Some((invoice, lines, subject)))
    })
}
