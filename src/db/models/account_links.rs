//! Links sent to an address to act on an account (reset its password, confirm a new
//! email address): kept by digest, used once, until they expire.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::account_links;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    EmailChange,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::EmailChange => "email_change",
        }
    }
}

/// An open link: whose account, and its detail (the new address of an email change).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Link {
    pub user_id: String,
    pub detail: Option<String>,
}

pub fn insert(
    conn: &mut DbConn,
    purpose: Purpose,
    token_hash: &str,
    user_id: &str,
    detail: Option<&str>,
    (created_at, expires_at): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<()> {
    diesel::insert_into(account_links::table)
        .values((
            account_links::token_hash.eq(token_hash),
            account_links::purpose.eq(purpose.as_str()),
            account_links::user_id.eq(user_id),
            account_links::detail.eq(detail),
            account_links::created_at.eq(created_at),
            account_links::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The link of `purpose` whose token hashes to `token_hash`, if it is unused and
/// unexpired at `at`.
pub fn open(
    conn: &mut DbConn,
    purpose: Purpose,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<Link>> {
    account_links::table
        .find(token_hash)
        .filter(account_links::purpose.eq(purpose.as_str()))
        .filter(account_links::used_at.is_null())
        .filter(account_links::expires_at.gt(at))
        .select((account_links::user_id, account_links::detail))
        .first(conn)
        .optional()
}

/// The account's newest open link of `purpose` at `at`: its detail and when it expires.
pub fn newest_open(
    conn: &mut DbConn,
    purpose: Purpose,
    user_id: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<(Option<String>, NaiveDateTime)>> {
    account_links::table
        .filter(account_links::user_id.eq(user_id))
        .filter(account_links::purpose.eq(purpose.as_str()))
        .filter(account_links::used_at.is_null())
        .filter(account_links::expires_at.gt(at))
        .order(account_links::created_at.desc())
        .select((account_links::detail, account_links::expires_at))
        .first(conn)
        .optional()
}

/// Marks the link used if it is still open at `at`, and returns it: for exactly one
/// caller, however many use it at once (the update waits for the row; the second finds
/// it used).
pub fn take(
    conn: &mut DbConn,
    purpose: Purpose,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<Link>> {
    let taken = diesel::update(
        account_links::table
            .find(token_hash)
            .filter(account_links::purpose.eq(purpose.as_str()))
            .filter(account_links::used_at.is_null())
            .filter(account_links::expires_at.gt(at)),
    )
    .set(account_links::used_at.eq(Some(at)))
    .execute(conn)?;
    if taken != 1 {
        return Ok(None);
    }
    account_links::table
        .find(token_hash)
        .select((account_links::user_id, account_links::detail))
        .first(conn)
        .optional()
}

/// Closes every open link of `purpose` of the account.
pub fn close_all(
    conn: &mut DbConn,
    purpose: Purpose,
    user_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        account_links::table
            .filter(account_links::user_id.eq(user_id))
            .filter(account_links::purpose.eq(purpose.as_str()))
            .filter(account_links::used_at.is_null()),
    )
    .set(account_links::used_at.eq(Some(at)))
    .execute(conn)
}

/// Closes every open link of the account, whatever it does: its password or its address
/// changed, and what was asked before no longer holds.
pub fn close_every(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        account_links::table
            .filter(account_links::user_id.eq(user_id))
            .filter(account_links::used_at.is_null()),
    )
    .set(account_links::used_at.eq(Some(at)))
    .execute(conn)
}

/// Forgets the links that expired before `before`, used or not.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(account_links::table.filter(account_links::expires_at.lt(before))).execute(conn)
}
