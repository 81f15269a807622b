//! Inviting a colleague. An invitation is addressed to an email and makes nobody a
//! member until its owner accepts: with an account, from the email's link or in the
//! app; without one, by choosing a password through the link, which is when the account
//! is made. Nothing is created that someone else could take over, two organizations
//! inviting one address each have their own invitation, and the inviter reads the same
//! answer whether the address has an account or not.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::{MemberError, org_name, person_name};
use crate::db::models::invitations::{self, NewInvitation};
use crate::db::models::users::{self, User};
use crate::db::models::{members, orgs};
use crate::db::{DbConn, write_tx};
use crate::domain::{EmailAddress, Role};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::members::{self as notify, Invitee};
use crate::partnerships::Actor;

/// A colleague's invitation is valid this long.
pub const INVITATION_DAYS: i64 = 7;

use crate::auth::tokens::{self, digest as token_hash};

pub use crate::db::models::invitations::Invitation;

/// Which invitation: by the token of its link, or by its id (in the app, for the
/// signed-in owner of its address).
#[derive(Debug, Clone)]
pub enum Which {
    Token(String),
    Id(String),
}

/// An open invitation.
pub fn find(
    conn: &mut DbConn,
    which: &Which,
    at: NaiveDateTime,
) -> QueryResult<Option<Invitation>> {
    match which {
        Which::Token(token) => invitations::by_token_hash(conn, &token_hash(token), at),
        Which::Id(id) => invitations::by_id(conn, id, at),
    }
}

/// The open invitations of an organization (its team page).
pub fn of_org(conn: &mut DbConn, org_id: &str, at: NaiveDateTime) -> QueryResult<Vec<Invitation>> {
    invitations::of_org(conn, org_id, at)
}

/// The open invitations addressed to `email` (the person's own list).
pub fn addressed_to(
    conn: &mut DbConn,
    email: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<Invitation>> {
    invitations::addressed_to(conn, email, at)
}

/// Invites `email` into the actor's organization as `role`. The person's own account, if
/// they have one, is untouched until they accept.
pub fn invite(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    email: &EmailAddress,
    name: &str,
    role: Role,
    at: NaiveDateTime,
) -> Result<(), MemberError> {
    let name = person_name(name)?;
    write_tx(conn, |conn| {
        let org = org_name(conn, actor.org_id)?;
        let account = users::find_by_email(conn, email)?;
        if let Some(user) = &account
            && members::role_of(conn, actor.org_id, &user.id)?.is_some()
        {
            return Err(MemberError::Conflict(
                Text::new("%{email} is already a member of %{org}.")
                    .arg("email", email.as_str())
                    .arg("org", &org),
            ));
        }
        if invitations::is_pending(conn, actor.org_id, email.as_str(), at)? {
            return Err(MemberError::Conflict(
                Text::new("%{email} is already invited into %{org}.")
                    .arg("email", email.as_str())
                    .arg("org", &org),
            ));
        }
        let token = tokens::new(tokens::LINK);
        invitations::insert(
            conn,
            &NewInvitation {
                org_id: actor.org_id,
                email: email.as_str(),
                name: &name,
                role,
                token_hash: &token_hash(&token),
                invited_by_user_id: actor.user_id,
                created_at: at,
                expires_at: at + TimeDelta::days(INVITATION_DAYS),
            },
        )?;
        send(conn, mail, actor, (&org, role, &token), email, &name)
    })
}

/// Emails the invitation's link to `email` (its account's owner, or the address).
fn send(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    (org, role, token): (&str, Role, &str),
    email: &EmailAddress,
    name: &str,
) -> Result<(), MemberError> {
    let account = users::find_by_email(conn, email)?;
    let invitee = match &account {
        Some(user) => Invitee::Account(user),
        None => Invitee::Address {
            email: email.as_str(),
            name,
        },
    };
    let invitation = notify::Invitation {
        org,
        role,
        token,
        days: INVITATION_DAYS,
    };
    notify::invited(conn, mail, actor, &invitation, invitee)?;
    Ok(())
}

/// The open invitation `id` of the actor's organization.
fn own(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: &str,
    at: NaiveDateTime,
) -> Result<Invitation, MemberError> {
    invitations::by_id(conn, id, at)?
        .filter(|i| i.org_id == actor.org_id)
        .ok_or(MemberError::NotFound)
}

/// Sends an open invitation of the actor's organization again, with a new link valid
/// for [`INVITATION_DAYS`] from now: the earlier link stops working.
pub fn resend(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    id: &str,
    at: NaiveDateTime,
) -> Result<String, MemberError> {
    write_tx(conn, |conn| {
        let invitation = own(conn, actor, id, at)?;
        let token = tokens::new(tokens::LINK);
        let valid = (at, at + TimeDelta::days(INVITATION_DAYS));
        if !invitations::renew(conn, actor.org_id, id, &token_hash(&token), valid)? {
            return Err(MemberError::NotFound);
        }
        let email =
            EmailAddress::parse(&invitation.email).map_err(|m| MemberError::Invalid(m.into()))?;
        let what = (
            invitation.org_name.as_str(),
            invitation.role,
            token.as_str(),
        );
        send(conn, mail, actor, what, &email, &invitation.name)?;
        Ok(invitation.email)
    })
}

/// Takes back an open invitation of the actor's organization: its link stops working.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    id: &str,
    at: NaiveDateTime,
) -> Result<String, MemberError> {
    write_tx(conn, |conn| {
        let invitation = own(conn, actor, id, at)?;
        if !invitations::cancel(conn, actor.org_id, id, at)? {
            return Err(MemberError::NotFound);
        }
        Ok(invitation.email)
    })
}

