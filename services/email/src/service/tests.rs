use async_trait::async_trait;
use gochat_proto::error::ErrorCode;

use super::*;
use crate::{
    OutgoingMail, RedbCodeStore, SALT_LEN,
    conformance::{self, CapturingMailer, ManualClock, fresh_email},
};

fn redb_store(dir: &tempfile::TempDir) -> Arc<dyn CodeStore> {
    Arc::new(RedbCodeStore::open(&dir.path().join("email.redb")).unwrap())
}

#[tokio::test]
async fn passes_the_service_conformance_suite_over_redb() {
    let dir = tempfile::tempdir().unwrap();
    conformance::service::run_all(redb_store(&dir)).await;
}

/// A mailer that always fails to hand mail over.
struct DownMailer;

#[async_trait]
impl Mailer for DownMailer {
    async fn send(&self, _: &OutgoingMail) -> Result<(), MailError> {
        Err(MailError::Unavailable("smtp down".into()))
    }
    async fn ping(&self) -> Result<(), MailError> {
        Err(MailError::Unavailable("smtp down".into()))
    }
}

/// A store whose backend is unreachable.
struct DownStore;

#[async_trait]
impl CodeStore for DownStore {
    async fn put(&self, _: &str, _: &CodeRecord) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn get(&self, _: &str) -> Result<Option<CodeRecord>, StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn count_attempt(&self, _: &str) -> Result<Option<CodeRecord>, StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn consume(&self, _: &str, _: &[u8; SALT_LEN]) -> Result<bool, StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn count_send(&self, _: &str, _: i64, _: i64) -> Result<u32, StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn ping(&self) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
}

#[tokio::test]
async fn mailer_failure_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let backends = Backends {
        codes: redb_store(&dir),
        mailer: Arc::new(DownMailer),
    };
    let service = EmailServiceImpl::new(Config::default(), backends);
    let err = service.issue_code(&fresh_email(), "Ada").await.unwrap_err();
    assert_eq!(
        tonic::Status::from(err.clone()).code(),
        tonic::Code::Unavailable
    );
    assert_eq!(err.code(), ErrorCode::Unavailable);
}

#[tokio::test]
async fn store_failure_is_unavailable_for_both_calls() {
    let mailer = Arc::new(CapturingMailer::default());
    let backends = Backends {
        codes: Arc::new(DownStore),
        mailer: mailer.clone(),
    };
    let service = EmailServiceImpl::new(Config::default(), backends);
    let err = service
        .issue_code("ada@example.org", "Ada")
        .await
        .unwrap_err();
    assert_eq!(
        tonic::Status::from(err.clone()).code(),
        tonic::Code::Unavailable
    );
    let err = service
        .check_code("ada@example.org", "123456")
        .await
        .unwrap_err();
    assert_eq!(
        tonic::Status::from(err.clone()).code(),
        tonic::Code::Unavailable
    );
    assert!(!err.to_string().contains("123456"));
    assert!(mailer.sent().is_empty());
}

#[tokio::test]
async fn limits_follow_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Arc::new(CapturingMailer::default());
    let clock = ManualClock::new(0);
    let config = Config {
        code_ttl: std::time::Duration::from_secs(60),
        max_attempts: 2,
        max_codes_per_hour: 3,
        ..Config::default()
    };
    let backends = Backends {
        codes: redb_store(&dir),
        mailer: mailer.clone(),
    };
    let service = EmailServiceImpl::new(config, backends).with_clock(clock.clock());
    let email = fresh_email();

    for _ in 0..3 {
        service.issue_code(&email, "Ada").await.unwrap();
    }
    let err = service.issue_code(&email, "Ada").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);

    let code = mailer.last_code_for(&email).unwrap();
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..2 {
        assert_eq!(
            service.check_code(&email, wrong).await.unwrap(),
            VerificationOutcome::Invalid
        );
    }
    assert_eq!(
        service.check_code(&email, &code).await.unwrap(),
        VerificationOutcome::TooManyAttempts
    );

    clock.advance(3_600_000);
    service.issue_code(&email, "Ada").await.unwrap();
    let code = mailer.last_code_for(&email).unwrap();
    clock.advance(60_000);
    assert_eq!(
        service.check_code(&email, &code).await.unwrap(),
        VerificationOutcome::Expired
    );
}

#[tokio::test]
async fn stored_record_holds_a_hash_and_the_configured_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let store = redb_store(&dir);
    let mailer = Arc::new(CapturingMailer::default());
    let clock = ManualClock::new(1_000_000);
    let backends = Backends {
        codes: Arc::clone(&store),
        mailer: mailer.clone(),
    };
    let service = EmailServiceImpl::new(Config::default(), backends).with_clock(clock.clock());
    service.issue_code("ada@example.org", "Ada").await.unwrap();
    let code = mailer.last_code_for("ada@example.org").unwrap();
    let record = store.get("ada@example.org").await.unwrap().unwrap();
    assert_eq!(record.expires_at_ms, 1_000_000 + 15 * 60 * 1000);
    assert_eq!(record.attempts, 0);
    assert!(record.hash.matches(&code));
}
