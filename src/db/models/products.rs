use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{offers, organizations, partner_profiles, partnerships, products};
use crate::domain::{Access, AccessKind, Currency, PartnershipStatus, PaymentMode, Rate};

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
}

/// The partner managing a product, as its partnership stands now.
#[derive(Debug, Clone)]
pub struct Manager {
    pub partnership_id: String,
    pub partner_org_id: String,
    pub partner_name: String,
    pub access: Access,
    pub status: PartnershipStatus,
    pub rate: Rate,
}

/// A product with everything its row on the Products page shows.
#[derive(Debug, Clone)]
pub struct ProductView {
    pub id: String,
    pub offer_code: String,
    pub offer_name: String,
    pub yearly_price: i64,
    pub customer_org_id: String,
    pub customer_name: String,
    pub currency: Currency,
    pub manager: Option<Manager>,
    pub renews_on: NaiveDate,
    pub auto_renew: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable)]
struct ViewRow {
    id: String,
    offer_code: String,
    offer_name: String,
    price_chf: i64,
    price_eur: i64,
    customer_org_id: String,
    customer_name: String,
    currency: Currency,
    renews_on: NaiveDate,
    auto_renew: i32,
    created_at: NaiveDateTime,
    partnership_id: Option<String>,
    partner_org_id: Option<String>,
    partner_name: Option<String>,
    access: Option<AccessKind>,
    payment_mode: Option<PaymentMode>,
    status: Option<PartnershipStatus>,
    rate_bp: Option<i32>,
}

impl ViewRow {
    fn into_view(self) -> QueryResult<ProductView> {
        let corrupt = |what: String| diesel::result::Error::DeserializationError(what.into());
        let manager = match (
            self.partnership_id,
            self.partner_org_id,
            self.partner_name,
            self.access,
            self.status,
            self.rate_bp,
        ) {
            (
                Some(partnership_id),
                Some(partner_org_id),
                Some(partner_name),
                Some(kind),
                Some(status),
                Some(bp),
            ) => {
                let access = Access::from_columns(kind, self.payment_mode).ok_or_else(|| {
                    corrupt(format!(
                        "partnership {partnership_id} has inconsistent access"
                    ))
                })?;
                Some(Manager {
                    partnership_id,
                    partner_org_id,
                    partner_name,
                    access,
                    status,
                    rate: Rate::from_bp(bp).map_err(corrupt)?,
                })
            }
            _ => None,
        };
        let yearly_price = match self.currency {
            Currency::Chf => self.price_chf,
            Currency::Eur => self.price_eur,
        };
        Ok(ProductView {
            id: self.id,
            offer_code: self.offer_code,
            offer_name: self.offer_name,
            yearly_price,
            customer_org_id: self.customer_org_id,
            customer_name: self.customer_name,
            currency: self.currency,
            manager,
            renews_on: self.renews_on,
            auto_renew: self.auto_renew == 1,
            created_at: self.created_at,
        })
    }
}

/// Which products to load for an organization.
pub enum Visible<'a> {
    /// Installed in the organization.
    InstalledIn(&'a str),
    /// Managed by the organization, as a partner under an active partnership.
    ManagedBy(&'a str),
    /// One product, if the organization may see it (installed there or managed by it).
    One {
        org_id: &'a str,
        product_id: &'a str,
    },
    /// The products a partnership manages that renew in `[from, to]`, for the customer.
    RenewingUnder {
        customer_org_id: &'a str,
        partnership_id: &'a str,
        from: NaiveDate,
        to: NaiveDate,
    },
}

/// Where a page of products starts: after this product's creation time and id.
#[derive(Debug, Clone)]
pub struct After {
    pub created_at: NaiveDateTime,
    pub id: String,
}

pub fn views(
    conn: &mut DbConn,
    visible: Visible<'_>,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ProductView>> {
    let (customers, partners) =
        diesel::alias!(organizations as customers, organizations as partners);
    let mut query = products::table
        .inner_join(offers::table)
        .inner_join(
            customers.on(customers
                .field(organizations::id)
                .eq(products::customer_org_id)),
        )
        .left_join(partnerships::table.on(partnerships::id.nullable().eq(products::partnership_id)))
        .left_join(
            partners.on(partners
                .field(organizations::id)
                .nullable()
                .eq(partnerships::partner_org_id.nullable())),
        )
        .left_join(
            partner_profiles::table.on(partner_profiles::org_id
                .nullable()
                .eq(partnerships::partner_org_id.nullable())),
        )
        .select((
            products::id,
            products::offer_code,
            offers::name,
            offers::price_chf,
            offers::price_eur,
            products::customer_org_id,
            customers.field(organizations::name),
            customers.field(organizations::currency),
            products::renews_on,
            products::auto_renew,
            products::created_at,
            partnerships::id.nullable(),
            partnerships::partner_org_id.nullable(),
            partners.field(organizations::name).nullable(),
            partnerships::access.nullable(),
            partnerships::payment_mode.nullable(),
            partnerships::status.nullable(),
            partner_profiles::rate_bp.nullable(),
        ))
        .limit(limit)
        .into_boxed();
    let active = partnerships::status.eq(PartnershipStatus::Active);
    query = match visible {
        Visible::InstalledIn(org) => query.filter(products::customer_org_id.eq(org)),
        Visible::ManagedBy(org) => query
            .filter(partnerships::partner_org_id.eq(org))
            .filter(active),
        Visible::One { org_id, product_id } => query.filter(products::id.eq(product_id)).filter(
            products::customer_org_id
                .eq(org_id)
                .or(partnerships::partner_org_id
                    .eq(org_id)
                    .and(partnerships::status.eq(PartnershipStatus::Active))),
        ),
        Visible::RenewingUnder {
            customer_org_id,
            partnership_id,
            from,
            to,
        } => query
            .filter(products::customer_org_id.eq(customer_org_id))
            .filter(products::partnership_id.eq(partnership_id))
            .filter(products::auto_renew.eq(1))
            .filter(products::renews_on.between(from, to)),
    };
    query = match after {
        // Written so that the first condition bounds the index range by itself.
        Some(after) => query
            .filter(products::created_at.ge(after.created_at))
            .filter(
                products::created_at
                    .gt(after.created_at)
                    .or(products::id.gt(after.id.clone())),
            ),
        None => query,
    };
    query
        .order((products::created_at, products::id))
        .load::<ViewRow>(conn)?
        .into_iter()
        .map(ViewRow::into_view)
        .collect()
}

pub fn find_view(
    conn: &mut DbConn,
    org_id: &str,
    product_id: &str,
) -> QueryResult<Option<ProductView>> {
    Ok(views(conn, Visible::One { org_id, product_id }, None, 1)?
        .into_iter()
        .next())
}

pub fn position(conn: &mut DbConn, org_id: &str, product_id: &str) -> QueryResult<Option<After>> {
    Ok(find_view(conn, org_id, product_id)?.map(|p| After {
        created_at: p.created_at,
        id: p.id,
    }))
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
pub fn due(conn: &mut DbConn, today: NaiveDate, limit: i64) -> QueryResult<Vec<String>> {
    products::table
        // Literal, as in the partial index `products_due`, so that the planner uses it.
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "products.auto_renew = 1",
        ))
        .filter(products::renews_on.le(today))
        .order((products::renews_on, products::id))
        .select(products::id)
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
    pub offer_name: String,
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
            offers::name,
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

/// A product as a grant form lists it, with the partnership managing it now, if any.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub id: String,
    pub offer_name: String,
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
            offers::name,
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
    natively!(conn, |c| if requested {
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
