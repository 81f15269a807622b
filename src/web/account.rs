//! One's own account: changing the password (which ends one's other sessions), and the
//! language.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use askama::Template;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;

use crate::auth::devices;
use crate::auth::password::check_policy;
use crate::db::models::users;
use crate::i18n::{Locale, Text, datetime_in, t};
use crate::members;
use crate::startup::{AppState, IDLE_TIMEOUT};
use crate::web::act::own_password;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::site::see_other;
use crate::web::{AppSession, FlashKind, Member};

#[derive(Template)]
#[template(path = "account/show.html")]
pub(super) struct AccountPage {
    layout: Layout,
    memberships: Vec<(String, &'static str)>,
    sessions: Vec<SessionRow>,
    /// The password form's problem.
    error: Option<String>,
    details: Details,
    /// A change of address waiting for its confirmation: the new address, until when.
    waiting: Option<(String, String)>,
    /// Whether the account signs in with a second factor, and the organizations of the
    /// person's that require it.
    two_factor: bool,
    two_factor_required_by: Vec<String>,
}

/// The details form as shown: the account's, or what was typed with what is wrong.
pub(super) struct Details {
    pub name: String,
    pub email: String,
    pub error: Option<String>,
}

impl Details {
    pub(super) fn of(member: &Member) -> Details {
        Details {
            name: member.user.name.clone(),
            email: member.user.email.clone(),
            error: None,
        }
    }
}

/// A session of the person's, as the account page lists it.
struct SessionRow {
    sid: String,
    browser: Option<String>,
    address: String,
    signed_in_at: String,
    last_seen_at: String,
    current: bool,
}

pub(super) async fn account_page(
    member: &Member,
    state: &AppState,
    error: Option<String>,
    details: Details,
) -> Result<AccountPage, AppError> {
    let user_id = member.user.id.clone();
    let idle = TimeDelta::seconds(IDLE_TIMEOUT.whole_seconds());
    let (devices, waiting) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            Ok((
                devices::of_user(conn, &user_id, idle)?,
                crate::auth::details::waiting(conn, &user_id, crate::db::now())?,
            ))
        })
        .await?;
    let current = member.session.sid()?;
    let locale = crate::i18n::current();
    Ok(AccountPage {
        layout: Layout::new(member, Section::Account)?,
        memberships: member
            .memberships
            .iter()
            .map(|m| (m.org_name.clone(), m.role.label()))
            .collect(),
        sessions: devices
            .into_iter()
            .map(|d| SessionRow {
                current: current.as_deref() == Some(d.sid.as_str()),
                browser: d.browser,
                address: d.address.unwrap_or_else(|| "—".to_owned()),
                signed_in_at: d
                    .signed_in_at
                    .map_or_else(|| "—".to_owned(), |at| datetime_in(locale, at)),
                last_seen_at: datetime_in(locale, d.last_seen_at),
                sid: d.sid,
            })
            .collect(),
        error,
        details,
        waiting: waiting.map(|(new, until)| (new, datetime_in(locale, until))),
        two_factor: member.user.two_factor_since.is_some(),
        two_factor_required_by: crate::web::two_factor::required_by(member),
    })
}

pub async fn show(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page(&account_page(&member, &state, None, Details::of(&member)).await?)
}

/// `POST /account/sessions/{sid}/end`: ends one of one's sessions (this one: signs out).
pub async fn end_session(
    member: Member,
    state: web::Data<AppState>,
    sid: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.into_inner();
    let this_one = member.session.sid()?.as_deref() == Some(sid.as_str());
    let user_id = member.user.id.clone();
    let ended = state
        .db
        .write(move |conn| devices::end(conn, &user_id, &sid).map_err(AppError::from))
        .await?;
    if !ended {
        return Err(AppError::NotFound);
    }
    if this_one {
        member.session.log_out();
        return Ok(see_other(crate::paths::SIGNED_OUT));
    }
    member
        .session
        .flash(FlashKind::Success, "That session is signed out.")?;
    Ok(see_other(crate::paths::ACCOUNT))
}

/// `POST /account/sessions/end-others`: ends every session of one's but this one.
pub async fn end_other_sessions(
    member: Member,
    state: web::Data<AppState>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let keep = member.session.sid()?.unwrap_or_default();
    let user_id = member.user.id.clone();
    let ended = state
        .db
        .write(move |conn| devices::end_others(conn, &user_id, &keep).map_err(AppError::from))
        .await?;
    member.session.flash(
        FlashKind::Success,
        Text::new("Signed out everywhere else: %{count} session(s) ended.").arg("count", ended),
    )?;
    Ok(see_other(crate::paths::ACCOUNT))
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
    let refused = if let Err(message) = check_policy(&form.new_password) {
        Some(message.to_string())
    } else if form.new_password != form.confirm_password {
        Some(t("The two new passwords differ."))
    } else if !own_password(&req, &state, &member, form.current_password).await? {
        Some(t(
            "Your current password is not correct. Nothing was changed.",
        ))
    } else {
        None
    };
    if let Some(message) = refused {
        return page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &account_page(&member, &state, Some(message), Details::of(&member)).await?,
        );
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
    // The answer to a form cannot be opened again: the page above it then.
    let back = state
        .site
        .referring_path(&req)
        .map_or_else(|| "/".to_owned(), |path| crate::web::routes::page_of(&path));
    Ok(crate::web::site::see_other(&back))
}
