//! Verification and resend against an email service that fails, limits or answers oddly.

use gochat_proto::{
    auth::v1::{AccountStatus, GetAccountRequest, ResendVerificationCodeRequest},
    email::v1::VerificationOutcome,
};
use tonic::Code;

use super::{assert_error, email_double::Mode, start};

fn resend(email: &str) -> ResendVerificationCodeRequest {
    ResendVerificationCodeRequest {
        email: email.to_owned(),
    }
}

#[tokio::test]
async fn a_signup_survives_an_email_outage_and_resend_recovers() {
    let h = start().await;
    let mut auth = h.auth.clone();
    h.email.set_mode(Mode::Down);
    let created = h
        .create("frank@example.com")
        .await
        .expect("signup succeeds without mail");
    let kept = auth
        .get_account(GetAccountRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        kept.into_inner().status(),
        AccountStatus::PendingVerification
    );
    assert_error(
        auth.resend_verification_code(resend("frank@example.com"))
            .await,
        Code::Unavailable,
        "unavailable",
    );
    assert_error(
        h.verify("frank@example.com", "100001").await,
        Code::Unavailable,
        "unavailable",
    );

    h.email.set_mode(Mode::Working);
    assert!(h.email.code_for("frank@example.com").is_none());
    auth.resend_verification_code(resend(" FRANK@example.com "))
        .await
        .unwrap();
    let code = h.email.code_for("frank@example.com").expect("resent");
    let active = h.verify("frank@example.com", &code).await.unwrap();
    assert_eq!(active.status(), AccountStatus::Active);
}

#[tokio::test]
async fn resend_answers_the_same_unless_a_pending_account_is_limited() {
    let h = start().await;
    let mut auth = h.auth.clone();
    h.active_account("gina@example.com").await;
    h.create("hank@example.com").await.unwrap();
    let mailed = h.email.greeted().len();

    for email in ["gina@example.com", "nobody@example.com", "not an email", ""] {
        auth.resend_verification_code(resend(email))
            .await
            .expect(email);
    }
    assert_eq!(
        h.email.greeted().len(),
        mailed,
        "only pending accounts get codes"
    );

    h.email.set_mode(Mode::RateLimited);
    let limited = auth
        .resend_verification_code(resend("hank@example.com"))
        .await;
    assert_error(limited, Code::ResourceExhausted, "rate_limited");
    auth.resend_verification_code(resend("nobody@example.com"))
        .await
        .expect("unknown stays OK");
}

#[tokio::test]
async fn verify_maps_every_outcome() {
    let h = start().await;
    h.create("ivy@example.com").await.unwrap();
    let cases = [
        (
            VerificationOutcome::Expired,
            Code::FailedPrecondition,
            "code_expired",
        ),
        (
            VerificationOutcome::TooManyAttempts,
            Code::ResourceExhausted,
            "too_many_attempts",
        ),
        (
            VerificationOutcome::Invalid,
            Code::InvalidArgument,
            "invalid_code",
        ),
        (
            VerificationOutcome::Unspecified,
            Code::Unavailable,
            "unavailable",
        ),
    ];
    for (outcome, code, api_code) in cases {
        h.email.force_outcome(Some(outcome));
        assert_error(h.verify("ivy@example.com", "123456").await, code, api_code);
    }
    h.email.force_outcome(None);
    for bad in ["", "   ", &"9".repeat(33)] {
        assert_error(
            h.verify("ivy@example.com", bad).await,
            Code::InvalidArgument,
            "invalid_code",
        );
    }
    let code = h.email.code_for("ivy@example.com").unwrap();
    let active = h
        .verify("ivy@example.com", &format!(" {code} "))
        .await
        .unwrap();
    assert_eq!(active.status(), AccountStatus::Active);
}
