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
    for recipient in orgs::recipients(conn, &p.customer_org_id, Role::MANAGERS)? {
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

/// A notification that says what happened in a few sentences, lists the facts, and
/// links to where to act or look. One pair of templates serves them all.
pub struct Notice {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub facts: Vec<(String, String)>,
    /// The link's label and the path it opens.
    pub action: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "emails/notice.txt")]
struct NoticeText<'a> {
    recipient_name: &'a str,
    notice: &'a Notice,
    /// The action's label and absolute URL.
    link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "emails/notice.html")]
struct NoticeHtml<'a> {
    recipient_name: &'a str,
    notice: &'a Notice,
    /// The action's label and absolute URL.
    link: Option<(String, String)>,
}

/// Queues `notice` for each recipient (once per address).
pub fn send_notice(
    conn: &mut DbConn,
    mail: &MailContext,
    recipients: &[Recipient],
    notice: &Notice,
) -> anyhow::Result<usize> {
    let link = notice
        .action
        .as_ref()
        .map(|(label, path)| (label.clone(), mail.base_url.link(path)));
    let mut sent: Vec<&str> = Vec::new();
    for recipient in recipients {
        if sent.contains(&recipient.email.as_str()) {
            continue;
        }
        let email = OutgoingEmail {
            recipient: recipient.email.clone(),
            recipient_name: recipient.name.clone(),
            subject: notice.subject.clone(),
            body_text: NoticeText {
                recipient_name: &recipient.name,
                notice,
                link: link.clone(),
            }
            .render()?,
            body_html: NoticeHtml {
                recipient_name: &recipient.name,
                notice,
                link: link.clone(),
            }
            .render()?,
        };
        outbox::enqueue(conn, &email, &mail.message_domain)?;
        sent.push(&recipient.email);
    }
    Ok(sent.len())
}

/// The people of `org_id` with one of `roles`.
pub fn people(conn: &mut DbConn, org_id: &str, roles: &[Role]) -> anyhow::Result<Vec<Recipient>> {
    Ok(orgs::recipients(conn, org_id, roles)?)
}
