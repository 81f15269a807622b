//! Signing in: an attempt is counted against the account and the address before the
//! password is checked (so parallel guesses get no more checks than the same guesses one
//! by one), an unknown email costs the same hashing as a wrong password, and a success
//! gives the address its attempt back.

use std::net::IpAddr;

use chrono::TimeDelta;

use crate::auth::password::{MAX_LENGTH, Passwords};
use crate::auth::throttle::Keys;
use crate::db::models::users;
use crate::db::{Db, now};
use crate::domain::EmailAddress;
use crate::i18n::Locale;

/// Someone whose every factor was checked, as their session begins.
#[derive(Debug)]
pub struct Welcome {
    pub user_id: String,
    /// The organization to start in (the first of theirs), if any.
    pub first_org: Option<String>,
    /// The language they read partnerdesk in.
    pub locale: Locale,
}

/// What an attempt to sign in came to.
#[derive(Debug)]
pub enum Outcome {
    SignedIn(Welcome),
    /// The password is right, and the account asks for a code from its app next.
    CodeNeeded {
        user_id: String,
    },
    /// The email or the password is not right (the answer does not say which).
    Refused,
    /// Too many attempts: wait this long.
    Throttled(TimeDelta),
}

/// Tries `email` and `password` from `address`; `browsing_in` becomes the person's
/// language if they never chose one.
pub async fn attempt(
    db: &Db,
    passwords: &Passwords,
    email: &str,
    password: String,
    address: Option<IpAddr>,
    browsing_in: Locale,
) -> anyhow::Result<Outcome> {
    let keys = std::sync::Arc::new(Keys::new(email, address));
    let counted = {
        let keys = keys.clone();
        db.write(move |conn| -> anyhow::Result<_> { Ok(keys.attempt(conn, now())?) })
            .await?
    };
    let attempt = match counted {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(Outcome::Throttled(wait)),
    };
    let lookup = EmailAddress::parse(email)
        .ok()
        .filter(|_| password.len() <= MAX_LENGTH);
    let credentials = match lookup {
        Some(lookup) => {
            db.run(move |conn| -> anyhow::Result<_> { Ok(users::credentials(conn, &lookup)?) })
                .await?
        }
        None => None,
    };
    let (user_id, stored) = match credentials {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    // An unknown or malformed email costs the same hashing work as a wrong password.
    let matches = passwords.verify(stored, password).await?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        // Debug-formatted: a line break typed in the email cannot forge a log line.
        tracing::info!(email = ?email.trim().to_lowercase(), "login refused");
        return Ok(Outcome::Refused);
    };
    let (two_factor, user_id) = db
        .write(move |conn| -> anyhow::Result<_> {
            keys.succeeded(conn, &attempt)?;
            let two_factor =
                users::find(conn, &user_id)?.is_some_and(|u| u.two_factor_since.is_some());
            Ok((two_factor, user_id))
        })
        .await?;
    if two_factor {
        tracing::info!(user_id = %user_id, "password accepted, code asked");
        return Ok(Outcome::CodeNeeded { user_id });
    }
    Ok(Outcome::SignedIn(finish(db, user_id, browsing_in).await?))
}

/// Signs `user_id` in once every factor was checked: their language (`browsing_in` if
/// they never chose one) and the organization to start in.
pub async fn finish(db: &Db, user_id: String, browsing_in: Locale) -> anyhow::Result<Welcome> {
    let signed_in = user_id.clone();
    let (first_org, locale) = db
        .write(move |conn| -> anyhow::Result<_> {
            // A person's language is the one they chose, or else the one they first
            // logged in with; their emails follow it.
            let locale = match users::find(conn, &user_id)?.and_then(|u| u.locale) {
                Some(chosen) => chosen,
                None => {
                    users::set_locale(conn, &user_id, browsing_in)?;
                    browsing_in
                }
            };
            let first = users::memberships(conn, &user_id)?
                .into_iter()
                .next()
                .map(|m| m.org_id);
            Ok((first, locale))
        })
        .await?;
    tracing::info!(user_id = %signed_in, "logged in");
    Ok(Welcome {
        user_id: signed_in,
        first_org,
        locale,
    })
}

/// Whether `password` is the signed-in person's own (`user_id`, signing in with
/// `email`): the second confirmation of what cannot be undone, and of a new password.
/// Counted like a sign-in, against the account and the address, before it is checked:
/// a stolen session cannot guess the password faster than the login page would let it.
pub async fn is_own_password(
    db: &Db,
    passwords: &Passwords,
    user_id: &str,
    email: &str,
    password: String,
    address: Option<IpAddr>,
) -> anyhow::Result<Result<bool, TimeDelta>> {
    let keys = std::sync::Arc::new(Keys::new(email, address));
    let counted = {
        let keys = keys.clone();
        db.write(move |conn| -> anyhow::Result<_> { Ok(keys.attempt(conn, now())?) })
            .await?
    };
    let attempt = match counted {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(Err(wait)),
    };
    let user_id = user_id.to_owned();
    let stored = db
        .run(move |conn| -> anyhow::Result<_> { Ok(users::password_hash(conn, &user_id)?) })
        .await?;
    let matches = !password.is_empty() && passwords.verify(stored, password).await?;
    if matches {
        db.write(move |conn| -> anyhow::Result<()> { Ok(keys.succeeded(conn, &attempt)?) })
            .await?;
    }
    Ok(Ok(matches))
}
