use super::*;

#[test]
fn generated_key_persists_across_reopen_with_owner_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(GENERATED_KEY_FILE);
    let first = SigningKey::load_or_generate(&path).unwrap();
    let again = SigningKey::load_or_generate(&path).unwrap();
    assert_eq!(first.key_id(), again.key_id());
    assert_eq!(first.public_key_pem(), again.public_key_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let loaded = SigningKey::load(&path).unwrap();
    assert_eq!(loaded.key_id(), first.key_id());
}

#[test]
fn key_id_is_16_hex_of_the_public_der_hash_and_differs_per_key() {
    let a = SigningKey::generate().unwrap();
    let b = SigningKey::generate().unwrap();
    assert_eq!(a.key_id().len(), 16);
    assert!(a.key_id().chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.key_id(), b.key_id());
    assert!(a.public_key_pem().starts_with("-----BEGIN PUBLIC KEY-----"));
    let published = a.verification_key();
    assert_eq!(published.algorithm, "EdDSA");
    assert_eq!(published.key_id, a.key_id());
}

#[test]
fn bad_or_missing_key_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.pem");
    assert!(matches!(
        SigningKey::load(&missing),
        Err(KeyError::Io { .. })
    ));
    let garbage = dir.path().join("garbage.pem");
    fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    assert!(matches!(
        SigningKey::load(&garbage),
        Err(KeyError::Parse(_))
    ));
    assert!(matches!(
        SigningKey::load_or_generate(&garbage),
        Err(KeyError::Parse(_))
    ));
}
