//! The email service's metrics: mails handed over and mails that could not be.

use std::sync::LazyLock;

use gochat_telemetry::metrics;
use prometheus::{IntCounter, IntCounterVec};

use crate::mail::MailError;

static SENT: LazyLock<IntCounter> = LazyLock::new(|| {
    metrics::int_counter(
        "gochat_mails_sent_total",
        "Verification mails accepted by the mail transport (SMTP server or outbox).",
    )
});

static FAILED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::int_counter_vec(
        "gochat_mails_failed_total",
        "Verification mails that could not be sent, by reason (rejected, refused, unavailable).",
        &["reason"],
    )
});

/// Registers the counters (every reason at zero), so they are scraped before the first mail.
pub(crate) fn register() {
    LazyLock::force(&SENT);
    for reason in ["rejected", "refused", "unavailable"] {
        FAILED.with_label_values(&[reason]);
    }
}

/// Counts the outcome of one mail send.
pub(crate) fn count_mail(outcome: &Result<(), MailError>) {
    match outcome {
        Ok(()) => SENT.inc(),
        Err(e) => FAILED.with_label_values(&[reason(e)]).inc(),
    }
}

/// The `reason` label of a failed send.
fn reason(e: &MailError) -> &'static str {
    match e {
        MailError::Rejected(_) => "rejected",
        MailError::Refused(_) => "refused",
        MailError::Unavailable(_) => "unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_reason() {
        let sent = SENT.get();
        let refused = FAILED.with_label_values(&["refused"]).get();
        count_mail(&Ok(()));
        count_mail(&Err(MailError::Refused("550".into())));
        assert!(SENT.get() > sent);
        assert!(FAILED.with_label_values(&["refused"]).get() > refused);
        let text = gochat_telemetry::metrics::render().unwrap();
        assert!(
            text.contains("gochat_mails_failed_total{reason=\"refused\"}"),
            "{text}"
        );
        assert!(text.contains("gochat_mails_sent_total"), "{text}");
    }
}
