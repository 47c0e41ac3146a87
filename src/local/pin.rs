//! What `verify` remembers between runs: the ledger id and the last head it verified. A later
//! history that no longer contains that head was rewritten, even when every commit in it is
//! validly signed; a different genesis is another ledger. The memory only ever adds failures:
//! deleting it (`verify --forget`) makes the next run trust on first use again.

use super::{write_atomic, LocalDir};
use crate::report::{Failure, Rule};
use git2::{Oid, Repository};
use std::fs;

const FILE: &str = "verified";

/// The remembered ledger id and head.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pin {
    /// Genesis commit id.
    pub ledger_id: String,
    /// Last head that verified.
    pub head: String,
}

/// Reads the memory, if any (an unreadable one counts as none: it is rewritten on success).
pub fn read(repo: &Repository) -> Option<Pin> {
    let text = fs::read_to_string(LocalDir::of(repo.path()).file(FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Forgets what was verified before.
pub fn forget(repo: &Repository) -> std::io::Result<()> {
    match fs::remove_file(LocalDir::of(repo.path()).file(FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Remembers a verified head.
pub fn remember(repo: &Repository, ledger_id: Oid, head: Oid) -> std::io::Result<()> {
    let local = LocalDir::of(repo.path());
    local.create()?;
    let pin = Pin {
        ledger_id: ledger_id.to_string(),
        head: head.to_string(),
    };
    let text = serde_json::to_string_pretty(&pin).expect("a pin always serializes");
    write_atomic(&local.file(FILE), text.as_bytes())
}

/// Checks the history against the memory, when there is one: same genesis, and the remembered
/// head still in it.
pub fn check(repo: &Repository, ledger_id: Oid, head: Oid) -> Option<Failure> {
    let pin = read(repo)?;
    if pin.ledger_id != ledger_id.to_string() {
        return Some(Failure {
            commit: ledger_id.to_string(),
            path: None,
            rule: Rule::Rewrite,
            reason: format!(
                "this repository was verified before as ledger {}; its genesis is now {ledger_id}: the history was replaced (forget the old ledger only if you meant to switch ledgers)",
                pin.ledger_id
            ),
        });
    }
    let remembered = Oid::from_str(&pin.head).ok()?;
    if remembered == head || repo.graph_descendant_of(head, remembered).unwrap_or(false) {
        return None;
    }
    let common = repo
        .merge_base(head, remembered)
        .map(|c| format!("the last common commit is {c}"))
        .unwrap_or_else(|_| "the verified head is no longer in this repository".into());
    Some(Failure {
        commit: head.to_string(),
        path: None,
        rule: Rule::Rewrite,
        reason: format!(
            "history rewritten: the head verified before, {remembered}, is not in this history; {common}"
        ),
    })
}
