//! The ChatCluster's status, computed from what the reconcile saw: the migration, the
//! Deployments' own status and the gateway Service.

use std::collections::BTreeMap;

use k8s_openapi::api::{apps::v1::Deployment, core::v1::Service};

use crate::{
    children::migration::Outcome,
    component::Component,
    crd::{ChatClusterStatus, ComponentStatus, Condition},
};

/// What one reconcile observed.
#[derive(Debug)]
pub struct Observed<'a> {
    /// The spec generation reconciled.
    pub generation: i64,
    /// The image the spec asks for.
    pub image: &'a str,
    /// The image whose migration has succeeded, if any.
    pub migrated_image: Option<String>,
    /// The migration Job of the spec's image, when one was needed.
    pub migration: Option<Outcome>,
    /// The Deployments as the API server returned them, with their status.
    pub deployments: Vec<(Component, Deployment)>,
    /// The gateway Service as returned by the API server.
    pub gateway_service: &'a Service,
    /// The gateway Service's port.
    pub gateway_port: i32,
}

/// The status for `observed`, keeping each condition's transition time from `previous`
/// when its status did not change (so an unchanged world yields an identical status).
pub fn compute(
    observed: &Observed<'_>,
    previous: Option<&ChatClusterStatus>,
    now: &str,
) -> ChatClusterStatus {
    let components: BTreeMap<String, ComponentStatus> = observed
        .deployments
        .iter()
        .map(|(component, deployment)| (component.name().to_owned(), component_status(deployment)))
        .collect();
    let (ready, progressing, degraded) = assess(observed, &components);
    let conditions = [
        ("Ready", ready),
        ("Progressing", progressing),
        ("Degraded", degraded),
    ]
    .into_iter()
    .map(|(kind, (holds, reason, message))| {
        let status = if holds { "True" } else { "False" }.to_owned();
        let last_transition_time = previous
            .and_then(|p| p.conditions.iter().find(|c| c.type_ == kind))
            .filter(|c| c.status == status)
            .map_or_else(|| now.to_owned(), |c| c.last_transition_time.clone());
        Condition {
            type_: kind.to_owned(),
            status,
            reason: reason.to_owned(),
            message,
            last_transition_time,
            observed_generation: observed.generation,
        }
    })
    .collect();
    ChatClusterStatus {
        observed_generation: Some(observed.generation),
        conditions,
        components,
        gateway_endpoint: gateway_endpoint(observed.gateway_service, observed.gateway_port),
        migrated_image: observed.migrated_image.clone(),
    }
}

type Verdict = (bool, &'static str, String);

fn assess(
    observed: &Observed<'_>,
    components: &BTreeMap<String, ComponentStatus>,
) -> (Verdict, Verdict, Verdict) {
    let failed = observed
        .deployments
        .iter()
        .find(|(_, d)| has_condition(d, "Progressing", "False"));
    if observed.migration == Some(Outcome::Failed) {
        let message = format!("the schema migration for image {} failed", observed.image);
        return (
            (false, "MigrationFailed", message.clone()),
            (false, "MigrationFailed", message.clone()),
            (true, "MigrationFailed", message),
        );
    }
    if let Some((component, _)) = failed {
        let message = format!(
            "the {} rollout exceeded its progress deadline",
            component.name()
        );
        return (
            (false, "RolloutStalled", message.clone()),
            (false, "RolloutStalled", message.clone()),
            (true, "RolloutStalled", message),
        );
    }
    let healthy = (false, "AsExpected", "nothing is failing".to_owned());
    if observed.migration == Some(Outcome::Running) {
        let message = format!("migrating the schema for image {}", observed.image);
        return (
            (false, "Migrating", message.clone()),
            (true, "Migrating", message),
            healthy,
        );
    }
    let waiting: Vec<String> = components
        .iter()
        .filter(|(_, s)| s.ready < s.desired || s.updated < s.desired)
        .map(|(name, s)| format!("{name} {}/{}", s.ready, s.desired))
        .collect();
    let stale = observed
        .deployments
        .iter()
        .any(|(_, d)| !observed_current(d));
    if waiting.is_empty() && !stale {
        let message = "every component is ready".to_owned();
        (
            (true, "AllReady", message.clone()),
            (false, "AllReady", message),
            healthy,
        )
    } else {
        let message = if waiting.is_empty() {
            "waiting for the Deployments to observe their new spec".to_owned()
        } else {
            format!("waiting for ready pods: {}", waiting.join(", "))
        };
        (
            (false, "RollingOut", message.clone()),
            (true, "RollingOut", message),
            healthy,
        )
    }
}

fn component_status(deployment: &Deployment) -> ComponentStatus {
    let status = deployment.status.clone().unwrap_or_default();
    ComponentStatus {
        desired: deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1),
        ready: status.ready_replicas.unwrap_or(0),
        updated: status.updated_replicas.unwrap_or(0),
    }
}

fn observed_current(deployment: &Deployment) -> bool {
    let observed = deployment
        .status
        .as_ref()
        .and_then(|s| s.observed_generation);
    observed.is_some() && observed == deployment.metadata.generation
}

fn has_condition(deployment: &Deployment, kind: &str, status: &str) -> bool {
    deployment
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == status))
}

fn gateway_endpoint(service: &Service, port: i32) -> Option<String> {
    let name = service.metadata.name.as_deref()?;
    let namespace = service.metadata.namespace.as_deref()?;
    let spec = service.spec.as_ref()?;
    match spec.type_.as_deref() {
        Some("LoadBalancer") => {
            let ingress = service
                .status
                .as_ref()?
                .load_balancer
                .as_ref()?
                .ingress
                .as_ref()?
                .first()?;
            let host = ingress.hostname.clone().or_else(|| ingress.ip.clone())?;
            Some(format!("{host}:{port}"))
        }
        Some("NodePort") => {
            let node_port = spec.ports.as_ref()?.first()?.node_port?;
            Some(format!("<node>:{node_port}"))
        }
        _ => Some(format!("{name}.{namespace}.svc:{port}")),
    }
}

/// The condition `kind` of `status`, if present.
pub fn condition<'a>(status: Option<&'a ChatClusterStatus>, kind: &str) -> Option<&'a Condition> {
    status?.conditions.iter().find(|c| c.type_ == kind)
}
