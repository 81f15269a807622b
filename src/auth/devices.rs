//! The sessions a person is signed in with, as their account page lists them: the
//! browser, the address it signed in from, when, when it was last used; any of them
//! can be ended, or all but the one in use.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use diesel::QueryResult;
use sha2::{Digest, Sha256};

use crate::auth::store::{AGENT, AUTH_AT, FROM, SID};
use crate::db::models::known_browsers::{self, Seen};
use crate::db::models::sessions;
use crate::db::models::users::User;
use crate::db::{DbConn, write_tx};
use crate::mail::MailContext;
use crate::mail::notifications::account as notify;

/// One session of the person's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// How the list names it (not the cookie's key, nor anything that opens it).
    pub sid: String,
    /// "Chrome on Linux", as far as the browser says.
    pub browser: Option<String>,
    pub address: Option<String>,
    pub signed_in_at: Option<NaiveDateTime>,
    pub last_seen_at: NaiveDateTime,
}

/// A session's state: values are JSON.
fn value<T: serde::de::DeserializeOwned>(state: &HashMap<String, String>, key: &str) -> Option<T> {
    state.get(key).and_then(|v| serde_json::from_str(v).ok())
}

/// "Firefox on Windows 10", from a `User-Agent`; `None` when it names no browser.
pub fn describe(agent: &str) -> Option<String> {
    let found = woothee::parser::Parser::new().parse(agent)?;
    let known = |s: &str| (!s.is_empty() && s != "UNKNOWN").then(|| s.to_owned());
    match (known(found.name), known(found.os)) {
        (Some(name), Some(os)) => Some(format!("{name} · {os}")),
        (Some(name), None) => Some(name),
        (None, _) => None,
    }
}

fn device(row_id: &str, state: &str, expires_at: NaiveDateTime, idle: TimeDelta) -> Device {
    let state: HashMap<String, String> = serde_json::from_str(state).unwrap_or_default();
    Device {
        // A session from before sessions were named is named after its row.
        sid: value(&state, SID)
            .unwrap_or_else(|| hex::encode(&Sha256::digest(row_id.as_bytes())[..8])),
        browser: value::<String>(&state, AGENT).and_then(|agent| describe(&agent)),
        address: value(&state, FROM),
        signed_in_at: value::<i64>(&state, AUTH_AT)
            .and_then(|at| DateTime::from_timestamp(at, 0))
            .map(|at| at.naive_utc()),
        // Each use pushes the idle deadline back (to the minute).
        last_seen_at: expires_at - idle,
    }
}

/// The person's live sessions, the latest used first. `idle` is how long a session
/// lives unused.
pub fn of_user(conn: &mut DbConn, user_id: &str, idle: TimeDelta) -> QueryResult<Vec<Device>> {
    let mut devices: Vec<Device> = sessions::of_user(conn, user_id)?
        .into_iter()
        .map(|(id, state, expires_at)| device(&id, &state, expires_at, idle))
        .collect();
    devices.sort_by_key(|d| std::cmp::Reverse(d.last_seen_at));
    Ok(devices)
}

/// Ends the person's sessions that `which` picks; returns how many ended.
fn end_where(
    conn: &mut DbConn,
    user_id: &str,
    which: impl Fn(&Device) -> bool,
) -> QueryResult<usize> {
    let mut ended = 0;
    for (id, state, expires_at) in sessions::of_user(conn, user_id)? {
        if which(&device(&id, &state, expires_at, TimeDelta::zero()))
            && sessions::delete_of_user(conn, user_id, &id)?
        {
            ended += 1;
        }
    }
    Ok(ended)
}

/// Ends the person's session named `sid`: false if they have none by that name.
pub fn end(conn: &mut DbConn, user_id: &str, sid: &str) -> QueryResult<bool> {
    Ok(end_where(conn, user_id, |d| d.sid == sid)? > 0)
}

/// Ends every session of the person's but `keep` (the one in use).
pub fn end_others(conn: &mut DbConn, user_id: &str, keep: &str) -> QueryResult<usize> {
    end_where(conn, user_id, |d| d.sid != keep)
}

/// Notes a sign-in of `user` from the browser whose cookie is `browser_token`, and tells
/// the account's address when the browser is new to an account that knew others.
/// Returns whether it was new.
pub fn note_sign_in(
    conn: &mut DbConn,
    mail: &MailContext,
    user: &User,
    browser_token: &str,
    seen_as: (&str, Option<&str>),
    at: NaiveDateTime,
) -> anyhow::Result<bool> {
    let hash = crate::auth::tokens::digest(browser_token);
    match known_browsers::note(conn, &user.id, &hash, at)? {
        Seen::Known => Ok(false),
        Seen::New { first: true } => Ok(true),
        Seen::New { first: false } => {
            let (agent, address) = seen_as;
            write_tx(conn, |conn| {
                notify::new_browser(conn, mail, user, describe(agent), address, at)
            })?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_is_named_by_its_name_and_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome).as_deref(), Some("Chrome · Linux"));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(iphone).as_deref(), Some("Safari · iPhone"));
        assert_eq!(describe(""), None);
        assert_eq!(describe("curl/8.0").as_deref(), Some("HTTP Library"));
    }

    #[test]
    fn a_session_reads_its_name_browser_address_and_times_from_its_state() {
        let state = r#"{"sid":"\"abc\"","agent":"\"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0\"","from":"\"10.0.0.7\"","auth_at":"1800000000"}"#;
        let expires = DateTime::from_timestamp(1_800_003_600, 0)
            .unwrap()
            .naive_utc();
        let d = device("row", state, expires, TimeDelta::hours(1));
        assert_eq!(d.sid, "abc");
        assert_eq!(d.browser.as_deref(), Some("Firefox · Windows 10"));
        assert_eq!(d.address.as_deref(), Some("10.0.0.7"));
        assert_eq!(
            d.signed_in_at,
            DateTime::from_timestamp(1_800_000_000, 0).map(|t| t.naive_utc())
        );
        assert_eq!(
            d.last_seen_at,
            DateTime::from_timestamp(1_800_000_000, 0)
                .unwrap()
                .naive_utc()
        );
        let unnamed = device("row", "{}", expires, TimeDelta::hours(1));
        assert_eq!(unnamed.sid.len(), 16);
        assert_eq!(unnamed.browser, None);
    }
}
