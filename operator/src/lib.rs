//! The gochat operator: turns a `ChatCluster` resource into the running gochat mesh
//! (ServiceAccount, ConfigMap, signing-key Secret, migration Job, Deployments, Services,
//! PodDisruptionBudgets, NetworkPolicies) and keeps it true.
#![forbid(unsafe_code)]

pub mod children;
pub mod component;
pub mod controller;
pub mod crd;
pub mod error;
pub mod leader;
pub mod metrics;
pub mod names;
pub mod reconcile;
pub mod runner;
pub mod state;
pub mod status;

use kube::CustomResourceExt;

/// The CustomResourceDefinition of `ChatCluster` as YAML (what `crds/` holds).
pub fn crd_yaml() -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(&crd::ChatCluster::crd())
}
