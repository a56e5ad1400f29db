//! Real TLS handshakes against a served health service: the right caller gets through,
//! anyone else is refused.

use std::time::Duration;

use tokio::net::TcpListener;
use tonic::{service::Routes, transport::ClientTlsConfig};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use super::{Role, TlsDir, issue};
use crate::{
    Shutdown,
    grpc::{self, GrpcListener},
};

const SERVICE: &str = "gochat.test.v1.Test";

/// Serves health checks as `role`, with `role`'s TLS from `dir`; answers the address.
async fn serve_as(dir: &TlsDir, role: Role, shutdown: &Shutdown) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = GrpcListener::from(listener).tls(Some(dir.server(role).unwrap()));
    let stop = shutdown.clone();
    tokio::spawn(async move {
        grpc::serve(listener, Routes::default(), &[SERVICE], stop)
            .await
            .unwrap();
    });
    format!("http://{addr}")
}

/// Whether a health check over `tls` (plain without) succeeds.
async fn answers(address: &str, tls: Option<ClientTlsConfig>) -> bool {
    let mut client = HealthClient::new(grpc::channel_with(address, tls).unwrap());
    let check = client.check(HealthCheckRequest {
        service: SERVICE.to_owned(),
    });
    matches!(
        tokio::time::timeout(Duration::from_secs(10), check).await,
        Ok(Ok(_))
    )
}

#[tokio::test]
async fn only_the_allowed_caller_gets_through() {
    let files = tempfile::tempdir().unwrap();
    issue(files.path(), Duration::from_secs(3600)).unwrap();
    let dir = TlsDir::new(files.path());
    let shutdown = Shutdown::new();
    let auth = serve_as(&dir, Role::Auth, &shutdown).await;
    let email = serve_as(&dir, Role::Email, &shutdown).await;

    let gateway_to_auth = dir.client(Role::Gateway, Role::Auth).unwrap();
    assert!(
        answers(&auth, Some(gateway_to_auth)).await,
        "the gateway calls auth"
    );
    let auth_to_email = dir.client(Role::Auth, Role::Email).unwrap();
    assert!(
        answers(&email, Some(auth_to_email)).await,
        "auth calls email"
    );

    assert!(!answers(&auth, None).await, "plaintext is refused");
    let server_ca = std::fs::read(files.path().join("server-ca.crt")).unwrap();
    let anonymous = ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(server_ca))
        .domain_name(Role::Auth.server_name());
    assert!(
        !answers(&auth, Some(anonymous)).await,
        "a caller without a certificate is refused"
    );
    let wrong_role = dir.client(Role::Auth, Role::Auth).unwrap();
    assert!(
        !answers(&auth, Some(wrong_role)).await,
        "auth's client certificate does not open auth"
    );
    let gateway_to_email = dir.client(Role::Gateway, Role::Email).unwrap();
    assert!(
        !answers(&email, Some(gateway_to_email)).await,
        "the gateway's certificate does not open email"
    );
    let expecting_chat = dir.client(Role::Gateway, Role::Chat).unwrap();
    assert!(
        !answers(&auth, Some(expecting_chat)).await,
        "a server is checked by its name: auth cannot pass for chat"
    );

    let other = tempfile::tempdir().unwrap();
    issue(other.path(), Duration::from_secs(3600)).unwrap();
    let foreign = TlsDir::new(other.path())
        .client(Role::Gateway, Role::Auth)
        .unwrap();
    assert!(
        !answers(&auth, Some(foreign)).await,
        "a gateway certificate from another set of CAs is refused"
    );
    shutdown.trigger();
}

#[tokio::test]
async fn issuing_again_rotates_the_certificates_under_the_same_cas() {
    let files = tempfile::tempdir().unwrap();
    issue(files.path(), Duration::from_secs(3600)).unwrap();
    let dir = TlsDir::new(files.path());
    let ca_before = std::fs::read(files.path().join("gateway-ca.crt")).unwrap();
    let cert_before = std::fs::read(files.path().join("gateway-client.crt")).unwrap();
    let old_client = dir.client(Role::Gateway, Role::Chat).unwrap();
    let shutdown = Shutdown::new();
    let old_server = serve_as(&dir, Role::Chat, &shutdown).await;

    issue(files.path(), Duration::from_secs(3600)).unwrap();
    assert_eq!(
        std::fs::read(files.path().join("gateway-ca.crt")).unwrap(),
        ca_before,
        "the CA is kept"
    );
    assert_ne!(
        std::fs::read(files.path().join("gateway-client.crt")).unwrap(),
        cert_before,
        "the certificate is new"
    );
    let new_client = dir.client(Role::Gateway, Role::Chat).unwrap();
    let new_server = serve_as(&dir, Role::Chat, &shutdown).await;
    assert!(
        answers(&old_server, Some(new_client.clone())).await,
        "new caller, old server"
    );
    assert!(
        answers(&new_server, Some(old_client)).await,
        "old caller, new server"
    );
    assert!(
        answers(&new_server, Some(new_client)).await,
        "new caller, new server"
    );
    shutdown.trigger();
}

#[test]
fn only_servers_have_a_server_side() {
    let dir = TlsDir::new("/nonexistent");
    assert!(matches!(
        dir.server(Role::Gateway),
        Err(super::TlsError::NotAServer("gateway"))
    ));
    assert!(matches!(
        dir.server(Role::Auth),
        Err(super::TlsError::Read { .. })
    ));
}
