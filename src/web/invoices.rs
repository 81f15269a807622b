//! The invoices of the current organization: only those it paid, only for its legal
//! reps, admins and billing staff. Everyone else gets 404, so an invoice's existence
//! does not leak.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::db::models::credit_notes::{self, CreditNote};
use crate::db::models::invoices::{self, Filter, Invoice, Status};
use crate::db::now;
use crate::domain::{Money, Rate};
use crate::i18n::{Text, t2};
use crate::startup::AppState;
use crate::web::Member;
use crate::web::csv::{self, Csv};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::views::{EXPORT_CHUNK, PAGE_SIZE};
use crate::web::views::{date as day, datetime};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    status: Option<String>,
    before: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Result<Filter, AppError> {
        let day =
            |value: &Option<String>, what: &'static str| -> Result<Option<NaiveDate>, AppError> {
                match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(Some)
                        .map_err(|_| {
                            AppError::bad_request(
                                Text::new("The %{what} date must look like 2026-01-31.")
                                    .text("what", what),
                            )
                        }),
                }
            };
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                AppError::bad_request("Choose a status: open, overdue, paid or cancelled.")
            })?),
        };
        Ok(Filter {
            from: day(&self.from, "start")?,
            to: day(&self.to, "end")?,
            status,
        })
    }

    /// The filter as query parameters, to carry into the next page and the export.
    fn filter_params(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

struct InvoiceRow {
    id: String,
    number: String,
    issued: String,
    due: String,
    total: String,
    status_label: &'static str,
    status_class: &'static str,
    /// The client whose product it bills, and the product (in lists).
    client: String,
    product: String,
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Paid => "badge badge-ok",
        Status::Open => "badge badge-wait",
        Status::Overdue => "badge badge-late",
        Status::Cancelled => "badge badge-off",
    }
}

impl InvoiceRow {
    fn new(invoice: &Invoice, today: NaiveDate) -> InvoiceRow {
        let status = invoice.status(today);
        InvoiceRow {
            id: invoice.id.clone(),
            number: invoice.number.clone(),
            issued: day(invoice.issued_at),
            due: crate::i18n::date(invoice.due_on),
            total: crate::i18n::money(Money::new(invoice.total, invoice.currency)),
            status_label: status.label(),
            status_class: status_class(status),
            client: String::new(),
            product: String::new(),
        }
    }

    fn listed(listed: &invoices::Listed, today: NaiveDate) -> InvoiceRow {
        InvoiceRow {
            client: listed.client.clone(),
            product: listed.product.clone(),
            ..InvoiceRow::new(&listed.invoice, today)
        }
    }
}

#[derive(Template)]
#[template(path = "invoices/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<InvoiceRow>,
    from: String,
    to: String,
    status: String,
    export_link: String,
    next_page: Option<String>,
    filtered: bool,
    /// A partner's invoices bill its clients' products: the list says whose.
    for_clients: bool,
}

pub async fn list(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    member.require_billing()?;
    let filter = query.filter()?;
    let org_id = member.org_id().to_owned();
    let before = query.before.clone();
    let today = now().date();
    let rows = {
        let filter = filter.clone();
        state
            .db
            .run(move |conn| -> Result<_, AppError> {
                let before = match before {
                    Some(id) => {
                        Some(invoices::position(conn, &org_id, &id)?.ok_or(AppError::NotFound)?)
                    }
                    None => None,
                };
                Ok(invoices::list(
                    conn,
                    &org_id,
                    &filter,
                    today,
                    before.as_ref(),
                    PAGE_SIZE,
                )?)
            })
            .await?
    };
    let params = query.filter_params();
    let next_page = (rows.len() as i64 == PAGE_SIZE).then(|| {
        let last = &rows[rows.len() - 1].invoice.id;
        if params.is_empty() {
            format!("/invoices?before={last}")
        } else {
            format!("/invoices?{params}&before={last}")
        }
    });
    page(&ListPage {
        layout: Layout::new(&member, Section::Invoices)?,
        rows: rows.iter().map(|i| InvoiceRow::listed(i, today)).collect(),
        for_clients: member.is_partner_org(),
        from: filter.from.map(|d| d.to_string()).unwrap_or_default(),
        to: filter.to.map(|d| d.to_string()).unwrap_or_default(),
        status: filter
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        export_link: if params.is_empty() {
            "/invoices.csv".into()
        } else {
            format!("/invoices.csv?{params}")
        },
        filtered: filter.from.is_some() || filter.to.is_some() || filter.status.is_some(),
        next_page,
    })
}

