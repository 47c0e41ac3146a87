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
    /// An organization's country code.
    Country,
}

impl Field {
    /// The record field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::LedgerName | Field::EditorName | Field::OrgName => "name",
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
            Field::LedgerName | Field::EditorName | Field::OrgName => MAX_NAME,
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

/// Version of the ledger format written by this build.
pub const FORMAT: u32 = 1;

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
    /// Why this revision was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The editor who wrote this version.
    pub editor: String,
    /// When.
    pub created_at: String,
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
    /// sha256 of the endorsed text (endorsements only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_sha256: Option<String>,
    /// Organization slug.
    pub org: String,
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
    /// Who signed the record: `org/<org>` or, when attested, `editor/<id>`.
    pub signer: String,
    /// Fingerprint of the signing key.
    pub key: String,
    /// Armored SSHSIG (namespace [`crate::signed_data::ACT_NAMESPACE`]) over the payload.
    pub signature: String,
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
