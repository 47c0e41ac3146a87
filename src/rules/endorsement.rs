//! The rules of endorsements and withdrawals, the same for organizations and individuals: each
//! record at its signatory's path, in sequence and later than the one before (an old record
//! cannot be replayed), for this ledger, of a version whose exact texts it names (every
//! language of the version), committed while sign-on is open (withdrawals at any time), signed
//! by the signatory's key in force or attested by the editor who commits it — and the record's
//! own signature over its payload.

use super::commit::{Context, File};
use super::fields::{self, Field};
use super::{decode, needs_format};
use crate::ids::{Principal, Role};
use crate::keys::{ParsedSig, SigError};
use crate::record::{self, ActKind, ActRecord, Provenance};
use crate::report::{Broken, Rule};
use crate::signed_data::{act_payload, SignedData, ACT_NAMESPACE};
use crate::state::{ActEntry, ActsSummary, Change, KeyEntry, State, StatementEntry};
use git2::Oid;

/// Act `seq` of signatory `who` (an organization or an individual) on statement `stmt`.
/// Returns the change and the record's own signature, to be checked over its payload.
pub fn check_act(
    state: &State,
    f: &File,
    (stmt, who, seq): (&str, &Principal, u32),
    ctx: &Context<'_>,
) -> Result<(Change, SignedData), Broken> {
    let signer = ctx.signer;
    if who.role == Role::Person {
        needs_format(state, "an individual's act (people/)")?;
    }
    let (statement, previous) = position(state, stmt, who, seq)?;
    let r: ActRecord = decode(f)?;
    let ledger = state.ledger_id.map(|l| l.to_string()).unwrap_or_default();
    if r.ledger != ledger {
        return Err(Broken::new(Rule::Record, format!("record belongs to ledger {}, not this ledger {ledger} (replayed from another ledger)", r.ledger)));
    }
    if r.statement != stmt || r.signatory().as_ref() != Some(who) {
        return Err(Broken::new(
            Rule::Record,
            format!(
                "record is by {} on statement {}, but lies at the path of {who} on {stmt}",
                r.signatory_name(),
                r.statement
            ),
        ));
    }
    fields::record_time("signed_at", &r.signed_at, ctx.time)?;
    if let Some(last) = previous {
        if *r.signed_at <= *last.last_signed_at {
            return Err(Broken::new(Rule::Sequence, format!(
                "signed_at {} is not after the signatory's previous act on this statement ({}); an old record cannot be replayed",
                r.signed_at, last.last_signed_at
            )));
        }
    }
    check_kind(&r, statement, stmt, who, previous)?;
    let (record_signer, key) = record_key(state, &r, who, signer)?;
    if r.key != key.key.fingerprint {
        return Err(Broken::new(
            Rule::Record,
            format!(
                "key is {} but {record_signer}'s key in force is {}",
                r.key, key.key.fingerprint
            ),
        ));
    }
    let own = |e: SigError| {
        Broken::new(
            Rule::RecordSignature,
            format!("{record_signer}'s own signature on the record: {e}"),
        )
    };
    let prepared = f.prepared.as_ref().and_then(|p| p.signature.as_ref());
    let parsed = match prepared {
        Some(p) => p.parsed.clone(),
        None => ParsedSig::parse(r.signature.as_bytes(), ACT_NAMESPACE),
    }
    .map_err(own)?;
    if parsed.key_raw != key.key.raw {
        return Err(own(SigError::WrongKey {
            found: parsed.key_fingerprint(),
            expected: key.key.fingerprint.clone(),
        }));
    }
    let signature = SignedData {
        sig: parsed,
        bytes: act_payload(&r),
        signer: record_signer.to_string(),
    };
    let entry = ActEntry::of_record(r, seq, f.path.clone(), Oid::ZERO_SHA1);
    let change = Change::Signatory {
        stmt: stmt.to_string(),
        who: who.clone(),
        entry,
    };
    Ok((change, signature))
}

/// The statement and what the signatory's earlier acts on it come to, when both exist in the
/// parent and `seq` is the next act's number.
fn position<'s>(
    state: &'s State,
    stmt: &str,
    who: &Principal,
    seq: u32,
) -> Result<(&'s StatementEntry, Option<&'s ActsSummary>), Broken> {
    let statement = state.statements.get(stmt).ok_or_else(|| {
        Broken::new(
            Rule::Reference,
            format!("statement {stmt} does not exist in the parent commit"),
        )
    })?;
    if state.principal(who).is_none() {
        return Err(Broken::new(
            Rule::Reference,
            format!(
                "{} {} is not registered in the parent commit",
                who.role.noun(),
                who.id
            ),
        ));
    }
    let previous = statement.summary_of(who);
    let count = previous.map_or(0, |p| p.count);
    if Some(seq) != count.checked_add(1) {
        return Err(Broken::new(
            Rule::Sequence,
            format!(
                "act number {seq} of {who} on {stmt}, expected {}",
                count.saturating_add(1)
            ),
        ));
    }
    Ok((statement, previous))
}

/// An act on a statement, as the record (`ActRecord`) or as the state keeps it (`ActEntry`).
pub trait StatementAct {
    /// Endorse or withdraw.
    fn act_kind(&self) -> ActKind;
}

impl StatementAct for ActRecord {
    fn act_kind(&self) -> ActKind {
        self.act
    }
}

impl StatementAct for ActEntry {
    fn act_kind(&self) -> ActKind {
        self.kind
    }
}

