//! Reading the SMTP sink's Maildir (`tests/bed/smtp`): one file per accepted message in `new/`
//! (or `cur/` once a mail reader has seen it), named by the Maildir convention rather than
//! `*.eml`, with `Delivered-To:` lines for the envelope recipients.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Mail, list_dir, read_mails, wait_until_new};
use crate::HarnessError;

/// Mails in the Maildir `maildir` addressed to `email` (by `To` or `Delivered-To`,
/// case-insensitively), newest first. A missing Maildir is an empty one; dot files (a Maildir
/// reader's bookkeeping) are skipped.
pub fn mails_for(maildir: &Path, email: &str) -> Result<Vec<Mail>, HarnessError> {
    let mut files = Vec::new();
    for sub in ["new", "cur"] {
        for path in list_dir(&maildir.join(sub))? {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| n.starts_with('.'));
            if !hidden && path.is_file() {
                files.push(path);
            }
        }
    }
    read_mails(&files, email)
}

/// Waits (bounded by `timeout`) for a mail with a code to `email` that is not one of `seen`.
pub async fn wait_for_new_mail(
    maildir: &Path,
    email: &str,
    seen: &[PathBuf],
    timeout: Duration,
) -> Result<Mail, HarnessError> {
    wait_until_new(maildir, mails_for, email, seen, timeout).await
}

/// Waits (bounded by `timeout`) for any mail with a code to `email`; returns its code.
pub async fn wait_for_code(
    maildir: &Path,
    email: &str,
    timeout: Duration,
) -> Result<String, HarnessError> {
    let mail = wait_for_new_mail(maildir, email, &[], timeout).await?;
    mail.code
        .ok_or_else(|| HarnessError::Unexpected("mail without code".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a message the way the sink does: `Delivered-To` first, the mail as received after.
    fn deliver(maildir: &Path, name: &str, rcpt: &str, to: &str, code: &str) {
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        let raw = format!(
            "Return-Path: <no-reply@gochat.local>\r\nDelivered-To: {rcpt}\r\nFrom: gochat <no-reply@gochat.local>\r\nTo: {to}\r\nSubject: Your gochat code\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nYour code is {code}.=\r\n\r\n"
        );
        std::fs::write(maildir.join("new").join(name), raw).unwrap();
    }

    #[test]
    fn reads_maildir_files_by_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        deliver(
            &maildir,
            "1732.M1P2Q1.host",
            "alice@example.com",
            "Alice <alice@example.com>",
            "123456",
        );
        deliver(
            &maildir,
            "1732.M1P2Q2.host",
            "bob@example.com",
            "bob@example.com",
            "654321",
        );
        std::fs::write(
            maildir.join("new").join(".hidden"),
            "To: alice@example.com\r\n\r\n999999",
        )
        .unwrap();
        let alice = mails_for(&maildir, "ALICE@example.com").unwrap();
        assert_eq!(alice.len(), 1);
        assert_eq!(alice[0].code.as_deref(), Some("123456"));
        let bob = mails_for(&maildir, "bob@example.com").unwrap();
        assert_eq!(bob[0].code.as_deref(), Some("654321"));
        assert!(mails_for(&maildir, "carol@example.com").unwrap().is_empty());
    }

    #[test]
    fn envelope_recipient_alone_is_enough() {
        let dir = tempfile::tempdir().unwrap();
        deliver(
            dir.path(),
            "1.M1",
            "dora@example.com",
            "undisclosed-recipients:;",
            "112233",
        );
        let mails = mails_for(dir.path(), "dora@example.com").unwrap();
        assert_eq!(mails[0].code.as_deref(), Some("112233"));
    }

    #[tokio::test]
    async fn waiting_for_a_missing_maildir_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let waited = wait_for_code(
            &dir.path().join("absent"),
            "a@example.com",
            Duration::from_millis(120),
        )
        .await;
        assert!(
            matches!(waited, Err(HarnessError::Timeout { .. })),
            "{waited:?}"
        );
    }
}
