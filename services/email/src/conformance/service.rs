//! The service's behaviour over a given [`CodeStore`], mail captured in memory.

use std::sync::Arc;

use gochat_proto::email::v1::VerificationOutcome;
use gochat_proto::error::ErrorCode;
use tonic::Code;

use crate::{
    Backends, CodeStore, Config, EmailServiceImpl, SUBJECT,
    conformance::{CapturingMailer, ManualClock, fresh_email},
};

const START_MS: i64 = 1_700_000_000_000;

/// A service over the store under test, with its captured mail and hand-moved clock.
pub struct Harness {
    /// The service.
    pub service: EmailServiceImpl,
    /// Every mail it sent.
    pub mailer: Arc<CapturingMailer>,
    /// Its clock.
    pub clock: ManualClock,
}

impl Harness {
    /// A default-configured service over `store`.
    pub fn new(store: Arc<dyn CodeStore>) -> Self {
        let mailer = Arc::new(CapturingMailer::default());
        let clock = ManualClock::new(START_MS);
        let backends = Backends {
            codes: store,
            mailer: mailer.clone(),
        };
        let service = EmailServiceImpl::new(Config::default(), backends).with_clock(clock.clock());
        Self {
            service,
            mailer,
            clock,
        }
    }

    /// Issues a code to `email` and returns it as mailed.
    pub async fn issue(&self, email: &str) -> String {
        self.service.issue_code(email, "Ada").await.unwrap();
        self.mailer
            .last_code_for(email)
            .expect("a mail with a code")
    }

    /// Checks `code` for `email`.
    pub async fn check(&self, email: &str, code: &str) -> VerificationOutcome {
        self.service.check_code(email, code).await.unwrap()
    }
}

/// A six-digit code other than `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap_or(0);
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Runs every check of this suite against `store`.
pub async fn run_all(store: Arc<dyn CodeStore>) {
    mail_carries_the_code(&store).await;
    a_code_verifies_once(&store).await;
    a_new_code_kills_the_old_one(&store).await;
    codes_expire(&store).await;
    wrong_tries_are_limited(&store).await;
    malformed_codes_count_as_tries(&store).await;
    unknown_address_is_invalid(&store).await;
    addresses_are_normalized(&store).await;
    sends_are_rate_limited(&store).await;
    unmailable_addresses_are_refused(&store).await;
}

/// The mail goes to the address with the fixed subject and a 6-digit code.
pub async fn mail_carries_the_code(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let email = fresh_email();
    let code = h.issue(&email).await;
    assert!(crate::is_well_formed(&code), "{code:?}");
    let mail = h.mailer.sent().pop().unwrap();
    assert_eq!(
        (mail.to.as_str(), mail.subject.as_str()),
        (email.as_str(), SUBJECT)
    );
    assert!(mail.text.contains("Hello Ada,"));
}

/// The right code verifies, and only once.
pub async fn a_code_verifies_once(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let email = fresh_email();
    let code = h.issue(&email).await;
    assert_eq!(h.check(&email, &code).await, VerificationOutcome::Verified);
    assert_eq!(h.check(&email, &code).await, VerificationOutcome::Invalid);
}

/// Issuing again replaces the code: the old one is invalid, the new one verifies.
pub async fn a_new_code_kills_the_old_one(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let email = fresh_email();
    let old = h.issue(&email).await;
    let mut new = h.issue(&email).await;
    while new == old {
        new = h.issue(&email).await; // one chance in a million
    }
    assert_eq!(h.check(&email, &old).await, VerificationOutcome::Invalid);
    assert_eq!(h.check(&email, &new).await, VerificationOutcome::Verified);
}

/// A code works until its lifetime ends and is EXPIRED from then on.
pub async fn codes_expire(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let ttl = i64::try_from(Config::default().code_ttl.as_millis()).unwrap();
    let (early, late) = (fresh_email(), fresh_email());
    let early_code = h.issue(&early).await;
    let late_code = h.issue(&late).await;
    h.clock.advance(ttl - 1);
    assert_eq!(
        h.check(&early, &early_code).await,
        VerificationOutcome::Verified
    );
    h.clock.advance(1);
    assert_eq!(
        h.check(&late, &late_code).await,
        VerificationOutcome::Expired
    );
    assert_eq!(
        h.check(&late, &other_than(&late_code)).await,
        VerificationOutcome::Expired
    );
}

