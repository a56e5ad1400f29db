//! `gochat-operator`: runs the ChatCluster controller, or prints the CRD.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use gochat_operator::{
    controller::Scope,
    crd_yaml,
    leader::LeaseConfig,
    runner::{self, RunConfig},
};
use gochat_runtime::{Shutdown, shutdown::trigger_on_signal};
use gochat_telemetry::{self as telemetry, TelemetryConfig, logging::LogFormat};

/// The gochat Kubernetes operator.
#[derive(Debug, Parser)]
#[command(name = "gochat-operator", version, about, long_about = None)]
struct Cli {
    /// Log line format: `json` or `plain`.
    #[arg(long, global = true, env = "GOCHAT_LOG_FORMAT")]
    log_format: Option<LogFormat>,
    /// Log filter in RUST_LOG syntax.
    #[arg(long, global = true, env = "GOCHAT_LOG", default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reconciles ChatClusters until SIGTERM/SIGINT.
    Run(RunArgs),
    /// Prints the ChatCluster CustomResourceDefinition as YAML.
    Crd,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Where /healthz, /readyz and /metrics are served.
    #[arg(long, env = "GOCHAT_OPERATOR_LISTEN", default_value = "0.0.0.0:8080")]
    listen: SocketAddr,
    /// Watch only this namespace (default: every namespace).
    #[arg(long, env = "GOCHAT_OPERATOR_NAMESPACE")]
    namespace: Option<String>,
    /// Elect a leader through a Lease, so several replicas are safe.
    #[arg(long, env = "GOCHAT_OPERATOR_LEADER_ELECTION", default_value_t = true, action = clap::ArgAction::Set)]
    leader_election: bool,
    /// Name of the leader Lease.
    #[arg(
        long,
        env = "GOCHAT_OPERATOR_LEASE_NAME",
        default_value = "gochat-operator"
    )]
    lease_name: String,
    /// Namespace of the leader Lease (the operator's own).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    lease_namespace: String,
    /// How long the leader Lease stays valid without renewal; a standby takes over this long
    /// after the leader stops renewing.
    #[arg(long, env = "GOCHAT_OPERATOR_LEASE_DURATION_SECS", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(2..=3600))]
    lease_duration_secs: u64,
    /// How often the leader renews the Lease (and a standby retries taking it); less than
    /// the lease duration.
    #[arg(long, env = "GOCHAT_OPERATOR_LEASE_RENEW_SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    lease_renew_secs: u64,
    /// This replica's identity in the Lease and in Events (default: the host name).
    #[arg(long, env = "POD_NAME")]
    identity: Option<String>,
}

impl RunArgs {
    /// The run configuration these flags describe.
    fn config(self) -> anyhow::Result<RunConfig> {
        if self.lease_renew_secs >= self.lease_duration_secs {
            anyhow::bail!(
                "--lease-renew-secs ({}) must be less than --lease-duration-secs ({})",
                self.lease_renew_secs,
                self.lease_duration_secs
            );
        }
        let identity = self
            .identity
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| format!("gochat-operator-{}", std::process::id()));
        let election = self.leader_election.then(|| LeaseConfig {
            name: self.lease_name,
            namespace: self.lease_namespace,
            identity: identity.clone(),
            duration: Duration::from_secs(self.lease_duration_secs),
            renew_every: Duration::from_secs(self.lease_renew_secs),
        });
        Ok(RunConfig {
            listen: self.listen,
            scope: Scope {
                namespace: self.namespace.filter(|n| !n.is_empty()),
                instance: identity,
            },
            election,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Crd => {
            print!("{}", crd_yaml().context("serialising the CRD")?);
            Ok(())
        }
        Command::Run(args) => {
            let config = args.config()?;
            let _telemetry = telemetry::init(&TelemetryConfig {
                format: cli.log_format.unwrap_or(LogFormat::Json),
                filter: cli.log,
                default_service_name: "gochat-operator".to_owned(),
            })?;
            let shutdown = Shutdown::new();
            trigger_on_signal(shutdown.clone());
            runner::run(config, shutdown).await?;
            tracing::info!("gochat-operator stopped");
            Ok(())
        }
    }
}
