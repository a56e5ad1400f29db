//! Starting the email service.

use super::{Component, Wiring};

/// Opens the code store and the mailer and serves `gochat.email.v1`.
pub(super) async fn start(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let config = gochat_email::Config {
        from_address: w.plan.tuning.mail_from.clone(),
        ..Default::default()
    };
    let backends = w.connections.email(&w.plan.data_dir, &config)?;
    w.readiness.extend(gochat_email::readiness(&backends));
    let listener = w.grpc_listener(Component::Email)?;
    let stop = w.shutdown.clone();
    w.tasks.spawn(async move {
        let served = gochat_email::serve(config, backends, listener, stop).await;
        (Component::Email.name(), served.map_err(Into::into))
    });
    Ok(())
}
