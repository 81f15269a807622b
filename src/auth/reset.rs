//! Resetting a forgotten password through a link sent to the account's address.
//!
//! Asking answers the same whether the address has an account or not, and is throttled
//! per address typed and per client address whatever the answer. The link carries a
//! random token of which only the digest is kept; it works once, for an hour, and
//! using it spends every other link of the account. Choosing the new password ends
//! every session of the account (a reset does not sign anyone in) and tells the person.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};

use crate::auth::throttle::Keys;
use crate::auth::tokens::{self, digest};
use crate::db::models::account_links::{self, Purpose::PasswordReset};
use crate::db::models::users::{self, User};
use crate::db::models::{sessions, throttle};
use crate::db::{DbConn, write_tx};
use crate::domain::EmailAddress;
use crate::mail::MailContext;
use crate::mail::notifications::account as notify;

/// How long a link works (the email says one hour).
pub const LINK_LIFETIME: TimeDelta = TimeDelta::hours(1);
/// Links asked for one address typed in a [`WINDOW`].
pub const PER_ACCOUNT: i32 = 3;
/// Links asked for from one client address in a [`WINDOW`] (an office shares one).
pub const PER_ADDRESS: i32 = 20;
pub const WINDOW: TimeDelta = TimeDelta::hours(1);

/// What asking for a link came to, as the one who asked may learn it.
#[derive(Debug, PartialEq, Eq)]
pub enum Asked {
    /// A link went to the address if it has an account; nothing says whether it has.
    Answered,
    /// Too many links asked for: wait this long (whether the address has an account or not).
    Throttled(TimeDelta),
}

/// Asks for a link for `email` from `address` at `at`.
pub fn ask(
    conn: &mut DbConn,
    mail: &MailContext,
    email: &EmailAddress,
    address: Option<IpAddr>,
    at: NaiveDateTime,
) -> anyhow::Result<Asked> {
    let keys = Keys::for_purpose("reset", email.as_str(), address);
    write_tx(conn, |conn| {
        if let Err(wait) = keys.count(conn, (PER_ACCOUNT, PER_ADDRESS), WINDOW, at)? {
            return Ok(Asked::Throttled(wait));
        }
        if let Some(user) = users::find_by_email(conn, email)? {
            let token = tokens::new(tokens::LINK);
            account_links::insert(
                conn,
                PasswordReset,
                &digest(&token),
                &user.id,
                None,
                (at, at + LINK_LIFETIME),
            )?;
            notify::reset_link(conn, mail, &user, &crate::paths::password_reset(&token))?;
        }
        Ok(Asked::Answered)
    })
}

/// The account whose open link is `token`, at `at`.
pub fn account_of(
    conn: &mut DbConn,
    token: &str,
    at: NaiveDateTime,
) -> diesel::QueryResult<Option<User>> {
    match account_links::open(conn, PasswordReset, &digest(token), at)? {
        Some(link) => users::find(conn, &link.user_id),
        None => Ok(None),
    }
}

/// Sets the password hashed as `password_hash` through the link `token`, if it is still
/// open at `at`: every link of the account is spent, every session ended, the person
/// told. Returns the account, or `None` if the link was used, expired or never existed
/// (then nothing changed). Of links used at once, one sets the password.
pub fn complete(
    conn: &mut DbConn,
    mail: &MailContext,
    token: &str,
    password_hash: &str,
    at: NaiveDateTime,
) -> anyhow::Result<Option<User>> {
    let hash = digest(token);
    write_tx(conn, |conn| {
        // One statement decides: of links used at once, one update finds it open.
        let Some(link) = account_links::take(conn, PasswordReset, &hash, at)? else {
            return Ok(None);
        };
        let Some(user) = users::find(conn, &link.user_id)? else {
            return Ok(None);
        };
        users::set_password(conn, &user.id, password_hash)?;
        // Every other link of the account is spent: other resets, and a change of address
        // asked for by whoever had the password before.
        account_links::close_every(conn, &user.id, at)?;
        sessions::delete_for_user(conn, &user.id)?;
        // The owner proved they read the address: the failed logins against it are forgiven.
        throttle::clear(conn, Keys::new(&user.email, None).account_key())?;
        notify::password_reset(conn, mail, &user)?;
        Ok(Some(user))
    })
}
