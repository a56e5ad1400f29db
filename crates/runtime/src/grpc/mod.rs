//! gRPC plumbing: serving a service with health checking, tracing and metrics (and, when
//! asked, mutual TLS and server reflection), and clients whose calls carry the caller's
//! trace context.

mod client;
mod server;

use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{
    service::Routes,
    transport::{ClientTlsConfig, Endpoint, Server, ServerTlsConfig},
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

/// Where a gRPC server listens and how: plain by default, with mutual TLS
/// ([`GrpcListener::tls`]) and server reflection ([`GrpcListener::reflection`]) when asked.
#[derive(Debug)]
pub struct GrpcListener {
    listener: TcpListener,
    tls: Option<ServerTlsConfig>,
    reflection: bool,
}

impl GrpcListener {
    /// Requires callers to present certificates as `tls` says.
    pub fn tls(mut self, tls: Option<ServerTlsConfig>) -> Self {
        self.tls = tls;
        self
    }

    /// Serves `grpc.reflection.v1` too (tools like grpcurl use it; off by default, since it
    /// describes the whole API to anyone who reaches the port).
    pub fn reflection(mut self, on: bool) -> Self {
        self.reflection = on;
        self
    }
}

impl From<TcpListener> for GrpcListener {
    fn from(listener: TcpListener) -> Self {
        Self {
            listener,
            tls: None,
            reflection: false,
        }
    }
}

/// Serves `routes` on `listener`, adding `grpc.health.v1` (each of `service_names`
/// reported SERVING), until `shutdown`. Every call gets a server span (child of the
/// caller's W3C trace context) and is counted in the `gochat_grpc_server_*` metrics.
pub async fn serve(
    listener: impl Into<GrpcListener>,
    routes: Routes,
    service_names: &[&str],
    shutdown: Shutdown,
) -> Result<(), GrpcError> {
    let GrpcListener {
        listener,
        tls,
        reflection,
    } = listener.into();
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in service_names {
        reporter
            .set_service_status(*name, ServingStatus::Serving)
            .await;
    }
    let mut routes = routes.add_service(health);
    if reflection {
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(gochat_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        routes = routes.add_service(reflection);
    }
    let mut server = Server::builder().tcp_nodelay(true);
    if let Some(tls) = tls {
        server = server.tls_config(tls)?;
    }
    server
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
    channel_with(address, None)
}

/// [`channel`], over mutual TLS when `tls` is given (the address's `http://` then means
/// `https://`).
pub fn channel_with(
    address: &str,
    tls: Option<ClientTlsConfig>,
) -> Result<TracedChannel, GrpcError> {
    let address = match (&tls, address.strip_prefix("http://")) {
        (Some(_), Some(rest)) => format!("https://{rest}"),
        _ => address.to_owned(),
    };
    let mut endpoint = Endpoint::from_shared(address.clone())
        .map_err(|_| GrpcError::InvalidAddress(address.clone()))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(15))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls)?;
    }
    Ok(TracedChannel::new(
        endpoint.connect_lazy(),
        InjectTraceContext,
    ))
}
