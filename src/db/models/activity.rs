//! What an organization's dashboard counts and sums: its partners and clients, its open
//! invitations, what it spent and earned month by month (sums made by the database, in
//! the organization's currency), each scoped to the organization in SQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use crate::db::DbConn;
use crate::db::schema::partnerships;
use crate::domain::{Currency, PartnershipStatus, Side};

/// One month's sum.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Month {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = Integer)]
    pub month: i32,
    #[diesel(sql_type = BigInt)]
    pub amount: i64,
}

/// `{amount}` over `{table}` of `{who}`, by month since a moment: the SQL of each backend.
macro_rules! monthly {
    ($table:literal, $amount:literal, $who:literal, $at:literal, $also:literal) => {
        (
            concat!(
                "SELECT CAST(strftime('%Y', ",
                $at,
                ") AS INTEGER) AS year, ",
                "CAST(strftime('%m', ",
                $at,
                ") AS INTEGER) AS month, ",
                "SUM(",
                $amount,
                ") AS amount FROM ",
                $table,
                " WHERE ",
                $who,
                " = ? AND currency = ? AND ",
                $at,
                " >= ?",
                $also,
                " GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            concat!(
                "SELECT CAST(EXTRACT(YEAR FROM ",
                $at,
                ") AS INTEGER) AS year, ",
                "CAST(EXTRACT(MONTH FROM ",
                $at,
                ") AS INTEGER) AS month, ",
                "CAST(SUM(",
                $amount,
                ") AS BIGINT) AS amount FROM ",
                $table,
                " WHERE ",
                $who,
                " = $1 AND currency = $2 AND ",
                $at,
                " >= $3",
                $also,
                " GROUP BY 1, 2 ORDER BY 1, 2"
            ),
        )
    };
}

/// What the organization was invoiced (totals with VAT, cancelled invoices left out), by
/// month of issue since `since`, in `currency`.
pub fn spent_by_month(
    conn: &mut DbConn,
    payer_org_id: &str,
    currency: Currency,
    since: NaiveDateTime,
) -> QueryResult<Vec<Month>> {
    let sql = monthly!(
        "invoices",
        "total",
        "payer_org_id",
        "issued_at",
        " AND cancelled_at IS NULL"
    );
    by_month(conn, sql, payer_org_id, currency, since)
}

/// What the partner earned (its cashback and refunds), by month since `since`, in
/// `currency`.
pub fn earned_by_month(
    conn: &mut DbConn,
    partner_org_id: &str,
    currency: Currency,
    since: NaiveDateTime,
) -> QueryResult<Vec<Month>> {
    let sql = monthly!(
        "income_entries",
        "amount",
        "partner_org_id",
        "created_at",
        ""
    );
    by_month(conn, sql, partner_org_id, currency, since)
}

fn by_month(
    conn: &mut DbConn,
    (sqlite, postgres): (&str, &str),
    org_id: &str,
    currency: Currency,
    since: NaiveDateTime,
) -> QueryResult<Vec<Month>> {
    let code = currency.code();
    match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sqlite)
            .bind::<Text, _>(org_id)
            .bind::<Text, _>(code)
            .bind::<Timestamp, _>(since)
            .load(c),
        DbConn::Pg(c) => diesel::sql_query(postgres)
            .bind::<Text, _>(org_id)
            .bind::<Text, _>(code)
            .bind::<Timestamp, _>(since)
            .load(c),
    }
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    amount: i64,
}

/// What the partner earned since `since`, per currency.
pub fn earned_since(
    conn: &mut DbConn,
    partner_org_id: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<(Currency, i64)>> {
    const SQLITE: &str = "SELECT currency, SUM(amount) AS amount FROM income_entries \
        WHERE partner_org_id = ? AND created_at >= ? GROUP BY currency ORDER BY currency";
    const POSTGRES: &str = "SELECT currency, CAST(SUM(amount) AS BIGINT) AS amount \
        FROM income_entries WHERE partner_org_id = $1 AND created_at >= $2 \
        GROUP BY currency ORDER BY currency";
    let sums: Vec<Sum> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(SQLITE)
            .bind::<Text, _>(partner_org_id)
            .bind::<Timestamp, _>(since)
            .load(c)?,
        DbConn::Pg(c) => diesel::sql_query(POSTGRES)
            .bind::<Text, _>(partner_org_id)
            .bind::<Timestamp, _>(since)
            .load(c)?,
    };
    Ok(sums
        .into_iter()
        .filter_map(|s| Some((s.currency.parse().ok()?, s.amount)))
        .collect())
}

/// How many partners the organization works with and how many clients it works for:
/// active partnerships only (a pending invitation grants nothing yet).
pub fn counts(conn: &mut DbConn, org_id: &str) -> QueryResult<(i64, i64)> {
    let active = partnerships::status.eq(PartnershipStatus::Active);
    let as_customer = partnerships::table
        .filter(partnerships::customer_org_id.eq(org_id))
        .filter(active)
        .count()
        .get_result(conn)?;
    let as_partner = partnerships::table
        .filter(partnerships::partner_org_id.eq(org_id))
        .filter(active)
        .count()
        .get_result(conn)?;
    Ok((as_customer, as_partner))
}

/// The organization's invitations still open (sent since `since`): how many wait for its
/// answer, and how many it sent that wait for the other side's.
pub fn open_invitations(
    conn: &mut DbConn,
    org_id: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let open = partnerships::status
        .eq(PartnershipStatus::Pending)
        .and(partnerships::invited_at.ge(since));
    let count = |conn: &mut DbConn, by_us: bool| -> QueryResult<i64> {
        let (as_customer, as_partner) = if by_us {
            (Side::Customer, Side::Partner)
        } else {
            (Side::Partner, Side::Customer)
        };
        partnerships::table
            .filter(open)
            .filter(
                partnerships::customer_org_id
                    .eq(org_id)
                    .and(partnerships::initiated_by.eq(as_customer))
                    .or(partnerships::partner_org_id
                        .eq(org_id)
                        .and(partnerships::initiated_by.eq(as_partner))),
            )
            .count()
            .get_result(conn)
    };
    Ok((count(conn, false)?, count(conn, true)?))
}
