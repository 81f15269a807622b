//! Products with everything their rows on the pages show: the offer, the customer, the
//! partnership that manages them now.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::billing::Management;
use crate::db::DbConn;
use crate::db::schema::{offers, organizations, partner_profiles, partnerships, products};
use crate::domain::{Access, AccessKind, Currency, PartnershipStatus, PaymentMode, Rate};

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
    pub product_name: String,
    pub yearly_price: i64,
    pub customer_org_id: String,
    pub customer_name: String,
    pub currency: Currency,
    pub manager: Option<Manager>,
    pub renews_on: NaiveDate,
    pub auto_renew: bool,
    pub created_at: NaiveDateTime,
}

impl ProductView {
    /// Its manager, if their partnership is active: only then does it count for billing.
    pub fn active_manager(&self) -> Option<&Manager> {
        self.manager
            .as_ref()
            .filter(|m| m.status == PartnershipStatus::Active)
    }

    /// Who manages it, as billing sees it.
    pub fn management(&self) -> Management {
        self.active_manager()
            .map_or(Management::Unmanaged, |m| Management::Partner {
                access: m.access,
                rate: m.rate,
            })
    }
}

#[derive(Queryable)]
struct ViewRow {
    id: String,
    offer_code: String,
    #[diesel(deserialize_as = crate::db::models::products::Named)]
    product_name: String,
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
            product_name: self.product_name,
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
    /// The organization's products that renew by themselves by `until`, soonest first:
    /// those installed in it, or (`for_clients`) those it manages for its clients.
    NextRenewals {
        org_id: &'a str,
        for_clients: bool,
        until: NaiveDate,
    },
    /// Installed in the organization.
    InstalledIn(&'a str),
    /// Managed by the organization, as a partner under an active partnership.
    /// (Of one client, when given.) Soonest renewal first.
    ManagedBy {
        org_id: &'a str,
        client: Option<&'a str>,
    },
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
    /// For the lists in renewal order.
    pub renews_on: NaiveDate,
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
            (products::label, offers::name),
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
    let soonest_first = matches!(
        visible,
        Visible::NextRenewals { .. } | Visible::ManagedBy { .. }
    );
    query = match visible {
        Visible::NextRenewals {
            org_id,
            for_clients,
            until,
        } => {
            let query = query
                .filter(products::auto_renew.eq(1))
                .filter(products::renews_on.le(until));
            if for_clients {
                query
                    .filter(partnerships::partner_org_id.eq(org_id))
                    .filter(active)
            } else {
                query.filter(products::customer_org_id.eq(org_id))
            }
        }
        Visible::InstalledIn(org) => query.filter(products::customer_org_id.eq(org)),
        Visible::ManagedBy { org_id, client } => {
            let query = query
                .filter(partnerships::partner_org_id.eq(org_id))
                .filter(active);
            match client {
                Some(client) => query.filter(products::customer_org_id.eq(client)),
                None => query,
            }
        }
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
        Some(after) if soonest_first => query
            .filter(products::renews_on.ge(after.renews_on))
            .filter(
                products::renews_on
                    .gt(after.renews_on)
                    .or(products::id.gt(after.id.clone())),
            ),
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
    query = if soonest_first {
        query.order((products::renews_on, products::id))
    } else {
        query.order((products::created_at, products::id))
    };
    query
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
        renews_on: p.renews_on,
        id: p.id,
    }))
}
