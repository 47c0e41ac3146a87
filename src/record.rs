//! The records a ledger holds, one JSON file each, and their canonical encoding.
//!
//! A record has exactly one byte form: pretty-printed JSON with fields in declaration order and a
//! final newline. Reading a record re-encodes it and refuses any other spelling, so two ledgers
//! that agree on facts agree on bytes, and a hand edit that "means the same" still shows up.

use crate::timefmt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest statement text accepted, in bytes (a long statement is tens of kilobytes).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Longest title.
pub const MAX_TITLE: usize = 300;
/// Longest display name.
pub const MAX_NAME: usize = 200;
/// Longest revision note or withdrawal reason.
pub const MAX_NOTE: usize = 1000;
/// Longest web address.
pub const MAX_URL: usize = 500;

/// A free-text field of a record. The library names fields as records do; the CLI tells the
/// user which of its options fed the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The ledger's name (`ledger.json`).
    LedgerName,
    /// An editor's display name.
    EditorName,
    /// An organization's display name.
    OrgName,
    /// A statement version's title.
    Title,
    /// A revision note.
    Note,
    /// A reason (withdrawal, rotation, revocation, removal).
    Reason,
    /// An organization's web address.
    Url,
    /// An organization's or individual's country code.
    Country,
    /// An individual's display name.
    PersonName,
    /// An individual's affiliation, shown for identification only.
    Affiliation,
}

impl Field {
    /// The record field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::LedgerName | Field::EditorName | Field::OrgName | Field::PersonName => "name",
            Field::Affiliation => "affiliation",
            Field::Title => "title",
            Field::Note => "note",
            Field::Reason => "reason",
            Field::Url => "url",
            Field::Country => "country",
        }
    }

    /// The longest value a one-line field takes.
    pub fn max(self) -> usize {
        match self {
            Field::LedgerName
            | Field::EditorName
            | Field::OrgName
            | Field::PersonName
            | Field::Affiliation => MAX_NAME,
            Field::Title => MAX_TITLE,
            Field::Note | Field::Reason => MAX_NOTE,
            Field::Url => MAX_URL,
            Field::Country => 2,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Version of the ledger format written by this build, in `ledger.json`. Format 2 adds
/// individuals (`people/`), translations (`<n>.<lang>.txt` and the version record's `lang` and
/// `translations`), the endorsement's `texts` and `person` fields, and sign-on records
/// (`signon/`). A format-1 ledger keeps verifying and holds none of them, so that a build that
/// knows only format 1 never meets a record it would misread; a build refuses a format it does
/// not know ([`FORMATS`]) with a message naming both.
pub const FORMAT: u32 = 2;

/// Every ledger format this build reads.
pub const FORMATS: &[u32] = &[1, 2];

/// The first format with individuals, translations and sign-on records.
pub const FORMAT_SIGNATORIES: u32 = 2;

/// Longest language tag.
pub const MAX_LANG: usize = 35;

/// True for a language tag as records write it: BCP 47 in lower case (`en`, `fr`, `pt-br`,
/// `zh-hant`): a primary subtag of 2 or 3 letters, then subtags of 1 to 8 letters or digits.
/// Lower case only, since tags are case-insensitive and become file names, which must not
/// collide on a case-insensitive file system.
pub fn is_lang(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    tag.len() <= MAX_LANG
        && (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| {
            (1..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Largest record file accepted (a record is a few hundred bytes; a signature about 300).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// `ledger.json`, written once by the genesis commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerRecord {
    /// Format version ([`FORMAT`]).
    pub format: u32,
    /// Human name of the ledger (the coalition or campaign).
    pub name: String,
    /// When the ledger was created (signer's clock).
    pub created_at: String,
}

/// `editors/<id>/editor.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditorRecord {
    /// The editor's slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The editor who added this one; absent for the first editor (named by the genesis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    /// When.
    pub added_at: String,
}

/// `orgs/<ff>/<id>/org.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgRecord {
    /// The organization's slug.
    pub id: String,
    /// Display name as it appears in published lists.
    pub name: String,
    /// Web site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// ISO 3166 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The editor who registered it.
    pub added_by: String,
    /// When.
    pub added_at: String,
}

/// `people/<ff>/<id>/person.json`: an individual signatory (format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    /// The individual's slug.
    pub id: String,
    /// Their name as it appears in published lists.
    pub name: String,
    /// An affiliation shown beside the name for identification only: it is not the
    /// institution's endorsement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// ISO 3166 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The editor who registered them.
    pub added_by: String,
    /// When.
    pub added_at: String,
}

/// One text of a version in a record: its language and the sha256 of its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRef {
    /// Language tag ([`is_lang`]).
    pub lang: String,
    /// sha256 of the text, lowercase hex.
    pub text_sha256: String,
}

/// `statements/<id>/signon/<seq>.json`: sign-on closed to endorsements, or opened again (with
/// or without a deadline), by an editor (format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOnRecord {
    /// Statement slug.
    pub statement: String,
    /// Position among the statement's sign-on records, from 1.
    pub seq: u32,
    /// Close or open.
    pub action: SignOnAction,
    /// When sign-on is announced to close (opens only): shown to signatories, not enforced,
    /// since record times are the signers' own; the close act is what the rules enforce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Why (closes only, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The editor who closed or opened it.
    pub editor: String,
    /// When.
    pub at: String,
}

