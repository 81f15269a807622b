//! The links that reset a forgotten password: kept by digest, used once, until they
//! expire.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::password_resets;

pub fn insert(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: &str,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user_id),
            password_resets::created_at.eq(created_at),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account whose link hashes to `token_hash`, if the link is unused and unexpired
/// at `at`.
pub fn open(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> QueryResult<Option<String>> {
    password_resets::table
        .find(token_hash)
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(at))
        .select(password_resets::user_id)
        .first(conn)
        .optional()
}

/// Marks the link used if it is still open at `at`, and returns its account: for exactly
/// one caller, however many use it at once (the update waits for the row; the second
/// finds it used).
pub fn take(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> QueryResult<Option<String>> {
    let taken = diesel::update(
        password_resets::table
            .find(token_hash)
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(at)),
    )
    .set(password_resets::used_at.eq(Some(at)))
    .execute(conn)?;
    if taken != 1 {
        return Ok(None);
    }
    password_resets::table
        .find(token_hash)
        .select(password_resets::user_id)
        .first(conn)
        .optional()
}

/// Closes every other open link of the account: a reset spends them all.
pub fn close_all(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(Some(at)))
    .execute(conn)
}

/// Forgets the links that expired before `before`, used or not.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(password_resets::table.filter(password_resets::expires_at.lt(before)))
        .execute(conn)
}
