//! Memberships: who belongs to an organization, with which role.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{memberships, users};
use crate::domain::Role;

/// A member as the team page lists them.
#[derive(Debug, Clone, Queryable)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Whether they sign in with a second factor.
    pub two_factor: bool,
}

/// The members of an organization, by name.
pub fn of_org(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<MemberView>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(org_id))
        .order((users::name, users::id))
        .select((
            users::id,
            users::name,
            users::email,
            memberships::role,
            users::two_factor_since.is_not_null(),
        ))
        .load(conn)
}

pub fn role_of(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Option<Role>> {
    memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::role)
        .first(conn)
        .optional()
}

/// The member's role, its row held until the transaction ends (PostgreSQL: `FOR
/// SHARE`; SQLite's write transaction holds the whole database): a removal or a role
/// change waits for what the member is doing, or it came first and is seen.
pub fn role_held(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Option<Role>> {
    let row = memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::role);
    match conn {
        DbConn::Pg(pg) => row.for_share().first(pg).optional(),
        DbConn::Sqlite(lite) => row.first(lite).optional(),
    }
}

pub fn legal_rep_count(conn: &mut DbConn, org_id: &str) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::role.eq(Role::LegalRep))
        .count()
        .get_result(conn)
}

pub fn set_role(conn: &mut DbConn, org_id: &str, user_id: &str, role: Role) -> QueryResult<()> {
    diesel::update(
        memberships::table
            .filter(memberships::org_id.eq(org_id))
            .filter(memberships::user_id.eq(user_id)),
    )
    .set(memberships::role.eq(role))
    .execute(conn)
    .map(drop)
}

pub fn remove(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<()> {
    diesel::delete(
        memberships::table
            .filter(memberships::org_id.eq(org_id))
            .filter(memberships::user_id.eq(user_id)),
    )
    .execute(conn)
    .map(drop)
}
