use std::time::Duration;

use gochat_proto::email::v1::{
    CheckVerificationCodeRequest, SendVerificationCodeRequest, VerificationOutcome,
    email_service_client::EmailServiceClient,
};
use gochat_proto::error::{self, ErrorCode};
use gochat_runtime::Shutdown;

use super::*;
use crate::conformance::code_in;

/// The code in the newest `.eml` of the outbox.
fn newest_code(outbox: &std::path::Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    let raw = std::fs::read_to_string(names.last().expect("a mail in the outbox")).unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1.replace("\r\n", "\n");
    code_in(&body).expect("a code in the mail")
}

#[tokio::test]
async fn serves_the_grpc_api_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        max_codes_per_hour: 2,
        ..Config::default()
    };
    let embedded = embedded::open_with(dir.path(), &config).unwrap();
    assert_eq!(embedded.outbox.dir(), dir.path().join("outbox"));
    assert!(dir.path().join("email.redb").is_file());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = Shutdown::new();
    let server = tokio::spawn(serve(
        config,
        embedded.backends.clone(),
        listener,
        shutdown.clone(),
    ));

    let channel = gochat_runtime::grpc::channel(&format!("http://{addr}")).unwrap();
    let mut client = EmailServiceClient::new(channel);
    let email = "ada@example.org".to_owned();
    let send = SendVerificationCodeRequest {
        email: email.clone(),
        display_name: "Ada".into(),
    };
    client.send_verification_code(send.clone()).await.unwrap();
    let code = newest_code(embedded.outbox.dir());

    let check = |code: &str| CheckVerificationCodeRequest {
        email: email.clone(),
        code: code.into(),
    };
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let outcome = client
        .check_verification_code(check(wrong))
        .await
        .unwrap()
        .into_inner()
        .outcome;
    assert_eq!(outcome, i32::from(VerificationOutcome::Invalid));
    let outcome = client
        .check_verification_code(check(&code))
        .await
        .unwrap()
        .into_inner()
        .outcome;
    assert_eq!(outcome, i32::from(VerificationOutcome::Verified));
    let outcome = client
        .check_verification_code(check(&code))
        .await
        .unwrap()
        .into_inner()
        .outcome;
    assert_eq!(outcome, i32::from(VerificationOutcome::Invalid));

    client.send_verification_code(send.clone()).await.unwrap();
    let err = client.send_verification_code(send).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::ResourceExhausted);
    assert_eq!(
        error::error_code(&err).map(ErrorCode::as_str),
        Some("rate_limited")
    );

    let bad = SendVerificationCodeRequest {
        email: "nope".into(),
        display_name: "x".into(),
    };
    let err = client.send_verification_code(bad).await.unwrap_err();
    assert_eq!(
        error::error_code(&err).map(ErrorCode::as_str),
        Some("invalid_email")
    );

    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn readiness_reports_a_missing_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let backends = embedded::open(dir.path()).unwrap();
    let ready = readiness(&backends);
    assert!(ready.failures().await.is_empty());
    std::fs::remove_dir(dir.path().join("outbox")).unwrap();
    let failures = ready.failures().await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].0, "email-mailer");
}

#[tokio::test]
async fn open_fails_cleanly_when_the_data_dir_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(embedded::open(&file), Err(Error::Io { .. })));
}
