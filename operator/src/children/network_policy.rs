//! NetworkPolicies: the gateway's API is open, auth and chat answer only the gateway,
//! email only auth. Every component's ops port (health, metrics) stays open for probes
//! and Prometheus.

use k8s_openapi::{
    api::networking::v1::{
        NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
        NetworkPolicySpec,
    },
    apimachinery::pkg::{apis::meta::v1::LabelSelector, util::intstr::IntOrString},
};

use super::Owner;
use crate::component::{API_PORT, Component};

/// The ingress NetworkPolicy of `component`.
pub fn build(owner: &Owner<'_>, component: Component) -> NetworkPolicy {
    let names = &owner.names;
    let open_ops = NetworkPolicyIngressRule {
        ports: Some(vec![tcp(component.ops_port())]),
        from: None,
    };
    let mut ingress = vec![open_ops];
    if let Some(grpc) = component.grpc_port() {
        let from = component
            .callers()
            .iter()
            .map(|caller| NetworkPolicyPeer {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(names.selector(*caller)),
                    ..LabelSelector::default()
                }),
                ..NetworkPolicyPeer::default()
            })
            .collect();
        ingress.push(NetworkPolicyIngressRule {
            ports: Some(vec![tcp(grpc)]),
            from: Some(from),
        });
    } else {
        ingress[0].ports = Some(vec![tcp(API_PORT)]);
    }
    NetworkPolicy {
        metadata: owner.meta(
            names.component(component),
            names.component_labels(component),
        ),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(names.selector(component)),
                ..LabelSelector::default()
            }),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(ingress),
            ..NetworkPolicySpec::default()
        }),
    }
}

fn tcp(port: i32) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(port)),
        protocol: Some("TCP".to_owned()),
        ..NetworkPolicyPort::default()
    }
}
