//! A partner's request for a client: the address it was sent to is told (asked to
//! answer, or told there is nothing to answer), and the partner hears of a refusal.

use crate::db::DbConn;
use crate::db::models::client_requests::ClientRequest;
use crate::db::models::orgs::Recipient;
use crate::domain::{AccessKind, Role};
use crate::i18n::Text;
use crate::mail::MailContext;
use crate::mail::notifications::{Notice, people, send_notice};
use crate::partnerships::Actor;
use crate::paths;

/// What a request says to the address it was sent to.
pub struct Asked<'a> {
    pub request_id: &'a str,
    pub partner: &'a str,
    pub access: AccessKind,
    /// The last day to answer, as an ISO date.
    pub until: &'a str,
    /// Whether the address represents an organization that can answer.
    pub answerable: bool,
}

pub fn client_asked(
    conn: &mut DbConn,
    mail: &MailContext,
    actor: &Actor<'_>,
    asked: &Asked<'_>,
    to: Recipient,
) -> anyhow::Result<()> {
    let asks = Text::new("%{actor} (%{email}) of %{partner} asks for %{access} to the products of an organization you represent.")
        .arg("actor", actor.user_name)
        .arg("email", actor.user_email)
        .arg("partner", asked.partner)
        .text("access", asked.access.in_sentence());
    let (then, action) = if asked.answerable {
        (
            Text::new("You decide which rights you grant and, with full access, who pays. Answer by %{date}; after that the request expires.")
                .arg("date", asked.until),
            Some(("Answer the request".into(), paths::client_request(asked.request_id))),
        )
    } else {
        (
            Text::new("This address is not the legal representative or an administrator of any organization on partnerdesk, so there is nothing to answer. If you expected this request, tell %{partner} which address to use; otherwise ignore this email.")
                .arg("partner", asked.partner),
            None,
        )
    };
    let notice = Notice {
        subject: Text::new("%{partner} asks to manage your organization's products")
            .arg("partner", asked.partner),
        paragraphs: vec![asks, then],
        facts: Vec::new(),
        action,
    };
    send_notice(conn, mail, &[to], &notice)?;
    Ok(())
}

/// The address refused the request: the partner's managers are told.
pub fn request_refused(
    conn: &mut DbConn,
    mail: &MailContext,
    request: &ClientRequest,
) -> anyhow::Result<()> {
    let recipients = people(conn, &request.partner_org_id, Role::MANAGERS)?;
    let notice = Notice {
        subject: Text::new("%{email} refused your request").arg("email", &request.email),
        paragraphs: vec![
            Text::new("%{email} refused the request of %{partner} to manage the products of an organization they represent.")
                .arg("email", &request.email)
                .arg("partner", &request.partner_name),
        ],
        facts: Vec::new(),
        action: Some((
            "See your clients".into(),
            paths::in_org(paths::CLIENTS, &request.partner_org_id),
        )),
    };
    send_notice(conn, mail, &recipients, &notice)?;
    Ok(())
}