/// What a sign-on record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignOnAction {
    /// No endorsement may be committed from this record on (withdrawals still may).
    Close,
    /// Endorsements may be committed again; or, on an open statement, a new deadline.
    Open,
}

impl SignOnAction {
    /// The word used in records and output.
    pub fn as_str(self) -> &'static str {
        match self {
            SignOnAction::Close => "close",
            SignOnAction::Open => "open",
        }
    }
}

/// `…/keys/<seq>.json`: one public key of an editor or organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    /// `editor/<id>` or `org/<id>`.
    pub principal: String,
    /// Position among the principal's keys, from 1.
    pub seq: u32,
    /// `ssh-ed25519 AAAA…` without comment.
    pub public_key: String,
    /// `SHA256:…` of `public_key`.
    pub fingerprint: String,
    /// The principal who registered it: an editor, or for a rotation the principal itself.
    pub added_by: String,
    /// When.
    pub added_at: String,
    /// Why the key replaced the previous one (rotations; required when an editor rotates an
    /// organization's key on its behalf).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `…/revocations/<seq>.json`: key `seq` of a principal is revoked from this commit on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationRecord {
    /// `editor/<id>` or `org/<id>`.
    pub principal: String,
    /// The revoked key's position.
    pub seq: u32,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Why (a lost or stolen key, a departed person).
    pub reason: String,
    /// Who revoked it: the principal itself or an editor.
    pub revoked_by: String,
    /// When.
    pub revoked_at: String,
}

/// `editors/<id>/removed.json`: the editor no longer acts; its keys are retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovalRecord {
    /// The removed editor's slug.
    pub editor: String,
    /// Why.
    pub reason: String,
    /// The editor who removed it.
    pub removed_by: String,
    /// When.
    pub removed_at: String,
}

/// `statements/<id>/versions/<n>.json`, beside the exact text `<n>.txt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRecord {
    /// Statement slug.
    pub statement: String,
    /// Version number, from 1.
    pub version: u32,
    /// Title of the statement at this version.
    pub title: String,
    /// sha256 of the exact bytes of `<n>.txt`, lowercase hex.
    pub text_sha256: String,
    /// Language of `<n>.txt`, the original (format 2; required when there are translations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The translations, `<n>.<lang>.txt`, in ascending order of language tag (format 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<TextRef>,
    /// Why this revision was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The editor who wrote this version.
    pub editor: String,
    /// When.
    pub created_at: String,
}

