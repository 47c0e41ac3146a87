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
mod rule;
mod verdict;

pub use acts::{ActType, InitOutput, KeyOutput, LogEntry, Outcome, PayloadOutput};
pub use audit::{
    Audit, EndorsementView, KeyView, Publication, RevokedView, Signatory, VersionView,
    WithdrawalView,
};
pub use coalition::{
    CloneReport, ErrorOutput, Installed, RequestSummary, SignedSummary, SyncReport,
};
pub use rule::Rule;
pub use verdict::{summary, Broken, Failure, Report};
