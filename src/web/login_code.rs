//! The second step of signing in: the code from the person's authenticator app, or one
//! of their recovery codes, after the password. Nobody is signed in until it is right.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::login;
use crate::auth::two_factor::{self, Checked};
use crate::db::models::users;
use crate::i18n::{In, t};
use crate::startup::AppState;
use crate::web::AppSession;
use crate::web::FlashKind;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::page_with_status;
use crate::web::login::{client_address, open_session, wait_message, with_retry_after};
use crate::web::session::SecondStep;
use crate::web::site::see_other;

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    tr: In,
    csrf_token: String,
    error: Option<String>,
}

fn code_page(
    session: &AppSession,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = CodePage {
        tr: In::default(),
        csrf_token: session.csrf_token()?,
        error,
    };
    page_with_status(status, &page)
}

/// The sign-in waiting for its code, or the login page to start again from.
fn waiting(session: &AppSession) -> Result<SecondStep, HttpResponse> {
    session
        .second_step(Utc::now().timestamp_millis())
        .ok_or_else(|| see_other(crate::paths::LOGIN))
}

/// `GET /login/code`.
pub async fn form(session: AppSession) -> Result<HttpResponse, AppError> {
    if session.user_id()?.is_some() {
        return Ok(see_other(crate::paths::HOME));
    }
    if let Err(start_again) = waiting(&session) {
        return Ok(start_again);
    }
    code_page(&session, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /login/code`: the code typed; right, it signs the person in.
pub async fn submit(
    req: HttpRequest,
    session: AppSession,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let step = match waiting(&session) {
        Ok(step) => step,
        Err(start_again) => return Ok(start_again),
    };
    if form.0.code.trim().is_empty() {
        let message = t("Enter the code from your authenticator app, or a recovery code.");
        return code_page(&session, StatusCode::UNPROCESSABLE_ENTITY, Some(message));
    }
    let user_id = step.user_id.clone();
    let user = state
        .db
        .run(move |conn| users::find(conn, &user_id).map_err(AppError::from))
        .await?;
    // An account gone, or whose password changed since it was typed: start again.
    let Some(user) = user.filter(|u| u.password_changed_at.and_utc().timestamp_millis() <= step.at)
    else {
        return Ok(see_other(crate::paths::LOGIN));
    };
    let address = client_address(&req, state.trust_forwarded);
    let checked =
        two_factor::verify(&state.db, Some(&state.mail), &user, form.0.code, address).await?;
    state.mail_wake.notify_one();
    let left = match checked {
        Err(wait) => {
            let page = code_page(
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                Some(wait_message(wait)),
            )?;
            return Ok(with_retry_after(page, wait));
        }
        Ok(Checked::Wrong) => {
            let message = t(
                "That code is not right, or was used already. Enter the code your app shows now.",
            );
            return code_page(&session, StatusCode::UNPROCESSABLE_ENTITY, Some(message));
        }
        Ok(Checked::Code) => None,
        Ok(Checked::Recovery { left }) => Some(left),
    };
    let welcome = login::finish(&state.db, user.id, crate::i18n::current()).await?;
    let response = open_session(&req, &state, &session, welcome, &step.next).await?;
    if let Some(left) = left {
        session.flash(
            FlashKind::Info,
            crate::i18n::Text::new("You signed in with a recovery code; it no longer works. %{left} remain: make new ones from your account page before they run out.").arg("left", left),
        )?;
    }
    Ok(response)
}
