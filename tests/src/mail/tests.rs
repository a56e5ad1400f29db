use std::time::Duration;

use super::*;

fn write_mail(dir: &Path, name: &str, to: &str, code: &str) {
    let raw = format!(
        "From: gochat <noreply@gochat.local>\r\nTo: {to}\r\nSubject: Your gochat code\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour code is {code}.\r\n"
    );
    std::fs::write(dir.join(name), raw).unwrap();
}

#[test]
fn picks_mails_to_the_recipient_only() {
    let dir = tempfile::tempdir().unwrap();
    write_mail(dir.path(), "1.eml", "Alice <Alice@Example.com>", "111111");
    write_mail(dir.path(), "2.eml", "bob@example.com", "222222");
    std::fs::write(
        dir.path().join("note.txt"),
        "To: alice@example.com\r\n\r\n333333",
    )
    .unwrap();
    assert_eq!(
        latest_code_for(dir.path(), "alice@example.com"),
        Some("111111".into())
    );
    assert_eq!(
        latest_code_for(dir.path(), "bob@example.com"),
        Some("222222".into())
    );
    assert_eq!(latest_code_for(dir.path(), "carol@example.com"), None);
}

#[test]
fn missing_outbox_has_no_code() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        latest_code_for(&dir.path().join("outbox"), "a@example.com"),
        None
    );
}

#[tokio::test]
async fn waits_for_a_mail_not_seen_before() {
    let dir = tempfile::tempdir().unwrap();
    write_mail(dir.path(), "1.eml", "alice@example.com", "111111");
    let first = wait_for_new_mail(dir.path(), "alice@example.com", &[], Duration::from_secs(1))
        .await
        .unwrap();
    let seen = vec![first.path.clone()];
    let outbox = dir.path().to_path_buf();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        write_mail(&outbox, "2.eml", "alice@example.com", "444444");
    });
    let fresh = wait_for_new_mail(
        dir.path(),
        "alice@example.com",
        &seen,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    writer.await.unwrap();
    assert_eq!(fresh.code.as_deref(), Some("444444"));
}

#[tokio::test]
async fn waiting_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let waited = wait_for_code(dir.path(), "a@example.com", Duration::from_millis(120)).await;
    assert!(
        matches!(waited, Err(HarnessError::Timeout { .. })),
        "{waited:?}"
    );
}
