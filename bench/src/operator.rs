//! The operator's speed: time from creating a ChatCluster to all its children existing (one
//! at a time, and many at once), and the operator's memory. Children are seen through
//! watches, so the measurement adds no polling load to the API server.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use futures::{StreamExt, TryStreamExt, stream};
use gochat_operator::{crd::ChatCluster, names::MANAGED_BY_SELECTOR};
use k8s_openapi::{
    NamespaceResourceScope,
    api::{
        batch::v1::Job,
        core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount},
        networking::v1::NetworkPolicy,
        policy::v1::PodDisruptionBudget,
    },
};
use kube::{
    Api, Client, Resource, ResourceExt,
    api::PostParams,
    runtime::{WatchStreamExt, watcher},
};
use serde::{Serialize, de::DeserializeOwned};
use tokio::time::Instant;

use crate::{
    memory::rss_kib,
    stats::{Summary, summarise},
};

/// Children of a ChatCluster before its migration completes: ServiceAccount, ConfigMap,
/// signing-key Secret, migration Job, and a Service, PodDisruptionBudget and NetworkPolicy
/// per component (the Deployments wait for the migration).
const CHILDREN: usize = 4 + 3 * 4;

/// Operator figures.
#[derive(Clone, Debug, Serialize)]
pub struct OperatorBench {
    /// ChatClusters created one at a time.
    pub singles: usize,
    /// Create → every child present, one at a time.
    pub single: Summary,
    /// ChatClusters created at once.
    pub batch: usize,
    /// Create of the first → every child of all present, seconds.
    pub batch_seconds: f64,
    /// Operator RSS after the batch, KiB.
    pub operator_rss_kib: Option<u64>,
}

type Seen = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// Watches every child kind in `namespace`, noting when each child was first seen, by the
/// ChatCluster (instance label) it belongs to.
fn watch_children(client: &Client, namespace: &str, seen: &Seen) {
    spawn_watch::<ServiceAccount>(client, namespace, seen);
    spawn_watch::<ConfigMap>(client, namespace, seen);
    spawn_watch::<Secret>(client, namespace, seen);
    spawn_watch::<Job>(client, namespace, seen);
    spawn_watch::<Service>(client, namespace, seen);
    spawn_watch::<PodDisruptionBudget>(client, namespace, seen);
    spawn_watch::<NetworkPolicy>(client, namespace, seen);
}

fn spawn_watch<K>(client: &Client, namespace: &str, seen: &Seen)
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let seen = seen.clone();
    let config = watcher::Config::default().labels(MANAGED_BY_SELECTOR);
    tokio::spawn(async move {
        let mut known = std::collections::HashSet::new();
        let mut events = watcher(api, config).applied_objects().boxed();
        while let Some(event) = events.next().await {
            let Ok(object) = event else { continue };
            let Some(instance) = object.labels().get("app.kubernetes.io/instance").cloned() else {
                continue;
            };
            if known.insert(object.name_any()) {
                let now = Instant::now();
                if let Ok(mut seen) = seen.lock() {
                    seen.entry(instance).or_default().push(now);
                }
            }
        }
    });
}

fn cluster(name: &str) -> anyhow::Result<ChatCluster> {
    let spec = serde_json::json!({
        "image": "ghcr.io/gochat/gochat:0.1.0",
        "scylla": {"contactPoints": ["scylla:9042"]},
        "redis": {"url": "redis://redis:6379/"},
        "smtp": {"host": "mail", "tls": "none", "from": "gochat <no-reply@example.invalid>"},
    });
    Ok(ChatCluster::new(name, serde_json::from_value(spec)?))
}

/// Waits until every cluster in `names` has all its children, returning when the last
/// one's last child was seen (or `None` after `timeout`).
async fn all_present(seen: &Seen, names: &[String], timeout: Duration) -> Option<Instant> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(seen) = seen.lock() {
            let done: Option<Vec<Instant>> = names
                .iter()
                .map(|n| {
                    seen.get(n)
                        .filter(|t| t.len() >= CHILDREN)
                        .and_then(|t| t.iter().max().copied())
                })
                .collect();
            if let Some(times) = done {
                return times.into_iter().max();
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Creates `singles` ChatClusters one after another, then `batch` at once, in `namespace`.
pub async fn run(
    namespace: &str,
    singles: usize,
    batch: usize,
    operator_pid: Option<u32>,
) -> anyhow::Result<OperatorBench> {
    let client = Client::try_default()
        .await
        .context("Kubernetes client (KUBECONFIG)")?;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let mut ns = Namespace::default();
    ns.metadata.name = Some(namespace.to_owned());
    match namespaces.create(&PostParams::default(), &ns).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(e) => return Err(e.into()),
    }
    let seen: Seen = Arc::default();
    watch_children(&client, namespace, &seen);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let api: Api<ChatCluster> = Api::namespaced(client.clone(), namespace);

    let mut samples = Vec::new();
    for i in 0..singles {
        let name = format!("single-{i}");
        let started = Instant::now();
        api.create(&PostParams::default(), &cluster(&name)?).await?;
        let done = all_present(&seen, std::slice::from_ref(&name), Duration::from_secs(30))
            .await
            .with_context(|| format!("{name}: children did not all appear within 30 s"))?;
        samples.push(u64::try_from(done.duration_since(started).as_micros()).unwrap_or(u64::MAX));
    }

    let names: Vec<String> = (0..batch).map(|i| format!("batch-{i}")).collect();
    let started = Instant::now();
    stream::iter(names.clone())
        .map(|name| {
            let api = api.clone();
            async move {
                api.create(&PostParams::default(), &cluster(&name)?)
                    .await
                    .map_err(anyhow::Error::from)
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;
    let done = all_present(&seen, &names, Duration::from_secs(300))
        .await
        .context("the batch's children did not all appear within 300 s")?;
    Ok(OperatorBench {
        singles,
        single: summarise(&mut samples),
        batch,
        batch_seconds: done.duration_since(started).as_secs_f64(),
        operator_rss_kib: operator_pid.and_then(|pid| rss_kib(&[pid])),
    })
}
