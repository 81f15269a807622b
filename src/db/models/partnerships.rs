use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_source::{Alias, AliasedField};

use crate::db::schema::{organizations, partner_profiles, partnerships};
use crate::db::{DbConn, new_id, now};
use crate::domain::{Access, AccessKind, EventKind, PartnershipStatus, PaymentMode, Rate};

pub use crate::domain::Side;

/// A partnership with the names of both organizations, as the pages show it.
#[derive(Debug, Clone)]
pub struct PartnershipView {
    pub id: String,
    pub customer_org_id: String,
    pub customer_name: String,
    pub partner_org_id: String,
    pub partner_name: String,
    pub rate: Rate,
    pub access: Access,
    pub status: PartnershipStatus,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who sent the invitation that started it.
    pub initiated_by: Side,
    /// When the pending invitation was last sent.
    pub invited_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    /// How it ended: the event that closed it (refused, withdrawn, expired, ended).
    pub outcome: Option<EventKind>,
}

impl PartnershipView {
    /// How billing sees a product it manages, the partnership being active.
    pub fn management(&self) -> crate::billing::Management {
        crate::billing::Management::Partner {
            access: self.access,
            rate: self.rate,
        }
    }

    /// The name of the organization at the other end, seen from `side`.
    pub fn counterpart_name(&self, side: Side) -> &str {
        match side {
            Side::Customer => &self.partner_name,
            Side::Partner => &self.customer_name,
        }
    }
}

#[derive(Queryable)]
struct ViewRow {
    id: String,
    customer_org_id: String,
    customer_name: String,
    partner_org_id: String,
    partner_name: String,
    rate_bp: i32,
    kind: AccessKind,
    mode: Option<PaymentMode>,
    status: PartnershipStatus,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    initiated_by: Side,
    invited_at: Option<NaiveDateTime>,
    ended_at: Option<NaiveDateTime>,
    outcome: Option<EventKind>,
}

fn into_view(row: ViewRow) -> QueryResult<PartnershipView> {
    let corrupt = |what: String| diesel::result::Error::DeserializationError(what.into());
    let access = Access::from_columns(row.kind, row.mode).ok_or_else(|| {
        corrupt(format!(
            "partnership {} has access {:?} with payment mode {:?}",
            row.id, row.kind, row.mode
        ))
    })?;
    let rate = Rate::from_bp(row.rate_bp).map_err(corrupt)?;
    Ok(PartnershipView {
        id: row.id,
        customer_org_id: row.customer_org_id,
        customer_name: row.customer_name,
        partner_org_id: row.partner_org_id,
        partner_name: row.partner_name,
        rate,
        access,
        status: row.status,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        initiated_by: row.initiated_by,
        invited_at: row.invited_at,
        ended_at: row.ended_at,
        outcome: row.outcome,
    })
}

/// Where a page of a partnership list starts: after this counterpart name and id.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    pub name: String,
    pub id: String,
}

/// What to load: a page of one organization's partnerships, on one side.
pub struct Scope<'a> {
    pub side: Side,
    pub org_id: &'a str,
    pub after: Option<&'a Cursor>,
    pub limit: i64,
}

diesel::alias!(organizations as customers: Customers, organizations as partners: Partners);

