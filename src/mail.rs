//! Endorsement by mail, for organizations that will never touch git. The coordinator sends a
//! signing request (the full text and where it belongs), signed with an editor's key; the
//! organization checks it and signs on its own machine, without a ledger — with `undersigned
//! sign --request`, or with stock `ssh-keygen -Y sign` over the exact payload a request made for
//! it carries — and mails back its signature; the coordinator accepts it into the ledger
//! ([`crate::Ledger::accept`]), where verification checks the organization's own signature
//! like any other.
//!
//! # What a request's signature proves, and what it does not
//!
//! A request carries the editor's public key, the ledger id and the editor's SSHSIG (namespace
//! [`REQUEST_NAMESPACE`]) over every field the organization is shown. Checking it proves that
//! nothing was changed after the holder of that key signed it: a text edited on the way, with
//! its sha256 recomputed, is refused. It does not prove that the key is an editor of that
//! ledger, nor that the ledger is the coalition's: anyone can make a key and a request naming
//! any ledger id. Only the coalition can say which ledger and which editors are its own, so the
//! organization compares the ledger id and the editor's fingerprint with what the coalition
//! publishes (its statement page, its site), or pins them (`sign --request --trust ID
//! --editor-fingerprint SHA256:…`). An organization holding a clone of the ledger can see the
//! editor's key there. What the organization signs binds the ledger id, the statement, the
//! version and the text's sha256, so a signature obtained with a forged request can never be
//! filed as an endorsement of another text or in another ledger; and `accept` checks the
//! request's editor against the ledger it files into.

use crate::error::{Error, InputKind, Result, WrongKeyWhy};
use crate::ids::{check_slug, is_slug, Principal, Role};
use crate::keys::{canonical_armor, verify_sshsig, PublicKeyInfo, SigningKey};
use crate::layout;
use crate::ledger::Ledger;
use crate::record::{self, ActKind, ActRecord, Provenance};
use crate::rules::fields::{check_line, check_text, Field, MAX_TEXT_BYTES};
use crate::signed_data::{act_payload, request_payload, ACT_NAMESPACE, REQUEST_NAMESPACE};
use crate::timefmt;
use crate::view::View;
use serde::{Deserialize, Serialize};

/// The `format` of a signing request.
pub const REQUEST_FORMAT: &str = "undersigned-request/2";

/// The format of the unsigned requests of earlier versions, refused by name.
const UNSIGNED_FORMAT: &str = "undersigned-request/1";

/// A signing request: everything an organization needs to sign one version, signed by the
/// editor who made it.
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
    /// The organization the request is for, when it was made for one (then the exact payload
    /// it signs is fixed, and `ssh-keygen -Y sign` alone can sign it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The time the endorsement will carry, fixed with `org`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// The fingerprint of the organization's key in force when the request was made, fixed
    /// with `org`: the key that must sign, refused before the passphrase is asked otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_key: Option<String>,
    /// The editor who made the request (`editor/<id>`).
    pub editor: String,
    /// The editor's public key (`ssh-ed25519 AAAA…`), which signed the request.
    pub editor_key: String,
    /// When the request was made.
    pub requested_at: String,
    /// The editor's SSHSIG (namespace [`REQUEST_NAMESPACE`]) over
    /// [`crate::signed_data::request_payload`].
    pub signature: String,
}

impl Request {
    /// The fingerprint of the key that signed the request.
    pub fn editor_fingerprint(&self) -> String {
        PublicKeyInfo::parse_line(&self.editor_key, "of the request")
            .map(|k| k.fingerprint)
            .unwrap_or_default()
    }

    /// The endorsement record this request asks `org` to sign at `signed_at`, without key and
    /// signature: its payload is what the organization signs.
    pub fn endorsement(&self, org: &str, signed_at: &str) -> ActRecord {
        ActRecord {
            act: ActKind::Endorse,
            ledger: self.ledger.clone(),
            statement: self.statement.clone(),
            version: Some(self.version),
            text_sha256: Some(self.text_sha256.clone()),
            org: org.into(),
            signed_at: signed_at.into(),
            reason: None,
            provenance: Provenance::Signed,
            evidence_sha256: None,
            signer: Principal::org(org).to_string(),
            key: String::new(),
            signature: String::new(),
        }
    }

    /// The exact bytes the organization signs for a request made for it (`None` for a request
    /// for any organization, whose time is the signer's).
    pub fn payload(&self) -> Option<Vec<u8>> {
        let (org, at) = (self.org.as_deref()?, self.signed_at.as_deref()?);
        Some(act_payload(&self.endorsement(org, at)))
    }
}

