//! One's own account: changing the password (which ends one's other sessions), and the
//! language.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::password::check_policy;
use crate::db::models::users;
use crate::i18n::{Locale, t};
use crate::members;
use crate::startup::AppState;
use crate::web::act::own_password;
use crate::web::csrf::CsrfForm;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::{AppSession, FlashKind, Member};

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage {
    layout: Layout,
    memberships: Vec<(String, &'static str)>,
    error: Option<String>,
}

fn account_page(member: &Member, error: Option<String>) -> Result<AccountPage, AppError> {
    Ok(AccountPage {
        layout: Layout::new(member, Section::Account)?,
        memberships: member
            .memberships
            .iter()
            .map(|m| (m.org_name.clone(), m.role.label()))
            .collect(),
        error,
    })
}

pub async fn show(member: Member) -> Result<HttpResponse, AppError> {
    page(&account_page(&member, None)?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    req: HttpRequest,
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let again = |message: String| -> Result<HttpResponse, AppError> {
        page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &account_page(&member, Some(message))?,
        )
    };
    if let Err(message) = check_policy(&form.new_password) {
        return again(message.to_string());
    }
    if form.new_password != form.confirm_password {
        return again(t("The two new passwords differ."));
    }
    if !own_password(&req, &state, &member, form.current_password).await? {
        return again(t(
            "Your current password is not correct. Nothing was changed.",
        ));
    }
    let hash = state.passwords.hash(form.new_password).await?;
    let (user_id, mail) = (member.user.id.clone(), state.mail.clone());
    state
        .db
        .write(move |conn| {
            Ok::<_, AppError>(members::change_password(conn, &mail, &user_id, &hash))
        })
        .await?
        .map_err(|e| AppError::Internal(e.into()))?;
    state.mail_wake.notify_one();
    // Every session ended, this one too: start a fresh one where the user stands.
    member.session.log_in(
        &member.user.id,
        Some(member.org_id()),
        Utc::now().timestamp(),
    )?;
    member.session.flash(
        FlashKind::Success,
        "Password changed. You were signed out everywhere else.",
    )?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, crate::paths::ACCOUNT))
        .finish())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: Option<String>,
}

/// The language switch: remembered in the session and, for a logged-in person, in their
/// account (their emails follow it). Back to the page it was used on.
pub async fn switch_language(
    req: HttpRequest,
    session: AppSession,
    state: web::Data<AppState>,
    form: CsrfForm<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let locale: Locale = form
        .0
        .lang
        .as_deref()
        .and_then(|language| crate::i18n::current().with_language(language))
        .ok_or_else(|| AppError::bad_request("Choose one of the languages offered."))?;
    session.set_locale(locale)?;
    if let Some(user_id) = session.user_id()? {
        state
            .db
            .write(move |conn| users::set_locale(conn, &user_id, locale).map_err(AppError::from))
            .await?;
    }
    // Back to the page the switch was on, if that page is this site's.
    let back = state
        .site
        .referring_path(&req)
        .unwrap_or_else(|| "/".to_owned());
    Ok(crate::web::site::see_other(&back))
}
