//! Split views: two checkpoints of one ledger, each validly signed, that no single history can
//! have — the same size with different roots, or a smaller tree that is not a prefix of the
//! larger one. Such a pair is a proof that the ledger's editors showed different histories to
//! different readers; the detectors (`sync`, `clone`, the server's hook, `witness cosign`,
//! `receipt verify --against`) write both notes to a file and refuse, naming the two.

use super::checkpoint::Checkpoint;
use super::merkle::{root_of, Hash};
use super::note::Note;
use super::LogState;
use std::path::PathBuf;

/// A checkpoint seen somewhere: its note and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    /// The signed note.
    pub note: String,
    /// Where it was seen (a remote, a clone, a receipt).
    pub from: String,
}

impl Seen {
    /// Its tree head, if the note is a checkpoint.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        Checkpoint::parse(&Note::parse(self.note.as_bytes()).ok()?.text).ok()
    }
}

/// What a seen checkpoint says about a history's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// The history has it, or its tree at that size has the same root.
    Consistent,
    /// The history is smaller than the checkpoint: it cannot say.
    Behind,
    /// The history's tree at that size is not the checkpoint's: the history's own checkpoint
    /// (`note`) proves the split, with `why`.
    Inconsistent {
        /// The history's checkpoint that contradicts the seen one.
        note: String,
        /// Why the two cannot be of one history.
        why: String,
    },
    /// The history's tree at that size is not the checkpoint's, but no checkpoint of the
    /// history covers that size to prove it with.
    Unproven,
    /// Every leaf hash is needed to decide ([`LogState::leaves`]).
    NeedLeaves,
}

/// Compares checkpoint `seen` with the log of a verified history.
pub fn against(seen: &Checkpoint, log: &LogState) -> Against {
    if let Some(same) = log.checkpoints.iter().find(|c| c.size == seen.size) {
        return if same.root == seen.root_b64() {
            Against::Consistent
        } else {
            Against::Inconsistent {
                note: same.note.clone(),
                why: format!("two checkpoints of size {} with different roots", seen.size),
            }
        };
    }
    if seen.size > log.size {
        return Against::Behind;
    }
    let root: Hash = if seen.size == log.size {
        log.root()
    } else {
        match &log.leaves {
            Some(l) if l.len() as u64 >= seen.size => root_of(&l[..seen.size as usize]),
            _ => return Against::NeedLeaves,
        }
    };
    if root == seen.root {
        return Against::Consistent;
    }
    match log.checkpoints.iter().find(|c| c.size > seen.size) {
        Some(c) => Against::Inconsistent {
            note: c.note.clone(),
            why: format!(
                "the tree of size {} under checkpoint {} (size {}) does not have the root of the checkpoint of size {} seen before: no consistency proof can exist between them",
                seen.size, c.seq, c.size, seen.size
            ),
        },
        None => Against::Unproven,
    }
}

/// The proof of a split view: both notes, as a file anyone can check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Proof {
    /// `undersigned-equivocation/1`.
    pub format: String,
    /// The ledger.
    pub ledger_id: String,
    /// Why the two cannot be of one history.
    pub why: String,
    /// The checkpoint seen first.
    pub first: Seen,
    /// The checkpoint that contradicts it.
    pub second: Seen,
}

/// One line naming a checkpoint note, for messages.
pub fn describe(s: &Seen) -> String {
    match s.checkpoint() {
        Some(c) => format!(
            "checkpoint of size {} root {} (from {})",
            c.size,
            c.root_b64(),
            s.from
        ),
        None => format!("a note from {}", s.from),
    }
}

/// Writes the proof to this user's state directory (or the system's temporary directory when
/// there is none) and returns the error that names the two checkpoints.
pub fn refuse(ledger_id: &str, why: String, first: Seen, second: Seen) -> crate::error::Error {
    let proof = Proof {
        format: "undersigned-equivocation/1".into(),
        ledger_id: ledger_id.to_string(),
        why: why.clone(),
        first,
        second,
    };
    let bytes = serde_json::to_vec_pretty(&proof).expect("plain data serializes");
    let name = format!(
        "{ledger_id}-{}.json",
        &crate::record::sha256_hex(&bytes)[..16]
    );
    let dir = crate::local::secret::state_dir()
        .map(|d| d.join("equivocations"))
        .unwrap_or_else(|| std::env::temp_dir().join("undersigned-equivocations"));
    let path: PathBuf = dir.join(name);
    let written = std::fs::create_dir_all(&dir)
        .and_then(|_| crate::local::write_atomic(&path, &bytes))
        .is_ok();
    crate::error::Error::Equivocation {
        proof: written.then_some(path),
        first: describe(&proof.first),
        second: describe(&proof.second),
        why,
    }
}
