//! The partner's income ledger: cashback and refunds per client, with a running
//! balance. Only for a partner organization's legal reps, admins and billing staff.

use std::collections::HashMap;

use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Member;
use crate::db::models::income::{self, Before, ClientTotal, Entry};
use crate::domain::{Currency, Money};
use crate::startup::AppState;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::views::{csv_text, date};

const PAGE_SIZE: i64 = 50;
const EXPORT_CHUNK: i64 = 1000;

fn income_member(member: &Member) -> Result<(), AppError> {
    if member.is_partner_org() && member.role().sees_billing() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    client: Option<String>,
    before: Option<String>,
}

impl LedgerQuery {
    fn client(&self) -> Option<String> {
        self.client.clone().filter(|c| !c.is_empty())
    }
}

struct EntryRow {
    date: String,
    client: String,
    kind: &'static str,
    what: String,
    amount: String,
    balance: String,
}

struct TotalRow {
    client: String,
    cashback: String,
    refund: String,
    total: String,
}

struct ClientChoice {
    id: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "income/list.html")]
struct LedgerPage {
    layout: Layout,
    totals: Vec<TotalRow>,
    rows: Vec<EntryRow>,
    clients: Vec<ClientChoice>,
    export_link: String,
    next_page: Option<String>,
}

/// Running balances, newest first: each row shows the balance after it, in its currency.
fn with_balances(entries: &[Entry], mut after_newest: HashMap<Currency, i64>) -> Vec<EntryRow> {
    entries
        .iter()
        .map(|e| {
            let balance = after_newest.entry(e.currency).or_insert(0);
            let row = EntryRow {
                date: date(e.created_at),
                client: e.customer_name.clone(),
                kind: e.kind.label(),
                what: crate::i18n::t2(
                    "%{offer} — %{kind}",
                    "offer",
                    &e.offer_name,
                    "kind",
                    crate::i18n::t(e.order_kind.in_sentence()),
                ),
                amount: Money::new(e.amount, e.currency).to_string(),
                balance: Money::new(*balance, e.currency).to_string(),
            };
            *balance -= e.amount;
            row
        })
        .collect()
}

pub async fn ledger(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    income_member(&member)?;
    let org_id = member.org_id().to_owned();
    let client = query.client();
    let before = query.before.clone();
    let (entries, balances, totals) = {
        let client = client.clone();
        state
            .db
            .run(move |conn| -> Result<_, AppError> {
                let before = match before {
                    Some(id) => {
                        Some(income::position(conn, &org_id, &id)?.ok_or(AppError::NotFound)?)
                    }
                    None => None,
                };
                let entries =
                    income::list(conn, &org_id, client.as_deref(), before.as_ref(), PAGE_SIZE)?;
                let balances = match entries.first() {
                    Some(newest) => income::balance_through(
                        conn,
                        &org_id,
                        client.as_deref(),
                        &Before {
                            created_at: newest.created_at,
                            id: newest.id.clone(),
                        },
                    )?,
                    None => Vec::new(),
                };
                let totals = income::totals_by_client(conn, &org_id)?;
                Ok((entries, balances, totals))
            })
            .await?
    };
    let total_row = |t: &ClientTotal| TotalRow {
        client: t.customer_name.clone(),
        cashback: Money::new(t.cashback, t.currency).to_string(),
        refund: Money::new(t.refund, t.currency).to_string(),
        total: Money::new(t.cashback + t.refund, t.currency).to_string(),
    };
    let filter = client
        .as_deref()
        .map(|c| serde_urlencoded::to_string([("client", c)]).unwrap_or_default());
    let next_page = (entries.len() as i64 == PAGE_SIZE).then(|| {
        let last = &entries[entries.len() - 1].id;
        match &filter {
            Some(f) => format!("/income?{f}&before={last}"),
            None => format!("/income?before={last}"),
        }
    });
    // The clients to filter by: those with income, once each (totals are per currency).
    let mut clients: Vec<ClientChoice> = Vec::new();
    for t in &totals {
        if clients.last().is_none_or(|c| c.id != t.customer_org_id) {
            clients.push(ClientChoice {
                selected: client.as_deref() == Some(t.customer_org_id.as_str()),
                id: t.customer_org_id.clone(),
                name: t.customer_name.clone(),
            });
        }
    }
    page(&LedgerPage {
        layout: Layout::new(&member, Section::Income)?,
        totals: totals.iter().map(total_row).collect(),
        rows: with_balances(&entries, balances.into_iter().collect()),
        clients,
        export_link: filter
            .map_or_else(|| "/income.csv".to_owned(), |f| format!("/income.csv?{f}")),
        next_page,
    })
}

/// `GET /income.csv`: the ledger (of one client, when filtered), newest first.
pub async fn export(
    member: Member,
    state: web::Data<AppState>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    income_member(&member)?;
    let org_id = member.org_id().to_owned();
    let client = query.client();
    let body = state
        .db
        .run(move |conn| -> Result<Vec<u8>, AppError> {
            let mut out = csv::Writer::from_writer(Vec::new());
            let fail = |e: csv::Error| AppError::Internal(e.into());
            out.write_record([
                "date", "client", "kind", "product", "order", "currency", "amount", "balance",
            ])
            .map_err(fail)?;
            let mut before: Option<Before> = None;
            let mut balances: Option<HashMap<Currency, i64>> = None;
            loop {
                let chunk = income::list(
                    conn,
                    &org_id,
                    client.as_deref(),
                    before.as_ref(),
                    EXPORT_CHUNK,
                )?;
                let Some(newest) = chunk.first() else { break };
                let running = match balances.as_mut() {
                    Some(b) => b,
                    None => {
                        let through = Before {
                            created_at: newest.created_at,
                            id: newest.id.clone(),
                        };
                        balances.insert(
                            income::balance_through(conn, &org_id, client.as_deref(), &through)?
                                .into_iter()
                                .collect(),
                        )
                    }
                };
                for e in &chunk {
                    let balance = running.entry(e.currency).or_insert(0);
                    out.write_record([
                        e.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        csv_text(&e.customer_name),
                        e.kind.label().to_lowercase(),
                        csv_text(&e.offer_name),
                        e.order_kind.label().to_lowercase(),
                        e.currency.code().to_owned(),
                        Money::new(e.amount, e.currency).decimal(),
                        Money::new(*balance, e.currency).decimal(),
                    ])
                    .map_err(fail)?;
                    *balance -= e.amount;
                }
                if (chunk.len() as i64) < EXPORT_CHUNK {
                    break;
                }
                let last = &chunk[chunk.len() - 1];
                before = Some(Before {
                    created_at: last.created_at,
                    id: last.id.clone(),
                });
            }
            out.into_inner()
                .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"income.csv\"",
        ))
        .body(body))
}
