//! Command-line interface: every flag also reads a `GOCHAT_*` environment variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};
use gochat_telemetry::logging::LogFormat;

use crate::{
    component::{Component, start_order},
    node_id::NodeIdSetting,
};

/// gochat: a self-hosted live chat backend.
#[derive(Debug, Parser)]
#[command(name = "gochat", version, about, long_about = None)]
pub struct Cli {
    /// Log line format: `json` or `plain`.
    #[arg(long, global = true, env = "GOCHAT_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Log filter in RUST_LOG syntax, e.g. `info` or `info,gochat_chat=debug`.
    #[arg(long, global = true, env = "GOCHAT_LOG", default_value = "info")]
    pub log: String,

    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The targets and tools of the binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Everything in one process with embedded storage: the laptop mode.
    Local(LocalArgs),
    /// The email service alone.
    Email(ServiceArgs),
    /// The auth service alone.
    Auth(ServiceArgs),
    /// The chat service alone.
    Chat(ServiceArgs),
    /// The gateway alone.
    Gateway(ServiceArgs),
    /// Several services in one process, e.g. `gochat run --targets chat,gateway`.
    Run(RunArgs),
    /// Creates or migrates the storage schema of every service, then exits.
    Migrate(MigrateArgs),
    /// Writes a fresh set of CAs and certificates for `--tls-dir`, then exits.
    IssueCerts(IssueCertsArgs),
}

impl Command {
    /// `gochat-<target>`: the `service.name` of traces unless `OTEL_SERVICE_NAME` says
    /// otherwise (`gochat-chat-gateway` for `run --targets chat,gateway`).
    pub fn service_name(&self) -> String {
        let target = match self {
            Self::Local(_) => "local".to_owned(),
            Self::Migrate(_) => "migrate".to_owned(),
            Self::IssueCerts(_) => "issue-certs".to_owned(),
            Self::Email(_) => Component::Email.name().to_owned(),
            Self::Auth(_) => Component::Auth.name().to_owned(),
            Self::Chat(_) => Component::Chat.name().to_owned(),
            Self::Gateway(_) => Component::Gateway.name().to_owned(),
            Self::Run(args) => start_order(&args.targets)
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join("-"),
        };
        format!("gochat-{target}")
    }

    /// Log lines for a person at a terminal in local mode, for machines otherwise.
    pub fn default_log_format(&self) -> LogFormat {
        match self {
            Self::Local(_) => LogFormat::Plain,
            _ => LogFormat::Json,
        }
    }
}

/// Flags of `gochat local`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Where the public API (and /healthz, /readyz, /metrics) is served.
    #[arg(long, env = "GOCHAT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory holding all state: databases, signing key, mail outbox.
    #[arg(long, env = "GOCHAT_DATA_DIR", default_value = "./gochat-data")]
    pub data_dir: PathBuf,

    #[command(flatten)]
    pub backends: BackendArgs,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Flags of `gochat run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Comma-separated services to run in this process.
    #[arg(long, env = "GOCHAT_TARGETS", value_delimiter = ',', required = true)]
    pub targets: Vec<Component>,

    #[command(flatten)]
    pub service: ServiceArgs,
}

/// Flags of `gochat issue-certs`.
#[derive(Debug, Args)]
pub struct IssueCertsArgs {
    /// Where to write the files (created if missing; existing files are replaced).
    #[arg(long)]
    pub dir: PathBuf,

    /// How long the certificates are valid, in days.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub valid_days: u64,
}

/// Flags of `gochat migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Directory holding the embedded databases.
    #[arg(long, env = "GOCHAT_DATA_DIR", default_value = "./gochat-data")]
    pub data_dir: PathBuf,

    #[command(flatten)]
    pub backends: BackendArgs,
}

