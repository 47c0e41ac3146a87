//! What the commands of many hands did: sync, clone, the mail flow, the server hook, and the
//! shape of an error under `--json`.

use super::Failure;
use serde::{Deserialize, Serialize};

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Names this output and its version: `undersigned-sync/1` ([`crate::report::formats`]).
    pub format: String,
    /// The remote's name.
    pub remote: String,
    /// The branch head after the sync (the remote's head as well).
    pub head: String,
    /// Commits the remote had that this clone did not, all verified.
    pub received: u64,
    /// This clone's acts now on the remote.
    pub published: u64,
    /// Acts dropped because the remote already said the same, one line each.
    pub dropped: Vec<String>,
    /// Fetch-and-push rounds (more than one when another clone pushed first).
    pub tries: u32,
    /// Versions of statements that arrived from the remote (not this clone's own).
    pub new_versions: Vec<VersionArrived>,
    /// Endorsements that endorsed the current version before the sync and only an older one
    /// after it, because a new version arrived.
    pub now_stale: Vec<NowStale>,
    /// This clone's acts that were made again on top of the remote, so their commit ids
    /// changed: what an act printed before the sync now has a new id.
    pub republished: Vec<Republished>,
    /// The checkpoint `sync --checkpoint-key` made and published because the log grew (its
    /// commit and what it says), if any.
    #[serde(default)]
    pub checkpoint: Option<String>,
}

/// A version that arrived with a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionArrived {
    /// Statement slug.
    pub statement: String,
    /// Version number.
    pub version: u32,
    /// Its title.
    pub title: String,
    /// sha256 of its text.
    pub text_sha256: String,
    /// The commit that added it.
    pub commit: String,
}

/// An endorsement a sync made stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NowStale {
    /// Statement slug.
    pub statement: String,
    /// The signatory's slug (an organization's, or with `kind` `person` an individual's).
    pub org: String,
    /// `org` or `person` (absent: `org`).
    #[serde(default, skip_serializing_if = "crate::record::Kind::is_org")]
    pub kind: crate::record::Kind,
    /// The version it endorses.
    pub endorsed: u32,
    /// The current version now.
    pub current: u32,
}

/// One of this clone's acts, republished by a sync under a new commit id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Republished {
    /// The commit id the act had in this clone.
    pub old: String,
    /// Its commit id on the remote now.
    pub new: String,
    /// What the act did, for people.
    pub act: String,
}

/// What a clone did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneReport {
    /// Names this output and its version: `undersigned-clone/1` ([`crate::report::formats`]).
    pub format: String,
    /// The new ledger's directory.
    pub dir: String,
    /// Its ledger id.
    pub ledger_id: String,
    /// Its head.
    pub head: String,
    /// Commits verified.
    pub commits: u64,
    /// Whether the genesis matched `--trust` (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
}

/// What `hook install` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    /// Names this output and its version: `undersigned-hook/1` ([`crate::report::formats`]).
    pub format: String,
    /// The hook file.
    pub hook: String,
    /// The ledger id the hook enforces, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
}

/// What `request -o FILE` or `request --org ORG -o DIR` wrote: one request; `request --stale
/// -o DIR` writes one per organization, listed in [`RequestsWritten`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// Names this output and its version: `undersigned-request-summary/1` ([`crate::report::formats`]).
    pub format: String,
    /// The request file.
    pub output: String,
    /// Ledger id.
    pub ledger: String,
    /// Statement.
    pub statement: String,
    /// Version to sign.
    pub version: u32,
    /// sha256 of its text.
    pub text_sha256: String,
    /// The organization it was made for (absent: any organization may sign it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The individual it was made for, instead of an organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// The editor who signed the request (`editor/<id>`).
    pub editor: String,
    /// Fingerprint of the editor's key.
    pub editor_key: String,
    /// For a request made for one organization: the exact bytes it signs (`DIR/payload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// For a request made for one organization: the instructions (`DIR/HOW-TO-SIGN.txt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_to_sign: Option<String>,
}

/// What `request --stale -o DIR` wrote: a request for each organization whose endorsement is
/// stale, and those it could not write one for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestsWritten {
    /// Names this output and its version: `undersigned-requests/1`.
    pub format: String,
    /// Statement slug.
    pub statement: String,
    /// Version the requests are for (the current one).
    pub version: u32,
    /// One per organization, in slug order.
    pub requests: Vec<RequestSummary>,
    /// Stale signatories with no key in force (no request written): organizations by slug, individuals as `person/<id>`.
    pub without_key: Vec<String>,
}

/// What `sign --request` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedSummary {
    /// Names this output and its version: `undersigned-signed/1` ([`crate::report::formats`]).
    pub format: String,
    /// The endorsement record file.
    pub output: String,
    /// Ledger id.
    pub ledger: String,
    /// Statement.
    pub statement: String,
    /// Version endorsed.
    pub version: Option<u32>,
    /// The endorsing signatory's slug (an organization's, or with `kind` `person` an
    /// individual's).
    pub org: String,
    /// `org` or `person` (absent: `org`).
    #[serde(default, skip_serializing_if = "crate::record::Kind::is_org")]
    pub kind: crate::record::Kind,
    /// sha256 of the endorsed text.
    pub text_sha256: Option<String>,
    /// Fingerprint of the key that signed.
    pub key: String,
}

/// An error under `--json`: `ok` is false, `error` says why; a verdict on something fetched
/// or cloned carries its failures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorOutput {
    /// Names this output and its version: `undersigned-error/1` ([`crate::report::formats`]).
    pub format: String,
    /// Always false.
    pub ok: bool,
    /// The message.
    pub error: String,
    /// The failures, when what came from elsewhere did not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
}
