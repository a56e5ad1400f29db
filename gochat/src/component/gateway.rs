//! Starting the gateway.

use std::{net::SocketAddr, path::Path};

use anyhow::Context as _;
use gochat_proto::{
    auth::v1::auth_service_client::AuthServiceClient,
    chat::v1::chat_service_client::ChatServiceClient,
};
use tokio::net::TcpListener;

use std::time::Duration;

use super::{Component, Wiring};

/// Binds the public port and serves API v1 (and the ops endpoints with the readiness of every
/// component started before it), calling auth and chat and reading the event log.
pub(super) async fn start(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let plan = w.plan;
    let listener = TcpListener::bind(plan.gateway_listen)
        .await
        .with_context(|| format!("binding the gateway on {}", plan.gateway_listen))?;
    let local = listener.local_addr()?;
    let peers = gochat_gateway::Peers {
        auth: AuthServiceClient::new(w.channel(Component::Gateway, Component::Auth)?),
        chat: ChatServiceClient::new(w.channel(Component::Gateway, Component::Chat)?),
    };
    let backends = gochat_gateway::Backends {
        events: w.event_log(Component::Gateway)?,
        rate_limits: w.connections.rate_limits(),
        revocations: w.connections.revocations(),
    };
    let config = gochat_gateway::Config {
        send_rate_per_second: plan.tuning.send_rate_per_second,
        trust_forwarded_for: plan.tuning.trust_forwarded_for,
        trusted_proxies: usize::try_from(plan.tuning.trusted_proxies)?,
        max_sends_in_flight: usize::try_from(plan.tuning.max_sends_in_flight)?,
        max_sockets_per_account: usize::try_from(plan.tuning.max_sockets_per_account)?,
        max_sockets_per_address: usize::try_from(plan.tuning.max_sockets_per_address)?,
        send_latency_target: Duration::from_millis(plan.tuning.send_latency_target_ms),
        ..Default::default()
    };
    if plan.announce {
        announce(local, &plan.data_dir);
    }
    let stop = w.shutdown.clone();
    let readiness = w.readiness.clone();
    w.tasks.spawn(async move {
        let served =
            gochat_gateway::serve(config, backends, peers, listener, readiness, stop).await;
        (Component::Gateway.name(), served.map_err(Into::into))
    });
    Ok(())
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
