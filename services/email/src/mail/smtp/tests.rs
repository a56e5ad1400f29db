//! The SMTP mailer against a scripted server: retries, what is and is not retried, the
//! message on the wire. The real sink is exercised in `tests/backend_email.rs`.

mod fake_server;

use std::time::{Duration, Instant};

use fake_server::FakeSmtp;

use super::*;
use crate::{EmlError, verification_mail};

fn config(port: u16, first_backoff: Duration) -> SmtpConfig {
    SmtpConfig {
        from: "gochat <no-reply@gochat.test>".into(),
        timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            attempts: 3,
            first_backoff,
        },
        ..SmtpConfig::new("127.0.0.1", port, SmtpTls::None)
    }
}

fn mailer(port: u16) -> SmtpMailer {
    SmtpMailer::new(config(port, Duration::from_millis(20))).unwrap()
}

#[tokio::test]
async fn sends_a_text_mail_with_the_headers() {
    let server = FakeSmtp::start(&[]).await;
    let mailer = mailer(server.port);
    mailer.ping().await.unwrap();
    mailer
        .send(&verification_mail("ada@example.org", "Zoë", "042917"))
        .await
        .unwrap();
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    for wanted in [
        "From: gochat <no-reply@gochat.test>\n",
        "To: ada@example.org\n",
        "Subject: Your gochat verification code\n",
        "Content-Type: text/plain; charset=utf-8\n",
        "Date: ",
        "Message-ID: <",
    ] {
        assert!(message.contains(wanted), "{wanted:?} in {message}");
    }
}

#[tokio::test]
async fn transient_failures_are_retried_with_doubling_backoff() {
    let server = FakeSmtp::start(&["451 4.3.0 try later", "421 4.7.0 busy"]).await;
    let mailer = SmtpMailer::new(config(server.port, Duration::from_millis(100))).unwrap();
    let started = Instant::now();
    mailer
        .send(&verification_mail("ada@example.org", "Ada", "111111"))
        .await
        .unwrap();
    assert_eq!(server.rcpts(), 3);
    assert_eq!(server.messages().len(), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "waits 100 ms then 200 ms"
    );
}

#[tokio::test]
async fn gives_up_as_unavailable_after_the_last_try() {
    let server = FakeSmtp::start(&["451 a", "451 b", "451 c", "451 d"]).await;
    let got = mailer(server.port)
        .send(&verification_mail("ada@example.org", "Ada", "111111"))
        .await;
    assert!(matches!(got, Err(MailError::Unavailable(_))), "{got:?}");
    assert_eq!(server.rcpts(), 3, "three tries, no more");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn a_refused_recipient_is_final_and_refused() {
    let server = FakeSmtp::start(&["550 5.1.1 no such user"]).await;
    let got = mailer(server.port)
        .send(&verification_mail("ghost@example.org", "Ada", "111111"))
        .await;
    assert!(matches!(got, Err(MailError::Refused(_))), "{got:?}");
    assert_eq!(server.rcpts(), 1, "permanent replies are not retried");
}

#[tokio::test]
async fn other_permanent_replies_are_final_and_unavailable() {
    let server = FakeSmtp::start(&["554 5.7.1 relay access denied"]).await;
    let got = mailer(server.port)
        .send(&verification_mail("ada@example.org", "Ada", "111111"))
        .await;
    assert!(matches!(got, Err(MailError::Unavailable(_))), "{got:?}");
    assert_eq!(server.rcpts(), 1);
}

#[tokio::test]
async fn header_injection_is_rejected_before_connecting() {
    let server = FakeSmtp::start(&[]).await;
    let evil = OutgoingMail {
        to: "ada@example.org".into(),
        subject: "hi\r\nBcc: eve@evil.test".into(),
        text: "t".into(),
    };
    let got = mailer(server.port).send(&evil).await;
    assert!(
        matches!(
            got,
            Err(MailError::Rejected(EmlError::ControlCharacter("Subject")))
        ),
        "{got:?}"
    );
    assert_eq!(server.rcpts(), 0);
}

#[tokio::test]
async fn required_starttls_is_never_downgraded() {
    // The fake server offers no STARTTLS: the mail must not go out in the clear.
    let server = FakeSmtp::start(&[]).await;
    let mailer = SmtpMailer::new(SmtpConfig {
        tls: SmtpTls::StartTls,
        ..config(server.port, Duration::from_millis(10))
    })
    .unwrap();
    let got = mailer
        .send(&verification_mail("ada@example.org", "Ada", "111111"))
        .await;
    assert!(matches!(got, Err(MailError::Unavailable(_))), "{got:?}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn settings_are_checked_when_building() {
    let bad_from = SmtpConfig {
        from: "not a mailbox".into(),
        ..config(25, Duration::ZERO)
    };
    assert!(matches!(
        SmtpMailer::new(bad_from),
        Err(SmtpConfigError::InvalidFrom(_))
    ));
    assert!(matches!(
        SmtpMailer::new(SmtpConfig::new(" ", 25, SmtpTls::None)),
        Err(SmtpConfigError::EmptyHost)
    ));
}

#[test]
fn building_outside_a_runtime_is_an_error_not_a_panic() {
    assert!(matches!(
        SmtpMailer::new(config(25, Duration::ZERO)),
        Err(SmtpConfigError::NoRuntime)
    ));
}

#[test]
fn tls_modes_parse_and_credentials_hide_the_password() {
    assert_eq!("none".parse::<SmtpTls>().unwrap(), SmtpTls::None);
    assert_eq!(" STARTTLS ".parse::<SmtpTls>().unwrap(), SmtpTls::StartTls);
    assert_eq!("tls".parse::<SmtpTls>().unwrap(), SmtpTls::Tls);
    assert!("ssl".parse::<SmtpTls>().is_err());
    assert_eq!(SmtpTls::StartTls.default_port(), 587);
    let login = SmtpCredentials {
        username: "mailer".into(),
        password: "hunter2".into(),
    };
    let shown = format!("{login:?}");
    assert!(
        shown.contains("mailer") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
fn backoff_doubles_and_saturates() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.backoff_after(1), Duration::from_millis(200));
    assert_eq!(policy.backoff_after(2), Duration::from_millis(400));
    assert_eq!(policy.backoff_after(3), Duration::from_millis(800));
    assert_eq!(policy.backoff_after(0), Duration::from_millis(200));
    let huge = RetryPolicy {
        attempts: 3,
        first_backoff: Duration::MAX,
    };
    assert_eq!(huge.backoff_after(40), Duration::MAX);
}
