//! gRPC plumbing: serving a service with health checking, reflection, tracing and metrics,
//! and clients whose calls carry the caller's trace context.

mod client;
mod server;

use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    service::Routes,
    transport::{Endpoint, Server},
};
use tonic_health::ServingStatus;

use crate::Shutdown;

pub use client::{InjectTraceContext, TracedChannel};
pub use server::{Observe, ObserveLayer, code_name};

/// Errors from serving or reaching gRPC.
#[derive(Debug, thiserror::Error)]
pub enum GrpcError {
    /// The transport failed.
    #[error("gRPC transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The reflection service could not be built from the descriptor set.
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// A peer address is not a valid URI.
    #[error("invalid gRPC address {0:?}")]
    InvalidAddress(String),
}

/// Serves `routes` on `listener`, adding `grpc.health.v1` (each of `service_names`
/// reported SERVING) and server reflection for every gochat package, until `shutdown`.
/// Every call gets a server span (child of the caller's W3C trace context) and is counted
/// in the `gochat_grpc_server_*` metrics.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    service_names: &[&str],
    shutdown: Shutdown,
) -> Result<(), GrpcError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in service_names {
        reporter
            .set_service_status(*name, ServingStatus::Serving)
            .await;
    }
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(gochat_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let routes = routes.add_service(health).add_service(reflection);
    Server::builder()
        .tcp_nodelay(true)
        .layer(ObserveLayer)
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown.wait_owned())
        .await?;
    Ok(())
}

/// A channel to `address` (`http://host:port`) that connects on first use and reconnects
/// by itself, so a peer that starts later or restarts needs no restart here. Its calls
/// carry the current trace context.
pub fn channel(address: &str) -> Result<TracedChannel, GrpcError> {
    let endpoint = Endpoint::from_shared(address.to_owned())
        .map_err(|_| GrpcError::InvalidAddress(address.to_owned()))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(15))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    Ok(TracedChannel::new(
        endpoint.connect_lazy(),
        InjectTraceContext,
    ))
}
