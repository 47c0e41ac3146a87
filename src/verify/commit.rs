//! One commit judged against its parent's state: what its tree adds, changes and removes, who
//! signed it, and every rule over the files it adds ([`crate::rules`]). Used by the pass over
//! history and by writers, which judge the commit they are about to publish the same way.

use super::checks::{Checker, Job, Pending};
use super::tree_diff::Trees;
use crate::commit_object::{self, Verdict};
use crate::error::Result;
use crate::ids::Principal;
use crate::keys::ParsedSig;
use crate::layout::{self, Entry};
use crate::record::{self, ActKind};
use crate::report::{Broken, Failure, LogEntry, Rule};
use crate::rules::{self, registry, Context, Event, File};
use crate::signed_data::{SignedData, COMMIT_NAMESPACE};
use crate::state::{Change, State};
use git2::{Commit, Oid, Repository, Tree};
use std::collections::BTreeSet;

/// The state of a pass: the ledger replayed so far, what was found, what is still to check.
pub(crate) struct Verifier<'r> {
    pub(super) repo: &'r Repository,
    pub(super) state: State,
    /// Failures with their position in history order (deferred signature checks report late).
    pub(super) failures: Vec<(u64, Failure)>,
    /// Position given to the next failure or deferred check.
    next_seq: u64,
    /// Signature and hash checks, run beside the reading.
    pub(super) checker: Checker,
    trees: Trees<'r>,
    /// The acts in order, when the caller wants them (a verdict alone does not: at 100,000
    /// acts the log is tens of megabytes).
    pub(super) log: Option<Vec<LogEntry>>,
    pub(super) endorsements: u64,
    pub(super) withdrawals: u64,
    /// Statements this run changed (the others keep their proof files).
    pub(super) changed: BTreeSet<String>,
}

