//! A redis-server of the test's own on a free loopback port, to stop and start at will
//! (the shared test Redis is never touched).

use std::{
    net::TcpListener,
    process::Stdio,
    time::{Duration, Instant},
};

use tokio::process::{Child, Command};

/// One private redis-server; stopped when dropped.
pub struct ThrowawayRedis {
    pub port: u16,
    child: Option<Child>,
}

impl ThrowawayRedis {
    /// Starts a server on a free port and waits until it answers.
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Self { port, child: None };
        server.restart().await;
        server
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server again on the same port (after [`Self::stop`]).
    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server on PATH (Debian's redis-server package)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the server (its data is gone: it keeps nothing on disk).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill our redis-server");
        }
    }
}
