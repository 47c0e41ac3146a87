//! What acts are called and what they did: the kinds of act, the log, and the outputs of the
//! commands that write.

use crate::record::Provenance;
use serde::{Deserialize, Serialize};

/// The kinds of act, as the log and commit trailers name them. One name per thing an act can
/// add to a ledger; [`crate::act::Act`] knows which it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ActType {
    /// The genesis: the ledger and its first editor.
    Init,
    /// An editor added.
    EditorAdd,
    /// An organization registered.
    OrgAdd,
    /// A key registered: a first key, a rotation, or a replacement by an editor.
    KeyAdd,
    /// A key revoked.
    KeyRevoke,
    /// An editor removed.
    EditorRemove,
    /// Version 1 of a statement.
    StatementNew,
    /// A later version of a statement.
    StatementRevise,
    /// An endorsement of a version.
    Endorse,
    /// A withdrawal from a statement.
    Withdraw,
    /// An individual registered.
    PersonAdd,
    /// Sign-on closed to endorsements.
    StatementClose,
    /// Sign-on opened again, or a deadline announced.
    StatementOpen,
    /// A checkpoint of the log, signed by an editor.
    Checkpoint,
    /// A witness's cosignature of a checkpoint.
    Cosign,
    /// The witnesses' quorum stated.
    Quorum,
}

impl ActType {
    /// The name the log and `--json` use.
    pub fn as_str(self) -> &'static str {
        match self {
            ActType::Init => "init",
            ActType::EditorAdd => "editor-add",
            ActType::OrgAdd => "org-add",
            ActType::KeyAdd => "key-add",
            ActType::KeyRevoke => "key-revoke",
            ActType::EditorRemove => "editor-remove",
            ActType::StatementNew => "statement-new",
            ActType::StatementRevise => "statement-revise",
            ActType::Endorse => "endorse",
            ActType::Withdraw => "withdraw",
            ActType::PersonAdd => "person-add",
            ActType::StatementClose => "statement-close",
            ActType::StatementOpen => "statement-open",
            ActType::Checkpoint => "checkpoint",
            ActType::Cosign => "cosign",
            ActType::Quorum => "quorum",
        }
    }
}

impl std::fmt::Display for ActType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the log, derived from trees (never from commit messages): one per record an
/// act added (an organization registered with its key gives an `org-add` and a `key-add`).
/// Every entry has the same fields, whatever its act: those that do not apply are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Commit id.
    pub commit: String,
    /// Committer time, seconds since the epoch (asserted by the signer).
    pub time: i64,
    /// Who signed the commit.
    pub actor: String,
    /// What the record did.
    pub act: ActType,
    /// Statement concerned.
    #[serde(default)]
    pub statement: Option<String>,
    /// Version concerned.
    #[serde(default)]
    pub version: Option<u32>,
    /// Organization, individual or editor concerned (a principal).
    #[serde(default)]
    pub subject: Option<String>,
    /// `signed` or `attested` for endorsements and withdrawals.
    #[serde(default)]
    pub provenance: Option<Provenance>,
    /// Where the act is in the transparency log: its leaf index and the first checkpoint that
    /// includes it, with its witnesses' times (`null` for the log's own notes).
    #[serde(default)]
    pub in_log: Option<InLog>,
}

/// An act's place in the log: time from the log, beside the signer's own claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InLog {
    /// The act's leaf index (from 0).
    pub index: u64,
    /// The first checkpoint that includes it, if one does yet.
    #[serde(default)]
    pub checkpoint: Option<u32>,
    /// That checkpoint's commit time (the editor's clock).
    #[serde(default)]
    pub checkpoint_time: Option<i64>,
    /// The witnesses that cosigned that checkpoint, each with the time it states.
    pub witnessed: Vec<Witnessed>,
}

/// One witness's cosignature time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witnessed {
    /// The organization.
    pub org: String,
    /// The time its cosignature states (seconds).
    pub time: u64,
}

/// The acts in order (`log --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    /// Names this output and its version: `undersigned-log/1` ([`crate::report::formats`]).
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// The head the log was read at.
    pub head: String,
    /// The statement the log is limited to, if any.
    #[serde(default)]
    pub statement: Option<String>,
    /// The entries, oldest first.
    pub entries: Vec<LogEntry>,
}

/// What an act did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Names this output and its version: `undersigned-outcome/1` ([`crate::report::formats`]).
    pub format: String,
    /// False when the ledger already said this (nothing was written).
    pub changed: bool,
    /// The commit that holds the act (the existing one's position is not searched for when
    /// nothing changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// One line for people.
    pub message: String,
    /// Files the act added.
    pub paths: Vec<String>,
    /// Something worth telling that did not stop the act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// For an endorsement: the sha256 of the text it endorses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_sha256: Option<String>,
}

/// What `init` made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitOutput {
    /// Names this output and its version: `undersigned-init/1` ([`crate::report::formats`]).
    pub format: String,
    /// The ledger id: the genesis commit, which verifiers pin with `--trust`.
    pub ledger_id: String,
    /// The ledger directory.
    pub ledger: String,
    /// The first editor (`editor/<id>`).
    pub editor: String,
}

/// A key file: what `key new` wrote or `key show` read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyOutput {
    /// Names this output and its version: `undersigned-key/1` ([`crate::report::formats`]).
    pub format: String,
    /// The private key file (`key new` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The public key file (`key new` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_file: Option<String>,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// `ssh-ed25519 AAAA…`.
    pub public_key: String,
}

/// An endorsement's or withdrawal's signed payload, for checking it with `ssh-keygen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadOutput {
    /// Names this output and its version: `undersigned-payload/1` ([`crate::report::formats`]).
    pub format: String,
    /// The record's path in the ledger.
    pub path: String,
    /// The principal whose key signed it (`-I` of `ssh-keygen -Y verify`).
    pub principal: String,
    /// The SSHSIG namespace (`-n`).
    pub namespace: String,
    /// The exact signed bytes.
    pub payload: String,
    /// The armored SSHSIG.
    pub signature: String,
    /// The record's time as `ssh-keygen -Overify-time=` takes it.
    pub verify_time: Option<String>,
    /// The exact `ssh-keygen -Y verify` command that checks the record, runnable as it is.
    pub ssh_keygen: Option<String>,
}
