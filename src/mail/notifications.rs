//! One function per notification: it renders the text and HTML bodies for each
//! recipient and queues them, inside the caller's transaction.

use askama::Template;
use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::models::orgs::{self, Recipient};
use crate::db::models::outbox::{self, OutgoingEmail};
use crate::db::models::partnerships::PartnershipView;
use crate::domain::{PaymentMode, Role};
use crate::mail::MailContext;

/// The facts of a payment-mode change, as both emails tell them.
pub struct PaymentModeChange<'a> {
    pub partnership: &'a PartnershipView,
    pub from: PaymentMode,
    pub to: PaymentMode,
    pub changed_by_name: &'a str,
    pub changed_by_email: &'a str,
    pub changed_at: NaiveDateTime,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_partner.txt")]
struct ToPartnerText<'a> {
    m: &'a MessageFacts<'a>,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_partner.html")]
struct ToPartnerHtml<'a> {
    m: &'a MessageFacts<'a>,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_customer.txt")]
struct ToCustomerText<'a> {
    m: &'a MessageFacts<'a>,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_customer.html")]
struct ToCustomerHtml<'a> {
    m: &'a MessageFacts<'a>,
}

/// What a template shows: the change, the recipient, and the link to follow.
struct MessageFacts<'a> {
    recipient_name: &'a str,
    customer_name: &'a str,
    partner_name: &'a str,
    from: &'static str,
    to: &'static str,
    partner_pays_now: bool,
    changed_by_name: &'a str,
    changed_by_email: &'a str,
    changed_at: String,
    link: String,
}

impl<'a> MessageFacts<'a> {
    fn new(
        change: &'a PaymentModeChange<'a>,
        mail: &MailContext,
        recipient: &'a Recipient,
        path: &str,
    ) -> Self {
        let p = change.partnership;
        MessageFacts {
            recipient_name: &recipient.name,
            customer_name: &p.customer_name,
            partner_name: &p.partner_name,
            from: change.from.label(),
            to: change.to.label(),
            partner_pays_now: change.to == PaymentMode::PartnerPays,
            changed_by_name: change.changed_by_name,
            changed_by_email: change.changed_by_email,
            changed_at: format!("{} UTC", change.changed_at.format("%Y-%m-%d %H:%M")),
            link: mail.base_url.link(path),
        }
    }
}

/// Tells the partner's legal reps, admins and billing staff, and confirms to the
/// customer's legal reps and admins. Returns how many emails were queued.
pub fn payment_mode_changed(
    conn: &mut DbConn,
    mail: &MailContext,
    change: &PaymentModeChange<'_>,
) -> anyhow::Result<usize> {
    let p = change.partnership;
    let mut emails = Vec::new();
    for recipient in orgs::recipients(conn, &p.partner_org_id, Role::PARTNER_NOTIFIED)? {
        let m = MessageFacts::new(change, mail, &recipient, &format!("/clients/{}", p.id));
        emails.push(OutgoingEmail {
            subject: format!(
                "{} changed who pays: now “{}”",
                p.customer_name,
                change.to.label()
            ),
            body_text: ToPartnerText { m: &m }.render()?,
            body_html: ToPartnerHtml { m: &m }.render()?,
            recipient: recipient.email.clone(),
            recipient_name: recipient.name.clone(),
        });
    }
    for recipient in orgs::recipients(conn, &p.customer_org_id, Role::CUSTOMER_CONFIRMED)? {
        let m = MessageFacts::new(change, mail, &recipient, &format!("/partners/{}", p.id));
        emails.push(OutgoingEmail {
            subject: format!(
                "Payment mode for {} changed to “{}”",
                p.partner_name,
                change.to.label()
            ),
            body_text: ToCustomerText { m: &m }.render()?,
            body_html: ToCustomerHtml { m: &m }.render()?,
            recipient: recipient.email.clone(),
            recipient_name: recipient.name.clone(),
        });
    }
    for email in &emails {
        outbox::enqueue(conn, email, &mail.message_domain)?;
    }
    Ok(emails.len())
}
