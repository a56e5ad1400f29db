use std::time::{SystemTime, UNIX_EPOCH};

use gochat_proto::auth::v1::GetVerificationKeysResponse;

use super::*;
use crate::SigningKey;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(exp: u64) -> Claims {
    Claims {
        sub: "account-1".into(),
        sid: "session-1".into(),
        iss: "gochat".into(),
        aud: "gochat-api".into(),
        iat: now(),
        exp,
    }
}

fn verifier(keys: &[&SigningKey]) -> TokenVerifier {
    TokenVerifier::from_keys(GetVerificationKeysResponse {
        keys: keys.iter().map(|k| k.verification_key()).collect(),
        issuer: "gochat".into(),
        audience: "gochat-api".into(),
    })
    .unwrap()
}

#[test]
fn a_fresh_token_verifies_with_its_claims() {
    let key = SigningKey::generate().unwrap();
    let want = claims(now() + 900);
    let token = key.sign(&want).unwrap();
    assert_eq!(verifier(&[&key]).verify(&token).unwrap(), want);
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(key.key_id()));
}

#[test]
fn expiry_honours_at_most_the_leeway() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&[&key]);
    let long_gone = key.sign(&claims(now() - 120)).unwrap();
    assert!(matches!(v.verify(&long_gone), Err(TokenError::Expired)));
    let just_gone = key.sign(&claims(now() - 5)).unwrap();
    assert!(v.verify(&just_gone).is_ok(), "within the 30 s leeway");
    let strict = v.with_leeway(Duration::ZERO);
    assert!(matches!(
        strict.verify(&just_gone),
        Err(TokenError::Expired)
    ));
    let capped = verifier(&[&key]).with_leeway(Duration::from_secs(3600));
    assert!(matches!(
        capped.verify(&long_gone),
        Err(TokenError::Expired)
    ));
}

#[test]
fn wrong_audience_or_issuer_is_invalid() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&[&key]);
    let aud = key
        .sign(&Claims {
            aud: "elsewhere".into(),
            ..claims(now() + 60)
        })
        .unwrap();
    assert!(matches!(v.verify(&aud), Err(TokenError::Invalid)));
    let iss = key
        .sign(&Claims {
            iss: "mallory".into(),
            ..claims(now() + 60)
        })
        .unwrap();
    assert!(matches!(v.verify(&iss), Err(TokenError::Invalid)));
}

#[test]
fn another_key_is_refused_even_under_a_known_kid() {
    let trusted = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let v = verifier(&[&trusted]);
    let foreign = other.sign(&claims(now() + 60)).unwrap();
    assert!(matches!(v.verify(&foreign), Err(TokenError::UnknownKey)));
    // Graft the trusted key's header (its kid) onto the foreign signature.
    let trusted_header = trusted.sign(&claims(now() + 60)).unwrap();
    let (header, _) = trusted_header.split_once('.').unwrap();
    let (_, rest) = foreign.split_once('.').unwrap();
    let forged = format!("{header}.{rest}");
    assert!(matches!(v.verify(&forged), Err(TokenError::Invalid)));
}

#[test]
fn tampered_or_garbage_tokens_are_refused() {
    let key = SigningKey::generate().unwrap();
    let v = verifier(&[&key]);
    let token = key.sign(&claims(now() + 60)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let evil = Claims {
        sub: "someone-else".into(),
        ..claims(now() + 60)
    };
    let evil_payload = {
        use base64::Engine;
        let json = serde_json::to_vec(&evil).unwrap();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    let tampered = format!("{}.{}.{}", parts[0], evil_payload, parts[2]);
    assert!(matches!(v.verify(&tampered), Err(TokenError::Invalid)));
    for garbage in [
        "",
        "a.b.c",
        "not-a-token",
        &format!("{}.{}.", parts[0], parts[1]),
    ] {
        assert!(v.verify(garbage).is_err(), "{garbage:?}");
    }
}

#[test]
fn unusable_key_sets_are_rejected() {
    let key = SigningKey::generate().unwrap();
    let mut published = key.verification_key();
    let no_keys = GetVerificationKeysResponse {
        keys: vec![],
        issuer: "gochat".into(),
        audience: "gochat-api".into(),
    };
    assert!(TokenVerifier::from_keys(no_keys).is_err());
    published.public_key_pem = "garbage".into();
    let bad_pem = GetVerificationKeysResponse {
        keys: vec![published],
        issuer: "gochat".into(),
        audience: "gochat-api".into(),
    };
    assert!(TokenVerifier::from_keys(bad_pem).is_err());
}
