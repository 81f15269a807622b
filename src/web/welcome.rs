//! Answering an invitation to join an organization: from the email's link
//! (`/welcome/{token}`) or in the app (the dashboard lists the invitations addressed to
//! the signed-in person). A new address chooses its password there, which makes the
//! account; an address with an account accepts or declines once signed in as its owner.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, http::header, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::password::check_policy;
use crate::db::models::users;
use crate::db::now;
use crate::domain::EmailAddress;
use crate::i18n::{In, Text, t};
use crate::members::invitations::{self, Invitation, Which};
use crate::members::{self, MemberError};
use crate::paths;
use crate::startup::AppState;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::{page, page_with_status};
use crate::web::{FlashKind, Member, SignedIn};

/// A new address chooses its password to join.
#[derive(Template)]
#[template(path = "account/welcome.html")]
struct NewAccountPage {
    tr: In,
    csrf_token: String,
    action: String,
    org_name: String,
    email: String,
    name: String,
    error: Option<String>,
    /// Signed in as someone else, whose session joining ends.
    signed_in_as: Option<String>,
}

/// An address with an account answers, signed in as its owner.
#[derive(Template)]
#[template(path = "account/invitation.html")]
struct AnswerPage {
    tr: In,
    csrf_token: String,
    action: String,
    org_name: String,
    email: String,
    role: &'static str,
    /// Signed in as the invitation's addressee.
    is_owner: bool,
    /// Signed in as someone else.
    signed_in_as: Option<String>,
    login: String,
}

/// A link whose invitation is closed: what to do instead.
fn spent() -> AppError {
    AppError::LinkSpent(
        "This invitation was used already, declined, or has expired. If you joined, sign in; otherwise ask for a new invitation.".into(),
    )
}

/// The open invitation of a link, and whether its address has an account.
async fn invitation_of(
    state: &AppState,
    token: String,
) -> Result<(Invitation, Option<users::User>), AppError> {
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let invitation =
                invitations::find(conn, &Which::Token(token), now())?.ok_or_else(spent)?;
            let account = match EmailAddress::parse(&invitation.email) {
                Ok(email) => users::find_by_email(conn, &email)?,
                Err(_) => None,
            };
            Ok((invitation, account))
        })
        .await
}

fn answer_page(
    signed_in: &SignedIn,
    token: &str,
    invitation: &Invitation,
    owner: &users::User,
) -> Result<AnswerPage, AppError> {
    let action = paths::welcome(token);
    let as_someone = signed_in.user.as_ref();
    Ok(AnswerPage {
        tr: In::default(),
        csrf_token: signed_in.session.csrf_token()?,
        login: paths::login_then(&action),
        action,
        org_name: invitation.org_name.clone(),
        email: invitation.email.clone(),
        role: invitation.role.in_sentence(),
        is_owner: as_someone.is_some_and(|u| u.id == owner.id),
        signed_in_as: as_someone
            .filter(|u| u.id != owner.id)
            .map(|u| u.email.clone()),
    })
}

/// `GET /welcome/{token}`: the invitation's link.
pub async fn welcome(
    signed_in: SignedIn,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (invitation, account) = invitation_of(&state, token.clone()).await?;
    match account {
        Some(owner) => page(&answer_page(&signed_in, &token, &invitation, &owner)?),
        None => page(&NewAccountPage {
            tr: In::default(),
            csrf_token: signed_in.session.csrf_token()?,
            action: paths::welcome(&token),
            org_name: invitation.org_name,
            email: invitation.email,
            name: invitation.name,
            error: None,
            signed_in_as: signed_in.user.as_ref().map(|u| u.email.clone()),
        }),
    }
}

#[derive(Deserialize)]
pub struct WelcomeForm {
    /// `accept` or `decline`: the answer of an address with an account.
    decision: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /welcome/{token}`: the answer, or the new account's password.
pub async fn answer(
    signed_in: SignedIn,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<WelcomeForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.0;
    let (invitation, account) = invitation_of(&state, token.clone()).await?;
    if let Some(owner) = account {
        let is_owner = signed_in.user.as_ref().is_some_and(|u| u.id == owner.id);
        if !is_owner || form.decision.is_none() {
            // Only the address's owner answers, signed in as themselves.
            let page = answer_page(&signed_in, &token, &invitation, &owner)?;
            return page_with_status(StatusCode::FORBIDDEN, &page);
        }
        let accept = form.decision.as_deref() == Some("accept");
        return decide(
            &state,
            &signed_in.session,
            Which::Token(token),
            owner,
            accept,
        )
        .await;
    }
    let problem: Option<String> = match check_policy(&form.new_password) {
        Err(policy) => Some(policy.to_string()),
        Ok(()) if form.new_password != form.confirm_password => {
            Some(t("The two passwords differ."))
        }
        Ok(()) => match members::person_name(&form.name) {
            Err(MemberError::Invalid(message)) => Some(message.to_string()),
            _ => None,
        },
    };
    if let Some(error) = problem {
        let page = NewAccountPage {
            tr: In::default(),
            csrf_token: signed_in.session.csrf_token()?,
            action: paths::welcome(&token),
            org_name: invitation.org_name,
            email: invitation.email,
            name: form.name.chars().take(100).collect(),
            error: Some(error),
            signed_in_as: signed_in.user.as_ref().map(|u| u.email.clone()),
        };
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hash = state.passwords.hash(form.new_password).await?;
    let name = form.name;
    let (user_id, org_id) = state
        .db
        .write(move |conn| Ok::<_, AppError>(invitations::join(conn, &token, &name, &hash, now())))
        .await?
        .map_err(AppError::from)?;
    let session = &signed_in.session;
    session.log_in(&user_id, Some(&org_id), Utc::now().timestamp())?;
    session.flash(
        FlashKind::Success,
        Text::new("Welcome to %{org}.").arg("org", &invitation.org_name),
    )?;
    Ok(see_other("/"))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Accepts or declines an invitation as its signed-in addressee, and says so.
async fn decide(
    state: &AppState,
    session: &crate::web::AppSession,
    which: Which,
    owner: users::User,
    accept: bool,
) -> Result<HttpResponse, AppError> {
    let mail = state.mail.clone();
    let outcome = state
        .db
        .write(move |conn| {
            Ok::<_, AppError>(if accept {
                invitations::accept(conn, &mail, &which, &owner, now()).map(Ok)
            } else {
                invitations::decline(conn, &which, &owner, now()).map(Err)
            })
        })
        .await?
        .map_err(AppError::from)?;
    match outcome {
        Ok(org_id) => {
            state.mail_wake.notify_one();
            session.set_org(&org_id)?;
            session.flash(
                FlashKind::Success,
                "Invitation accepted: you are now a member of this organization.",
            )?;
        }
        Err(declined) => session.flash(
            FlashKind::Info,
            Text::new("You declined the invitation to %{org}.").arg("org", &declined.org_name),
        )?,
    }
    Ok(see_other("/"))
}

/// `POST /invitations/{id}/accept`: accepted from the dashboard.
pub async fn accept_in_app(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let owner = member.user.clone();
    decide(
        &state,
        &member.session,
        Which::Id(id.into_inner()),
        owner,
        true,
    )
    .await
}

/// `POST /invitations/{id}/decline`: declined from the dashboard.
pub async fn decline_in_app(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let owner = member.user.clone();
    decide(
        &state,
        &member.session,
        Which::Id(id.into_inner()),
        owner,
        false,
    )
    .await
}
