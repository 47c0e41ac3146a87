//! Finding the ledger a command means when none is named, as git finds its repository: the
//! repository that contains the directory the command runs in (its work tree or, for a bare
//! ledger, its git directory), else `./ledger`, the default place `init` creates one. Like git,
//! the walk up stops at the first repository: a command run inside some other repository (a
//! checkout of a project that keeps a ledger in `./ledger`) never reaches a ledger above it.

use crate::error::{Error, Result, Tried};
use crate::store::Store;
use std::path::{Path, PathBuf};

/// Where `init` creates a ledger, and the last place looked for one: `./ledger`.
pub const DEFAULT_DIR: &str = "ledger";

/// The ledger for a command run in `cwd`: see the module documentation. The error names each
/// place tried and why it is not a ledger.
pub fn find(cwd: &Path) -> Result<PathBuf> {
    let mut tried = Vec::new();
    if let Ok(repo) = git2::Repository::discover(cwd) {
        let dir = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
        let dir = strip_trailing(dir);
        drop(repo);
        match Store::open(&dir) {
            Ok(_) => return Ok(dir),
            Err(e) => tried.push(Tried {
                path: dir,
                why: format!("the git repository around {}: {}", cwd.display(), why(&e)),
            }),
        }
    } else {
        tried.push(Tried {
            path: cwd.to_path_buf(),
            why: "not inside a git repository".into(),
        });
    }
    let default = cwd.join(DEFAULT_DIR);
    match Store::open(&default) {
        Ok(_) => Ok(default),
        Err(e) => {
            tried.push(Tried {
                path: default,
                why: why(&e),
            });
            Err(Error::NoLedgerFound { tried })
        }
    }
}

fn why(e: &Error) -> String {
    match e {
        Error::NotALedger { why, .. } => why.clone(),
        other => other.to_string(),
    }
}

/// `/a/b/` as `/a/b`, so that messages and outputs name the directory as a user types it.
fn strip_trailing(dir: PathBuf) -> PathBuf {
    let s = dir.as_os_str().to_string_lossy();
    if s.len() > 1 && s.ends_with('/') {
        PathBuf::from(s.trim_end_matches('/'))
    } else {
        dir
    }
}
