//! The emails the application sent, as their recipients read them.

use std::path::Path;
use std::time::Duration;

use super::TestApp;

/// An email as a recipient reads it.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

impl Email {
    pub fn parse(raw: &[u8]) -> Email {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a parsable email");
        Email {
            to: message
                .to()
                .and_then(|a| a.as_list())
                .map(|list| {
                    list.iter()
                        .filter_map(|a| a.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            message_id: message.message_id().unwrap_or_default().to_owned(),
        }
    }

    pub fn is_to(&self, address: &str) -> bool {
        self.to.iter().any(|a| a == address)
    }
}

pub fn read_mail_dir(dir: &Path) -> Vec<Email> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut emails: Vec<Email> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        // A file the sender is still writing is read at the next look.
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter(|raw| mail_parser::MessageParser::default().parse(raw).is_some())
        .map(|raw| Email::parse(&raw))
        .collect();
    emails.sort_by(|a, b| a.to.cmp(&b.to));
    emails
}

impl TestApp {
    /// Waits until `count` emails are in the mail directory, and returns them all.
    pub async fn wait_for_mail_files(&self, count: usize) -> Vec<Email> {
        for _ in 0..100 {
            let emails = read_mail_dir(&self.mail_dir);
            if emails.len() >= count {
                return emails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let found = read_mail_dir(&self.mail_dir);
        panic!(
            "expected {count} emails in {}, found {}",
            self.mail_dir.display(),
            found.len()
        );
    }
    /// Waits for an email to `to` whose subject contains `subject`, and returns it.
    pub async fn wait_for_email(&self, to: &str, subject: &str) -> Email {
        for _ in 0..100 {
            if let Some(email) = read_mail_dir(&self.mail_dir)
                .into_iter()
                .find(|e| e.is_to(to) && e.subject.contains(subject))
            {
                return email;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen: Vec<(Vec<String>, String)> = read_mail_dir(&self.mail_dir)
            .into_iter()
            .map(|e| (e.to, e.subject))
            .collect();
        panic!("no email to {to} about {subject:?}; emails: {seen:?}");
    }

    /// The emails delivered so far (after a short wait for the sender).
    pub async fn emails_settled(&self) -> Vec<Email> {
        let unsent = |app: &TestApp| {
            let db = app.db.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    partnerdesk::db::models::outbox::unsent_count(&mut db.get().unwrap()).unwrap()
                })
                .await
                .unwrap()
            }
        };
        for _ in 0..100 {
            if unsent(self).await == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        read_mail_dir(&self.mail_dir)
    }
}

/// The link of a path in an email's text (`http://partnerdesk.test/…`), as a path.
pub fn link_in(email: &Email, prefix: &str) -> String {
    let start = email
        .text
        .find(&format!("http://partnerdesk.test{prefix}"))
        .expect("the email links to the page");
    let rest = &email.text[start + "http://partnerdesk.test".len()..];
    rest.split_whitespace().next().unwrap().to_owned()
}
