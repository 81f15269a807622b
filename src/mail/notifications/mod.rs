//! One function per notification, one file per area: the domain says what happened and
//! to whom, these say it. Each renders the text and HTML bodies for each recipient, in
//! the recipient's language, and queues them inside the caller's transaction.

pub mod account;
pub mod members;
pub mod partnerships;
pub mod payment_mode;
pub mod requests;

pub use payment_mode::{PaymentModeChange, payment_mode_changed};

use askama::Template;

use crate::db::DbConn;
use crate::db::models::orgs::{self, Recipient};
use crate::db::models::outbox::{self, OutgoingEmail};
use crate::db::models::users::User;
use crate::domain::Role;
use crate::i18n::{In, Text};
use crate::mail::MailContext;

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
            greeting: if recipient.name.trim().is_empty() {
                tr.t("Hello,")
            } else {
                tr.t1("Hello %{name},", "name", &recipient.name)
            },
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

/// A person, as the recipient of an email about their own account.
pub(super) fn recipient(user: &User) -> Recipient {
    Recipient {
        email: user.email.clone(),
        name: user.name.clone(),
        locale: user.locale,
    }
}

/// The people of `org_id` with one of `roles`.
pub fn people(conn: &mut DbConn, org_id: &str, roles: &[Role]) -> anyhow::Result<Vec<Recipient>> {
    Ok(orgs::recipients(conn, org_id, roles)?)
}
