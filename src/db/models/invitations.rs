//! Invitations to join an organization, addressed to an email until answered.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{member_invitations, organizations};
use crate::db::{DbConn, new_id};
use crate::domain::Role;

/// An invitation waiting for its answer.
#[derive(Debug, Clone, Queryable)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub expires_at: NaiveDateTime,
}

/// The invitations not yet answered nor cancelled, expired or not.
#[diesel::dsl::auto_type]
fn unanswered() -> _ {
    member_invitations::table
        .filter(member_invitations::accepted_at.is_null())
        .filter(member_invitations::declined_at.is_null())
        .filter(member_invitations::cancelled_at.is_null())
}

/// The invitations not yet answered, cancelled nor expired at `at`, with their
/// organization's name.
#[diesel::dsl::auto_type(no_type_alias)]
fn open(at: NaiveDateTime) -> _ {
    unanswered()
        .inner_join(organizations::table)
        .filter(member_invitations::expires_at.gt(at))
        .select((
            member_invitations::id,
            member_invitations::org_id,
            organizations::name,
            member_invitations::email,
            member_invitations::name,
            member_invitations::role,
            member_invitations::expires_at,
        ))
}

/// The open invitation whose link's token hashes to `token_hash`.
pub fn by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<Invitation>> {
    open(at)
        .filter(member_invitations::token_hash.eq(token_hash))
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<Option<Invitation>> {
    open(at)
        .filter(member_invitations::id.eq(id))
        .first(conn)
        .optional()
}

/// The open invitations of an organization, newest first (its team page).
pub fn of_org(conn: &mut DbConn, org_id: &str, at: NaiveDateTime) -> QueryResult<Vec<Invitation>> {
    open(at)
        .filter(member_invitations::org_id.eq(org_id))
        .order(member_invitations::created_at.desc())
        .limit(200)
        .load(conn)
}

/// The open invitations addressed to `email` (the person's own list).
pub fn addressed_to(
    conn: &mut DbConn,
    email: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<Invitation>> {
    open(at)
        .filter(member_invitations::email.eq(email))
        .order(member_invitations::created_at.desc())
        .limit(50)
        .load(conn)
}

/// Whether `org_id` has an open invitation for `email`.
pub fn is_pending(
    conn: &mut DbConn,
    org_id: &str,
    email: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let pending: i64 = open(at)
        .filter(member_invitations::org_id.eq(org_id))
        .filter(member_invitations::email.eq(email))
        .count()
        .get_result(conn)?;
    Ok(pending > 0)
}

pub struct NewInvitation<'a> {
    pub org_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by_user_id: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewInvitation<'_>) -> QueryResult<()> {
    diesel::insert_into(member_invitations::table)
        .values((
            member_invitations::id.eq(new_id()),
            member_invitations::org_id.eq(new.org_id),
            member_invitations::email.eq(new.email),
            member_invitations::name.eq(new.name),
            member_invitations::role.eq(new.role),
            member_invitations::token_hash.eq(new.token_hash),
            member_invitations::invited_by_user_id.eq(new.invited_by_user_id),
            member_invitations::created_at.eq(new.created_at),
            member_invitations::expires_at.eq(new.expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Marks an open invitation accepted (or declined); false if it was answered already.
pub fn answer(conn: &mut DbConn, id: &str, accepted: bool, at: NaiveDateTime) -> QueryResult<bool> {
    let still_open = unanswered().filter(member_invitations::id.eq(id));
    let updated = if accepted {
        diesel::update(still_open)
            .set(member_invitations::accepted_at.eq(Some(at)))
            .execute(conn)?
    } else {
        diesel::update(still_open)
            .set(member_invitations::declined_at.eq(Some(at)))
            .execute(conn)?
    };
    Ok(updated == 1)
}

/// Sends an open invitation of `org_id` again: a new link (the old one stops working),
/// valid until `expires_at`. False if it is not an open invitation of `org_id`.
pub fn renew(
    conn: &mut DbConn,
    org_id: &str,
    id: &str,
    token_hash: &str,
    (at, expires_at): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<bool> {
    let updated = diesel::update(
        unanswered()
            .filter(member_invitations::id.eq(id))
            .filter(member_invitations::org_id.eq(org_id))
            .filter(member_invitations::expires_at.gt(at)),
    )
    .set((
        member_invitations::token_hash.eq(token_hash),
        member_invitations::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Takes back an open invitation of `org_id`. False if it is not one.
pub fn cancel(conn: &mut DbConn, org_id: &str, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        unanswered()
            .filter(member_invitations::id.eq(id))
            .filter(member_invitations::org_id.eq(org_id))
            .filter(member_invitations::expires_at.gt(at)),
    )
    .set(member_invitations::cancelled_at.eq(Some(at)))
    .execute(conn)?;
    Ok(updated == 1)
}
