//! The node tier's fault tests: gochat running as real pods (deployed by the operator from a
//! ChatCluster on tests/node's node), a steady message flow between two users whose clients sit
//! on different gateway pods, and the cluster changed under it as an operator of it would:
//! a gateway pod deleted, the chat pod deleted, the gateways scaled 2 -> 3 -> 1, the image tag
//! changed (a new migration Job gates a rolling update of every component). Each prints
//! `FAULT <name>: sent=N received=N lost=N duplicated=N` and fails if anything acknowledged is
//! lost or stored twice.
//!
//! Run by `tests/node/e2e` (the `node` tier), which installs the ChatCluster and sets
//! KUBECONFIG, KUBE_BIN, GOCHAT_NODE_NAMESPACE, GOCHAT_NODE_CLUSTER, GOCHAT_NODE_MAILDIR and
//! GOCHAT_NODE_NEXT_IMAGE.

use std::path::PathBuf;
use std::time::Duration;

use gochat_tests::HarnessError;
use gochat_tests::kube::{Kubectl, Pod};
use gochat_tests::traffic::flow::{Flow, Gateways, Traffic, tag, ws_url};

/// Messages per flow and attempts per second.
const TOTAL: usize = 240;
const RATE: u32 = 12;
/// How long the sender may take to reach the next milestone (a rollout included).
const STEP: Duration = Duration::from_secs(180);
/// How long the cluster may take to settle after a change (pods replaced, a migration run).
const SETTLE: Duration = Duration::from_secs(300);
/// The gateway pods' API port (the Service maps its own port to it).
const GATEWAY_POD_PORT: u16 = 8080;

/// The installation under test, from the environment the node tier sets.
struct Installation {
    kubectl: Kubectl,
    cluster: String,
    maildir: PathBuf,
    next_image: String,
}