/// Makes the request for a version of a statement (default: the current one), for one
/// organization or for any, signed by `key`, which must be an editor's key in force at the
/// head. The time is the ledger's clock; for one organization, the endorsement's time is fixed
/// to it (and after the organization's latest act on the statement, as the rules require).
pub fn request(
    ledger: &Ledger,
    stmt: &str,
    version: Option<u32>,
    org: Option<&str>,
    key: &SigningKey,
) -> Result<Request> {
    check_slug("statement", stmt)?;
    if let Some(o) = org {
        check_slug("organization", o)?;
    }
    let store = ledger.store();
    let repo = store.repo();
    let head = store.head()?.ok_or(Error::EmptyHistory)?;
    let tree = repo.find_commit(head)?.tree()?;
    let view = View {
        repo,
        tree: &tree,
        commit: head,
    };
    let editor = view
        .editor_by_key(key.fingerprint())?
        .ok_or_else(|| Error::WrongKey {
            path: key.path().to_path_buf(),
            fingerprint: key.fingerprint().to_string(),
            expected: "the key of an editor of this ledger".into(),
            why: WrongKeyWhy::NotAnEditor,
        })?;
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
        .record::<crate::record::LedgerRecord>(layout::LEDGER_FILE)?
        .map(|l| l.name)
        .unwrap_or_default();
    let text = String::from_utf8(text).map_err(|_| Error::DamagedRecord {
        commit: head.to_string(),
        path: layout::version_text(stmt, v),
        why: "the text is not UTF-8".into(),
    })?;
    let now = ledger.clock().now_ms();
    let fixed = org.map(|o| fixed_for(&view, stmt, o, now)).transpose()?;
    let (signed_at, org_key) = fixed.unzip();
    let mut req = Request {
        format: REQUEST_FORMAT.into(),
        ledger: ledger.ledger_id()?.to_string(),
        ledger_name: name,
        statement: stmt.into(),
        version: v,
        title: rec.title,
        text_sha256: rec.text_sha256,
        text,
        org: org.map(str::to_string),
        signed_at,
        org_key,
        editor: Principal::editor(&editor.id).to_string(),
        editor_key: key.public().openssh,
        requested_at: timefmt::format_ms(now).ok_or(Error::ClockOutOfRange { ms: now })?,
        signature: String::new(),
    };
    req.signature = key.sign(REQUEST_NAMESPACE, &request_payload(&req))?;
    Ok(req)
}

/// What a request for one organization fixes: the time its endorsement will carry (now, or
/// just after the organization's latest act on the statement, as the rules require) and the
/// fingerprint of its key in force, the one that must sign.
fn fixed_for(view: &View<'_>, stmt: &str, org: &str, now: i64) -> Result<(String, String)> {
    if view.org(org)?.is_none() {
        return Err(Error::Unknown {
            kind: "organization",
            id: org.to_string(),
            known: Vec::new(),
        });
    }
    let key = view
        .current_key(&layout::org_dir(org))?
        .ok_or_else(|| Error::NoKey {
            org: org.to_string(),
        })?;
    let after = view
        .acts(stmt, org)?
        .last()
        .and_then(|a| timefmt::parse_ms(&a.signed_at))
        .map(|t| t.saturating_add(1))
        .unwrap_or(i64::MIN);
    let at = now.max(after);
    let signed_at = timefmt::format_ms(at).ok_or(Error::ClockOutOfRange { ms: at })?;
    Ok((signed_at, key.fingerprint))
}

/// Refuses to sign `req` with a key of fingerprint `fingerprint` when the request names the
/// organization's key and this is another: the endorsement would be refused by `accept`, so
/// this is said before any passphrase is asked.
pub fn check_signing_key(req: &Request, org: &str, fingerprint: &str) -> Result<()> {
    match &req.org_key {
        Some(expected) if expected != fingerprint => Err(Error::WrongKey {
            path: std::path::PathBuf::new(),
            fingerprint: fingerprint.to_string(),
            expected: format!("org/{org}'s key in force ({expected}), which the request names"),
            why: WrongKeyWhy::NotTheOrgs {
                org: org.to_string(),
                in_force: expected.clone(),
            },
        }),
        _ => Ok(()),
    }
}

/// A request's `format`, read first so that an old request is named as such rather than by a
/// missing field.
fn request_format(bytes: &[u8]) -> std::result::Result<(), String> {
    #[derive(Deserialize)]
    struct Format {
        format: Option<String>,
    }
    let format = serde_json::from_slice::<Format>(bytes)
        .ok()
        .and_then(|f| f.format);
    match format.as_deref() {
        Some(REQUEST_FORMAT) | None => Ok(()),
        Some(UNSIGNED_FORMAT) => Err(format!(
            "format is {UNSIGNED_FORMAT:?}, an unsigned request of an earlier version; this undersigned reads only requests signed by an editor ({REQUEST_FORMAT:?}) — ask the coordinator for a new one"
        )),
        Some(other) => Err(format!(
            "format is {other:?}; this undersigned reads {REQUEST_FORMAT:?}"
        )),
    }
}

