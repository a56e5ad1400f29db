//! Password hashing with argon2id (default parameters), off the async runtime and bounded in
//! how many run at once.

use std::sync::{Arc, LazyLock};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{self, SaltString},
};
use tokio::sync::Semaphore;

/// A hash of a password nobody has, verified against when the account does not exist so an
/// unknown email costs as much time as a wrong password.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_now("gochat-dummy-password-for-timing").ok());

/// Why hashing or verifying could not give an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PasswordError {
    /// argon2 rejected its input or the stored hash is not a valid PHC string.
    #[error("password hashing: {0}")]
    Hash(#[from] password_hash::Error),
    /// The blocking task did not finish (runtime shutting down).
    #[error("password task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The concurrency bound was closed.
    #[error("password hashing is shutting down")]
    Closed,
}

/// Runs argon2id work on the blocking pool, at most `limit` at a time.
#[derive(Clone)]
pub(crate) struct Passwords {
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// Allows `limit` concurrent hashes (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit.max(1))),
        }
    }

    /// Hashes `password` with a fresh random salt into a PHC string.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_owned();
        self.blocking(move || hash_now(&password)).await
    }

    /// Whether `password` matches the PHC string `phc`.
    pub(crate) async fn verify(&self, password: &str, phc: &str) -> Result<bool, PasswordError> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.blocking(move || verify_now(&password, &phc)).await
    }

    /// Spends the time of one verify without an account; always `false`.
    pub(crate) async fn verify_dummy(&self, password: &str) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        self.blocking(move || {
            if let Some(phc) = DUMMY_HASH.as_deref() {
                verify_now(&password, phc)?;
            }
            Ok(false)
        })
        .await
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, PasswordError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, password_hash::Error> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| PasswordError::Closed)?;
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await??;
        Ok(out)
    }
}

fn hash_now(password: &str) -> Result<String, password_hash::Error> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_now(password: &str, phc: &str) -> Result<bool, password_hash::Error> {
    let parsed = PasswordHash::new(phc)?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let passwords = Passwords::new(2);
        let a = passwords.hash("correct horse").await.unwrap();
        let b = passwords.hash("correct horse").await.unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(passwords.verify("correct horse", &a).await.unwrap());
        assert!(!passwords.verify("correct horsE", &a).await.unwrap());
        assert!(!passwords.verify("", &b).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_hash_is_an_error_not_a_match() {
        let passwords = Passwords::new(1);
        assert!(passwords.verify("x", "not a phc string").await.is_err());
    }

    #[tokio::test]
    async fn the_dummy_exists_with_default_params_and_never_matches() {
        let dummy = DUMMY_HASH.as_deref().expect("dummy hash computed");
        let real = hash_now("anything").unwrap();
        let params = |phc: &str| PasswordHash::new(phc).unwrap().params.to_string();
        assert_eq!(params(dummy), params(&real), "same cost as a real verify");
        let passwords = Passwords::new(1);
        let guess = "gochat-dummy-password-for-timing";
        assert!(!passwords.verify_dummy(guess).await.unwrap());
    }
}
