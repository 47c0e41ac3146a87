//! The verdict of verification: each broken rule, and the report of a whole pass.

use super::Rule;
use serde::{Deserialize, Serialize};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Commit where the rule is broken.
    pub commit: String,
    /// Path in that commit's tree, when one file is at fault.
    pub path: Option<String>,
    /// The rule.
    pub rule: Rule,
    /// What is wrong, for a person.
    pub reason: String,
}

/// A rule broken by one file or one part of a commit, before it is placed in history: the
/// verifier adds the commit and path, a writer turns it into a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The rule.
    pub rule: Rule,
    /// What is wrong, for a person.
    pub reason: String,
}

impl Broken {
    /// A broken `rule`, with why.
    pub fn new(rule: Rule, reason: impl Into<String>) -> Broken {
        Broken {
            rule,
            reason: reason.into(),
        }
    }
}

/// The outcome of verification. `--json` prints this; its fields are a versioned contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Names this output and its version: `undersigned-report/1` ([`crate::report::formats`]).
    pub format: String,
    /// True when there are no failures.
    pub ok: bool,
    /// Genesis commit id.
    pub ledger_id: String,
    /// Head commit verified.
    pub head: String,
    /// Ledger name from `ledger.json`.
    pub name: String,
    /// Commits checked.
    pub commits: u64,
    /// Editors registered.
    pub editors: u64,
    /// Organizations registered.
    pub organizations: u64,
    /// Statements.
    pub statements: u64,
    /// Statement versions.
    pub versions: u64,
    /// Endorsement records checked (their own signatures included).
    pub endorsements: u64,
    /// Withdrawal records checked.
    pub withdrawals: u64,
    /// Whether this head was remembered for the next run (false on a read-only repository).
    pub remembered: bool,
    /// Whether the genesis matched `--trust` (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
    /// The commit an earlier run had proved, when this run replayed only what came after it
    /// (absent for a replay from genesis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<String>,
    /// Every broken rule, in history order.
    pub failures: Vec<Failure>,
}

/// A short summary of failures for one-line messages: the first few, then a count.
pub fn summary(failures: &[Failure]) -> String {
    let mut out = String::new();
    for f in failures.iter().take(5) {
        let path = f
            .path
            .as_deref()
            .map(|p| format!(" {p}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  commit {}{path}: {} ({})",
            f.commit, f.reason, f.rule
        ));
    }
    if failures.len() > 5 {
        out.push_str(&format!("\n  … and {} more", failures.len() - 5));
    }
    out
}
