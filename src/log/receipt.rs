//! Receipts: an organization's proof that its act is in the ledger's log, in the C2SP
//! `tlog-proof` form, checkable offline with nothing but the receipt and the ledger id.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the JSON below>
//! index <leaf index>
//! <base64 hash>                one per line: the inclusion path, from the leaf's sibling up
//!
//! <the checkpoint: its text, a blank line, the editor's signature and the cosignatures>
//! ```
//!
//! The extra data is [`Extra`]: the leaf's bytes (the act's records, [`super::leaf`]), the
//! chain of git objects that binds the checkpoint's key to the ledger id ([`super::anchor`]),
//! and, in a receipt made by `receipt update`, the checkpoint of the receipt it updates with a
//! consistency proof from that one to this one. Nothing in it is trusted: each part is checked
//! against the hashes and signatures that name it.

use super::anchor::{self, Link};
use super::checkpoint::{origin, Checkpoint};
use super::leaf::{parse_leaf, LEAF_MAGIC};
use super::merkle::{leaf_hash, verify_consistency, verify_inclusion, Hash};
use super::note::{Note, VerifierKey, TYPE_ED25519};
use base64ct::{Base64, Encoding};

/// The first line of a receipt.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The `format` of [`Extra`].
pub const EXTRA_FORMAT: &str = "undersigned-receipt/1";

/// What travels in the receipt's extra line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    /// [`EXTRA_FORMAT`].
    pub format: String,
    /// The leaf's bytes, base64.
    pub leaf: String,
    /// The git objects that bind the checkpoint's key to the ledger id.
    pub anchor: Vec<Link>,
    /// The checkpoint this receipt updates, with a consistency proof to this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Previous>,
}

/// An earlier checkpoint and the consistency proof from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Previous {
    /// The earlier checkpoint's note.
    pub checkpoint: String,
    /// The consistency proof, base64 hashes.
    pub consistency: Vec<String>,
}

/// A receipt taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The extra data.
    pub extra: Extra,
    /// The leaf index.
    pub index: u64,
    /// The inclusion path.
    pub path: Vec<Hash>,
    /// The checkpoint note, with its signatures.
    pub note: String,
}

/// Which part of a receipt a check refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {why}")]
pub struct ReceiptError {
    /// The part: `format`, `extra`, `record`, `inclusion`, `checkpoint`, `anchor`, `witness`,
    /// `consistency`.
    pub part: &'static str,
    /// Why.
    pub why: String,
}

fn bad<T>(part: &'static str, why: impl Into<String>) -> Result<T, ReceiptError> {
    Err(ReceiptError {
        part,
        why: why.into(),
    })
}

fn b64_hash(s: &str) -> Option<Hash> {
    Base64::decode_vec(s).ok()?.try_into().ok()
}

