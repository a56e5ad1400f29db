//! The server's log file: stdout and stderr of every run on one data dir, appended in order.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::HarnessError;

/// How much of the end of the log an error message or a failure report carries.
const TAIL_BYTES: u64 = 64 * 1024;

/// The log file of the server processes started on one data dir.
#[derive(Debug, Clone)]
pub struct LogFile {
    path: PathBuf,
}

impl LogFile {
    /// The log under `data_dir` (`gochat.log`); not created until [`LogFile::open_for_run`].
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("gochat.log"),
        }
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the log for appending, writes a banner for run `run`, and returns two handles
    /// (stdout, stderr) for the child process.
    pub fn open_for_run(&self, run: u32, command: &str) -> Result<(File, File), HarnessError> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| HarnessError::io(format!("open {}", self.path.display()), e))?;
        writeln!(file, "===== gochat run {run}: {command} =====")
            .map_err(|e| HarnessError::io("write log banner", e))?;
        let second = file
            .try_clone()
            .map_err(|e| HarnessError::io("clone log handle", e))?;
        Ok((file, second))
    }

    /// The last part of the log (or a note saying why it cannot be read).
    pub fn tail(&self) -> String {
        match self.read_tail() {
            Ok(text) => text,
            Err(e) => format!("<cannot read {}: {e}>", self.path.display()),
        }
    }

    fn read_tail(&self) -> std::io::Result<String> {
        let mut file = File::open(&self.path)?;
        let len = file.metadata()?.len();
        let start = len.saturating_sub(TAIL_BYTES);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(if start > 0 {
            format!("<... {start} earlier bytes cut ...>\n{text}")
        } else {
            text
        })
    }
}
