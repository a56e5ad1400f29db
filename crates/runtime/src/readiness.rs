//! Readiness: each backend a service depends on answers a cheap check.

use std::sync::Arc;

use async_trait::async_trait;

/// One thing that must answer for a process to be ready (a store, a queue, a peer).
#[async_trait]
pub trait ReadinessCheck: Send + Sync {
    /// Short name shown in `/readyz` output.
    fn name(&self) -> &str;
    /// `Ok` when the dependency answers; the error says what is wrong.
    async fn check(&self) -> Result<(), String>;
}

/// All checks of one process; ready when every one passes.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<Arc<dyn ReadinessCheck>>,
}

impl Readiness {
    /// No checks yet: ready.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a check.
    pub fn add(&mut self, check: Arc<dyn ReadinessCheck>) -> &mut Self {
        self.checks.push(check);
        self
    }

    /// Adds every check of another set.
    pub fn extend(&mut self, other: Readiness) -> &mut Self {
        self.checks.extend(other.checks);
        self
    }

    /// Runs every check; returns the failures as `(name, reason)`.
    pub async fn failures(&self) -> Vec<(String, String)> {
        let results = futures::future::join_all(self.checks.iter().map(|c| async move {
            let outcome = tokio::time::timeout(std::time::Duration::from_secs(2), c.check())
                .await
                .unwrap_or_else(|_| Err("timed out".to_owned()));
            (c.name().to_owned(), outcome)
        }))
        .await;
        results
            .into_iter()
            .filter_map(|(name, r)| r.err().map(|e| (name, e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str, Result<(), String>);

    #[async_trait]
    impl ReadinessCheck for Fixed {
        fn name(&self) -> &str {
            self.0
        }
        async fn check(&self) -> Result<(), String> {
            self.1.clone()
        }
    }

    #[tokio::test]
    async fn reports_only_failing_checks() {
        let mut r = Readiness::new();
        r.add(Arc::new(Fixed("store", Ok(()))));
        r.add(Arc::new(Fixed("queue", Err("down".into()))));
        assert_eq!(
            r.failures().await,
            vec![("queue".to_owned(), "down".to_owned())]
        );
    }
}
