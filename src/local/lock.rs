//! The ledger's write lock, `lock`: two processes acting on one ledger queue on it (the
//! branch's compare-and-swap still guards against writers that do not take it). The file also
//! says whether its last holder finished: a holder writes its pid into it and empties it when
//! done, so a non-empty file found by the next holder means a process was killed while it held
//! the lock, and what it left behind (git's own lock files) may be cleared.

use super::LocalDir;
use std::fs::File;
use std::io::Write as _;
use std::time::SystemTime;

/// The held lock; released, and marked as cleanly released, when dropped.
pub struct LedgerLock {
    file: File,
}

impl Drop for LedgerLock {
    fn drop(&mut self) {
        // An empty file tells the next holder this one finished; the lock itself goes with the
        // file descriptor.
        let _ = self.file.set_len(0);
    }
}

/// Waits for the lock and takes it. Returns it and, when the previous holder was killed while
/// holding it, when that holder took it.
pub fn acquire(local: &LocalDir) -> std::io::Result<(LedgerLock, Option<SystemTime>)> {
    local.create()?;
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(local.file("lock"))?;
    file.lock()?;
    let meta = file.metadata()?;
    let killed = (meta.len() > 0).then(|| meta.modified().ok()).flatten();
    file.set_len(0)?;
    file.write_all(format!("pid {}\n", std::process::id()).as_bytes())?;
    Ok((LedgerLock { file }, killed))
}
