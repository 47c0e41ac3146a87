//! The rules of the transparency log's notes. A checkpoint is the tree head of the log at its
//! parent — the size and root `verify` recomputed from the acts so far — in the C2SP
//! `tlog-checkpoint` form, for this ledger's origin, signed by the committing editor's key in
//! force, larger than the checkpoint before it: so every checkpoint of a verifying history is
//! consistent with every earlier one (each is the head of the same tree at its size). A
//! cosignature is a C2SP `tlog-cosignature` by the key in force of the organization it names,
//! over the checkpoint at its path. A quorum names registered organizations and a count.

use super::commit::{Context, File};
use super::decode;
use super::fields;
use crate::ids::Role;
use crate::log::checkpoint::{origin, Checkpoint};
use crate::log::note::{Note, Signature, VerifierKey, TYPE_COSIGNATURE, TYPE_ED25519};
use crate::log::{witness_name, CheckpointEntry, CosignatureEntry, QuorumEntry};
use crate::record::QuorumRecord;
use crate::report::{Broken, Rule};
use crate::state::{Change, State};
use git2::Oid;

fn refuse(rule: Rule, why: impl Into<String>) -> Broken {
    Broken::new(rule, why)
}

fn text_of(f: &File) -> Result<&str, Broken> {
    let bytes = f.bytes.as_ref().map_err(Clone::clone)?;
    std::str::from_utf8(bytes).map_err(|_| refuse(Rule::Checkpoint, "the note is not UTF-8 text"))
}

/// Checkpoint `seq`: see the module documentation.
pub fn check_checkpoint(
    state: &State,
    f: &File,
    seq: u32,
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    let bad = |why: String| refuse(Rule::Checkpoint, why);
    let text = text_of(f)?;
    let note = Note::parse(text.as_bytes()).map_err(|e| bad(format!("not a signed note: {e}")))?;
    let c = Checkpoint::parse(&note.text).map_err(|e| bad(format!("not a checkpoint: {e}")))?;
    let ledger = state.ledger_id.map(|l| l.to_string()).unwrap_or_default();
    let want_origin = origin(&ledger);
    if c.origin != want_origin {
        return Err(bad(format!(
            "the checkpoint's origin is {:?}, not this ledger's {want_origin:?}",
            c.origin
        )));
    }
    let log = &state.log;
    let next = log.checkpoints.len() as u64 + 1;
    if u64::from(seq) != next {
        return Err(refuse(
            Rule::Sequence,
            format!("checkpoint {seq} out of sequence: the next checkpoint is number {next}"),
        ));
    }
    if c.size != log.size {
        return Err(bad(format!(
            "the checkpoint states a tree of {} acts, but the log has {} at its parent",
            c.size, log.size
        )));
    }
    if c.root != log.root() {
        return Err(bad(format!(
            "the checkpoint's root hash {} is not the root of the log's {} acts ({})",
            c.root_b64(),
            log.size,
            Checkpoint {
                root: log.root(),
                ..c.clone()
            }
            .root_b64()
        )));
    }
    if let Some(prev) = log.latest().filter(|p| p.size >= c.size) {
        return Err(bad(format!(
            "checkpoint {seq} is of size {}, not larger than checkpoint {} (size {}): a checkpoint is made when the log grew",
            c.size, prev.seq, prev.size
        )));
    }
    if note.signatures.len() != 1 {
        return Err(bad(format!(
            "a checkpoint carries exactly one signature, its editor's (this one has {}); witnesses' cosignatures are files of their own",
            note.signatures.len()
        )));
    }
    let editor = match ctx.signer {
        Some(p) if p.role == Role::Editor => {
            let key = state
                .principal(p)
                .and_then(|e| e.current_key())
                .ok_or_else(|| bad(format!("{p} has no key in force")))?;
            let vkey = VerifierKey {
                name: want_origin.clone(),
                sig_type: TYPE_ED25519,
                key: key.key.raw,
            };
            vkey.verify(&note.text, &note.signatures[0]).map_err(|e| {
                bad(format!(
                    "the checkpoint is not signed by the committing editor's key ({p}, {}): {e}",
                    key.key.fingerprint
                ))
            })?;
            p.id.clone()
        }
        // Rights refuse anyone else; an unknown signer is reported with the commit.
        _ => String::new(),
    };
    Ok(Change::Checkpoint(CheckpointEntry {
        seq,
        size: c.size,
        root: c.root_b64(),
        note: text.to_string(),
        editor,
        commit: Oid::ZERO_SHA1,
        time: 0,
        cosignatures: Vec::new(),
    }))
}

