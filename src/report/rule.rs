//! The names of the rules a ledger can break. Each failure names one; `--json` writes it as the
//! kebab-case string below, and the README's rule table lists them all ([`Rule::ALL`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A rule of the ledger (DESIGN.md), as verification reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Rule {
    /// The genesis is not the trusted ledger id (`--trust`).
    Trust,
    /// The history no longer contains a head verified before, or its genesis changed.
    Rewrite,
    /// A merge commit: a ledger is one line of acts.
    LinearHistory,
    /// A git object of the commit cannot be read.
    Object,
    /// The commit's own signature: missing, malformed, by an unregistered or retired key, or
    /// not over the commit's bytes as stock git reads them.
    Signature,
    /// Author or committer is not the principal who signed the commit.
    Identity,
    /// A commit dated before its parent, or a time outside what git and ssh-keygen handle.
    Time,
    /// The genesis commit does not create exactly the ledger and its first editor.
    Genesis,
    /// A file at a path no ledger holds.
    Path,
    /// A tree entry of a kind or shape no ledger holds (links, executables, submodules,
    /// duplicate or misordered names, empty directories).
    FileMode,
    /// A file written by an earlier act was changed or removed.
    AppendOnly,
    /// The signer may not add this file (an organization writing another's records, or
    /// registering keys and texts; a ledger left without an editor).
    Rights,
    /// A record is not canonical, has a field the rules refuse, or does not match its path.
    Record,
    /// A record is numbered out of sequence, or its time does not follow the one before it.
    Sequence,
    /// A record refers to a statement, version, organization, editor or key that did not exist
    /// in the parent commit.
    Reference,
    /// The record's own signature (the organization's, or the attesting editor's) does not
    /// verify over its payload.
    RecordSignature,
    /// `allowed_signers` differs from what the key records imply.
    Derived,
    /// A push to the server was refused before verification (another branch, a tag, a
    /// deletion, a forced update).
    Push,
}

impl Rule {
    /// Every rule, in the order the README's table lists them.
    pub const ALL: &'static [Rule] = &[
        Rule::Trust,
        Rule::Rewrite,
        Rule::LinearHistory,
        Rule::Object,
        Rule::Signature,
        Rule::Identity,
        Rule::Time,
        Rule::Genesis,
        Rule::Path,
        Rule::FileMode,
        Rule::AppendOnly,
        Rule::Rights,
        Rule::Record,
        Rule::Sequence,
        Rule::Reference,
        Rule::RecordSignature,
        Rule::Derived,
        Rule::Push,
    ];

    /// The name `--json` writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Trust => "trust",
            Rule::Rewrite => "rewrite",
            Rule::LinearHistory => "linear-history",
            Rule::Object => "object",
            Rule::Signature => "signature",
            Rule::Identity => "identity",
            Rule::Time => "time",
            Rule::Genesis => "genesis",
            Rule::Path => "path",
            Rule::FileMode => "file-mode",
            Rule::AppendOnly => "append-only",
            Rule::Rights => "rights",
            Rule::Record => "record",
            Rule::Sequence => "sequence",
            Rule::Reference => "reference",
            Rule::RecordSignature => "record-signature",
            Rule::Derived => "derived",
            Rule::Push => "push",
        }
    }

    /// What breaking the rule means, for people (the README's table says the same).
    pub fn meaning(self) -> &'static str {
        match self {
            Rule::Trust => "the genesis commit is not the ledger id given with --trust",
            Rule::Rewrite => "the history no longer contains a head verified before, or its genesis changed",
            Rule::LinearHistory => "a merge commit; a ledger is one line of acts",
            Rule::Object => "a git object of the commit cannot be read",
            Rule::Signature => "the commit's signature is missing, malformed, by a key not in force in the parent, or not over the commit as stock git reads it",
            Rule::Identity => "the commit's author or committer is not the principal who signed it",
            Rule::Time => "a commit dated before its parent, or a time outside the range git and ssh-keygen handle",
            Rule::Genesis => "the genesis commit does not create exactly the ledger and its first editor",
            Rule::Path => "a file at a path no ledger holds",
            Rule::FileMode => "a tree entry no ledger holds: a link, an executable, a submodule, a duplicate or misordered name, an empty directory",
            Rule::AppendOnly => "a file written by an earlier act was changed or removed",
            Rule::Rights => "the signer may not add this file, or the commit leaves the ledger without an editor",
            Rule::Record => "a record is not canonical, has a field the rules refuse, or does not match its path",
            Rule::Sequence => "a record is numbered out of sequence, or its time does not follow the one before it",
            Rule::Reference => "a record refers to something that did not exist in the parent commit",
            Rule::RecordSignature => "the record's own signature does not verify over its payload",
            Rule::Derived => "allowed_signers differs from what the key records imply",
            Rule::Push => "a push the server refuses before verifying it (another ref, a deletion, a forced update)",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_json_strings_and_all_are_listed() {
        for r in Rule::ALL {
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), *r);
            assert!(!r.meaning().is_empty());
        }
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
    }
}
