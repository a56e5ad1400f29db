//! `gochat migrate`: creates or upgrades every service's storage schema, then exits.

use std::path::Path;

use gochat_delivery::embedded::DEFAULT_RETENTION;

use anyhow::Context;
use gochat_runtime::Shutdown;

use crate::{backends::Connections, cli::BackendArgs};

/// Creates the CQL keyspace and tables when CQL is configured, and opens each embedded store
/// under `data_dir` otherwise; both are idempotent.
pub async fn run(data_dir: &Path, backends: BackendArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating data dir {}", data_dir.display()))?;
    let uses_cql = !backends.cql_contact_points.is_empty();
    let connections = Connections::open(backends, &Shutdown::new()).await?;
    if uses_cql {
        connections.migrate().await?;
        println!("gochat migrate: the CQL schema is up to date");
        return Ok(());
    }
    gochat_email::embedded::open(data_dir).context("email store")?;
    gochat_auth::embedded::open(data_dir, None).context("auth store")?;
    gochat_chat::embedded::open_with_event_log(data_dir, DEFAULT_RETENTION)
        .await
        .context("chat store and event log")?;
    println!(
        "gochat migrate: schema of {} is up to date",
        data_dir.display()
    );
    Ok(())
}