/// Partnerships with both organizations' names and the partner's rate, selected as
/// [`ViewRow`]s. One type for every query built on it: the backend's statement cache
/// finds a fixed-shape query by that type.
#[diesel::dsl::auto_type(no_type_alias)]
fn joined_views() -> _ {
    let customer_orgs: Alias<Customers> = customers;
    let partner_orgs: Alias<Partners> = partners;
    let customer_id: AliasedField<Customers, organizations::id> =
        customers.field(organizations::id);
    let partner_id: AliasedField<Partners, organizations::id> = partners.field(organizations::id);
    let customer_name: AliasedField<Customers, organizations::name> =
        customers.field(organizations::name);
    let partner_name: AliasedField<Partners, organizations::name> =
        partners.field(organizations::name);
    partnerships::table
        .inner_join(customer_orgs.on(customer_id.eq(partnerships::customer_org_id)))
        .inner_join(partner_orgs.on(partner_id.eq(partnerships::partner_org_id)))
        .inner_join(
            partner_profiles::table.on(partner_profiles::org_id.eq(partnerships::partner_org_id)),
        )
        .select((
            partnerships::id,
            partnerships::customer_org_id,
            customer_name,
            partnerships::partner_org_id,
            partner_name,
            partner_profiles::rate_bp,
            partnerships::access,
            partnerships::payment_mode,
            partnerships::status,
            partnerships::version,
            partnerships::created_at,
            partnerships::updated_at,
            partnerships::initiated_by,
            partnerships::invited_at,
            partnerships::ended_at,
            partnerships::outcome,
        ))
}

/// Partnerships of `scope.org_id` on `scope.side`, ordered by the counterpart's name.
pub fn views(conn: &mut DbConn, scope: Scope<'_>) -> QueryResult<Vec<PartnershipView>> {
    let customer_name = customers.field(organizations::name);
    let partner_name = partners.field(organizations::name);
    let rows = natively!(conn, c => {
        let mut query = joined_views().limit(scope.limit).into_boxed();
        query = match scope.side {
            Side::Customer => query
                .filter(partnerships::customer_org_id.eq(scope.org_id))
                .order((partner_name, partnerships::id)),
            Side::Partner => query
                .filter(partnerships::partner_org_id.eq(scope.org_id))
                .order((customer_name, partnerships::id)),
        };
        if let Some(after) = scope.after {
            let after_name = after.name.clone();
            let after_id = after.id.clone();
            query = match scope.side {
                Side::Customer => query.filter(partner_name.ge(after_name.clone())).filter(
                    partner_name
                        .gt(after_name)
                        .or(partnerships::id.gt(after_id)),
                ),
                Side::Partner => query.filter(customer_name.ge(after_name.clone())).filter(
                    customer_name
                        .gt(after_name)
                        .or(partnerships::id.gt(after_id)),
                ),
            };
        }
        query.load::<ViewRow>(c)
    })?;
    rows.into_iter().map(into_view).collect()
}

