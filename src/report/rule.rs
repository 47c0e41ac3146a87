//! The names of the rules a ledger can break. Each failure names one; `--json` writes it as the
//! kebab-case string below, and the README's rule table lists them all ([`Rule::ALL`]). The
//! table below is the one definition: the enum, its names, their meanings and the list of all
//! rules are generated from it, so a new rule cannot be left out of any of them.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $meaning:literal;)+) => {
        /// A rule of the ledger (DESIGN.md), as verification reports it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)+
        }

        impl Rule {
            /// Every rule, in the order the README's table lists them.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)+];

            /// The name `--json` writes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name,)+
                }
            }

            /// What breaking the rule means, for people (the README's table says the same).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Rule::$variant => $meaning,)+
                }
            }
        }
    };
}

rules! {
    /// The genesis is not the trusted ledger id.
    Trust = "trust", "the genesis commit is not the ledger id the verifier trusts";
    /// The history no longer contains a head verified before, or its genesis changed.
    Rewrite = "rewrite", "the history no longer contains a head verified before, or its genesis changed";
    /// A merge commit: a ledger is one line of acts.
    LinearHistory = "linear-history", "a merge commit; a ledger is one line of acts";
    /// A git object of the commit cannot be read.
    Object = "object", "a git object of the commit cannot be read";
    /// The commit's own signature: missing, malformed, ambiguous, by an unregistered or retired
    /// key, or not over the commit's bytes as stock git reads them.
    Signature = "signature", "the commit's signature is missing, malformed, ambiguous, by a key not in force in the parent, or not over the commit as stock git reads it";
    /// Author or committer is not the principal who signed the commit.
    Identity = "identity", "the commit's author or committer is not the principal who signed it";
    /// A commit dated before its parent, or a time outside what git and ssh-keygen handle.
    Time = "time", "a commit dated before its parent, or a time outside the range git and ssh-keygen handle";
    /// The genesis commit does not create exactly the ledger and its first editor.
    Genesis = "genesis", "the genesis commit does not create exactly the ledger and its first editor";
    /// A file at a path no ledger holds.
    Path = "path", "a file at a path no ledger holds";
    /// A tree entry of a kind or shape no ledger holds.
    FileMode = "file-mode", "a tree entry no ledger holds: a link, an executable, a submodule, a duplicate or misordered name, an empty directory";
    /// A file written by an earlier act was changed or removed.
    AppendOnly = "append-only", "a file written by an earlier act was changed or removed";
    /// The signer may not add this file, or the commit leaves the ledger without an editor.
    Rights = "rights", "the signer may not add this file, or the commit leaves the ledger without an editor";
    /// A record is not canonical, has a field the rules refuse, or does not match its path.
    Record = "record", "a record is not canonical, has a field the rules refuse, or does not match its path";
    /// A record is numbered out of sequence, or its time does not follow the one before it.
    Sequence = "sequence", "a record is numbered out of sequence, or its time does not follow the one before it";
    /// A record refers to something that did not exist in the parent commit.
    Reference = "reference", "a record refers to a statement, version, organization, editor or key that did not exist in the parent commit";
    /// The record's own signature does not verify over its payload.
    RecordSignature = "record-signature", "the record's own signature (the organization's, or the attesting editor's) does not verify over its payload";
    /// An endorsement committed while sign-on is closed.
    Closed = "closed", "an endorsement committed while the statement's sign-on is closed (withdrawals stay possible)";
    /// A record of a kind the ledger's format does not hold, or a format this build does not read.
    Format = "format", "ledger.json names a format this build does not read, or a record needs a newer ledger format than the ledger's";
    /// `allowed_signers` differs from what the key records imply.
    Derived = "derived", "allowed_signers differs from what the key records imply";
    /// A checkpoint that is not the log's tree head, not signed by the committing editor, or not
    /// after the one before it; a quorum statement the rules refuse.
    Checkpoint = "checkpoint", "a checkpoint whose size or root is not the log's at its parent, whose note is not signed by the committing editor's key, or that does not follow the one before it; or a quorum of witnesses that names no registered organization";
    /// A cosignature not by its witness's key, or not of the checkpoint it names.
    Cosignature = "cosignature", "a witness cosignature that is not by the key in force of the organization it names, not of the checkpoint at its path, or not in the tlog-cosignature form";
    /// Two validly signed checkpoints of one ledger that no single history can have.
    Equivocation = "equivocation", "two checkpoints of this ledger, each validly signed, that are inconsistent (the same size with different roots, or a smaller tree that is not the prefix of the larger): a split view";
    /// A push the server refuses before verifying it.
    Push = "push", "a push the server refuses before verifying it (another ref, a deletion, a forced update)";
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
