//! What is in a ledger, at a glance: its organizations, its statements, who stands where on one
//! statement; a diff between two versions; and the summaries of `demo` and `publish`.

use super::{Audit, Report};
use serde::{Deserialize, Serialize};

/// One registered organization (`org list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Web site.
    pub url: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// Fingerprint of the key in force (absent: none registered, or revoked).
    pub key: Option<String>,
    /// How many keys it ever had.
    pub keys: u32,
    /// Commit that registered it.
    pub commit: String,
}

/// `org list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgList {
    /// Names this output and its version: `undersigned-org-list/1`.
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head read.
    pub head: String,
    /// In slug order.
    pub organizations: Vec<OrgSummary>,
}

/// `person list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonList {
    /// Names this output and its version: `undersigned-person-list/1`.
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head read.
    pub head: String,
    /// In slug order.
    pub people: Vec<PersonSummary>,
}

/// One registered individual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSummary {
    /// Slug.
    pub id: String,
    /// Name as published.
    pub name: String,
    /// Affiliation, for identification only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// ISO 3166 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Fingerprint of the key in force, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// How many keys they ever had.
    pub keys: u32,
    /// Commit that registered them.
    pub commit: String,
}

/// Counts of a statement's standings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Endorsing the current version.
    pub current: usize,
    /// Endorsing an older version only.
    pub stale: usize,
    /// Withdrawn.
    pub withdrawn: usize,
    /// Registered, never acted on the statement.
    pub pending: usize,
    /// Registered organizations in all.
    pub registered: usize,
}

/// One statement (`statement list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementSummary {
    /// Slug.
    pub id: String,
    /// Title of the current version.
    pub title: String,
    /// The current version's number.
    pub current_version: u32,
    /// sha256 of the current text.
    pub text_sha256: String,
    /// Who stands where.
    pub counts: StatusCounts,
}

/// `statement list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementList {
    /// Names this output and its version: `undersigned-statement-list/1`.
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head read.
    pub head: String,
    /// In slug order.
    pub statements: Vec<StatementSummary>,
}

/// An organization whose endorsement in force is of an older version only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleOrg {
    /// Slug.
    pub org: String,
    /// The latest version it endorses.
    pub endorsed: u32,
}

/// `status STMT`: who stands where on one statement, with counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Names this output and its version: `undersigned-status/1`.
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head read.
    pub head: String,
    /// Statement slug.
    pub statement: String,
    /// Title of the current version.
    pub title: String,
    /// Current version.
    pub current_version: u32,
    /// sha256 of the current text.
    pub text_sha256: String,
    /// The counts of the lists below.
    pub counts: StatusCounts,
    /// Endorsing the current version.
    pub current: Vec<String>,
    /// Endorsing an older version only (they need a new request: `request --stale`).
    pub stale: Vec<StaleOrg>,
    /// Withdrawn.
    pub withdrawn: Vec<String>,
    /// Registered organizations that never endorsed it.
    pub pending: Vec<String>,
    /// The same lists for individuals.
    #[serde(default)]
    pub individuals: PeopleStatus,
    /// Current endorsers counted by kind and by country.
    #[serde(default)]
    pub by_kind_and_country: super::Counts,
    /// Whether sign-on is open, its deadline, or the close in force.
    #[serde(default)]
    pub signon: super::SignOnView,
}

/// Where individuals stand on a statement, in `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleStatus {
    /// The counts of the lists below (`registered`: individuals registered in all).
    pub counts: StatusCounts,
    /// Endorsing the current version.
    pub current: Vec<String>,
    /// Endorsing an older version only.
    pub stale: Vec<StaleOrg>,
    /// Withdrawn.
    pub withdrawn: Vec<String>,
    /// Registered individuals who never endorsed it.
    pub pending: Vec<String>,
}

/// A run of a word diff: `same`, `added` or `removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSegment {
    /// `same`, `added` (only in the newer version) or `removed` (only in the older one).
    pub change: String,
    /// The text of the run, whitespace included.
    pub text: String,
}

/// `statement diff STMT A B`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextDiff {
    /// Names this output and its version: `undersigned-diff/1`.
    pub format: String,
    /// Statement slug.
    pub statement: String,
    /// The older side.
    pub from: u32,
    /// sha256 of its text.
    pub from_sha256: String,
    /// The newer side.
    pub to: u32,
    /// sha256 of its text.
    pub to_sha256: String,
    /// The runs, in reading order; the same and removed runs give the `from` text, the same
    /// and added runs the `to` text.
    pub segments: Vec<DiffSegment>,
}

/// `demo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoOutput {
    /// Names this output and its version: `undersigned-demo/1`.
    pub format: String,
    /// The demo ledger's directory.
    pub ledger: String,
    /// Its key directory.
    pub keys: String,
    /// Its ledger id.
    pub ledger_id: String,
    /// Acts written.
    pub acts: u64,
    /// Seconds it took to build.
    pub build_seconds: f64,
    /// Its verification.
    pub verify: Report,
    /// The audit of its statement.
    pub audit: Audit,
}

/// One published statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedStatement {
    /// Slug.
    pub statement: String,
    /// Its page.
    pub page: String,
    /// Its `statement.json`.
    pub data: String,
    /// Signatories listed.
    pub signatories: usize,
    /// Endorsing an older version only.
    pub stale: usize,
    /// Withdrawn.
    pub withdrawn: usize,
    /// What a publisher must see.
    pub warnings: Vec<String>,
}

/// `publish`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishSummary {
    /// Names this output and its version: `undersigned-publish/1`.
    pub format: String,
    /// The site's directory.
    pub out: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head published.
    pub head: String,
    /// Each statement.
    pub statements: Vec<PublishedStatement>,
    /// Files written.
    pub files: Vec<String>,
    /// Bytes written.
    pub bytes: u64,
    /// Seconds it took.
    pub seconds: f64,
}

/// `man --out DIR`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManPages {
    /// Names this output and its version: `undersigned-man/1`.
    pub format: String,
    /// The pages written.
    pub files: Vec<String>,
}
