//! The one error type of the harness: every way starting, driving or reading a server can fail.

use std::path::PathBuf;

/// Why a harness operation failed; tests print it and fail.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The `gochat` binary is not where the harness looked.
    #[error(
        "gochat binary not found at {0}: run `cargo build -p gochat` first, or set GOCHAT_BIN to its path"
    )]
    BinaryMissing(PathBuf),
    /// Creating a directory, opening the log or reading the outbox failed.
    #[error("{action}: {source}")]
    Io {
        /// What the harness was doing.
        action: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The server process exited on its own before it was asked to.
    #[error("gochat exited early ({status}); its log:\n{log}")]
    Exited {
        /// The exit status as printed by the OS.
        status: String,
        /// The tail of the process log.
        log: String,
    },
    /// `GET /readyz` did not answer 200 within the bound.
    #[error("gochat was not ready within {seconds} s (last: {last}); its log:\n{log}")]
    NotReady {
        /// The bound that ran out.
        seconds: u64,
        /// The last readiness answer or error seen.
        last: String,
        /// The tail of the process log.
        log: String,
    },
    /// An HTTP request could not be made or its answer not read.
    #[error("HTTP {method} {url}: {source}")]
    Http {
        /// The request method.
        method: String,
        /// The request URL.
        url: String,
        /// The client error.
        #[source]
        source: reqwest::Error,
    },
    /// A URL could not be built from the server address.
    #[error("bad URL {url}: {reason}")]
    Url {
        /// The URL or fragment that was rejected.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The WebSocket upgrade was refused or failed.
    #[error("WebSocket connect to {url} failed (HTTP status {status:?}): {reason}")]
    WsConnect {
        /// The URL dialled (tokens removed).
        url: String,
        /// The HTTP status of a refused upgrade, if the server answered one.
        status: Option<u16>,
        /// The client error text.
        reason: String,
    },
    /// Reading or writing an established WebSocket failed.
    #[error("WebSocket I/O: {0}")]
    WsIo(String),
    /// The server closed the WebSocket.
    #[error("WebSocket closed by the server (code {code:?}, reason {reason:?})")]
    WsClosed {
        /// The close code, if a close frame was sent.
        code: Option<u16>,
        /// The close reason text.
        reason: String,
    },
    /// The server sent something that is not what the contract allows.
    #[error("unexpected from server: {0}")]
    Unexpected(String),
    /// A bounded wait ran out.
    #[error("timed out after {seconds:.1} s waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The bound that ran out.
        seconds: f64,
    },
}

impl HarnessError {
    /// Wraps an I/O error with what the harness was doing.
    pub fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            action: action.into(),
            source,
        }
    }

    /// A timeout error for `what` after `bound`.
    pub fn timeout(what: impl Into<String>, bound: std::time::Duration) -> Self {
        Self::Timeout {
            what: what.into(),
            seconds: bound.as_secs_f64(),
        }
    }
}
