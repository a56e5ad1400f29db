//! The embedded backends for local mode: `<data_dir>/auth.redb` and a signing key that is
//! generated once into `<data_dir>/auth-signing-key.pem` unless a key file is given.

use std::{path::Path, sync::Arc};

use gochat_tokens::{GENERATED_KEY_FILE, SigningKey};

use crate::{
    Backends, Error,
    store::{RedbStore, STORE_FILE},
};

/// Opens the embedded backends under `data_dir` (dropping sessions that can no longer be
/// used); `signing_key_file` (PKCS#8 PEM) must exist when given, otherwise the data
/// directory's key is used, created on first start.
pub fn open(data_dir: &Path, signing_key_file: Option<&Path>) -> Result<Backends, Error> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::DataDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    let signing_key = match signing_key_file {
        Some(path) => SigningKey::load(path)?,
        None => SigningKey::load_or_generate(&data_dir.join(GENERATED_KEY_FILE))?,
    };
    let store = RedbStore::open(&data_dir.join(STORE_FILE))?;
    let purged = store.purge_sessions(gochat_runtime::clock::now_ms())?;
    if purged > 0 {
        tracing::info!(purged, "dropped expired and revoked sessions");
    }
    let store = Arc::new(store);
    Ok(Backends {
        accounts: store.clone(),
        sessions: store,
        signing_key: Arc::new(signing_key),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reopening_keeps_the_generated_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = open(dir.path(), None)
            .unwrap()
            .signing_key
            .key_id()
            .to_owned();
        let second = open(dir.path(), None)
            .unwrap()
            .signing_key
            .key_id()
            .to_owned();
        assert_eq!(first, second);
        assert!(dir.path().join(GENERATED_KEY_FILE).exists());
        assert!(dir.path().join(STORE_FILE).exists());
    }

    #[test]
    fn a_given_key_file_is_used_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("given.pem");
        let given = SigningKey::load_or_generate(&key_path).unwrap();
        let data = dir.path().join("data");
        let backends = open(&data, Some(&key_path)).unwrap();
        assert_eq!(backends.signing_key.key_id(), given.key_id());
        assert!(!data.join(GENERATED_KEY_FILE).exists());
        drop(backends);
        let missing = dir.path().join("missing.pem");
        assert!(matches!(open(&data, Some(&missing)), Err(Error::Key(_))));
    }
}
