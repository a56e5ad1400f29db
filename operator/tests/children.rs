//! The desired children built from the examples, and the status computed from what the
//! API server reports: checked without an API server (the Kubernetes tier checks them
//! against a real one).

use std::path::Path;

use gochat_operator::{
    children::{
        Owner, config, deployment,
        migration::{self, Outcome},
        network_policy, service, signing_key, tls,
    },
    component::Component,
    crd::ChatCluster,
    status::{self, Observed},
};
use k8s_openapi::{
    api::{
        apps::v1::{Deployment, DeploymentStatus},
        core::v1::{Probe, Service},
    },
    apimachinery::pkg::util::intstr::IntOrString,
};

fn example(file: &str) -> ChatCluster {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("example readable");
    let doc = text
        .split("\n---\n")
        .find(|d| d.contains("kind: ChatCluster"))
        .expect("a ChatCluster document");
    let mut cluster: ChatCluster = serde_yaml::from_str(doc).expect("the example parses");
    cluster.metadata.namespace = Some("demo".to_owned());
    cluster.metadata.uid = Some("0f6a2b4e-1111-2222-3333-444455556666".to_owned());
    cluster.metadata.generation = Some(3);
    cluster
}

fn env_value(d: &Deployment, name: &str) -> Option<String> {
    let container = &d.spec.as_ref()?.template.spec.as_ref()?.containers[0];
    let var = container.env.as_ref()?.iter().find(|e| e.name == name)?;
    var.value.clone().or_else(|| {
        Some(
            var.value_from
                .as_ref()?
                .secret_key_ref
                .as_ref()?
                .name
                .clone(),
        )
    })
}

#[test]
fn children_carry_a_controller_owner_reference_and_labels() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    let d = deployment::build(&owner, Component::Gateway, "img:1", "abc");
    let reference = &d.metadata.owner_references.as_ref().expect("owner")[0];
    assert_eq!(reference.kind, "ChatCluster");
    assert_eq!(reference.name, "minimal");
    assert_eq!(reference.controller, Some(true));
    let labels = d.metadata.labels.expect("labels");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "gochat-operator");
    assert_eq!(labels["app.kubernetes.io/component"], "gateway");
}

#[test]
fn probes_check_health_and_readiness_on_the_ops_port() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    for (component, port) in [(Component::Gateway, 8080), (Component::Chat, 8081)] {
        let d = deployment::build(&owner, component, "img:1", "abc");
        let pod = d.spec.expect("spec").template.spec.expect("pod spec");
        let container = &pod.containers[0];
        let ready = container.readiness_probe.as_ref().expect("readiness probe");
        let live = container.liveness_probe.as_ref().expect("liveness probe");
        let target = |p: &Probe| {
            let get = p.http_get.as_ref().expect("an HTTP probe");
            (get.path.clone().unwrap_or_default(), get.port.clone())
        };
        assert_eq!(
            target(ready),
            ("/readyz".to_owned(), IntOrString::Int(port))
        );
        assert_eq!(
            target(live),
            ("/healthz".to_owned(), IntOrString::Int(port))
        );
        // A new pod is Ready one period after its server listens: 2 s, not 10.
        assert_eq!(
            (ready.period_seconds, ready.failure_threshold),
            (Some(2), Some(3))
        );
        assert_eq!(
            (live.period_seconds, live.failure_threshold),
            (Some(10), Some(3))
        );
    }
}

