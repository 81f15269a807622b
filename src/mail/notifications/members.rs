//! What the people of an organization are told: an invitation, a colleague who joined,
//! a role changed, someone removed, a password changed. Each goes to the person
//! concerned and, but for the invitation and the password, to the organization's
//! legal representatives.

use crate::db::DbConn;
use crate::db::models::orgs::Recipient;
use crate::db::models::users::User;
use crate::domain::Role;
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, people, recipient, send_notice};
use crate::partnerships::Actor;
use crate::paths;

/// The person and the legal representatives of `org_id`.
fn person_and_legal_reps(
    conn: &mut DbConn,
    org_id: &str,
    person: &User,
) -> anyhow::Result<Vec<Recipient>> {
    let mut recipients = vec![recipient(person)];
    recipients.extend(people(conn, org_id, &[Role::LegalRep])?);
    Ok(recipients)
}

/// Who an invitation is addressed to: the owner of an account, or an address without one.
pub enum Invitee<'a> {
    Account(&'a User),
    /// An address without an account, and the name the inviter typed.
    Address {
        email: &'a str,
        name: &'a str,
    },
}

/// An invitation into `org` as `role`, answered at its link (`token`) within `days`.
pub struct Invitation<'a> {
    pub org: &'a str,
    pub role: Role,
    pub token: &'a str,
    pub days: i64,
}

pub fn invited(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    invitation: &Invitation<'_>,
    invitee: Invitee<'_>,
) -> anyhow::Result<()> {
    let Invitation {
        org,
        role,
        token,
        days,
    } = *invitation;
    let invites = Text::new("%{actor} (%{email}) invites you to join %{org} as %{role}.")
        .arg("actor", actor.user_name)
        .arg("email", actor.user_email)
        .arg("org", org)
        .text("role", role.in_sentence());
    let (then, action, to) = match invitee {
        Invitee::Account(user) => (
            Text::new("Accept or decline within %{days} days: until you accept, you are not a member of %{org}.")
                .arg("days", days)
                .arg("org", org),
            "Answer the invitation",
            recipient(user),
        ),
        Invitee::Address { email, name } => (
            Text::new("Choose your password within %{days} days to accept.").arg("days", days),
            "Choose your password",
            // In the language of the one who invites, until the new member chooses.
            Recipient {
                email: email.to_owned(),
                name: name.to_owned(),
                locale: Some(actor.locale),
            },
        ),
    };
    let notice = Notice {
        subject: Text::new("%{actor} invites you to %{org} on partnerdesk")
            .arg("actor", actor.user_name)
            .arg("org", org),
        paragraphs: vec![invites, then],
        facts: Vec::new(),
        action: Some((action.into(), paths::welcome(token))),
    };
    send_notice(conn, mail, &[to], &notice)?;
    Ok(())
}

/// `user` accepted the invitation into `org_id` (`org`) as `role`.
pub fn joined(
    conn: &mut DbConn,
    mail: &MailContext,
    org_id: &str,
    org: &str,
    user: &User,
    role: Role,
) -> anyhow::Result<()> {
    let notice = Notice {
        subject: Text::new("%{person} joined %{org}")
            .arg("person", &user.name)
            .arg("org", org),
        paragraphs: vec![
            Text::new("%{person} (%{email}) accepted the invitation and is now a member of %{org}, as %{role}.")
                .arg("person", &user.name)
                .arg("email", &user.email)
                .arg("org", org)
                .text("role", role.in_sentence()),
        ],
        facts: vec![("Role".into(), role.label().into())],
        action: Some(("See the team".into(), paths::in_org(paths::TEAM, org_id))),
    };
    let recipients = person_and_legal_reps(conn, org_id, user)?;
    send_notice(conn, mail, &recipients, &notice)?;
    Ok(())
}

/// `actor` changed `user`'s role in their organization (`org`).
pub fn role_changed(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    org: &str,
    user: &User,
    from: Role,
    to: Role,
) -> anyhow::Result<()> {
    let notice = Notice {
        subject: Text::new("%{person}'s role in %{org} changed")
            .arg("person", &user.name)
            .arg("org", org),
        paragraphs: vec![
            Text::new("%{actor} (%{email}) changed the role of %{person} in %{org}: from %{from} to %{to}.")
                .arg("actor", actor.user_name)
                .arg("email", actor.user_email)
                .arg("person", &user.name)
                .arg("org", org)
                .text("from", from.in_sentence())
                .text("to", to.in_sentence()),
        ],
        facts: vec![
            ("Before".into(), from.label().into()),
            ("Now".into(), to.label().into()),
        ],
        action: Some((
            "See the team".into(),
            paths::in_org(paths::TEAM, actor.org_id),
        )),
    };
    let recipients = person_and_legal_reps(conn, actor.org_id, user)?;
    send_notice(conn, mail, &recipients, &notice)?;
    Ok(())
}

/// `actor` removed `user` (who had `role`) from their organization (`org`).
pub fn removed(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    org: &str,
    user: &User,
    role: Role,
) -> anyhow::Result<()> {
    let notice = Notice {
        subject: Text::new("%{person} no longer has access to %{org}")
            .arg("person", &user.name)
            .arg("org", org),
        paragraphs: vec![
            Text::new("%{actor} (%{email}) removed %{person} (%{role}) from %{org}.")
                .arg("actor", actor.user_name)
                .arg("email", actor.user_email)
                .arg("person", &user.name)
                .text("role", role.in_sentence())
                .arg("org", org),
        ],
        facts: Vec::new(),
        action: None,
    };
    let recipients = person_and_legal_reps(conn, actor.org_id, user)?;
    send_notice(conn, mail, &recipients, &notice)?;
    Ok(())
}

/// `user`'s password was changed, and their other sessions ended.
pub fn password_changed(conn: &mut DbConn, mail: &MailContext, user: &User) -> anyhow::Result<()> {
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
    send_notice(conn, mail, &[recipient(user)], &notice)?;
    Ok(())
}
