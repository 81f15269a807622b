//! The organization's people: who is a member with which role, inviting a colleague,
//! changing a role, removing someone.

mod page;

pub use page::list;
use page::{InviteForm, Problem, shown_again, team_page};

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::now;
use crate::domain::{EmailAddress, Role};
use crate::i18n::Text;
use crate::members::{self, RoleChange, invitations};
use crate::startup::AppState;
use crate::web::act::{act, done};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::page_with_status;
use crate::web::{FlashKind, Member};

const LEGAL_REPS_ONLY: &str =
    "Only the organization's legal representatives can require two-factor authentication.";
const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can manage its people.";

fn parse_role(input: Option<&str>) -> Result<Role, AppError> {
    input.and_then(|r| r.parse().ok()).ok_or_else(|| {
        AppError::bad_request(
            "Choose a role: legal representative, administrator, billing or technical.",
        )
    })
}

fn back_to_team(member: &Member, message: Text) -> Result<HttpResponse, AppError> {
    done(member, FlashKind::Success, message, crate::paths::TEAM)
}

pub async fn invite(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let form = form.0;
    let sent = async {
        let email = EmailAddress::parse(form.email.as_deref().unwrap_or_default())
            .map_err(AppError::bad_request)?;
        let role = parse_role(form.role.as_deref())?;
        let name = form.name.clone().unwrap_or_default();
        let address = email.as_str().to_owned();
        act(&member, &state, move |conn, mail, actor| {
            invitations::invite(conn, mail, actor, &email, &name, role, now())
        })
        .await?;
        Ok::<_, AppError>(address)
    }
    .await;
    let address = match sent {
        Ok(address) => address,
        Err(e) => return shown_again(&member, &state, e, form, Problem::Invite).await,
    };
    // The same answer whether the address has an account or not.
    let message = Text::new("Invitation sent to %{email}. It is valid for %{days} days: %{email} becomes a member on accepting it.")
        .arg("email", &address)
        .arg("days", members::INVITATION_DAYS);
    back_to_team(&member, message)
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: Option<String>,
}

pub async fn change_role(
    member: Member,
    state: web::Data<AppState>,
    target: web::Path<String>,
    form: CsrfForm<RoleForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let target = target.into_inner();
    let chosen = form.0.role.unwrap_or_default();
    let changed = async {
        let to = parse_role(Some(&chosen))?;
        let target = target.clone();
        act(&member, &state, move |conn, mail, actor| {
            members::change_role(conn, mail, actor, &target, to)
        })
        .await
    }
    .await;
    let change = match changed {
        Ok(change) => change,
        Err(e) => {
            let problem = |message| Problem::Role {
                user_id: target,
                role: chosen,
                message,
            };
            return shown_again(&member, &state, e, InviteForm::default(), problem).await;
        }
    };
    let message = match change {
        RoleChange::Changed { from, to } => {
            Text::new("Role changed from %{from} to %{to}. The person has been told.")
                .text("from", from.in_sentence())
                .text("to", to.in_sentence())
        }
        RoleChange::Unchanged => Text::new("That was already the role: nothing was changed."),
    };
    back_to_team(&member, message)
}

pub async fn remove(
    member: Member,
    state: web::Data<AppState>,
    target: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let target = target.into_inner();
    let removed = act(&member, &state, move |conn, mail, actor| {
        members::remove(conn, mail, actor, &target)
    })
    .await?;
    back_to_team(
        &member,
        Text::new("%{person} no longer has access to %{org}.")
            .arg("person", &removed)
            .arg("org", &member.current.org_name),
    )
}

/// `POST /team/invitations/{id}/resend`: the invitation again, with a new link.
pub async fn resend_invitation(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let id = id.into_inner();
    let email = act(&member, &state, move |conn, mail, actor| {
        invitations::resend(conn, mail, actor, &id, now())
    })
    .await?;
    back_to_team(
        &member,
        Text::new("The invitation was sent to %{email} again, valid for %{days} days; the earlier link no longer works.")
            .arg("email", &email)
            .arg("days", members::INVITATION_DAYS),
    )
}

/// `POST /team/invitations/{id}/cancel`: the invitation taken back.
pub async fn cancel_invitation(
    member: Member,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role().manages_partners(), MANAGERS_ONLY)?;
    let id = id.into_inner();
    let email = act(&member, &state, move |conn, _mail, actor| {
        invitations::cancel(conn, actor, &id, now())
    })
    .await?;
    back_to_team(
        &member,
        Text::new("The invitation to %{email} is withdrawn: its link no longer works.")
            .arg("email", &email),
    )
}

#[derive(Deserialize)]
pub struct RequireForm {
    required: Option<String>,
}

/// `POST /team/two-factor`: a legal representative requires two-factor of every member
/// (who then sets it up before reaching the organization's pages), or stops requiring it.
/// Only one who signs in with it may require it.
pub async fn require_two_factor(
    member: Member,
    state: web::Data<AppState>,
    form: CsrfForm<RequireForm>,
) -> Result<HttpResponse, AppError> {
    member.require(member.role() == Role::LegalRep, LEGAL_REPS_ONLY)?;
    let required = match form.0.required.as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => {
            return Err(AppError::bad_request(
                "Choose whether two-factor authentication is required.",
            ));
        }
    };
    let (org_id, user_id) = (member.org_id().to_owned(), member.user.id.clone());
    let applied = state
        .db
        .write(move |conn| {
            crate::auth::two_factor::require(conn, &org_id, &user_id, required)
                .map_err(AppError::from)
        })
        .await?;
    if !applied {
        let message = crate::i18n::t(
            "Turn on two-factor authentication for your own account first (from your account page), then require it of everyone.",
        );
        return page_with_status(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &team_page(
                &member,
                &state,
                InviteForm::default(),
                Some(Problem::TwoFactor(message)),
            )
            .await?,
        );
    }
    tracing::info!(org_id = %member.org_id(), required, "two-factor requirement changed");
    let message: Text = if required {
        "Two-factor authentication is now required: members without it set it up before they reach the organization's pages.".into()
    } else {
        "Two-factor authentication is no longer required of the organization's members.".into()
    };
    back_to_team(&member, message)
}
