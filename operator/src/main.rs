//! `gochat-operator`: runs the ChatCluster controller, or prints the CRD.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use gochat_operator::{
    controller::{self, Scope},
    crd_yaml,
    leader::{Elector, LeaseConfig},
    metrics,
};
use gochat_runtime::{Readiness, Shutdown, ops, shutdown::trigger_on_signal};
use gochat_telemetry::{self as telemetry, TelemetryConfig, logging::LogFormat};
use kube::Client;

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
    /// This replica's identity in the Lease and in Events (default: the host name).
    #[arg(long, env = "POD_NAME")]
    identity: Option<String>,
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
            let _telemetry = telemetry::init(&TelemetryConfig {
                format: cli.log_format.unwrap_or(LogFormat::Json),
                filter: cli.log,
                default_service_name: "gochat-operator".to_owned(),
            })?;
            run(args).await
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    metrics::register();
    let shutdown = Shutdown::new();
    trigger_on_signal(shutdown.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let ops_server = tokio::spawn(ops::serve_http(
        listener,
        ops::router(Readiness::new()),
        shutdown.clone(),
    ));
    let client = Client::try_default()
        .await
        .context("loading the Kubernetes client configuration")?;
    let identity = args
        .identity
        .clone()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| format!("gochat-operator-{}", std::process::id()));
    let scope = Scope {
        namespace: args.namespace.clone().filter(|n| !n.is_empty()),
        instance: identity.clone(),
    };
    tracing::info!(namespace = ?scope.namespace, identity, "gochat-operator starting");
    let outcome = if args.leader_election {
        let elector = Elector::new(
            client.clone(),
            LeaseConfig {
                name: args.lease_name,
                namespace: args.lease_namespace,
                identity,
                duration: Duration::from_secs(15),
                renew_every: Duration::from_secs(5),
            },
        );
        lead(elector, client, scope, shutdown.clone()).await
    } else {
        controller::run(client, scope, shutdown.wait_owned()).await;
        Ok(())
    };
    shutdown.trigger();
    ops_server.await.context("ops server task")??;
    tracing::info!("gochat-operator stopped");
    outcome
}

/// Waits to become leader, then reconciles while renewing the lease. Losing the lease
/// stops the controller and fails the process (its replacement campaigns again).
async fn lead(
    elector: Elector,
    client: Client,
    scope: Scope,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    loop {
        if shutdown.is_triggered() {
            return Ok(());
        }
        match elector.try_acquire().await {
            Ok(true) => break,
            Ok(false) => tracing::debug!("another replica leads; waiting"),
            Err(e) => tracing::warn!(error = %e, "campaigning for the leader lease failed"),
        }
        sleep_or(elector.period(), &shutdown).await;
    }
    tracing::info!("became leader");
    metrics::LEADER.set(1);
    let lost = Shutdown::new();
    let keeper = tokio::spawn(keep_lease(elector, lost.clone(), shutdown.clone()));
    let stop = {
        let (shutdown, lost) = (shutdown.clone(), lost.clone());
        async move {
            tokio::select! {
                () = shutdown.wait() => {}
                () = lost.wait() => {}
            }
        }
    };
    controller::run(client, scope, stop).await;
    metrics::LEADER.set(0);
    keeper.abort();
    if lost.is_triggered() && !shutdown.is_triggered() {
        anyhow::bail!("lost the leader lease; exiting so a fresh replica campaigns");
    }
    Ok(())
}

/// Renews the lease every period; triggers `lost` when it is taken or cannot be renewed
/// before it would expire.
async fn keep_lease(elector: Elector, lost: Shutdown, shutdown: Shutdown) {
    let mut last_renewal = tokio::time::Instant::now();
    loop {
        sleep_or(elector.period(), &shutdown).await;
        if shutdown.is_triggered() {
            return;
        }
        match elector.renew().await {
            Ok(true) => last_renewal = tokio::time::Instant::now(),
            Ok(false) => {
                tracing::error!("the leader lease was taken by another replica");
                lost.trigger();
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "renewing the leader lease failed");
                if last_renewal.elapsed() + elector.period() >= elector.duration() {
                    tracing::error!("could not renew the leader lease before it expires");
                    lost.trigger();
                    return;
                }
            }
        }
    }
}

async fn sleep_or(period: Duration, shutdown: &Shutdown) {
    tokio::select! {
        () = tokio::time::sleep(period) => {}
        () = shutdown.wait() => {}
    }
}
