//! Reading a partner's income ledger, scoped to the partner organization in SQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{income_entries, income_totals, offers, orders, organizations, products};
use crate::domain::{Currency, IncomeKind, OrderKind};

#[derive(Debug, Clone, Queryable)]
pub struct Entry {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub kind: IncomeKind,
    pub currency: Currency,
    pub amount: i64,
    pub customer_org_id: String,
    pub customer_name: String,
    pub order_kind: OrderKind,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    pub product_name: String,
}

/// Where an older page starts: before this entry.
#[derive(Debug, Clone)]
pub struct Before {
    pub created_at: NaiveDateTime,
    pub id: String,
}

/// A page of the partner's entries, newest first; of one client when given.
pub fn list(
    conn: &mut DbConn,
    partner_org_id: &str,
    client: Option<&str>,
    before: Option<&Before>,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    natively!(conn, conn => {
        let mut query = income_entries::table
            .inner_join(orders::table.inner_join(products::table.inner_join(offers::table)))
            .inner_join(
                organizations::table.on(organizations::id.eq(income_entries::customer_org_id)),
            )
            .filter(income_entries::partner_org_id.eq(partner_org_id))
            .order((income_entries::created_at.desc(), income_entries::id.desc()))
            .select((
                income_entries::id,
                income_entries::created_at,
                income_entries::kind,
                income_entries::currency,
                income_entries::amount,
                income_entries::customer_org_id,
                organizations::name,
                orders::kind,
                (products::label, offers::name),
            ))
            .limit(limit)
            .into_boxed();
        if let Some(client) = client {
            query = query.filter(income_entries::customer_org_id.eq(client.to_owned()));
        }
        if let Some(before) = before {
            // Written so that the first condition bounds the index range by itself.
            query = query
                .filter(income_entries::created_at.le(before.created_at))
                .filter(
                    income_entries::created_at
                        .lt(before.created_at)
                        .or(income_entries::id.lt(before.id.clone())),
                );
        }
        query.load(conn)
    })
}

pub fn position(conn: &mut DbConn, partner_org_id: &str, id: &str) -> QueryResult<Option<Before>> {
    natively!(conn, conn => {
        income_entries::table
            .filter(income_entries::partner_org_id.eq(partner_org_id))
            .filter(income_entries::id.eq(id))
            .select((income_entries::created_at, income_entries::id))
            .first::<(NaiveDateTime, String)>(conn)
            .optional()
            .map(|found| found.map(|(created_at, id)| Before { created_at, id }))
    })
}

/// What the partner earned in all (from `client` only, when given), per currency, from
/// its [`totals_by_client`].
pub fn earned_in(totals: &[ClientTotal], client: Option<&str>) -> Vec<(Currency, i64)> {
    sum_by_currency(
        totals
            .iter()
            .filter(|t| client.is_none_or(|c| t.customer_org_id == c))
            .map(|t| (t.currency, t.cashback + t.refund)),
    )
}

fn sum_by_currency(amounts: impl IntoIterator<Item = (Currency, i64)>) -> Vec<(Currency, i64)> {
    let mut sums: Vec<(Currency, i64)> = Vec::new();
    for (currency, amount) in amounts {
        match sums.iter_mut().find(|(c, _)| *c == currency) {
            Some((_, sum)) => *sum += amount,
            None => sums.push((currency, amount)),
        }
    }
    sums.sort_by_key(|(c, _)| c.code());
    sums
}

/// The balance per currency after `through` (itself included): where a page's running
/// balance starts. It is what was earned in all (see [`earned_in`]) less what came after
/// `through`, so the cost grows with how far back the page is, not with the size of the
/// ledger.
pub fn balance_through(
    conn: &mut DbConn,
    partner_org_id: &str,
    client: Option<&str>,
    through: &Before,
    earned: Vec<(Currency, i64)>,
) -> QueryResult<Vec<(Currency, i64)>> {
    natively!(conn, conn => {
        let mut later = income_entries::table
            .filter(income_entries::partner_org_id.eq(partner_org_id))
            .filter(income_entries::created_at.ge(through.created_at))
            .filter(
                income_entries::created_at
                    .gt(through.created_at)
                    .or(income_entries::id.gt(through.id.clone())),
            )
            .select((income_entries::currency, income_entries::amount))
            .into_boxed();
        if let Some(client) = client {
            later = later.filter(income_entries::customer_org_id.eq(client.to_owned()));
        }
        let later = later.load::<(Currency, i64)>(conn)?;
        Ok(sum_by_currency(
            earned.into_iter().chain(
                later
                    .into_iter()
                    .map(|(currency, amount)| (currency, -amount)),
            ),
        ))
    })
}

/// Per client and currency: cashback and refund earned in all.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientTotal {
    pub customer_org_id: String,
    pub customer_name: String,
    pub currency: Currency,
    pub cashback: i64,
    pub refund: i64,
}

pub fn totals_by_client(conn: &mut DbConn, partner_org_id: &str) -> QueryResult<Vec<ClientTotal>> {
    natively!(conn, conn => {
        let rows: Vec<(String, String, Currency, IncomeKind, i64)> = income_totals::table
            .inner_join(
                organizations::table.on(organizations::id.eq(income_totals::customer_org_id)),
            )
            .filter(income_totals::partner_org_id.eq(partner_org_id))
            .select((
                income_totals::customer_org_id,
                organizations::name,
                income_totals::currency,
                income_totals::kind,
                income_totals::amount,
            ))
            .order((
                organizations::name,
                income_totals::customer_org_id,
                income_totals::currency,
            ))
            .load(conn)?;
        // The rows come ordered by client and currency: one total per consecutive run.
        let mut totals: Vec<ClientTotal> = Vec::new();
        for (customer_org_id, customer_name, currency, kind, sum) in rows {
            let continues = totals
                .last()
                .is_some_and(|t| t.customer_org_id == customer_org_id && t.currency == currency);
            if !continues {
                totals.push(ClientTotal {
                    customer_org_id,
                    customer_name,
                    currency,
                    cashback: 0,
                    refund: 0,
                });
            }
            let total = totals.last_mut().expect("a total for this row");
            match kind {
                IncomeKind::Cashback => total.cashback += sum,
                IncomeKind::Refund => total.refund += sum,
            }
        }
        Ok(totals)
    })
}
