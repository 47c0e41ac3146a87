//! Endorsement by mail, for organizations that will never touch git. The coordinator sends a
//! signing request (the full text and where it belongs); the organization signs it with its key
//! on its own machine, without a ledger, and mails back one record; the coordinator accepts it
//! into the ledger ([`crate::Ledger::accept`]), where verification checks the organization's
//! own signature like any other.
//!
//! The request is a convenience, not a trust anchor: what the organization signs is the sha256
//! of the text it was shown, and `accept` refuses a record whose hash is not the ledger's text.

use crate::error::{Error, InputKind, Result};
use crate::ids::{check_slug, Principal};
use crate::keys::SigningKey;
use crate::ledger::Ledger;
use crate::record::{self, ActKind, ActRecord, Provenance};
use crate::rules::fields::{check_line, check_text, Field, MAX_TEXT_BYTES};
use crate::signed_data::{act_payload, ACT_NAMESPACE};
use crate::view::View;
use serde::{Deserialize, Serialize};

/// The `format` of a signing request.
pub const REQUEST_FORMAT: &str = "undersigned-request/1";

/// A signing request: everything an organization needs to sign one version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Always [`REQUEST_FORMAT`].
    pub format: String,
    /// Ledger id (genesis commit).
    pub ledger: String,
    /// The ledger's name, for people.
    pub ledger_name: String,
    /// Statement slug.
    pub statement: String,
    /// Version to sign.
    pub version: u32,
    /// Title of that version.
    pub title: String,
    /// sha256 of the text's exact bytes.
    pub text_sha256: String,
    /// The full text.
    pub text: String,
}

/// Writes the request for a version of a statement (default: the current one).
pub fn request(ledger: &Ledger, stmt: &str, version: Option<u32>) -> Result<Request> {
    check_slug("statement", stmt)?;
    let store = ledger.store();
    let repo = store.repo();
    let head = store.head()?.ok_or(Error::EmptyHistory)?;
    let tree = repo.find_commit(head)?.tree()?;
    let view = View {
        repo,
        tree: &tree,
        commit: head,
    };
    let count = view.version_count(stmt)?;
    if count == 0 {
        return Err(Error::Unknown {
            kind: "statement",
            id: stmt.into(),
            known: view.statements()?,
        });
    }
    let v = version.unwrap_or(count);
    let (rec, text) = view
        .version(stmt, v)?
        .ok_or_else(|| Error::UnknownVersion {
            stmt: stmt.to_string(),
            version: v,
            count,
        })?;
    let name = view
        .record::<crate::record::LedgerRecord>(crate::layout::LEDGER_FILE)?
        .map(|l| l.name)
        .unwrap_or_default();
    let text = String::from_utf8(text).map_err(|_| Error::DamagedRecord {
        commit: head.to_string(),
        path: crate::layout::version_text(stmt, v),
        why: "the text is not UTF-8".into(),
    })?;
    Ok(Request {
        format: REQUEST_FORMAT.into(),
        ledger: ledger.ledger_id()?.to_string(),
        ledger_name: name,
        statement: stmt.into(),
        version: v,
        title: rec.title,
        text_sha256: rec.text_sha256,
        text,
    })
}

/// Reads a request from a file's bytes, refusing one whose text does not match its hash.
pub fn read_request(bytes: &[u8], source: &str) -> Result<Request> {
    let bad = |why: String| Error::BadInput {
        kind: InputKind::Request,
        source_name: source.to_string(),
        why,
    };
    if bytes.len() > 2 * MAX_TEXT_BYTES + 64 * 1024 {
        return Err(bad(format!(
            "{} bytes is too large for a signing request",
            bytes.len()
        )));
    }
    let req: Request =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a signing request ({e})")))?;
    if req.format != REQUEST_FORMAT {
        return Err(bad(format!(
            "format is {:?}; this undersigned reads {REQUEST_FORMAT:?}",
            req.format
        )));
    }
    check_slug("statement", &req.statement)?;
    if git2::Oid::from_str(&req.ledger).is_err() || req.ledger.len() != 40 {
        return Err(bad(format!("ledger {:?} is not a commit id", req.ledger)));
    }
    if req.version == 0 {
        return Err(bad("version 0 does not exist; versions start at 1".into()));
    }
    // Checked like the records they come from, before anything of them is shown.
    check_text(req.text.as_bytes()).map_err(|why| bad(format!("text: {why}")))?;
    for (field, value) in [
        (Field::Title, &req.title),
        (Field::LedgerName, &req.ledger_name),
    ] {
        check_line(field, value).map_err(|why| bad(format!("{}: {why}", field_name(field))))?;
    }
    let actual = record::sha256_hex(req.text.as_bytes());
    if actual != req.text_sha256 {
        return Err(bad(format!(
            "the text's sha256 is {actual}, but the request says {}; the text was changed after the request was written — ask the coordinator for a new one",
            req.text_sha256
        )));
    }
    Ok(req)
}

/// A request's field as it names it.
fn field_name(field: Field) -> &'static str {
    match field {
        Field::LedgerName => "ledger_name",
        _ => field.as_str(),
    }
}

/// The organization's signed endorsement of the request's version, signed at `now_ms`.
pub fn sign_request(req: &Request, org: &str, key: &SigningKey, now_ms: i64) -> Result<ActRecord> {
    check_slug("organization", org)?;
    let mut rec = ActRecord {
        act: ActKind::Endorse,
        ledger: req.ledger.clone(),
        statement: req.statement.clone(),
        version: Some(req.version),
        text_sha256: Some(req.text_sha256.clone()),
        org: org.into(),
        signed_at: crate::timefmt::format_ms(now_ms)
            .ok_or(Error::ClockOutOfRange { ms: now_ms })?,
        reason: None,
        provenance: Provenance::Signed,
        evidence_sha256: None,
        signer: Principal::org(org).to_string(),
        key: key.fingerprint().to_string(),
        signature: String::new(),
    };
    rec.signature = key.sign(ACT_NAMESPACE, &act_payload(&rec))?;
    Ok(rec)
}

/// Reads a mailed endorsement record (same limits as records in a ledger).
pub fn read_endorsement(bytes: &[u8], source: &str) -> Result<ActRecord> {
    record::decode(bytes).map_err(|why| Error::BadInput {
        kind: InputKind::Endorsement,
        source_name: source.to_string(),
        why: format!("not an endorsement record ({why})"),
    })
}
