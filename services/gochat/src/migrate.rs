//! `gochat migrate`: creates or upgrades every service's storage schema, then exits.

use std::path::Path;

use anyhow::Context;

/// Opens each embedded store once, which creates any missing table idempotently.
pub fn run(data_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating data dir {}", data_dir.display()))?;
    gochat_email::embedded::open(data_dir).context("email store")?;
    gochat_auth::embedded::open(data_dir, None).context("auth store")?;
    gochat_chat::embedded::open_store(data_dir).context("chat store")?;
    gochat_delivery::embedded::EmbeddedEventLog::open(&data_dir.join("events.redb"))
        .context("event log")?;
    println!(
        "gochat migrate: schema of {} is up to date",
        data_dir.display()
    );
    Ok(())
}