/// A request's fields, checked like the records they come from before anything of them is
/// shown (one-line fields, so that the signed payload reads one way only); returns the key of
/// the editor it names.
fn request_fields(req: &Request) -> std::result::Result<PublicKeyInfo, String> {
    if git2::Oid::from_str(&req.ledger).is_err() || req.ledger.len() != 40 {
        return Err(format!("ledger {:?} is not a commit id", req.ledger));
    }
    if req.version == 0 {
        return Err("version 0 does not exist; versions start at 1".into());
    }
    for (what, field, value) in [
        ("ledger_name", Field::LedgerName, &req.ledger_name),
        ("title", Field::Title, &req.title),
    ] {
        check_line(field, value).map_err(|why| format!("{what}: {why}"))?;
    }
    if !record::is_sha256_hex(&req.text_sha256) {
        return Err(format!("text_sha256 {:?} is not a sha256", req.text_sha256));
    }
    match (&req.org, &req.signed_at, &req.org_key) {
        (None, None, None) => {}
        (Some(o), Some(t), Some(k)) if is_slug(o) && record::is_time(t) && record::is_fingerprint(k) => {}
        _ => {
            return Err(
                "org, signed_at and org_key go together: an organization's slug, a record time and its key's fingerprint (SHA256:…)".into(),
            )
        }
    }
    if !record::is_time(&req.requested_at) {
        return Err(format!("requested_at {:?} is not a time", req.requested_at));
    }
    if Principal::parse(&req.editor).is_none_or(|p| p.role != Role::Editor) {
        return Err(format!(
            "editor {:?} is not an editor (editor/<id>)",
            req.editor
        ));
    }
    let editor_key = PublicKeyInfo::parse_line(&req.editor_key, "of the request's editor")
        .map_err(|e| format!("editor_key: {e}"))?;
    if editor_key.openssh != req.editor_key {
        return Err(
            "editor_key must be the bare key line `ssh-ed25519 AAAA…`, without comment".into(),
        );
    }
    Ok(editor_key)
}

/// Reads a request from a file's bytes and checks it: its form, its text against its sha256,
/// and the editor's signature over it with the key it carries. A request that fails any check
/// is refused before anything of it is shown.
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
    request_format(bytes).map_err(bad)?;
    let req: Request =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a signing request ({e})")))?;
    check_slug("statement", &req.statement)?;
    let editor_key = request_fields(&req).map_err(bad)?;
    check_text(req.text.as_bytes()).map_err(|why| bad(format!("text: {why}")))?;
    let actual = record::sha256_hex(req.text.as_bytes());
    if actual != req.text_sha256 {
        return Err(bad(format!(
            "the text's sha256 is {actual}, but the request says {}; the text was changed after the request was written — ask the coordinator for a new one",
            req.text_sha256
        )));
    }
    verify_sshsig(
        req.signature.as_bytes(),
        REQUEST_NAMESPACE,
        &request_payload(&req),
        &editor_key,
    )
    .map_err(|e| {
        bad(format!(
            "{}'s signature on the request does not verify ({e}): the request was changed after it was signed, or was not made by that key — ask the coordinator for a new one",
            req.editor
        ))
    })?;
    Ok(req)
}

/// The organization's signed endorsement of the request's version. A request made for one
/// organization is signed only as that organization, at the time it fixes; a request for any
/// organization is signed at `now_ms`.
pub fn sign_request(req: &Request, org: &str, key: &SigningKey, now_ms: i64) -> Result<ActRecord> {
    check_slug("organization", org)?;
    let signed_at = match (&req.org, &req.signed_at) {
        (Some(for_org), _) if for_org != org => {
            return Err(Error::OtherOrg {
                requested: for_org.clone(),
                given: org.to_string(),
            })
        }
        (Some(_), Some(t)) => t.clone(),
        _ => timefmt::format_ms(now_ms).ok_or(Error::ClockOutOfRange { ms: now_ms })?,
    };
    check_signing_key(req, org, key.fingerprint())?;
    let mut rec = req.endorsement(org, &signed_at);
    rec.key = key.fingerprint().to_string();
    rec.signature = key.sign(ACT_NAMESPACE, &act_payload(&rec))?;
    Ok(rec)
}

