//! Email: what is written to the outbox when something happens, and the task that
//! delivers the outbox.

pub mod notifications;
pub mod sender;

use crate::config::{BaseUrl, mail_domain};

/// What the notification emails need to know about the installation.
#[derive(Clone)]
pub struct MailContext {
    pub base_url: BaseUrl,
    /// The right-hand side of Message-IDs.
    pub message_domain: String,
}

impl MailContext {
    pub fn new(base_url: BaseUrl) -> MailContext {
        let message_domain = mail_domain(&base_url);
        MailContext {
            base_url,
            message_domain,
        }
    }
}