/// Flags shared by every single-service target (and `gochat run`).
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// Directory holding this process's embedded databases and files.
    #[arg(long, env = "GOCHAT_DATA_DIR", default_value = "./gochat-data")]
    pub data_dir: PathBuf,

    /// Gateway: where the public API (and the ops endpoints) is served.
    #[arg(long, env = "GOCHAT_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// Services without a gateway in the process: where /healthz, /readyz, /metrics are served.
    #[arg(long, env = "GOCHAT_HTTP_LISTEN", default_value = "0.0.0.0:8081")]
    pub http_listen: SocketAddr,

    /// Auth: gRPC listen address.
    #[arg(long, env = "GOCHAT_AUTH_GRPC_LISTEN", default_value = "0.0.0.0:50051")]
    pub auth_grpc_listen: SocketAddr,

    /// Chat: gRPC listen address.
    #[arg(long, env = "GOCHAT_CHAT_GRPC_LISTEN", default_value = "0.0.0.0:50052")]
    pub chat_grpc_listen: SocketAddr,

    /// Email: gRPC listen address.
    #[arg(
        long,
        env = "GOCHAT_EMAIL_GRPC_LISTEN",
        default_value = "0.0.0.0:50053"
    )]
    pub email_grpc_listen: SocketAddr,

    /// Where auth reaches the email service (ignored when email runs in this process).
    #[arg(
        long,
        env = "GOCHAT_EMAIL_URL",
        default_value = "http://127.0.0.1:50053"
    )]
    pub email_url: String,

    /// Where the gateway reaches the auth service (ignored when auth runs in this process).
    #[arg(
        long,
        env = "GOCHAT_AUTH_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    pub auth_url: String,

    /// Where the gateway reaches the chat service (ignored when chat runs in this process).
    #[arg(
        long,
        env = "GOCHAT_CHAT_URL",
        default_value = "http://127.0.0.1:50052"
    )]
    pub chat_url: String,

    /// Mutual TLS on every gRPC hop: the directory of CAs and certificates (layout in the
    /// README; `gochat issue-certs` writes one). Servers then refuse any caller without a
    /// certificate of the one role allowed to call them. Without it gRPC is plaintext: keep
    /// its ports private.
    #[arg(long, env = "GOCHAT_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,

    /// Serve gRPC server reflection (for grpcurl and the like); off by default, since it
    /// describes the whole internal API to anyone who reaches the port.
    #[arg(long, env = "GOCHAT_GRPC_REFLECTION")]
    pub grpc_reflection: bool,

    #[command(flatten)]
    pub backends: BackendArgs,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// The production backends. Each one left unset falls back to the embedded implementation
/// under `--data-dir`.
#[derive(Clone, Debug, Args)]
pub struct BackendArgs {
    /// Redis URL (`redis://host:port/`) for delivery event logs, verification codes and rate
    /// limits.
    #[arg(long, env = "GOCHAT_REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key, so several gochat installations can share one Redis.
    #[arg(long, env = "GOCHAT_REDIS_PREFIX", default_value = "gochat")]
    pub redis_prefix: String,

    /// Gateway: this replica's id in the Redis delivery routing (default: the host name).
    #[arg(long, env = "GOCHAT_GATEWAY_ID")]
    pub gateway_id: Option<String>,

    /// Comma-separated `host:port` of ScyllaDB (or Cassandra) nodes for accounts, sessions,
    /// conversations and messages.
    #[arg(long, env = "GOCHAT_CQL_CONTACT_POINTS", value_delimiter = ',')]
    pub cql_contact_points: Vec<String>,

    /// CQL keyspace.
    #[arg(long, env = "GOCHAT_CQL_KEYSPACE", default_value = "gochat")]
    pub cql_keyspace: String,

    /// Replication factor used when the keyspace is created.
    #[arg(long, env = "GOCHAT_CQL_REPLICATION_FACTOR", default_value_t = 1)]
    pub cql_replication_factor: u32,

    /// Consistency of every CQL statement (`local_quorum`, `quorum`, `one`, ...).
    #[arg(long, env = "GOCHAT_CQL_CONSISTENCY", default_value = "local_quorum")]
    pub cql_consistency: String,

    /// CQL username, when the cluster authenticates.
    #[arg(long, env = "GOCHAT_CQL_USERNAME")]
    pub cql_username: Option<String>,

    /// File holding the CQL password (or set GOCHAT_CQL_PASSWORD).
    #[arg(long, env = "GOCHAT_CQL_PASSWORD_FILE")]
    pub cql_password_file: Option<PathBuf>,

