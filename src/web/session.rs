//! A typed face for the session: who is logged in, in which organization, since when,
//! the CSRF token, and the one-shot flash message.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::{Locale, Text};
use crate::web::errors::AppError;

use crate::auth::store::{
    AGENT, AUTH_AT, FROM, NEW_RECOVERY_CODES, ORG_ID, SID, TOTP_SETUP, USER_ID,
};
use crate::auth::tokens;

const CSRF: &str = "csrf";
const FLASH: &str = "flash";
/// A sign-in between its password and its code: who, since when, and where to go next.
const SECOND_STEP: &str = "second_step";

/// How long the code may be typed after the password, in milliseconds.
pub const SECOND_STEP_LIFETIME: i64 = 10 * 60 * 1000;

/// A sign-in whose password was right, waiting for its code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecondStep {
    pub user_id: String,
    /// When the password was accepted (Unix milliseconds: a password changed in the same
    /// second after it voids it).
    pub at: i64,
    pub next: String,
}

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
    /// Where to look next: the link's words and the path it opens.
    #[serde(default)]
    pub link: Option<(Text, String)>,
}

pub struct AppSession {
    session: Session,
    /// The request, to read where it comes from at login (not at every request).
    req: HttpRequest,
}

/// What a request says of where it comes from.
struct Client {
    agent: String,
    address: Option<String>,
}

/// No more of a `User-Agent` is kept.
const AGENT_KEPT: usize = 300;

impl Client {
    fn of(req: &HttpRequest) -> Client {
        let agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(AGENT_KEPT)
            .collect();
        let trusted = req
            .app_data::<actix_web::web::Data<crate::startup::AppState>>()
            .is_some_and(|state| state.trust_forwarded);
        Client {
            agent,
            address: crate::web::login::client_address(req, trusted).map(|ip| ip.to_string()),
        }
    }
}

impl FromRequest for AppSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<AppSession, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(AppSession {
            session: req.get_session(),
            req: req.clone(),
        }))
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

impl AppSession {
    pub fn user_id(&self) -> Result<Option<String>, AppError> {
        self.session.get(USER_ID).map_err(internal)
    }

    pub fn org_id(&self) -> Result<Option<String>, AppError> {
        self.session.get(ORG_ID).map_err(internal)
    }

    /// What the request says of itself: its browser's `User-Agent` (trimmed) and its
    /// address.
    pub fn client(&self) -> (String, Option<String>) {
        let client = Client::of(&self.req);
        (client.agent, client.address)
    }

    /// How the account's list of sessions names this one (set at login).
    pub fn sid(&self) -> Result<Option<String>, AppError> {
        self.session.get(SID).map_err(internal)
    }

    /// When the user logged in, as a Unix timestamp: the start of the absolute timeout.
    pub fn authenticated_at(&self) -> Result<Option<i64>, AppError> {
        self.session.get(AUTH_AT).map_err(internal)
    }

    /// Starts an authenticated session under a new id (the old one is deleted), so an
    /// id planted before login is worth nothing after it.
    pub fn log_in(&self, user_id: &str, org_id: Option<&str>, at: i64) -> Result<(), AppError> {
        self.session.clear();
        self.session.renew();
        self.session.insert(USER_ID, user_id).map_err(internal)?;
        if let Some(org) = org_id {
            self.session.insert(ORG_ID, org).map_err(internal)?;
        }
        self.session.insert(AUTH_AT, at).map_err(internal)?;
        self.session.insert(CSRF, new_token()).map_err(internal)?;
        // How the account's list of sessions names this one.
        let sid = tokens::new(16);
        self.session.insert(SID, sid).map_err(internal)?;
        let client = Client::of(&self.req);
        self.session
            .insert(AGENT, &client.agent)
            .map_err(internal)?;
        if let Some(address) = &client.address {
            self.session.insert(FROM, address).map_err(internal)?;
        }
        Ok(())
    }

    /// Remembers that `user_id` gave the right password at `at` and is to type a code;
    /// nobody is signed in yet. The session's key changes, as at a login.
    pub fn begin_second_step(&self, user_id: &str, at: i64, next: &str) -> Result<(), AppError> {
        self.session.renew();
        let step = SecondStep {
            user_id: user_id.to_owned(),
            at,
            next: next.to_owned(),
        };
        self.session.insert(SECOND_STEP, step).map_err(internal)
    }

