//! The browsers an account signed in from, by the digest of their own cookie.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::DbConn;
use crate::db::schema::known_browsers;

/// What a sign-in's browser was to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Signed in from before.
    Known,
    /// New to the account; `first` when the account knew no browser at all yet.
    New { first: bool },
}

/// Notes that `user_id` signed in from the browser `browser_hash` at `at`. Call it
/// outside a transaction.
pub fn note(
    conn: &mut DbConn,
    user_id: &str,
    browser_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Seen> {
    let known: Vec<String> = known_browsers::table
        .filter(known_browsers::user_id.eq(user_id))
        .select(known_browsers::browser_hash)
        .load(conn)?;
    if known.iter().any(|hash| hash == browser_hash) {
        return Ok(Seen::Known);
    }
    // Not inside a transaction: a unique violation (another sign-in from this browser at
    // this very moment) must not spoil one.
    let inserted = diesel::insert_into(known_browsers::table)
        .values((
            known_browsers::user_id.eq(user_id),
            known_browsers::browser_hash.eq(browser_hash),
            known_browsers::first_seen_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Seen::New {
            first: known.is_empty(),
        }),
        // Seen before (or by a sign-in from it at this very moment).
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(Seen::Known),
        Err(other) => Err(other),
    }
}
