//! Sorting SMTP failures into "try again" and "final", and final ones into "the address
//! cannot receive mail" and "the transport is unusable".

use lettre::transport::smtp::Error as SmtpError;

use crate::mail::MailError;

/// What one failed try means.
#[derive(Debug)]
pub(super) enum Failure {
    /// Worth another try: connection errors, timeouts, 4xx replies.
    Transient(String),
    /// Trying again will not help.
    Final(MailError),
}

/// Classifies a failed try.
pub(super) fn classify(e: &SmtpError) -> Failure {
    if e.is_permanent() {
        let code = e.status().map(u16::from).unwrap_or(500);
        let text = std::error::Error::source(e)
            .map(ToString::to_string)
            .unwrap_or_default();
        let why = format!("the SMTP server answered {code} {text}");
        return Failure::Final(if is_recipient_refusal(code, &text) {
            MailError::Refused(why)
        } else {
            MailError::Unavailable(why)
        });
    }
    if e.is_client() || e.is_tls() {
        // Misconfiguration (no STARTTLS offered, no usable AUTH mechanism, a bad
        // certificate): the operator has to act, retrying now only adds delay.
        return Failure::Final(MailError::Unavailable(format!("SMTP setup failed: {e}")));
    }
    Failure::Transient(e.to_string())
}

/// Whether a permanent reply blames the recipient (the address cannot receive mail) rather
/// than the sender, the login or a policy. With an enhanced status code (RFC 3463) only
/// `5.1.0`-`5.1.6` (bad destination address) and `5.2.x` (mailbox status) count; without
/// one, the basic codes 550, 551 and 553 (mailbox unavailable / not local / name invalid).
fn is_recipient_refusal(code: u16, text: &str) -> bool {
    match enhanced_status(text) {
        Some((1, detail)) => detail <= 6,
        Some((2, _)) => true,
        Some(_) => false,
        None => matches!(code, 550 | 551 | 553),
    }
}

/// The `(subject, detail)` of a leading `5.S.D` enhanced status code.
fn enhanced_status(text: &str) -> Option<(u16, u16)> {
    let first = text.split_whitespace().next()?;
    let mut parts = first.split('.');
    let class = parts.next()?;
    let subject = parts.next()?.parse().ok()?;
    let detail = parts.next()?.parse().ok()?;
    (class == "5" && parts.next().is_none()).then_some((subject, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_refusals_are_told_apart_from_other_permanent_replies() {
        assert!(is_recipient_refusal(550, "5.1.1 <a@b.c>: user unknown"));
        assert!(is_recipient_refusal(552, "5.2.2 mailbox full"));
        assert!(is_recipient_refusal(550, "no such user"));
        assert!(is_recipient_refusal(553, ""));
        assert!(!is_recipient_refusal(550, "5.7.1 relaying denied"));
        assert!(!is_recipient_refusal(553, "5.1.8 bad sender domain"));
        assert!(!is_recipient_refusal(535, "5.7.8 authentication failed"));
        assert!(!is_recipient_refusal(554, "transaction failed"));
    }

    #[test]
    fn enhanced_codes_parse_only_when_well_formed() {
        assert_eq!(enhanced_status("5.1.1 user unknown"), Some((1, 1)));
        assert_eq!(enhanced_status("5.1 x"), None);
        assert_eq!(enhanced_status("4.1.1 later"), None);
        assert_eq!(enhanced_status("5.1.1.1 x"), None);
        assert_eq!(enhanced_status(""), None);
    }
}