/// One partnership, if `org_id` stands at `side` of it. A query of a fixed shape (not
/// boxed, unlike the lists'): every page about a partnership runs it.
pub fn find(
    conn: &mut DbConn,
    side: Side,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<PartnershipView>> {
    let row = natively!(conn, c => match side {
        Side::Customer => joined_views()
            .filter(partnerships::customer_org_id.eq(org_id))
            .filter(partnerships::id.eq(id))
            .first::<ViewRow>(c)
            .optional(),
        Side::Partner => joined_views()
            .filter(partnerships::partner_org_id.eq(org_id))
            .filter(partnerships::id.eq(id))
            .first::<ViewRow>(c)
            .optional(),
    })?;
    row.map(into_view).transpose()
}

/// The live (not ended) partnership between a customer and a partner, if any.
pub fn live_between(
    conn: &mut DbConn,
    customer_org_id: &str,
    partner_org_id: &str,
) -> QueryResult<Option<PartnershipView>> {
    let id = partnerships::table
        .filter(partnerships::customer_org_id.eq(customer_org_id))
        .filter(partnerships::partner_org_id.eq(partner_org_id))
        .filter(partnerships::status.ne(PartnershipStatus::Ended))
        .select(partnerships::id)
        .first::<String>(conn)
        .optional()?;
    match id {
        Some(id) => find(conn, Side::Partner, partner_org_id, &id),
        None => Ok(None),
    }
}

/// Creates a partnership. A pending one counts its 30 days from `at`.
pub fn create(
    conn: &mut DbConn,
    customer_org_id: &str,
    partner_org_id: &str,
    access: Access,
    status: PartnershipStatus,
    initiated_by: Side,
    at: NaiveDateTime,
) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(partnerships::table)
        .values((
            partnerships::id.eq(&id),
            partnerships::customer_org_id.eq(customer_org_id),
            partnerships::partner_org_id.eq(partner_org_id),
            partnerships::access.eq(access.kind()),
            partnerships::payment_mode.eq(access.payment_mode()),
            partnerships::status.eq(status),
            partnerships::version.eq(1),
            partnerships::created_at.eq(at),
            partnerships::updated_at.eq(at),
            partnerships::initiated_by.eq(initiated_by),
            partnerships::invited_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Makes a pending partnership active with the given access. False if it is not pending.
pub fn activate(
    conn: &mut DbConn,
    id: &str,
    access: Access,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        partnerships::table
            .find(id)
            .filter(partnerships::status.eq(PartnershipStatus::Pending)),
    )
    .set((
        partnerships::status.eq(PartnershipStatus::Active),
        partnerships::access.eq(access.kind()),
        partnerships::payment_mode.eq(access.payment_mode()),
        partnerships::version.eq(partnerships::version + 1),
        partnerships::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Ends a pending or active partnership, `how` it ended (refused, withdrawn, expired,
/// ended). False if it had ended already.
pub fn end(conn: &mut DbConn, id: &str, at: NaiveDateTime, how: EventKind) -> QueryResult<bool> {
    let updated = diesel::update(
        partnerships::table
            .find(id)
            .filter(partnerships::status.ne(PartnershipStatus::Ended)),
    )
    .set((
        partnerships::status.eq(PartnershipStatus::Ended),
        partnerships::ended_at.eq(Some(at)),
        partnerships::outcome.eq(Some(how)),
        partnerships::version.eq(partnerships::version + 1),
        partnerships::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Restarts a pending invitation's 30 days.
pub fn reinvite(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        partnerships::table
            .find(id)
            .filter(partnerships::status.eq(PartnershipStatus::Pending)),
    )
    .set((
        partnerships::invited_at.eq(Some(at)),
        partnerships::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Sets the access of an active partnership of `customer_org_id`, if nobody changed it
/// since `expected_version`.
pub fn set_access(
    conn: &mut DbConn,
    customer_org_id: &str,
    id: &str,
    expected_version: i32,
    access: Access,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        partnerships::table
            .filter(partnerships::id.eq(id))
            .filter(partnerships::customer_org_id.eq(customer_org_id))
            .filter(partnerships::version.eq(expected_version))
            .filter(partnerships::status.eq(PartnershipStatus::Active)),
    )
    .set((
        partnerships::access.eq(access.kind()),
        partnerships::payment_mode.eq(access.payment_mode()),
        partnerships::version.eq(partnerships::version + 1),
        partnerships::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Pending invitations last sent before `before`.
pub fn pending_sent_before(
    conn: &mut DbConn,
    before: NaiveDateTime,
) -> QueryResult<Vec<(String, String)>> {
    partnerships::table
        // Literal, as in the partial index `partnerships_pending`, so that the planner
        // uses it.
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "partnerships.status = 'pending'",
        ))
        .filter(partnerships::invited_at.lt(before))
        .select((partnerships::id, partnerships::customer_org_id))
        .load(conn)
}

/// Sets the payment mode of an active, full-access partnership of `customer_org_id`,
/// if nobody changed it since `expected_version`. Returns whether a row was updated.
pub fn set_payment_mode(
    conn: &mut DbConn,
    customer_org_id: &str,
    id: &str,
    expected_version: i32,
    mode: PaymentMode,
) -> QueryResult<bool> {
    let updated = diesel::update(
        partnerships::table
            .filter(partnerships::id.eq(id))
            .filter(partnerships::customer_org_id.eq(customer_org_id))
            .filter(partnerships::version.eq(expected_version))
            .filter(partnerships::access.eq(AccessKind::Full))
            .filter(partnerships::status.eq(PartnershipStatus::Active)),
    )
    .set((
        partnerships::payment_mode.eq(mode),
        partnerships::version.eq(partnerships::version + 1),
        partnerships::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