#[test]
fn secrets_reach_only_the_components_that_use_them() {
    let cluster = example("full.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    let auth = deployment::build(&owner, Component::Auth, "img:1", "abc");
    let gateway = deployment::build(&owner, Component::Gateway, "img:1", "abc");
    assert_eq!(
        env_value(&auth, "GOCHAT_CQL_PASSWORD").as_deref(),
        Some("full-cql")
    );
    assert_eq!(env_value(&gateway, "GOCHAT_CQL_PASSWORD"), None);
    assert_eq!(
        env_value(&gateway, "GOCHAT_REDIS_URL").as_deref(),
        Some("full-redis")
    );
    assert_eq!(
        env_value(&gateway, "GOCHAT_SEND_RATE_PER_SECOND").as_deref(),
        Some("100"),
        "the user's env is applied"
    );
    assert_eq!(
        env_value(&auth, "GOCHAT_SIGNING_KEY_FILE").as_deref(),
        Some("/etc/gochat/signing-key/signing-key.pem")
    );
}

#[test]
fn extra_env_replaces_the_operators_variable_of_the_same_name() {
    let mut cluster = example("minimal.yaml");
    cluster.spec.chat.env = vec![k8s_openapi::api::core::v1::EnvVar {
        name: "GOCHAT_NODE_ID".to_owned(),
        value: Some("7".to_owned()),
        ..Default::default()
    }];
    let owner = Owner::new(&cluster).expect("complete metadata");
    let chat = deployment::build(&owner, Component::Chat, "img:1", "abc");
    let env = chat.spec.unwrap().template.spec.unwrap().containers[0]
        .env
        .clone()
        .unwrap();
    let node_ids: Vec<_> = env.iter().filter(|e| e.name == "GOCHAT_NODE_ID").collect();
    assert_eq!(
        node_ids.len(),
        1,
        "no duplicate names (server-side apply refuses them)"
    );
    assert_eq!(node_ids[0].value.as_deref(), Some("7"));
}

#[test]
fn checksum_changes_with_the_configuration_and_the_key_only() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    let data = config::data(&owner);
    let base = config::checksum(&data, "key1");
    assert_eq!(base, config::checksum(&data, "key1"));
    assert_ne!(base, config::checksum(&data, "key2"));
    let mut changed = cluster.clone();
    changed.spec.smtp.from = "other <x@example.com>".to_owned();
    let owner2 = Owner::new(&changed).expect("complete metadata");
    assert_ne!(base, config::checksum(&config::data(&owner2), "key1"));
}

#[test]
fn redis_prefix_defaults_to_namespace_and_name() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    assert_eq!(config::data(&owner)["GOCHAT_REDIS_PREFIX"], "demo.minimal");
}

#[test]
fn network_policies_admit_only_the_callers() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    let caller_of = |component| {
        let policy = network_policy::build(&owner, component);
        let rule = &policy.spec.unwrap().ingress.unwrap()[1];
        let from = rule.from.as_ref().unwrap()[0].pod_selector.clone().unwrap();
        from.match_labels.unwrap()["app.kubernetes.io/component"].clone()
    };
    assert_eq!(caller_of(Component::Auth), "gateway");
    assert_eq!(caller_of(Component::Chat), "gateway");
    assert_eq!(caller_of(Component::Email), "auth");
    let gateway = network_policy::build(&owner, Component::Gateway)
        .spec
        .unwrap();
    let open = &gateway.ingress.unwrap()[0];
    assert!(open.from.is_none(), "the API is open to every source");
}

#[test]
fn a_generated_signing_key_has_a_fingerprint_and_garbage_has_none() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    let secret = signing_key::generate(&owner).expect("a key");
    let fingerprint = signing_key::fingerprint(&secret).expect("a valid key");
    let other = signing_key::generate(&owner).expect("a key");
    assert_ne!(Some(fingerprint), signing_key::fingerprint(&other));
    let mut broken = secret.clone();
    broken.data.as_mut().unwrap().insert(
        signing_key::KEY_FILE.to_owned(),
        k8s_openapi::ByteString(b"not a key".to_vec()),
    );
    assert_eq!(signing_key::fingerprint(&broken), None);
}

#[test]
fn each_image_gets_its_own_migration_job() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    let a = migration::build(&owner, "img:1").metadata.name.unwrap();
    let b = migration::build(&owner, "img:2").metadata.name.unwrap();
    assert_ne!(a, b);
    assert!(a.len() <= 63, "Job names become pod labels: {a}");
}

fn deployment_with(replicas: i32, ready: i32, updated: i32) -> Deployment {
    let mut d = Deployment::default();
    d.metadata.generation = Some(2);
    d.spec = Some(k8s_openapi::api::apps::v1::DeploymentSpec {
        replicas: Some(replicas),
        ..Default::default()
    });
    d.status = Some(DeploymentStatus {
        observed_generation: Some(2),
        ready_replicas: Some(ready),
        updated_replicas: Some(updated),
        ..Default::default()
    });
    d
}

fn gateway_service(cluster: &ChatCluster) -> Service {
    let owner = Owner::new(cluster).expect("complete metadata");
    service::build(&owner, Component::Gateway)
}

