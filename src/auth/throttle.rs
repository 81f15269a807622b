//! Login throttling, per account and per address, shared by every instance through the
//! database. An unknown email is throttled exactly like a known one, so the answer says
//! nothing about which accounts exist.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::db::DbConn;
use crate::db::models::throttle;

/// Failed logins allowed per account in a window.
pub const ACCOUNT_LIMIT: i32 = 5;
/// Failed logins allowed per address in a window (an office shares one address).
pub const ADDRESS_LIMIT: i32 = 30;
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);

/// The keys a login attempt counts against: the account as typed, and the address.
pub struct Keys {
    account: String,
    address: Option<String>,
}

impl Keys {
    pub fn new(email: &str, address: Option<IpAddr>) -> Keys {
        Keys {
            account: format!("account:{}", email.trim().to_lowercase()),
            address: address.map(|ip| format!("address:{ip}")),
        }
    }

    fn with_limits(&self) -> impl Iterator<Item = (&str, i32)> {
        std::iter::once((self.account.as_str(), ACCOUNT_LIMIT))
            .chain(self.address.as_deref().map(|a| (a, ADDRESS_LIMIT)))
    }

    /// How long to wait before trying again, if either key is blocked.
    pub fn blocked_for(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> QueryResult<Option<TimeDelta>> {
        let mut longest: Option<TimeDelta> = None;
        for (key, limit) in self.with_limits() {
            if let Some(wait) = throttle::blocked_for(conn, key, limit, WINDOW, now)? {
                longest = Some(longest.map_or(wait, |l| l.max(wait)));
            }
        }
        Ok(longest)
    }

    pub fn failed(&self, conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
        for (key, _) in self.with_limits() {
            throttle::record_failure(conn, key, WINDOW, now)?;
        }
        Ok(())
    }

    /// A successful login clears the account's failures (not the address's).
    pub fn succeeded(&self, conn: &mut DbConn) -> QueryResult<()> {
        throttle::clear(conn, &self.account)
    }
}
