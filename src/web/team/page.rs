//! The team page as it is drawn, with a refused form's problem shown where it was sent.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::now;
use crate::domain::Role;
use crate::members::invitations;
use crate::startup::AppState;
use crate::web::Member;
use crate::web::errors::AppError;
use crate::web::layout::{Layout, Section, page, page_with_status};
use crate::web::views::date;

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
pub(super) struct TeamPage {
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
pub(super) async fn team_page(
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

#[derive(Deserialize)]
pub struct InviteForm {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
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
pub(super) async fn shown_again(
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
