//! The organization's people: who is a member with which role, inviting a colleague,
//! changing a role, removing someone.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::now;
use crate::domain::{EmailAddress, Role};
use crate::i18n::Text;
use crate::members::{self, RoleChange, invitations};
use crate::startup::AppState;
use crate::web::act::{act, done};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::views::date;
use crate::web::{FlashKind, Member};

const LEGAL_REPS_ONLY: &str =
    "Only the organization's legal representatives can require two-factor authentication.";
const MANAGERS_ONLY: &str =
    "Only the organization's legal representatives and administrators can manage its people.";

struct MemberRow {
    user_id: String,
    name: String,
    email: String,
    role: Role,
    is_me: bool,
    two_factor: bool,
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "team/list.html")]
struct TeamPage {
    layout: Layout,
    members: Vec<MemberRow>,
    /// (id, email, role, valid until).
    invitations: Vec<(String, String, &'static str, String)>,
    can_manage: bool,
    roles: Vec<RoleChoice>,
    /// Whether the organization requires two-factor, and whether the member may change it.
    requires_two_factor: bool,
    can_require: bool,
    /// What the invitation form holds: empty, or what was typed when it was refused.
    invite: InviteForm,
    problem: Option<Problem>,
}

/// A form of the team page that was refused, shown again there with its reason.
pub enum Problem {
    TwoFactor(String),
    Invite(String),
    /// A member's role form: whose, the role chosen, why it was refused.
    Role {
        user_id: String,
        role: String,
        message: String,
    },
}

impl TeamPage {
    /// What was refused, said at the top of the page, and where its form is.
    fn refused(&self) -> Option<(&str, String)> {
        match &self.problem {
            Some(Problem::TwoFactor(message)) => Some((message, "two-factor-title".into())),
            Some(Problem::Invite(message)) => Some((message, "invite-title".into())),
            Some(Problem::Role {
                user_id, message, ..
            }) => {
                let row = self.members.iter().position(|m| &m.user_id == user_id)?;
                Some((message, format!("role-{}", row + 1)))
            }
            None => None,
        }
    }

    fn two_factor_error(&self) -> Option<&str> {
        match &self.problem {
            Some(Problem::TwoFactor(message)) => Some(message),
            _ => None,
        }
    }

    fn invite_error(&self) -> Option<&str> {
        match &self.problem {
            Some(Problem::Invite(message)) => Some(message),
            _ => None,
        }
    }

    /// The refusal of `user_id`'s role form, if it was, and the role chosen in it.
    fn role_error(&self, user_id: &str) -> Option<(&str, &str)> {
        match &self.problem {
            Some(Problem::Role {
                user_id: whose,
                role,
                message,
            }) if whose == user_id => Some((role, message)),
            _ => None,
        }
    }

    /// The role the form of `row` shows: the one chosen in it if it was refused.
    fn role_shown(&self, row: &MemberRow) -> &str {
        self.role_error(&row.user_id)
            .map_or(row.role.into(), |(role, _)| role)
    }
}

fn role_choices() -> Vec<RoleChoice> {
    use strum::VariantArray;
    Role::VARIANTS
        .iter()
        .map(|r| RoleChoice {
            value: (*r).into(),
            label: r.label(),
        })
        .collect()
}

pub async fn list(member: Member, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page(&team_page(&member, &state, InviteForm::default(), None).await?)
}

/// The team page, with a refused form's problem if there is one.
async fn team_page(
    member: &Member,
    state: &AppState,
    invite: InviteForm,
    problem: Option<Problem>,
) -> Result<TeamPage, AppError> {
    let org_id = member.org_id().to_owned();
    let (people, invitations) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            Ok((
                crate::db::models::members::of_org(conn, &org_id)?,
                invitations::of_org(conn, &org_id, now())?,
            ))
        })
        .await?;
    Ok(TeamPage {
        layout: Layout::new(member, Section::Team)?,
        members: people
            .into_iter()
            .map(|m| MemberRow {
                is_me: m.user_id == member.user.id,
                user_id: m.user_id,
                name: m.name,
                email: m.email,
                role: m.role,
                two_factor: m.two_factor,
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| (i.id, i.email, i.role.label(), date(i.expires_at)))
            .collect(),
        can_manage: member.role().manages_partners(),
        roles: role_choices(),
        requires_two_factor: member.current.requires_two_factor,
        can_require: member.role() == Role::LegalRep,
        invite,
        problem,
    })
}

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

#[derive(Deserialize)]
pub struct InviteForm {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
}

impl Default for InviteForm {
    fn default() -> InviteForm {
        InviteForm {
            email: None,
            name: None,
            role: Some(<&str>::from(Role::Technical).to_owned()),
        }
    }
}

/// Shows the team page again with `problem`, when `e` is a refusal the person can fix
/// there; other errors go on as they are.
async fn shown_again(
    member: &Member,
    state: &AppState,
    e: AppError,
    invite: InviteForm,
    problem: impl FnOnce(String) -> Problem,
) -> Result<HttpResponse, AppError> {
    let (status, message) = e.fixable()?;
    page_with_status(
        status,
        &team_page(member, state, invite, Some(problem(message))).await?,
    )
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
