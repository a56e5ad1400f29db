//! Running the operator: the ops endpoints (`/healthz`, `/readyz` from the controller's state,
//! `/metrics`), then the controller, behind leader election or alone.

use std::net::SocketAddr;

use gochat_runtime::{Readiness, Shutdown, ops};
use kube::Client;

use crate::{
    controller::{self, Scope},
    leader::{self, Elector, LeadershipLost, LeaseConfig},
    metrics,
    state::{ControllerState, Role},
};

/// How one operator process runs.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub listen: SocketAddr,
    /// What the controller watches, and this replica's name in Events.
    pub scope: Scope,
    /// The leader Lease, or `None` to reconcile without an election (one replica only).
    pub election: Option<LeaseConfig>,
}

/// Why the operator stopped other than by a shutdown signal.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The ops address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// No Kubernetes client configuration (in-cluster or kubeconfig) could be loaded.
    #[error("loading the Kubernetes client configuration: {0}")]
    Client(#[source] kube::Error),
    /// The ops server failed.
    #[error("ops server: {0}")]
    Ops(#[source] std::io::Error),
    /// The ops server task panicked.
    #[error("ops server task: {0}")]
    OpsTask(#[from] tokio::task::JoinError),
    /// This replica lost the leader lease.
    #[error(transparent)]
    Leadership(#[from] LeadershipLost),
}

/// Serves the ops endpoints and reconciles until `shutdown` fires (or leadership is lost).
pub async fn run(config: RunConfig, shutdown: Shutdown) -> Result<(), RunError> {
    metrics::register();
    let state = ControllerState::new();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| RunError::Bind {
            addr: config.listen,
            source,
        })?;
    let mut readiness = Readiness::new();
    readiness.add(std::sync::Arc::new(state.clone()));
    let ops_server = tokio::spawn(ops::serve_http(
        listener,
        ops::router(readiness),
        shutdown.clone(),
    ));
    let outcome = reconcile(config, state, shutdown.clone()).await;
    shutdown.trigger();
    ops_server.await?.map_err(RunError::Ops)?;
    outcome
}

async fn reconcile(
    config: RunConfig,
    state: ControllerState,
    shutdown: Shutdown,
) -> Result<(), RunError> {
    let client = Client::try_default().await.map_err(RunError::Client)?;
    let scope = config.scope;
    tracing::info!(namespace = ?scope.namespace, identity = scope.instance, "gochat-operator starting");
    match config.election {
        Some(lease) => {
            let elector = Elector::new(client.clone(), lease);
            leader::lead(elector, state.clone(), shutdown, move |stop| {
                controller::run(client, scope, state, stop)
            })
            .await?;
        }
        None => {
            state.set_role(Role::Leader { synced: false });
            controller::run(client, scope, state, shutdown.wait_owned()).await;
        }
    }
    Ok(())
}
