//! `tests/system/cluster` driven from Rust: a distributed gochat (email, auth, chat, two
//! gateways, Redis, Cassandra, an SMTP sink) on a temporary state dir, parts killed, stopped
//! and started by name, and always taken down when the value drops, also when a test panics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::{HarnessError, binary};

/// How long `cluster up` may take (provisioning, Cassandra's start, the schema, readiness).
pub const UP_TIMEOUT: Duration = Duration::from_secs(600);
/// How long `kill`, `stop`, `start` or `down` of one part may take.
pub const PART_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a readiness probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A process or server of the cluster, as the script names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The first gateway (its URL is `gateway_urls()[0]`).
    Gw1,
    /// The second gateway (`gateway_urls()[1]`).
    Gw2,
    /// The email service.
    Email,
    /// The auth service.
    Auth,
    /// The chat service (the replica the gateways use).
    Chat,
    /// A second chat replica, which no gateway uses (its URL is `CHAT2_GRPC_URL`).
    Chat2,
    /// The Redis server.
    Redis,
    /// The CQL server (Cassandra standing in for ScyllaDB).
    Cql,
    /// The SMTP sink.
    Smtp,
}

impl Part {
    /// The gochat processes, each with an ops URL.
    pub const SERVICES: [Part; 6] = [
        Part::Email,
        Part::Auth,
        Part::Chat,
        Part::Chat2,
        Part::Gw1,
        Part::Gw2,
    ];

    /// The name the script takes.
    pub fn name(self) -> &'static str {
        match self {
            Part::Gw1 => "gw1",
            Part::Gw2 => "gw2",
            Part::Email => "email",
            Part::Auth => "auth",
            Part::Chat => "chat",
            Part::Chat2 => "chat2",
            Part::Redis => "redis",
            Part::Cql => "cql",
            Part::Smtp => "smtp",
        }
    }
}

/// A running cluster; `Drop` runs `cluster down` (and prints every log tail when panicking).
#[derive(Debug)]
pub struct Cluster {
    script: PathBuf,
    bin: PathBuf,
    dir: Option<TempDir>,
    state_dir: PathBuf,
    values: BTreeMap<String, String>,
    /// The log filter of every gochat process (`GOCHAT_LOG`).
    log_filter: String,
    is_down: bool,
}

impl Cluster {
    /// Starts a cluster on a fresh temporary state dir and waits until it is ready.
    pub async fn up() -> Result<Self, HarnessError> {
        Self::start_cluster(false, "info").await
    }

    /// [`Cluster::up`] with the observability opt-in (`cluster up --observability`): an
    /// OpenTelemetry Collector writing `TRACES_FILE`, Prometheus at `PROMETHEUS_URL` scraping
    /// every gochat process, and `OTEL_*` variables given to every gochat process.
    pub async fn up_observed() -> Result<Self, HarnessError> {
        Self::start_cluster(true, "info").await
    }

    /// Like [`Cluster::up_observed`], every gochat process logging at `log_filter`
    /// (`GOCHAT_LOG`, e.g. `trace`).
    pub async fn up_observed_logging(log_filter: &str) -> Result<Self, HarnessError> {
        Self::start_cluster(true, log_filter).await
    }

    async fn start_cluster(observability: bool, log_filter: &str) -> Result<Self, HarnessError> {
        let bin = binary::locate()?;
        let dir = tempfile::Builder::new()
            .prefix("gochat-system-")
            .tempdir()
            .map_err(|e| HarnessError::io("create the cluster state dir", e))?;
        let state_dir = dir.path().to_path_buf();
        let mut cluster = Self {
            script: script_path(),
            bin,
            dir: Some(dir),
            state_dir,
            values: BTreeMap::new(),
            log_filter: log_filter.to_owned(),
            is_down: false,
        };
        let started = Instant::now();
        let up: &[&str] = if observability {
            &["up", "--observability"]
        } else {
            &["up"]
        };
        let stdout = cluster.run(up, UP_TIMEOUT).await?;
        eprintln!("CLUSTER up took {:.1}s", started.elapsed().as_secs_f64());
        cluster.values = parse_values(&stdout);
        let observed: &[&str] = if observability {
            &["TRACES_FILE", "PROMETHEUS_URL"]
        } else {
            &[]
        };
        for key in ["GATEWAY_URLS", "MAIL_DIR", "OPS_URLS"]
            .iter()
            .chain(observed)
        {
            if !cluster.values.contains_key(*key) {
                return Err(HarnessError::Unexpected(format!(
                    "cluster up printed no {key}= line; its output:\n{stdout}"
                )));
            }
        }
        Ok(cluster)
    }

    /// `GATEWAY_URLS`, in order (gw1, gw2).
    pub fn gateway_urls(&self) -> Vec<String> {
        self.list("GATEWAY_URLS")
    }

    /// `ws://.../api/v1/ws` of gateway `index` (0 is gw1).
    pub fn ws_url(&self, index: usize) -> String {
        let base = &self.gateway_urls()[index];
        format!("{}/api/v1/ws", base.replacen("http://", "ws://", 1))
    }

    /// Every gateway's WebSocket URL, in order.
    pub fn ws_urls(&self) -> Vec<String> {
        (0..self.gateway_urls().len())
            .map(|i| self.ws_url(i))
            .collect()
    }

    /// The SMTP sink's Maildir (`MAIL_DIR`).
    pub fn maildir(&self) -> PathBuf {
        PathBuf::from(self.value("MAIL_DIR").unwrap_or_default())
    }

    /// The collector's span file (`TRACES_FILE`; only with [`Cluster::up_observed`]).
    pub fn traces_file(&self) -> Option<PathBuf> {
        self.value("TRACES_FILE").map(PathBuf::from)
    }

