use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{memberships, organizations, partner_profiles, users};
use crate::db::{DbConn, new_id, now};
use crate::domain::{Currency, Rate, Role};

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
        .select((users::email, users::name))
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
