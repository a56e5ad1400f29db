//! One Deployment per component, and the container and pod settings it shares with the
//! migration Job.

use std::collections::BTreeMap;

use k8s_openapi::{
    api::{
        apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment},
        core::v1::{
            Capabilities, ConfigMapEnvSource, Container, ContainerPort, EmptyDirVolumeSource,
            EnvFromSource, EnvVar, EnvVarSource, HTTPGetAction, LocalObjectReference,
            ObjectFieldSelector, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
            SeccompProfile, SecretKeySelector, SecretVolumeSource, SecurityContext, Volume,
            VolumeMount,
        },
    },
    apimachinery::pkg::{
        apis::meta::v1::{LabelSelector, ObjectMeta},
        util::intstr::IntOrString,
    },
};

use super::{
    Owner,
    config::DATA_DIR,
    signing_key::{KEY_FILE, MOUNT_DIR},
    tls,
};
use crate::{
    component::Component,
    crd::{ComponentSpec, CredentialsSecret},
};

/// Annotation on pod templates carrying the configuration checksum.
pub const CHECKSUM_ANNOTATION: &str = "gochat.dev/config-checksum";
/// Seconds a pod gets to drain after SIGTERM (gochat drains for 20 by default).
const TERMINATION_GRACE_SECONDS: i64 = 30;

/// How often a probe runs and how many failures in a row count.
#[derive(Clone, Copy)]
struct Cadence {
    period_seconds: i32,
    failure_threshold: i32,
}

/// Restart after 30 s of failing `/healthz`.
const LIVENESS: Cadence = Cadence {
    period_seconds: 10,
    failure_threshold: 3,
};
/// `/readyz` every 2 s: the kubelet probes once as the container starts, usually before the
/// server listens, and a pod is Ready only at the next probe, so the period is what a new pod
/// (a rollout step, a replacement) waits for; 3 failures in a row (6 s) take it out of its
/// Services.
const READINESS: Cadence = Cadence {
    period_seconds: 2,
    failure_threshold: 3,
};

/// Which secrets a container gets as environment variables.
#[derive(Clone, Copy, Debug, Default)]
pub struct SecretNeeds {
    /// The CQL username and password.
    pub cql: bool,
    /// The SMTP username and password.
    pub smtp: bool,
}

