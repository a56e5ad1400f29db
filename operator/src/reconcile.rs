//! One reconcile of a ChatCluster: apply every child with server-side apply, gate the
//! rollout on the schema migration, and write the status only when it changed.

use std::{
    fmt::Debug,
    sync::Arc,
    time::{Duration, Instant},
};

use k8s_openapi::{NamespaceResourceScope, api::core::v1::Secret};
use kube::{
    Api, Client, Resource, ResourceExt,
    api::{Patch, PatchParams, PostParams},
    runtime::{
        controller::Action,
        events::{Event, EventType, Recorder},
    },
};
use serde::{Serialize, de::DeserializeOwned};
use tracing::Instrument;

use crate::{
    children::{
        Owner, config, deployment,
        migration::{self, Outcome},
        network_policy, pdb, service, service_account, signing_key, tls,
    },
    component::Component,
    crd::{ChatCluster, ChatClusterStatus},
    error::Error,
    metrics,
    names::MANAGER,
    status::{self, Observed},
};

/// How often a ChatCluster is reconciled when nothing happens (a safety net: changes to
/// it and its children trigger reconciles at once).
const RESYNC: Duration = Duration::from_secs(300);

/// What every reconcile shares.
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Publishes Kubernetes Events about ChatClusters.
    pub recorder: Recorder,
}

impl Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").finish_non_exhaustive()
    }
}

/// Reconciles one ChatCluster, recording metrics.
pub async fn reconcile(cluster: Arc<ChatCluster>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let span = tracing::info_span!(
        "reconcile",
        chatcluster = %cluster.name_any(),
        namespace = cluster.namespace().unwrap_or_default(),
        generation = cluster.metadata.generation.unwrap_or(0),
    );
    let result = reconcile_cluster(&cluster, &ctx).instrument(span).await;
    metrics::RECONCILE_DURATION.observe(started.elapsed().as_secs_f64());
    match &result {
        Ok(_) => metrics::RECONCILES.with_label_values(&["ok"]).inc(),
        Err(e) => {
            metrics::RECONCILES.with_label_values(&["error"]).inc();
            metrics::RECONCILE_ERRORS
                .with_label_values(&[e.kind()])
                .inc();
        }
    }
    result
}

/// After a failed reconcile: log, and retry soon.
pub fn error_policy(cluster: Arc<ChatCluster>, error: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!(
        chatcluster = %cluster.name_any(),
        namespace = cluster.namespace().unwrap_or_default(),
        error = %error,
        "reconcile failed"
    );
    Action::requeue(Duration::from_secs(10))
}

async fn reconcile_cluster(cluster: &ChatCluster, ctx: &Context) -> Result<Action, Error> {
    if cluster.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let owner = Owner::new(cluster).ok_or(Error::MissingMetadata)?;
    let client = &ctx.client;
    let ns = owner.namespace.as_str();
    let spec = &cluster.spec;

    apply(client, ns, &service_account::build(&owner)).await?;
    let config_map = config::build(&owner);
    apply(client, ns, &config_map).await?;
    let key_fingerprint = ensure_signing_key(&owner, ctx).await?;
    let tls_fingerprint = ensure_certificates(&owner, ctx).await?;
    let checksum = config::checksum(
        &config::data(&owner),
        &format!("{key_fingerprint}/{tls_fingerprint}"),
    );

    let mut gateway_service = None;
    for component in Component::ALL {
        let applied = apply(client, ns, &service::build(&owner, component)).await?;
        if component == Component::Gateway {
            gateway_service = Some(applied);
        }
        apply(client, ns, &pdb::build(&owner, component)).await?;
        apply(client, ns, &network_policy::build(&owner, component)).await?;
    }

    let previous = cluster.status.as_ref();
    let mut migrated_image = previous.and_then(|s| s.migrated_image.clone());
    let mut migration = None;
    if migrated_image.as_deref() != Some(spec.image.as_str()) {
        let job = apply(client, ns, &migration::build(&owner, &spec.image)).await?;
        let outcome = migration::outcome(&job);
        migration = Some(outcome);
        if outcome == Outcome::Succeeded {
            migrated_image = Some(spec.image.clone());
            migration = None;
        }
    }

    let mut deployments = Vec::new();
    if let Some(image) = &migrated_image {
        for component in Component::ALL {
            let desired = deployment::build(&owner, component, image, &checksum);
            deployments.push((component, apply(client, ns, &desired).await?));
        }
    }

    let gateway_service = gateway_service.unwrap_or_default();
    let observed = Observed {
        generation: cluster.metadata.generation.unwrap_or(0),
        image: &spec.image,
        migrated_image,
        migration,
        deployments,
        gateway_service: &gateway_service,
        gateway_port: spec.gateway.service.port,
    };
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let next = status::compute(&observed, previous, &now);
    if previous != Some(&next) {
        write_status(cluster, &next, ctx).await?;
        announce(cluster, previous, &next, ctx).await;
    }
    Ok(Action::requeue(RESYNC))
}