impl<'r> Verifier<'r> {
    /// A pass starting from `state` (empty for one from genesis), with `jobs` threads in all.
    pub fn new(repo: &'r Repository, state: State, jobs: usize, keep_log: bool) -> Verifier<'r> {
        Verifier {
            repo,
            state,
            failures: Vec::new(),
            next_seq: 1,
            checker: Checker::new(jobs),
            trees: Trees::new(repo),
            log: keep_log.then(Vec::new),
            endorsements: 0,
            withdrawals: 0,
            changed: BTreeSet::new(),
        }
    }

    pub fn fail(&mut self, commit: Oid, path: Option<&str>, broken: Broken) {
        let seq = self.take_seq();
        self.failures.push((
            seq,
            Failure {
                commit: commit.to_string(),
                path: path.map(str::to_string),
                rule: broken.rule,
                reason: broken.reason,
            },
        ));
    }

    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Queues a check; it runs with others on every core, and a failure is reported at the
    /// place in history where it was queued.
    fn defer(&mut self, commit: Oid, path: Option<&str>, job: Job) {
        let seq = self.take_seq();
        self.checker.push(Pending {
            seq,
            commit,
            path: path.map(str::to_string),
            job,
        });
    }

    /// Judges `commit` against the state of its parent (`parent`: its tree and time; none for
    /// the genesis) and applies what it adds.
    pub fn check_commit(
        &mut self,
        commit: &Commit<'_>,
        parent: Option<(&Tree<'_>, i64)>,
        tree: &Tree<'_>,
        genesis: bool,
    ) -> Result<()> {
        let id = commit.id();
        let time = commit.time().seconds();
        let author = commit.author().when().seconds();
        for b in rules::time_after_parent(parent.map(|(_, t)| t), author, time) {
            self.fail(id, None, b);
        }
        let (mut files, signers_touched) = self.added_files(id, parent.map(|(t, _)| t), tree)?;
        rules::sort_files(&mut files);
        let signer = self.check_signature(commit, genesis.then_some(files.as_slice()));
        if let Some(p) = &signer {
            for b in rules::identity(
                p,
                commit.author().email().ok(),
                commit.committer().email().ok(),
            ) {
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
                Event::Sign(path, sig) => self.defer(id, Some(&path), Job::Record(*sig)),
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
            // Compare object ids: hashing the expected file is cheaper than inflating the blob.
            let expected = self.state.allowed_signers();
            let actual = tree
                .get_name(layout::ALLOWED_SIGNERS)
                .map(|e| (e.id(), e.filemode_raw()));
            self.defer(
                id,
                Some(layout::ALLOWED_SIGNERS),
                Job::AllowedSigners { expected, actual },
            );
        }
        Ok(())
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

    /// The files the commit adds, read with the size their kind allows, after reporting what
    /// it changes or removes (only the derived `allowed_signers` may change) and entries of a
    /// shape no ledger has. Also says whether `allowed_signers` was changed or removed.
    fn added_files(
        &mut self,
        id: Oid,
        parent: Option<&Tree<'_>>,
        tree: &Tree<'_>,
    ) -> Result<(Vec<File>, bool)> {
        let mut diff = self.trees.diff(parent, tree)?;
        let mut signers_touched = false;
        for path in diff.changed.iter().chain(diff.removed.iter()) {
            if path == layout::ALLOWED_SIGNERS {
                signers_touched = true;
                continue;
            }
            let what = if diff.removed.contains(path) {
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
        for (path, why) in std::mem::take(&mut diff.bad) {
            self.fail(id, Some(&path), Broken::new(Rule::FileMode, why));
        }
        let mut files = Vec::with_capacity(diff.added.len());
        for (path, blob) in std::mem::take(&mut diff.added) {
            match layout::classify(&path) {
                Some(entry) => {
                    let bytes = match entry {
                        // Derived: compared by blob id, never read.
                        Entry::AllowedSigners => Ok(Vec::new()),
                        Entry::VersionText { .. } => self.blob(blob, rules::fields::MAX_TEXT_BYTES),
                        Entry::Ledger
                        | Entry::Editor { .. }
                        | Entry::EditorKey { .. }
                        | Entry::EditorRevocation { .. }
                        | Entry::EditorRemoved { .. }
                        | Entry::Org { .. }
                        | Entry::OrgKey { .. }
                        | Entry::OrgRevocation { .. }
                        | Entry::VersionMeta { .. }
                        | Entry::Act { .. }
                        | Entry::Checkpoint { .. }
                        | Entry::Cosignature { .. }
                        | Entry::Quorum { .. } => self.blob(blob, record::MAX_RECORD_BYTES),
                    };
                    files.push(File {
                        path,
                        entry,
                        blob,
                        bytes,
                    });
                }
                None => self.fail(
                    id,
                    Some(&path),
                    Broken::new(Rule::Path, "a ledger holds no file at this path"),
                ),
            }
        }
        Ok((files, signers_touched))
    }

    /// Reads a blob after checking its size in the object header, so an oversized file is
    /// refused without being loaded.
    fn blob(&self, oid: Oid, max: usize) -> std::result::Result<Vec<u8>, Broken> {
        let unreadable =
            |e: git2::Error| Broken::new(Rule::Object, format!("cannot read blob {oid}: {e}"));
        let odb = self.repo.odb().map_err(unreadable)?;
        let (size, _) = odb.read_header(oid).map_err(unreadable)?;
        if size > max {
            return Err(Broken::new(
                Rule::Record,
                format!("file is {size} bytes; at most {max} are allowed"),
            ));
        }
        let object = odb.read(oid).map_err(unreadable)?;
        Ok(object.data().to_vec())
    }

    /// Finds who signed the commit, with the keys in force in the parent (for the genesis, whose
    /// files are given: the first editor's key it names, the trust anchor that `--trust` pins),
    /// and queues the check of the signature over the commit's bytes.
    fn check_signature(
        &mut self,
        commit: &Commit<'_>,
        genesis: Option<&[File]>,
    ) -> Option<Principal> {
        let id = commit.id();
        let (armor, signed) = match signed_parts(self.repo, id) {
            Ok(parts) => parts,
            Err(b) => {
                self.fail(id, None, b);
                return None;
            }
        };
        let parsed = match ParsedSig::parse(&armor, COMMIT_NAMESPACE) {
            Ok(p) => p,
            Err(e) => {
                self.fail(
                    id,
                    None,
                    Broken::new(Rule::Signature, format!("commit signature: {e}")),
                );
                return None;
            }
        };
        match registry::signer_of(
            &self.state,
            &parsed.key_raw,
            &parsed.key_fingerprint(),
            genesis,
        ) {
            Ok(who) => {
                let sig = SignedData {
                    sig: parsed,
                    bytes: signed,
                    signer: who.to_string(),
                };
                self.defer(id, None, Job::Commit(sig));
                Some(who)
            }
            Err(b) => {
                self.fail(id, None, b);
                None
            }
        }
    }
}

/// The commit's signature and the bytes it covers as stock git reads them (never libgit2's
/// `extract_signature`, which also scans the message: see [`crate::commit_object`]), or why
/// there is none to check.
fn signed_parts(repo: &Repository, id: Oid) -> std::result::Result<(Vec<u8>, Vec<u8>), Broken> {
    match commit_object::read_object(repo, id) {
        Ok(Verdict::Signed(signed)) => Ok((signed.armor().to_vec(), signed.payload)),
        Ok(Verdict::Unsigned) => Err(Broken::new(
            Rule::Signature,
            "commit is not signed (no gpgsig header); every act must be signed by a registered key",
        )),
        Ok(Verdict::Refused(why)) => Err(Broken::new(Rule::Signature, why.to_string())),
        Err(e) => Err(Broken::new(
            Rule::Object,
            format!("commit object cannot be read: {e}"),
        )),
    }
}
