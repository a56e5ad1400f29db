//! Starts a set of components in one process, watches them, and stops them together:
//! if one fails the process stops rather than limping on.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use gochat_runtime::{Readiness, Shutdown, ops, tls::TlsDir};
use tokio::net::TcpListener;

use crate::{
    backends::Connections,
    cli::{BackendArgs, Command, LocalArgs, ServiceArgs, TuningArgs},
    component::{Component, Tasks, Wiring, start_order},
    migrate, node_id,
};

/// Everything needed to start some components in this process.
#[derive(Debug)]
pub struct Plan {
    /// What to run, in start order.
    pub components: Vec<Component>,
    /// Where embedded state lives.
    pub data_dir: PathBuf,
    /// The gateway's public address.
    pub gateway_listen: SocketAddr,
    /// The ops address when no gateway runs here.
    pub http_listen: SocketAddr,
    /// gRPC listen address of each gRPC service.
    pub grpc_listen: HashMap<Component, SocketAddr>,
    /// How to reach each service that does not run here.
    pub peer_urls: HashMap<Component, String>,
    /// Which production backends to use.
    pub backends: BackendArgs,
    /// Behaviour settings.
    pub tuning: TuningArgs,
    /// Print where the API and the outbox are (local mode).
    pub announce: bool,
    /// Mutual TLS on gRPC, when configured.
    pub tls: Option<TlsDir>,
    /// Serve gRPC server reflection.
    pub grpc_reflection: bool,
}

impl Plan {
    /// `gochat local`: every component in this process, gRPC on ephemeral loopback ports.
    pub fn local(args: LocalArgs) -> Self {
        let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
        Self {
            components: start_order(&Component::ALL),
            data_dir: args.data_dir,
            gateway_listen: args.listen,
            http_listen: loopback,
            grpc_listen: Component::ALL.iter().map(|c| (*c, loopback)).collect(),
            peer_urls: HashMap::new(),
            backends: args.backends,
            tuning: args.tuning,
            announce: true,
            tls: None,
            grpc_reflection: false,
        }
    }

    /// Some components, on the configured addresses, calling the rest at their URLs.
    pub fn targets(targets: &[Component], args: ServiceArgs) -> Self {
        Self {
            components: start_order(targets),
            data_dir: args.data_dir,
            gateway_listen: args.listen,
            http_listen: args.http_listen,
            grpc_listen: HashMap::from([
                (Component::Auth, args.auth_grpc_listen),
                (Component::Chat, args.chat_grpc_listen),
                (Component::Email, args.email_grpc_listen),
            ]),
            peer_urls: HashMap::from([
                (Component::Auth, args.auth_url),
                (Component::Chat, args.chat_url),
                (Component::Email, args.email_url),
            ]),
            backends: args.backends,
            tuning: args.tuning,
            announce: false,
            tls: args.tls_dir.map(TlsDir::new),
            grpc_reflection: args.grpc_reflection,
        }
    }
}

/// Runs what `command` asks for until `shutdown` fires: a migration, or a plan of components.
pub async fn run_command(command: Command, shutdown: Shutdown) -> anyhow::Result<()> {
    let plan = match command {
        Command::Migrate(args) => return migrate::run(&args.data_dir, args.backends).await,
        Command::IssueCerts(args) => {
            let lifetime = Duration::from_secs(args.valid_days * 24 * 3600);
            gochat_runtime::tls::issue(&args.dir, lifetime)
                .with_context(|| format!("issuing certificates into {}", args.dir.display()))?;
            println!(
                "gochat issue-certs: CAs and certificates for --tls-dir written to {}",
                args.dir.display()
            );
            return Ok(());
        }
        Command::Local(args) => Plan::local(args),
        Command::Email(args) => Plan::targets(&[Component::Email], args),
        Command::Auth(args) => Plan::targets(&[Component::Auth], args),
        Command::Chat(args) => Plan::targets(&[Component::Chat], args),
        Command::Gateway(args) => Plan::targets(&[Component::Gateway], args),
        Command::Run(args) => Plan::targets(&args.targets, args.service),
    };
    run(plan, shutdown).await
}

