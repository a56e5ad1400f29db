//! The [`Mailer`] contract: well-formed mail is accepted, header injection is refused.

use std::sync::Arc;

use crate::{MailError, Mailer, OutgoingMail, conformance::fresh_email, verification_mail};

/// Runs every check of this suite against `mailer`.
pub async fn run_all(mailer: Arc<dyn Mailer>) {
    ping_answers(&mailer).await;
    accepts_a_verification_mail(&mailer).await;
    accepts_utf8_text(&mailer).await;
    refuses_line_breaks_in_headers(&mailer).await;
}

/// A healthy mailer answers its ping.
pub async fn ping_answers(mailer: &Arc<dyn Mailer>) {
    mailer.ping().await.unwrap();
}

/// The service's own mail goes out.
pub async fn accepts_a_verification_mail(mailer: &Arc<dyn Mailer>) {
    mailer
        .send(&verification_mail(&fresh_email(), "Ada", "123456"))
        .await
        .unwrap();
}

/// Non-ASCII names and text are fine (8bit UTF-8 body).
pub async fn accepts_utf8_text(mailer: &Arc<dyn Mailer>) {
    mailer
        .send(&verification_mail(
            &fresh_email(),
            "Zoë 😀 Ångström",
            "000001",
        ))
        .await
        .unwrap();
}

/// A line break in `To` or `Subject` would inject headers: refused as `Rejected`.
pub async fn refuses_line_breaks_in_headers(mailer: &Arc<dyn Mailer>) {
    let evil_to = OutgoingMail {
        to: format!("{}\r\nBcc: eve@evil.test", fresh_email()),
        subject: "s".into(),
        text: "t".into(),
    };
    let evil_subject = OutgoingMail {
        to: fresh_email(),
        subject: "s\nBcc: eve@evil.test".into(),
        text: "t".into(),
    };
    for mail in [evil_to, evil_subject] {
        assert!(
            matches!(mailer.send(&mail).await, Err(MailError::Rejected(_))),
            "{mail:?}"
        );
    }
}
