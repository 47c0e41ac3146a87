//! `history`: who joined and who left a statement's list of current endorsers between two
//! points of history.

use super::ActType;
use crate::record::Kind;
use serde::{Deserialize, Serialize};

/// A point of history: a commit (and its time), or the start before the genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// The commit, or `None` for the start of history.
    #[serde(default)]
    pub commit: Option<String>,
    /// Its committer time, seconds since the epoch (the signer's clock).
    #[serde(default)]
    pub time: Option<i64>,
    /// The statement's current version there (0 before it existed).
    pub version: u32,
    /// Current endorsers there: organizations.
    pub organizations: usize,
    /// Current endorsers there: individuals.
    pub individuals: usize,
}

/// One change to the list: a signatory joined or left it, and the act that did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryChange {
    /// `joined` or `left`.
    pub change: String,
    /// The signatory (`org/…` or `person/…`).
    pub signatory: String,
    /// `org` or `person`.
    pub kind: Kind,
    /// Display name.
    pub name: String,
    /// The act: `endorse`, `withdraw`, or `statement-revise` (a new version left its
    /// endorsers endorsing an older one only).
    pub act: ActType,
    /// The version concerned (endorsed, or published).
    #[serde(default)]
    pub version: Option<u32>,
    /// The commit of the act.
    pub commit: String,
    /// Its committer time, seconds.
    pub time: i64,
}

/// `history STMT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Names this output and its version: `undersigned-history/1`.
    pub format: String,
    /// The ledger id.
    pub ledger_id: String,
    /// Statement slug.
    pub statement: String,
    /// Where the comparison starts.
    pub from: HistoryPoint,
    /// Where it ends.
    pub to: HistoryPoint,
    /// Current endorsers at `to` who were not at `from`, each with the act that put it there
    /// last.
    pub joined: Vec<HistoryChange>,
    /// Current endorsers at `from` who are not at `to`, each with the act that took it off
    /// last.
    pub left: Vec<HistoryChange>,
    /// Every change in between, in history order (a signatory may leave and come back).
    pub changes: Vec<HistoryChange>,
}