/// The two kinds of signatory, as outputs name them: organizations and individuals, listed
/// and counted apart.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An organization (`org/<id>`).
    #[default]
    Org,
    /// An individual (`person/<id>`), whose affiliation is shown for identification only.
    Person,
}

impl Kind {
    /// The word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Org => "org",
            Kind::Person => "person",
        }
    }

    /// True for organizations (serde's `skip_serializing_if` for the format-1 shape).
    pub fn is_org(&self) -> bool {
        *self == Kind::Org
    }
}

/// `log/quorum/<seq>.json`: the witnesses whose cosignatures count, and how many a checkpoint
/// needs ("k of these"), from this commit on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumRecord {
    /// Ledger id.
    pub ledger: String,
    /// Its position among the ledger's quorum statements.
    pub seq: u32,
    /// How many of the witnesses must cosign.
    pub k: u32,
    /// The witnesses: registered organizations' slugs, sorted, each once.
    pub witnesses: Vec<String>,
    /// The editor who stated it.
    pub editor: String,
    /// When.
    pub created_at: String,
}

/// What an act record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActKind {
    /// The organization endorses a version.
    Endorse,
    /// The organization withdraws from the statement.
    Withdraw,
}

impl ActKind {
    /// The word used in payloads and output.
    pub fn as_str(self) -> &'static str {
        match self {
            ActKind::Endorse => "endorse",
            ActKind::Withdraw => "withdraw",
        }
    }
}

/// Who vouches for an act record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Signed by the organization's own key.
    Signed,
    /// Entered by an editor on the organization's behalf, from evidence kept off the ledger.
    Attested,
}

impl Provenance {
    /// The word used in payloads and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Signed => "signed",
            Provenance::Attested => "attested",
        }
    }
}

/// `statements/<id>/acts/<ff>/<org>/<seq>.json`: an endorsement or withdrawal, with its own
/// detached signature over [`crate::signed_data::act_payload`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActRecord {
    /// Endorse or withdraw.
    pub act: ActKind,
    /// Ledger id (genesis commit) this act belongs to; stops replay into another ledger.
    pub ledger: String,
    /// Statement slug.
    pub statement: String,
    /// Endorsed version (endorsements only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// sha256 of the endorsed text (endorsements only): the original's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_sha256: Option<String>,
    /// Every text of the endorsed version with its language, the original first, then the
    /// translations in the version record's order (endorsements of versions that name their
    /// languages; format 2). An endorsement covers all of them, or it is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<TextRef>,
    /// Organization slug (an organization's act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Individual's slug (an individual's act; format 2). Exactly one of `org` and `person`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// When the signer made the record; strictly increasing per organization and statement, so
    /// an old record cannot be replayed after a later one.
    pub signed_at: String,
    /// Why the organization withdrew (withdrawals only, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Signed by the organization, or attested by an editor.
    pub provenance: Provenance,
    /// sha256 of the evidence an editor holds (attested records only; never the evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
    /// Who signed the record: `org/<org>`, `person/<id>` or, when attested, `editor/<id>`.
    pub signer: String,
    /// Fingerprint of the signing key.
    pub key: String,
    /// Armored SSHSIG (namespace [`crate::signed_data::ACT_NAMESPACE`]) over the payload.
    pub signature: String,
}

impl ActRecord {
    /// The signatory the record is of: `org/<org>` or `person/<person>`; `None` when it names
    /// neither, both, or an id that is no slug (the rules refuse such a record).
    pub fn signatory(&self) -> Option<crate::ids::Principal> {
        use crate::ids::{is_slug, Principal};
        match (&self.org, &self.person) {
            (Some(o), None) if is_slug(o) => Some(Principal::org(o)),
            (None, Some(p)) if is_slug(p) => Some(Principal::person(p)),
            _ => None,
        }
    }

    /// The signatory's slug as the record spells it (empty when it names none).
    pub fn signatory_id(&self) -> &str {
        self.org
            .as_deref()
            .or(self.person.as_deref())
            .unwrap_or_default()
    }

