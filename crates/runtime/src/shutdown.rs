//! Cooperative shutdown: one token that every server and task of a process watches.

use std::pin::Pin;

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

/// Fires `shutdown` on the first SIGTERM or SIGINT (Ctrl-C). The handlers are installed
/// before it returns, so a signal arriving any time later drains the process instead of
/// killing it. Must be called within a Tokio runtime.
pub fn trigger_on_signal(shutdown: Shutdown) {
    let signalled = installed_signals();
    tokio::spawn(async move {
        signalled.await;
        tracing::info!("shutdown signal received; draining");
        shutdown.trigger();
    });
}

/// Completes on SIGTERM or SIGINT, whose handlers are registered by this call (where that
/// fails, on Ctrl-C; never, if that cannot be listened for either).
fn installed_signals() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut interrupt)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            return Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = interrupt.recv() => {}
                }
            });
        }
    }
    Box::pin(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_sigterm_sent_right_after_installing_fires_the_shutdown() {
        let shutdown = Shutdown::new();
        trigger_on_signal(shutdown.clone());
        // Sent before the handling task has run once: the handler must already be in place,
        // or the default action ends this whole test process.
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        tokio::time::timeout(Duration::from_secs(5), shutdown.wait())
            .await
            .expect("the shutdown fires");
    }
}
