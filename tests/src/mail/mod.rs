//! Reading mail to find verification codes: local mode's outbox (`<data-dir>/outbox/*.eml`)
//! here, the SMTP sink's Maildir in [`maildir`].

mod code;
pub mod maildir;
mod mime;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::HarnessError;

pub use code::find_code;

/// How often the outbox is re-read while waiting for a mail.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// One mail in the outbox addressed to the wanted recipient.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The `.eml` file.
    pub path: PathBuf,
    /// Its modification time (newest first ordering).
    pub modified: SystemTime,
    /// The 6-digit code found in it, if any.
    pub code: Option<String>,
}

/// Mails in `outbox` whose `To` names `email` (case-insensitively), newest first. A missing
/// outbox is an empty one.
pub fn mails_for(outbox: &Path, email: &str) -> Result<Vec<Mail>, HarnessError> {
    let mut files = Vec::new();
    for path in list_dir(outbox)? {
        if path.extension().and_then(|e| e.to_str()) == Some("eml") {
            files.push(path);
        }
    }
    read_mails(&files, email)
}

/// The files in `dir`; a missing directory has none.
fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, HarnessError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(HarnessError::io(format!("read {}", dir.display()), e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| HarnessError::io(format!("list {}", dir.display()), e))?;
        files.push(entry.path());
    }
    Ok(files)
}

/// The mails among `files` addressed to `email` (by `To` or `Delivered-To`), newest first.
fn read_mails(files: &[PathBuf], email: &str) -> Result<Vec<Mail>, HarnessError> {
    let wanted = email.trim().to_ascii_lowercase();
    let mut mails = Vec::new();
    for path in files {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            // A file being renamed into place may vanish between listing and reading.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(HarnessError::io(format!("read {}", path.display()), e)),
        };
        let raw = String::from_utf8_lossy(&bytes);
        let (head, _) = mime::split_head_body(&raw);
        let headers = mime::parse_headers(head);
        let addressed = headers.iter().any(|(name, value)| {
            (name.eq_ignore_ascii_case("To") || name.eq_ignore_ascii_case("Delivered-To"))
                && addresses(value).contains(&wanted)
        });
        if !addressed {
            continue;
        }
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        mails.push(Mail {
            path: path.clone(),
            modified,
            code: code::code_in_message(&raw),
        });
    }
    mails.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.path.cmp(&a.path)));
    Ok(mails)
}

/// The code in the newest mail to `email` that carries one.
pub fn latest_code_for(outbox: &Path, email: &str) -> Option<String> {
    mails_for(outbox, email)
        .ok()?
        .into_iter()
        .find_map(|m| m.code)
}

/// Waits (bounded by `timeout`) for a mail with a code to `email` that is not one of `seen`,
/// and returns it. Pass the paths seen before asking for a fresh code to get the fresh one.
pub async fn wait_for_new_mail(
    outbox: &Path,
    email: &str,
    seen: &[PathBuf],
    timeout: Duration,
) -> Result<Mail, HarnessError> {
    wait_until_new(outbox, mails_for, email, seen, timeout).await
}

/// Polls `list(dir, email)` until it yields a mail with a code not in `seen`, within `timeout`.
async fn wait_until_new(
    dir: &Path,
    list: fn(&Path, &str) -> Result<Vec<Mail>, HarnessError>,
    email: &str,
    seen: &[PathBuf],
    timeout: Duration,
) -> Result<Mail, HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        let (d, who) = (dir.to_path_buf(), email.to_owned());
        let mails = tokio::task::spawn_blocking(move || list(&d, &who))
            .await
            .map_err(|e| HarnessError::Unexpected(format!("mail reader: {e}")))??;
        if let Some(mail) = mails
            .into_iter()
            .find(|m| m.code.is_some() && !seen.contains(&m.path))
        {
            return Ok(mail);
        }
        if Instant::now() >= deadline {
            return Err(HarnessError::timeout(
                format!("a verification mail to {email} in {}", dir.display()),
                timeout,
            ));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Waits (bounded by `timeout`) for any mail with a code to `email`; returns the newest code.
pub async fn wait_for_code(
    outbox: &Path,
    email: &str,
    timeout: Duration,
) -> Result<String, HarnessError> {
    let mail = wait_for_new_mail(outbox, email, &[], timeout).await?;
    mail.code
        .ok_or_else(|| HarnessError::Unexpected("mail without code".into()))
}

/// The lower-cased addresses of an address-list header value.
fn addresses(value: &str) -> Vec<String> {
    let decoded = mime::decode_words(value);
    let mut found: Vec<String> = decoded
        .split('<')
        .skip(1)
        .filter_map(|s| s.split_once('>').map(|(addr, _)| addr))
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    if found.is_empty() {
        found = decoded
            .split(',')
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
    }
    found
}

#[cfg(test)]
mod tests;
