//! One commit judged against its parent's state: what its tree adds, changes and removes, who
//! signed it, and every rule over the files it adds ([`crate::rules`]). Used by the pass over
//! history and by writers, which judge the commit they are about to publish the same way.
//!
//! The commit arrives read ([`super::read::CommitRead`]): its signatures already checked over
//! their bytes, its files read and decoded. What is decided here depends on the parent's state
//! and is done in history order, one commit after another; every failure gets its place in
//! that order, so a pass reports the same failures in the same order however many threads
//! read for it.

use super::checks;
use super::read::{CommitRead, Read};
use crate::ids::Principal;
use crate::layout::{self, Entry};
use crate::record::ActKind;
use crate::report::{Broken, Failure, LogEntry, Rule};
use crate::rules::{self, registry, Context, Event, File};
use crate::state::{Change, State};
use git2::Oid;
use std::collections::BTreeSet;

/// The state of a pass: the ledger replayed so far and what was found.
pub(crate) struct Verifier {
    pub(super) state: State,
    /// Failures with their position in history order.
    pub(super) failures: Vec<(u64, Failure)>,
    /// Position given to the next failure.
    next_seq: u64,
    /// The acts in order, when the caller wants them (a verdict alone does not: at 100,000
    /// acts the log is tens of megabytes).
    pub(super) log: Option<Vec<LogEntry>>,
    pub(super) endorsements: u64,
    pub(super) withdrawals: u64,
    /// Statements this run changed (the others keep their proof files).
    pub(super) changed: BTreeSet<String>,
}

/// Whether the pass goes on after a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The commit was judged; its committer time is the next commit's parent time.
    Go(i64),
    /// A git object of the commit cannot be read: history after it is not checked.
    Stop,
}

impl Verifier {
    /// A pass starting from `state` (empty for one from genesis).
    pub fn new(state: State, keep_log: bool) -> Verifier {
        Verifier {
            state,
            failures: Vec::new(),
            next_seq: 1,
            log: keep_log.then(Vec::new),
            endorsements: 0,
            withdrawals: 0,
            changed: BTreeSet::new(),
        }
    }

    pub fn fail(&mut self, commit: Oid, path: Option<&str>, broken: Broken) {
        self.next_seq += 1;
        self.failures.push((
            self.next_seq,
            Failure {
                commit: commit.to_string(),
                path: path.map(str::to_string),
                rule: broken.rule,
                reason: broken.reason,
            },
        ));
    }

