//! One function per notification: it renders the text and HTML bodies for each
//! recipient, in the recipient's language, and queues them inside the caller's
//! transaction.

use askama::Template;
use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::models::orgs::{self, Recipient};
use crate::db::models::outbox::{self, OutgoingEmail};
use crate::db::models::partnerships::PartnershipView;
use crate::domain::{PaymentMode, Role};
use crate::i18n::{In, Text, datetime_in};
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
    tr: In,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_partner.html")]
struct ToPartnerHtml<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_customer.txt")]
struct ToCustomerText<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

#[derive(Template)]
#[template(path = "emails/payment_mode_changed_customer.html")]
struct ToCustomerHtml<'a> {
    m: &'a MessageFacts<'a>,
    tr: In,
}

/// What a template shows: the change, the recipient, and the link to follow.
struct MessageFacts<'a> {
    recipient_name: &'a str,
    customer_name: &'a str,
    partner_name: &'a str,
    from: &'static str,
    to: &'static str,
    partner_pays_now: bool,
    /// "Name (email)".
    changed_by: String,
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
            changed_by: format!("{} ({})", change.changed_by_name, change.changed_by_email),
            changed_at: datetime_in(recipient.locale(), change.changed_at),
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
        let tr = In(recipient.locale());
        let m = MessageFacts::new(change, mail, &recipient, &format!("/clients/{}", p.id));
        emails.push(OutgoingEmail {
            subject: tr.t2(
                "%{customer} changed who pays: now “%{mode}”",
                "customer",
                &p.customer_name,
                "mode",
                tr.t(change.to.label()),
            ),
            body_text: ToPartnerText { m: &m, tr }.render()?,
            body_html: ToPartnerHtml { m: &m, tr }.render()?,
            recipient: recipient.email.clone(),
            recipient_name: recipient.name.clone(),
        });
    }
    for recipient in orgs::recipients(conn, &p.customer_org_id, Role::MANAGERS)? {
        let tr = In(recipient.locale());
        let m = MessageFacts::new(change, mail, &recipient, &format!("/partners/{}", p.id));
        emails.push(OutgoingEmail {
            subject: tr.t2(
                "Payment mode for %{partner} changed to “%{mode}”",
                "partner",
                &p.partner_name,
                "mode",
                tr.t(change.to.label()),
            ),
            body_text: ToCustomerText { m: &m, tr }.render()?,
            body_html: ToCustomerHtml { m: &m, tr }.render()?,
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
/// links to where to act or look. One pair of templates serves them all; each recipient
/// reads it in their own language.
pub struct Notice {
    pub subject: Text,
    pub paragraphs: Vec<Text>,
    pub facts: Vec<(Text, Text)>,
    /// The link's label and the path it opens.
    pub action: Option<(Text, String)>,
}

/// A notice in one language, as its templates show it.
struct Written {
    greeting: String,
    subject: String,
    paragraphs: Vec<String>,
    facts: Vec<(String, String)>,
    /// The action's label and absolute URL.
    link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "emails/notice.txt")]
struct NoticeText<'a> {
    n: &'a Written,
}

#[derive(Template)]
#[template(path = "emails/notice.html")]
struct NoticeHtml<'a> {
    n: &'a Written,
    lang: &'static str,
}

/// Queues `notice` for each recipient (once per address).
pub fn send_notice(
    conn: &mut DbConn,
    mail: &MailContext,
    recipients: &[Recipient],
    notice: &Notice,
) -> anyhow::Result<usize> {
    let mut sent: Vec<&str> = Vec::new();
    for recipient in recipients {
        if sent.contains(&recipient.email.as_str()) {
            continue;
        }
        let locale = recipient.locale();
        let tr = In(locale);
        let written = Written {
            greeting: tr.t1("Hello %{name},", "name", &recipient.name),
            subject: notice.subject.render(locale),
            paragraphs: notice.paragraphs.iter().map(|p| p.render(locale)).collect(),
            facts: notice
                .facts
                .iter()
                .map(|(k, v)| (k.render(locale), v.render(locale)))
                .collect(),
            link: notice
                .action
                .as_ref()
                .map(|(label, path)| (label.render(locale), mail.base_url.link(path))),
        };
        let email = OutgoingEmail {
            recipient: recipient.email.clone(),
            recipient_name: recipient.name.clone(),
            subject: written.subject.clone(),
            body_text: NoticeText { n: &written }.render()?,
            body_html: NoticeHtml {
                n: &written,
                lang: locale.code(),
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
