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
use crate::record::{self, ActKind, ActRecord, Provenance, TextRef};
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
    /// Every text of the version with its language, the original first, as the endorsement
    /// signs them (versions that name their languages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<TextRef>,
    /// The full text of each translation, in the order of `texts` after the original.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<Translation>,
    /// The organization the request is for, when it was made for one (then the exact payload
    /// it signs is fixed, and `ssh-keygen -Y sign` alone can sign it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The individual the request is for, when it was made for one (as `org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// The time the endorsement will carry, fixed with `org` or `person`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// The fingerprint of the organization's key in force when the request was made, fixed
    /// with `org`: the key that must sign, refused before the passphrase is asked otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_key: Option<String>,
    /// The fingerprint of the individual's key in force, fixed with `person`, as `org_key` is
    /// with `org` (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_key: Option<String>,
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

/// A translation carried by a request, so that the signer can read every text it signs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// Language tag.
    pub lang: String,
    /// The full text.
    pub text: String,
}

impl Request {
    /// The signatory the request was made for, if one.
    pub fn for_whom(&self) -> Option<Principal> {
        match (&self.org, &self.person) {
            (Some(o), None) => Some(Principal::org(o)),
            (None, Some(p)) => Some(Principal::person(p)),
            _ => None,
        }
    }

    /// The fingerprint of the key that signed the request.
    pub fn editor_fingerprint(&self) -> String {
        PublicKeyInfo::parse_line(&self.editor_key, "of the request")
            .map(|k| k.fingerprint)
            .unwrap_or_default()
    }

    /// The endorsement record this request asks `who` (an organization or an individual) to
    /// sign at `signed_at`, without key and signature: its payload is what the signatory signs.
    pub fn endorsement(&self, who: &Principal, signed_at: &str) -> ActRecord {
        let (org, person) = crate::ledger::signatory_fields(who);
        ActRecord {
            act: ActKind::Endorse,
            ledger: self.ledger.clone(),
            statement: self.statement.clone(),
            version: Some(self.version),
            text_sha256: Some(self.text_sha256.clone()),
            texts: self.texts.clone(),
            org,
            person,
            signed_at: signed_at.into(),
            reason: None,
            provenance: Provenance::Signed,
            evidence_sha256: None,
            signer: who.to_string(),
            key: String::new(),
            signature: String::new(),
        }
    }

    /// The exact bytes the signatory signs for a request made for it (`None` for a request for
    /// any signatory, whose time is the signer's).
    pub fn payload(&self) -> Option<Vec<u8>> {
        let (who, at) = (self.for_whom()?, self.signed_at.as_deref()?);
        Some(act_payload(&self.endorsement(&who, at)))
    }
}