    /// The sign-in waiting for its code, if it is recent enough (`now`, Unix milliseconds).
    pub fn second_step(&self, now: i64) -> Option<SecondStep> {
        let step: SecondStep = self.session.get(SECOND_STEP).ok().flatten()?;
        (now - step.at <= SECOND_STEP_LIFETIME && step.at <= now).then_some(step)
    }

    /// The secret offered to the person's app, if one is.
    pub fn totp_setup(&self) -> Option<String> {
        self.session.get(TOTP_SETUP).ok().flatten()
    }

    pub fn set_totp_setup(&self, secret: Option<&str>) -> Result<(), AppError> {
        match secret {
            Some(secret) => self.session.insert(TOTP_SETUP, secret).map_err(internal),
            None => {
                self.session.remove(TOTP_SETUP);
                Ok(())
            }
        }
    }

    /// Keeps recovery codes just made (`first`: as two-factor was turned on) for the page
    /// that shows them, once.
    pub fn keep_recovery_codes(&self, codes: Vec<String>, first: bool) -> Result<(), AppError> {
        self.session
            .insert(NEW_RECOVERY_CODES, (codes, first))
            .map_err(internal)
    }

    /// The recovery codes kept to be shown, taken: a reload does not show them again.
    pub fn take_recovery_codes(&self) -> Option<(Vec<String>, bool)> {
        let codes = self.session.get(NEW_RECOVERY_CODES).ok().flatten()?;
        self.session.remove(NEW_RECOVERY_CODES);
        Some(codes)
    }

    /// Ends the session: its server-side row is deleted. The language chosen stays, in a
    /// new anonymous session under a new key; without one, the cookie goes too.
    pub fn log_out(&self) {
        let locale = self
            .session
            .get::<Locale>(crate::i18n::SESSION_KEY)
            .ok()
            .flatten();
        match locale {
            Some(locale) => {
                self.session.renew();
                self.session.clear();
                if self
                    .session
                    .insert(crate::i18n::SESSION_KEY, locale)
                    .is_err()
                {
                    self.session.purge();
                }
            }
            None => self.session.purge(),
        }
    }

    /// The language the visitor chose (kept across login and logout of this session).
    pub fn set_locale(&self, locale: Locale) -> Result<(), AppError> {
        self.session
            .insert(crate::i18n::SESSION_KEY, locale)
            .map_err(internal)
    }

    pub fn set_org(&self, org_id: &str) -> Result<(), AppError> {
        self.session.insert(ORG_ID, org_id).map_err(internal)
    }

    /// The CSRF token of the forms of this session's pages, created on first use. It is
    /// bound to the organization the session works in: a form of a page shown for
    /// another organization (a tab left open across a switch) is refused, not applied
    /// to the organization the session works in now.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        let secret = match self.session.get::<String>(CSRF).map_err(internal)? {
            Some(secret) => secret,
            None => {
                let secret = new_token();
                self.session.insert(CSRF, &secret).map_err(internal)?;
                secret
            }
        };
        Ok(bound_token(&secret, self.org_id()?.as_deref()))
    }

    /// The session's own token, bound to no organization: the logout form's.
    pub fn session_token(&self) -> Option<String> {
        let secret = self.session.get::<String>(CSRF).ok().flatten()?;
        Some(bound_token(&secret, None))
    }

    /// The token a form must carry, if the session has one yet.
    pub fn expected_csrf_token(&self) -> Option<String> {
        let secret = self.session.get::<String>(CSRF).ok().flatten()?;
        Some(bound_token(
            &secret,
            self.org_id().ok().flatten().as_deref(),
        ))
    }

    pub fn flash(&self, kind: FlashKind, message: impl Into<Text>) -> Result<(), AppError> {
        self.session
            .insert(
                FLASH,
                Flash {
                    kind,
                    message: message.into(),
                    link: None,
                },
            )
            .map_err(internal)
    }

    /// A message for the next page with a link to follow from it.
    pub fn flash_with_link(
        &self,
        kind: FlashKind,
        message: Text,
        link: (Text, String),
    ) -> Result<(), AppError> {
        self.session
            .insert(
                FLASH,
                Flash {
                    kind,
                    message,
                    link: Some(link),
                },
            )
            .map_err(internal)
    }

    pub fn take_flash(&self) -> Option<Flash> {
        // Removing marks the session changed, to be written back: only when there is
        // a message (an unreadable one goes too).
        match self.session.get::<Flash>(FLASH) {
            Ok(None) => None,
            found => {
                self.session.remove(FLASH);
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
    tokens::new(43)
}
