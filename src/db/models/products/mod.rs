//! Products: what the customer has installed, who manages each, and when it renews.
//! Reading them as pages show them is in [`views`], as forms list them in [`listed`].

mod listed;
mod views;

pub use listed::{Listed, ListedManager, choices, of_partnership};
pub use views::{After, Manager, ProductView, Visible, find_view, position, views};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{offers, organizations, partnerships, products};
use crate::domain::{PartnershipStatus, PaymentMode};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: String,
    pub customer_org_id: String,
    pub offer_code: String,
    pub partnership_id: Option<String>,
    pub renews_on: NaiveDate,
    pub auto_renew: i32,
    pub created_at: NaiveDateTime,
    /// Its own name, given at order (empty: none).
    pub label: String,
}

/// A product's name as pages, invoices and emails show it, read from its label and its
/// offer's name: `example.ch · Domain name`, or the offer's name alone.
#[derive(Debug, Clone, Queryable)]
pub struct Named {
    label: String,
    offer: String,
}

impl From<Named> for String {
    fn from(named: Named) -> String {
        crate::domain::product_name(&named.label, &named.offer)
    }
}

pub fn insert(conn: &mut DbConn, product: &Product) -> QueryResult<()> {
    diesel::insert_into(products::table)
        .values(product)
        .execute(conn)?;
    Ok(())
}

/// Moves a product's renewal date on, if it still is `from` (so a period is billed once).
pub fn advance_renewal(
    conn: &mut DbConn,
    id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<bool> {
    let updated = diesel::update(
        products::table
            .find(id)
            .filter(products::renews_on.eq(from)),
    )
    .set(products::renews_on.eq(to))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Products whose automatic renewal is due on `today` or before, oldest first.
pub fn due(
    conn: &mut DbConn,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(NaiveDate, String)>> {
    products::table
        // Literal, as in the partial index `products_due`, so that the planner uses it.
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "products.auto_renew = 1",
        ))
        .filter(products::renews_on.le(today))
        .order((products::renews_on, products::id))
        .select((products::renews_on, products::id))
        .limit(limit)
        .load(conn)
}

/// A product for the scheduler, which acts for everyone.
pub fn find_any(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProductView>> {
    let customer = products::table
        .find(id)
        .select(products::customer_org_id)
        .first::<String>(conn)
        .optional()?;
    match customer {
        Some(org_id) => find_view(conn, &org_id, id),
        None => Ok(None),
    }
}

/// Of `ids`, those of products installed in `customer_org_id`.
pub fn owned_among(
    conn: &mut DbConn,
    customer_org_id: &str,
    ids: &[String],
) -> QueryResult<Vec<String>> {
    products::table
        .filter(products::customer_org_id.eq(customer_org_id))
        .filter(products::id.eq_any(ids))
        .select(products::id)
        .load(conn)
}

/// The products a partnership manages.
pub fn managed_by(conn: &mut DbConn, partnership_id: &str) -> QueryResult<Vec<String>> {
    products::table
        .filter(products::partnership_id.eq(partnership_id))
        .order(products::id)
        .select(products::id)
        .load(conn)
}

/// Hands the listed products of the customer to the partnership.
pub fn assign(
    conn: &mut DbConn,
    customer_org_id: &str,
    partnership_id: &str,
    ids: &[String],
) -> QueryResult<usize> {
    diesel::update(
        products::table
            .filter(products::customer_org_id.eq(customer_org_id))
            .filter(products::id.eq_any(ids)),
    )
    .set(products::partnership_id.eq(Some(partnership_id)))
    .execute(conn)
}

/// A product another partnership manages now.
#[derive(Debug, Clone, Queryable)]
pub struct ManagedElsewhere {
    pub product_id: String,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    pub product_name: String,
    pub partnership_id: String,
    pub partner_name: String,
    pub payment_mode: Option<PaymentMode>,
}

/// Of `ids`, the customer's products that an active partnership other than `except`
/// manages now, ordered by that partnership.
pub fn managed_elsewhere(
    conn: &mut DbConn,
    customer_org_id: &str,
    ids: &[String],
    except: &str,
) -> QueryResult<Vec<ManagedElsewhere>> {
    products::table
        .inner_join(offers::table)
        .inner_join(partnerships::table)
        .filter(products::customer_org_id.eq(customer_org_id))
        .filter(products::id.eq_any(ids))
        .filter(partnerships::status.eq(PartnershipStatus::Active))
        .filter(partnerships::id.ne(except))
        .inner_join(organizations::table.on(organizations::id.eq(partnerships::partner_org_id)))
        .order((partnerships::id, offers::position, products::id))
        .select((
            products::id,
            (products::label, offers::name),
            partnerships::id,
            organizations::name,
            partnerships::payment_mode,
        ))
        .load(conn)
}

/// Takes back from the partnership every product it manages but those in `keep`.
pub fn release(conn: &mut DbConn, partnership_id: &str, keep: &[String]) -> QueryResult<usize> {
    diesel::update(
        products::table
            .filter(products::partnership_id.eq(partnership_id))
            .filter(products::id.ne_all(keep)),
    )
    .set(products::partnership_id.eq(None::<String>))
    .execute(conn)
}

/// Remembers the products a limited-access invitation lists, until it is accepted.
pub fn request(conn: &mut DbConn, partnership_id: &str, ids: &[String]) -> QueryResult<()> {
    use crate::db::schema::requested_products;
    for id in ids {
        diesel::insert_into(requested_products::table)
            .values((
                requested_products::partnership_id.eq(partnership_id),
                requested_products::product_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn requested(conn: &mut DbConn, partnership_id: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::requested_products;
    requested_products::table
        .filter(requested_products::partnership_id.eq(partnership_id))
        .select(requested_products::product_id)
        .load(conn)
}