/// Server-side applies `object` under the operator's field manager, taking over fields
/// someone else changed (that is how hand edits are reverted). Unchanged objects are not
/// written by the API server.
async fn apply<K>(client: &Client, namespace: &str, object: &K) -> Result<K, Error>
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let name = object.meta().name.clone().unwrap_or_default();
    let params = PatchParams::apply(MANAGER).force();
    match api.patch(&name, &params, &Patch::Apply(object)).await {
        // A hand edit can change a list entry's key (e.g. a Service port number): apply
        // then merges ours back beside it and the result is invalid. A merge patch replaces
        // such lists with ours; the second apply takes their ownership back.
        Err(kube::Error::Api(status)) if status.code == 422 => {
            tracing::warn!(
                kind = K::kind(&()).as_ref(),
                name,
                reason = status.message,
                "server-side apply refused after a hand edit; restoring with a merge patch"
            );
            let merge = PatchParams {
                field_manager: Some(MANAGER.to_owned()),
                ..PatchParams::default()
            };
            api.patch(&name, &merge, &Patch::Merge(object)).await?;
            Ok(api.patch(&name, &params, &Patch::Apply(object)).await?)
        }
        result => Ok(result?),
    }
}

/// Returns the fingerprint of the certificates Secret, issuing certificates (and, the first
/// time, the CAs) when they are missing or due (see `children::tls`).
async fn ensure_certificates(owner: &Owner<'_>, ctx: &Context) -> Result<String, Error> {
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &owner.namespace);
    let certs = api.get_opt(&owner.names.tls()).await?;
    let now = gochat_runtime::clock::now_ms() / 1000;
    let ca = api.get_opt(&owner.names.tls_ca()).await?;
    // Without its CAs (deleted by hand) nothing more can be issued under them: everything is
    // issued anew at once.
    if let Some(current) = certs
        .as_ref()
        .filter(|c| ca.is_some() && !tls::due(Some(c), now))
    {
        return Ok(tls::fingerprint(current));
    }
    let (ca_secret, certs_secret) = tls::issue(owner, ca.as_ref(), now)?;
    if ca.is_none() {
        apply(&ctx.client, &owner.namespace, &ca_secret).await?;
    }
    let applied = apply(&ctx.client, &owner.namespace, &certs_secret).await?;
    let (reason, note) = if certs.is_some() {
        (
            "CertificatesRotated",
            "issued new TLS certificates under the same CAs; pods roll onto them",
        )
    } else {
        (
            "CertificatesIssued",
            "issued the TLS CAs and certificates of every service",
        )
    };
    publish(
        ctx,
        owner.cluster,
        EventType::Normal,
        reason,
        note.to_owned(),
    )
    .await;
    Ok(tls::fingerprint(&applied))
}

