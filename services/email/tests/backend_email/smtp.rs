//! [`SmtpMailer`] against the SMTP sink: the mailer conformance suite, the messages as they
//! land in the Maildir, the whole service over SMTP and Redis, and an SMTP outage.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gochat_email::{
    Backends, Config, EmailServiceImpl, MailError, Mailer, RedisCodeStore, SUBJECT, SmtpConfig,
    SmtpMailer, SmtpTls, conformance, verification_mail,
};
use gochat_proto::email::v1::VerificationOutcome;
use gochat_tests::servers::{maildir, redis_url, smtp_addr, unique_name};

use crate::maildir::wait_for_message_to;

const FROM: &str = "gochat tests <no-reply@gochat.test>";

fn sink_config() -> SmtpConfig {
    let addr = smtp_addr();
    let (host, port) = addr
        .rsplit_once(':')
        .expect("GOCHAT_TEST_SMTP_ADDR is host:port");
    SmtpConfig {
        from: FROM.into(),
        ..SmtpConfig::new(host, port.parse().expect("a port number"), SmtpTls::None)
    }
}

fn sink_mailer() -> SmtpMailer {
    SmtpMailer::new(sink_config()).expect("a valid SMTP config")
}

/// Undoes quoted-printable (soft line breaks and `=XX`), for bodies lettre chose to encode.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let (mut out, mut i) = (Vec::with_capacity(bytes.len()), 0);
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn passes_the_mailer_conformance_suite() {
    conformance::mailer::run_all(Arc::new(sink_mailer())).await;
}

#[tokio::test]
async fn a_verification_mail_lands_with_its_headers_and_code() {
    let to = conformance::fresh_email();
    sink_mailer()
        .send(&verification_mail(&to, "Ada", "042917"))
        .await
        .unwrap();
    let stored = wait_for_message_to(&maildir(), &to).await;
    assert_eq!(stored.header("Subject"), Some(SUBJECT));
    assert_eq!(
        stored.header("From"),
        Some("\"gochat tests\" <no-reply@gochat.test>")
    );
    assert_eq!(stored.header("To"), Some(to.as_str()));
    assert!(stored.header("Date").is_some());
    assert!(
        stored
            .header("Message-ID")
            .is_some_and(|id| id.ends_with("@gochat.test>"))
    );
    assert_eq!(
        stored.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(stored.body.starts_with("Hello Ada,\n"), "{}", stored.body);
    assert_eq!(
        conformance::code_in(&stored.body).as_deref(),
        Some("042917")
    );
}

#[tokio::test]
async fn utf8_text_arrives_intact() {
    let to = conformance::fresh_email();
    sink_mailer()
        .send(&verification_mail(&to, "Zoë 😀 Ångström", "000001"))
        .await
        .unwrap();
    let stored = wait_for_message_to(&maildir(), &to).await;
    let body = match stored.header("Content-Transfer-Encoding") {
        Some(cte) if cte.eq_ignore_ascii_case("quoted-printable") => {
            decode_quoted_printable(&stored.body)
        }
        _ => stored.body.clone(),
    };
    assert!(body.starts_with("Hello Zoë 😀 Ångström,\n"), "{body}");
    assert_eq!(conformance::code_in(&body).as_deref(), Some("000001"));
}

#[tokio::test]
async fn the_service_issues_and_verifies_over_smtp_and_redis() {
    let client = redis::Client::open(redis_url()).unwrap();
    let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
    let backends = Backends {
        codes: Arc::new(RedisCodeStore::new(conn, unique_name("email"))),
        mailer: Arc::new(sink_mailer()),
    };
    let service = EmailServiceImpl::new(Config::default(), backends);
    let email = conformance::fresh_email();
    service.issue_code(&email, "Ada").await.unwrap();
    let stored = wait_for_message_to(&maildir(), &email).await;
    let code = gochat_tests::mail::find_code(&stored.body).expect("a code in the mail");
    assert_eq!(
        service.check_code(&email, &code).await.unwrap(),
        VerificationOutcome::Verified
    );
    assert_eq!(
        service.check_code(&email, &code).await.unwrap(),
        VerificationOutcome::Invalid,
        "consumed"
    );
}

#[tokio::test]
async fn a_closed_smtp_port_is_unavailable_after_the_retries_in_bounded_time() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mailer = SmtpMailer::new(SmtpConfig {
        timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(3),
        ..SmtpConfig::new("127.0.0.1", port, SmtpTls::None)
    })
    .unwrap();
    let started = Instant::now();
    let got = mailer
        .send(&verification_mail("ada@example.org", "Ada", "123456"))
        .await;
    let took = started.elapsed();
    assert!(matches!(got, Err(MailError::Unavailable(_))), "{got:?}");
    assert!(
        took >= Duration::from_millis(600),
        "backed off 200 + 400 ms, took {took:?}"
    );
    assert!(took < Duration::from_secs(5), "bounded, took {took:?}");
    assert!(matches!(
        mailer.ping().await,
        Err(MailError::Unavailable(_))
    ));
}

#[tokio::test]
async fn implicit_tls_against_a_plain_server_fails_instead_of_sending_in_clear() {
    let mailer = SmtpMailer::new(SmtpConfig {
        tls: SmtpTls::Tls,
        timeout: Duration::from_secs(2),
        ..sink_config()
    })
    .unwrap();
    let to = conformance::fresh_email();
    let got = mailer.send(&verification_mail(&to, "Ada", "123456")).await;
    assert!(matches!(got, Err(MailError::Unavailable(_))), "{got:?}");
}