/// The endorsement record of a request made for one organization and the signature that
/// `ssh-keygen -Y sign -n undersigned` wrote over its payload (`payload.sig`). The signature is
/// taken in its canonical armor (a CRLF file from Windows reads the same); `accept` then checks
/// that it is the organization's key in force and that it signs exactly the payload.
pub fn record_from_signature(req: &Request, sig: &[u8], source: &str) -> Result<ActRecord> {
    let (Some(org), Some(at)) = (req.org.as_deref(), req.signed_at.as_deref()) else {
        return Err(Error::BadInput {
            kind: InputKind::Request,
            source_name: req.statement.clone(),
            why: "this request names no organization, so no payload was fixed for ssh-keygen to sign; an organization signs it with `undersigned sign --request`".into(),
        });
    };
    let (armor, fingerprint) =
        canonical_armor(sig, ACT_NAMESPACE).map_err(|e| Error::BadInput {
            kind: InputKind::Signature,
            source_name: source.to_string(),
            why: format!(
                "{e}; it should be what `ssh-keygen -Y sign -n {ACT_NAMESPACE} -f KEY payload` wrote"
            ),
        })?;
    let mut rec = req.endorsement(org, at);
    rec.key = fingerprint;
    rec.signature = armor;
    Ok(rec)
}

/// Checks that the request was made by an editor of the ledger at `view` (a key ever
/// registered to that editor): a request made elsewhere, even with a valid signature, is not
/// this ledger's.
pub fn check_request_editor(view: &View<'_>, req: &Request) -> Result<()> {
    let not_ours = |why: String| Error::BadInput {
        kind: InputKind::Request,
        source_name: format!("of {} for ledger {}", req.editor, req.ledger),
        why,
    };
    let editor = Principal::parse(&req.editor)
        .filter(|p| p.role == Role::Editor)
        .ok_or_else(|| not_ours("names no editor".into()))?;
    let keys = view.keys(&layout::editor_dir(&editor.id))?;
    if keys.iter().any(|k| k.public_key == req.editor_key) {
        Ok(())
    } else {
        Err(not_ours(format!(
            "was signed by key {}, which is not a key of {} in this ledger",
            req.editor_fingerprint(),
            req.editor
        )))
    }
}

/// Reads a mailed endorsement record (same limits as records in a ledger).
pub fn read_endorsement(bytes: &[u8], source: &str) -> Result<ActRecord> {
    record::decode(bytes).map_err(|why| Error::BadInput {
        kind: InputKind::Endorsement,
        source_name: source.to_string(),
        why: format!("not an endorsement record ({why})"),
    })
}

/// The instructions that go with a request made for one organization (`HOW-TO-SIGN.txt`):
/// what to check, the one `ssh-keygen` command, what to send back. `org_key` is the fingerprint
/// of the organization's key in force, `files` the names of the request's files.
pub fn how_to_sign(req: &Request, org_name: &str, org_key: &str) -> String {
    let org = req.org.as_deref().unwrap_or("");
    format!(
        "Signing request: \"{title}\"
for {org_name} (org/{org}), from {ledger_name}

1. Read text.txt: it is the exact text you are asked to endorse (statement {stmt},
   version {version}).

2. Check that this request is the coalition's. Compare with what the coalition publishes
   (its statement page shows the ledger id and the text's sha256):
     ledger id     {ledger}
     text sha256   {sha}
     requested by  {editor}, key {editor_fp}
   The text's sha256 on your machine:
     Linux:    sha256sum text.txt
     macOS:    shasum -a 256 text.txt
     Windows:  certutil -hashfile text.txt SHA256    (or, in PowerShell: Get-FileHash text.txt)
   The file payload names the same ledger id and sha256 (its lines ledger: and text-sha256:).

3. Sign the file payload with your organization's key, the one registered for org/{org}
   ({org_key}; `ssh-keygen -lf YOUR_KEY.pub` prints your key's):
     ssh-keygen -Y sign -n undersigned -f YOUR_KEY payload
   This writes payload.sig. It needs OpenSSH 8.2 or later (`ssh -V` prints the version).
   Do not edit payload: the signature covers its exact bytes.

4. Send payload.sig back to the coordinator. Nothing else is needed: the coordinator records
   it with `undersigned accept --request request.json --signature payload.sig`, and anyone
   can then check your signature in the ledger with ssh-keygen alone.

What you sign (the whole of payload): that org/{org} endorses version {version} of statement
{stmt} in ledger {ledger}, whose text has sha256 {sha}, signed at {signed_at}.
",
        title = req.title,
        ledger_name = req.ledger_name,
        stmt = req.statement,
        version = req.version,
        ledger = req.ledger,
        sha = req.text_sha256,
        editor = req.editor,
        editor_fp = req.editor_fingerprint(),
        signed_at = req.signed_at.as_deref().unwrap_or(""),
    )
}
