//! The audit of a statement and its publishable list, as `audit --json` and `show --json`
//! print them.

use crate::record::{Kind, Provenance, TextRef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One endorsement of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementView {
    /// The signatory's slug: an organization's, or with `kind` `person` an individual's.
    pub org: String,
    /// `org` or `person` (absent: `org`, as format-1 outputs had it).
    #[serde(default, skip_serializing_if = "Kind::is_org")]
    pub kind: Kind,
    /// Its display name.
    pub name: String,
    /// An individual's affiliation, for identification only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// The languages of the texts the endorsement covers (every text of its version), when the
    /// version names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// `signed` (the organization's own key) or `attested` (entered by an editor).
    pub provenance: Provenance,
    /// The attesting editor, for attested endorsements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested_by: Option<String>,
    /// Fingerprint of the key that signed the record.
    pub key: String,
    /// For an attested endorsement: the sha256 of the evidence the editor holds (the evidence
    /// itself never enters the ledger), so that whoever holds it can check it is the one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
    /// Commit that added the record.
    pub commit: String,
    /// The record's own time.
    pub time: String,
    /// Path of the record in the ledger.
    pub path: String,
    /// False when the organization withdrew after this endorsement.
    pub in_force: bool,
    /// True when the key that signed the record was revoked later (the endorsement was valid
    /// when made; a reader may want to confirm it with the organization).
    pub key_revoked_later: bool,
    /// Where the act is in the transparency log, and when witnesses saw it there.
    #[serde(default)]
    pub in_log: Option<super::InLog>,
}

/// One key of a signatory that acted on the statement, for the audit's key history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    /// The signatory's slug.
    pub org: String,
    /// `org` or `person` (absent: `org`).
    #[serde(default, skip_serializing_if = "Kind::is_org")]
    pub kind: Kind,
    /// Position among its keys.
    pub seq: u32,
    /// Fingerprint.
    pub fingerprint: String,
    /// Who registered it: an editor, or the organization itself (rotation).
    pub added_by: String,
    /// Why it replaced the previous key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Commit that registered it.
    pub commit: String,
    /// True while it may sign.
    pub in_force: bool,
    /// Who revoked it and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<RevokedView>,
}

/// A revocation in the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedView {
    /// Who revoked.
    pub by: String,
    /// Why.
    pub reason: String,
    /// Commit.
    pub commit: String,
}

/// One version of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    /// Version number.
    pub version: u32,
    /// Title.
    pub title: String,
    /// sha256 of the exact text (the original).
    pub text_sha256: String,
    /// The original's language, when the version names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Its translations, each with the sha256 every endorsement of the version signs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<TextRef>,
    /// Editor who wrote it.
    pub author: String,
    /// Time the editor gave.
    pub time: String,
    /// Commit that added it.
    pub commit: String,
    /// Revision note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Number of organizations the text says it speaks for, when it says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_signatories: Option<u32>,
    /// Number of individuals the text says it speaks for ("and 112 individuals").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_individuals: Option<u32>,
    /// Every endorsement of this version, in ledger order.
    pub endorsements: Vec<EndorsementView>,
}

/// A withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalView {
    /// The signatory's slug.
    pub org: String,
    /// `org` or `person` (absent: `org`).
    #[serde(default, skip_serializing_if = "Kind::is_org")]
    pub kind: Kind,
    /// Display name.
    pub name: String,
    /// `signed` or `attested`.
    pub provenance: Provenance,
    /// Attesting editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested_by: Option<String>,
    /// Reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an attested withdrawal: the sha256 of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
    /// Commit.
    pub commit: String,
    /// The record's own time.
    pub time: String,
}

/// The audit of one statement. `--json` prints this; its fields are a versioned contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// Names this output and its version: `undersigned-audit/1` ([`crate::report::formats`]).
    pub format: String,
    /// Statement slug.
    pub statement: String,
    /// Title of the current version.
    pub title: String,
    /// Current version number.
    pub current_version: u32,
    /// Every version with its endorsements.
    pub versions: Vec<VersionView>,
    /// Organizations that endorse the current version now.
    pub current: Vec<String>,
    /// Organizations whose endorsement in force is of an older version only.
    pub stale: Vec<String>,
    /// Organizations whose last act is a withdrawal.
    pub withdrawn: Vec<String>,
    /// The same three lists for individuals.
    #[serde(default)]
    pub individuals: Standings,
    /// Current endorsers counted by kind and by country.
    #[serde(default)]
    pub counts: Counts,
    /// Whether sign-on is open, and its deadline or the close in force.
    #[serde(default)]
    pub signon: SignOnView,
    /// Latest withdrawal of each withdrawn organization.
    pub withdrawals: Vec<WithdrawalView>,
    /// Key history of the organizations that acted on this statement (rotations, revocations),
    /// for those with more than one key or a revoked key.
    pub keys: Vec<KeyView>,
    /// Discrepancies a publisher must see (claimed counts that differ from the ledger).
    pub warnings: Vec<String>,
}

/// Where individuals stand on a statement (the audit's `current`, `stale` and `withdrawn`
/// are the organizations').
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standings {
    /// Individuals who endorse the current version now.
    pub current: Vec<String>,
    /// Individuals whose endorsement in force is of an older version only.
    pub stale: Vec<String>,
    /// Individuals whose last act is a withdrawal.
    pub withdrawn: Vec<String>,
}

/// Current endorsers of a statement, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Organizations.
    pub organizations: usize,
    /// Individuals.
    pub individuals: usize,
    /// By ISO 3166 country code (`""`: no country given), organizations and individuals.
    pub by_country: BTreeMap<String, KindCount>,
}

/// A count of organizations and individuals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// Organizations.
    pub organizations: usize,
    /// Individuals.
    pub individuals: usize,
}

/// Whether a statement's sign-on is open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOnView {
    /// True while endorsements may be committed.
    pub open: bool,
    /// The deadline the latest open announced (informative: the close act is what counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// The commit that closed it, while closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    /// When it was closed (the record's time), while closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// Why it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One line of a published list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    /// Position in its list (organizations and individuals are numbered apart), from 1.
    pub n: usize,
    /// The signatory's slug (an organization's, or with `kind` `person` an individual's).
    pub org: String,
    /// `org` or `person` (absent: `org`).
    #[serde(default, skip_serializing_if = "Kind::is_org")]
    pub kind: Kind,
    /// Display name.
    pub name: String,
    /// An individual's affiliation, for identification only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// ISO 3166 country code, when registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `signed` or `attested`.
    pub provenance: Provenance,
}

/// The publishable statement: a version's text and the organizations that endorse it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// Names this output and its version: `undersigned-publication/1` ([`crate::report::formats`]).
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head commit the publication was read at.
    pub head: String,
    /// Statement slug.
    pub statement: String,
    /// Version shown.
    pub version: u32,
    /// Title.
    pub title: String,
    /// sha256 of the original text.
    pub text_sha256: String,
    /// The language of the text shown, when the version names its languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The sha256 of the text shown, when it is a translation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_sha256: Option<String>,
    /// Every text of the version, the original first: what each endorsement listed signs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<TextRef>,
    /// The exact text (the original, or the translation in `lang`).
    pub text: String,
    /// Number of organizations listed.
    pub count: usize,
    /// The numbered list of organizations.
    pub signatories: Vec<Signatory>,
    /// Number of individuals listed.
    #[serde(default)]
    pub individual_count: usize,
    /// The numbered list of individuals, affiliations for identification only.
    #[serde(default)]
    pub individuals: Vec<Signatory>,
    /// The listed endorsers counted by kind and country.
    #[serde(default)]
    pub counts: Counts,
}
