//! Finding the `gochat` binary the tests run: `GOCHAT_BIN`, else the workspace's debug build.

use std::path::{Path, PathBuf};

use crate::HarnessError;

/// The workspace root, known at compile time from this crate's location.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The path the binary is expected at, whether or not it exists.
///
/// `GOCHAT_BIN` wins; otherwise `<CARGO_TARGET_DIR>/debug/gochat` (a relative target dir is taken
/// from the workspace root), else `<workspace>/target/debug/gochat`.
pub fn expected_path() -> PathBuf {
    if let Some(bin) = std::env::var_os("GOCHAT_BIN").filter(|v| !v.is_empty()) {
        return PathBuf::from(bin);
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    };
    target.join("debug").join("gochat")
}

/// The binary's path, or an error telling the developer how to build it.
pub fn locate() -> Result<PathBuf, HarnessError> {
    let path = expected_path();
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::BinaryMissing(path))
    }
}
