//! Turning an [`OutgoingMail`] into the message lettre sends: text/plain UTF-8 with To,
//! From, Subject, Date and Message-ID.

use lettre::{
    Message,
    message::{Mailbox, header::ContentType},
};

use crate::mail::{MailError, OutgoingMail, eml::check_header};

/// The message for `mail` from `from`, its Message-ID in `message_id_domain`. Header values
/// with control characters are `Rejected` (they would inject headers); a recipient that is
/// not an address is `Refused`.
pub(super) fn build(
    from: &Mailbox,
    mail: &OutgoingMail,
    message_id_domain: &str,
) -> Result<Message, MailError> {
    check_header("To", &mail.to)?;
    check_header("Subject", &mail.subject)?;
    let to: Mailbox = mail
        .to
        .trim()
        .parse()
        .map_err(|e| MailError::Refused(format!("the recipient is not an address: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.as_str())
        .date_now()
        .message_id(Some(format!(
            "<{}@{message_id_domain}>",
            uuid::Uuid::now_v7()
        )))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| MailError::Refused(format!("the mail cannot be formed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmlError, verification_mail};

    fn from() -> Mailbox {
        "gochat <no-reply@gochat.test>".parse().unwrap()
    }

    #[test]
    fn carries_the_headers_and_the_text() {
        let mail = verification_mail("ada@example.org", "Ada", "042917");
        let message = build(&from(), &mail, "gochat.test").unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        for wanted in [
            "From: gochat <no-reply@gochat.test>",
            "To: ada@example.org",
            "Subject: Your gochat verification code",
            "Content-Type: text/plain; charset=utf-8",
        ] {
            assert!(head.lines().any(|l| l == wanted), "{wanted:?} in {head}");
        }
        assert!(head.lines().any(|l| l.starts_with("Date: ")));
        let id = head
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap();
        assert!(id.starts_with('<') && id.ends_with("@gochat.test>"), "{id}");
        assert!(body.contains("Your verification code is 042917\r\n"));
        let envelope = message.envelope();
        assert_eq!(envelope.to().len(), 1);
        assert_eq!(envelope.to()[0].to_string(), "ada@example.org");
    }

    #[test]
    fn refuses_header_injection_and_non_addresses() {
        let evil = OutgoingMail {
            to: "a@b.c\r\nBcc: eve@evil.test".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        assert!(matches!(
            build(&from(), &evil, "x"),
            Err(MailError::Rejected(EmlError::ControlCharacter("To")))
        ));
        let not_an_address = OutgoingMail {
            to: "no-at-sign".into(),
            ..evil
        };
        assert!(matches!(
            build(&from(), &not_an_address, "x"),
            Err(MailError::Refused(_))
        ));
    }
}
