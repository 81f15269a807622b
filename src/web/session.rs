//! A typed face for the session: who is logged in, in which organization, since when,
//! the CSRF token, and the one-shot flash message.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::{Locale, Text};
use crate::web::errors::AppError;

use crate::auth::store::{AUTH_AT, ORG_ID, USER_ID};

const CSRF: &str = "csrf";
const FLASH: &str = "flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlashKind {
    Success,
    Info,
}

/// A message shown once, on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: Text,
}

pub struct AppSession(Session);

impl FromRequest for AppSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<AppSession, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(AppSession(req.get_session())))
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

impl AppSession {
    pub fn user_id(&self) -> Result<Option<String>, AppError> {
        self.0.get(USER_ID).map_err(internal)
    }

    pub fn org_id(&self) -> Result<Option<String>, AppError> {
        self.0.get(ORG_ID).map_err(internal)
    }

    /// When the user logged in, as a Unix timestamp: the start of the absolute timeout.
    pub fn authenticated_at(&self) -> Result<Option<i64>, AppError> {
        self.0.get(AUTH_AT).map_err(internal)
    }

    /// Starts an authenticated session under a new id (the old one is deleted), so an
    /// id planted before login is worth nothing after it.
    pub fn log_in(&self, user_id: &str, org_id: Option<&str>, at: i64) -> Result<(), AppError> {
        self.0.clear();
        self.0.renew();
        self.0.insert(USER_ID, user_id).map_err(internal)?;
        if let Some(org) = org_id {
            self.0.insert(ORG_ID, org).map_err(internal)?;
        }
        self.0.insert(AUTH_AT, at).map_err(internal)?;
        self.0.insert(CSRF, new_token()).map_err(internal)?;
        Ok(())
    }

    /// Ends the session: its server-side row is deleted. The language chosen stays, in a
    /// new anonymous session under a new key; without one, the cookie goes too.
    pub fn log_out(&self) {
        let locale = self
            .0
            .get::<Locale>(crate::i18n::SESSION_KEY)
            .ok()
            .flatten();
        match locale {
            Some(locale) => {
                self.0.renew();
                self.0.clear();
                if self.0.insert(crate::i18n::SESSION_KEY, locale).is_err() {
                    self.0.purge();
                }
            }
            None => self.0.purge(),
        }
    }

    /// The language the visitor chose (kept across login and logout of this session).
    pub fn set_locale(&self, locale: Locale) -> Result<(), AppError> {
        self.0
            .insert(crate::i18n::SESSION_KEY, locale)
            .map_err(internal)
    }

    pub fn set_org(&self, org_id: &str) -> Result<(), AppError> {
        self.0.insert(ORG_ID, org_id).map_err(internal)
    }

    /// The CSRF token of the forms of this session's pages, created on first use. It is
    /// bound to the organization the session works in: a form of a page shown for
    /// another organization (a tab left open across a switch) is refused, not applied
    /// to the organization the session works in now.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        let secret = match self.0.get::<String>(CSRF).map_err(internal)? {
            Some(secret) => secret,
            None => {
                let secret = new_token();
                self.0.insert(CSRF, &secret).map_err(internal)?;
                secret
            }
        };
        Ok(bound_token(&secret, self.org_id()?.as_deref()))
    }

    /// The session's own token, bound to no organization: the logout form's.
    pub fn session_token(&self) -> Option<String> {
        let secret = self.0.get::<String>(CSRF).ok().flatten()?;
        Some(bound_token(&secret, None))
    }

    /// The token a form must carry, if the session has one yet.
    pub fn expected_csrf_token(&self) -> Option<String> {
        let secret = self.0.get::<String>(CSRF).ok().flatten()?;
        Some(bound_token(
            &secret,
            self.org_id().ok().flatten().as_deref(),
        ))
    }

    pub fn flash(&self, kind: FlashKind, message: impl Into<Text>) -> Result<(), AppError> {
        self.0
            .insert(
                FLASH,
                Flash {
                    kind,
                    message: message.into(),
                },
            )
            .map_err(internal)
    }

    pub fn take_flash(&self) -> Option<Flash> {
        // Removing marks the session changed, to be written back: only when there is
        // a message (an unreadable one goes too).
        match self.0.get::<Flash>(FLASH) {
            Ok(None) => None,
            found => {
                self.0.remove(FLASH);
                found.ok().flatten()
            }
        }
    }
}

/// The session's secret, bound to an organization (none before login).
fn bound_token(secret: &str, org_id: Option<&str>) -> String {
    let mut digest = Sha256::new();
    digest.update(secret.as_bytes());
    digest.update([0]);
    digest.update(org_id.unwrap_or_default().as_bytes());
    hex::encode(digest.finalize())
}

fn new_token() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 43)
}
