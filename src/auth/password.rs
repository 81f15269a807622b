//! Password hashing with argon2id at the OWASP parameters (19 MiB, t=2, p=1).
//!
//! Hashing costs ~15 ms of CPU and 19 MiB of memory, so it runs on the blocking pool and
//! at most one hash per core runs at a time: a storm of logins queues here instead of
//! starving the workers that serve pages.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::i18n::Text;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("the OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the policy; the message says what to change.
pub fn check_policy(password: &str) -> Result<(), Text> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(
            Text::new("Choose a password of at least %{count} characters.")
                .arg("count", MIN_LENGTH),
        );
    }
    if password.len() > MAX_LENGTH {
        return Err(
            Text::new("A password is at most %{count} bytes long.").arg("count", MAX_LENGTH)
        );
    }
    Ok(())
}

/// Hashes a password (blocking: call from a blocking thread).
pub fn hash(password: &str) -> anyhow::Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Checks a password against a stored hash (blocking). A malformed hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The asynchronous face of hashing for request handlers.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that both cases cost the same.
    dummy_hash: Arc<str>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> anyhow::Result<Passwords> {
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: hash("an unknown user's password")?.into(),
        })
    }

    /// Whether `password` matches `stored`; with no stored hash, takes as long and says no.
    pub async fn verify(&self, stored: Option<String>, password: String) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        let dummy = self.dummy_hash.clone();
        let matches = tokio::task::spawn_blocking(move || match stored {
            Some(hash) => verify(&hash, &password),
            None => {
                verify(&dummy, &password);
                false
            }
        })
        .await?;
        Ok(matches)
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(move || hash(&password)).await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored, "correct horse batterY"));
        assert!(!verify("not a hash", "correct horse battery"));
    }

    #[test]
    fn the_policy_names_the_problem() {
        assert!(
            check_policy("short")
                .unwrap_err()
                .to_string()
                .contains("at least 10")
        );
        assert!(check_policy(&"x".repeat(2000)).is_err());
        assert!(check_policy("partnerdesk-demo").is_ok());
    }
}
