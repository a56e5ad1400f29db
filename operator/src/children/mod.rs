//! The desired state of every object a ChatCluster owns, built from its spec alone. Each
//! module builds one kind; nothing here talks to the API server.

pub mod config;
pub mod deployment;
pub mod migration;
pub mod network_policy;
pub mod pdb;
pub mod service;
pub mod service_account;
pub mod signing_key;
pub mod tls;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;

use crate::{crd::ChatCluster, names::Names};

/// What every builder needs: the ChatCluster, its names and the owner reference children
/// carry.
#[derive(Clone, Debug)]
pub struct Owner<'a> {
    /// The resource being reconciled.
    pub cluster: &'a ChatCluster,
    /// Object names and labels derived from it.
    pub names: Names,
    /// Its namespace (every child lives there).
    pub namespace: String,
    reference: OwnerReference,
}

impl<'a> Owner<'a> {
    /// Builds the owner context; `None` when the object has no name, namespace or uid yet
    /// (never the case for one read from the API server).
    pub fn new(cluster: &'a ChatCluster) -> Option<Self> {
        let reference = cluster.controller_owner_ref(&())?;
        Some(Self {
            names: Names::new(cluster.metadata.name.as_deref()?),
            namespace: cluster.metadata.namespace.clone()?,
            cluster,
            reference,
        })
    }

    /// Metadata of a child named `name` with `labels`, owned by the ChatCluster.
    pub fn meta(&self, name: String, labels: BTreeMap<String, String>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels),
            owner_references: Some(vec![self.reference.clone()]),
            ..ObjectMeta::default()
        }
    }
}