    /// The signatory as the record spells it, for messages (`org/x`, `person/y`).
    pub fn signatory_name(&self) -> String {
        match (&self.org, &self.person) {
            (Some(o), None) => format!("org/{o}"),
            (None, Some(p)) => format!("person/{p}"),
            (Some(o), Some(p)) => format!("org/{o} and person/{p}"),
            (None, None) => "(no signatory)".to_string(),
        }
    }
}

/// Encodes a record in its one canonical form.
pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    let mut out =
        serde_json::to_vec_pretty(record).expect("records are plain data and always serialize");
    out.push(b'\n');
    out
}

/// Decodes a record and refuses anything but its canonical form, oversize input and unknown
/// fields. The error says what is wrong, for a failure report.
pub fn decode<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "record is {} bytes; at most {MAX_RECORD_BYTES} are allowed",
            bytes.len()
        ));
    }
    let value: T = serde_json::from_slice(bytes).map_err(|e| format!("not a valid record: {e}"))?;
    if encode(&value) != bytes {
        return Err(
            "record is not in canonical form (field order, spacing or final newline differ)".into(),
        );
    }
    Ok(value)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// True for 64 lowercase hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True for a key fingerprint as `ssh-keygen -l` prints it: `SHA256:` and 43 characters of
/// unpadded base64 (32 bytes).
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:").is_some_and(|b| {
        b.len() == 43
            && b.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    })
}

/// True when `s` is a time in the one form records use.
pub fn is_time(s: &str) -> bool {
    timefmt::parse_ms(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrgRecord {
        OrgRecord {
            id: "hrw".into(),
            name: "Human Rights Watch".into(),
            url: Some("https://www.hrw.org".into()),
            country: None,
            added_by: "editor/alice".into(),
            added_at: "2026-11-28T10:00:00.000Z".into(),
        }
    }

    #[test]
    fn canonical_round_trip() {
        let bytes = encode(&org());
        assert!(bytes.ends_with(b"}\n"));
        assert_eq!(decode::<OrgRecord>(&bytes).unwrap(), org());
        assert!(
            !String::from_utf8(bytes).unwrap().contains("country"),
            "absent options are omitted"
        );
    }

    #[test]
    fn non_canonical_spellings_are_refused() {
        let bytes = encode(&org());
        let compact = serde_json::to_vec(&org()).unwrap();
        assert!(decode::<OrgRecord>(&compact)
            .unwrap_err()
            .contains("canonical"));
        let mut no_newline = bytes.clone();
        no_newline.pop();
        assert!(decode::<OrgRecord>(&no_newline).is_err());
        let text = String::from_utf8(bytes).unwrap();
        let extra = text.replacen("{", "{\n  \"admin\": true,", 1);
        assert!(decode::<OrgRecord>(extra.as_bytes())
            .unwrap_err()
            .contains("unknown field"));
        assert!(decode::<OrgRecord>(&vec![b' '; MAX_RECORD_BYTES + 1]).is_err());
        let deep = "[".repeat(10_000);
        assert!(decode::<OrgRecord>(deep.as_bytes()).is_err());
    }

    #[test]
    fn hashes_and_times() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256_hex(&sha256_hex(b"")));
        assert!(!is_sha256_hex(&sha256_hex(b"").to_uppercase()));
        assert!(is_time("2026-11-28T10:00:00.000Z"));
        for ok in ["en", "fr", "pt-br", "zh-hant", "es-419", "ast"] {
            assert!(is_lang(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "EN",
            "pt-BR",
            "english",
            "en-",
            "en--gb",
            "en_gb",
            "en.fr",
            "en-abcdefghi",
        ] {
            assert!(!is_lang(bad), "{bad}");
        }
        assert!(!is_time("yesterday"));
        assert!(is_fingerprint(
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        ));
        assert!(!is_fingerprint(
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF"
        ));
        assert!(!is_fingerprint(
            "MD5:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        ));
    }
}