/// Makes the request for a version of a statement (default: the current one), for one
/// signatory (an organization or an individual) or for any, signed by `key`, which must be an
/// editor's key in force at the head. The time is the ledger's clock; for one signatory, the
/// endorsement's time is fixed to it (and after its latest act on the statement, as the rules
/// require).
pub fn request(
    ledger: &Ledger,
    stmt: &str,
    version: Option<u32>,
    who: Option<&Principal>,
    key: &SigningKey,
) -> Result<Request> {
    check_slug("statement", stmt)?;
    if let Some(w) = who {
        check_slug(w.role.noun(), &w.id)?;
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
    let mut translations = Vec::with_capacity(rec.translations.len());
    for t in &rec.translations {
        let path = layout::translation_text(stmt, v, &t.lang);
        let bytes = view.bytes(&path)?.unwrap_or_default();
        let text = String::from_utf8(bytes).map_err(|_| Error::DamagedRecord {
            commit: head.to_string(),
            path,
            why: "the translation is not UTF-8".into(),
        })?;
        translations.push(Translation {
            lang: t.lang.clone(),
            text,
        });
    }
    let texts: Vec<TextRef> = rec
        .lang
        .iter()
        .map(|l| TextRef {
            lang: l.clone(),
            text_sha256: rec.text_sha256.clone(),
        })
        .chain(rec.translations.iter().cloned())
        .collect();
    let now = ledger.clock().now_ms();
    let fixed = who.map(|w| fixed_for(&view, stmt, w, now)).transpose()?;
    let (signed_at, key_in_force) = fixed.unzip();
    let key_of = |role: Role| {
        key_in_force
            .clone()
            .filter(|_| who.is_some_and(|w| w.role == role))
    };
    let mut req = Request {
        format: REQUEST_FORMAT.into(),
        ledger: ledger.ledger_id()?.to_string(),
        ledger_name: name,
        statement: stmt.into(),
        version: v,
        title: rec.title,
        text_sha256: rec.text_sha256,
        text,
        texts,
        translations,
        org: who.filter(|w| w.role == Role::Org).map(|w| w.id.clone()),
        person: who.filter(|w| w.role == Role::Person).map(|w| w.id.clone()),
        signed_at,
        org_key: key_of(Role::Org),
        person_key: key_of(Role::Person),
        editor: Principal::editor(&editor.id).to_string(),
        editor_key: key.public().openssh,
        requested_at: timefmt::format_ms(now).ok_or(Error::ClockOutOfRange { ms: now })?,
        signature: String::new(),
    };
    req.signature = key.sign(REQUEST_NAMESPACE, &request_payload(&req))?;
    Ok(req)
}

/// What a request for one signatory fixes: the time its endorsement will carry (now, or just
/// after the signatory's latest act on the statement, as the rules require) and the
/// fingerprint of its key in force, the one that must sign.
fn fixed_for(view: &View<'_>, stmt: &str, who: &Principal, now: i64) -> Result<(String, String)> {
    if !view.is_registered(who)? {
        return Err(Error::Unknown {
            kind: who.role.noun(),
            id: who.id.clone(),
            known: Vec::new(),
        });
    }
    let key = view
        .current_key(&layout::principal_dir(who))?
        .ok_or_else(|| Error::NoKey {
            who: who.to_string(),
        })?;
    let after = view
        .signatory_acts(stmt, who)?
        .last()
        .and_then(|a| timefmt::parse_ms(&a.signed_at))
        .map(|t| t.saturating_add(1))
        .unwrap_or(i64::MIN);
    let at = now.max(after);
    let signed_at = timefmt::format_ms(at).ok_or(Error::ClockOutOfRange { ms: at })?;
    Ok((signed_at, key.fingerprint))
}

/// Refuses to sign `req` with a key of fingerprint `fingerprint` when the request names the
/// signatory's key and this is another: the endorsement would be refused by `accept`, so
/// this is said before any passphrase is asked.
pub fn check_signing_key(req: &Request, who: &Principal, fingerprint: &str) -> Result<()> {
    let named = match who.role {
        Role::Person => &req.person_key,
        Role::Org | Role::Editor => &req.org_key,
    };
    match named {
        Some(expected) if expected != fingerprint => Err(Error::WrongKey {
            path: std::path::PathBuf::new(),
            fingerprint: fingerprint.to_string(),
            expected: format!("{who}'s key in force ({expected}), which the request names"),
            why: WrongKeyWhy::NotTheOrgs {
                who: who.to_string(),
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
    let fixed = (&req.signed_at, &req.org_key, &req.person_key);
    match (&req.org, &req.person, fixed) {
        (None, None, (None, None, None)) => {}
        (Some(o), None, (Some(t), Some(k), None)) | (None, Some(o), (Some(t), None, Some(k)))
            if is_slug(o) && record::is_time(t) && record::is_fingerprint(k) => {}
        _ => {
            return Err(
                "org (or person), signed_at and org_key (or person_key) go together: one signatory's slug, a record time and its key's fingerprint (SHA256:…)".into(),
            )
        }
    }
    check_request_texts(req)?;
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

/// The translations a request carries: each language of `texts` after the original, in order,
/// with a text whose sha256 is the one listed; the original first with the request's own text.
fn check_request_texts(req: &Request) -> std::result::Result<(), String> {
    if req.texts.is_empty() {
        return if req.translations.is_empty() {
            Ok(())
        } else {
            Err("translations without texts listing their languages".into())
        };
    }
    if req.texts[0].text_sha256 != req.text_sha256 {
        return Err("texts must list the original first, with the request's text_sha256".into());
    }
    if req.texts.len() != req.translations.len() + 1 {
        return Err("texts and translations do not list the same languages".into());
    }
    for t in &req.texts {
        if !record::is_lang(&t.lang) {
            return Err(format!("texts: {:?} is not a language tag", t.lang));
        }
    }
    for (t, r) in req.texts[1..].iter().zip(&req.translations) {
        if t.lang != r.lang {
            return Err(format!(
                "translation {:?} is not where texts lists {:?}",
                r.lang, t.lang
            ));
        }
        check_text(r.text.as_bytes()).map_err(|why| format!("translation {}: {why}", r.lang))?;
        let actual = record::sha256_hex(r.text.as_bytes());
        if actual != t.text_sha256 {
            return Err(format!(
                "the {} translation's sha256 is {actual}, but the request says {}; it was changed after the request was written — ask the coordinator for a new one",
                t.lang, t.text_sha256
            ));
        }
    }
    Ok(())
}

/// The signatory's signed endorsement of the request's version. A request made for one
/// signatory is signed only as that signatory, at the time it fixes; a request for any is
/// signed at `now_ms`.
pub fn sign_request(
    req: &Request,
    who: &Principal,
    key: &SigningKey,
    now_ms: i64,
) -> Result<ActRecord> {
    check_slug(who.role.noun(), &who.id)?;
    let signed_at = match (req.for_whom(), &req.signed_at) {
        (Some(for_whom), _) if for_whom != *who => {
            return Err(Error::OtherOrg {
                requested: for_whom.to_string(),
                given: who.to_string(),
            })
        }
        (Some(_), Some(t)) => t.clone(),
        _ => timefmt::format_ms(now_ms).ok_or(Error::ClockOutOfRange { ms: now_ms })?,
    };
    check_signing_key(req, who, key.fingerprint())?;
    let mut rec = req.endorsement(who, &signed_at);
    rec.key = key.fingerprint().to_string();
    rec.signature = key.sign(ACT_NAMESPACE, &act_payload(&rec))?;
    Ok(rec)
}

/// The endorsement record of a request made for one organization and the signature that
/// `ssh-keygen -Y sign -n undersigned` wrote over its payload (`payload.sig`). The signature is
/// taken in its canonical armor (a CRLF file from Windows reads the same); `accept` then checks
/// that it is the organization's key in force and that it signs exactly the payload.
pub fn record_from_signature(req: &Request, sig: &[u8], source: &str) -> Result<ActRecord> {
    let (Some(who), Some(at)) = (req.for_whom(), req.signed_at.as_deref()) else {
        return Err(Error::BadInput {
            kind: InputKind::Request,
            source_name: req.statement.clone(),
            why: "this request names no organization or individual, so no payload was fixed for ssh-keygen to sign; a signatory signs it with `undersigned sign --request`".into(),
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
    let mut rec = req.endorsement(&who, at);
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
    let who = req.for_whom().map(|w| w.to_string()).unwrap_or_default();
    let whose = match req.person {
        Some(_) => "your own key",
        None => "your organization's key",
    };
    let langs: Vec<&str> = req.texts.iter().map(|t| t.lang.as_str()).collect();
    let texts = if req.texts.is_empty() {
        String::new()
    } else {
        let files: Vec<String> = req.texts[1..]
            .iter()
            .map(|t| format!("text.{}.txt", t.lang))
            .collect();
        format!(
            "\n   The statement is published in {}: text.txt is the original ({}), and\n   {} the translations. You endorse all of them: the payload lists the sha256\n   of each (its text: lines), and a coordinator cannot add a text to your endorsement later.\n",
            langs.join(", "),
            langs[0],
            files.join(", ")
        )
    };
    format!(
        "Signing request: \"{title}\"
for {org_name} ({who}), from {ledger_name}

1. Read text.txt: it is the exact text you are asked to endorse (statement {stmt},
   version {version}).{texts}

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

3. Sign the file payload with {whose}, the one registered for {who}
   ({org_key}; `ssh-keygen -lf YOUR_KEY.pub` prints your key's):
     ssh-keygen -Y sign -n undersigned -f YOUR_KEY payload
   This writes payload.sig. It needs OpenSSH 8.2 or later (`ssh -V` prints the version).
   Do not edit payload: the signature covers its exact bytes.

4. Send payload.sig back to the coordinator. Nothing else is needed: the coordinator records
   it with `undersigned accept --request request.json --signature payload.sig`, and anyone
   can then check your signature in the ledger with ssh-keygen alone.

What you sign (the whole of payload): that {who} endorses version {version} of statement
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
