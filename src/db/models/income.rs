//! Reading a partner's income ledger, scoped to the partner organization in SQL.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use crate::db::DbConn;
use crate::db::schema::{income_entries, offers, orders, organizations, products};
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
    pub offer_name: String,
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
    let mut query = income_entries::table
        .inner_join(orders::table.inner_join(products::table.inner_join(offers::table)))
        .inner_join(organizations::table.on(organizations::id.eq(income_entries::customer_org_id)))
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
            offers::name,
        ))
        .limit(limit)
        .into_boxed();
    if let Some(client) = client {
        query = query.filter(income_entries::customer_org_id.eq(client.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(
            income_entries::created_at
                .lt(before.created_at)
                .or(income_entries::created_at
                    .eq(before.created_at)
                    .and(income_entries::id.lt(before.id.clone()))),
        );
    }
    query.load(conn)
}

pub fn position(conn: &mut DbConn, partner_org_id: &str, id: &str) -> QueryResult<Option<Before>> {
    income_entries::table
        .filter(income_entries::partner_org_id.eq(partner_org_id))
        .filter(income_entries::id.eq(id))
        .select((income_entries::created_at, income_entries::id))
        .first::<(NaiveDateTime, String)>(conn)
        .optional()
        .map(|found| found.map(|(created_at, id)| Before { created_at, id }))
}

/// The balance per currency after `through` (itself included): where a page's running
/// balance starts.
pub fn balance_through(
    conn: &mut DbConn,
    partner_org_id: &str,
    client: Option<&str>,
    through: &Before,
) -> QueryResult<Vec<(Currency, i64)>> {
    let mut query = income_entries::table
        .filter(income_entries::partner_org_id.eq(partner_org_id))
        .filter(
            income_entries::created_at
                .lt(through.created_at)
                .or(income_entries::created_at
                    .eq(through.created_at)
                    .and(income_entries::id.le(through.id.clone()))),
        )
        .group_by(income_entries::currency)
        .select((
            income_entries::currency,
            sql::<Nullable<BigInt>>("CAST(SUM(income_entries.amount) AS BIGINT)"),
        ))
        .into_boxed();
    if let Some(client) = client {
        query = query.filter(income_entries::customer_org_id.eq(client.to_owned()));
    }
    let sums: Vec<(Currency, Option<i64>)> = query.load(conn)?;
    Ok(sums.into_iter().map(|(c, s)| (c, s.unwrap_or(0))).collect())
}

/// Per client and currency: cashback and refund earned in all.
#[derive(Debug, Clone)]
pub struct ClientTotal {
    pub customer_org_id: String,
    pub customer_name: String,
    pub currency: Currency,
    pub cashback: i64,
    pub refund: i64,
}

pub fn totals_by_client(conn: &mut DbConn, partner_org_id: &str) -> QueryResult<Vec<ClientTotal>> {
    let rows: Vec<(String, String, Currency, IncomeKind, Option<i64>)> = income_entries::table
        .inner_join(organizations::table.on(organizations::id.eq(income_entries::customer_org_id)))
        .filter(income_entries::partner_org_id.eq(partner_org_id))
        .group_by((
            income_entries::customer_org_id,
            organizations::name,
            income_entries::currency,
            income_entries::kind,
        ))
        .select((
            income_entries::customer_org_id,
            organizations::name,
            income_entries::currency,
            income_entries::kind,
            sql::<Nullable<BigInt>>("CAST(SUM(income_entries.amount) AS BIGINT)"),
        ))
        .order((
            organizations::name,
            income_entries::customer_org_id,
            income_entries::currency,
        ))
        .load(conn)?;
    let mut totals: Vec<ClientTotal> = Vec::new();
    for (customer_org_id, customer_name, currency, kind, sum) in rows {
        let sum = sum.unwrap_or(0);
        let same =
            |t: &&mut ClientTotal| t.customer_org_id == customer_org_id && t.currency == currency;
        let total = match totals.iter_mut().find(same) {
            Some(t) => t,
            None => {
                totals.push(ClientTotal {
                    customer_org_id,
                    customer_name,
                    currency,
                    cashback: 0,
                    refund: 0,
                });
                totals.last_mut().expect("just pushed")
            }
        };
        match kind {
            IncomeKind::Cashback => total.cashback += sum,
            IncomeKind::Refund => total.refund += sum,
        }
    }
    Ok(totals)
}
