use std::{collections::HashMap, sync::Arc};

use super::*;
use crate::{DEFAULT_FROM, mail::verification_mail};

/// Every file in the outbox, sorted by name.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

/// Splits a message into its headers (by name) and its body, asserting CRLF framing.
fn parse(raw: &str) -> (HashMap<String, String>, String) {
    assert!(
        !raw.replace("\r\n", "").contains(['\r', '\n']),
        "bare CR or LF in {raw:?}"
    );
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("blank line after the headers");
    let headers = head
        .split("\r\n")
        .map(|line| {
            let (name, value) = line.split_once(": ").expect("a `Name: value` header");
            (name.to_owned(), value.to_owned())
        })
        .collect();
    (headers, body.to_owned())
}

#[tokio::test]
async fn writes_one_parseable_eml_per_mail() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::open(tmp.path().join("outbox"), DEFAULT_FROM).unwrap();
    assert_eq!(mailer.dir(), tmp.path().join("outbox"));
    mailer
        .send(&verification_mail("ada@example.org", "Ada", "007007"))
        .await
        .unwrap();

    let written = files(mailer.dir());
    assert_eq!(written.len(), 1, "{written:?}");
    let name = written[0].file_name().unwrap().to_str().unwrap().to_owned();
    let (millis, rest) = name.split_once('-').unwrap();
    assert_eq!(millis.len(), 13);
    assert!(millis.bytes().all(|b| b.is_ascii_digit()));
    assert!(rest.ends_with(".eml"));
    assert!(uuid::Uuid::parse_str(rest.trim_end_matches(".eml")).is_ok());

    let (headers, body) = parse(&std::fs::read_to_string(&written[0]).unwrap());
    assert_eq!(headers["From"], "gochat <no-reply@gochat.local>");
    assert_eq!(headers["To"], "ada@example.org");
    assert_eq!(headers["Subject"], "Your gochat verification code");
    assert!(
        chrono::DateTime::parse_from_rfc2822(&headers["Date"]).is_ok(),
        "{}",
        headers["Date"]
    );
    assert!(headers["Message-ID"].starts_with('<'));
    assert!(headers["Message-ID"].ends_with("@gochat.local>"));
    assert_eq!(headers["MIME-Version"], "1.0");
    assert_eq!(headers["Content-Type"], "text/plain; charset=utf-8");
    assert_eq!(headers["Content-Transfer-Encoding"], "8bit");
    assert!(body.contains("Hello Ada,\r\n"));
    assert!(
        body.split("\r\n")
            .any(|l| l == "Your verification code is 007007")
    );
}

#[tokio::test]
async fn names_sort_by_time_and_no_temp_files_remain() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::open(tmp.path(), "Ops <ops@example.org>").unwrap();
    for i in 0..3 {
        let mail = OutgoingMail {
            to: "a@b.c".into(),
            subject: format!("n{i}"),
            text: "x".into(),
        };
        mailer.send(&mail).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let written = files(mailer.dir());
    assert_eq!(written.len(), 3);
    for (i, path) in written.iter().enumerate() {
        assert_eq!(path.extension().unwrap(), "eml");
        let (headers, _) = parse(&std::fs::read_to_string(path).unwrap());
        assert_eq!(headers["Subject"], format!("n{i}"));
        assert_eq!(headers["From"], "Ops <ops@example.org>");
        assert!(headers["Message-ID"].ends_with("@example.org>"));
    }
}

#[tokio::test]
async fn rejected_mail_leaves_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::open(tmp.path(), DEFAULT_FROM).unwrap();
    let evil = OutgoingMail {
        to: "a@b.c\r\nBcc: e@evil.test".into(),
        subject: "s".into(),
        text: "t".into(),
    };
    assert!(matches!(
        mailer.send(&evil).await,
        Err(MailError::Rejected(_))
    ));
    assert!(files(mailer.dir()).is_empty());
}

#[tokio::test]
async fn ping_fails_once_the_folder_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::open(tmp.path().join("outbox"), DEFAULT_FROM).unwrap();
    mailer.ping().await.unwrap();
    std::fs::remove_dir(mailer.dir()).unwrap();
    assert!(mailer.ping().await.is_err());
    let mail = OutgoingMail {
        to: "a@b.c".into(),
        subject: "s".into(),
        text: "t".into(),
    };
    assert!(matches!(
        mailer.send(&mail).await,
        Err(MailError::Unavailable(_))
    ));
}

#[test]
fn message_id_domain_comes_from_the_sender() {
    assert_eq!(domain_of("gochat <no-reply@gochat.local>"), "gochat.local");
    assert_eq!(domain_of("ops@example.org"), "example.org");
    assert_eq!(domain_of("no address"), "gochat.local");
    assert_eq!(domain_of("x <a@bad domain>"), "gochat.local");
}

#[tokio::test]
async fn passes_the_mailer_conformance_suite() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = Arc::new(OutboxMailer::open(tmp.path(), DEFAULT_FROM).unwrap());
    crate::conformance::mailer::run_all(mailer.clone()).await;
    assert_eq!(
        files(mailer.dir()).len(),
        2,
        "two good mails written, the rejected ones not"
    );
}
