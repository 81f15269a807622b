//! Answering an invitation (accept, refuse), or taking one back (withdraw, resend).

use actix_web::{HttpResponse, web};

use crate::db::now;
use crate::domain::Side;
use crate::i18n::Text;
use crate::partnerships as lifecycle;
use crate::startup::AppState;
use crate::web::Member;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;

use super::{GrantForm, manageable, run_action, side_of};

/// A step of an invitation that takes nothing but the button: refuse, withdraw, resend.
type Step = fn(
    &mut crate::db::DbConn,
    &crate::mail::MailContext,
    &crate::partnerships::Actor<'_>,
    Side,
    &str,
    chrono::NaiveDateTime,
) -> Result<(), lifecycle::LifecycleError>;

async fn take_step(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    step: Step,
    message: Text,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| step(conn, mail, actor, side, id, now()),
        move |_| message,
    )
    .await
}

pub async fn refuse(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let message = Text::new("Invitation refused. The other organization has been told.");
    take_step(member, state, path, lifecycle::refuse, message).await
}

pub async fn withdraw(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let message = Text::new("Invitation withdrawn. The other organization has been told.");
    take_step(member, state, path, lifecycle::withdraw, message).await
}

pub async fn resend(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let message = Text::new("Invitation sent again. It is valid for %{days} more days.")
        .arg("days", lifecycle::INVITATION_DAYS);
    take_step(member, state, path, lifecycle::resend, message).await
}

/// Accepting an invitation: the partner accepts the rights offered; the customer
/// answering a partner's request chooses the rights it grants.
pub async fn accept(
    member: Member,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let (segment, id) = path.into_inner();
    let side = side_of(&segment)?;
    let view = manageable(&member, &state, side, id).await?;
    let grant = match side {
        Side::Customer => Some(form.0.grant()?),
        Side::Partner => None,
    };
    run_action(
        &member,
        &state,
        side,
        view,
        move |conn, mail, actor, id| lifecycle::accept(conn, mail, actor, side, id, grant.as_ref(), now()),
        |_| "Invitation accepted: the collaboration has started. The other organization has been told.".into(),
    )
    .await
}
