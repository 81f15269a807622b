//! Counting failed logins per key (an account, an address) in fixed time windows.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::login_throttle;
use crate::db::{DbConn, write_tx};

/// How long the key must wait, if it used up its `limit` failures in the current window.
pub fn blocked_for(
    conn: &mut DbConn,
    key: &str,
    limit: i32,
    window: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<Option<TimeDelta>> {
    let row: Option<(NaiveDateTime, i32)> = login_throttle::table
        .find(key)
        .select((login_throttle::window_start, login_throttle::failures))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(start, failures)| {
        let ends = start + window;
        (failures >= limit && ends > now).then(|| ends - now)
    }))
}

/// Counts one more failure for the key, starting a new window when the last one is over.
/// Concurrent failures of one key queue on its row, so none is lost.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    window: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_tx(conn, |conn| {
        let fresh = (
            login_throttle::key.eq(key),
            login_throttle::window_start.eq(now),
            login_throttle::failures.eq(0),
        );
        let start: NaiveDateTime = match conn {
            DbConn::Pg(pg) => {
                diesel::insert_into(login_throttle::table)
                    .values(fresh)
                    .on_conflict_do_nothing()
                    .execute(pg)?;
                login_throttle::table
                    .find(key)
                    .select(login_throttle::window_start)
                    .for_update()
                    .first(pg)?
            }
            DbConn::Sqlite(lite) => {
                diesel::insert_into(login_throttle::table)
                    .values(fresh)
                    .on_conflict_do_nothing()
                    .execute(lite)?;
                login_throttle::table
                    .find(key)
                    .select(login_throttle::window_start)
                    .first(lite)?
            }
        };
        if start + window > now {
            diesel::update(login_throttle::table.find(key))
                .set(login_throttle::failures.eq(login_throttle::failures + 1))
                .execute(conn)?;
        } else {
            diesel::update(login_throttle::table.find(key))
                .set((
                    login_throttle::window_start.eq(now),
                    login_throttle::failures.eq(1),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Forgets a key's failures (after a successful login).
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key))
        .execute(conn)
        .map(drop)
}

/// Drops the windows that ended before `before`.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.filter(login_throttle::window_start.lt(before)))
        .execute(conn)
}
