//! The partner's income ledger: cashback and refunds per client, with a running
//! balance. Only for a partner organization's legal reps, admins and billing staff.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::income::{self, Before, ClientTotal, Entry};
use crate::domain::{Currency, Money};
use crate::startup::AppState;
use crate::web::Member;
use crate::web::csv::{self, Csv};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page};
use crate::web::views::date;
use crate::web::views::{EXPORT_CHUNK, PAGE_SIZE};

/// Clients per page of the per-client totals.
const CLIENTS_PER_PAGE: usize = 50;

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
    /// The page of the per-client totals, from 1.
    clients: Option<usize>,
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
    /// The client's own ledger.
    link: String,
    cashback: String,
    refund: String,
    total: String,
}

/// The part of `totals` (sorted by client) that holds the clients of page `page` (from
/// 1), and whether more clients follow.
fn clients_page(totals: &[ClientTotal], page: usize) -> (&[ClientTotal], bool) {
    let mut starts = Vec::new();
    for (i, t) in totals.iter().enumerate() {
        if i == 0 || totals[i - 1].customer_org_id != t.customer_org_id {
            starts.push(i);
        }
    }
    let first = (page.max(1) - 1).saturating_mul(CLIENTS_PER_PAGE);
    let Some(&from) = starts.get(first) else {
        return (&[], false);
    };
    match starts.get(first + CLIENTS_PER_PAGE) {
        Some(&to) => (&totals[from..to], true),
        None => (&totals[from..], false),
    }
}

#[derive(Template)]
#[template(path = "income/list.html")]
struct LedgerPage {
    layout: Layout,
    totals: Vec<TotalRow>,
    next_clients: Option<String>,
    rows: Vec<EntryRow>,
    /// The client whose ledger is shown, when only one's is.
    client_name: Option<String>,
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
                    &e.product_name,
                    "kind",
                    crate::i18n::t(e.order_kind.in_sentence()),
                ),
                amount: crate::i18n::money(Money::new(e.amount, e.currency)),
                balance: crate::i18n::money(Money::new(*balance, e.currency)),
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
                let totals = income::totals_by_client(conn, &org_id)?;
                let balances = match entries.first() {
                    Some(newest) => income::balance_through(
                        conn,
                        &org_id,
                        client.as_deref(),
                        &Before {
                            created_at: newest.created_at,
                            id: newest.id.clone(),
                        },
                        income::earned_in(&totals, client.as_deref()),
                    )?,
                    None => Vec::new(),
                };
                Ok((entries, balances, totals))
            })
            .await?
    };
    let total_row = |t: &ClientTotal| TotalRow {
        client: t.customer_name.clone(),
        link: format!(
            "/income?{}",
            serde_urlencoded::to_string([("client", &t.customer_org_id)]).unwrap_or_default()
        ),
        cashback: crate::i18n::money(Money::new(t.cashback, t.currency)),
        refund: crate::i18n::money(Money::new(t.refund, t.currency)),
        total: crate::i18n::money(Money::new(t.cashback + t.refund, t.currency)),
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
    let clients_at = query.clients.unwrap_or(1).max(1);
    let (shown, more) = clients_page(&totals, clients_at);
    let clients_link = |n: usize| match &filter {
        Some(f) => format!("/income?{f}&clients={n}"),
        None => format!("/income?clients={n}"),
    };
    // A client without income has no entries to show either.
    let client_name = client.as_deref().and_then(|id| {
        totals
            .iter()
            .find(|t| t.customer_org_id == id)
            .map(|t| t.customer_name.clone())
    });
    page(&LedgerPage {
        layout: Layout::new(&member, Section::Income)?,
        totals: shown.iter().map(total_row).collect(),
        next_clients: more.then(|| clients_link(clients_at + 1)),
        rows: with_balances(&entries, balances.into_iter().collect()),
        client_name,
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
            let mut out = Csv::with_columns(&[
                "date", "client", "kind", "product", "order", "currency", "amount", "balance",
            ])?;
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
                        let totals = income::totals_by_client(conn, &org_id)?;
                        let earned = income::earned_in(&totals, client.as_deref());
                        balances.insert(
                            income::balance_through(
                                conn,
                                &org_id,
                                client.as_deref(),
                                &through,
                                earned,
                            )?
                            .into_iter()
                            .collect(),
                        )
                    }
                };
                for e in &chunk {
                    let balance = running.entry(e.currency).or_insert(0);
                    out.record([
                        csv::moment(e.created_at),
                        csv::text(&e.customer_name),
                        e.kind.label().to_lowercase(),
                        csv::text(&e.product_name),
                        e.order_kind.label().to_lowercase(),
                        e.currency.code().to_owned(),
                        Money::new(e.amount, e.currency).decimal(),
                        Money::new(*balance, e.currency).decimal(),
                    ])?;
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
            out.into_bytes()
        })
        .await?;
    Ok(csv::download("income.csv", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(client: usize, currency: Currency) -> ClientTotal {
        ClientTotal {
            customer_org_id: format!("c{client:03}"),
            customer_name: format!("Client {client:03}"),
            currency,
            cashback: 100,
            refund: 0,
        }
    }

    #[test]
    fn the_per_client_totals_come_fifty_clients_a_page() {
        // 120 clients, every third with a second currency: 160 rows.
        let mut totals = Vec::new();
        for c in 0..120 {
            totals.push(total(c, Currency::Chf));
            if c % 3 == 0 {
                totals.push(total(c, Currency::Eur));
            }
        }
        let clients = |rows: &[ClientTotal]| {
            let mut ids: Vec<String> = rows.iter().map(|t| t.customer_org_id.clone()).collect();
            ids.dedup();
            ids
        };
        let mut seen = Vec::new();
        for page in 1..=3 {
            let (rows, more) = clients_page(&totals, page);
            let ids = clients(rows);
            assert_eq!(ids.len(), if page < 3 { 50 } else { 20 }, "page {page}");
            assert_eq!(more, page < 3, "page {page}");
            seen.extend(ids);
        }
        assert_eq!(seen, clients(&totals), "every client once, in order");
        assert_eq!(clients_page(&totals, 4), (&[][..], false));
        assert_eq!(
            clients_page(&totals, 0).0.len(),
            clients_page(&totals, 1).0.len()
        );
        assert_eq!(clients_page(&[], 1), (&[][..], false));
    }
}