/// Five wrong tries answer INVALID; from the sixth on even the right code is refused.
pub async fn wrong_tries_are_limited(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let email = fresh_email();
    let code = h.issue(&email).await;
    for _ in 0..5 {
        assert_eq!(
            h.check(&email, &other_than(&code)).await,
            VerificationOutcome::Invalid
        );
    }
    assert_eq!(
        h.check(&email, &code).await,
        VerificationOutcome::TooManyAttempts
    );
    assert_eq!(
        h.check(&email, &code).await,
        VerificationOutcome::TooManyAttempts
    );
    let fresh = h.issue(&email).await;
    assert_eq!(
        h.check(&email, &fresh).await,
        VerificationOutcome::Verified,
        "a new code resets"
    );
}

/// Guesses that are not six digits are still guesses.
pub async fn malformed_codes_count_as_tries(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let email = fresh_email();
    let code = h.issue(&email).await;
    let long = "9".repeat(10_000);
    for bad in ["", "12345", "abcdef", "1234567", long.as_str()] {
        assert_eq!(
            h.check(&email, bad).await,
            VerificationOutcome::Invalid,
            "{bad:?}"
        );
    }
    assert_eq!(
        h.check(&email, &code).await,
        VerificationOutcome::TooManyAttempts
    );
}

/// No code for the address, or no address at all: INVALID.
pub async fn unknown_address_is_invalid(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    assert_eq!(
        h.check(&fresh_email(), "123456").await,
        VerificationOutcome::Invalid
    );
    assert_eq!(h.check("", "123456").await, VerificationOutcome::Invalid);
    assert_eq!(h.check("   ", "").await, VerificationOutcome::Invalid);
}

/// Addresses are trimmed and lower-cased on the way in, for sending and for checking.
pub async fn addresses_are_normalized(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let email = fresh_email();
    h.service
        .issue_code(&format!("  {}\n", email.to_uppercase()), "Ada")
        .await
        .unwrap();
    assert_eq!(
        h.mailer.count_to(&email),
        1,
        "mail goes to the normalized address"
    );
    let code = h.mailer.last_code_for(&email).unwrap();
    assert_eq!(
        h.check(&format!(" {}", email.to_uppercase()), &code).await,
        VerificationOutcome::Verified
    );
}

/// Twenty codes an hour per address; the next is refused without mail and without killing
/// the current code; the next hour allows sending again.
pub async fn sends_are_rate_limited(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    let (email, other) = (fresh_email(), fresh_email());
    let limit = Config::default().max_codes_per_hour;
    let mut code = String::new();
    for _ in 0..limit {
        code = h.issue(&email).await;
        h.clock.advance(1_000);
    }
    let err = h.service.issue_code(&email, "Ada").await.unwrap_err();
    assert_eq!(
        tonic::Status::from(err.clone()).code(),
        Code::ResourceExhausted
    );
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(h.mailer.count_to(&email), usize::try_from(limit).unwrap());
    h.issue(&other).await;
    assert_eq!(
        h.check(&email, &code).await,
        VerificationOutcome::Verified,
        "still the live code"
    );
    h.clock.advance(60 * 60 * 1000);
    h.issue(&email).await;
}

/// Addresses that cannot be mailed are refused as `invalid_email`, sending nothing.
pub async fn unmailable_addresses_are_refused(store: &Arc<dyn CodeStore>) {
    let h = Harness::new(Arc::clone(store));
    for bad in ["", "no-at-sign", "a@b.c\r\nBcc: e@evil.test"] {
        let err = h.service.issue_code(bad, "Ada").await.unwrap_err();
        assert_eq!(
            tonic::Status::from(err.clone()).code(),
            Code::InvalidArgument,
            "{bad:?}"
        );
        assert_eq!(err.code(), ErrorCode::InvalidEmail);
    }
    assert!(h.mailer.sent().is_empty());
}
