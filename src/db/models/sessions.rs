//! Server-side session rows. The id stored is a hash of the cookie's key, so reading
//! this table does not give anyone a session.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::sessions;
use crate::db::{DbConn, now};

/// A live session's state and user; its idle deadline is pushed back to `extend_to` on
/// the way (when that moves it by more than a minute: most reads write nothing).
pub fn load(
    conn: &mut DbConn,
    id: &str,
    extend_to: NaiveDateTime,
) -> QueryResult<Option<(String, Option<String>)>> {
    let found: Option<(String, Option<String>, NaiveDateTime)> = natively!(conn, c => {
        sessions::table
            .find(id)
            .filter(sessions::expires_at.gt(now()))
            .select((sessions::state, sessions::user_id, sessions::expires_at))
            .first(c)
            .optional()
    })?;
    if let Some((_, _, expires_at)) = &found
        && *expires_at < extend_to - TimeDelta::minutes(1)
    {
        extend(conn, id, extend_to)?;
    }
    Ok(found.map(|(state, user_id, _)| (state, user_id)))
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    user_id: Option<&str>,
    state: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a live session's state. Returns false when the session is gone (logged
/// out, or ended by a password change), so it is not brought back.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    user_id: Option<&str>,
    state: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::expires_at.gt(now())),
    )
    .set((
        sessions::user_id.eq(user_id),
        sessions::state.eq(state),
        sessions::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Pushes the idle deadline back, at most once a minute per session, so that reading
/// pages does not turn into a write per request.
pub fn extend(conn: &mut DbConn, id: &str, expires_at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::expires_at.gt(now()))
            .filter(sessions::expires_at.lt(expires_at - TimeDelta::minutes(1))),
    )
    .set(sessions::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Ends every session of a user, on every device.
pub fn delete_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

pub fn purge_expired(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now()))).execute(conn)
}

/// The live sessions of a user: row id, state and idle deadline.
pub fn of_user(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now()))
        .select((sessions::id, sessions::state, sessions::expires_at))
        .load(conn)
}

/// Ends the session `id` if it is `user_id`'s.
pub fn delete_of_user(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<bool> {
    let deleted = diesel::delete(
        sessions::table
            .find(id)
            .filter(sessions::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}
