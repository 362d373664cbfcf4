//! One g6sim command at a time writes a directory.
//!
//! Every command that writes a directory (`run`, each seed directory of `run --seeds` and their parent,
//! `replay`, `sweep` and its shards, `sweep merge`, `check --plots DIR`, `plot`) takes an exclusive lock on
//! the file [`LOCK_FILE`] inside it before it simulates anything, and holds it until it has written its last
//! file. A second command finds the lock taken and is refused at once, naming the directory; it neither
//! waits nor writes. The lock is the operating system's advisory file lock ([`File::try_lock`]: `flock` on
//! Unix), so the operating system releases it when its holder exits, however it exits: a killed command
//! leaves no lock behind, only the empty file, which the next command takes and removes.
//!
//! A command removes the lock file as it finishes, while still holding the lock, so a finished directory
//! holds exactly the files the command wrote. A command that opened the file just before that removal then
//! locks a file no longer in the directory: it sees that the file at the path is not the one it locked, and
//! starts again with the path's current file.
//!
//! On a file system that takes no locks (some network file systems), the lock is skipped: the command runs
//! as it would without one.

use super::DirError;
use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The lock file a command holds in the directory it writes (hidden; removed when the command ends).
pub const LOCK_FILE: &str = ".g6sim.lock";

/// How many times a lock is tried when each attempt finds the file removed by a holder that finished.
const ATTEMPTS: usize = 100;

/// The lock of a directory, held until dropped: dropping removes the lock file, then releases the lock.
#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
    /// `None` where the file system takes no locks.
    file: Option<File>,
}

impl DirLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the lock is held (false on a file system that takes no locks).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let _ = std::fs::remove_file(&self.path);
            drop(file);
        }
    }
}

/// Why a directory could not be locked.
#[derive(Debug)]
pub(crate) enum LockError {
    /// Another command holds the lock.
    Busy,
    /// The lock file cannot be created or opened.
    Io(io::Error),
}

/// Takes the lock of `dir` (which must exist), creating its [`LOCK_FILE`]; [`LockError::Busy`] at once when
/// another command holds it.
pub(crate) fn try_lock_dir(dir: &Path) -> Result<DirLock, LockError> {
    let path = dir.join(LOCK_FILE);
    for _ in 0..ATTEMPTS {
        let file =
            File::options().read(true).write(true).create(true).truncate(false).open(&path).map_err(LockError::Io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(LockError::Busy),
            Err(TryLockError::Error(_)) => {
                // The file system takes no locks: go on without one, leaving no file behind.
                drop(file);
                let _ = std::fs::remove_file(&path);
                return Ok(DirLock { path, file: None });
            }
        }
        if is_at(&file, &path) {
            return Ok(DirLock { path, file: Some(file) });
        }
        // The previous holder removed this file as it finished: lock the path's current file.
    }
    Err(LockError::Busy)
}

/// Takes the lock of `dir` (which must exist); the error says, in words, which directory and why.
pub fn lock_dir(dir: &Path) -> Result<DirLock, DirError> {
    try_lock_dir(dir).map_err(|e| locked_error(dir, e))
}

/// The [`DirError`] of a directory that could not be locked.
pub(crate) fn locked_error(dir: &Path, e: LockError) -> DirError {
    let (message, hint) = match e {
        LockError::Busy => (
            format!("another g6sim command is writing this directory (it holds {LOCK_FILE})"),
            "wait for that command to end, or write elsewhere",
        ),
        LockError::Io(e) => (format!("cannot write into the directory: {e}"), "check its permissions"),
    };
    DirError { dir: dir.to_path_buf(), message, hint: hint.to_string() }
}

/// Whether `path` still names the file `file` has open (it was not removed or replaced since).
#[cfg(unix)]
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Whether `path` still names the file `file` has open (elsewhere an open file cannot be removed).
#[cfg(not(unix))]
fn is_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("g6sim-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn one_holder_at_a_time_and_no_file_left() {
        let dir = dir("one");
        let first = try_lock_dir(&dir).unwrap();
        assert!(first.is_held(), "this file system takes locks");
        assert!(matches!(try_lock_dir(&dir), Err(LockError::Busy)));
        let e = lock_dir(&dir).unwrap_err().to_string();
        assert!(e.contains(&dir.display().to_string()) && e.contains("another g6sim command is writing"), "{e}");
        drop(first);
        assert!(!dir.join(LOCK_FILE).exists(), "the holder removes the lock file");
        let second = try_lock_dir(&dir).unwrap();
        drop(second);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file left by a killed command is no lock: the next command takes it (and removes it).
    #[test]
    fn a_left_lock_file_is_taken() {
        let dir = dir("left");
        std::fs::write(dir.join(LOCK_FILE), b"").unwrap();
        drop(try_lock_dir(&dir).unwrap());
        assert!(!dir.join(LOCK_FILE).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file locked after its holder removed it is not the lock: the path's current file is.
    #[test]
    fn a_removed_lock_file_is_not_the_lock() {
        let dir = dir("removed");
        let path = dir.join(LOCK_FILE);
        let stale = File::options().read(true).write(true).create(true).truncate(false).open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!is_at(&stale, &path));
        let lock = try_lock_dir(&dir).unwrap();
        assert!(is_at(lock.file.as_ref().unwrap(), &path));
        drop((lock, stale));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_in_words() {
        let dir = dir("missing").join("no-such");
        let e = lock_dir(&dir).unwrap_err().to_string();
        assert!(e.contains("cannot write into the directory") && !e.contains("Os {"), "{e}");
    }
}
