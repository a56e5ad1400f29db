//! The ServiceAccount every gochat pod runs as. gochat never calls the Kubernetes API, so
//! its token is not mounted.

use k8s_openapi::api::core::v1::ServiceAccount;

use super::Owner;

/// The ServiceAccount of the ChatCluster's pods.
pub fn build(owner: &Owner<'_>) -> ServiceAccount {
    ServiceAccount {
        metadata: owner.meta(owner.names.service_account(), owner.names.labels()),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    }
}
