//! `accept`: an editor commits an endorsement the organization signed elsewhere (`sign
//! --request`, sent by mail, or `ssh-keygen -Y sign` alone). The record is judged by the rules
//! like every act; the checks here come first only to say, in the coordinator's terms, what to
//! ask the organization for.

use super::registry::signing_editor;
use super::statements::{statement_of, statement_state, unknown_signatory};
use super::write::Step;
use super::Ledger;
use crate::act::Act;
use crate::error::{Error, NotAcceptable, Result};
use crate::ids::{check_slug, Principal};
use crate::keys::{verify_sshsig, SigError, SigningKey};
use crate::record::{ActKind, ActRecord, Provenance};
use crate::report::Outcome;
use crate::signed_data::{act_payload, ACT_NAMESPACE};
use crate::state::{in_force, State};

impl Ledger {
    /// Commits an endorsement the organization signed elsewhere, as the editor whose key
    /// `key` is. Refused, with nothing written, when the record is for another ledger or
    /// another text, not signed by the organization's key in force, or anything verification
    /// would refuse.
    pub fn accept(&self, rec: &ActRecord, key: &SigningKey) -> Result<Outcome> {
        check_slug("statement", &rec.statement)?;
        let who = rec.signatory().ok_or_else(|| Error::BadId {
            kind: "signatory",
            id: rec.signatory_name(),
        })?;
        let stmt = rec.statement.as_str();
        let mut current = 0;
        let mut outcome = self.act(key, |p| {
            let (ledger_id, view) = (p.ledger_id, p.view.clone());
            let state = statement_state(p, stmt, Some(&who))?;
            let editor = signing_editor(state, key)?;
            if rec.ledger != ledger_id.to_string() {
                return Err(not(NotAcceptable::OtherLedger {
                    found: rec.ledger.clone(),
                    ledger: ledger_id.to_string(),
                }));
            }
            if rec.act != ActKind::Endorse
                || rec.provenance != Provenance::Signed
                || rec.evidence_sha256.is_some()
                || rec.signer != who.to_string()
            {
                return Err(not(NotAcceptable::NotOrgSigned {
                    who: who.to_string(),
                    act: rec.act.as_str().to_string(),
                    signer: rec.signer.clone(),
                    provenance: rec.provenance.as_str().to_string(),
                }));
            }
            check_key_and_text(state, &view, rec)?;
            let st = statement_of(state, &view, stmt)?;
            current = st.version_count();
            let acts = st.acts_of(&who);
            let v = rec.version.unwrap_or(0);
            if in_force(acts).iter().any(|a| a.version == Some(v)) {
                return Ok(Step::Nothing(format!(
                    "{who} already endorses version {v} of {stmt}; nothing was changed"
                )));
            }
            if let Some(close) = st.closed() {
                return Err(Error::Closed {
                    stmt: stmt.to_string(),
                    record: crate::layout::signon_path(stmt, close.seq),
                    at: close.at.clone(),
                    reason: close.reason.clone(),
                });
            }
            if let Some(last) = acts.last().filter(|a| a.signed_at >= rec.signed_at) {
                return Err(not(NotAcceptable::TooOld {
                    who: who.to_string(),
                    stmt: stmt.to_string(),
                    signed_at: rec.signed_at.clone(),
                    latest: last.signed_at.clone(),
                }));
            }
            Ok(Step::Write {
                act: Act::Signatory {
                    record: rec.clone(),
                    seq: u32::try_from(acts.len())
                        .unwrap_or(u32::MAX)
                        .saturating_add(1),
                },
                actor: editor,
            })
        })?;
        let v = rec.version.unwrap_or(0);
        if outcome.changed && v < current {
            outcome.warning = Some(format!(
                "version {v} is not the current version of {stmt} (version {current} is): {who} will be listed as stale, endorsing an older version only, until it signs version {current}"
            ));
        }
        outcome.text_sha256 = rec.text_sha256.clone();
        Ok(outcome)
    }
}

fn not(why: NotAcceptable) -> Error {
    Error::NotAcceptable(why)
}

/// The signatory's key in force signed the record, over the texts this ledger holds.
fn check_key_and_text(state: &State, view: &crate::view::View<'_>, rec: &ActRecord) -> Result<()> {
    let stmt = rec.statement.as_str();
    let who = rec
        .signatory()
        .unwrap_or_else(|| Principal::org(rec.signatory_id()));
    let entry = state
        .principal(&who)
        .ok_or_else(|| unknown_signatory(&who))?;
    let current = entry.current_key().ok_or_else(|| Error::NoKey {
        who: who.to_string(),
    })?;
    if current.key.fingerprint != rec.key {
        return Err(not(NotAcceptable::OtherKey {
            who: who.to_string(),
            key: rec.key.clone(),
            in_force: current.key.fingerprint.clone(),
        }));
    }
    let st = statement_of(state, view, stmt)?;
    let v = rec.version.unwrap_or(0);
    let ver = st.version(v).ok_or_else(|| Error::UnknownVersion {
        stmt: stmt.to_string(),
        version: v,
        count: st.version_count(),
    })?;
    if rec.text_sha256.as_deref() == Some(ver.text_sha256.as_str()) && rec.texts != ver.texts() {
        let langs = |t: &[crate::record::TextRef]| {
            t.iter()
                .map(|t| format!("{} {}", t.lang, t.text_sha256))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(not(NotAcceptable::OtherTexts {
            stmt: stmt.to_string(),
            version: v,
            found: langs(&rec.texts),
            expected: langs(&ver.texts()),
        }));
    }
    if rec.text_sha256.as_deref() != Some(ver.text_sha256.as_str()) {
        return Err(not(NotAcceptable::OtherText {
            stmt: stmt.to_string(),
            version: v,
            found: rec.text_sha256.clone().unwrap_or_else(|| "(none)".into()),
            expected: ver.text_sha256.clone(),
        }));
    }
    verify_sshsig(
        rec.signature.as_bytes(),
        ACT_NAMESPACE,
        &act_payload(rec),
        &current.key,
    )
    .map_err(|e: SigError| {
        not(NotAcceptable::BadSignature {
            who: who.to_string(),
            why: e.to_string(),
        })
    })
}
