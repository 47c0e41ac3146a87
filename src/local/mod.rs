//! What undersigned keeps for itself inside a repository's git directory, in
//! `.git/undersigned/` (a bare ledger: `DIR/undersigned/`): nothing here is part of the ledger,
//! every file can be deleted at the cost of time or of a memory (a remembered head), and each
//! is written whole or not at all ([`write_atomic`]).
//!
//! | file | owner | what |
//! | --- | --- | --- |
//! | `lock` | [`lock`] | the write lock, and whether its last holder finished |
//! | `verified` | [`pin`] | the ledger id and the last head `verify` accepted |
//! | `proved/` | [`proofs`] | the state `verify` proved at recent heads |
//! | `ledger-id` | [`LocalDir::ledger_id`] | the genesis, with the head it was confirmed for |
//! | `worktree` | [`LocalDir::worktree`] | the commit the work tree was last brought to |
//! | `keys-used` | [`LocalDir::keys_used`] | which key file made each unpublished act (paths only) |
//! | `remotes/<name>.json` | [`journal`] | what `sync` verified and pushed there |
//!
//! The memories that only save time (proofs, the ledger id) carry a tag made with a secret of
//! this user that never lives in a repository ([`secret`]): copied or forged, they are ignored.

pub mod journal;
pub mod lock;
pub mod pin;
pub mod proofs;
pub mod secret;
pub mod witness;

use git2::Oid;
use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The directory of undersigned's own files in one repository.
#[derive(Debug, Clone)]
pub struct LocalDir {
    path: PathBuf,
}

const LEDGER_ID: &str = "ledger-id";
const WORKTREE: &str = "worktree";
const KEYS_USED: &str = "keys-used";

impl LocalDir {
    /// The directory inside the git directory `git_dir` (`.git`, or a bare repository).
    pub fn of(git_dir: &Path) -> LocalDir {
        LocalDir {
            path: git_dir.join("undersigned"),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of one of its files.
    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Creates the directory when missing.
    pub(crate) fn create(&self) -> std::io::Result<()> {
        fs::create_dir_all(&self.path)
    }

    /// The remembered ledger id and the head it was confirmed for, when this user's secret
    /// tagged them ([`secret`]): a planted memory would make acts write another ledger's id.
    pub fn ledger_id(&self) -> Option<(Oid, Oid)> {
        let text = fs::read_to_string(self.file(LEDGER_ID)).ok()?;
        let mut parts = text.split_whitespace();
        let (ledger, head, tag) = (parts.next()?, parts.next()?, parts.next()?);
        let key = secret::user_key()?;
        if !key.verify(format!("{ledger} {head}").as_bytes(), tag) {
            return None;
        }
        Some((Oid::from_str(ledger).ok()?, Oid::from_str(head).ok()?))
    }

    /// Remembers the ledger id as confirmed at `head` (best effort: it only saves a walk, so
    /// it is not flushed to disk).
    pub fn remember_ledger_id(&self, ledger: Oid, head: Oid) {
        if self.ledger_id() == Some((ledger, head)) {
            return;
        }
        let Some(key) = secret::user_key() else {
            return;
        };
        let body = format!("{ledger} {head}");
        let tag = key.tag(body.as_bytes());
        let _ = self
            .create()
            .and_then(|()| replace(&self.file(LEDGER_ID), format!("{body} {tag}\n").as_bytes()));
    }

    /// The commit the work tree was last brought to, as written (not checked to exist).
    pub fn worktree(&self) -> Option<Oid> {
        let text = fs::read_to_string(self.file(WORKTREE)).ok()?;
        Oid::from_str(text.trim()).ok()
    }

    /// Records that the work tree now holds `head`. Not flushed to disk: after a power cut
    /// the marker is at worst older than the work tree, and the next act checks the whole work
    /// tree out again.
    pub fn set_worktree(&self, head: Oid) -> std::io::Result<()> {
        self.create()?;
        replace(&self.file(WORKTREE), format!("{head}\n").as_bytes())
    }

    /// Which key file made each act not yet published (`<commit> <path>` lines).
    pub fn keys_used(&self) -> HashMap<Oid, PathBuf> {
        let text = fs::read_to_string(self.file(KEYS_USED)).unwrap_or_default();
        text.lines()
            .filter_map(|l| {
                let (c, p) = l.split_once(' ')?;
                Some((Oid::from_str(c).ok()?, PathBuf::from(p)))
            })
            .collect()
    }

    /// Appends that `key` made `commit` (best effort: without it `sync --key` names the key).
    /// Appending one short line is atomic enough: a torn line does not parse and is skipped.
    pub fn remember_key(&self, commit: Oid, key: &Path) {
        let Some(text) = key.to_str().filter(|t| !t.contains('\n')) else {
            return;
        };
        let _ = self.create();
        if let Ok(mut f) = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.file(KEYS_USED))
        {
            let _ = f.write_all(format!("{commit} {text}\n").as_bytes());
        }
    }

    /// Forgets every remembered key file (after a sync every act is published).
    pub fn forget_keys(&self) {
        let _ = fs::remove_file(self.file(KEYS_USED));
    }
}

pub use crate::files::{replace, write_atomic};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_values_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let local = LocalDir::of(dir.path());
        let a = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let b = Oid::from_str("2222222222222222222222222222222222222222").unwrap();
        assert_eq!(local.ledger_id(), None);
        local.remember_ledger_id(a, b);
        assert_eq!(local.ledger_id(), Some((a, b)));
        local.set_worktree(b).unwrap();
        assert_eq!(local.worktree(), Some(b));
        local.remember_key(a, Path::new("/keys/k"));
        assert_eq!(local.keys_used().get(&a), Some(&PathBuf::from("/keys/k")));
        local.forget_keys();
        assert!(local.keys_used().is_empty());
    }
}
