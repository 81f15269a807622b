//! The people of an organization: inviting a colleague ([`invitations`]), changing
//! roles, removing someone. The last legal representative can neither be removed nor
//! demoted. Every change is summarised by email to the person and to the
//! organization's legal representatives, and takes effect at the person's next request.

pub mod invitations;

pub use invitations::{INVITATION_DAYS, Invitation};

use crate::db::models::{account_links, members, orgs, sessions, users};
use crate::db::{DbConn, write_tx};
use crate::domain::Role;
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::members as notify;
use crate::partnerships::Actor;

pub use crate::db::models::members::MemberView;

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
        let from = members::role_of(conn, actor.org_id, user_id)?.ok_or(MemberError::NotFound)?;
        if from == to {
            return Ok(RoleChange::Unchanged);
        }
        let org = org_name(conn, actor.org_id)?;
        if from == Role::LegalRep && members::legal_rep_count(conn, actor.org_id)? <= 1 {
            return Err(MemberError::Conflict(
                Text::new("This is the last legal representative of %{org}: appoint another one before changing this role.")
                    .arg("org", &org),
            ));
        }
        members::set_role(conn, actor.org_id, user_id, to)?;
        let user = users::find(conn, user_id)?.ok_or(MemberError::NotFound)?;
        notify::role_changed(conn, mail, actor, &org, &user, from, to)?;
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
        let role = members::role_of(conn, actor.org_id, user_id)?.ok_or(MemberError::NotFound)?;
        let org = org_name(conn, actor.org_id)?;
        if role == Role::LegalRep && members::legal_rep_count(conn, actor.org_id)? <= 1 {
            return Err(MemberError::Conflict(
                Text::new("This is the last legal representative of %{org}: appoint another one before removing them.")
                    .arg("org", &org),
            ));
        }
        members::remove(conn, actor.org_id, user_id)?;
        let user = users::find(conn, user_id)?.ok_or(MemberError::NotFound)?;
        notify::removed(conn, mail, actor, &org, &user, role)?;
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
        // A reset or a change of address asked for with the old password no longer holds.
        account_links::close_every(conn, user_id, crate::db::now())?;
        notify::password_changed(conn, mail, &user)?;
        Ok(())
    })
}
