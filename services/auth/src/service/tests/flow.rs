//! The main walk: create, verify, login, refresh, reuse, logout.

use gochat_proto::auth::v1::{
    AccountStatus, GetVerificationKeysRequest, LogoutRequest, RefreshRequest,
};
use tonic::Code;

use super::{PASSWORD, assert_error, start};
use gochat_delivery::RevocationFeed;
use gochat_tokens::TokenVerifier;

#[tokio::test]
async fn create_verify_login_refresh_reuse_logout() {
    let h = start().await;
    let mut auth = h.auth.clone();

    let created = h.create("  Alice@Example.COM ").await.unwrap();
    assert_eq!(created.email, "alice@example.com");
    assert_eq!(created.display_name, "Tester");
    assert_eq!(created.status(), AccountStatus::PendingVerification);
    assert_eq!(
        h.email.greeted(),
        [("alice@example.com".to_owned(), "Tester".to_owned())]
    );
    assert_error(
        h.create("alice@example.com").await,
        Code::AlreadyExists,
        "email_taken",
    );

    let not_yet = h.login("alice@example.com", PASSWORD).await;
    assert_error(not_yet, Code::PermissionDenied, "account_not_verified");
    assert_error(
        h.verify("alice@example.com", "999999").await,
        Code::InvalidArgument,
        "invalid_code",
    );
    assert_error(
        h.verify("bob@example.com", "999999").await,
        Code::InvalidArgument,
        "invalid_code",
    );
    let code = h.email.code_for("alice@example.com").unwrap();
    let active = h.verify("ALICE@example.com", &code).await.unwrap();
    assert_eq!(
        (active.id.as_str(), active.status()),
        (created.id.as_str(), AccountStatus::Active)
    );
    let again = h.verify("alice@example.com", "whatever").await.unwrap();
    assert_eq!(
        again.status(),
        AccountStatus::Active,
        "verify is idempotent"
    );

    let wrong = h.login("alice@example.com", "not the password").await;
    assert_error(wrong, Code::Unauthenticated, "invalid_credentials");
    let unknown = h.login("nobody@example.com", PASSWORD).await;
    assert_error(unknown, Code::Unauthenticated, "invalid_credentials");

    let first = h.login(" alice@EXAMPLE.com", PASSWORD).await.unwrap();
    assert_eq!(first.expires_in, 900);
    let keys = auth
        .get_verification_keys(GetVerificationKeysRequest {})
        .await
        .unwrap();
    let keys = keys.into_inner();
    assert_eq!(
        (keys.issuer.as_str(), keys.audience.as_str()),
        ("gochat", "gochat-api")
    );
    assert_eq!(keys.keys[0].algorithm, "EdDSA");
    let verifier = TokenVerifier::from_keys(keys).unwrap();
    let claims = verifier.verify(&first.access_token).unwrap();
    assert_eq!(claims.sub, created.id);
    assert_eq!(claims.exp - claims.iat, 900);
    assert!(first.refresh_token.starts_with(&format!("{}.", claims.sid)));

    let refresh = |token: &str| RefreshRequest {
        refresh_token: token.to_owned(),
    };
    let second = auth
        .refresh(refresh(&first.refresh_token))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(second.refresh_token, first.refresh_token);
    let rotated = verifier.verify(&second.access_token).unwrap();
    assert_eq!(
        (rotated.sub.as_str(), rotated.sid.as_str()),
        (created.id.as_str(), claims.sid.as_str())
    );

    assert!(revoked_sessions(&h).await.is_empty(), "nothing ended yet");
    let reuse = auth.refresh(refresh(&first.refresh_token)).await;
    assert_error(reuse, Code::Unauthenticated, "invalid_refresh_token");
    assert_eq!(
        revoked_sessions(&h).await,
        std::slice::from_ref(&claims.sid),
        "a reused refresh token revokes its session's access tokens too"
    );
    let revoked = auth.refresh(refresh(&second.refresh_token)).await;
    assert_error(revoked, Code::Unauthenticated, "invalid_refresh_token");
    let garbage = auth.refresh(refresh("not-a-token")).await;
    assert_error(garbage, Code::Unauthenticated, "invalid_refresh_token");

    let third = h.login("alice@example.com", PASSWORD).await.unwrap();
    let sid = verifier.verify(&third.access_token).unwrap().sid;
    assert_ne!(sid, claims.sid, "a login opens a new session");
    auth.logout(LogoutRequest {
        session_id: sid.clone(),
    })
    .await
    .unwrap();
    let after_logout = auth.refresh(refresh(&third.refresh_token)).await;
    assert_error(after_logout, Code::Unauthenticated, "invalid_refresh_token");
    assert_eq!(
        revoked_sessions(&h).await,
        [claims.sid.clone(), sid.clone()]
    );
    let feed = h.revocations.read(None).await.unwrap();
    let until = feed.revocations.last().unwrap().until_ms;
    let in_15_min = u64::try_from(gochat_runtime::clock::now_ms()).unwrap() + 900_000;
    assert!(
        until <= in_15_min && until + 60_000 > in_15_min,
        "a revocation lasts as long as the last access token: {until}"
    );
    auth.logout(LogoutRequest { session_id: sid })
        .await
        .expect("logout twice is fine");
    let no_sid = auth
        .logout(LogoutRequest {
            session_id: String::new(),
        })
        .await;
    assert_error(no_sid, Code::InvalidArgument, "invalid_request");
}

#[tokio::test]
async fn bad_input_gets_its_error_code() {
    let h = start().await;
    let mut auth = h.auth.clone();
    let create =
        |email: &str, password: &str, name: &str| gochat_proto::auth::v1::CreateAccountRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            display_name: name.to_owned(),
        };
    let cases = [
        (create("no-at-sign", PASSWORD, "N"), "invalid_email"),
        (create("a@b.io", "short", "N"), "weak_password"),
        (create("a@b.io", &"p".repeat(1025), "N"), "invalid_request"),
        (create("a@b.io", PASSWORD, "   "), "invalid_display_name"),
        (
            create("a@b.io", PASSWORD, &"n".repeat(65)),
            "invalid_display_name",
        ),
    ];
    for (req, api_code) in cases {
        assert_error(
            auth.create_account(req).await,
            Code::InvalidArgument,
            api_code,
        );
    }
    assert!(
        h.email.greeted().is_empty(),
        "nothing mailed for rejected input"
    );
    let huge = h.login("a@b.io", &"p".repeat(1025)).await;
    assert_error(huge, Code::InvalidArgument, "invalid_request");
    let malformed = h.login("not an email", PASSWORD).await;
    assert_error(malformed, Code::Unauthenticated, "invalid_credentials");
}

/// The sessions auth has recorded as revoked, in order.
async fn revoked_sessions(h: &super::Harness) -> Vec<String> {
    h.revocations
        .read(None)
        .await
        .unwrap()
        .revocations
        .into_iter()
        .map(|r| r.session_id)
        .collect()
}
