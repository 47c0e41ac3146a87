//! What the commands of many hands did: sync, clone, the mail flow, the server hook, and the
//! shape of an error under `--json`.

use super::Failure;
use serde::{Deserialize, Serialize};

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
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
}

/// What a clone did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneReport {
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
    /// The hook file.
    pub hook: String,
    /// The ledger id the hook enforces, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
}

/// What `request -o FILE` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
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
}

/// What `sign --request` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedSummary {
    /// The endorsement record file.
    pub output: String,
    /// Ledger id.
    pub ledger: String,
    /// Statement.
    pub statement: String,
    /// Version endorsed.
    pub version: Option<u32>,
    /// The endorsing organization.
    pub org: String,
    /// sha256 of the endorsed text.
    pub text_sha256: Option<String>,
    /// Fingerprint of the key that signed.
    pub key: String,
}

/// An error under `--json`: `ok` is false, `error` says why; a verdict on something fetched
/// or cloned carries its failures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorOutput {
    /// Always false.
    pub ok: bool,
    /// The message.
    pub error: String,
    /// The failures, when what came from elsewhere did not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
}
