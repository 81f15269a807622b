//! Counting login attempts per key (an account, an address) in fixed time windows.
//!
//! The `failures` column counts the attempts of the window that did not end in a login:
//! each attempt is counted before its password is checked, and a successful one is taken
//! back.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::login_throttle;
use crate::db::{DbConn, write_tx};

/// A key whose attempt was counted: where its window started, to take the attempt back
/// from that window only.
#[derive(Debug, Clone)]
pub struct Counted {
    pub key: String,
    pub window_start: NaiveDateTime,
}

/// Counts one attempt against every key, if none of them has used up its limit in its
/// window; otherwise counts nothing and says how long the longest-blocked key must wait.
///
/// Every key's row is locked until the transaction ends (by the upsert on PostgreSQL;
/// on SQLite `BEGIN IMMEDIATE` lets one writer in at a time), so concurrent attempts on
/// a key are decided one after the other, each seeing the ones before. Keys are locked
/// in the order given: callers give the account before the address, so that two attempts
/// never each hold a row the other waits for.
pub fn count_attempt(
    conn: &mut DbConn,
    keys: &[(&str, i32)],
    window: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<Result<Vec<Counted>, TimeDelta>> {
    write_tx(conn, |conn| {
        let mut rows = Vec::with_capacity(keys.len());
        let mut wait: Option<TimeDelta> = None;
        for &(key, limit) in keys {
            let (start, attempts) = match locked(conn, key, now)? {
                (start, attempts) if start + window > now => (start, attempts),
                _ => (now, 0),
            };
            if attempts >= limit {
                let left = start + window - now;
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
            rows.push((key, start, attempts));
        }
        if let Some(wait) = wait {
            return Ok(Err(wait));
        }
        let mut counted = Vec::with_capacity(rows.len());
        for (key, start, attempts) in rows {
            diesel::update(login_throttle::table.find(key))
                .set((
                    login_throttle::window_start.eq(start),
                    login_throttle::failures.eq(attempts + 1),
                ))
                .execute(conn)?;
            counted.push(Counted {
                key: key.to_owned(),
                window_start: start,
            });
        }
        Ok(Ok(counted))
    })
}

/// The key's row, created empty if it has none, locked until the transaction ends.
fn locked(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<(NaiveDateTime, i32)> {
    let fresh = (
        login_throttle::key.eq(key),
        login_throttle::window_start.eq(now),
        login_throttle::failures.eq(0),
    );
    match conn {
        // One statement that inserts the row or locks the one there: a row deleted by
        // housekeeping between an insert and a select would be missing otherwise.
        DbConn::Pg(pg) => diesel::insert_into(login_throttle::table)
            .values(fresh)
            .on_conflict(login_throttle::key)
            .do_update()
            .set(login_throttle::key.eq(diesel::upsert::excluded(login_throttle::key)))
            .returning((login_throttle::window_start, login_throttle::failures))
            .get_result(pg),
        DbConn::Sqlite(lite) => {
            diesel::insert_into(login_throttle::table)
                .values(fresh)
                .on_conflict_do_nothing()
                .execute(lite)?;
            login_throttle::table
                .find(key)
                .select((login_throttle::window_start, login_throttle::failures))
                .first(lite)
        }
    }
}

/// Takes back an attempt counted in the window that started at `window_start` (a
/// window that ended since has nothing to give back).
pub fn take_back(conn: &mut DbConn, counted: &Counted) -> QueryResult<()> {
    diesel::update(
        login_throttle::table
            .find(&counted.key)
            .filter(login_throttle::window_start.eq(counted.window_start))
            .filter(login_throttle::failures.gt(0)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)
    .map(drop)
}

/// Forgets a key's attempts (an account's, after a successful login).
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key))
        .execute(conn)
        .map(drop)
}

/// Drops the windows that ended before `before`. On PostgreSQL the rows a login holds
/// are left for the next time, so that housekeeping never waits for a login, nor a login
/// for it.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    match conn {
        DbConn::Pg(pg) => diesel::sql_query(
            "DELETE FROM login_throttle WHERE key IN \
             (SELECT key FROM login_throttle WHERE window_start < $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind::<diesel::sql_types::Timestamp, _>(before)
        .execute(pg),
        DbConn::Sqlite(lite) => {
            diesel::delete(login_throttle::table.filter(login_throttle::window_start.lt(before)))
                .execute(lite)
        }
    }
}