/// The Deployment of `component`, running `image`, whose pods carry `checksum`.
pub fn build(owner: &Owner<'_>, component: Component, image: &str, checksum: &str) -> Deployment {
    let names = &owner.names;
    let spec = component.spec(&owner.cluster.spec);
    let needs = SecretNeeds {
        cql: matches!(component, Component::Auth | Component::Chat),
        smtp: component == Component::Email,
    };
    let mut env = vec![plain(
        "OTEL_SERVICE_NAME",
        format!("gochat-{}", component.name()),
    )];
    match component {
        Component::Gateway => env.push(EnvVar {
            name: "GOCHAT_GATEWAY_ID".to_owned(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: "metadata.name".to_owned(),
                    ..ObjectFieldSelector::default()
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        }),
        Component::Chat => env.push(plain("GOCHAT_NODE_ID", "auto".to_owned())),
        Component::Auth => env.push(plain(
            "GOCHAT_SIGNING_KEY_FILE",
            format!("{MOUNT_DIR}/{KEY_FILE}"),
        )),
        Component::Email => {}
    }
    let mut container = container(owner, component.name(), image, needs, env, spec);
    container.ports = Some(ports(component));
    container.liveness_probe = Some(probe("/healthz", component.ops_port(), LIVENESS));
    container.readiness_probe = Some(probe("/readyz", component.ops_port(), READINESS));
    let mut pod = pod_spec(owner, container, spec);
    if component == Component::Auth {
        mount_signing_key(owner, &mut pod);
    }
    mount_certificates(owner, &mut pod);
    let labels = names.component_labels(component);
    let annotations = BTreeMap::from([
        (CHECKSUM_ANNOTATION.to_owned(), checksum.to_owned()),
        ("prometheus.io/scrape".to_owned(), "true".to_owned()),
        (
            "prometheus.io/port".to_owned(),
            component.ops_port().to_string(),
        ),
        ("prometheus.io/path".to_owned(), "/metrics".to_owned()),
    ]);
    Deployment {
        metadata: owner.meta(names.component(component), labels.clone()),
        spec: Some(DeploymentSpec {
            replicas: Some(spec.replicas),
            selector: LabelSelector {
                match_labels: Some(names.selector(component)),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    annotations: Some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// The gochat container running `gochat <args>` with the shared configuration, the secrets
/// in `needs`, then `env`, then the user's extra variables (which win on a name clash).
pub fn container(
    owner: &Owner<'_>,
    arg: &str,
    image: &str,
    needs: SecretNeeds,
    env: Vec<EnvVar>,
    spec: &ComponentSpec,
) -> Container {
    let cluster = &owner.cluster.spec;
    let mut all = Vec::new();
    if let Some(secret) = &cluster.redis.url_secret {
        all.push(from_secret("GOCHAT_REDIS_URL", &secret.name, &secret.key));
    }
    if let (true, Some(credentials)) = (needs.cql, &cluster.scylla.credentials_secret) {
        all.extend(credential_env("CQL", credentials));
    }
    if let (true, Some(credentials)) = (needs.smtp, &cluster.smtp.credentials_secret) {
        all.extend(credential_env("SMTP", credentials));
    }
    all.extend(env);
    for extra in &spec.env {
        all.retain(|e| e.name != extra.name);
        all.push(extra.clone());
    }
    Container {
        name: "gochat".to_owned(),
        image: Some(image.to_owned()),
        image_pull_policy: cluster.image_pull_policy.map(|p| p.as_str().to_owned()),
        command: Some(vec!["/usr/local/bin/gochat".to_owned()]),
        args: Some(vec![arg.to_owned()]),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: owner.names.config(),
                optional: Some(false),
            }),
            ..EnvFromSource::default()
        }]),
        env: (!all.is_empty()).then_some(all),
        resources: spec.resources.clone(),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                ..Capabilities::default()
            }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![VolumeMount {
            name: "data".to_owned(),
            mount_path: DATA_DIR.to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    }
}

/// The pod around `container`: scheduling from `spec`, security, the data volume.
pub fn pod_spec(owner: &Owner<'_>, container: Container, spec: &ComponentSpec) -> PodSpec {
    let cluster = &owner.cluster.spec;
    let pull_secrets: Vec<LocalObjectReference> = cluster
        .image_pull_secrets
        .iter()
        .map(|s| LocalObjectReference {
            name: s.name.clone(),
        })
        .collect();
    PodSpec {
        service_account_name: Some(owner.names.service_account()),
        automount_service_account_token: Some(false),
        containers: vec![container],
        image_pull_secrets: (!pull_secrets.is_empty()).then_some(pull_secrets),
        node_selector: (!spec.node_selector.is_empty()).then(|| spec.node_selector.clone()),
        affinity: spec.affinity.clone(),
        tolerations: (!spec.tolerations.is_empty()).then(|| spec.tolerations.clone()),
        topology_spread_constraints: (!spec.topology_spread_constraints.is_empty())
            .then(|| spec.topology_spread_constraints.clone()),
        termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(65532),
            run_as_group: Some(65532),
            fs_group: Some(65532),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        volumes: Some(vec![Volume {
            name: "data".to_owned(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    }
}

/// Mounts the certificates Secret at [`tls::MOUNT_DIR`], which `GOCHAT_TLS_DIR` names.
fn mount_certificates(owner: &Owner<'_>, pod: &mut PodSpec) {
    mount_secret(pod, "tls", owner.names.tls(), tls::MOUNT_DIR);
    if let Some(container) = pod.containers.first_mut() {
        container
            .env
            .get_or_insert_default()
            .push(plain("GOCHAT_TLS_DIR", tls::MOUNT_DIR.to_owned()));
    }
}

fn mount_signing_key(owner: &Owner<'_>, pod: &mut PodSpec) {
    mount_secret(pod, "signing-key", owner.names.signing_key(), MOUNT_DIR);
}

/// Mounts the Secret `secret` read-only at `dir` in the pod's container, as volume `volume`
/// (files readable by the owner and group only).
fn mount_secret(pod: &mut PodSpec, volume: &str, secret: String, dir: &str) {
    pod.volumes.get_or_insert_default().push(Volume {
        name: volume.to_owned(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(secret),
            default_mode: Some(0o440),
            ..SecretVolumeSource::default()
        }),
        ..Volume::default()
    });
    if let Some(container) = pod.containers.first_mut() {
        container
            .volume_mounts
            .get_or_insert_default()
            .push(VolumeMount {
                name: volume.to_owned(),
                mount_path: dir.to_owned(),
                read_only: Some(true),
                ..VolumeMount::default()
            });
    }
}

fn ports(component: Component) -> Vec<ContainerPort> {
    let mut ports = vec![ContainerPort {
        name: Some(
            if component == Component::Gateway {
                "http"
            } else {
                "ops"
            }
            .to_owned(),
        ),
        container_port: component.ops_port(),
        protocol: Some("TCP".to_owned()),
        ..ContainerPort::default()
    }];
    if let Some(grpc) = component.grpc_port() {
        ports.push(ContainerPort {
            name: Some("grpc".to_owned()),
            container_port: grpc,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        });
    }
    ports
}

fn probe(path: &str, port: i32, cadence: Cadence) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(port),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(cadence.period_seconds),
        timeout_seconds: Some(2),
        failure_threshold: Some(cadence.failure_threshold),
        ..Probe::default()
    }
}

fn plain(name: &str, value: String) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value),
        ..EnvVar::default()
    }
}

fn from_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

fn credential_env(kind: &str, secret: &CredentialsSecret) -> [EnvVar; 2] {
    [
        from_secret(
            &format!("GOCHAT_{kind}_USERNAME"),
            &secret.name,
            &secret.username_key,
        ),
        from_secret(
            &format!("GOCHAT_{kind}_PASSWORD"),
            &secret.name,
            &secret.password_key,
        ),
    ]
}