    /// Any `KEY=VALUE` line `cluster up` printed.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The state dir (logs in `logs/`).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The pid of gochat process `part` from its pid file, if it has one.
    pub fn pid(&self, part: Part) -> Option<u32> {
        let file = self
            .state_dir
            .join("run")
            .join(format!("{}.pid", part.name()));
        std::fs::read_to_string(file).ok()?.trim().parse().ok()
    }

    /// SIGKILLs `part`.
    pub async fn kill(&self, part: Part) -> Result<(), HarnessError> {
        self.part("kill", part).await
    }

    /// Stops `part` politely (SIGTERM, bounded, then SIGKILL; servers through tests/bed).
    pub async fn stop(&self, part: Part) -> Result<(), HarnessError> {
        self.part("stop", part).await
    }

    /// Starts `part` again with its earlier ports and flags, and waits until it is ready.
    pub async fn start(&self, part: Part) -> Result<(), HarnessError> {
        self.part("start", part).await
    }

    /// Waits (bounded) until every gochat process answers `/readyz` with 200.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), HarnessError> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(PROBE_TIMEOUT)
            .build()
            .map_err(|e| HarnessError::Unexpected(format!("HTTP client: {e}")))?;
        let deadline = Instant::now() + timeout;
        for (name, url) in self.ops_urls() {
            loop {
                let status = client.get(format!("{url}/readyz")).send().await;
                if status.is_ok_and(|r| r.status().as_u16() == 200) {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(HarnessError::timeout(
                        format!("{name} /readyz 200"),
                        timeout,
                    ));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Ok(())
    }

    /// The HTTP status of `GET /readyz` of gochat process `part` (`None` if nothing answered).
    pub async fn readyz(&self, part: Part) -> Option<u16> {
        let url = self.ops_urls().remove(part.name())?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(PROBE_TIMEOUT)
            .build()
            .ok()?;
        let response = client.get(format!("{url}/readyz")).send().await.ok()?;
        Some(response.status().as_u16())
    }

    /// Stops everything (`cluster down`) and removes the state dir.
    pub async fn down(mut self) -> Result<(), HarnessError> {
        let started = Instant::now();
        self.run(&["down"], PART_TIMEOUT).await?;
        eprintln!("CLUSTER down took {:.1}s", started.elapsed().as_secs_f64());
        self.is_down = true;
        Ok(())
    }

    /// `OPS_URLS` as name → base URL.
    pub fn ops_urls(&self) -> BTreeMap<String, String> {
        self.list("OPS_URLS")
            .into_iter()
            .filter_map(|pair| {
                let (name, url) = pair.split_once('=')?;
                Some((name.to_owned(), url.to_owned()))
            })
            .collect()
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.value(key)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    async fn part(&self, action: &str, part: Part) -> Result<(), HarnessError> {
        let started = Instant::now();
        self.run(&[action, part.name()], PART_TIMEOUT).await?;
        eprintln!(
            "CLUSTER {action} {} took {:.1}s",
            part.name(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Runs the script with `args` and the state dir; returns its stdout, or an error with
    /// both of its outputs (the script prints failing logs' tails on stderr).
    async fn run(&self, args: &[&str], timeout: Duration) -> Result<String, HarnessError> {
        let mut command = tokio::process::Command::new(&self.script);
        command
            .args(args)
            .arg(&self.state_dir)
            .env("GOCHAT_BIN", &self.bin)
            .env("GOCHAT_LOG", &self.log_filter)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let what = format!("cluster {}", args.join(" "));
        let output = tokio::time::timeout(timeout, command.output())
            .await
            .map_err(|_| HarnessError::timeout(&what, timeout))?
            .map_err(|e| HarnessError::io(format!("run {}", self.script.display()), e))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(HarnessError::Unexpected(format!(
                "{what} failed ({}):\n{stderr}{stdout}",
                output.status
            )))
        }
    }

    /// The same as [`Cluster::down`] for `Drop`: blocking, bounded, errors printed.
    fn down_blocking(&mut self) {
        let mut command = std::process::Command::new(&self.script);
        command
            .arg("down")
            .arg(&self.state_dir)
            .env("GOCHAT_BIN", &self.bin)
            .stdin(std::process::Stdio::null());
        match command.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "cluster down failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("cluster down could not run: {e}"),
        }
    }

    /// Prints the tail of every log of the cluster (for a failing test).
    fn print_logs(&self) {
        let out = std::process::Command::new(&self.script)
            .arg("logs")
            .arg(&self.state_dir)
            .stdin(std::process::Stdio::null())
            .output();
        if let Ok(out) = out {
            eprintln!(
                "----- cluster logs ({}) -----\n{}----- end of cluster logs -----",
                self.state_dir.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if panicking {
            self.print_logs();
        }
        if !self.is_down {
            self.down_blocking();
        }
        if panicking && let Some(dir) = self.dir.take() {
            let kept = dir.keep();
            eprintln!("cluster state kept for inspection in {}", kept.display());
        }
    }
}

/// `tests/system/cluster` in this workspace.
fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("system")
        .join("cluster")
}

/// The `KEY=VALUE` lines of `text` (keys in upper case).
fn parse_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_value_lines_only() {
        let values = parse_values(
            "GATEWAY_URLS=http://a:1,http://b:2\nnoise line\nlower=x\nOPS_URLS=gw1=http://a:1\n",
        );
        assert_eq!(values.len(), 2);
        assert_eq!(values["GATEWAY_URLS"], "http://a:1,http://b:2");
        assert_eq!(values["OPS_URLS"], "gw1=http://a:1");
    }

    #[test]
    fn the_script_is_where_the_harness_looks() {
        assert!(script_path().is_file(), "{}", script_path().display());
    }
}
