//! The embedded [`Mailer`]: each mail becomes one `.eml` file in an outbox folder.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::Utc;
use tokio::io::AsyncWriteExt;

use super::{MailError, Mailer, OutgoingMail, eml::render_eml};

/// Writes mail to `<dir>/<unix_ms>-<uuid>.eml`, so names sort by time. Each file appears
/// whole or not at all (written as `.tmp`, synced, then renamed).
#[derive(Clone, Debug)]
pub struct OutboxMailer {
    dir: PathBuf,
    from: String,
    message_id_domain: String,
}

impl OutboxMailer {
    /// An outbox in `dir` (created if missing) whose mail comes `from` this address.
    pub fn open(dir: impl Into<PathBuf>, from: &str) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            from: from.to_owned(),
            message_id_domain: domain_of(from),
        })
    }

    /// The folder the `.eml` files land in (printed at start in local mode).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The domain of the address in `from` (`gochat <no-reply@gochat.local>` -> `gochat.local`).
pub(super) fn domain_of(from: &str) -> String {
    from.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches(|c: char| c == '>' || c.is_whitespace()))
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        })
        .unwrap_or("gochat.local")
        .to_owned()
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> MailError {
    MailError::Unavailable(format!("{what} {}: {e}", path.display()))
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let now = Utc::now();
        let id = uuid::Uuid::now_v7();
        let eml = render_eml(
            &self.from,
            mail,
            now,
            &format!("{id}@{}", self.message_id_domain),
        )?;
        let stem = format!("{:013}-{id}", now.timestamp_millis().max(0));
        let tmp = self.dir.join(format!("{stem}.tmp"));
        let path = self.dir.join(format!("{stem}.eml"));
        let write = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            file.write_all(eml.as_bytes()).await?;
            file.sync_all().await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io_error("writing", &tmp, e));
        }
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| io_error("renaming into", &path, e))?;
        tracing::debug!(path = %path.display(), "mail written to the outbox");
        Ok(())
    }

    async fn ping(&self) -> Result<(), MailError> {
        match tokio::fs::metadata(&self.dir).await {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(MailError::Unavailable(format!(
                "{} is not a folder",
                self.dir.display()
            ))),
            Err(e) => Err(io_error("reading", &self.dir, e)),
        }
    }
}

#[cfg(test)]
mod tests;
