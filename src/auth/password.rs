//! Password hashing with argon2id at the OWASP parameters (19 MiB, t=2, p=1).
//!
//! Hashing costs ~15 ms of CPU and 19 MiB of memory, so it runs on a few threads of its
//! own: a storm of logins queues there instead of starving the workers that serve pages,
//! and argon2's memory is reused by those threads instead of being left behind in the
//! allocator of every thread that ever hashed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::oneshot;

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

type Job = Box<dyn FnOnce() + Send>;

/// The asynchronous face of hashing for request handlers: the work is queued to the
/// hashing threads, which stop when the last `Passwords` is dropped.
#[derive(Clone)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
    /// Verified against when the email is unknown, so that both cases cost the same.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// Starts `threads` hashing threads (at least one).
    pub fn new(threads: usize) -> anyhow::Result<Passwords> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    loop {
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = next else { return };
                        // A failed job fails its request (its answer is dropped), not the thread.
                        let _ = catch_unwind(AssertUnwindSafe(job));
                    }
                })?;
        }
        Ok(Passwords {
            jobs,
            dummy_hash: hash("an unknown user's password")?.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the password threads have stopped"))?;
        Ok(answered.await?)
    }

    /// Whether `password` matches `stored`; with no stored hash, takes as long and says no.
    pub async fn verify(&self, stored: Option<String>, password: String) -> anyhow::Result<bool> {
        let dummy = self.dummy_hash.clone();
        self.run(move || match stored {
            Some(hash) => verify(&hash, &password),
            None => {
                verify(&dummy, &password);
                false
            }
        })
        .await
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.run(move || hash(&password)).await?
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

    #[tokio::test]
    async fn the_hashing_threads_answer_every_caller() {
        let passwords = Passwords::new(2).unwrap();
        let stored = passwords
            .hash("correct horse battery".into())
            .await
            .unwrap();
        let checks = (0..6).map(|i| {
            let passwords = passwords.clone();
            let stored = stored.clone();
            let guess = if i % 2 == 0 {
                "correct horse battery"
            } else {
                "wrong"
            };
            async move { passwords.verify(Some(stored), guess.into()).await.unwrap() }
        });
        let answers = futures_util::future::join_all(checks).await;
        assert_eq!(answers, [true, false, true, false, true, false]);
        assert!(!passwords.verify(None, "anything".into()).await.unwrap());
        // A job that panics costs its caller an error, and the threads keep working.
        assert!(passwords.run::<()>(|| panic!("boom")).await.is_err());
        assert!(
            passwords
                .verify(Some(stored), "correct horse battery".into())
                .await
                .unwrap()
        );
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