impl Installation {
    fn from_env() -> Result<Self, HarnessError> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| {
                HarnessError::Unexpected(format!(
                    "{name} is not set: this test runs inside the node tier (scripts/test node)"
                ))
            })
        };
        let namespace = var("GOCHAT_NODE_NAMESPACE")?;
        Ok(Self {
            kubectl: Kubectl::from_env(&namespace)?,
            cluster: var("GOCHAT_NODE_CLUSTER")?,
            maildir: PathBuf::from(var("GOCHAT_NODE_MAILDIR")?),
            next_image: var("GOCHAT_NODE_NEXT_IMAGE")?,
        })
    }

    fn selector(&self, component: &str) -> String {
        format!(
            "app.kubernetes.io/instance={},app.kubernetes.io/component={component}",
            self.cluster
        )
    }

    /// `http://CLUSTER-IP:PORT` of the gateway Service.
    async fn service_url(&self) -> Result<String, HarnessError> {
        let service = self
            .kubectl
            .get_json(&["service", &format!("{}-gateway", self.cluster)])
            .await?;
        let ip = service["spec"]["clusterIP"].as_str().unwrap_or_default();
        let port = service["spec"]["ports"][0]["port"].as_u64().unwrap_or(80);
        Ok(format!("http://{ip}:{port}"))
    }

    async fn gateways(&self) -> Result<Gateways, HarnessError> {
        Ok(Gateways {
            urls: vec![self.service_url().await?],
            maildir: self.maildir.clone(),
        })
    }

    async fn ready_pods(&self, component: &str) -> Result<Vec<Pod>, HarnessError> {
        self.kubectl.ready_pods(&self.selector(component)).await
    }

    /// Waits until `component` has exactly `replicas` pods, all Ready and running `image`.
    async fn settled(
        &self,
        component: &str,
        replicas: usize,
        image: &str,
    ) -> Result<(), HarnessError> {
        let what = format!("{replicas} Ready {component} pod(s) of {image} and no other");
        self.kubectl
            .wait_for_pods(&self.selector(component), &what, SETTLE, |pods| {
                pods.len() == replicas && pods.iter().all(|p| p.ready && p.image == image)
            })
            .await
            .map(|_| ())
    }

    async fn patch(&self, patch: &str) -> Result<(), HarnessError> {
        self.kubectl
            .run(&[
                "patch",
                "chatcluster",
                &self.cluster,
                "--type=merge",
                "-p",
                patch,
            ])
            .await
            .map(|_| ())
    }

    async fn image(&self) -> Result<String, HarnessError> {
        let cluster = self
            .kubectl
            .get_json(&["chatcluster", &self.cluster])
            .await?;
        Ok(cluster["spec"]["image"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// A flow whose recipient listens on one gateway pod (`ws://POD:8080`, then the Service
    /// after a break) and whose sender alternates between another gateway pod and the Service.
    async fn flow(&self, name: &str) -> Result<(Flow, Gateways, Pod), HarnessError> {
        let gateways = self.gateways().await?;
        let pods = self.ready_pods("gateway").await?;
        let (listener, other) = match pods.as_slice() {
            [first, second, ..] => (first.clone(), Some(second.clone())),
            [only] => (only.clone(), None),
            [] => {
                return Err(HarnessError::Unexpected(
                    "no Ready gateway pod to listen on".into(),
                ));
            }
        };
        let service = gateways.urls[0].clone();
        let mut send_via = vec![service.clone()];
        if let Some(other) = &other {
            send_via.insert(0, format!("http://{}:{GATEWAY_POD_PORT}", other.ip));
        }
        let traffic = Traffic {
            total: TOTAL,
            rate: RATE,
            send_via,
            listen_via: vec![
                ws_url(&format!("http://{}:{GATEWAY_POD_PORT}", listener.ip)),
                ws_url(&service),
            ],
            listen_first: 0,
        };
        println!(
            "FLOW {name}: recipient on gateway pod {} ({}), sender via {} and the Service {service}",
            listener.name,
            listener.ip,
            other.map_or_else(|| "no other pod".to_owned(), |p| format!("pod {}", p.name)),
        );
        // Accounts unique to this run: the installation outlives a test run.
        let flow = Flow::start(&gateways, &tag(name), traffic).await?;
        Ok((flow, gateways, listener))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn message_flow_survives_pod_faults_scaling_and_an_image_change() {
    let installation = Installation::from_env().unwrap_or_else(|e| panic!("{e}"));
    let image = installation.image().await.unwrap_or_else(|e| panic!("{e}"));
    finish(gateway_pod_deleted(&installation, &image).await);
    finish(chat_pod_deleted(&installation, &image).await);
    finish(gateways_scaled(&installation, &image).await);
    finish(image_changed(&installation).await);
}

#[track_caller]
fn finish(result: Result<(), HarnessError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The recipient's gateway pod is deleted (SIGTERM, drain): the socket breaks, the client
/// resumes through the Service with `since`; the Deployment replaces the pod.
async fn gateway_pod_deleted(node: &Installation, image: &str) -> Result<(), HarnessError> {
    let (flow, gateways, listener) = node.flow("gateway-pod-deleted").await?;
    flow.sender.wait_acked(40, STEP).await?;
    node.kubectl
        .run(&["delete", "pod", &listener.name, "--wait=false"])
        .await?;
    flow.sender.wait_acked(120, STEP).await?;
    node.settled("gateway", 2, image).await?;
    let (_tally, _report, received) = flow.conclude(&gateways, "gateway-pod-deleted").await?;
    assert!(
        !received.reconnects.is_empty(),
        "the recipient's socket on the deleted pod {} never broke",
        listener.name
    );
    Ok(())
}

/// The only chat pod is deleted: sends answer 503 until its replacement is Ready and are
/// retried with the same `client_msg_id`.
async fn chat_pod_deleted(node: &Installation, image: &str) -> Result<(), HarnessError> {
    let (flow, gateways, _listener) = node.flow("chat-pod-deleted").await?;
    flow.sender.wait_acked(40, STEP).await?;
    let chat = node.ready_pods("chat").await?;
    for pod in &chat {
        node.kubectl
            .run(&["delete", "pod", &pod.name, "--wait=false"])
            .await?;
    }
    flow.sender.wait_acked(120, STEP).await?;
    node.settled("chat", 1, image).await?;
    flow.conclude(&gateways, "chat-pod-deleted").await?;
    Ok(())
}

/// The gateways scaled 2 -> 3 -> 1 while messages flow, then back to 2.
async fn gateways_scaled(node: &Installation, image: &str) -> Result<(), HarnessError> {
    let (flow, gateways, _listener) = node.flow("gateways-scaled-2-3-1").await?;
    flow.sender.wait_acked(30, STEP).await?;
    node.patch(r#"{"spec":{"gateway":{"replicas":3}}}"#).await?;
    node.settled("gateway", 3, image).await?;
    flow.sender.wait_acked(100, STEP).await?;
    node.patch(r#"{"spec":{"gateway":{"replicas":1}}}"#).await?;
    node.settled("gateway", 1, image).await?;
    flow.sender.wait_acked(170, STEP).await?;
    flow.conclude(&gateways, "gateways-scaled-2-3-1").await?;
    node.patch(r#"{"spec":{"gateway":{"replicas":2}}}"#).await?;
    node.settled("gateway", 2, image).await
}

/// The image tag changed: the operator runs the new image's migration Job, then rolls every
/// component to it (one extra pod at a time, none unavailable).
async fn image_changed(node: &Installation) -> Result<(), HarnessError> {
    let next = node.next_image.clone();
    let current = node.image().await?;
    assert_ne!(
        current, next,
        "GOCHAT_NODE_NEXT_IMAGE is the image already running"
    );
    let (flow, gateways, _listener) = node.flow("image-changed").await?;
    flow.sender.wait_acked(30, STEP).await?;
    node.patch(&format!(r#"{{"spec":{{"image":"{next}"}}}}"#))
        .await?;
    for (component, replicas) in [("gateway", 2), ("auth", 1), ("chat", 1), ("email", 1)] {
        node.settled(component, replicas, &next).await?;
    }
    let migrations = node
        .kubectl
        .get_json(&[
            "jobs",
            "-l",
            &format!(
                "app.kubernetes.io/instance={},app.kubernetes.io/component=migrate",
                node.cluster
            ),
        ])
        .await?;
    let completed = migrations["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|job| {
            job["spec"]["template"]["spec"]["containers"][0]["image"] == next.as_str()
                && job["status"]["succeeded"].as_u64() == Some(1)
        })
        .and_then(|job| timestamp(&job["status"]["completionTime"]));
    let Some(completed) = completed else {
        panic!("no migration Job of {next} succeeded");
    };
    let pods = node
        .kubectl
        .get_json(&[
            "pods",
            "-l",
            &format!("app.kubernetes.io/instance={}", node.cluster),
        ])
        .await?;
    for pod in pods["items"].as_array().into_iter().flatten() {
        let component = &pod["metadata"]["labels"]["app.kubernetes.io/component"];
        if component == "migrate" || pod["spec"]["containers"][0]["image"] != next.as_str() {
            continue;
        }
        let created = timestamp(&pod["metadata"]["creationTimestamp"]);
        assert!(
            created.is_some_and(|created| created >= completed),
            "{} pod {} of {next} was created at {created:?}, before its migration completed at {completed}",
            component,
            pod["metadata"]["name"]
        );
    }
    flow.conclude(&gateways, "image-changed").await?;
    Ok(())
}

/// An RFC 3339 time stamp of the API (second precision).
fn timestamp(value: &serde_json::Value) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()
}
