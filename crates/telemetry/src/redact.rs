//! Keeping secrets and personal data out of log lines: the log formatters replace the value
//! of any field whose name says it holds a secret (password, token, secret, verification
//! code, email, ...) and mask email addresses inside every other text value, such as an SMTP
//! server's error message that quotes the recipient.

use std::borrow::Cow;

/// What a redacted value is written as.
pub const REDACTED: &str = "[redacted]";
/// What an email address inside a text is replaced by.
pub const EMAIL_MASK: &str = "[email]";

/// Name parts (split at `.`, `_` and `-`, case-insensitive) that mark a field as secret.
const SECRET_PARTS: &[&str] = &[
    "authorization",
    "cookie",
    "credentials",
    "email",
    "otp",
    "passwd",
    "password",
    "secret",
    "token",
];

/// Whether a field named `name` may hold a secret or personal data, so its value is never
/// written. `code` alone is not one (gRPC and HTTP status codes use it);
/// `verification_code` is.
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with("verification_code")
        || lower
            .split(['.', '_', '-'])
            .any(|part| SECRET_PARTS.contains(&part))
}

/// The text to log for the field `name`: [`REDACTED`] for a secret field, the text with
/// email addresses masked otherwise.
pub fn field_text<'a>(name: &str, text: &'a str) -> Cow<'a, str> {
    if is_secret_field(name) {
        Cow::Borrowed(REDACTED)
    } else {
        mask_emails(text)
    }
}

/// `text` with every email address (`local@domain.tld`) replaced by [`EMAIL_MASK`];
/// borrowed, without copying, when there is none.
pub fn mask_emails(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut found = false;
    for (at, _) in text.match_indices('@') {
        if at < copied {
            continue;
        }
        let start = (copied..at)
            .rev()
            .take_while(|&i| is_local_byte(bytes[i]))
            .last()
            .unwrap_or(at);
        let end = (at + 1..bytes.len())
            .take_while(|&i| is_domain_byte(bytes[i]))
            .last()
            .map_or(at + 1, |i| i + 1);
        let domain = text[at + 1..end].trim_end_matches(['.', '-']);
        let end = at + 1 + domain.len();
        if start < at && domain.contains('.') && !domain.starts_with('.') {
            out.push_str(&text[copied..start]);
            out.push_str(EMAIL_MASK);
            copied = end;
            found = true;
        }
    }
    if !found {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-'".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_field_names_are_recognised() {
        for name in [
            "password",
            "new_password",
            "access_token",
            "refresh-token",
            "http.request.header.authorization",
            "client_secret",
            "email",
            "recipient_email",
            "verification_code",
            "Token",
        ] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in [
            "code",
            "status_code",
            "rpc.grpc.status_code",
            "account_id",
            "session_id",
            "message",
            "error",
            "tokenizer_ratio",
        ] {
            assert!(!is_secret_field(name), "{name}");
        }
    }

    #[test]
    fn secret_fields_are_redacted_whole() {
        assert_eq!(field_text("password", "hunter2"), REDACTED);
        assert_eq!(field_text("error", "plain words"), "plain words");
    }

    #[test]
    fn email_addresses_are_masked_in_any_text() {
        assert_eq!(
            mask_emails("550 5.1.1 <ada.l+x@mail.example.org>: no such user"),
            "550 5.1.1 <[email]>: no such user"
        );
        assert_eq!(
            mask_emails("to a@b.io and c_d@e.example."),
            "to [email] and [email]."
        );
        assert!(matches!(mask_emails("no address"), Cow::Borrowed(_)));
        assert_eq!(
            mask_emails("user@localhost is not one"),
            "user@localhost is not one"
        );
        assert_eq!(mask_emails("@ alone, x@ y, @y.z"), "@ alone, x@ y, @y.z");
    }
}
