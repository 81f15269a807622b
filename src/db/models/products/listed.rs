//! The customer's products as the grant forms and partnership pages list them.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{offers, organizations, partnerships, products};
use crate::domain::{PartnershipStatus, PaymentMode};

/// A product as a grant form lists it, with the partnership managing it now, if any.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub id: String,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    pub product_name: String,
    pub renews_on: NaiveDate,
    pub manager: Option<ListedManager>,
}

/// The active partnership managing a listed product.
#[derive(Debug, Clone, Queryable)]
pub struct ListedManager {
    pub partnership_id: String,
    pub partner_name: String,
    pub payment_mode: Option<PaymentMode>,
}

impl ListedManager {
    /// Whether this partner pays the product's renewals.
    pub fn pays(&self) -> bool {
        self.payment_mode == Some(PaymentMode::PartnerPays)
    }
}

impl Listed {
    /// The partner managing it now, when that is not `partnership_id`'s.
    pub fn managed_elsewhere(&self, partnership_id: Option<&str>) -> Option<&ListedManager> {
        self.manager
            .as_ref()
            .filter(|m| Some(m.partnership_id.as_str()) != partnership_id)
    }
}

/// The customer's products as lists show them, in offer order then oldest first, with
/// the active partnership (id, partner's name) managing each.
#[diesel::dsl::auto_type(no_type_alias)]
fn listed<'a>(customer_org_id: &'a str) -> _ {
    let active: PartnershipStatus = PartnershipStatus::Active;
    products::table
        .inner_join(offers::table)
        .left_join(
            partnerships::table.on(partnerships::id
                .nullable()
                .eq(products::partnership_id)
                .and(partnerships::status.eq(active))),
        )
        .left_join(
            organizations::table.on(organizations::id
                .nullable()
                .eq(partnerships::partner_org_id.nullable())),
        )
        .filter(products::customer_org_id.eq(customer_org_id))
        .order((offers::position, products::created_at, products::id))
        .select((
            products::id,
            (products::label, offers::name),
            products::renews_on,
            (
                partnerships::id,
                organizations::name,
                partnerships::payment_mode,
            )
                .nullable(),
        ))
}

/// The products of `customer_org_id` that a partnership manages or, when `requested`,
/// that its invitation asks for: one query.
pub fn of_partnership(
    conn: &mut DbConn,
    customer_org_id: &str,
    partnership_id: &str,
    requested: bool,
) -> QueryResult<Vec<Listed>> {
    use crate::db::schema::requested_products;
    natively!(conn, c => if requested {
        listed(customer_org_id)
            .filter(
                products::id.eq_any(
                    requested_products::table
                        .filter(requested_products::partnership_id.eq(partnership_id))
                        .select(requested_products::product_id),
                ),
            )
            .load(c)
    } else {
        listed(customer_org_id)
            .filter(products::partnership_id.eq(partnership_id))
            .load(c)
    })
}

/// The customer's products, for choosing those a limited partner manages.
pub fn choices(conn: &mut DbConn, customer_org_id: &str) -> QueryResult<Vec<Listed>> {
    listed(customer_org_id).limit(1000).load(conn)
}
