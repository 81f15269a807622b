//! Logging in and out.

use std::net::IpAddr;

use actix_web::http::StatusCode;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use askama::Template;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;

use crate::auth::login::{self, Outcome, Welcome};
use crate::auth::{devices, tokens};
use crate::db::models::users;
use crate::db::now;
use crate::i18n::{In, t};
use crate::startup::AppState;
use crate::web::AppSession;
use crate::web::csrf::{CsrfForm, NoFields, SessionForm};
use crate::web::errors::AppError;
use crate::web::layout::page_with_status;
use crate::web::site::{Site, see_other};
use actix_web::cookie::{Cookie, SameSite};

const WRONG_CREDENTIALS: &str = "The email or the password is not correct.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: In,
    csrf_token: String,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
    reset: Option<String>,
}

/// Where to go after logging in: a path of this site only, never another site, and not
/// the login page again.
fn safe_next(site: &Site, next: Option<&str>) -> String {
    next.and_then(|n| site.local_path(n))
        .filter(|path| !path.starts_with("/login"))
        .unwrap_or_else(|| "/".to_owned())
}

pub async fn form(
    session: AppSession,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&state.site, query.next.as_deref());
    if session.user_id()?.is_some() {
        return Ok(see_other(&next));
    }
    let page = LoginPage {
        tr: In::default(),
        csrf_token: session.csrf_token()?,
        email: String::new(),
        next,
        error: None,
        notice: if query.reset.is_some() {
            Some("Your password was changed. Sign in with the new one.")
        } else {
            query.signed_out.as_ref().map(|_| "You are signed out.")
        },
    };
    page_with_status(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    req: HttpRequest,
    session: AppSession,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        email,
        password,
        next,
    } = form.0;
    let next = safe_next(&state.site, next.as_deref());
    let refuse = |status: StatusCode, message: String| -> Result<HttpResponse, AppError> {
        let page = LoginPage {
            tr: In::default(),
            csrf_token: session.csrf_token()?,
            email: email.chars().take(254).collect(),
            next: next.clone(),
            error: Some(message),
            notice: None,
        };
        page_with_status(status, &page)
    };
    if email.trim().is_empty() || password.is_empty() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            t("Enter your email and your password."),
        );
    }
    let outcome = login::attempt(
        &state.db,
        &state.passwords,
        &email,
        password,
        client_address(&req, state.trust_forwarded),
        crate::i18n::current(),
    )
    .await?;
    match outcome {
        Outcome::SignedIn(welcome) => open_session(&req, &state, &session, welcome, &next).await,
        Outcome::CodeNeeded { user_id } => {
            session.begin_second_step(&user_id, Utc::now().timestamp_millis(), &next)?;
            Ok(see_other(crate::paths::LOGIN_CODE))
        }
        Outcome::Refused => refuse(StatusCode::UNPROCESSABLE_ENTITY, t(WRONG_CREDENTIALS)),
        Outcome::Throttled(wait) => Ok(with_retry_after(
            refuse(StatusCode::TOO_MANY_REQUESTS, wait_message(wait))?,
            wait,
        )),
    }
}

/// Signs the person in once every factor was checked, and goes on to `next`.
pub(crate) async fn open_session(
    req: &HttpRequest,
    state: &AppState,
    session: &AppSession,
    welcome: Welcome,
    next: &str,
) -> Result<HttpResponse, AppError> {
    let Welcome {
        user_id,
        first_org,
        locale,
    } = welcome;
    session.log_in(&user_id, first_org.as_deref(), Utc::now().timestamp())?;
    session.set_locale(locale)?;
    let mut response = see_other(next);
    if let Some(cookie) = remember_browser(req, state, session, user_id).await {
        response
            .add_cookie(&cookie)
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(response)
}

/// The cookie that tells one browser from another, for the account's "signed in from a
/// new browser" email. It opens nothing.
fn browser_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-partnerdesk-browser"
    } else {
        "partnerdesk-browser"
    }
}