impl Receipt {
    /// The receipt's text.
    pub fn to_text(&self) -> String {
        let extra = serde_json::to_vec(&self.extra).expect("plain data serializes");
        let mut out = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            Base64::encode_string(&extra),
            self.index
        );
        for h in &self.path {
            out.push_str(&Base64::encode_string(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }

    /// Parses a receipt's text (the parts are checked by [`verify`]).
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let Some(rest) = text.strip_prefix(HEADER).and_then(|r| r.strip_prefix('\n')) else {
            return bad("format", format!("a receipt starts with the line {HEADER}"));
        };
        let Some((head, note)) = rest.split_once("\n\n") else {
            return bad("format", "a receipt has a blank line before its checkpoint");
        };
        let mut lines = head.split('\n');
        let Some(extra) = lines.next().and_then(|l| l.strip_prefix("extra ")) else {
            return bad("format", "the second line is `extra <base64>` (undersigned's receipts always carry the act's records)");
        };
        let raw = Base64::decode_vec(extra).ok().ok_or_else(|| ReceiptError {
            part: "extra",
            why: "not base64".into(),
        })?;
        let extra: Extra = serde_json::from_slice(&raw).map_err(|e| ReceiptError {
            part: "extra",
            why: format!("not undersigned's receipt data: {e}"),
        })?;
        if extra.format != EXTRA_FORMAT {
            return bad(
                "extra",
                format!("format {:?}, not {EXTRA_FORMAT}", extra.format),
            );
        }
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .and_then(|n| n.parse::<u64>().ok().filter(|v| v.to_string() == n))
            .ok_or_else(|| ReceiptError {
                part: "format",
                why: "the third line is `index <n>`".into(),
            })?;
        let path = lines
            .map(|l| {
                b64_hash(l).ok_or_else(|| ReceiptError {
                    part: "inclusion",
                    why: format!("{l:?} is not the base64 of a SHA-256 hash"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Receipt {
            extra,
            index,
            path,
            note: note.to_string(),
        })
    }
}

/// What a verified receipt shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The act's files, from the leaf.
    pub files: Vec<(String, Vec<u8>)>,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The editor whose key signed it (bound by the anchor).
    pub signer: String,
    /// Witnesses given whose cosignatures verified, with their times.
    pub witnessed: Vec<(String, u64)>,
}

/// Checks a receipt against the ledger id and the witnesses' keys: the checkpoint names the
/// ledger and is signed by a key the anchor binds to it; the leaf is at `index` under its root;
/// the cosignatures of the given witnesses verify (a bad one refuses the receipt). The record's
/// own signature is the caller's ([`crate::cli`] knows records); the quorum too.
pub fn verify(
    r: &Receipt,
    ledger_id: &str,
    witnesses: &[VerifierKey],
) -> Result<Verified, ReceiptError> {
    let (checkpoint, note) = checkpoint_of(&r.note, ledger_id)?;
    let bound = anchor::verify(ledger_id, &r.extra.anchor).map_err(|why| ReceiptError {
        part: "anchor",
        why,
    })?;
    let mut signer = None;
    for b in &bound {
        let vkey = VerifierKey {
            name: checkpoint.origin.clone(),
            sig_type: TYPE_ED25519,
            key: b.key.raw,
        };
        if let Some(sig) = note
            .signatures
            .iter()
            .find(|s| s.name == vkey.name && s.key_id == vkey.id())
        {
            vkey.verify(&note.text, sig).map_err(|e| ReceiptError {
                part: "checkpoint",
                why: e.to_string(),
            })?;
            signer = Some(b.principal.clone());
        }
    }
    let Some(signer) = signer else {
        return bad(
            "checkpoint",
            "no signature of the checkpoint is by an editor key the anchor binds to the ledger id",
        );
    };
    let data = Base64::decode_vec(&r.extra.leaf).map_err(|_| ReceiptError {
        part: "record",
        why: "the leaf is not base64".into(),
    })?;
    if !data.starts_with(LEAF_MAGIC.as_bytes()) {
        return bad("record", "the leaf is not an undersigned log leaf");
    }
    let files = parse_leaf(&data).map_err(|why| ReceiptError {
        part: "record",
        why,
    })?;
    verify_inclusion(
        r.index,
        checkpoint.size,
        &leaf_hash(&data),
        &r.path,
        &checkpoint.root,
    )
    .map_err(|e| ReceiptError {
        part: "inclusion",
        why: format!(
            "leaf {} in the tree of {} acts: {e}",
            r.index, checkpoint.size
        ),
    })?;
    let witnessed = cosignatures(&note, witnesses)?;
    Ok(Verified {
        files,
        checkpoint,
        signer,
        witnessed,
    })
}

/// A checkpoint note of this ledger, parsed.
pub fn checkpoint_of(text: &str, ledger_id: &str) -> Result<(Checkpoint, Note), ReceiptError> {
    let note = Note::parse(text.as_bytes()).map_err(|e| ReceiptError {
        part: "checkpoint",
        why: e.to_string(),
    })?;
    let c = Checkpoint::parse(&note.text).map_err(|why| ReceiptError {
        part: "checkpoint",
        why,
    })?;
    if c.origin != origin(ledger_id) {
        return bad(
            "checkpoint",
            format!(
                "the checkpoint is of {:?}, not of the trusted ledger {ledger_id}",
                c.origin
            ),
        );
    }
    Ok((c, note))
}

/// The given witnesses whose cosignatures are on the note, verified.
pub fn cosignatures(
    note: &Note,
    witnesses: &[VerifierKey],
) -> Result<Vec<(String, u64)>, ReceiptError> {
    let mut out = Vec::new();
    for w in witnesses {
        if let Some(sig) = note
            .signatures
            .iter()
            .find(|s| s.name == w.name && s.key_id == w.id())
        {
            let t = w.verify(&note.text, sig).map_err(|e| ReceiptError {
                part: "witness",
                why: e.to_string(),
            })?;
            out.push((w.name.clone(), t.unwrap_or_default()));
        }
    }
    Ok(out)
}

/// Checks that `newer` (a checkpoint note of the same ledger) is consistent with the receipt's
/// checkpoint: equal sizes need equal roots; otherwise `proof` must be a valid consistency
/// proof from the smaller to the larger. `Err` is an equivocation when both notes are signed.
pub fn consistent(old: &Checkpoint, newer: &Checkpoint, proof: &[Hash]) -> Result<(), String> {
    if old.size == newer.size {
        return if old.root == newer.root {
            Ok(())
        } else {
            Err(format!(
                "both checkpoints are of size {}, with different roots",
                old.size
            ))
        };
    }
    let (a, b) = if old.size < newer.size {
        (old, newer)
    } else {
        (newer, old)
    };
    verify_consistency(a.size, b.size, &a.root, &b.root, proof).map_err(|e| {
        format!(
            "no valid consistency proof from size {} to size {}: {e}",
            a.size, b.size
        )
    })
}

/// Decodes base64 hashes.
pub fn hashes(list: &[String]) -> Option<Vec<Hash>> {
    list.iter().map(|s| b64_hash(s)).collect()
}
