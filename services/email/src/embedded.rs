//! The embedded backends for `gochat local`: a redb file and an outbox folder.

use std::{path::Path, sync::Arc};

use crate::{Backends, Config, Error, OutboxMailer, RedbCodeStore};

/// The code store's file name under the data dir.
pub const STORE_FILE: &str = "email.redb";
/// The outbox folder's name under the data dir.
pub const OUTBOX_DIR: &str = "outbox";

/// The embedded backends opened by [`open_with`], with the outbox kept typed so the caller
/// can print where mail lands.
pub struct Embedded {
    /// The backends to serve with.
    pub backends: Backends,
    /// The outbox mailer (the same one `backends.mailer` holds).
    pub outbox: Arc<OutboxMailer>,
}

/// Opens the embedded backends under `data_dir` (`email.redb` and `outbox/`, created if
/// missing), with mail sent from the default address.
pub fn open(data_dir: &Path) -> Result<Backends, Error> {
    Ok(open_with(data_dir, &Config::default())?.backends)
}

/// Opens the embedded backends under `data_dir`, with mail sent from `config.from_address`.
pub fn open_with(data_dir: &Path, config: &Config) -> Result<Embedded, Error> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    let codes = Arc::new(RedbCodeStore::open(&data_dir.join(STORE_FILE))?);
    let outbox_dir = data_dir.join(OUTBOX_DIR);
    let outbox = Arc::new(
        OutboxMailer::open(&outbox_dir, &config.from_address).map_err(|source| Error::Io {
            path: outbox_dir,
            source,
        })?,
    );
    let mailer: Arc<dyn crate::Mailer> = outbox.clone();
    Ok(Embedded {
        backends: Backends { codes, mailer },
        outbox,
    })
}
