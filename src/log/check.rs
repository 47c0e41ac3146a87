//! `receipt verify`: everything a receipt claims, checked offline against the ledger id and the
//! witnesses' keys the verifier trusts — the checkpoint's signature and its binding to the
//! ledger id, the inclusion of the act, the record's own signature, the cosignatures and their
//! quorum, and, against a newer checkpoint, that the two are consistent (or the proof that
//! they are not).

use super::checkpoint::Checkpoint;
use super::equivocation::{self, Seen};
use super::merkle::{leaf_hash, verify_inclusion};
use super::note::VerifierKey;
use super::receipt::{self, consistent, hashes, Receipt, ReceiptError};
use crate::keys::ParsedSig;
use crate::layout::{self, Entry};
use crate::record::ActRecord;
use crate::report::{formats, Against, ReceiptVerdict, Witnessed};
use crate::signed_data::{act_payload, ACT_NAMESPACE};
use base64ct::{Base64, Encoding};

/// Why `receipt verify` refuses: a part of the receipt, or a split view it revealed.
#[derive(Debug)]
pub enum Refusal {
    /// A part that does not verify.
    Part(ReceiptError),
    /// The newer checkpoint and the receipt's cannot both be true: the proof was written.
    Split(crate::error::Error),
}

impl From<ReceiptError> for Refusal {
    fn from(e: ReceiptError) -> Refusal {
        Refusal::Part(e)
    }
}

fn part(part: &'static str, why: impl Into<String>) -> Refusal {
    Refusal::Part(ReceiptError {
        part,
        why: why.into(),
    })
}

/// Checks the receipt `text`; `against` is a newer receipt of the same act (from `receipt
/// update`) or a bare checkpoint note.
pub fn check(
    text: &str,
    ledger_id: &str,
    witnesses: &[VerifierKey],
    quorum: u32,
    against: Option<(&str, &str)>,
) -> Result<ReceiptVerdict, Refusal> {
    let r = Receipt::parse(text)?;
    let v = receipt::verify(&r, ledger_id, witnesses)?;
    let record = record_of(&v.files, ledger_id)?;
    if (v.witnessed.len() as u32) < quorum {
        return Err(part(
            "witness",
            format!(
                "{} of the given witnesses cosigned the checkpoint; {quorum} are required",
                v.witnessed.len()
            ),
        ));
    }
    let against = match against {
        Some((name, newer)) => Some(check_against(&r, &v.checkpoint, ledger_id, name, newer)?),
        None => None,
    };
    Ok(ReceiptVerdict {
        format: formats::RECEIPT_VERIFY.into(),
        ok: true,
        ledger_id: ledger_id.to_string(),
        statement: record.statement.clone(),
        org: record.org.clone().unwrap_or_default(),
        person: record.person.clone(),
        act: record.act.as_str().into(),
        version: record.version,
        text_sha256: record.text_sha256.clone(),
        signed_at: record.signed_at.clone(),
        key: record.key.clone(),
        index: r.index,
        size: v.checkpoint.size,
        root: v.checkpoint.root_b64(),
        checkpoint_signer: v.signer,
        witnessed: v
            .witnessed
            .into_iter()
            .map(|(name, time)| Witnessed {
                org: name.trim_start_matches("org/").to_string(),
                time,
            })
            .collect(),
        quorum,
        against,
    })
}

