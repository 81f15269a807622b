//! Delivers the outbox: SMTP when `SMTP_URL` is set, otherwise `.eml` files in
//! `MAIL_DIR`. A failed delivery is retried with a growing delay and never dropped.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::MailConfig;
use crate::db::models::outbox::{self, PendingEmail};
use crate::db::{Db, now};

/// How long a claimed email is reserved for the sender that claimed it.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// How often the outbox is looked at when nobody rings.
const POLL: Duration = Duration::from_secs(5);
const BATCH: i64 = 20;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Transport> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not a valid SMTP address: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&config.dir).map_err(|e| {
                    anyhow::anyhow!("cannot create MAIL_DIR {}: {e}", config.dir.display())
                })?;
                Ok(Transport::Files(AsyncFileTransport::new(&config.dir)))
            }
        }
    }

    pub fn describe(&self, config: &MailConfig) -> String {
        match self {
            Transport::Smtp(_) => "SMTP".to_owned(),
            Transport::Files(_) => format!("files in {}", config.dir.display()),
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Transport::Files(files) => files
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }
}

/// The background sender. `wake` is rung after a transaction that queued emails.
pub struct Sender {
    pub db: Db,
    pub transport: Transport,
    pub from: Mailbox,
    pub wake: Arc<Notify>,
}

impl Sender {
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(0) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(POLL) => {}
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = ?e, "outbox: cannot read the queue");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Delivers one batch of due emails; returns how many were attempted.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let batch = self
            .db
            .write(|conn| -> anyhow::Result<_> { Ok(outbox::claim_due(conn, LEASE, BATCH)?) })
            .await?;
        let attempted = batch.len();
        for email in batch {
            let outcome = match self.message(&email) {
                Ok(message) => self.transport.send(message).await,
                Err(e) => Err(e),
            };
            let id = email.id.clone();
            match outcome {
                Ok(()) => {
                    tracing::info!(to = %email.recipient, message_id = %email.message_id, "email delivered");
                    self.db
                        .write(move |conn| -> anyhow::Result<()> {
                            Ok(outbox::mark_sent(conn, &id)?)
                        })
                        .await?;
                }
                Err(error) => {
                    let retry_at = now() + backoff(email.attempts + 1);
                    tracing::warn!(to = %email.recipient, attempt = email.attempts + 1, %error, %retry_at, "email delivery failed; will retry");
                    self.db
                        .write(move |conn| -> anyhow::Result<()> {
                            Ok(outbox::mark_failed(conn, &id, &error, retry_at)?)
                        })
                        .await?;
                }
            }
        }
        Ok(attempted)
    }

    fn message(&self, email: &PendingEmail) -> Result<Message, String> {
        let to = email
            .recipient
            .parse()
            .map(|address| Mailbox::new(Some(email.recipient_name.clone()), address))
            .map_err(|e| format!("invalid recipient address: {e}"))?;
        let sent = std::time::SystemTime::from(email.created_at.and_utc());
        Message::builder()
            .message_id(Some(email.message_id.clone()))
            .from(self.from.clone())
            .to(to)
            .date(sent)
            .subject(email.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                email.body_text.clone(),
                email.body_html.clone(),
            ))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

/// 30 s, 1 min, 2 min, … up to one hour between attempts.
fn backoff(attempt: i32) -> TimeDelta {
    let exponent = attempt.clamp(1, 8) - 1;
    TimeDelta::seconds(30 << exponent).min(TimeDelta::hours(1))
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use chrono::TimeDelta;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(5), TimeDelta::seconds(480));
        assert_eq!(backoff(8), TimeDelta::hours(1));
        assert_eq!(backoff(1000), TimeDelta::hours(1));
    }
}
