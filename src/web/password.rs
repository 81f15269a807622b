//! A forgotten password: asking for a link (`/password/forgot`) and choosing a new
//! password through it (`/password/reset/{token}`). The rules are in `auth::reset`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::password::check_policy;
use crate::auth::reset::{self, Asked};
use crate::db::now;
use crate::domain::EmailAddress;
use crate::i18n::{In, t};
use crate::paths;
use crate::startup::AppState;
use crate::web::AppSession;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{page, page_with_status};
use crate::web::login::{client_address, minutes_to_wait, with_retry_after};
use crate::web::site::see_other;

/// No email address is longer (RFC 5321): what is typed is kept up to this length.
const EMAIL_KEPT: usize = 254;

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    tr: In,
    csrf_token: String,
    email: String,
    error: Option<String>,
    /// The address a link was sent to, if it has an account.
    sent: Option<String>,
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    tr: In,
    csrf_token: String,
    action: String,
    /// The account's address; `None` when the link no longer works.
    email: Option<String>,
    error: Option<String>,
}

fn forgot_page(session: &AppSession, email: &str) -> Result<ForgotPage, AppError> {
    Ok(ForgotPage {
        tr: In::default(),
        csrf_token: session.csrf_token()?,
        email: email.chars().take(EMAIL_KEPT).collect(),
        error: None,
        sent: None,
    })
}

/// `GET /password/forgot`.
pub async fn forgot_form(session: AppSession) -> Result<HttpResponse, AppError> {
    page(&forgot_page(&session, "")?)
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /password/forgot`: the same answer whether the address has an account or not.
pub async fn forgot(
    req: HttpRequest,
    session: AppSession,
    state: web::Data<AppState>,
    form: CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.0.email;
    let mut answer = forgot_page(&session, &typed)?;
    let Ok(email) = EmailAddress::parse(&typed) else {
        answer.error = Some(t("Enter the email address of your account."));
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &answer);
    };
    let (mail, address) = (
        state.mail.clone(),
        client_address(&req, state.trust_forwarded),
    );
    let asked = {
        let email = email.clone();
        state
            .db
            .write(move |conn| reset::ask(conn, &mail, &email, address, now()))
            .await?
    };
    match asked {
        Asked::Answered => {
            state.mail_wake.notify_one();
            answer.sent = Some(email.as_str().to_owned());
            page(&answer)
        }
        Asked::Throttled(wait) => {
            answer.error = Some(crate::i18n::t1(
                "Too many links were asked for. The links already sent still work; wait %{minutes} minute(s) to ask for another.",
                "minutes",
                minutes_to_wait(wait),
            ));
            let response = page_with_status(StatusCode::TOO_MANY_REQUESTS, &answer)?;
            Ok(with_retry_after(response, wait))
        }
    }
}

fn reset_page(
    session: &AppSession,
    token: &str,
    email: Option<String>,
    error: Option<String>,
) -> Result<ResetPage, AppError> {
    Ok(ResetPage {
        tr: In::default(),
        csrf_token: session.csrf_token()?,
        action: paths::password_reset(token),
        email,
        error,
    })
}

/// The answer to a link that no longer works: what to do instead. Opened, it is the
/// link's page (200: a browser reports no error for it); a form sent through it is
/// refused (404).
fn spent(session: &AppSession, token: &str, status: StatusCode) -> Result<HttpResponse, AppError> {
    page_with_status(status, &reset_page(session, token, None, None)?)
}

/// The address of the link's account, if the link still works.
async fn account_of(state: &AppState, token: &str) -> Result<Option<String>, AppError> {
    let token = token.to_owned();
    let user = state
        .db
        .run(move |conn| reset::account_of(conn, &token, now()).map_err(AppError::from))
        .await?;
    Ok(user.map(|u| u.email))
}

/// `GET /password/reset/{token}`: the link's form.
pub async fn reset_form(
    session: AppSession,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match account_of(&state, &token).await? {
        Some(email) => page(&reset_page(&session, &token, Some(email), None)?),
        None => spent(&session, &token, StatusCode::OK),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /password/reset/{token}`: sets the new password, ends every session of the
/// account (this browser's too), and goes to the login page.
pub async fn reset(
    session: AppSession,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    // The link is checked before the password is hashed: a dead link costs no hashing.
    let Some(email) = account_of(&state, &token).await? else {
        return spent(&session, &token, StatusCode::NOT_FOUND);
    };
    let form = form.0;
    let refused = match check_policy(&form.new_password) {
        Err(message) => Some(message.to_string()),
        Ok(()) if form.new_password != form.confirm_password => {
            Some(t("The two new passwords differ."))
        }
        Ok(()) => None,
    };
    if let Some(message) = refused {
        let again = reset_page(&session, &token, Some(email), Some(message))?;
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let hash = state.passwords.hash(form.new_password).await?;
    let mail = state.mail.clone();
    let done = {
        let token = token.clone();
        state
            .db
            .write(move |conn| reset::complete(conn, &mail, &token, &hash, now()))
            .await?
    };
    if done.is_none() {
        return spent(&session, &token, StatusCode::NOT_FOUND);
    }
    state.mail_wake.notify_one();
    session.log_out();
    Ok(see_other(paths::PASSWORD_WAS_RESET))
}