/// The endorsement or withdrawal record in the leaf, with its own signature checked.
fn record_of(files: &[(String, Vec<u8>)], ledger_id: &str) -> Result<ActRecord, Refusal> {
    let acts: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(p, _)| {
            matches!(
                layout::classify(p),
                Some(Entry::Act { .. } | Entry::PersonAct { .. })
            )
        })
        .collect();
    let [(path, bytes)] = acts.as_slice() else {
        return Err(part(
            "record",
            "the act is not one endorsement or withdrawal record",
        ));
    };
    let r: ActRecord =
        crate::record::decode(bytes).map_err(|why| part("record", format!("{path}: {why}")))?;
    let (stmt, who) = match layout::classify(path) {
        Some(Entry::Act { stmt, org, .. }) => (stmt, crate::ids::Principal::org(&org)),
        Some(Entry::PersonAct { stmt, person, .. }) => {
            (stmt, crate::ids::Principal::person(&person))
        }
        _ => return Err(part("record", format!("{path} is not a record's path"))),
    };
    if r.ledger != ledger_id || r.statement != stmt || r.signatory().as_ref() != Some(&who) {
        return Err(part(
            "record",
            format!("the record at {path} is not {who}'s on {stmt} in ledger {ledger_id}"),
        ));
    }
    let sig = ParsedSig::parse(r.signature.as_bytes(), ACT_NAMESPACE)
        .map_err(|e| part("record", format!("its own signature: {e}")))?;
    if sig.key_fingerprint() != r.key {
        return Err(part(
            "record",
            format!(
                "its signature is by {}, not the key it names ({})",
                sig.key_fingerprint(),
                r.key
            ),
        ));
    }
    sig.verify(&act_payload(&r))
        .map_err(|e| part("record", format!("its own signature: {e}")))?;
    Ok(r)
}

/// The newer checkpoint (`newer`, read from file `name`) against the receipt's.
fn check_against(
    r: &Receipt,
    old: &Checkpoint,
    ledger_id: &str,
    name: &str,
    newer: &str,
) -> Result<Against, Refusal> {
    let (note, proof, included) = if newer.starts_with(receipt::HEADER) {
        let n = Receipt::parse(newer)?;
        let v = receipt::verify(&n, ledger_id, &[]).map_err(|e| part("against", e.to_string()))?;
        let same_leaf = n.extra.leaf == r.extra.leaf && n.index == r.index;
        let data = Base64::decode_vec(&r.extra.leaf).unwrap_or_default();
        let included = same_leaf
            && verify_inclusion(
                n.index,
                v.checkpoint.size,
                &leaf_hash(&data),
                &n.path,
                &v.checkpoint.root,
            )
            .is_ok();
        let proof = n
            .extra
            .previous
            .as_ref()
            .filter(|p| {
                super::note::Note::parse(p.checkpoint.as_bytes())
                    .ok()
                    .map(|x| x.text)
                    == super::note::Note::parse(r.note.as_bytes())
                        .ok()
                        .map(|x| x.text)
            })
            .and_then(|p| hashes(&p.consistency))
            .unwrap_or_default();
        (n.note, proof, included)
    } else {
        (newer.to_string(), Vec::new(), false)
    };
    let (c, signed) =
        receipt::checkpoint_of(&note, ledger_id).map_err(|e| part("against", e.to_string()))?;
    // The newer checkpoint must be signed by an editor key the receipt's anchor binds.
    let bound =
        super::anchor::verify(ledger_id, &r.extra.anchor).map_err(|why| part("anchor", why))?;
    let by_bound = bound.iter().any(|b| {
        let k = VerifierKey {
            name: c.origin.clone(),
            sig_type: super::note::TYPE_ED25519,
            key: b.key.raw,
        };
        signed
            .signatures
            .iter()
            .any(|s| s.key_id == k.id() && k.verify(&signed.text, s).is_ok())
    });
    if !by_bound {
        return Err(part(
            "against",
            format!("{name} is not signed by an editor key the receipt binds to the ledger"),
        ));
    }
    let bare = !newer.starts_with(receipt::HEADER);
    if bare && c.size != old.size {
        return Err(part("against", format!(
            "{name} is a checkpoint of size {}, the receipt's is of size {}: checking them takes a consistency proof; pass the receipt `undersigned receipt update` writes instead",
            c.size, old.size
        )));
    }
    if let Err(why) = consistent(old, &c, &proof) {
        return Err(Refusal::Split(equivocation::refuse(
            ledger_id,
            why,
            Seen {
                note: r.note.clone(),
                from: "the receipt".into(),
            },
            Seen {
                note,
                from: name.to_string(),
            },
        )));
    }
    Ok(Against {
        size: c.size,
        root: c.root_b64(),
        still_included: included || c.size == old.size,
    })
}