#[test]
fn ready_only_when_every_component_is_and_times_are_kept() {
    let cluster = example("minimal.yaml");
    let svc = gateway_service(&cluster);
    let observe = |ready| Observed {
        generation: 3,
        image: "img:1",
        migrated_image: Some("img:1".to_owned()),
        migration: None,
        deployments: Component::ALL
            .iter()
            .map(|c| {
                (
                    *c,
                    deployment_with(2, if *c == Component::Chat { ready } else { 2 }, 2),
                )
            })
            .collect(),
        gateway_service: &svc,
        gateway_port: 80,
    };
    let rolling = status::compute(&observe(1), None, "t1");
    let ready = |s| status::condition(Some(s), "Ready").unwrap().status.clone();
    assert_eq!(ready(&rolling), "False");
    assert_eq!(rolling.components["chat"].ready, 1);
    let done = status::compute(&observe(2), Some(&rolling), "t2");
    assert_eq!(ready(&done), "True");
    assert_eq!(
        status::condition(Some(&done), "Ready")
            .unwrap()
            .last_transition_time,
        "t2"
    );
    assert_eq!(
        done.gateway_endpoint.as_deref(),
        Some("minimal-gateway.demo.svc:80")
    );
    let again = status::compute(&observe(2), Some(&done), "t3");
    assert_eq!(again, done, "nothing changed, so nothing to write");
}

#[test]
fn a_failed_migration_is_degraded() {
    let cluster = example("minimal.yaml");
    let svc = gateway_service(&cluster);
    let observed = Observed {
        generation: 1,
        image: "img:2",
        migrated_image: Some("img:1".to_owned()),
        migration: Some(Outcome::Failed),
        deployments: Vec::new(),
        gateway_service: &svc,
        gateway_port: 80,
    };
    let s = status::compute(&observed, None, "t1");
    let degraded = status::condition(Some(&s), "Degraded").unwrap();
    assert_eq!(
        (degraded.status.as_str(), degraded.reason.as_str()),
        ("True", "MigrationFailed")
    );
    assert_eq!(
        status::condition(Some(&s), "Ready").unwrap().status,
        "False"
    );
    assert_eq!(
        s.migrated_image.as_deref(),
        Some("img:1"),
        "the old image keeps running"
    );
}

#[test]
fn every_component_mounts_the_certificates_and_names_them() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    for component in Component::ALL {
        let d = deployment::build(&owner, component, "img:1", "abc");
        assert_eq!(
            env_value(&d, "GOCHAT_TLS_DIR").as_deref(),
            Some(tls::MOUNT_DIR),
            "{component:?}"
        );
        let pod = d.spec.unwrap().template.spec.unwrap();
        let volume = pod
            .volumes
            .unwrap()
            .into_iter()
            .find(|v| v.name == "tls")
            .expect("a tls volume");
        assert_eq!(
            volume.secret.unwrap().secret_name.as_deref(),
            Some("minimal-tls"),
            "{component:?}"
        );
    }
}

#[test]
fn certificates_are_issued_when_missing_and_again_two_thirds_through_their_life() {
    let cluster = example("minimal.yaml");
    let owner = Owner::new(&cluster).expect("complete metadata");
    assert!(tls::due(None, 1_000), "none yet");
    let (ca, certs) = tls::issue(&owner, None, 1_000).expect("issued");
    let lifetime = i64::try_from(tls::CERTIFICATE_LIFETIME.as_secs()).unwrap();
    assert!(!tls::due(Some(&certs), 1_000 + lifetime / 2), "half way");
    assert!(
        tls::due(Some(&certs), 1_000 + lifetime * 2 / 3 + 1),
        "two thirds"
    );
    assert!(
        tls::due(Some(&certs), 999),
        "issued in the future: a clock jump"
    );

    let ca_files: Vec<&String> = ca.data.as_ref().unwrap().keys().collect();
    assert_eq!(
        ca_files,
        [
            "auth-ca.crt",
            "auth-ca.key",
            "gateway-ca.crt",
            "gateway-ca.key",
            "server-ca.crt",
            "server-ca.key"
        ]
    );
    let mounted = certs.data.as_ref().unwrap();
    assert!(
        mounted.keys().all(|name| !name.ends_with("-ca.key")),
        "no CA key reaches a pod: {:?}",
        mounted.keys().collect::<Vec<_>>()
    );
    for file in [
        "chat.crt",
        "chat.key",
        "gateway-client.crt",
        "server-ca.crt",
    ] {
        assert!(mounted.contains_key(file), "{file}");
    }

    let (ca_again, certs_again) = tls::issue(&owner, Some(&ca), 2_000).expect("issued again");
    assert_eq!(ca_again.data, ca.data, "the CAs are kept");
    assert_ne!(
        mounted.get("chat.crt"),
        certs_again.data.as_ref().unwrap().get("chat.crt"),
        "the certificates are new"
    );
    assert_ne!(tls::fingerprint(&certs), tls::fingerprint(&certs_again));
}