/// Runs the plan until `shutdown` fires or a component stops, then drains.
pub async fn run(plan: Plan, shutdown: Shutdown) -> anyhow::Result<()> {
    if plan.components.contains(&Component::Chat) {
        node_id::check(plan.tuning.node_id, &plan.backends)?;
    }
    std::fs::create_dir_all(&plan.data_dir)
        .with_context(|| format!("creating data dir {}", plan.data_dir.display()))?;
    let gateway_id = plan.backends.gateway_id.clone();
    let connections = Connections::open(plan.backends.clone(), &shutdown).await?;
    let has = |c| plan.components.contains(&c);
    if has(Component::Chat) != has(Component::Gateway) && !connections.shares_event_log() {
        bail!(
            "chat and gateway share the delivery event log: give both --redis-url, or run them \
             in one process (`gochat local` or `gochat run --targets chat,gateway`)"
        );
    }
    if has(Component::Auth) != has(Component::Gateway) && !connections.shares_event_log() {
        bail!(
            "auth tells gateways of ended sessions through Redis: give both --redis-url, or \
             run them in one process (`gochat local` or `gochat run --targets auth,gateway`)"
        );
    }
    connections.migrate().await?;

    let mut urls = plan.peer_urls.clone();
    let mut grpc_listeners = HashMap::new();
    for &c in plan.components.iter().filter(|c| c.serves_grpc()) {
        let addr = plan.grpc_listen[&c];
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {c} gRPC on {addr}"))?;
        urls.insert(c, loopback_url(listener.local_addr()?));
        grpc_listeners.insert(c, listener);
    }

    let delivery = if has(Component::Chat) || has(Component::Gateway) {
        let id = has(Component::Gateway).then(|| gateway_id.unwrap_or_else(default_gateway_id));
        let retention = Duration::from_secs(plan.tuning.event_retention_hours * 3600);
        Some(connections.delivery(&plan.data_dir, retention, id).await?)
    } else {
        None
    };

    let mut wiring = Wiring {
        plan: &plan,
        connections: &connections,
        urls,
        grpc_listeners,
        delivery,
        readiness: Readiness::new(),
        tasks: Tasks::new(),
        shutdown: shutdown.clone(),
    };
    for &c in &plan.components {
        c.start(&mut wiring).await?;
    }
    if !plan.components.iter().any(|c| c.serves_ops()) {
        let listener = TcpListener::bind(plan.http_listen)
            .await
            .with_context(|| format!("binding the ops endpoints on {}", plan.http_listen))?;
        let router = ops::router(wiring.readiness.clone());
        let stop = shutdown.clone();
        wiring.tasks.spawn(async move {
            let served = ops::serve_http(listener, router, stop).await;
            ("ops endpoints", served.map_err(Into::into))
        });
    }
    let tasks = wiring.tasks;
    tracing::info!(components = ?plan.components, "gochat started");

    supervise(tasks, shutdown, plan.tuning.shutdown_grace()).await
}

/// The host name, which is unique per pod in Kubernetes; a random id where there is none.
fn default_gateway_id() -> String {
    crate::host::host_name().unwrap_or_else(|| format!("gateway-{}", std::process::id()))
}

/// Waits for shutdown or for the first component to stop; then stops the rest within the
/// drain deadline. A component that stops on its own is a failure.
async fn supervise(mut tasks: Tasks, shutdown: Shutdown, grace: Duration) -> anyhow::Result<()> {
    let mut failure = None;
    tokio::select! {
        // Shutdown first: components stop by themselves once it fires, and one that got
        // there before this task woke has not failed.
        biased;
        _ = shutdown.wait() => {}
        Some(joined) = tasks.join_next() => {
            let why = match joined {
                Ok((c, Ok(()))) => anyhow::anyhow!("{c} stopped unexpectedly"),
                Ok((c, Err(e))) => e.context(format!("{c} failed")),
                Err(e) => anyhow::anyhow!("a component panicked: {e}"),
            };
            tracing::error!(error = %format!("{why:#}"), "stopping every component");
            failure = Some(why);
            shutdown.trigger();
        }
    }
    let drained = tokio::time::timeout(grace, async {
        while let Some(joined) = tasks.join_next().await {
            if let Ok((c, Err(e))) = joined {
                tracing::warn!(component = %c, error = %format!("{e:#}"), "stopped with an error");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "drain deadline passed; aborting the rest"
        );
        tasks.abort_all();
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `http://` URL for reaching a bound address from this host.
fn loopback_url(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::Ipv4Addr::LOCALHOST.into()
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_url_replaces_unspecified_hosts() {
        assert_eq!(
            loopback_url("0.0.0.0:5000".parse().unwrap()),
            "http://127.0.0.1:5000"
        );
        assert_eq!(
            loopback_url("127.0.0.2:7".parse().unwrap()),
            "http://127.0.0.2:7"
        );
    }

    async fn supervise_one(outcome: anyhow::Result<()>, shut_down: bool) -> anyhow::Result<()> {
        let shutdown = Shutdown::new();
        let mut tasks = Tasks::new();
        tasks.spawn(async move { ("gateway", outcome) });
        // Let the component finish before supervise looks, as a fast one does on shutdown
        // (the test runtime is single-threaded: yielding runs the spawned task).
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        if shut_down {
            shutdown.trigger();
        }
        supervise(tasks, shutdown, Duration::from_secs(1)).await
    }

    #[tokio::test]
    async fn a_component_that_stops_after_shutdown_is_not_a_failure() {
        // select! picks among ready branches at random unless told otherwise: repeat.
        for _ in 0..32 {
            supervise_one(Ok(()), true)
                .await
                .expect("stopping on shutdown is the normal end");
        }
    }

    #[tokio::test]
    async fn a_component_that_stops_on_its_own_fails_the_process() {
        let early = supervise_one(Ok(()), false).await.unwrap_err();
        assert_eq!(early.to_string(), "gateway stopped unexpectedly");
        let failed = supervise_one(Err(anyhow::anyhow!("port taken")), false)
            .await
            .unwrap_err();
        assert_eq!(format!("{failed:#}"), "gateway failed: port taken");
    }
}
