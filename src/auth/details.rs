//! One's own name and email address. A new address takes effect only once confirmed
//! through a link sent to it (it proves the address is the person's), within a day; the
//! old address is told when the change is asked for and when it is made.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::auth::tokens::{self, digest};
use crate::db::models::account_links::{self, Purpose::EmailChange};
use crate::db::models::throttle;
use crate::db::models::users::{self, User};
use crate::db::{DbConn, write_tx};
use crate::domain::EmailAddress;
use crate::mail::MailContext;
use crate::mail::notifications::account as notify;

/// How long the link to confirm a new address works.
pub const EMAIL_LINK_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// Changes of address one account may ask for, and one address may be sent, in a
/// [`WINDOW`](super::reset::WINDOW): each sends two emails.
pub const ASKS_PER_ACCOUNT: i32 = 5;
pub const ASKS_PER_ADDRESS: i32 = 3;

/// Asks to move `user`'s account to `new`: a link to confirm goes to `new`, the old
/// address is told. An earlier request not confirmed yet is replaced. Throttled per
/// account and per address asked for: `Err(wait)` says how long to wait.
pub fn ask_email_change(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    new: &EmailAddress,
    at: NaiveDateTime,
) -> anyhow::Result<Result<(), TimeDelta>> {
    write_tx(conn, |conn| {
        // Both counted at once, or neither: a refused ask uses up nothing.
        let by = format!("email-change-by:{}", user.id);
        let to = format!("email-change-to:{}", new.as_str());
        let keys = [
            (by.as_str(), ASKS_PER_ACCOUNT),
            (to.as_str(), ASKS_PER_ADDRESS),
        ];
        if let Err(wait) = throttle::count_attempt(conn, &keys, super::reset::WINDOW, at)? {
            return Ok(Err(wait));
        }
        account_links::close_all(conn, EmailChange, &user.id, at)?;
        let token = tokens::new(tokens::LINK);
        account_links::insert(
            conn,
            EmailChange,
            &digest(&token),
            &user.id,
            Some(new.as_str()),
            (at, at + EMAIL_LINK_LIFETIME),
        )?;
        notify::confirm_new_email(
            conn,
            mail,
            user,
            new.as_str(),
            &crate::paths::email_confirm(&token),
        )?;
        notify::email_change_asked(conn, mail, user, new.as_str())?;
        Ok(Ok(()))
    })
}

/// The account and the new address of an open link, at `at`.
pub fn pending(
    conn: &mut DbConn,
    token: &str,
    at: NaiveDateTime,
) -> diesel::QueryResult<Option<(User, String)>> {
    let Some(link) = account_links::open(conn, EmailChange, &digest(token), at)? else {
        return Ok(None);
    };
    let user = users::find(conn, &link.user_id)?;
    Ok(user.zip(link.detail))
}

/// The change of address `user_id` asked for that waits for its confirmation at `at`:
/// the new address, and until when the link works.
pub fn waiting(
    conn: &mut DbConn,
    user_id: &str,
    at: NaiveDateTime,
) -> diesel::QueryResult<Option<(String, NaiveDateTime)>> {
    Ok(account_links::newest_open(conn, EmailChange, user_id, at)?
        .and_then(|(new, until)| new.map(|new| (new, until))))
}

/// What confirming a new address came to.
#[derive(Debug)]
pub enum Confirmed {
    /// The account now uses the new address.
    Changed { new: String },
    /// Another account uses the address: nothing changed (the link is spent).
    Taken,
    /// The link was used, replaced or expired: nothing changed.
    Spent,
}

/// Confirms the new address of the link `token`, at `at`.
pub fn confirm_email_change(
    conn: &mut DbConn,
    mail: &MailContext,
    token: &str,
    at: NaiveDateTime,
) -> anyhow::Result<Confirmed> {
    let hash = digest(token);
    let outcome = write_tx(conn, |conn| -> Result<Confirmed, Refused> {
        let Some(link) = account_links::take(conn, EmailChange, &hash, at)? else {
            return Ok(Confirmed::Spent);
        };
        let (Some(user), Some(new)) = (users::find(conn, &link.user_id)?, link.detail) else {
            return Ok(Confirmed::Spent);
        };
        let Ok(address) = EmailAddress::parse(&new) else {
            return Ok(Confirmed::Spent);
        };
        // Taken: the link is spent (it can never succeed), nothing else changes.
        if users::find_by_email(conn, &address)?.is_some() {
            return Ok(Confirmed::Taken);
        }
        users::set_email(conn, &user.id, &address).map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Refused::Taken,
            other => Refused::Storage(other.into()),
        })?;
        // Links sent to the old address (a password reset) no longer hold.
        account_links::close_every(conn, &user.id, at)?;
        notify::email_changed(conn, mail, &user, &new)?;
        Ok(Confirmed::Changed { new })
    });
    match outcome {
        Ok(confirmed) => Ok(confirmed),
        // Taken by another account at the same moment: all rolled back.
        Err(Refused::Taken) => Ok(Confirmed::Taken),
        Err(Refused::Storage(e)) => Err(e),
    }
}

/// Why a confirmation's transaction was rolled back.
enum Refused {
    Taken,
    Storage(anyhow::Error),
}

impl From<diesel::result::Error> for Refused {
    fn from(e: diesel::result::Error) -> Self {
        Refused::Storage(e.into())
    }
}

impl From<anyhow::Error> for Refused {
    fn from(e: anyhow::Error) -> Self {
        Refused::Storage(e)
    }
}