/// Notes the sign-in's browser (the account's address is told of a new one) and returns
/// the cookie to give a browser that has none yet. A failure to note it does not stop
/// the sign-in.
async fn remember_browser(
    req: &HttpRequest,
    state: &AppState,
    session: &AppSession,
    user_id: String,
) -> Option<Cookie<'static>> {
    let secure = state.mail.base_url.is_https();
    let name = browser_cookie_name(secure);
    let existing = req
        .cookie(name)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43 && v.chars().all(|c| c.is_ascii_alphanumeric()));
    let token = existing.clone().unwrap_or_else(|| tokens::new(43));
    let (agent, address) = session.client();
    let (mail, noted_token) = (state.mail.clone(), token.clone());
    let noted = state
        .db
        .write(move |conn| -> anyhow::Result<bool> {
            let Some(user) = users::find(conn, &user_id)? else {
                return Ok(false);
            };
            devices::note_sign_in(
                conn,
                &mail,
                &user,
                &noted_token,
                (&agent, address.as_deref()),
                now(),
            )
        })
        .await;
    match noted {
        Ok(true) => state.mail_wake.notify_one(),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = ?e, "the sign-in's browser could not be noted"),
    }
    existing.is_none().then(|| {
        Cookie::build(name, token)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(400))
            .finish()
    })
}

/// What a person is told who tried too often.
pub(crate) fn wait_message(wait: TimeDelta) -> String {
    crate::i18n::t1(
        "Too many failed attempts. Wait %{minutes} minute(s), then try again.",
        "minutes",
        minutes_to_wait(wait),
    )
}

/// A wait in whole minutes, rounded up: what a person is told.
pub(crate) fn minutes_to_wait(wait: TimeDelta) -> i64 {
    (wait.num_seconds() + 59) / 60
}

/// `response` with a `Retry-After` of `wait`.
pub(crate) fn with_retry_after(mut response: HttpResponse, wait: TimeDelta) -> HttpResponse {
    let seconds = wait.num_seconds().max(1).to_string();
    if let Ok(value) = header::HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The client's address: the connection's peer, or — behind a trusted reverse proxy —
/// the address it forwarded.
pub(crate) fn client_address(req: &HttpRequest, trust_forwarded: bool) -> Option<IpAddr> {
    if trust_forwarded {
        let info = req.connection_info();
        if let Some(ip) = info.realip_remote_addr().and_then(|a| {
            a.parse::<std::net::SocketAddr>()
                .map(|s| s.ip())
                .ok()
                .or_else(|| a.parse().ok())
        }) {
            return Some(ip);
        }
    }
    req.peer_addr().map(|a| a.ip())
}

pub async fn logout(session: AppSession, _form: SessionForm<NoFields>) -> HttpResponse {
    session.log_out();
    see_other(crate::paths::SIGNED_OUT)
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    use crate::config::BaseUrl;
    use crate::web::site::Site;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        let site = Site::new(&BaseUrl::parse("http://pd.example").unwrap(), true, false);
        let next = |n| safe_next(&site, n);
        assert_eq!(next(Some("/partners/abc")), "/partners/abc");
        assert_eq!(next(Some("/partners?after_id=x")), "/partners?after_id=x");
        assert_eq!(next(Some("//evil.example")), "/");
        assert_eq!(next(Some("https://evil.example")), "/");
        assert_eq!(next(Some("http://pd.example/partners")), "/");
        assert_eq!(next(Some("/\\evil.example")), "/");
        assert_eq!(next(Some("/..//evil.example")), "/");
        assert_eq!(next(Some("/\t/evil.example")), "/");
        assert_eq!(next(Some("/%0d%0aSet-Cookie:x")), "/");
        assert_eq!(next(Some("/login")), "/");
        assert_eq!(next(Some("/login?next=/partners")), "/");
        assert_eq!(next(Some("/./login")), "/");
        assert_eq!(next(None), "/");
    }
}
