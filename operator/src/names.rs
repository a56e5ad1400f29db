//! Names and labels of the objects the operator creates for one ChatCluster.

use std::collections::BTreeMap;

use crate::component::Component;

/// The field manager of every server-side apply, and the `managed-by` label value.
pub const MANAGER: &str = "gochat-operator";

/// Label selecting everything the operator manages (its watches filter on it).
pub const MANAGED_BY_SELECTOR: &str = "app.kubernetes.io/managed-by=gochat-operator";

/// Object names derived from the ChatCluster's name.
#[derive(Clone, Debug)]
pub struct Names {
    cluster: String,
}

impl Names {
    /// Names for the ChatCluster called `cluster`.
    pub fn new(cluster: &str) -> Self {
        Self {
            cluster: cluster.to_owned(),
        }
    }

    /// The ChatCluster's own name.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The component's Deployment, Service, PodDisruptionBudget and NetworkPolicy.
    pub fn component(&self, component: Component) -> String {
        format!("{}-{}", self.cluster, component.name())
    }

    /// The ServiceAccount every pod runs as.
    pub fn service_account(&self) -> String {
        self.cluster.clone()
    }

    /// The ConfigMap with the services' settings.
    pub fn config(&self) -> String {
        format!("{}-config", self.cluster)
    }

    /// The Secret with the access-token signing key.
    pub fn signing_key(&self) -> String {
        format!("{}-signing-key", self.cluster)
    }

    /// The Secret with the mutual-TLS CAs and their keys (read by the operator alone).
    pub fn tls_ca(&self) -> String {
        format!("{}-tls-ca", self.cluster)
    }

    /// The Secret with the services' TLS certificates, mounted by every pod.
    pub fn tls(&self) -> String {
        format!("{}-tls", self.cluster)
    }

    /// The migration Job for an image (one per image, so a new image migrates again).
    pub fn migration(&self, image_hash: &str) -> String {
        format!("{}-migrate-{image_hash}", self.cluster)
    }

    /// Labels on every object of this ChatCluster.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), "gochat".to_owned()),
            (
                "app.kubernetes.io/instance".to_owned(),
                self.cluster.clone(),
            ),
            (
                "app.kubernetes.io/managed-by".to_owned(),
                MANAGER.to_owned(),
            ),
        ])
    }

    /// Labels selecting one component's pods.
    pub fn selector(&self, component: Component) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), "gochat".to_owned()),
            (
                "app.kubernetes.io/instance".to_owned(),
                self.cluster.clone(),
            ),
            (
                "app.kubernetes.io/component".to_owned(),
                component.name().to_owned(),
            ),
        ])
    }

    /// Labels of one component's objects and pods.
    pub fn component_labels(&self, component: Component) -> BTreeMap<String, String> {
        let mut labels = self.labels();
        labels.extend(self.selector(component));
        labels
    }
}
