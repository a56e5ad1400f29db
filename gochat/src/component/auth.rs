//! Starting the auth service.

use std::time::Duration;

use gochat_proto::email::v1::email_service_client::EmailServiceClient;

use super::{Component, Wiring};

/// Opens the account store and the signing key and serves `gochat.auth.v1`, calling email.
pub(super) async fn start(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let tuning = &w.plan.tuning;
    let backends = w
        .connections
        .auth(&w.plan.data_dir, tuning.signing_key_file.as_deref())
        .await?;
    w.readiness.extend(gochat_auth::readiness(&backends));
    let config = gochat_auth::Config {
        access_token_ttl: Duration::from_secs(tuning.access_token_ttl_secs),
        refresh_token_ttl: Duration::from_secs(tuning.refresh_token_ttl_secs),
        ..Default::default()
    };
    let email = EmailServiceClient::new(w.channel(Component::Auth, Component::Email)?);
    let revocations = w.connections.revocations();
    let listener = w.grpc_listener(Component::Auth)?;
    let stop = w.shutdown.clone();
    w.tasks.spawn(async move {
        let served = gochat_auth::serve(config, backends, email, revocations, listener, stop).await;
        (Component::Auth.name(), served.map_err(Into::into))
    });
    Ok(())
}