/// Marks the invitation answered only if it still was open: a second answer finds it
/// closed.
fn close(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    accepted: bool,
) -> Result<(), MemberError> {
    if invitations::answer(conn, id, accepted, at)? {
        Ok(())
    } else {
        Err(MemberError::NotFound)
    }
}

/// The signed-in `user` accepts an invitation addressed to their email; returns the
/// organization joined. Its legal representatives are told.
pub fn accept(
    conn: &mut DbConn,
    mail: &MailContext,
    which: &Which,
    user: &User,
    at: NaiveDateTime,
) -> Result<String, MemberError> {
    write_tx(conn, |conn| {
        let invitation = find(conn, which, at)?
            .filter(|i| i.email == user.email)
            .ok_or(MemberError::NotFound)?;
        close(conn, &invitation.id, at, true)?;
        if members::role_of(conn, &invitation.org_id, &user.id)?.is_none() {
            orgs::add_member(conn, &invitation.org_id, &user.id, invitation.role)?;
        }
        notify::joined(
            conn,
            mail,
            &invitation.org_id,
            &invitation.org_name,
            user,
            invitation.role,
        )?;
        Ok(invitation.org_id)
    })
}

/// The signed-in `user` declines an invitation addressed to their email.
pub fn decline(
    conn: &mut DbConn,
    which: &Which,
    user: &User,
    at: NaiveDateTime,
) -> Result<Invitation, MemberError> {
    write_tx(conn, |conn| {
        let invitation = find(conn, which, at)?
            .filter(|i| i.email == user.email)
            .ok_or(MemberError::NotFound)?;
        close(conn, &invitation.id, at, false)?;
        Ok(invitation)
    })
}

/// The owner of an address without an account accepts through the link: the account is
/// made now, with the password they chose. Returns (user id, organization id).
pub fn join(
    conn: &mut DbConn,
    token: &str,
    name: &str,
    password_hash: &str,
    at: NaiveDateTime,
) -> Result<(String, String), MemberError> {
    let name = person_name(name)?;
    write_tx(conn, |conn| {
        let invitation =
            find(conn, &Which::Token(token.to_owned()), at)?.ok_or(MemberError::NotFound)?;
        let email = EmailAddress::parse(&invitation.email)
            .map_err(|e| MemberError::Storage(anyhow::anyhow!("invitation address: {e}")))?;
        if users::find_by_email(conn, &email)?.is_some() {
            // Another invitation made the account meanwhile: it accepts as its owner.
            return Err(MemberError::Conflict(
                "This address has an account now: sign in with it to accept the invitation.".into(),
            ));
        }
        close(conn, &invitation.id, at, true)?;
        let user = users::create(conn, &email, &name, password_hash)?;
        orgs::add_member(conn, &invitation.org_id, &user.id, invitation.role)?;
        Ok((user.id, invitation.org_id))
    })
}
