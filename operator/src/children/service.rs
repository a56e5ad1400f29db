//! Services: gRPC ClusterIP Services for auth, chat and email, and the gateway's Service
//! as the user configured it.

use k8s_openapi::{
    api::core::v1::{Service, ServicePort, ServiceSpec},
    apimachinery::pkg::util::intstr::IntOrString,
};

use super::Owner;
use crate::component::{API_PORT, Component};

/// The Service of `component`.
pub fn build(owner: &Owner<'_>, component: Component) -> Service {
    let names = &owner.names;
    let mut metadata = owner.meta(
        names.component(component),
        names.component_labels(component),
    );
    let mut ports = vec![port("ops", component.ops_port(), component.ops_port())];
    let mut type_ = "ClusterIP";
    match component.grpc_port() {
        Some(grpc) => ports.insert(0, port("grpc", grpc, grpc)),
        None => {
            let service = &owner.cluster.spec.gateway.service;
            ports = vec![port("http", service.port, API_PORT)];
            type_ = service.service_type.as_str();
            if !service.annotations.is_empty() {
                metadata.annotations = Some(service.annotations.clone());
            }
        }
    }
    Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: Some(type_.to_owned()),
            selector: Some(names.selector(component)),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

fn port(name: &str, port: i32, target: i32) -> ServicePort {
    ServicePort {
        name: Some(name.to_owned()),
        port,
        target_port: Some(IntOrString::Int(target)),
        protocol: Some("TCP".to_owned()),
        app_protocol: (name == "grpc").then(|| "kubernetes.io/h2c".to_owned()),
        ..ServicePort::default()
    }
}
