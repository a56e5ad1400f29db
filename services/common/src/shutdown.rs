//! Cooperative shutdown: one token that every server and task of a process watches.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A shared shutdown signal. Cloning gives another handle on the same signal.
#[derive(Clone, Debug, Default)]
pub struct Shutdown(CancellationToken);

impl Shutdown {
    /// A signal that has not fired yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the signal for every holder.
    pub fn trigger(&self) {
        self.0.cancel();
    }

    /// Whether the signal has fired.
    pub fn is_triggered(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Completes once the signal has fired.
    pub async fn wait(&self) {
        self.0.cancelled().await;
    }

    /// An owned future that completes once the signal has fired (for `'static` APIs).
    pub fn wait_owned(&self) -> impl Future<Output = ()> + Send + 'static {
        self.0.clone().cancelled_owned()
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs `work` to completion, but gives up `deadline` after `shutdown` fires:
/// the drain step of a two-step shutdown. Returns `None` when the deadline cut it off.
pub async fn drain_with_deadline<F: Future>(
    work: F,
    shutdown: &Shutdown,
    deadline: Duration,
) -> Option<F::Output> {
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => return Some(out),
        _ = shutdown.wait() => {}
    }
    tokio::time::timeout(deadline, work).await.ok()
}
