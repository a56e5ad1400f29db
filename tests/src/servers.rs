//! The real servers of the backend and system tiers. `scripts/test backend` (and `system`)
//! provisions and starts them, then passes their addresses in `GOCHAT_TEST_*` variables; a
//! test run without them fails with a message saying how to run it, never skips.

use std::sync::atomic::{AtomicU64, Ordering};

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: this test needs the real servers that `scripts/test backend` \
             starts (run that instead of cargo test directly)"
        )
    })
}

/// `redis://127.0.0.1:PORT/` of the test Redis.
pub fn redis_url() -> String {
    required("GOCHAT_TEST_REDIS_URL")
}

/// `127.0.0.1:PORT` of the test CQL server (Cassandra, standing in for ScyllaDB).
pub fn cql_node() -> String {
    required("GOCHAT_TEST_CQL_NODE")
}

/// `127.0.0.1:PORT` of the test SMTP sink.
pub fn smtp_addr() -> String {
    required("GOCHAT_TEST_SMTP_ADDR")
}

/// The Maildir where the SMTP sink writes every message it accepts.
pub fn maildir() -> std::path::PathBuf {
    required("GOCHAT_TEST_MAILDIR").into()
}

/// A name unique to this test process and call, usable as a CQL keyspace or a Redis key
/// prefix, so tests sharing one server never see each other's data.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A redis-server of one test's own on a free loopback port, to kill and restart at will for
/// outage tests (the shared test Redis is never touched). Killed when dropped.
pub struct ThrowawayRedis {
    port: u16,
    dir: tempfile::TempDir,
    persistent: bool,
    child: Option<std::process::Child>,
}

impl ThrowawayRedis {
    /// Starts a server and waits until it answers PING. With `persistent`, every write is
    /// fsynced to an append-only file, so a restart keeps the data.
    pub async fn start(persistent: bool) -> Self {
        let port = crate::free_loopback_addr()
            .expect("a free loopback port")
            .port();
        let mut server = Self {
            port,
            dir: tempfile::TempDir::new().expect("a temp dir"),
            persistent,
            child: None,
        };
        server.restart().await;
        server
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the process (again) on the same port and directory; waits for PONG (10 s).
    pub async fn restart(&mut self) {
        let appendonly = if self.persistent { "yes" } else { "no" };
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                appendonly,
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("starting redis-server (Debian package redis-server)");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !pong(self.port).await {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server on port {} did not answer PING",
                self.port
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// Kills the process (SIGKILL: a crash, not a clean shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether a Redis on `port` answers PING with PONG (not LOADING or an error).
async fn pong(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    if stream.write_all(b"PING\r\n").await.is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    matches!(
        tokio::time::timeout(
            std::time::Duration::from_secs(1),
            stream.read_exact(&mut reply)
        )
        .await,
        Ok(Ok(_))
    ) && &reply == b"+PONG\r\n"
}
