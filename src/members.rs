//! The people of an organization: inviting a colleague, changing roles, removing
//! someone. The last legal representative can neither be removed nor demoted. Every
//! change is summarised by email to the person and to the organization's legal
//! representatives, and ends the person's sessions when it takes rights away.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use crate::db::models::orgs::{self, Recipient};
use crate::db::models::{sessions, users};
use crate::db::schema::{member_invitations, memberships, users as users_table};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::{EmailAddress, Role};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, people, send_notice};
use crate::partnerships::Actor;

/// A colleague's invitation is valid this long.
pub const INVITATION_DAYS: i64 = 7;

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

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What inviting a colleague did.
#[derive(Debug, PartialEq, Eq)]
pub enum Invited {
    /// The person had an account: they are a member now.
    Added,
    /// A new account waits for its owner to choose a password.
    AccountInvited,
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

/// Invitations of the organization not yet accepted: (email, role, expires at).
pub fn pending_invitations(
    conn: &mut DbConn,
    org_id: &str,
) -> QueryResult<Vec<(String, Role, NaiveDateTime)>> {
    member_invitations::table
        .inner_join(users_table::table.on(users_table::id.eq(member_invitations::user_id)))
        .filter(member_invitations::org_id.eq(org_id))
        .filter(member_invitations::accepted_at.is_null())
        .order(member_invitations::created_at.desc())
        .select((
            users_table::email,
            member_invitations::role,
            member_invitations::expires_at,
        ))
        .load(conn)
}

fn role_of(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Option<Role>> {
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
fn concerned(conn: &mut DbConn, org_id: &str, person: Recipient) -> anyhow::Result<Vec<Recipient>> {
    let mut recipients = vec![person];
    recipients.extend(people(conn, org_id, &[Role::LegalRep])?);
    Ok(recipients)
}

fn org_name(conn: &mut DbConn, org_id: &str) -> Result<String, MemberError> {
    Ok(orgs::find(conn, org_id)?.ok_or(MemberError::NotFound)?.name)
}

/// Invites `email` into the actor's organization with `role`: an existing account
/// becomes a member at once; otherwise a new account is created and its owner receives
/// a link to choose a password.
pub fn invite(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    email: &EmailAddress,
    name: &str,
    role: Role,
    at: NaiveDateTime,
) -> Result<Invited, MemberError> {
    let name = person_name(name)?;
    write_tx(conn, |conn| {
        let org = org_name(conn, actor.org_id)?;
        match users::find_by_email(conn, email)? {
            Some(user) => {
                if role_of(conn, actor.org_id, &user.id)?.is_some() {
                    return Err(MemberError::Conflict(
                        Text::new("%{email} is already a member of %{org}.")
                            .arg("email", email.as_str())
                            .arg("org", &org),
                    ));
                }
                let pending: i64 = member_invitations::table
                    .filter(member_invitations::user_id.eq(&user.id))
                    .filter(member_invitations::org_id.eq(actor.org_id))
                    .filter(member_invitations::accepted_at.is_null())
                    .count()
                    .get_result(conn)?;
                if pending > 0 {
                    return Err(MemberError::Conflict(
                        Text::new("%{email} is already invited into %{org}.")
                            .arg("email", email.as_str())
                            .arg("org", &org),
                    ));
                }
                orgs::add_member(conn, actor.org_id, &user.id, role)?;
                let notice = Notice {
                    subject: Text::new("You now have access to %{org}").arg("org", &org),
                    paragraphs: vec![
                        Text::new(
                            "%{actor} (%{email}) gave %{person} access to %{org} as %{role}.",
                        )
                        .arg("actor", actor.user_name)
                        .arg("email", actor.user_email)
                        .arg("person", &user.name)
                        .arg("org", &org)
                        .text("role", role.in_sentence()),
                    ],
                    facts: vec![
                        ("Organization".into(), Text::new("%{org}").arg("org", &org)),
                        ("Role".into(), role.label().into()),
                    ],
                    action: Some(("Open partnerdesk".into(), "/".into())),
                };
                let recipients = concerned(
                    conn,
                    actor.org_id,
                    Recipient {
                        email: user.email.clone(),
                        name: user.name.clone(),
                        locale: user.locale,
                    },
                )?;
                send_notice(conn, mail, &recipients, &notice)?;
                Ok(Invited::Added)
            }
            None => {
                // An account without a password: nobody can log into it until its owner
                // chooses one through the link.
                let user = users::create(conn, email, &name, "")?;
                let token = Alphanumeric.sample_string(&mut rand::rng(), 40);
                diesel::insert_into(member_invitations::table)
                    .values((
                        member_invitations::id.eq(new_id()),
                        member_invitations::org_id.eq(actor.org_id),
                        member_invitations::user_id.eq(&user.id),
                        member_invitations::role.eq(role),
                        member_invitations::token_hash.eq(token_hash(&token)),
                        member_invitations::invited_by_user_id.eq(actor.user_id),
                        member_invitations::created_at.eq(at),
                        member_invitations::expires_at.eq(at + TimeDelta::days(INVITATION_DAYS)),
                    ))
                    .execute(conn)?;
                let notice = Notice {
                    subject: Text::new("%{actor} invites you to %{org} on partnerdesk")
                        .arg("actor", actor.user_name)
                        .arg("org", &org),
                    paragraphs: vec![
                        Text::new("%{actor} (%{email}) invites you to join %{org} as %{role}.")
                            .arg("actor", actor.user_name)
                            .arg("email", actor.user_email)
                            .arg("org", &org)
                            .text("role", role.in_sentence()),
                        Text::new("Choose your password within %{days} days to accept.")
                            .arg("days", INVITATION_DAYS),
                    ],
                    facts: Vec::new(),
                    action: Some(("Choose your password".into(), format!("/welcome/{token}"))),
                };
                send_notice(
                    conn,
                    mail,
                    // In the language of the one who invites, until the new member chooses.
                    &[Recipient {
                        email: user.email.clone(),
                        name: name.clone(),
                        locale: Some(crate::i18n::current()),
                    }],
                    &notice,
                )?;
                Ok(Invited::AccountInvited)
            }
        }
    })
}

/// An open invitation, by the token of its link: (organization name, email, name).
pub fn invitation(
    conn: &mut DbConn,
    token: &str,
    at: NaiveDateTime,
) -> Result<(String, String, String), MemberError> {
    member_invitations::table
        .inner_join(users_table::table.on(users_table::id.eq(member_invitations::user_id)))
        .inner_join(
            crate::db::schema::organizations::table
                .on(crate::db::schema::organizations::id.eq(member_invitations::org_id)),
        )
        .filter(member_invitations::token_hash.eq(token_hash(token)))
        .filter(member_invitations::accepted_at.is_null())
        .filter(member_invitations::expires_at.gt(at))
        .select((
            crate::db::schema::organizations::name,
            users_table::email,
            users_table::name,
        ))
        .first(conn)
        .optional()?
        .ok_or(MemberError::NotFound)
}

/// Accepts an invitation: sets the password and the name, and makes the membership.
/// Returns (user id, organization id).
pub fn accept(
    conn: &mut DbConn,
    token: &str,
    name: &str,
    password_hash: &str,
    at: NaiveDateTime,
) -> Result<(String, String), MemberError> {
    let name = person_name(name)?;
    write_tx(conn, |conn| {
        let (id, org_id, user_id, role): (String, String, String, Role) = member_invitations::table
            .filter(member_invitations::token_hash.eq(token_hash(token)))
            .filter(member_invitations::accepted_at.is_null())
            .filter(member_invitations::expires_at.gt(at))
            .select((
                member_invitations::id,
                member_invitations::org_id,
                member_invitations::user_id,
                member_invitations::role,
            ))
            .first(conn)
            .optional()?
            .ok_or(MemberError::NotFound)?;
        users::set_password(conn, &user_id, password_hash)?;
        diesel::update(users_table::table.find(&user_id))
            .set(users_table::name.eq(&name))
            .execute(conn)?;
        orgs::add_member(conn, &org_id, &user_id, role)?;
        diesel::update(member_invitations::table.find(&id))
            .set(member_invitations::accepted_at.eq(Some(at)))
            .execute(conn)?;
        Ok((user_id, org_id))
    })
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
        if user_id != actor.user_id {
            sessions::delete_for_user(conn, user_id)?;
        }
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

/// Removes a member from the actor's organization; their sessions end.
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
        sessions::delete_for_user(conn, user_id)?;
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
