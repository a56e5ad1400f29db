//! The embedded chat store for `gochat local`: a redb file under the data dir.
//!
//! The event log is not opened here: the binary opens it once and shares it with the
//! gateway, which consumes what chat publishes.

use std::{path::Path, sync::Arc};

use gochat_delivery::EventLog;

use crate::{Backends, ChatStore, Error, RedbChatStore};

/// The store's file name under the data dir.
pub const STORE_FILE: &str = "chat.redb";

/// Opens (creating if missing) `<data_dir>/chat.redb`.
pub fn open_store(data_dir: &Path) -> Result<Arc<dyn ChatStore>, Error> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    Ok(Arc::new(RedbChatStore::open(&data_dir.join(STORE_FILE))?))
}

/// Opens the embedded store under `data_dir` and pairs it with the shared `events` log.
pub fn open(data_dir: &Path, events: Arc<dyn EventLog>) -> Result<Backends, Error> {
    Ok(Backends {
        store: open_store(data_dir)?,
        events,
    })
}
