//! Starts a set of components in one process, watches them, and stops them together:
//! if one fails the process stops rather than limping on.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, bail};
use gochat_proto::{
    auth::v1::auth_service_client::AuthServiceClient,
    chat::v1::chat_service_client::ChatServiceClient,
    email::v1::email_service_client::EmailServiceClient,
};
use gochat_runtime::{Readiness, Shutdown, grpc, ops};
use tokio::{net::TcpListener, task::JoinSet};

use crate::{
    backends::Connections,
    cli::{BackendArgs, TuningArgs},
    component::Component,
    node_id,
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
}

/// Runs the plan until `shutdown` fires or a component stops, then drains.
pub async fn run(plan: Plan, shutdown: Shutdown) -> anyhow::Result<()> {
    if plan.components.contains(&Component::Chat) {
        node_id::check(plan.tuning.node_id, &plan.backends)?;
    }
    std::fs::create_dir_all(&plan.data_dir)
        .with_context(|| format!("creating data dir {}", plan.data_dir.display()))?;
    let gateway_id = plan.backends.gateway_id.clone();
    let connections = Connections::open(plan.backends, &shutdown).await?;
    let has = |c| plan.components.contains(&c);
    if has(Component::Chat) != has(Component::Gateway) && !connections.shares_event_log() {
        bail!(
            "chat and gateway share the delivery event log: give both --redis-url, or run them \
             in one process (`gochat local` or `gochat run --targets chat,gateway`)"
        );
    }
    connections.migrate().await?;

    let mut urls = plan.peer_urls.clone();
    let mut grpc_listeners = HashMap::new();
    for &c in plan.components.iter().filter(|c| **c != Component::Gateway) {
        let addr = plan.grpc_listen[&c];
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {c} gRPC on {addr}"))?;
        urls.insert(c, loopback_url(listener.local_addr()?));
        grpc_listeners.insert(c, listener);
    }

    let t = &plan.tuning;
    let events = if has(Component::Chat) || has(Component::Gateway) {
        let id = has(Component::Gateway).then(|| gateway_id.unwrap_or_else(default_gateway_id));
        let retention = Duration::from_secs(t.event_retention_hours * 3600);
        Some(connections.event_log(&plan.data_dir, retention, id).await?)
    } else {
        None
    };

    let mut readiness = Readiness::new();
    let mut tasks: JoinSet<(&'static str, anyhow::Result<()>)> = JoinSet::new();
    for &c in &plan.components {
        let stop = shutdown.clone();
        match c {
            Component::Email => {
                let config = gochat_email::Config {
                    from_address: t.mail_from.clone(),
                    ..Default::default()
                };
                let backends = connections.email(&plan.data_dir, &config)?;
                readiness.extend(gochat_email::readiness(&backends));
                let listener = grpc_listeners.remove(&c).expect("bound above");
                tasks.spawn(async move {
                    let r = gochat_email::serve(config, backends, listener, stop).await;
                    (c.name(), r.map_err(Into::into))
                });
            }
            Component::Auth => {
                let backends = connections
                    .auth(&plan.data_dir, t.signing_key_file.as_deref())
                    .await?;
                readiness.extend(gochat_auth::readiness(&backends));
                let config = gochat_auth::Config {
                    access_token_ttl: Duration::from_secs(t.access_token_ttl_secs),
                    refresh_token_ttl: Duration::from_secs(t.refresh_token_ttl_secs),
                    ..Default::default()
                };
                let email = EmailServiceClient::new(grpc::channel(&urls[&Component::Email])?);
                let listener = grpc_listeners.remove(&c).expect("bound above");
                tasks.spawn(async move {
                    let r = gochat_auth::serve(config, backends, email, listener, stop).await;
                    (c.name(), r.map_err(Into::into))
                });
            }
            Component::Chat => {
                let (node_id, lease) = node_id::resolve(t.node_id, &connections, &shutdown).await?;
                let backends = gochat_chat::Backends {
                    store: connections.chat_store(&plan.data_dir).await?,
                    events: events.clone().expect("opened when chat runs"),
                };
                readiness.extend(gochat_chat::readiness(&backends));
                let config = gochat_chat::Config {
                    node_id,
                    ..Default::default()
                };
                let listener = grpc_listeners.remove(&c).expect("bound above");
                tasks.spawn(async move {
                    let serve = gochat_chat::serve(config, backends, listener, stop);
                    (c.name(), node_id::serve_holding(lease, serve).await)
                });
            }
            Component::Gateway => {}
        }
    }

    if has(Component::Gateway) {
        let listener = TcpListener::bind(plan.gateway_listen)
            .await
            .with_context(|| format!("binding the gateway on {}", plan.gateway_listen))?;
        let local = listener.local_addr()?;
        let peers = gochat_gateway::Peers {
            auth: AuthServiceClient::new(grpc::channel(&urls[&Component::Auth])?),
            chat: ChatServiceClient::new(grpc::channel(&urls[&Component::Chat])?),
        };
        let backends = gochat_gateway::Backends {
            events: events.clone().expect("opened when the gateway runs"),
            rate_limits: connections.rate_limits(),
        };
        let config = gochat_gateway::Config {
            send_rate_per_second: t.send_rate_per_second,
            trust_forwarded_for: t.trust_forwarded_for,
            ..Default::default()
        };
        if plan.announce {
            announce(local, &plan.data_dir);
        }
        let stop = shutdown.clone();
        let ready = readiness.clone();
        tasks.spawn(async move {
            let r = gochat_gateway::serve(config, backends, peers, listener, ready, stop).await;
            (Component::Gateway.name(), r.map_err(Into::into))
        });
    } else {
        let listener = TcpListener::bind(plan.http_listen)
            .await
            .with_context(|| format!("binding the ops endpoints on {}", plan.http_listen))?;
        let stop = shutdown.clone();
        let router = ops::router(readiness.clone());
        tasks.spawn(async move {
            let r = ops::serve_http(listener, router, stop).await;
            ("ops endpoints", r.map_err(Into::into))
        });
    }
    tracing::info!(components = ?plan.components, "gochat started");

    supervise(tasks, shutdown, plan.tuning.shutdown_grace()).await
}

/// The host name, which is unique per pod in Kubernetes; a random id where there is none.
fn default_gateway_id() -> String {
    gochat::host::host_name().unwrap_or_else(|| format!("gateway-{}", std::process::id()))
}

/// Waits for shutdown or for the first component to stop; then stops the rest within the
/// drain deadline. A component that stops on its own is a failure.
async fn supervise(
    mut tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
    shutdown: Shutdown,
    grace: Duration,
) -> anyhow::Result<()> {
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

/// Tells a person where gochat is and where its mail goes.
fn announce(addr: SocketAddr, data_dir: &Path) {
    let data = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    println!("gochat local: API v1 on http://{addr}  (OpenAPI: http://{addr}/openapi.json)");
    println!("gochat local: data in {}", data.display());
    println!(
        "gochat local: mail outbox {}",
        data.join("outbox").display()
    );
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
        let mut tasks = JoinSet::new();
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
