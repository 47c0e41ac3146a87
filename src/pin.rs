//! What `verify` remembers between runs, inside the repository's git directory: the ledger id
//! and the last head it verified. A later history that no longer contains that head was
//! rewritten, even when every commit in it is validly signed; a different genesis is another
//! ledger. The memory is a convenience that only ever adds failures: deleting it (`--forget`)
//! makes the next run trust on first use again.

use crate::error::{Error, Result};
use crate::store::Store;
use crate::verify::Failure;
use git2::Oid;
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
pub fn read(store: &Store) -> Option<Pin> {
    let text = fs::read_to_string(store.state_dir().join(FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Forgets what was verified before.
pub fn forget(store: &Store) -> Result<()> {
    match fs::remove_file(store.state_dir().join(FILE)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("forgetting the verified head", e)),
    }
}

/// Remembers a verified head.
pub fn remember(store: &Store, ledger_id: Oid, head: Oid) -> Result<()> {
    let dir = store.state_dir();
    fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let pin = Pin {
        ledger_id: ledger_id.to_string(),
        head: head.to_string(),
    };
    let tmp = dir.join(format!("{FILE}.tmp"));
    let text = serde_json::to_string_pretty(&pin).expect("a pin always serializes");
    fs::write(&tmp, text).map_err(|e| Error::io(tmp.display().to_string(), e))?;
    fs::rename(&tmp, dir.join(FILE)).map_err(|e| Error::io(dir.display().to_string(), e))
}

/// Checks the history against the memory: same genesis, and the remembered head still in it.
pub fn check(store: &Store, pin: &Pin, ledger_id: Oid, head: Oid) -> Option<Failure> {
    let repo = store.repo();
    if pin.ledger_id != ledger_id.to_string() {
        return Some(Failure {
            commit: ledger_id.to_string(),
            path: None,
            rule: "rewrite",
            reason: format!(
                "this repository was verified before as ledger {}; its genesis is now {ledger_id}: the history was replaced (run `verify --forget` only if you meant to switch ledgers)",
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
        rule: "rewrite",
        reason: format!(
            "history rewritten: the head verified before, {remembered}, is not in this history; {common}"
        ),
    })
}
