//! What this user remembers of ledgers' logs, outside every repository (beside the proof key,
//! [`super::secret::state_dir`]): for each witness, the last checkpoint it cosigned of each
//! ledger, so that it never cosigns one inconsistent with it; and the largest checkpoint of
//! each ledger this user has seen verified anywhere (a remote, a clone, a push), so that a
//! split view shown to this user later is caught. Each file is replaced atomically.
//!
//! ```text
//! <state>/log/<ledger id>/witness-<org>.json    the last checkpoint org cosigned
//! <state>/log/<ledger id>/seen.json             the largest checkpoint seen
//! ```

use crate::log::equivocation::Seen;
use std::path::PathBuf;

fn file(ledger_id: &str, name: &str) -> Option<PathBuf> {
    Some(
        super::secret::state_dir()?
            .join("log")
            .join(ledger_id)
            .join(name),
    )
}

fn read(path: Option<PathBuf>) -> Option<Seen> {
    serde_json::from_slice(&std::fs::read(path?).ok()?).ok()
}

fn write(path: Option<PathBuf>, seen: &Seen) -> std::io::Result<()> {
    let Some(path) = path else {
        return Ok(()); // nowhere to remember: every check then starts afresh
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = serde_json::to_vec_pretty(seen).expect("plain data serializes");
    super::write_atomic(&path, &bytes)
}

/// The last checkpoint witness `org` cosigned of this ledger.
pub fn witnessed(ledger_id: &str, org: &str) -> Option<Seen> {
    read(file(ledger_id, &format!("witness-{org}.json")))
}

/// Remembers the checkpoint witness `org` just cosigned.
pub fn remember_witnessed(ledger_id: &str, org: &str, seen: &Seen) -> std::io::Result<()> {
    write(file(ledger_id, &format!("witness-{org}.json")), seen)
}

/// The largest checkpoint of this ledger this user has seen verified.
pub fn seen(ledger_id: &str) -> Option<Seen> {
    read(file(ledger_id, "seen.json"))
}

/// Remembers `seen` when it is larger than the one remembered.
pub fn remember_seen(ledger_id: &str, seen: &Seen) -> std::io::Result<()> {
    let size = |s: &Seen| s.checkpoint().map(|c| c.size).unwrap_or(0);
    if self::seen(ledger_id).is_some_and(|old| size(&old) >= size(seen)) {
        return Ok(());
    }
    write(file(ledger_id, "seen.json"), seen)
}
