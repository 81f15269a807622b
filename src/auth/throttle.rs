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

/// No email address is longer (RFC 5321); a longer key would be too long to index.
const MAX_ACCOUNT_KEY: usize = 254;

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
    /// The keys of a login attempt.
    pub fn new(email: &str, address: Option<IpAddr>) -> Keys {
        Keys::counting("", email, address)
    }

    /// The keys of a request of another kind (`purpose`, e.g. `reset`), counted apart
    /// from logins: asking for links does not lock anyone out of signing in.
    pub fn for_purpose(purpose: &str, email: &str, address: Option<IpAddr>) -> Keys {
        Keys::counting(&format!("{purpose}:"), email, address)
    }

    fn counting(prefix: &str, email: &str, address: Option<IpAddr>) -> Keys {
        let typed = email.trim().to_lowercase();
        // What is longer than any email is no account: it is counted under its digest.
        let account = if typed.len() > MAX_ACCOUNT_KEY {
            format!(
                "{prefix}account:sha256:{}",
                crate::auth::tokens::digest(&typed)
            )
        } else {
            format!("{prefix}account:{typed}")
        };
        Keys {
            account,
            address: address.map(|ip| format!("{prefix}address:{ip}")),
        }
    }

    /// The key that counts against the account.
    pub fn account_key(&self) -> &str {
        &self.account
    }

    /// Counts the attempt against the account and the address, or, if either has used
    /// up its attempts, says how long to wait (and counts nothing).
    pub fn attempt(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> QueryResult<Result<Attempt, TimeDelta>> {
        self.count(conn, (ACCOUNT_LIMIT, ADDRESS_LIMIT), WINDOW, now)
    }

    /// Counts an attempt with these `limits` (per account, per address) in `window`.
    pub fn count(
        &self,
        conn: &mut DbConn,
        (per_account, per_address): (i32, i32),
        window: TimeDelta,
        now: NaiveDateTime,
    ) -> QueryResult<Result<Attempt, TimeDelta>> {
        let keys: Vec<(&str, i32)> = std::iter::once((self.account.as_str(), per_account))
            .chain(self.address.as_deref().map(|a| (a, per_address)))
            .collect();
        Ok(throttle::count_attempt(conn, &keys, window, now)?.map(|counted| Attempt { counted }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_its_email_as_typed_and_a_long_one_its_digest() {
        let keys = Keys::new("  Alice@Acme.test ", Some([10, 0, 0, 1].into()));
        assert_eq!(keys.account, "account:alice@acme.test");
        assert_eq!(keys.address.as_deref(), Some("address:10.0.0.1"));
        let long = Keys::new(&"é".repeat(5_000), None);
        assert!(
            long.account.starts_with("account:sha256:"),
            "{}",
            long.account
        );
        assert_eq!(long.account.len(), "account:sha256:".len() + 64);
        assert_ne!(long.account, Keys::new(&"é".repeat(5_001), None).account);
        let reset = Keys::for_purpose("reset", "Alice@Acme.test", Some([10, 0, 0, 1].into()));
        assert_eq!(reset.account, "reset:account:alice@acme.test");
        assert_eq!(reset.address.as_deref(), Some("reset:address:10.0.0.1"));
    }
}
