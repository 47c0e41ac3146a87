//! What `sync` remembers of each remote, in `remotes/<remote>.json`: the last remote head this
//! clone verified (a remote whose history no longer holds it was rewritten), and a journal of
//! pushes, so that a process killed between a landed push and moving the branch never
//! publishes the same acts twice.

use super::{write_atomic, LocalDir};
use git2::{Oid, Repository};
use std::fs;
use std::path::PathBuf;

/// What `sync` remembers of one remote.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RemoteState {
    /// The last remote head this clone verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// A push in flight: the local head it publishes and the rebuilt head pushed. Cleared once
    /// the branch moved; found on the next run when the process died in between.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Push>,
    /// A push found to have landed although its process died before moving the branch: the
    /// local commits up to `local` are on the remote as `tip`. Kept until the branch moves, so
    /// that a later push in flight (which replaces `pending`) cannot make them look
    /// unpublished if that process dies too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Push>,
}

/// A push: the local head it publishes and the head pushed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Push {
    /// Local head published.
    pub local: String,
    /// Head pushed (the local acts rebuilt on the remote).
    pub tip: String,
}

impl Push {
    /// Both ends as commit ids.
    pub fn ids(&self) -> Option<(Oid, Oid)> {
        Some((
            Oid::from_str(&self.local).ok()?,
            Oid::from_str(&self.tip).ok()?,
        ))
    }
}

impl RemoteState {
    /// The verified remote head as a commit id.
    pub fn verified_id(&self) -> Option<Oid> {
        self.verified.as_deref().and_then(|t| Oid::from_str(t).ok())
    }
}

fn path(repo: &Repository, remote: &str) -> PathBuf {
    LocalDir::of(repo.path())
        .file("remotes")
        .join(format!("{remote}.json"))
}

/// Reads what was remembered of `remote` (nothing, when unreadable).
pub fn read(repo: &Repository, remote: &str) -> RemoteState {
    fs::read_to_string(path(repo, remote))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Remembers `state` for `remote`, whole or not at all.
pub fn write(repo: &Repository, remote: &str, state: &RemoteState) -> std::io::Result<()> {
    let path = path(repo, remote);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(state).expect("a journal always serializes");
    write_atomic(&path, text.as_bytes())
}
