use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{memberships, organizations, partner_profiles, partnerships, users};
use crate::db::{DbConn, new_id, now};
use crate::domain::{Currency, PartnershipStatus, Rate, Role};
use crate::i18n::Locale;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub currency: Currency,
    pub created_at: NaiveDateTime,
}

/// Someone to write to: a member of an organization with one of the given roles.
#[derive(Debug, Clone, Queryable)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    /// The language they chose; English until they do.
    pub locale: Option<Locale>,
}

impl Recipient {
    pub fn locale(&self) -> Locale {
        self.locale.unwrap_or_default()
    }
}

pub fn create(conn: &mut DbConn, name: &str, currency: Currency) -> QueryResult<Organization> {
    let org = Organization {
        id: new_id(),
        name: name.to_owned(),
        currency,
        created_at: now(),
    };
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(&org.id),
            organizations::name.eq(&org.name),
            organizations::currency.eq(org.currency),
            organizations::created_at.eq(org.created_at),
        ))
        .execute(conn)?;
    Ok(org)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::name.eq(name))
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    organizations::table.count().get_result(conn)
}

pub fn add_member(conn: &mut DbConn, org_id: &str, user_id: &str, role: Role) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::org_id.eq(org_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role),
            memberships::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Registers the organization as a partner with the given rate.
pub fn make_partner(conn: &mut DbConn, org_id: &str, rate: Rate) -> QueryResult<()> {
    diesel::insert_into(partner_profiles::table)
        .values((
            partner_profiles::org_id.eq(org_id),
            partner_profiles::rate_bp.eq(rate.bp()),
            partner_profiles::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The members of `org_id` holding one of `roles`, in a stable order.
pub fn recipients(conn: &mut DbConn, org_id: &str, roles: &[Role]) -> QueryResult<Vec<Recipient>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::role.eq_any(roles))
        .order(users::email)
        .select((users::email, users::name, users::locale))
        .load(conn)
}

/// The partner rate of an organization, if it is a registered partner.
pub fn partner_rate(conn: &mut DbConn, org_id: &str) -> QueryResult<Option<i32>> {
    partner_profiles::table
        .find(org_id)
        .select(partner_profiles::rate_bp)
        .first(conn)
        .optional()
}

diesel::define_sql_function! {
    /// Lower-cases text, on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A registered partner found by a search, and where the searching organization stands
/// with it.
#[derive(Debug, Clone, Queryable)]
pub struct PartnerMatch {
    pub org_id: String,
    pub name: String,
    pub rate_bp: i32,
    /// The live (pending or active) partnership of the searching organization with this
    /// partner, if there is one: its id and status.
    pub live: Option<(String, PartnershipStatus)>,
}

/// Registered partners whose name contains `text`; never `exclude` (the searching
/// organization itself). Not by a member's email: that would tell anyone whether an
/// address belongs to a partner's staff.
pub fn search_partners(
    conn: &mut DbConn,
    text: &str,
    exclude: &str,
    limit: i64,
) -> QueryResult<Vec<PartnerMatch>> {
    let needle = text.trim().to_lowercase();
    let pattern = format!(
        "%{}%",
        needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    partners_seen_by(conn, exclude, None, Some(&pattern), limit)
}

/// One registered partner, by id (never `exclude`).
pub fn partner_match(
    conn: &mut DbConn,
    org_id: &str,
    exclude: &str,
) -> QueryResult<Option<PartnerMatch>> {
    Ok(partners_seen_by(conn, exclude, Some(org_id), None, 1)?
        .into_iter()
        .next())
}

/// The registered partners other than `exclude`, by id or by a name pattern, each with
/// the live partnership `exclude` has with it as a customer.
fn partners_seen_by(
    conn: &mut DbConn,
    exclude: &str,
    id: Option<&str>,
    name_like: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PartnerMatch>> {
    let mut query = partner_profiles::table
        .inner_join(organizations::table)
        .left_join(
            partnerships::table.on(partnerships::partner_org_id
                .eq(organizations::id)
                .and(partnerships::customer_org_id.eq(exclude))
                .and(partnerships::status.ne(PartnershipStatus::Ended))),
        )
        .filter(organizations::id.ne(exclude))
        .order((organizations::name, organizations::id))
        .select((
            organizations::id,
            organizations::name,
            partner_profiles::rate_bp,
            (partnerships::id, partnerships::status).nullable(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(organizations::id.eq(id));
    }
    if let Some(pattern) = name_like {
        query = query.filter(lower(organizations::name).like(pattern).escape('\\'));
    }
    query.load(conn)
}

/// The organizations whose legal representative or administrator has this email.
pub fn represented_by(conn: &mut DbConn, email: &str) -> QueryResult<Vec<Organization>> {
    memberships::table
        .inner_join(users::table)
        .inner_join(organizations::table)
        .filter(users::email.eq(email))
        .filter(memberships::role.eq_any(Role::MANAGERS))
        .order((organizations::name, organizations::id))
        .select(Organization::as_select())
        .load(conn)
}
