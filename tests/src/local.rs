//! `gochat local` as a child process: started on a free port, awaited until ready, stopped
//! politely (SIGTERM) and killed if it will not go, or when the test drops it.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::logfile::LogFile;
use crate::{HarnessError, binary};

/// How long a fresh process may take to answer `GET /readyz` with 200.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a process may take to exit after SIGTERM before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// How often process state and readiness are polled.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// A running `gochat local` serving the public API on a loopback port.
#[derive(Debug)]
pub struct GochatLocal {
    child: Option<Child>,
    addr: SocketAddr,
    data_dir: PathBuf,
    log: LogFile,
}

impl GochatLocal {
    /// Starts `gochat local` on a free loopback port with state in `data_dir` and waits (bounded
    /// by [`READY_TIMEOUT`]) until `GET /readyz` answers 200.
    pub async fn start(data_dir: &Path) -> Result<Self, HarnessError> {
        Self::start_run(data_dir, 1).await
    }

    /// Starts run number `run` on `data_dir` (the number only labels the log).
    pub async fn start_run(data_dir: &Path, run: u32) -> Result<Self, HarnessError> {
        let bin = binary::locate()?;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| HarnessError::io(format!("create {}", data_dir.display()), e))?;
        let addr = free_loopback_addr()?;
        let log = LogFile::in_dir(data_dir);
        let mut command = Command::new(&bin);
        command
            .arg("local")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data_dir)
            .stdin(Stdio::null());
        let (out, err) = log.open_for_run(run, &format!("{command:?}"))?;
        command.stdout(out).stderr(err);
        let child = command
            .spawn()
            .map_err(|e| HarnessError::io(format!("spawn {}", bin.display()), e))?;
        let mut server = Self {
            child: Some(child),
            addr,
            data_dir: data_dir.to_path_buf(),
            log,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:<port>/api/v1/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/api/v1/ws", self.addr)
    }

    /// Where local mode writes mail: `<data-dir>/outbox`.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// The data dir this process was started on.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The end of the process log, for failure reports.
    pub fn log_tail(&self) -> String {
        self.log.tail()
    }

    /// Stops the process: SIGTERM, a bounded wait ([`STOP_TIMEOUT`]), then SIGKILL. Returns
    /// whether it exited on its own after SIGTERM.
    pub async fn stop(&mut self) -> Result<bool, HarnessError> {
        let Some(mut child) = self.child.take() else {
            return Ok(true);
        };
        if child
            .try_wait()
            .map_err(|e| HarnessError::io("poll gochat", e))?
            .is_some()
        {
            return Ok(true);
        }
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .map_err(|e| HarnessError::io("run kill -TERM", e))?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while sent.success() && Instant::now() < deadline {
            if child
                .try_wait()
                .map_err(|e| HarnessError::io("poll gochat", e))?
                .is_some()
            {
                return Ok(true);
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        kill_and_reap(&mut child);
        Ok(false)
    }

    async fn wait_ready(&mut self) -> Result<(), HarnessError> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| HarnessError::Unexpected(format!("HTTP client: {e}")))?;
        let url = format!("{}/readyz", self.base_url());
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child
                    .try_wait()
                    .map_err(|e| HarnessError::io("poll gochat", e))?
            {
                self.child = None;
                return Err(HarnessError::Exited {
                    status: status.to_string(),
                    log: self.log.tail(),
                });
            }
            let last = match client.get(&url).send().await {
                Ok(resp) if resp.status().as_u16() == 200 => return Ok(()),
                Ok(resp) => format!("HTTP {}", resp.status()),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                return Err(HarnessError::NotReady {
                    seconds: READY_TIMEOUT.as_secs(),
                    last,
                    log: self.log.tail(),
                });
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

impl Drop for GochatLocal {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_and_reap(&mut child);
        }
        if std::thread::panicking() {
            eprintln!(
                "----- gochat log ({}) -----\n{}\n----- end of gochat log -----",
                self.log.path().display(),
                self.log.tail()
            );
        }
    }
}

/// SIGKILL and reap, ignoring a process that is already gone.
fn kill_and_reap(child: &mut Child) {
    let _already_gone = child.kill();
    let _status = child.wait();
}

/// A loopback address with a port that was free a moment ago (bound to port 0, then released).
pub fn free_loopback_addr() -> Result<SocketAddr, HarnessError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| HarnessError::io("bind 127.0.0.1:0", e))?;
    listener
        .local_addr()
        .map_err(|e| HarnessError::io("read bound address", e))
}
