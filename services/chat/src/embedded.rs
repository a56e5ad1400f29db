//! The embedded chat store for `gochat local`: a redb file under the data dir.
//!
//! With the embedded event log ([`open_with_event_log`]), the log lives in the same file and
//! a send's message and events are committed together; the binary shares that log with the
//! gateway, which consumes what chat publishes. With another log (Redis), the store is
//! opened alone ([`open_store`]).

use std::{path::Path, sync::Arc, time::Duration};

use gochat_delivery::{EventLog, embedded::EmbeddedEventLog};

use crate::{Backends, ChatStore, Error, RedbChatStore, StoreError};

/// The store's file name under the data dir.
pub const STORE_FILE: &str = "chat.redb";
/// Where versions before the shared file kept the embedded event log; its contents are
/// imported by [`open_with_event_log`], and the file is then renamed to [`IMPORTED_LOG_FILE`].
pub const SEPARATE_LOG_FILE: &str = "events.redb";
/// The separate log file once imported, kept rather than deleted.
pub const IMPORTED_LOG_FILE: &str = "events.redb.imported";

/// Opens (creating if missing) `<data_dir>/chat.redb`.
pub fn open_store(data_dir: &Path) -> Result<Arc<dyn ChatStore>, Error> {
    create_dir(data_dir)?;
    Ok(Arc::new(RedbChatStore::open(&data_dir.join(STORE_FILE))?))
}

/// Opens (creating if missing) `<data_dir>/chat.redb` with the embedded event log in it,
/// keeping events for `retention`, first importing a separate `events.redb` that an earlier
/// version left there.
pub async fn open_with_event_log(
    data_dir: &Path,
    retention: Duration,
) -> Result<(Arc<dyn ChatStore>, EmbeddedEventLog), Error> {
    create_dir(data_dir)?;
    let (store, events) =
        RedbChatStore::open_with_event_log(&data_dir.join(STORE_FILE), retention)?;
    let separate = data_dir.join(SEPARATE_LOG_FILE);
    if separate.exists() {
        let imported = events
            .import(&separate)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let kept = data_dir.join(IMPORTED_LOG_FILE);
        std::fs::rename(&separate, &kept).map_err(|source| Error::Io {
            path: kept.clone(),
            source,
        })?;
        tracing::info!(
            events = imported.events,
            low_water_marks = imported.marks,
            from = %separate.display(),
            "imported the event log into the chat store's file"
        );
    }
    Ok((Arc::new(store), events))
}

/// Opens the embedded store under `data_dir` and pairs it with the shared `events` log.
pub fn open(data_dir: &Path, events: Arc<dyn EventLog>) -> Result<Backends, Error> {
    Ok(Backends {
        store: open_store(data_dir)?,
        events,
    })
}

fn create_dir(data_dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
        path: data_dir.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use gochat_delivery::{
        EventId, EventLog,
        embedded::{DEFAULT_RETENTION, EmbeddedEventLog},
    };

    use super::{IMPORTED_LOG_FILE, SEPARATE_LOG_FILE, open_with_event_log};

    #[tokio::test]
    async fn a_separate_event_log_is_imported_once_and_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let separate = dir.path().join(SEPARATE_LOG_FILE);
        let old = EmbeddedEventLog::open(&separate).unwrap();
        let users = vec!["ada".to_owned()];
        old.publish(&users, Bytes::from_static(b"before the upgrade"))
            .await
            .unwrap();
        let before = old.replay("ada", EventId::ZERO, 10).await.unwrap();
        drop(old);

        let (store, log) = open_with_event_log(dir.path(), DEFAULT_RETENTION)
            .await
            .unwrap();
        assert_eq!(log.replay("ada", EventId::ZERO, 10).await.unwrap(), before);
        assert!(!separate.exists());
        assert!(dir.path().join(IMPORTED_LOG_FILE).exists());
        drop((store, log));

        let (_store, log) = open_with_event_log(dir.path(), DEFAULT_RETENTION)
            .await
            .unwrap();
        assert_eq!(log.replay("ada", EventId::ZERO, 10).await.unwrap(), before);
    }
}
