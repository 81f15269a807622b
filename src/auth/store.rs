//! Sessions of logged-in users are kept in the database, so that any instance can serve
//! any request and a session ends for good when it is deleted (logout, password change).
//!
//! A session without a user (a login form's CSRF token, a language chosen before logging
//! in, a message) is kept in its cookie instead: its key carries its state and deadline,
//! and the cookie is encrypted and authenticated with the session key
//! (`CookieContentSecurity::Private`), so a client can neither read nor forge it. Visiting
//! the login page writes nothing to the database.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::TimeDelta;
use rand::distr::{Alphanumeric, SampleString};

use crate::auth::preload;
use crate::db::models::sessions;
use crate::db::{Db, now};

/// The session key under which the user id is kept; the store indexes sessions by it.
pub const USER_ID: &str = "uid";
/// The session keys of the organization worked in, and of when the user signed in.
pub const ORG_ID: &str = "org";
pub const AUTH_AT: &str = "auth_at";
/// The session keys that describe a logged-in session in the account's list: its public
/// name, the browser's `User-Agent`, the address it signed in from.
pub const SID: &str = "sid";
pub const AGENT: &str = "agent";
pub const FROM: &str = "from";
/// The session key of a two-factor secret offered to the person's app, not confirmed yet.
pub const TOTP_SETUP: &str = "totp_setup";
/// The session key of recovery codes just made, until the page that shows them once.
pub const NEW_RECOVERY_CODES: &str = "new_recovery_codes";
/// The keys that make a session a logged-in one.
pub const LOGIN_KEYS: [&str; 8] = [
    USER_ID,
    ORG_ID,
    AUTH_AT,
    SID,
    AGENT,
    FROM,
    TOTP_SETUP,
    NEW_RECOVERY_CODES,
];

type State = HashMap<String, String>;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    /// How long a session lives unused; every request that loads it extends it.
    idle: Duration,
}

impl DbSessionStore {
    pub fn new(db: Db, idle: Duration) -> DbSessionStore {
        DbSessionStore { db, idle }
    }
}

/// The row id for a cookie's session key: a hash, so the table holds no usable keys.
fn row_id(key: &SessionKey) -> String {
    crate::auth::tokens::digest(key.as_ref())
}

fn user_of(state: &State) -> Option<String> {
    state
        .get(USER_ID)
        .and_then(|v| serde_json::from_str(v).ok())
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    now() + TimeDelta::seconds(ttl.whole_seconds())
}

/// The start of the keys of sessions kept in their cookie (database keys are
/// alphanumeric).
const IN_COOKIE: &str = "c.";

/// Larger anonymous states go to the database: the encrypted cookie must stay well under
/// the 4,096 bytes browsers keep.
const MAX_IN_COOKIE: usize = 1500;

/// The key that holds an anonymous `state` until `ttl` from now, if it is small enough.
fn cookie_key(state: &State, ttl: &Duration) -> Option<SessionKey> {
    if user_of(state).is_some() {
        return None;
    }
    let deadline = expiry(ttl).and_utc().timestamp();
    let json = serde_json::to_string(&(deadline, state)).ok()?;
    (json.len() <= MAX_IN_COOKIE)
        .then(|| format!("{IN_COOKIE}{json}").try_into().ok())
        .flatten()
}

/// The state a cookie key holds: `Ok(None)` when its deadline has passed.
fn from_cookie_key(json: &str) -> Result<Option<State>, LoadError> {
    let (deadline, state): (i64, State) =
        serde_json::from_str(json).map_err(|e| LoadError::Deserialization(e.into()))?;
    Ok((deadline > now().and_utc().timestamp()).then_some(state))
}

fn new_key() -> SessionKey {
    Alphanumeric
        .sample_string(&mut rand::rng(), 64)
        .try_into()
        .expect("64 characters fit in a session key")
}

impl DbSessionStore {
    /// A new session: in its cookie when it can be, else in the database.
    async fn create(&self, state: State, ttl: &Duration) -> anyhow::Result<SessionKey> {
        match cookie_key(&state, ttl) {
            Some(key) => Ok(key),
            None => self.insert(state, ttl).await,
        }
    }

    async fn insert(&self, state: State, ttl: &Duration) -> anyhow::Result<SessionKey> {
        let key = new_key();
        let id = row_id(&key);
        let json = serde_json::to_string(&state)?;
        let expires_at = expiry(ttl);
        self.db
            .write(move |conn| -> anyhow::Result<()> {
                sessions::insert(conn, &id, user_of(&state).as_deref(), &json, expires_at)?;
                Ok(())
            })
            .await?;
        Ok(key)
    }
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        if let Some(json) = key.as_ref().strip_prefix(IN_COOKIE) {
            return from_cookie_key(json);
        }
        let id = row_id(key);
        // Extending the idle deadline here, in the same trip to the database, spares
        // each request a second one after its response.
        let extend_to = expiry(&self.idle);
        // So is the member the session belongs to, when the page will ask.
        let with_member = preload::is_wanted();
        let (stored, member) = self
            .db
            .run(move |conn| -> anyhow::Result<_> {
                let stored = sessions::load(conn, &id, extend_to)?;
                let member = match stored.as_ref().and_then(|(_, user_id)| user_id.as_ref()) {
                    Some(user_id) if with_member => Some(preload::load(conn, user_id)?),
                    _ => None,
                };
                Ok((stored, member))
            })
            .await
            .map_err(LoadError::Other)?;
        if let Some(member) = member {
            preload::fill(member);
        }
        match stored {
            None => Ok(None),
            Some((json, _)) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        self.create(state, ttl).await.map_err(SaveError::Other)
    }

    async fn update(
        &self,
        key: SessionKey,
        mut state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let in_cookie = key.as_ref().starts_with(IN_COOKIE);
        if let Some(new_key) = cookie_key(&state, ttl) {
            if !in_cookie {
                // No longer anybody's: the row goes.
                self.delete(&key).await.map_err(UpdateError::Other)?;
            }
            return Ok(new_key);
        }
        if in_cookie {
            return self.insert(state, ttl).await.map_err(UpdateError::Other);
        }
        let id = row_id(&key);
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let user_id = user_of(&state);
        let expires_at = expiry(ttl);
        let updated = self
            .db
            .write(move |conn| -> anyhow::Result<bool> {
                Ok(sessions::update(
                    conn,
                    &id,
                    user_id.as_deref(),
                    &json,
                    expires_at,
                )?)
            })
            .await
            .map_err(UpdateError::Other)?;
        if updated {
            return Ok(key);
        }
        // The session was ended while this request ran: keep what the page needs
        // (its CSRF token, a message) under a new, anonymous session, never the login.
        state.retain(|k, _| !LOGIN_KEYS.contains(&k.as_str()));
        self.create(state, ttl).await.map_err(UpdateError::Other)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        if key.as_ref().starts_with(IN_COOKIE) {
            // Its deadline moves when its state changes.
            return Ok(());
        }
        let id = row_id(key);
        let expires_at = expiry(ttl);
        self.db
            .write(move |conn| -> anyhow::Result<()> {
                Ok(sessions::extend(conn, &id, expires_at)?)
            })
            .await
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        if key.as_ref().starts_with(IN_COOKIE) {
            return Ok(());
        }
        let id = row_id(key);
        self.db
            .write(move |conn| -> anyhow::Result<()> { Ok(sessions::delete(conn, &id)?) })
            .await
    }
}
