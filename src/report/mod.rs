//! What the library tells its callers, as values: verdicts ([`Rule`], [`Failure`], [`Report`]),
//! the log of acts ([`LogEntry`]), what an act did ([`Outcome`]), the audit and the publishable
//! list, and what the coalition commands did. Every `--json` output of the CLI is one of these
//! types, so the JSON is a contract with one definition: each type derives `Serialize` and
//! `Deserialize`, and a program can read undersigned's output back into them.
//!
//! This is a leaf module: it depends on nothing of the crate but the record vocabulary, so every
//! other module can name a failure or a report without an import cycle.

mod acts;
mod audit;
mod coalition;
mod history;
mod inventory;
mod rule;
mod transparency;
mod verdict;

/// The `format` of each `--json` output: its name and the version of its fields. A program
/// reading undersigned's JSON checks it and refuses a name or version it does not know;
/// `docs/json.md` documents each.
pub mod formats {
    /// [`super::Report`]: `verify`.
    pub const REPORT: &str = "undersigned-report/1";
    /// [`super::Audit`]: `audit`.
    pub const AUDIT: &str = "undersigned-audit/1";
    /// [`super::Publication`]: `show`.
    pub const PUBLICATION: &str = "undersigned-publication/1";
    /// [`super::Log`]: `log`.
    pub const LOG: &str = "undersigned-log/1";
    /// [`super::Outcome`]: every act.
    pub const OUTCOME: &str = "undersigned-outcome/1";
    /// [`super::InitOutput`]: `init`.
    pub const INIT: &str = "undersigned-init/1";
    /// [`super::KeyOutput`]: `key new`, `key show`.
    pub const KEY: &str = "undersigned-key/1";
    /// [`super::PayloadOutput`]: `payload`.
    pub const PAYLOAD: &str = "undersigned-payload/1";
    /// [`super::SyncReport`]: `sync`.
    pub const SYNC: &str = "undersigned-sync/1";
    /// [`super::CloneReport`]: `clone`.
    pub const CLONE: &str = "undersigned-clone/1";
    /// [`super::Installed`]: `hook install`.
    pub const HOOK: &str = "undersigned-hook/1";
    /// [`super::RequestSummary`]: `request -o`.
    pub const REQUEST_SUMMARY: &str = "undersigned-request-summary/1";
    /// [`super::RequestsWritten`]: `request --stale`.
    pub const REQUESTS: &str = "undersigned-requests/1";
    /// [`super::SignedSummary`]: `sign --request`.
    pub const SIGNED: &str = "undersigned-signed/1";
    /// [`super::ErrorOutput`]: any command that fails.
    pub const ERROR: &str = "undersigned-error/1";
    /// [`super::OrgList`]: `org list`.
    pub const ORG_LIST: &str = "undersigned-org-list/1";
    /// [`super::PersonList`]: `person list`.
    pub const PERSON_LIST: &str = "undersigned-person-list/1";
    /// [`super::History`]: `history`.
    pub const HISTORY: &str = "undersigned-history/1";
    /// [`super::StatementList`]: `statement list`.
    pub const STATEMENT_LIST: &str = "undersigned-statement-list/1";
    /// [`super::Status`]: `status`.
    pub const STATUS: &str = "undersigned-status/1";
    /// [`super::TextDiff`]: `statement diff`.
    pub const DIFF: &str = "undersigned-diff/1";
    /// [`super::DemoOutput`]: `demo`.
    pub const DEMO: &str = "undersigned-demo/1";
    /// [`super::PublishSummary`]: `publish`.
    pub const PUBLISH: &str = "undersigned-publish/1";

    /// [`super::ManPages`]: `man`.
    pub const MAN: &str = "undersigned-man/1";
    /// [`super::CosignOutput`]: `witness cosign`.
    pub const COSIGN: &str = "undersigned-cosign/1";
    /// [`super::WitnessKeyOutput`]: `witness key`.
    pub const WITNESS_KEY: &str = "undersigned-witness-key/1";
    /// [`super::ReceiptWritten`]: `receipt`, `receipt update`.
    pub const RECEIPT_WRITTEN: &str = "undersigned-receipt-written/1";
    /// [`super::ReceiptVerdict`]: `receipt verify`.
    pub const RECEIPT_VERIFY: &str = "undersigned-receipt-verify/1";

    /// Every format above, for documentation checks.
    pub const ALL: &[&str] = &[
        REPORT,
        AUDIT,
        PUBLICATION,
        LOG,
        OUTCOME,
        INIT,
        KEY,
        PAYLOAD,
        SYNC,
        CLONE,
        HOOK,
        REQUEST_SUMMARY,
        REQUESTS,
        SIGNED,
        ERROR,
        ORG_LIST,
        PERSON_LIST,
        HISTORY,
        STATEMENT_LIST,
        STATUS,
        DIFF,
        DEMO,
        PUBLISH,
        MAN,
        COSIGN,
        WITNESS_KEY,
        RECEIPT_WRITTEN,
        RECEIPT_VERIFY,
    ];
}

pub use acts::{
    ActType, InLog, InitOutput, KeyOutput, Log, LogEntry, Outcome, PayloadOutput, Witnessed,
};
pub use audit::{
    Audit, Counts, EndorsementView, KeyView, KindCount, Publication, RevokedView, SignOnView,
    Signatory, Standings, VersionView, WithdrawalView,
};
pub use coalition::{
    CloneReport, ErrorOutput, Installed, NowStale, Republished, RequestSummary, RequestsWritten,
    SignedSummary, SyncReport, VersionArrived,
};
pub use history::{History, HistoryChange, HistoryPoint};
pub use inventory::{
    DemoOutput, DiffSegment, ManPages, OrgList, OrgSummary, PeopleStatus, PersonList,
    PersonSummary, PublishSummary, PublishedStatement, StaleOrg, StatementList, StatementSummary,
    Status, StatusCounts, TextDiff,
};
pub use rule::Rule;
pub use transparency::{Against, CosignOutput, ReceiptVerdict, ReceiptWritten, WitnessKeyOutput};
pub use verdict::{summary, Broken, Failure, Report};
