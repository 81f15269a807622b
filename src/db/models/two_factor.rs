//! Two-factor authentication: an account's TOTP secret and the last time step a code was
//! accepted for, its recovery codes (as digests), and the organizations that require it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{memberships, organizations, recovery_codes, users};

/// The account's secret (base32) and the last step a code was accepted for, when
/// two-factor is on.
pub fn secret(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<(String, i64)>> {
    let row: Option<(Option<String>, i64)> = users::table
        .find(user_id)
        .select((users::totp_secret, users::totp_last_step))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(secret, step)| secret.map(|s| (s, step))))
}

/// Turns two-factor on with `secret`, a code of `step` having just been accepted; `false`
/// when it was on already (the first confirmation wins).
pub fn enable(
    conn: &mut DbConn,
    user_id: &str,
    secret: &str,
    step: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::totp_secret.is_null()),
    )
    .set((
        users::totp_secret.eq(secret),
        users::two_factor_since.eq(at),
        users::totp_last_step.eq(step),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Turns two-factor off and forgets its recovery codes; `false` when it was off.
pub fn disable(conn: &mut DbConn, user_id: &str) -> QueryResult<bool> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::totp_secret.is_not_null()),
    )
    .set((
        users::totp_secret.eq(None::<String>),
        users::two_factor_since.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Accepts a code of time step `step`: `false` when a code of that step or a later one
/// was accepted already (a code works once, and two requests cannot both use it).
pub fn accept_step(conn: &mut DbConn, user_id: &str, step: i64) -> QueryResult<bool> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::totp_secret.is_not_null())
            .filter(users::totp_last_step.lt(step)),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces the account's recovery codes by these digests.
pub fn replace_codes(conn: &mut DbConn, user_id: &str, digests: &[String]) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    let rows: Vec<_> = digests
        .iter()
        .map(|d| {
            (
                recovery_codes::user_id.eq(user_id),
                recovery_codes::digest.eq(d),
            )
        })
        .collect();
    natively!(conn, c => diesel::insert_into(recovery_codes::table)
        .values(&rows)
        .execute(c)
        .map(drop))
}

/// Spends the recovery code of this digest: `false` when it is not one of the account's
/// or was spent already.
pub fn spend_code(
    conn: &mut DbConn,
    user_id: &str,
    digest: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::digest.eq(digest))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(at))
    .execute(conn)
    .map(|n| n == 1)
}

/// How many of the account's recovery codes are still unused.
pub fn codes_left(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// Whether an organization of `user_id`'s requires two-factor. On PostgreSQL those
/// organizations' rows stay locked until the end of the transaction (SQLite's write
/// transaction holds the whole database), so that a requirement set meanwhile waits.
/// Lock the organizations before the user, as [`lock_for_requiring`] does.
pub fn required_for(conn: &mut DbConn, user_id: &str) -> QueryResult<bool> {
    let flags = organizations::table
        .inner_join(memberships::table)
        .filter(memberships::user_id.eq(user_id))
        .select(organizations::requires_two_factor);
    let flags: Vec<bool> = match conn {
        DbConn::Pg(pg) => flags.for_update().load(pg)?,
        DbConn::Sqlite(lite) => flags.load(lite)?,
    };
    Ok(flags.into_iter().any(|required| required))
}

/// Locks the organization's row, then the user's (PostgreSQL; the order of
/// [`required_for`] then [`disable`]), and says whether the user has two-factor on: the
/// check of one who requires it, decided one after the other with their turning it off.
pub fn lock_for_requiring(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<bool> {
    let org = organizations::table.find(org_id).select(organizations::id);
    let user = users::table
        .find(user_id)
        .select(users::two_factor_since.is_not_null());
    let on: Option<bool> = match conn {
        DbConn::Pg(pg) => {
            org.for_update().first::<String>(pg).optional()?;
            user.for_update().first(pg).optional()?
        }
        DbConn::Sqlite(lite) => user.first(lite).optional()?,
    };
    Ok(on.unwrap_or(false))
}

/// Whether the organization's members must sign in with two-factor.
pub fn set_required(conn: &mut DbConn, org_id: &str, required: bool) -> QueryResult<()> {
    diesel::update(organizations::table.find(org_id))
        .set(organizations::requires_two_factor.eq(required))
        .execute(conn)
        .map(drop)
}
