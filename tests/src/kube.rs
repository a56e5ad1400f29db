//! `kubectl` driven from Rust, for the node tier's tests: the cluster as a user sees it
//! (pods, their addresses and readiness, a ChatCluster's spec patched), through the same
//! binary and kubeconfig a user would use.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::HarnessError;

/// How long one kubectl call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between two looks while waiting for the cluster to change.
const POLL: Duration = Duration::from_millis(500);

/// A pod as the API server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    /// The pod's name.
    pub name: String,
    /// Its address on the pod network.
    pub ip: String,
    /// The image of its first container.
    pub image: String,
    /// Ready and not being deleted.
    pub ready: bool,
}

impl Pod {
    fn from_json(pod: &Value) -> Self {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let ready_condition = pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        Self {
            name: text(&pod["metadata"]["name"]),
            ip: text(&pod["status"]["podIP"]),
            image: text(&pod["spec"]["containers"][0]["image"]),
            ready: ready_condition && pod["metadata"]["deletionTimestamp"].is_null(),
        }
    }
}

/// kubectl bound to one namespace.
#[derive(Debug, Clone)]
pub struct Kubectl {
    bin: PathBuf,
    namespace: String,
}

impl Kubectl {
    /// `$KUBE_BIN/kubectl` (the tier's build) in `namespace`; `KUBECONFIG` comes from the
    /// environment as for any kubectl.
    pub fn from_env(namespace: &str) -> Result<Self, HarnessError> {
        let dir = std::env::var_os("KUBE_BIN").ok_or_else(|| {
            HarnessError::Unexpected(
                "KUBE_BIN is not set: run the node tier (scripts/test node), which sets KUBE_BIN and KUBECONFIG".into(),
            )
        })?;
        Ok(Self {
            bin: PathBuf::from(dir).join("kubectl"),
            namespace: namespace.to_owned(),
        })
    }

    /// Runs `kubectl -n NAMESPACE ARGS`; its stdout, or an error with its stderr.
    pub async fn run(&self, args: &[&str]) -> Result<String, HarnessError> {
        let mut command = tokio::process::Command::new(&self.bin);
        command
            .arg("-n")
            .arg(&self.namespace)
            .args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let what = format!("kubectl {}", args.join(" "));
        let output = tokio::time::timeout(CALL_TIMEOUT, command.output())
            .await
            .map_err(|_| HarnessError::timeout(&what, CALL_TIMEOUT))?
            .map_err(|e| HarnessError::io(format!("run {}", self.bin.display()), e))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(HarnessError::Unexpected(format!(
                "{what} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }

    /// `kubectl get ARGS -o json`, parsed.
    pub async fn get_json(&self, args: &[&str]) -> Result<Value, HarnessError> {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        let text = self.run(&all).await?;
        serde_json::from_str(&text)
            .map_err(|e| HarnessError::Unexpected(format!("kubectl get {args:?}: not JSON: {e}")))
    }

    /// Every pod matching `selector`, Ready or not, terminating or not, by name.
    pub async fn pods(&self, selector: &str) -> Result<Vec<Pod>, HarnessError> {
        let list = self.get_json(&["pods", "-l", selector]).await?;
        let mut pods: Vec<Pod> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(Pod::from_json)
            .collect();
        pods.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(pods)
    }

    /// The pods matching `selector` that are Ready and not being deleted, by name.
    pub async fn ready_pods(&self, selector: &str) -> Result<Vec<Pod>, HarnessError> {
        let mut pods = self.pods(selector).await?;
        pods.retain(|pod| pod.ready);
        Ok(pods)
    }

    /// Waits (bounded by `timeout`) until `done` holds for the pods matching `selector`;
    /// `what` names the wait in the error.
    pub async fn wait_for_pods(
        &self,
        selector: &str,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[Pod]) -> bool,
    ) -> Result<Vec<Pod>, HarnessError> {
        let start = Instant::now();
        loop {
            let last = self.pods(selector).await;
            if let Ok(pods) = &last
                && done(pods)
            {
                return last;
            }
            if start.elapsed() >= timeout {
                return last.and(Err(HarnessError::timeout(what, timeout)));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