    /// Judges a read commit against the state of its parent (`parent_time`: the parent's
    /// committer time; none for the genesis) and applies what it adds.
    pub fn decide(&mut self, c: CommitRead, parent_time: Option<i64>, genesis: bool) -> Next {
        let id = c.id;
        let header = match c.header {
            Ok(h) => h,
            Err(b) => {
                self.fail(id, None, b);
                return Next::Stop;
            }
        };
        let read = match c.read {
            Ok(r) => r,
            Err(e) => {
                self.fail(id, None, Broken::new(Rule::Object, format!(
                    "a git object of this commit cannot be read ({e}); history after it is not checked"
                )));
                return Next::Stop;
            }
        };
        let time = header.time;
        for b in rules::time_after_parent(parent_time, header.author_time, time) {
            self.fail(id, None, b);
        }
        let (mut files, signers_touched, signers_blob) = self.added_files(id, read);
        rules::sort_files(&mut files);
        let signer = self.check_signature(id, c.sig, genesis.then_some(files.as_slice()));
        if let Some(p) = &signer {
            let (author, committer) = (header.author_email, header.committer_email);
            for b in rules::identity(p, author.as_deref(), committer.as_deref()) {
                self.fail(id, None, b);
            }
        }
        if genesis {
            for (path, b) in registry::check_genesis_shape(&files) {
                self.fail(id, path.as_deref(), b);
            }
        }
        let ctx = Context {
            signer: signer.as_ref(),
            genesis,
            time,
        };
        let checked = rules::check_records(&self.state, &ctx, &files);
        let registry_changed = checked.registry_changed();
        let leaf = checked.leaf;
        for event in checked.events {
            match event {
                Event::Fail(path, b) => self.fail(id, path.as_deref(), b),
                Event::Sign(path, sig) => {
                    let prepared = files
                        .iter()
                        .find(|f| f.path == path)
                        .and_then(|f| f.prepared.as_ref())
                        .and_then(|p| p.signature.as_ref());
                    let found = match prepared {
                        Some(p) => checks::record(&sig, p.valid.clone()),
                        None => checks::record(&sig, sig.check()),
                    };
                    if let Some(b) = found {
                        self.fail(id, Some(&path), b);
                    }
                }
            }
        }
        let editors_before = self.state.active_editors();
        let actor = signer
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "unknown".into());
        let index = leaf.map(|_| self.state.log.size);
        for change in checked.changes {
            self.apply(change, id, time, &actor, genesis, index);
        }
        // The act's leaf, after its records (their log entries name its index).
        if let Some(leaf) = leaf {
            self.state.log.push(leaf);
        }
        if let Err(b) = registry::editors_left(editors_before, self.state.active_editors()) {
            let path = files
                .iter()
                .find(|f| {
                    matches!(
                        f.entry,
                        Entry::EditorRevocation { .. } | Entry::EditorRemoved { .. }
                    )
                })
                .map(|f| f.path.clone());
            self.fail(id, path.as_deref(), b);
        }
        let signers_touched =
            signers_touched || files.iter().any(|f| f.entry == Entry::AllowedSigners);
        if registry_changed || signers_touched {
            if let Some(b) = checks::allowed_signers(&self.state, signers_blob) {
                self.fail(id, Some(layout::ALLOWED_SIGNERS), b);
            }
        }
        Next::Go(time)
    }

    fn apply(
        &mut self,
        mut change: Change,
        commit: Oid,
        time: i64,
        actor: &str,
        genesis: bool,
        index: Option<u64>,
    ) {
        if let Some(log) = &mut self.log {
            log.extend(change.log_entry(commit, time, actor, genesis).map(|mut e| {
                e.in_log = index.map(|index| crate::report::InLog {
                    index,
                    checkpoint: None,
                    checkpoint_time: None,
                    witnessed: Vec::new(),
                });
                e
            }));
        }
        if let Change::Signatory { entry, .. } = &mut change {
            entry.log_index = index;
            match entry.kind {
                ActKind::Endorse => self.endorsements += 1,
                ActKind::Withdraw => self.withdrawals += 1,
            }
        }
        if let Some(stmt) = change.statement() {
            self.changed.insert(stmt.to_string());
        }
        self.state.apply(change, commit, time);
    }

    /// The files the commit adds, after reporting what it changes or removes (only the derived
    /// `allowed_signers` may change) and entries of a shape no ledger has. Also says whether
    /// `allowed_signers` was changed or removed, and gives its entry in the commit's tree.
    fn added_files(&mut self, id: Oid, read: Read) -> (Vec<File>, bool, Option<(Oid, i32)>) {
        for path in read.changed.iter().chain(read.removed.iter()) {
            let what = if read.removed.contains(path) {
                "removes"
            } else {
                "changes"
            };
            self.fail(
                id,
                Some(path),
                Broken::new(
                    Rule::AppendOnly,
                    format!(
                        "commit {what} a file written by an earlier act; acts may only add files"
                    ),
                ),
            );
        }
        for (path, why) in read.bad {
            self.fail(id, Some(&path), Broken::new(Rule::FileMode, why));
        }
        for path in &read.unknown {
            self.fail(
                id,
                Some(path),
                Broken::new(Rule::Path, "a ledger holds no file at this path"),
            );
        }
        (read.files, read.signers_touched, read.signers_blob)
    }

    /// Finds who signed the commit, with the keys in force in the parent (for the genesis, whose
    /// files are given: the first editor's key it names, the trust anchor that `--trust` pins),
    /// and reports the check of the signature over the commit's bytes.
    fn check_signature(
        &mut self,
        id: Oid,
        sig: Result<super::read::CommitSig, Broken>,
        genesis: Option<&[File]>,
    ) -> Option<Principal> {
        let sig = match sig {
            Ok(s) => s,
            Err(b) => {
                self.fail(id, None, b);
                return None;
            }
        };
        let found = registry::signer_of(
            &self.state,
            &sig.parsed.key_raw,
            &sig.parsed.key_fingerprint(),
            genesis,
        );
        match found {
            Ok(who) => {
                if let Some(b) = checks::commit(&who.to_string(), sig.valid) {
                    self.fail(id, None, b);
                }
                Some(who)
            }
            Err(b) => {
                self.fail(id, None, b);
                None
            }
        }
    }
}
