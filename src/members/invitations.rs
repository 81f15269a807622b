//! Inviting a colleague. An invitation is addressed to an email and makes nobody a
//! member until its owner accepts: with an account, from the email's link or in the
//! app; without one, by choosing a password through the link, which is when the account
//! is made. Nothing is created that someone else could take over, two organizations
//! inviting one address each have their own invitation, and the inviter reads the same
//! answer whether the address has an account or not.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use super::{MemberError, concerned, org_name, person_name, role_of};
use crate::db::models::orgs::{self, Recipient};
use crate::db::models::users::{self, User};
use crate::db::schema::{member_invitations, organizations};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::{EmailAddress, Role};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, send_notice};
use crate::partnerships::Actor;

/// A colleague's invitation is valid this long.
pub const INVITATION_DAYS: i64 = 7;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An invitation waiting for its answer.
#[derive(Debug, Clone, Queryable)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub expires_at: NaiveDateTime,
}

/// Which invitation: by the token of its link, or by its id (in the app, for the
/// signed-in owner of its address).
#[derive(Debug, Clone)]
pub enum Which {
    Token(String),
    Id(String),
}

/// The invitations not yet answered nor expired, with their organization's name.
#[diesel::dsl::auto_type(no_type_alias)]
fn open(at: NaiveDateTime) -> _ {
    member_invitations::table
        .inner_join(organizations::table)
        .filter(member_invitations::accepted_at.is_null())
        .filter(member_invitations::declined_at.is_null())
        .filter(member_invitations::expires_at.gt(at))
        .select((
            member_invitations::id,
            member_invitations::org_id,
            organizations::name,
            member_invitations::email,
            member_invitations::name,
            member_invitations::role,
            member_invitations::expires_at,
        ))
}

/// An open invitation.
pub fn find(
    conn: &mut DbConn,
    which: &Which,
    at: NaiveDateTime,
) -> QueryResult<Option<Invitation>> {
    match which {
        Which::Token(token) => open(at)
            .filter(member_invitations::token_hash.eq(token_hash(token)))
            .first(conn)
            .optional(),
        Which::Id(id) => open(at)
            .filter(member_invitations::id.eq(id))
            .first(conn)
            .optional(),
    }
}

/// The open invitations of an organization, newest first (its team page).
pub fn of_org(conn: &mut DbConn, org_id: &str, at: NaiveDateTime) -> QueryResult<Vec<Invitation>> {
    open(at)
        .filter(member_invitations::org_id.eq(org_id))
        .order(member_invitations::created_at.desc())
        .limit(200)
        .load(conn)
}

/// The open invitations addressed to `email` (the person's own list).
pub fn addressed_to(
    conn: &mut DbConn,
    email: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<Invitation>> {
    open(at)
        .filter(member_invitations::email.eq(email))
        .order(member_invitations::created_at.desc())
        .limit(50)
        .load(conn)
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
            && role_of(conn, actor.org_id, &user.id)?.is_some()
        {
            return Err(MemberError::Conflict(
                Text::new("%{email} is already a member of %{org}.")
                    .arg("email", email.as_str())
                    .arg("org", &org),
            ));
        }
        let pending: i64 = open(at)
            .filter(member_invitations::org_id.eq(actor.org_id))
            .filter(member_invitations::email.eq(email.as_str()))
            .count()
            .get_result(conn)?;
        if pending > 0 {
            return Err(MemberError::Conflict(
                Text::new("%{email} is already invited into %{org}.")
                    .arg("email", email.as_str())
                    .arg("org", &org),
            ));
        }
        let token = Alphanumeric.sample_string(&mut rand::rng(), 40);
        diesel::insert_into(member_invitations::table)
            .values((
                member_invitations::id.eq(new_id()),
                member_invitations::org_id.eq(actor.org_id),
                member_invitations::email.eq(email.as_str()),
                member_invitations::name.eq(&name),
                member_invitations::role.eq(role),
                member_invitations::token_hash.eq(token_hash(&token)),
                member_invitations::invited_by_user_id.eq(actor.user_id),
                member_invitations::created_at.eq(at),
                member_invitations::expires_at.eq(at + TimeDelta::days(INVITATION_DAYS)),
            ))
            .execute(conn)?;
        let invites = Text::new("%{actor} (%{email}) invites you to join %{org} as %{role}.")
            .arg("actor", actor.user_name)
            .arg("email", actor.user_email)
            .arg("org", &org)
            .text("role", role.in_sentence());
        let (then, action, recipient) = match account {
            Some(user) => (
                Text::new("Accept or decline within %{days} days: until you accept, you are not a member of %{org}.")
                    .arg("days", INVITATION_DAYS)
                    .arg("org", &org),
                "Answer the invitation",
                Recipient {
                    email: user.email,
                    name: user.name,
                    locale: user.locale,
                },
            ),
            None => (
                Text::new("Choose your password within %{days} days to accept.")
                    .arg("days", INVITATION_DAYS),
                "Choose your password",
                // In the language of the one who invites, until the new member chooses.
                Recipient {
                    email: email.as_str().to_owned(),
                    name: name.clone(),
                    locale: Some(crate::i18n::current()),
                },
            ),
        };
        let notice = Notice {
            subject: Text::new("%{actor} invites you to %{org} on partnerdesk")
                .arg("actor", actor.user_name)
                .arg("org", &org),
            paragraphs: vec![invites, then],
            facts: Vec::new(),
            action: Some((action.into(), format!("/welcome/{token}"))),
        };
        send_notice(conn, mail, &[recipient], &notice)?;
        Ok(())
    })
}

/// Locks nothing but re-reads the invitation inside the answer's transaction, and marks
/// it answered only if it still was open: a second answer finds it closed.
fn close(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    accepted: bool,
) -> Result<(), MemberError> {
    let still_open = member_invitations::table
        .find(id)
        .filter(member_invitations::accepted_at.is_null())
        .filter(member_invitations::declined_at.is_null());
    let updated = if accepted {
        diesel::update(still_open)
            .set(member_invitations::accepted_at.eq(Some(at)))
            .execute(conn)?
    } else {
        diesel::update(still_open)
            .set(member_invitations::declined_at.eq(Some(at)))
            .execute(conn)?
    };
    if updated == 1 {
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
        if role_of(conn, &invitation.org_id, &user.id)?.is_none() {
            orgs::add_member(conn, &invitation.org_id, &user.id, invitation.role)?;
        }
        let notice = Notice {
            subject: Text::new("%{person} joined %{org}")
                .arg("person", &user.name)
                .arg("org", &invitation.org_name),
            paragraphs: vec![
                Text::new("%{person} (%{email}) accepted the invitation and is now a member of %{org}, as %{role}.")
                    .arg("person", &user.name)
                    .arg("email", &user.email)
                    .arg("org", &invitation.org_name)
                    .text("role", invitation.role.in_sentence()),
            ],
            facts: vec![("Role".into(), invitation.role.label().into())],
            action: Some(("See the team".into(), "/team".into())),
        };
        let recipients = concerned(
            conn,
            &invitation.org_id,
            Recipient {
                email: user.email.clone(),
                name: user.name.clone(),
                locale: user.locale,
            },
        )?;
        send_notice(conn, mail, &recipients, &notice)?;
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