#[derive(Template)]
#[template(path = "invoices/show.html")]
struct ShowPage {
    layout: Layout,
    invoice: InvoiceRow,
    payer_name: String,
    customer_name: String,
    product_name: String,
    kind: &'static str,
    placed_by: &'static str,
    period: String,
    lines: Vec<(String, String)>,
    subtotal: String,
    vat_rate: String,
    vat: String,
    total: String,
    issued_at: String,
    /// The creditor reference a payment gives to be matched to the invoice.
    payment_reference: String,
    /// Who it is addressed to, as issued; its VAT number.
    buyer: Vec<String>,
    buyer_vat_number: Option<String>,
    /// When it was paid.
    paid_on: Option<String>,
    /// Who issues it (address lines, VAT number) and the account it is paid into.
    seller: Option<(Vec<String>, Option<String>, String)>,
    /// The credit note that cancelled it: its number, day and reason.
    credit_note: Option<(String, String, String)>,
}

pub async fn show(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (invoice, lines, subject, note) = issued(&member, &state, id.into_inner()).await?;
    let money = |minor: i64| crate::i18n::money(Money::new(minor, invoice.currency));
    page(&ShowPage {
        credit_note: note.map(|n| (n.number, day(n.issued_at), n.reason)),
        layout: Layout::new(&member, Section::Invoices)?,
        payment_reference: invoice.reference().printed(),
        buyer: invoice.buyer().map_or_else(Vec::new, |b| b.lines()),
        buyer_vat_number: invoice.buyer_vat_number.clone(),
        paid_on: invoice.paid_at.map(|at| crate::i18n::date(at.date())),
        seller: state.provider.as_ref().map(|p| {
            (
                p.details.lines(),
                p.details.vat_number.clone(),
                p.iban_grouped(),
            )
        }),
        payer_name: invoice.payer_name.clone(),
        customer_name: subject.customer_name,
        product_name: subject.product_name,
        kind: subject.kind.label(),
        placed_by: subject.placed_by.label(),
        period: t2(
            "%{start} to %{end}",
            "start",
            crate::i18n::date(subject.period_start),
            "end",
            crate::i18n::date(subject.period_end),
        ),
        lines: lines
            .iter()
            .map(|l| (l.worded(crate::i18n::current()), money(l.amount)))
            .collect(),
        subtotal: money(invoice.subtotal),
        vat_rate: Rate::from_bp(invoice.vat_rate_bp).map_or_else(
            |_| String::new(),
            |r| crate::i18n::rate_in(crate::i18n::current(), r),
        ),
        vat: money(invoice.vat),
        total: money(invoice.total),
        issued_at: datetime(invoice.issued_at),
        invoice: InvoiceRow::new(&invoice, now().date()),
    })
}

/// One of the member's organization's invoices, for the billing people (anyone else:
/// 404), with its lines, what it bills, and the credit note that cancelled it, if any.
pub(super) async fn issued(
    member: &Member,
    state: &AppState,
    id: String,
) -> Result<
    (
        Invoice,
        Vec<invoices::Line>,
        invoices::Subject,
        Option<CreditNote>,
    ),
    AppError,
> {
    member.require_billing()?;
    let org_id = member.org_id().to_owned();
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let Some((invoice, lines, subject)) = invoices::find(conn, &org_id, &id)? else {
                return Ok(None);
            };
            let note = credit_notes::of_invoice(conn, &org_id, &id)?;
            Ok(Some((invoice, lines, subject, note)))
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /invoices.csv`: every invoice of the list's filter, oldest last, as CSV.
pub async fn export(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    member.require_billing()?;
    let filter = query.filter()?;
    let org_id = member.org_id().to_owned();
    let today = now().date();
    let body = state
        .db
        .run(move |conn| -> Result<Vec<u8>, AppError> {
            let mut out = Csv::with_columns(&[
                "number",
                "issued_at",
                "due_on",
                "status",
                "payer",
                "client",
                "product",
                "currency",
                "subtotal",
                "vat_rate",
                "vat",
                "total",
            ])?;
            let mut before = None;
            loop {
                let chunk =
                    invoices::list(conn, &org_id, &filter, today, before.as_ref(), EXPORT_CHUNK)?;
                for listed in &chunk {
                    let i = &listed.invoice;
                    let amount = |minor| Money::new(minor, i.currency).decimal();
                    out.record([
                        i.number.clone(),
                        csv::moment(i.issued_at),
                        i.due_on.to_string(),
                        i.status(today).as_str().to_owned(),
                        csv::text(&i.payer_name),
                        csv::text(&listed.client),
                        csv::text(&listed.product),
                        i.currency.code().to_owned(),
                        amount(i.subtotal),
                        format!("{}.{:02}", i.vat_rate_bp / 100, i.vat_rate_bp % 100),
                        amount(i.vat),
                        amount(i.total),
                    ])?;
                }
                match chunk.last() {
                    Some(last) if chunk.len() as i64 == EXPORT_CHUNK => {
                        before = Some(invoices::Before {
                            issued_at: last.invoice.issued_at,
                            id: last.invoice.id.clone(),
                        })
                    }
                    _ => break,
                }
            }
            out.into_bytes()
        })
        .await?;
    Ok(csv::download("invoices.csv", body))
}