/// The acts of one signatory on one statement (in order) since its last withdrawal: its
/// endorsements in force. The one definition that writers, sync, audits and lists share.
pub fn in_force<T: StatementAct>(acts: &[T]) -> &[T] {
    let since = acts
        .iter()
        .rposition(|a| a.act_kind() == ActKind::Withdraw)
        .map_or(0, |i| i + 1);
    &acts[since..]
}

/// What an endorsement or a withdrawal must and must not carry.
fn check_kind(
    r: &ActRecord,
    statement: &StatementEntry,
    stmt: &str,
    who: &Principal,
    previous: Option<&ActsSummary>,
) -> Result<(), Broken> {
    match r.act {
        ActKind::Endorse => {
            let (Some(v), Some(h)) = (r.version, r.text_sha256.as_ref()) else {
                return Err(Broken::new(
                    Rule::Record,
                    "an endorsement must name version and text_sha256",
                ));
            };
            let ver = statement.version(v).ok_or_else(|| {
                Broken::new(
                    Rule::Reference,
                    format!("version {v} of {stmt} does not exist in the parent commit"),
                )
            })?;
            if *h != ver.text_sha256 {
                return Err(Broken::new(
                    Rule::Record,
                    format!(
                        "text_sha256 {h} is not the sha256 of version {v} of {stmt} ({})",
                        ver.text_sha256
                    ),
                ));
            }
            if r.reason.is_some() {
                return Err(Broken::new(
                    Rule::Record,
                    "an endorsement carries no reason",
                ));
            }
            check_texts(r, ver, stmt)?;
            if let Some(close) = statement.closed() {
                return Err(Broken::new(
                    Rule::Closed,
                    format!(
                        "sign-on of {stmt} was closed by commit {} (sign-on record {}); no endorsement may be committed until it is opened again",
                        close.commit, close.seq
                    ),
                ));
            }
        }
        ActKind::Withdraw => {
            if r.version.is_some() || r.text_sha256.is_some() || !r.texts.is_empty() {
                return Err(Broken::new(
                    Rule::Record,
                    "a withdrawal names no version or text",
                ));
            }
            if previous.map(|p| p.last_kind) != Some(ActKind::Endorse) {
                return Err(Broken::new(
                    Rule::Reference,
                    format!("{who} has no endorsement of {stmt} in force to withdraw"),
                ));
            }
            if let Some(reason) = &r.reason {
                fields::in_record(Field::Reason, fields::check_line(Field::Reason, reason))?;
            }
        }
    }
    Ok(())
}

/// An endorsement names every text of its version, each with its language, in the order the
/// payload lists them: a signatory endorses the statement in all its languages, never one text
/// while another is published beside it unsigned.
fn check_texts(r: &ActRecord, ver: &crate::state::VersionEntry, stmt: &str) -> Result<(), Broken> {
    let expected = ver.texts();
    if r.texts == expected {
        return Ok(());
    }
    let list = |t: &[crate::record::TextRef]| {
        if t.is_empty() {
            "none".to_string()
        } else {
            t.iter()
                .map(|t| format!("{} {}", t.lang, t.text_sha256))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let missing: Vec<&str> = expected
        .iter()
        .filter(|e| !r.texts.contains(e))
        .map(|e| e.lang.as_str())
        .collect();
    let why = if missing.is_empty() {
        String::new()
    } else {
        format!(" (missing or different: {})", missing.join(", "))
    };
    Err(Broken::new(
        Rule::Record,
        format!(
            "the endorsement names texts [{}] but version {} of {stmt} has texts [{}]{why}; an endorsement signs every text of its version, in order",
            list(&r.texts),
            ver.n,
            list(&expected)
        ),
    ))
}

/// Who signs the record and with which key in force: the signatory itself (`signed`), or the
/// editor who commits it (`attested`, with the sha256 of its evidence).
fn record_key<'s>(
    state: &'s State,
    r: &ActRecord,
    who: &Principal,
    signer: Option<&Principal>,
) -> Result<(Principal, &'s KeyEntry), Broken> {
    let record_signer = Principal::parse(&r.signer).ok_or_else(|| {
        Broken::new(
            Rule::Record,
            format!("signer {:?} is not a principal", r.signer),
        )
    })?;
    let key = match r.provenance {
        Provenance::Signed => {
            if record_signer != *who || r.evidence_sha256.is_some() {
                return Err(Broken::new(
                    Rule::Record,
                    format!("a signed record is signed by {who} itself and carries no evidence"),
                ));
            }
            state
                .principal(who)
                .and_then(|o| o.current_key())
                .ok_or_else(|| Broken::new(Rule::Record, format!("{who} has no key in the parent commit; its acts must be attested by an editor")))?
        }
        Provenance::Attested => {
            let evidence = r
                .evidence_sha256
                .as_deref()
                .is_some_and(record::is_sha256_hex);
            if record_signer.role != Role::Editor || !evidence {
                return Err(Broken::new(
                    Rule::Record,
                    "an attested record is signed by an editor and carries evidence_sha256",
                ));
            }
            if let Some(s) = signer {
                if *s != record_signer {
                    return Err(Broken::new(Rule::Rights, format!("record attested by {record_signer} but committed by {s}; the attesting editor commits it")));
                }
            }
            let editor = state.editors.get(&record_signer.id).ok_or_else(|| {
                Broken::new(
                    Rule::Reference,
                    format!("{record_signer} is not an editor in the parent commit"),
                )
            })?;
            editor
                .current_key()
                .ok_or_else(|| Broken::new(Rule::Record, format!("{record_signer} has no key")))?
        }
    };
    Ok((record_signer, key))
}
