//! Login throttling, per account and per address, shared by every instance through the
//! database. An unknown email is throttled exactly like a known one, so the answer says
//! nothing about which accounts exist.
//!
//! An attempt is counted before its password is checked: counted after, a burst of
//! parallel guesses would all be checked before the first was counted.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::db::DbConn;
use crate::db::models::throttle::{self, Counted};

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

/// An attempt that was counted, to be taken back if it logs in.
pub struct Attempt {
    counted: Vec<Counted>,
}

impl Keys {
    pub fn new(email: &str, address: Option<IpAddr>) -> Keys {
        Keys {
            account: format!("account:{}", email.trim().to_lowercase()),
            address: address.map(|ip| format!("address:{ip}")),
        }
    }

    /// Counts the attempt against the account and the address, or, if either has used
    /// up its attempts, says how long to wait (and counts nothing).
    pub fn attempt(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> QueryResult<Result<Attempt, TimeDelta>> {
        let keys: Vec<(&str, i32)> = std::iter::once((self.account.as_str(), ACCOUNT_LIMIT))
            .chain(self.address.as_deref().map(|a| (a, ADDRESS_LIMIT)))
            .collect();
        Ok(throttle::count_attempt(conn, &keys, WINDOW, now)?.map(|counted| Attempt { counted }))
    }

    /// A successful login clears the account's attempts, and gives the address back the
    /// one it counted: the people of an office logging in do not use up its attempts.
    pub fn succeeded(&self, conn: &mut DbConn, attempt: &Attempt) -> QueryResult<()> {
        throttle::clear(conn, &self.account)?;
        for counted in attempt.counted.iter().filter(|c| c.key != self.account) {
            throttle::take_back(conn, counted)?;
        }
        Ok(())
    }
}
