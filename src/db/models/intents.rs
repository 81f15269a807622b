//! Order intents: what a member reviewed on a confirmation page, kept until the
//! confirmation consumes it. The confirmation form carries only the intent's id.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{invoices, offers, order_intents, orders, organizations, products};
use crate::domain::{Currency, IncomeKind, OrderKind, Placer};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_intents)]
pub struct Intent {
    pub id: String,
    /// The organization and the member that reviewed it: only they may confirm it.
    pub org_id: String,
    pub user_id: String,
    pub kind: OrderKind,
    pub customer_org_id: String,
    pub offer_code: String,
    /// The product renewed (a renewal), or `None` (a new product).
    pub product_id: Option<String>,
    /// The partnership under which the product is, or will be, managed.
    pub partnership_id: Option<String>,
    pub payer_org_id: String,
    pub currency: Currency,
    pub public_price: i64,
    pub discount: i64,
    pub total: i64,
    pub income_kind: Option<IncomeKind>,
    pub income_amount: Option<i64>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// The order that consumed it.
    pub order_id: Option<String>,
    /// The new product's label (empty for a renewal, or none given).
    pub label: String,
}

pub fn insert(conn: &mut DbConn, intent: &Intent) -> QueryResult<()> {
    diesel::insert_into(order_intents::table)
        .values(intent)
        .execute(conn)
        .map(drop)
}

/// The intent `id` of this member, locked until the end of the transaction (PostgreSQL:
/// `FOR UPDATE`; SQLite's write transaction holds the whole database), so that two
/// confirmations of one intent are decided one after the other.
pub fn lock(
    conn: &mut DbConn,
    id: &str,
    org_id: &str,
    user_id: &str,
) -> QueryResult<Option<Intent>> {
    let mine = order_intents::table
        .find(id)
        .filter(order_intents::org_id.eq(org_id))
        .filter(order_intents::user_id.eq(user_id));
    match conn {
        DbConn::Pg(pg) => mine
            .select(Intent::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConn::Sqlite(lite) => mine.select(Intent::as_select()).first(lite).optional(),
    }
}

/// Marks the intent consumed by `order_id`; false if something else consumed it first.
pub fn consume(conn: &mut DbConn, id: &str, order_id: &str) -> QueryResult<bool> {
    let updated = diesel::update(
        order_intents::table
            .find(id)
            .filter(order_intents::order_id.is_null()),
    )
    .set(order_intents::order_id.eq(order_id))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The order the same member placed, since `since`, from a review of the same request
/// (the same offer for the same customer, or the same product): the order a browser's
/// back button and a second confirmation would repeat.
pub fn recently_placed(
    conn: &mut DbConn,
    like: &Intent,
    since: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let same = order_intents::table
        .filter(order_intents::org_id.eq(&like.org_id))
        .filter(order_intents::user_id.eq(&like.user_id))
        .filter(order_intents::kind.eq(like.kind))
        .filter(order_intents::customer_org_id.eq(&like.customer_org_id))
        .filter(order_intents::offer_code.eq(&like.offer_code))
        .filter(order_intents::created_at.ge(since))
        .filter(order_intents::order_id.is_not_null())
        .order(order_intents::created_at.desc())
        .select(order_intents::order_id)
        .into_boxed();
    let same = match &like.product_id {
        Some(product) => same.filter(order_intents::product_id.eq(product)),
        None => same.filter(order_intents::product_id.is_null()),
    };
    Ok(same.first::<Option<String>>(conn).optional()?.flatten())
}

/// Ends an intent's time now: its confirmation was answered with other terms.
pub fn expire(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(order_intents::table.find(id))
        .set(order_intents::expires_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Forgets the intents that expired before `before`, consumed or not: a confirmation
/// sent after that is refused as expired rather than answered with its order.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(order_intents::table.filter(order_intents::expires_at.lt(before))).execute(conn)
}

/// What a consumed intent's order made, as its confirmation told it.
#[derive(Debug, Queryable)]
pub struct Outcome {
    pub order_id: String,
    pub product_id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub kind: OrderKind,
    pub placer: Placer,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    pub product_name: String,
    pub customer_name: String,
    pub payer_org_id: String,
    pub payer_name: String,
    pub period_end: NaiveDate,
}

pub fn outcome(conn: &mut DbConn, order_id: &str) -> QueryResult<Outcome> {
    orders::table
        .find(order_id)
        .inner_join(invoices::table)
        .inner_join(products::table.inner_join(offers::table))
        .inner_join(organizations::table.on(organizations::id.eq(orders::customer_org_id)))
        .select((
            orders::id,
            orders::product_id,
            invoices::id,
            invoices::number,
            orders::kind,
            orders::placed_by,
            (products::label, offers::name),
            organizations::name,
            invoices::payer_org_id,
            invoices::payer_name,
            orders::period_end,
        ))
        .first(conn)
}
