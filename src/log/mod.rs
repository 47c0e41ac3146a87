//! The ledger's transparency log: an RFC 6962 / RFC 9162 Merkle tree whose leaves are the
//! ledger's acts in history order ([`leaf`]), checkpoints of it signed by editors in the C2SP
//! `tlog-checkpoint` form ([`checkpoint`], [`note`]), witnesses' C2SP `tlog-cosignature`
//! cosignatures, receipts in the C2SP `tlog-proof` form ([`receipt`]) and proofs of a split
//! view ([`equivocation`]).
//!
//! `verify` recomputes the tree as it replays history: [`LogState`] is part of the ledger's
//! state, keeps the tree's frontier (O(log n)) and every checkpoint with its cosignatures, and
//! is kept in the proof cache like the rest of the state, so a resumed run agrees with a full
//! one.

pub mod anchor;
pub mod check;
pub mod checkpoint;
pub mod equivocation;
pub mod leaf;
pub mod merkle;
pub mod note;
pub mod receipt;

use git2::Oid;
use merkle::{Frontier, Hash};

/// What the log is at one commit: the tree over the acts so far, its checkpoints, the
/// witnesses' quorum.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LogState {
    /// Leaves so far.
    pub size: u64,
    /// The roots of the tree's perfect subtrees, largest first (hex in the proof cache). Held
    /// decoded: every act appends to it, and decoding and encoding it there cost more than the
    /// hashing.
    #[serde(with = "hex_hashes")]
    pub frontier: Vec<Hash>,
    /// Every checkpoint, in order.
    pub checkpoints: Vec<CheckpointEntry>,
    /// The quorum of witnesses the ledger states, if any.
    pub quorum: Option<QuorumEntry>,
    /// Every leaf hash, when a caller asked for them (receipts): not kept in proofs.
    #[serde(skip)]
    pub leaves: Option<Vec<Hash>>,
}

/// A checkpoint in the ledger.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckpointEntry {
    /// Its number.
    pub seq: u32,
    /// The tree size it signs.
    pub size: u64,
    /// The root it signs, base64 as in the note.
    pub root: String,
    /// The signed note, exactly as committed.
    pub note: String,
    /// The editor whose key signed it.
    pub editor: String,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// That commit's time.
    pub time: i64,
    /// Witnesses' cosignatures, in the order they were committed.
    pub cosignatures: Vec<CosignatureEntry>,
}

/// A witness's cosignature of a checkpoint.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CosignatureEntry {
    /// The organization that cosigned.
    pub org: String,
    /// The time it states (seconds).
    pub time: u64,
    /// The signature line, exactly as committed.
    pub line: String,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
}

/// The quorum of witnesses a ledger states: `k` of these organizations.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct QuorumEntry {
    /// Its number.
    pub seq: u32,
    /// How many cosignatures a checkpoint needs.
    pub k: u32,
    /// The organizations whose cosignatures count.
    pub witnesses: Vec<String>,
    /// Commit that stated it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
}

impl LogState {
    /// The frontier as a tree (one that does not match its size reads as empty: a proof with
    /// it fails its checks).
    pub fn tree(&self) -> Frontier {
        Frontier::from_parts(self.size, self.frontier.clone()).unwrap_or_default()
    }

    /// Appends the leaf of one act, in place.
    pub fn push(&mut self, leaf: Hash) {
        if self.frontier.len() != self.size.count_ones() as usize {
            // A damaged frontier (from a proof file): start over as `tree` reads it, so that
            // the roots no longer match and the next checkpoint's check names it.
            self.size = 0;
            self.frontier.clear();
        }
        merkle::append(self.size, &mut self.frontier, leaf);
        self.size += 1;
        if let Some(all) = &mut self.leaves {
            all.push(leaf);
        }
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        self.tree().root()
    }

    /// The latest checkpoint.
    pub fn latest(&self) -> Option<&CheckpointEntry> {
        self.checkpoints.last()
    }

    /// Checkpoint `seq`.
    pub fn checkpoint(&self, seq: u32) -> Option<&CheckpointEntry> {
        seq.checked_sub(1)
            .and_then(|i| self.checkpoints.get(usize::try_from(i).ok()?))
    }

    /// The first checkpoint that includes leaf `index`.
    pub fn first_covering(&self, index: u64) -> Option<&CheckpointEntry> {
        self.checkpoints.iter().find(|c| c.size > index)
    }

    /// The witnesses of the quorum that cosigned checkpoint `c`, and whether they are enough.
    pub fn quorum_met(&self, c: &CheckpointEntry) -> Option<(Vec<String>, bool)> {
        let q = self.quorum.as_ref()?;
        let by: Vec<String> = c
            .cosignatures
            .iter()
            .filter(|s| q.witnesses.contains(&s.org))
            .map(|s| s.org.clone())
            .collect();
        let met = by.len() >= q.k as usize;
        Some((by, met))
    }
}

/// Where leaf `index` is in the log: the first checkpoint that includes it and the times its
/// witnesses cosigned — time from the log, beside the signer's own claim.
pub fn place(log: &LogState, index: u64) -> crate::report::InLog {
    let first = log.first_covering(index);
    crate::report::InLog {
        index,
        checkpoint: first.map(|c| c.seq),
        checkpoint_time: first.map(|c| c.time),
        witnessed: first
            .map(|c| {
                c.cosignatures
                    .iter()
                    .map(|s| crate::report::Witnessed {
                        org: s.org.clone(),
                        time: s.time,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// "in the log by <time>, according to <witnesses>", or what is known short of that.
pub fn place_text(p: &crate::report::InLog) -> String {
    match (p.checkpoint, p.witnessed.iter().map(|w| w.time).min()) {
        (Some(_), Some(t)) => format!(
            "log #{}: in the log by {}, according to {}",
            p.index,
            crate::timefmt::format_secs(i64::try_from(t).unwrap_or(0)),
            p.witnessed
                .iter()
                .map(|w| format!("org/{}", w.org))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Some(c), None) => format!(
            "log #{}: in checkpoint {c} (no witness has cosigned it yet)",
            p.index
        ),
        (None, _) => format!("log #{}: in no checkpoint yet", p.index),
    }
}

/// Decodes 64 hex digits.
pub fn unhex32(s: &str) -> Option<Hash> {
    if s.len() != 64 {
        return None;
    }
    let v: Option<Vec<u8>> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    v?.try_into().ok()
}

/// Hashes as hex strings in the proof cache.
mod hex_hashes {
    use super::{unhex32, Hash};
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    /// Each hash as 64 hex digits.
    pub fn serialize<S: Serializer>(hashes: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(|h| crate::record::hex(h)))
    }

    /// From 64 hex digits each; anything else is refused (the proof is then not used).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|h| unhex32(h).ok_or_else(|| D::Error::custom(format!("not a hash: {h:?}"))))
            .collect()
    }
}

/// The note key name of witness `org`.
pub fn witness_name(org: &str) -> String {
    format!("org/{org}")
}