/// Organization `org`'s cosignature of checkpoint `seq`.
pub fn check_cosignature(
    state: &State,
    f: &File,
    (seq, org): (u32, &str),
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    let bad = |why: String| refuse(Rule::Cosignature, why);
    let text = text_of(f).map_err(|b| bad(b.reason))?;
    let line = text
        .strip_suffix('\n')
        .filter(|l| !l.contains('\n'))
        .ok_or_else(|| {
            bad("a cosignature file is one signature line ending in a newline".into())
        })?;
    let sig = Signature::parse_line(line).map_err(|e| bad(e.to_string()))?;
    let name = witness_name(org);
    if sig.name != name {
        return Err(bad(format!(
            "the cosignature is by {:?}, but lies at the path of {name}",
            sig.name
        )));
    }
    let checkpoint = state.log.checkpoint(seq).ok_or_else(|| {
        refuse(
            Rule::Reference,
            format!("checkpoint {seq} does not exist in the parent commit"),
        )
    })?;
    let key = state
        .orgs
        .get(org)
        .ok_or_else(|| {
            refuse(
                Rule::Reference,
                format!("organization {org} is not registered in the parent commit"),
            )
        })?
        .current_key()
        .ok_or_else(|| bad(format!("org/{org} has no key in force to cosign with")))?;
    let vkey = VerifierKey {
        name,
        sig_type: TYPE_COSIGNATURE,
        key: key.key.raw,
    };
    let body = Note::parse(checkpoint.note.as_bytes())
        .map(|n| n.text)
        .map_err(|e| bad(format!("checkpoint {seq}: {e}")))?;
    let time = vkey
        .verify(&body, &sig)
        .map_err(|e| {
            bad(format!(
                "not org/{org}'s cosignature of checkpoint {seq} (key {}): {e}",
                key.key.fingerprint
            ))
        })?
        .unwrap_or_default();
    let secs = i64::try_from(time).unwrap_or(i64::MAX);
    let limit = ctx.time.saturating_add(fields::MAX_RECORD_AHEAD_MS / 1000);
    if secs > limit || !crate::timefmt::secs_in_range(secs) {
        return Err(refuse(
            Rule::Time,
            format!("the cosignature is dated {time}, more than a day after the commit that adds it or outside the years 1970 to 9999"),
        ));
    }
    Ok(Change::Cosignature {
        seq,
        entry: CosignatureEntry {
            org: org.to_string(),
            time,
            line: text.to_string(),
            commit: Oid::ZERO_SHA1,
        },
    })
}

/// Quorum statement `seq`.
pub fn check_quorum(
    state: &State,
    f: &File,
    seq: u32,
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    let bad = |why: String| refuse(Rule::Checkpoint, why);
    let r: QuorumRecord = decode(f)?;
    let ledger = state.ledger_id.map(|l| l.to_string()).unwrap_or_default();
    if r.ledger != ledger {
        return Err(refuse(
            Rule::Record,
            format!("the quorum belongs to ledger {}, not {ledger}", r.ledger),
        ));
    }
    let next = state.log.quorum.as_ref().map_or(1, |q| q.seq + 1);
    if r.seq != seq || seq != next {
        return Err(refuse(
            Rule::Sequence,
            format!(
                "quorum {} at the path of quorum {seq}; the next is {next}",
                r.seq
            ),
        ));
    }
    fields::record_time("created_at", &r.created_at, ctx.time)?;
    if let Some(p) = ctx.signer.filter(|p| p.id != r.editor) {
        return Err(refuse(
            Rule::Record,
            format!(
                "the quorum names editor {} but is committed by {p}",
                r.editor
            ),
        ));
    }
    let mut sorted = r.witnesses.clone();
    sorted.sort();
    sorted.dedup();
    if sorted != r.witnesses || r.witnesses.is_empty() {
        return Err(bad(
            "a quorum names one or more witnesses, sorted, each once".into(),
        ));
    }
    if r.k == 0 || r.k as usize > r.witnesses.len() {
        return Err(bad(format!(
            "a quorum of {} out of {} witnesses cannot be met",
            r.k,
            r.witnesses.len()
        )));
    }
    if let Some(w) = r.witnesses.iter().find(|w| !state.orgs.contains_key(*w)) {
        return Err(refuse(
            Rule::Reference,
            format!("witness {w} is not an organization registered in the parent commit"),
        ));
    }
    Ok(Change::Quorum(QuorumEntry {
        seq,
        k: r.k,
        witnesses: r.witnesses,
        commit: Oid::ZERO_SHA1,
    }))
}
