//! The on-disk model cache: where it lives, how a configuration maps to a directory, and the
//! lock that makes check-then-build safe across threads and processes.
//!
//! Layout under the cache root:
//!
//! ```text
//! <root>/<name>-<key16>/          finished model (never rebuilt, never modified)
//!     libmodel.so                 the model + Verilator runtime + shim, loaded with dlopen
//!     COMPLETE                    completion marker, written last (build time inside)
//!     spec.txt                    what this is: spec summary, key inputs, tool versions
//!     design.v wrapper.v shim.cpp the generated sources it was built from
//!     build.log                   the full Verilator/make/g++ output
//! <root>/<name>-<key16>.lock      flock(2) lock guarding check-then-build of that key
//! <root>/<name>-<key16>.tmp-*     a build in progress (or left by a killed/failed build)
//! ```
//!
//! A build happens in the `.tmp-*` directory and is renamed into place only after the marker
//! is written, so a finished directory is always complete; a directory without the marker (a
//! hand-made or otherwise damaged one) is deleted and rebuilt. `flock` locks belong to the open
//! file description, so they exclude threads of one process (each opens the lock file itself)
//! as well as other processes, and the kernel drops them when a process dies.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

use super::VerilatorError;

/// Name of the completion marker inside a finished model directory.
pub(crate) const MARKER: &str = "COMPLETE";
/// Name of the shared library inside a model directory.
pub(crate) const LIBRARY: &str = "libmodel.so";

/// The default cache root: `$ATOMIK_CACHE_DIR` if set (used as is: the model directories go
/// directly in it), else `$XDG_CACHE_HOME/atomik/verilator`, else
/// `$HOME/.cache/atomik/verilator`, else `<temp dir>/atomik/verilator`. Empty values count as
/// unset.
pub fn default_cache_root() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("ATOMIK_CACHE_DIR") {
        return dir;
    }
    let base = env("XDG_CACHE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("atomik").join("verilator")
}

/// A configuration name made safe for a directory name.
pub(crate) fn dir_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    s.trim_start_matches('.').to_string()
}

pub(crate) fn io_err(path: &Path, source: std::io::Error) -> VerilatorError {
    VerilatorError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The exclusive lock for one cache entry; released when dropped (the file is closed).
pub(crate) struct EntryLock {
    _file: File,
}

impl EntryLock {
    /// Blocks until this thread holds the lock `<dir>.lock`.
    pub(crate) fn acquire(dir: &Path) -> Result<EntryLock, VerilatorError> {
        let path = sibling(dir, ".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        file.lock_exclusive().map_err(|e| io_err(&path, e))?;
        Ok(EntryLock { _file: file })
    }
}

/// `<dir><suffix>` next to `dir`.
pub(crate) fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut s = dir.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Is `dir` a finished model? (Call with the lock held.)
pub(crate) fn is_complete(dir: &Path) -> bool {
    dir.join(MARKER).is_file() && dir.join(LIBRARY).is_file()
}

/// Removes a damaged `dir` and any `<dir>.tmp-*` left by dead builders. Only call with the
/// entry lock held: then no live builder owns them.
pub(crate) fn clear_leftovers(dir: &Path) -> Result<(), VerilatorError> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let (Some(parent), Some(stem)) = (dir.parent(), dir.file_name()) else {
        return Ok(());
    };
    let prefix = format!("{}.tmp-", stem.to_string_lossy());
    let entries = fs::read_dir(parent).map_err(|e| io_err(parent, e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let p = entry.path();
            fs::remove_dir_all(&p).map_err(|e| io_err(&p, e))?;
        }
    }
    Ok(())
}
