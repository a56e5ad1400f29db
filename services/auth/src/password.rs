//! Password hashing with argon2id (default parameters), off the async runtime and bounded in
//! how many run at once.
//!
//! Each hash needs argon2's 19 MiB working memory. Allocating and freeing it per call lets
//! glibc raise its mmap threshold and keep the freed buffers in per-thread arenas, so RSS
//! climbed past a gigabyte after a few hundred sign-ins. The buffers are pooled instead: at
//! most one per concurrent hash, allocated once and reused.

use std::sync::{Arc, Mutex};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{self, Output, ParamsString, Salt, SaltString},
};
use tokio::sync::Semaphore;

/// A hash (default parameters) of a password nobody has, verified against when the account
/// does not exist so an unknown email costs as much time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Z29jaGF0LWR1bW15LXNsdA$fToSgpa27iqhanCWS+9e31FWP8VgaCOy1Njv24UrdZA";

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

/// Runs argon2id work on the blocking pool, at most `limit` at a time, reusing working memory.
#[derive(Clone)]
pub(crate) struct Passwords {
    permits: Arc<Semaphore>,
    memory: Arc<MemoryPool>,
}

impl Passwords {
    /// Allows `limit` concurrent hashes (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit.max(1))),
            memory: Arc::default(),
        }
    }

    /// Hashes `password` with a fresh random salt into a PHC string.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_owned();
        self.blocking(move |memory| hash_now(&password, memory))
            .await
    }

    /// Whether `password` matches the PHC string `phc`.
    pub(crate) async fn verify(&self, password: &str, phc: &str) -> Result<bool, PasswordError> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.blocking(move |memory| verify_now(&password, &phc, memory))
            .await
    }

    /// Spends the time of one verify without an account; always `false`.
    pub(crate) async fn verify_dummy(&self, password: &str) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        self.blocking(move |memory| {
            verify_now(&password, DUMMY_HASH, memory)?;
            Ok(false)
        })
        .await
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, PasswordError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Vec<Block>) -> Result<T, password_hash::Error> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| PasswordError::Closed)?;
        let memory = Arc::clone(&self.memory);
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut blocks = memory.take();
            let out = work(&mut blocks);
            memory.give_back(blocks);
            out
        })
        .await??;
        Ok(out)
    }
}

/// argon2 working buffers kept between hashes; never more than the hashes that ran at once.
#[derive(Default)]
struct MemoryPool(Mutex<Vec<Vec<Block>>>);

impl MemoryPool {
    fn take(&self) -> Vec<Block> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default()
    }

    fn give_back(&self, blocks: Vec<Block>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(blocks);
    }
}

fn hash_now(password: &str, memory: &mut Vec<Block>) -> Result<String, password_hash::Error> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    let params = Params::default();
    let hash = compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params,
        password,
        salt.as_salt(),
        memory,
    )?;
    Ok(hash.to_string())
}

fn verify_now(
    password: &str,
    phc: &str,
    memory: &mut Vec<Block>,
) -> Result<bool, password_hash::Error> {
    let stored = PasswordHash::new(phc)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&stored)?;
    let computed = compute(algorithm, version, params, password, salt, memory)?;
    // `Output`'s equality is constant-time.
    Ok(computed.hash == Some(expected))
}

/// The PHC hash of `password`, computed in `memory` (grown to the size `params` need).
fn compute<'a>(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: Salt<'a>,
    memory: &mut Vec<Block>,
) -> Result<PasswordHash<'a>, password_hash::Error> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let phc_params = ParamsString::try_from(&params)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let output = Output::init_with(output_len, |out| {
        Ok(argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            out,
            &mut memory[..blocks],
        )?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: phc_params,
        salt: Some(salt),
        hash: Some(output),
    })
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

    #[test]
    fn hashes_agree_with_the_argon2_crate() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = hash_now("pa55word", &mut Vec::new()).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        Argon2::default()
            .verify_password(b"pa55word", &parsed)
            .expect("the crate's own verify accepts our hash");
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"pa55word", &salt)
            .unwrap()
            .to_string();
        assert!(verify_now("pa55word", &theirs, &mut Vec::new()).unwrap());
        assert!(!verify_now("pa55wore", &theirs, &mut Vec::new()).unwrap());
    }

    #[test]
    fn working_memory_is_reused_not_reallocated() {
        let mut memory = Vec::new();
        hash_now("one", &mut memory).unwrap();
        let (address, len) = (memory.as_ptr(), memory.len());
        assert_eq!(len, Params::default().block_count());
        let phc = hash_now("two", &mut memory).unwrap();
        assert!(verify_now("two", &phc, &mut memory).unwrap());
        assert_eq!(memory.as_ptr(), address, "same buffer");
        assert_eq!(memory.len(), len);
    }

    #[tokio::test]
    async fn the_pool_never_holds_more_buffers_than_concurrent_hashes() {
        let passwords = Passwords::new(2);
        let hashes = (0..6).map(|i| {
            let passwords = passwords.clone();
            tokio::spawn(async move { passwords.hash(&format!("pw{i}")).await })
        });
        for hash in hashes {
            hash.await.unwrap().unwrap();
        }
        let pooled = passwords.memory.0.lock().unwrap().len();
        assert!((1..=2).contains(&pooled), "{pooled} buffers pooled");
    }

    #[tokio::test]
    async fn the_dummy_has_default_params_and_never_matches() {
        let real = hash_now("anything", &mut Vec::new()).unwrap();
        let params = |phc: &str| PasswordHash::new(phc).unwrap().params.to_string();
        assert_eq!(
            params(DUMMY_HASH),
            params(&real),
            "same cost as a real verify"
        );
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(dummy.algorithm, Algorithm::Argon2id.ident());
        assert!(
            dummy.hash.is_some() && dummy.salt.is_some(),
            "a full hash, not a stub"
        );
        let passwords = Passwords::new(1);
        assert!(
            !passwords
                .verify_dummy("gochat-dummy-password-for-timing")
                .await
                .unwrap()
        );
    }
}
