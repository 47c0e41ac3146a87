//! The rules of endorsements and withdrawals: each record at its organization's path, in
//! sequence and later than the one before (an old record cannot be replayed), for this ledger,
//! of a version whose exact text it names, signed by the organization's key in force or
//! attested by the editor who commits it — and the record's own signature over its payload.

use super::commit::{Context, File};
use super::decode;
use super::fields::{self, Field};
use crate::ids::{Principal, Role};
use crate::keys::{ParsedSig, SigError};
use crate::record::{self, ActKind, ActRecord, Provenance};
use crate::report::{Broken, Rule};
use crate::signed_data::{act_payload, SignedData, ACT_NAMESPACE};
use crate::state::{ActEntry, Change, KeyEntry, State, StatementEntry};
use git2::Oid;

/// Act `seq` of organization `org` on statement `stmt`. Returns the change and the record's own
/// signature, to be checked over its payload.
pub fn check_act(
    state: &State,
    f: &File,
    (stmt, org, seq): (&str, &str, u32),
    ctx: &Context<'_>,
) -> Result<(Change, SignedData), Broken> {
    let signer = ctx.signer;
    let (statement, previous) = position(state, stmt, org, seq)?;
    let r: ActRecord = decode(f)?;
    let ledger = state.ledger_id.map(|l| l.to_string()).unwrap_or_default();
    if r.ledger != ledger {
        return Err(Broken::new(Rule::Record, format!("record belongs to ledger {}, not this ledger {ledger} (replayed from another ledger)", r.ledger)));
    }
    if r.statement != stmt || r.org != org {
        return Err(Broken::new(
            Rule::Record,
            format!(
                "record is by org/{} on statement {}, but lies at the path of org/{org} on {stmt}",
                r.org, r.statement
            ),
        ));
    }
    fields::record_time("signed_at", &r.signed_at, ctx.time)?;
    if let Some(last) = previous.last() {
        if r.signed_at <= last.signed_at {
            return Err(Broken::new(Rule::Sequence, format!(
                "signed_at {} is not after the organization's previous act on this statement ({}); an old record cannot be replayed",
                r.signed_at, last.signed_at
            )));
        }
    }
    check_kind(&r, statement, stmt, org, previous)?;
    let (record_signer, key) = record_key(state, &r, org, signer)?;
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
    let parsed = ParsedSig::parse(r.signature.as_bytes(), ACT_NAMESPACE).map_err(own)?;
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
    let entry = ActEntry {
        seq,
        kind: r.act,
        version: r.version,
        provenance: r.provenance,
        attested_by: (r.provenance == Provenance::Attested).then(|| record_signer.id.clone()),
        key: r.key,
        signed_at: r.signed_at,
        reason: r.reason,
        evidence_sha256: r.evidence_sha256,
        commit: Oid::ZERO_SHA1,
        path: f.path.clone(),
        log_index: None,
    };
    let change = Change::Signatory {
        stmt: stmt.to_string(),
        org: org.to_string(),
        entry,
    };
    Ok((change, signature))
}

/// The statement and the organization's earlier acts on it, when both exist in the parent and
/// `seq` is the next act's number.
fn position<'s>(
    state: &'s State,
    stmt: &str,
    org: &str,
    seq: u32,
) -> Result<(&'s StatementEntry, &'s [ActEntry]), Broken> {
    let statement = state.statements.get(stmt).ok_or_else(|| {
        Broken::new(
            Rule::Reference,
            format!("statement {stmt} does not exist in the parent commit"),
        )
    })?;
    if !state.orgs.contains_key(org) {
        return Err(Broken::new(
            Rule::Reference,
            format!("organization {org} is not registered in the parent commit"),
        ));
    }
    let previous = statement.acts_of(org);
    if Some(seq)
        != u32::try_from(previous.len())
            .ok()
            .and_then(|n| n.checked_add(1))
    {
        return Err(Broken::new(
            Rule::Sequence,
            format!(
                "act number {seq} of org/{org} on {stmt}, expected {}",
                previous.len().saturating_add(1)
            ),
        ));
    }
    Ok((statement, previous))
}

/// What an endorsement or a withdrawal must and must not carry.
fn check_kind(
    r: &ActRecord,
    statement: &StatementEntry,
    stmt: &str,
    org: &str,
    previous: &[ActEntry],
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
        }
        ActKind::Withdraw => {
            if r.version.is_some() || r.text_sha256.is_some() {
                return Err(Broken::new(
                    Rule::Record,
                    "a withdrawal names no version or text",
                ));
            }
            if previous.last().map(|p| p.kind) != Some(ActKind::Endorse) {
                return Err(Broken::new(
                    Rule::Reference,
                    format!("org/{org} has no endorsement of {stmt} in force to withdraw"),
                ));
            }
            if let Some(reason) = &r.reason {
                fields::in_record(Field::Reason, fields::check_line(Field::Reason, reason))?;
            }
        }
    }
    Ok(())
}

/// Who signs the record and with which key in force: the organization itself (`signed`), or
/// the editor who commits it (`attested`, with the sha256 of its evidence).
fn record_key<'s>(
    state: &'s State,
    r: &ActRecord,
    org: &str,
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
            if record_signer != Principal::org(org) || r.evidence_sha256.is_some() {
                return Err(Broken::new(
                    Rule::Record,
                    format!(
                        "a signed record is signed by org/{org} itself and carries no evidence"
                    ),
                ));
            }
            state
                .orgs
                .get(org)
                .and_then(|o| o.current_key())
                .ok_or_else(|| Broken::new(Rule::Record, format!("org/{org} has no key in the parent commit; its acts must be attested by an editor")))?
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