/// Returns the signing key's fingerprint, creating the Secret when it does not exist.
/// An existing Secret is never overwritten.
async fn ensure_signing_key(owner: &Owner<'_>, ctx: &Context) -> Result<String, Error> {
    let api: Api<Secret> = Api::namespaced(ctx.client.clone(), &owner.namespace);
    let name = owner.names.signing_key();
    if let Some(existing) = api.get_opt(&name).await? {
        return signing_key::fingerprint(&existing).ok_or(Error::InvalidSigningKey(name));
    }
    let secret = signing_key::generate(owner)?;
    let params = PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PostParams::default()
    };
    let created = match api.create(&params, &secret).await {
        Ok(created) => {
            let replaced = owner.cluster.status.is_some();
            let (type_, reason, note) = if replaced {
                (
                    EventType::Warning,
                    "SigningKeyRecreated",
                    "the signing key Secret was missing; a new key was generated and existing access tokens stop validating",
                )
            } else {
                (
                    EventType::Normal,
                    "SigningKeyCreated",
                    "generated the access-token signing key",
                )
            };
            publish(ctx, owner.cluster, type_, reason, note.to_owned()).await;
            created
        }
        Err(kube::Error::Api(status)) if status.code == 409 => api.get(&name).await?,
        Err(e) => return Err(e.into()),
    };
    signing_key::fingerprint(&created).ok_or(Error::InvalidSigningKey(name))
}

async fn write_status(
    cluster: &ChatCluster,
    status: &ChatClusterStatus,
    ctx: &Context,
) -> Result<(), Error> {
    let api: Api<ChatCluster> = Api::namespaced(
        ctx.client.clone(),
        cluster.metadata.namespace.as_deref().unwrap_or_default(),
    );
    let body = serde_json::json!({
        "apiVersion": ChatCluster::api_version(&()),
        "kind": ChatCluster::kind(&()),
        "status": status,
    });
    let result = api
        .patch_status(
            &cluster.name_any(),
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(&body),
        )
        .await;
    let label = if result.is_ok() { "ok" } else { "error" };
    metrics::STATUS_WRITES.with_label_values(&[label]).inc();
    result?;
    Ok(())
}

/// Events for the transitions worth telling a user about.
async fn announce(
    cluster: &ChatCluster,
    previous: Option<&ChatClusterStatus>,
    next: &ChatClusterStatus,
    ctx: &Context,
) {
    let before =
        |kind| status::condition(previous, kind).map(|c| (c.status.clone(), c.reason.clone()));
    let after = |kind| status::condition(Some(next), kind);
    let migrated_before = previous.and_then(|p| p.migrated_image.as_deref());
    if let Some(image) = next
        .migrated_image
        .as_deref()
        .filter(|i| Some(*i) != migrated_before)
    {
        let note = format!("schema migrated for image {image}; rolling the components to it");
        publish(ctx, cluster, EventType::Normal, "Migrated", note).await;
    }
    if let Some(ready) = after("Ready") {
        let was = before("Ready").map(|(s, _)| s);
        if ready.status == "True" && was.as_deref() != Some("True") {
            publish(
                ctx,
                cluster,
                EventType::Normal,
                "Ready",
                ready.message.clone(),
            )
            .await;
        }
        if ready.status == "False" && was.as_deref() == Some("True") {
            publish(
                ctx,
                cluster,
                EventType::Warning,
                "NotReady",
                ready.message.clone(),
            )
            .await;
        }
    }
    if let Some(degraded) = after("Degraded") {
        let changed =
            before("Degraded") != Some((degraded.status.clone(), degraded.reason.clone()));
        if degraded.status == "True" && changed {
            publish(
                ctx,
                cluster,
                EventType::Warning,
                &degraded.reason,
                degraded.message.clone(),
            )
            .await;
        }
    }
    if let Some(progressing) = after("Progressing") {
        let changed =
            before("Progressing") != Some((progressing.status.clone(), progressing.reason.clone()));
        if progressing.status == "True" && changed {
            publish(
                ctx,
                cluster,
                EventType::Normal,
                &progressing.reason,
                progressing.message.clone(),
            )
            .await;
        }
    }
}

async fn publish(
    ctx: &Context,
    cluster: &ChatCluster,
    type_: EventType,
    reason: &str,
    note: String,
) {
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(note),
        action: "Reconcile".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &cluster.object_ref(&())).await {
        tracing::warn!(error = %e, reason, "publishing an event failed");
    }
}
