//! Runs the ChatCluster controller: watches ChatClusters and every kind of child (filtered
//! to the operator's own by label) and reconciles on each change.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::{
    NamespaceResourceScope,
    api::{
        apps::v1::Deployment,
        batch::v1::Job,
        core::v1::{ConfigMap, Secret, Service, ServiceAccount},
        networking::v1::NetworkPolicy,
        policy::v1::PodDisruptionBudget,
    },
};
use kube::{
    Api, Client, Resource,
    runtime::{
        Controller, WatchStreamExt,
        events::{Recorder, Reporter},
        reflector, watcher,
    },
};
use serde::de::DeserializeOwned;

use crate::{
    crd::ChatCluster,
    names::{MANAGED_BY_SELECTOR, MANAGER},
    reconcile::{Context, error_policy, reconcile},
    state::ControllerState,
};

/// Where the controller looks.
#[derive(Clone, Debug)]
pub struct Scope {
    /// One namespace, or every namespace when `None`.
    pub namespace: Option<String>,
    /// This replica's name in Events.
    pub instance: String,
}

/// Reconciles until `stop` completes, marking `state` synced once the first list of
/// ChatClusters is complete.
pub async fn run(
    client: Client,
    scope: Scope,
    state: ControllerState,
    stop: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    let reporter = Reporter {
        controller: MANAGER.to_owned(),
        instance: Some(scope.instance.clone()),
    };
    let ctx = Arc::new(Context {
        recorder: Recorder::new(client.clone(), reporter),
        client: client.clone(),
    });
    let owned = watcher::Config::default().labels(MANAGED_BY_SELECTOR);
    let ns = scope.namespace.as_deref();
    // The ChatCluster watch is built here rather than by Controller::new so that its first
    // complete list can mark the state synced. (A second task awaiting the controller's
    // Store::wait_until_ready would race the controller's own wait for the store's one waker.)
    let (reader, writer) = reflector::store();
    let clusters = watcher(api::<ChatCluster>(&client, ns), watcher::Config::default())
        .reflect(writer)
        .inspect_ok(move |event| {
            if matches!(event, watcher::Event::InitDone) {
                tracing::info!("ChatClusters listed; reconciling");
                state.set_synced();
            }
        })
        .applied_objects();
    Controller::for_stream(clusters, reader)
        .owns(api::<ServiceAccount>(&client, ns), owned.clone())
        .owns(api::<ConfigMap>(&client, ns), owned.clone())
        .owns(api::<Secret>(&client, ns), owned.clone())
        .owns(api::<Service>(&client, ns), owned.clone())
        .owns(api::<Job>(&client, ns), owned.clone())
        .owns(api::<Deployment>(&client, ns), owned.clone())
        .owns(api::<PodDisruptionBudget>(&client, ns), owned.clone())
        .owns(api::<NetworkPolicy>(&client, ns), owned)
        .graceful_shutdown_on(stop)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((object, _)) => tracing::debug!(chatcluster = %object.name, "reconciled"),
                Err(e) => tracing::debug!(error = %e, "reconcile did not complete"),
            }
        })
        .await;
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope> + DeserializeOwned + Clone,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}
