//! One's own name and email address, from the account page; a new address is confirmed
//! through the link sent to it (`/account/email/{token}`). The rules are in
//! `auth::details`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeDelta;
use serde::Deserialize;

use crate::auth::details::{self, Confirmed};
use crate::db::models::users;
use crate::db::now;
use crate::domain::EmailAddress;
use crate::i18n::{In, Text, t};
use crate::members::{MemberError, person_name};
use crate::paths;
use crate::startup::AppState;
use crate::web::account::{Details, account_page};
use crate::web::act::{done, own_password};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::{page, page_with_status};
use crate::web::login::{minutes_to_wait, with_retry_after};
use crate::web::{AppSession, FlashKind, Member};

#[derive(Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

/// `POST /account/details`: a new name is saved at once; a new address is asked for
/// (with the password) and waits for its confirmation.
pub async fn save(
    req: HttpRequest,
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let again = |message: String| Details {
        name: form.name.chars().take(200).collect(),
        email: form.email.chars().take(254).collect(),
        error: Some(message),
    };
    let name = match person_name(&form.name) {
        Ok(name) => name,
        Err(MemberError::Invalid(message)) => {
            let page = account_page(&member, &state, None, again(message.to_string())).await?;
            return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(other) => return Err(AppError::Internal(other.into())),
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(_) => {
            let message = t("Enter a valid email address.");
            let page = account_page(&member, &state, None, again(message)).await?;
            return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let moves = email.as_str() != member.user.email;
    let refused = if !moves {
        None
    } else if form.current_password.is_empty() {
        Some(t(
            "To change your address, enter your current password. Nothing was changed.",
        ))
    } else if !own_password(&req, &state, &member, form.current_password.clone()).await? {
        Some(t(
            "Your current password is not correct. Nothing was changed.",
        ))
    } else {
        None
    };
    if let Some(message) = refused {
        let page = account_page(&member, &state, None, again(message)).await?;
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let (user, mail) = (member.user.clone(), state.mail.clone());
    let renamed = name != member.user.name;
    let new = email.clone();
    let asked = state
        .db
        .write(move |conn| -> anyhow::Result<Result<(), TimeDelta>> {
            // A refused change of address leaves the name as it was too.
            if moves && let Err(wait) = details::ask_email_change(conn, &mail, &user, &new, now())?
            {
                return Ok(Err(wait));
            }
            if renamed {
                users::set_name(conn, &user.id, &name)?;
            }
            Ok(Ok(()))
        })
        .await?;
    if let Err(wait) = asked {
        let message = crate::i18n::t1(
            "Too many changes of address were asked for. Wait %{minutes} minute(s), then try again.",
            "minutes",
            minutes_to_wait(wait),
        );
        let page = account_page(&member, &state, None, again(message)).await?;
        let response = page_with_status(StatusCode::TOO_MANY_REQUESTS, &page)?;
        return Ok(with_retry_after(response, wait));
    }
    let message: Text = match (renamed, moves) {
        (_, true) => {
            state.mail_wake.notify_one();
            Text::new("A link to confirm %{new} was sent there. Your address changes when you follow it, within 24 hours; until then you sign in with %{old}.")
                .arg("new", email.as_str())
                .arg("old", &member.user.email)
        }
        (true, false) => "Your name is saved.".into(),
        (false, false) => "Nothing changed.".into(),
    };
    done(&member, FlashKind::Success, message, paths::ACCOUNT)
}

#[derive(Template)]
#[template(path = "account/email.html")]
struct ConfirmPage {
    tr: In,
    csrf_token: String,
    action: String,
    /// (the account's address now, the new one); `None` when the link no longer works.
    change: Option<(String, String)>,
    /// The outcome, once confirmed.
    outcome: Option<Outcome>,
}

enum Outcome {
    Changed(String),
    Taken,
}

fn confirm_page(
    session: &AppSession,
    token: &str,
    change: Option<(String, String)>,
    outcome: Option<Outcome>,
) -> Result<ConfirmPage, AppError> {
    Ok(ConfirmPage {
        tr: In::default(),
        csrf_token: session.csrf_token()?,
        action: paths::email_confirm(token),
        change,
        outcome,
    })
}

/// `GET /account/email/{token}`: the link sent to the new address.
pub async fn confirm_form(
    session: AppSession,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let change = {
        let token = token.clone();
        state
            .db
            .run(move |conn| details::pending(conn, &token, now()).map_err(AppError::from))
            .await?
            .map(|(user, new)| (user.email, new))
    };
    page(&confirm_page(&session, &token, change, None)?)
}

/// `POST /account/email/{token}`: the new address takes effect.
pub async fn confirm(
    session: AppSession,
    state: web::Data<AppState>,
    token: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let mail = state.mail.clone();
    let confirmed = {
        let token = token.clone();
        state
            .db
            .write(move |conn| details::confirm_email_change(conn, &mail, &token, now()))
            .await?
    };
    let (status, outcome) = match confirmed {
        Confirmed::Changed { new } => {
            state.mail_wake.notify_one();
            (StatusCode::OK, Some(Outcome::Changed(new)))
        }
        Confirmed::Taken => (StatusCode::CONFLICT, Some(Outcome::Taken)),
        Confirmed::Spent => (StatusCode::NOT_FOUND, None),
    };
    page_with_status(status, &confirm_page(&session, &token, None, outcome)?)
}
