//! The people of an organization: inviting a colleague ([`invitations`]), changing
//! roles, removing someone. The last legal representative can neither be removed nor
//! demoted. Every change is summarised by email to the person and to the
//! organization's legal representatives, and takes effect at the person's next request.

pub mod invitations;

pub use invitations::{INVITATION_DAYS, Invitation};

use diesel::prelude::*;

use crate::db::models::orgs::{self, Recipient};
use crate::db::models::{sessions, users};
use crate::db::schema::{memberships, users as users_table};
use crate::db::{DbConn, write_tx};
use crate::domain::Role;
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, people, send_notice};
use crate::partnerships::Actor;

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("not found")]
    NotFound,
    #[error("{}", .0.key())]
    Invalid(Text),
    #[error("{}", .0.key())]
    Conflict(Text),
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for MemberError {
    fn from(e: diesel::result::Error) -> Self {
        MemberError::Storage(e.into())
    }
}

/// A person's name as typed: trimmed, 1 to 100 characters, no control characters.
pub fn person_name(input: &str) -> Result<String, MemberError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(MemberError::Invalid("Enter the person's name.".into()));
    }
    crate::domain::refuse_hidden_characters(name).map_err(|m| MemberError::Invalid(m.into()))?;
    if name.chars().count() > 100 {
        return Err(MemberError::Invalid(
            "A name has at most 100 characters, without control characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

/// A member as the team page lists them.
#[derive(Debug, Clone, Queryable)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

pub fn members(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<MemberView>> {
    memberships::table
        .inner_join(users_table::table)
        .filter(memberships::org_id.eq(org_id))
        .order((users_table::name, users_table::id))
        .select((
            users_table::id,
            users_table::name,
            users_table::email,
            memberships::role,
        ))
        .load(conn)
}

pub(super) fn role_of(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Option<Role>> {
    memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::role)
        .first(conn)
        .optional()
}

fn legal_rep_count(conn: &mut DbConn, org_id: &str) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::role.eq(Role::LegalRep))
        .count()
        .get_result(conn)
}

/// The person concerned and the organization's legal representatives.
pub(super) fn concerned(
    conn: &mut DbConn,
    org_id: &str,
    person: Recipient,
) -> anyhow::Result<Vec<Recipient>> {
    let mut recipients = vec![person];
    recipients.extend(people(conn, org_id, &[Role::LegalRep])?);
    Ok(recipients)
}

pub(super) fn org_name(conn: &mut DbConn, org_id: &str) -> Result<String, MemberError> {
    Ok(orgs::find(conn, org_id)?.ok_or(MemberError::NotFound)?.name)
}

/// What a role change amounts to.
#[derive(Debug, PartialEq, Eq)]
pub enum RoleChange {
    Changed { from: Role, to: Role },
    Unchanged,
}

/// Gives a member of the actor's organization another role.
pub fn change_role(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    user_id: &str,
    to: Role,
) -> Result<RoleChange, MemberError> {
    write_tx(conn, |conn| {
        let from = role_of(conn, actor.org_id, user_id)?.ok_or(MemberError::NotFound)?;
        if from == to {
            return Ok(RoleChange::Unchanged);
        }
        let org = org_name(conn, actor.org_id)?;
        if from == Role::LegalRep && legal_rep_count(conn, actor.org_id)? <= 1 {
            return Err(MemberError::Conflict(
                Text::new("This is the last legal representative of %{org}: appoint another one before changing this role.")
                    .arg("org", &org),
            ));
        }
        diesel::update(
            memberships::table
                .filter(memberships::org_id.eq(actor.org_id))
                .filter(memberships::user_id.eq(user_id)),
        )
        .set(memberships::role.eq(to))
        .execute(conn)?;
        let user = users::find(conn, user_id)?.ok_or(MemberError::NotFound)?;
        let notice = Notice {
            subject: Text::new("%{person}'s role in %{org} changed").arg("person", &user.name).arg("org", &org),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) changed the role of %{person} in %{org}: from %{from} to %{to}.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("person", &user.name)
                    .arg("org", &org)
                    .text("from", from.in_sentence())
                    .text("to", to.in_sentence()),
            ],
            facts: vec![
                ("Before".into(), from.label().into()),
                ("Now".into(), to.label().into()),
            ],
            action: Some(("See the team".into(), "/team".into())),
        };
        let recipients = concerned(
            conn,
            actor.org_id,
            Recipient {
                email: user.email,
                name: user.name,
                locale: user.locale,
            },
        )?;
        send_notice(conn, mail, &recipients, &notice)?;
        Ok(RoleChange::Changed { from, to })
    })
}

/// Removes a member from the actor's organization. Their access to it ends at once
/// (every request reads the memberships); their sessions go on for their other
/// organizations: one organization cannot sign a person out of the others.
pub fn remove(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    user_id: &str,
) -> Result<String, MemberError> {
    write_tx(conn, |conn| {
        let role = role_of(conn, actor.org_id, user_id)?.ok_or(MemberError::NotFound)?;
        let org = org_name(conn, actor.org_id)?;
        if role == Role::LegalRep && legal_rep_count(conn, actor.org_id)? <= 1 {
            return Err(MemberError::Conflict(
                Text::new("This is the last legal representative of %{org}: appoint another one before removing them.")
                    .arg("org", &org),
            ));
        }
        diesel::delete(
            memberships::table
                .filter(memberships::org_id.eq(actor.org_id))
                .filter(memberships::user_id.eq(user_id)),
        )
        .execute(conn)?;
        let user = users::find(conn, user_id)?.ok_or(MemberError::NotFound)?;
        let notice = Notice {
            subject: Text::new("%{person} no longer has access to %{org}")
                .arg("person", &user.name)
                .arg("org", &org),
            paragraphs: vec![
                Text::new("%{actor} (%{email}) removed %{person} (%{role}) from %{org}.")
                    .arg("actor", actor.user_name)
                    .arg("email", actor.user_email)
                    .arg("person", &user.name)
                    .text("role", role.in_sentence())
                    .arg("org", &org),
            ],
            facts: Vec::new(),
            action: None,
        };
        let recipients = concerned(
            conn,
            actor.org_id,
            Recipient {
                email: user.email,
                name: user.name.clone(),
                locale: user.locale,
            },
        )?;
        send_notice(conn, mail, &recipients, &notice)?;
        Ok(user.name)
    })
}

/// Sets a new password and ends every session of the user; tells them by email.
pub fn change_password(
    conn: &mut DbConn,
    mail: &MailContext,
    user_id: &str,
    password_hash: &str,
) -> Result<(), MemberError> {
    write_tx(conn, |conn| {
        let user = users::find(conn, user_id)?.ok_or(MemberError::NotFound)?;
        users::set_password(conn, user_id, password_hash)?;
        sessions::delete_for_user(conn, user_id)?;
        let notice = Notice {
            subject: "Your partnerdesk password was changed".into(),
            paragraphs: vec![
                "Your password was changed, and you were signed out everywhere else.".into(),
                "If you did not do this, contact your organization's legal representative at once."
                    .into(),
            ],
            facts: Vec::new(),
            action: None,
        };
        send_notice(
            conn,
            mail,
            &[Recipient {
                email: user.email,
                name: user.name,
                locale: user.locale,
            }],
            &notice,
        )?;
        Ok(())
    })
}