    /// SMTP server host; when set, mail is sent over SMTP instead of written to the outbox.
    #[arg(long, env = "GOCHAT_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP server port.
    #[arg(long, env = "GOCHAT_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// SMTP transport security: `none`, `starttls` or `tls`.
    #[arg(long, env = "GOCHAT_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: String,

    /// SMTP username, when the server authenticates.
    #[arg(long, env = "GOCHAT_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    /// File holding the SMTP password (or set GOCHAT_SMTP_PASSWORD).
    #[arg(long, env = "GOCHAT_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
}

/// Behaviour settings shared by every way of running.
#[derive(Debug, Args)]
pub struct TuningArgs {
    /// Auth: PKCS#8 PEM file with the Ed25519 access-token signing key (generated into the
    /// data dir when absent).
    #[arg(long, env = "GOCHAT_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// Auth: lifetime of access tokens, in seconds.
    #[arg(long, env = "GOCHAT_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: u64,

    /// Auth: lifetime of refresh tokens (sessions), in seconds.
    #[arg(long, env = "GOCHAT_REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: u64,

    /// Email: the From address of mail.
    #[arg(
        long,
        env = "GOCHAT_MAIL_FROM",
        default_value = "gochat <no-reply@gochat.local>"
    )]
    pub mail_from: String,

    /// Chat: node id in message ids, unique per chat replica running at the same time: a
    /// number in 0..=1023, or `auto` to lease a free one through Redis (needs --redis-url;
    /// renewed while chat runs, released at shutdown; chat stops if the lease is lost).
    #[arg(long, env = "GOCHAT_NODE_ID", default_value = "0")]
    pub node_id: NodeIdSetting,

    /// Gateway: messages one account may send per second (at least 20).
    #[arg(long, env = "GOCHAT_SEND_RATE_PER_SECOND", default_value_t = 50)]
    pub send_rate_per_second: u32,

    /// Gateway: sends that may wait on chat at once; one over it is refused at once with 503
    /// `unavailable` and a retry hint, so an overload costs little and accepted sends stay fast.
    #[arg(long, env = "GOCHAT_MAX_SENDS_IN_FLIGHT", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_sends_in_flight: u64,

    /// Gateway: the mean time a send may spend waiting on chat that the send budget steers
    /// towards, in milliseconds: slower, and fewer sends are let in at once (at least 16, at
    /// most --max-sends-in-flight).
    #[arg(long, env = "GOCHAT_SEND_LATENCY_TARGET_MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub send_latency_target_ms: u64,

    /// Gateway: WebSocket connections one account may hold open at once on one gateway.
    #[arg(long, env = "GOCHAT_MAX_SOCKETS_PER_ACCOUNT", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_sockets_per_account: u64,

    /// Gateway: WebSocket connections one client address may hold open at once on one gateway.
    #[arg(long, env = "GOCHAT_MAX_SOCKETS_PER_ADDRESS", default_value_t = 20_000,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_sockets_per_address: u64,

    /// Gateway: take the client address from X-Forwarded-For (only behind proxies you trust):
    /// the entry --trusted-proxies places from the right, the one the outermost trusted proxy
    /// wrote; entries further left are the client's own words.
    #[arg(long, env = "GOCHAT_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Gateway: how many proxies you trust stand in front of the gateway, each appending to
    /// X-Forwarded-For (with --trust-forwarded-for).
    #[arg(long, env = "GOCHAT_TRUSTED_PROXIES", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=16))]
    pub trusted_proxies: u64,

    /// Event log: how long each user's delivery events are kept for `since` resumes, in hours.
    #[arg(long, env = "GOCHAT_EVENT_RETENTION_HOURS", default_value_t = 24)]
    pub event_retention_hours: u64,

    /// How long open requests and sockets may drain after SIGTERM/SIGINT, in seconds.
    #[arg(long, env = "GOCHAT_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl TuningArgs {
    /// The drain deadline after a shutdown signal.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[test]
    fn traces_are_named_after_the_target() {
        let name = |args: &[&str]| Cli::parse_from(args).command.service_name();
        assert_eq!(name(&["gochat", "auth"]), "gochat-auth");
        assert_eq!(name(&["gochat", "local"]), "gochat-local");
        assert_eq!(
            name(&["gochat", "run", "--targets", "gateway,chat"]),
            "gochat-chat-gateway"
        );
    }
}
