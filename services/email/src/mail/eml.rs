//! Rendering a mail as one RFC 5322 message: headers, blank line, body, CRLF throughout.
//! Header values may be UTF-8 (RFC 6532) but never contain control characters.

use chrono::{DateTime, Utc};

use super::OutgoingMail;

/// RFC 5322's hard limit on a line, in octets, without its CRLF.
const MAX_LINE: usize = 998;

/// A mail that cannot be written as a well-formed message.
#[derive(Debug, thiserror::Error)]
pub enum EmlError {
    /// A header value contains a control character (a line break would inject headers).
    #[error("the {0} header contains a control character")]
    ControlCharacter(&'static str),
    /// A required header value is empty.
    #[error("the {0} header is empty")]
    Empty(&'static str),
}

/// The message for `mail` from `from`, dated `date`, with `message_id` (without brackets).
pub fn render_eml(
    from: &str,
    mail: &OutgoingMail,
    date: DateTime<Utc>,
    message_id: &str,
) -> Result<String, EmlError> {
    let headers = [
        ("From", from),
        ("To", mail.to.as_str()),
        ("Subject", mail.subject.as_str()),
        ("Message-ID", message_id),
    ];
    for (name, value) in headers {
        check_header(name, value)?;
    }
    let mut out = String::with_capacity(512 + mail.text.len());
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    };
    header("From", from);
    header("To", &mail.to);
    header("Subject", &mail.subject);
    header("Date", &date.to_rfc2822());
    header("Message-ID", &format!("<{message_id}>"));
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=utf-8");
    header("Content-Transfer-Encoding", "8bit");
    out.push_str("\r\n");
    push_body(&mut out, &mail.text);
    Ok(out)
}

/// Refuses an empty header value or one with a control character.
pub(super) fn check_header(name: &'static str, value: &str) -> Result<(), EmlError> {
    if value.trim().is_empty() {
        return Err(EmlError::Empty(name));
    }
    if value.chars().any(char::is_control) {
        return Err(EmlError::ControlCharacter(name));
    }
    Ok(())
}

/// Appends `text` with every line ending as CRLF and no line over [`MAX_LINE`] octets.
fn push_body(out: &mut String, text: &str) {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.strip_suffix('\n').unwrap_or(&text);
    for line in text.split('\n') {
        let mut rest = line;
        while rest.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n");
            rest = &rest[cut..];
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests;
