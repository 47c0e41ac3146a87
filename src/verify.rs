//! One pass over a ledger's history, from genesis to head, that rebuilds its [`State`] and
//! checks every rule of DESIGN.md: each commit signed by a key in force in its parent, each
//! added file within the signer's rights, nothing earlier changed or removed, every record
//! well-formed and its own signature valid, every reference pointing at something that existed
//! in the parent, and the derived `allowed_signers` equal to what the key records imply.
//!
//! Verification never prints and never exits: it returns a [`Report`] whose failures name the
//! commit, the path and the rule, so that a library user and the CLI tell the same story.

use crate::commit_object::{self, Verdict};
use crate::error::Result;
use crate::ids::{check_line, Principal, Role};
use crate::keys::{ParsedSig, PublicKeyInfo, SigError};
use crate::layout::{self, Entry};
use crate::policy;
use crate::record::{
    self, ActKind, ActRecord, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, Provenance,
    RemovalRecord, RevocationRecord, VersionRecord,
};
use crate::signed_data::{act_payload, ACT_NAMESPACE, COMMIT_NAMESPACE};
use crate::state::{ActEntry, KeyEntry, PrincipalEntry, Revocation, State, VersionEntry};
use crate::store::Store;
use git2::{Commit, Oid, Repository, Tree};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

mod checks;
mod tree_diff;
use checks::{Checker, Job, Pending};
use tree_diff::Trees;

/// Largest statement text accepted, in bytes (a long statement is tens of kilobytes).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Longest title.
pub const MAX_TITLE: usize = 300;
/// Longest display name.
pub const MAX_NAME: usize = 200;
/// Longest revision note or withdrawal reason.
pub const MAX_NOTE: usize = 1000;

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The ledger id (genesis commit) the verifier trusts; another genesis is a failure.
    pub trust: Option<Oid>,
    /// Check against the head remembered in the git directory ([`crate::pin`]), so that a
    /// rewritten history fails.
    pub pin: bool,
    /// On success, remember this head (best effort: a read-only repository still verifies).
    pub remember: bool,
    /// Start from the state an earlier run proved for a commit of this history and replay only
    /// what came after it ([`crate::cache`]). The failures are those of a full run: a state is
    /// only kept for a history that had none.
    pub incremental: bool,
    /// On success, keep the state at this head for later incremental runs.
    pub prove: bool,
    /// Threads in all, the one reading history included; 0 uses one per core.
    pub jobs: usize,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Commit where the rule is broken.
    pub commit: String,
    /// Path in that commit's tree, when one file is at fault.
    pub path: Option<String>,
    /// Short name of the rule (`signature`, `rights`, `append-only`, …).
    pub rule: &'static str,
    /// What is wrong, for a person.
    pub reason: String,
}

/// The outcome of verification. `--json` prints this; its fields are a versioned contract.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
    /// The commit an earlier run had proved, when this run replayed only what came after it
    /// (absent for a replay from genesis).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<String>,
    /// Every broken rule, in history order.
    pub failures: Vec<Failure>,
}

/// One act, for `log`, derived from trees (never from commit messages).
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Commit id.
    pub commit: String,
    /// Committer time, seconds since the epoch (asserted by the signer).
    pub time: i64,
    /// Who signed the commit.
    pub actor: String,
    /// `init`, `editor-add`, `org-add`, `key-add`, `statement-new`, `statement-revise`,
    /// `endorse`, `withdraw`.
    pub act: &'static str,
    /// Statement concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Version concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Organization or editor concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `signed` or `attested` for endorsements and withdrawals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<&'static str>,
}

/// Everything one pass produces.
pub struct Replay {
    /// The ledger at the head.
    pub state: State,
    /// The verdict.
    pub report: Report,
    /// The acts in order.
    pub log: Vec<LogEntry>,
}

/// Verifies the ledger's whole history.
pub fn verify(store: &Store, opts: &VerifyOptions) -> Result<Report> {
    verify_at(store, branch_head(store)?, opts)
}

/// Walks the history from genesis to head, rebuilding the state and checking every rule.
pub fn replay(store: &Store, opts: &VerifyOptions) -> Result<Replay> {
    replay_at(store, branch_head(store)?, opts)
}

fn branch_head(store: &Store) -> Result<Oid> {
    store.head()?.ok_or_else(|| crate::Error::NotALedger {
        path: store.dir().to_path_buf(),
        why: "no commits on branch main".into(),
    })
}

/// Verifies the history that ends at `head`, which need not be the branch: what a fetch
/// brought in, or a push a server is asked to accept, is checked before any branch moves.
///
/// Only the verdict is wanted, so a run that resumes from a proof loads only the statements
/// the new commits touch: one act costs one statement's state, not the ledger's.
pub fn verify_at(store: &Store, head: Oid, opts: &VerifyOptions) -> Result<Report> {
    let report = run(store, head, opts, false)?.report;
    if !report.ok && report.resumed_from.is_some() {
        // A malformed commit can touch a statement in ways the partial load does not foresee
        // (a duplicated directory entry, say): judge a failing history again with every
        // statement loaded, so its failures are exactly those of a full run.
        return Ok(run(store, head, opts, true)?.report);
    }
    Ok(report)
}

/// [`replay`] of the history that ends at `head`.
pub fn replay_at(store: &Store, head: Oid, opts: &VerifyOptions) -> Result<Replay> {
    run(store, head, opts, true)
}

fn run(store: &Store, head: Oid, opts: &VerifyOptions, whole_state: bool) -> Result<Replay> {
    let repo = store.repo();
    let mut v = Verifier {
        repo,
        state: State::default(),
        failures: Vec::new(),
        next_seq: 1,
        checker: Checker::new(opts.jobs),
        trees: Trees::new(repo),
        log: Vec::new(),
        keep_log: whole_state,
        endorsements: 0,
        withdrawals: 0,
        changed: BTreeSet::new(),
    };

    // Where to start: genesis, or the last commit an earlier run proved on this history.
    let proved = if opts.incremental {
        crate::cache::find(store, head, usize::MAX)
    } else {
        None
    };
    let mut earlier = 0u64;
    // Statements of the proof, loaded or not (their files are kept for the next proof).
    let mut files = BTreeMap::new();
    let (start, todo) = match proved {
        Some((mut p, after)) if p.state.ledger_id.is_some() => {
            let start = Oid::from_str(&p.head)?;
            let which = if whole_state {
                None
            } else {
                touched_statements(repo, start, &after)
            };
            if p.load_statements(store, which.as_ref()) {
                earlier = p.commits;
                v.endorsements = p.endorsements;
                v.withdrawals = p.withdrawals;
                v.state = p.state;
                files = p.statements;
                (Some(start), after)
            } else {
                (None, Vec::new())
            }
        }
        _ => (None, Vec::new()),
    };
    // The chain from head back to the start, following first parents; merges are reported,
    // not walked.
    let mut chain = Vec::new();
    let mut next = match start {
        Some(_) if todo.is_empty() => None,
        _ => Some(head),
    };
    while let Some(id) = next {
        if Some(id) == start {
            break;
        }
        let commit = repo.find_commit(id)?;
        if commit.parent_count() > 1 {
            v.fail(id, None, "linear-history", format!(
                "merge commit with {} parents; a ledger is a single line of acts (rebase instead of merging)",
                commit.parent_count()
            ));
        }
        chain.push(id);
        next = commit.parent_id(0).ok();
    }
    chain.reverse();
    let genesis = match (start, v.state.ledger_id) {
        (Some(_), Some(g)) => g,
        _ => *chain
            .first()
            .ok_or_else(|| crate::Error::Refused("empty history".into()))?,
    };
    v.state.ledger_id = Some(genesis);
    let mut trusted = None;
    if let Some(t) = opts.trust {
        trusted = Some(t == genesis);
        if t != genesis {
            v.fail(genesis, None, "trust", format!(
                "this ledger's genesis is {genesis}, not the trusted ledger id {t}; it is another ledger or a replaced history"
            ));
        }
    }
    let mut parent_tree: Option<Tree<'_>> = None;
    let mut parent_time: Option<i64> = None;
    if let Some(s) = start {
        let c = repo.find_commit(s)?;
        parent_tree = Some(c.tree()?);
        parent_time = Some(c.time().seconds());
    }
    for (i, id) in chain.iter().enumerate() {
        let i = if start.is_some() { i + 1 } else { i };
        let commit = repo.find_commit(*id)?;
        if let Some(t) = parent_time.filter(|t| commit.time().seconds() < *t) {
            v.fail(*id, None, "time", format!(
                "commit is dated {}, before its parent ({}); a ledger's times never go backwards, so allowed_signers' valid-before stays true to history",
                crate::timefmt::format_secs(commit.time().seconds()),
                crate::timefmt::format_secs(t)
            ));
        }
        parent_time = Some(commit.time().seconds());
        let checked = commit.tree().and_then(|tree| {
            v.check_commit(&commit, parent_tree.as_ref(), &tree, i == 0)
                .map_err(|e| match e {
                    crate::Error::Git(g) => g,
                    other => git2::Error::from_str(&other.to_string()),
                })?;
            Ok(tree)
        });
        match checked {
            Ok(tree) => parent_tree = Some(tree),
            Err(e) => {
                v.fail(*id, None, "object", format!(
                    "a git object of this commit cannot be read ({e}); history after it is not checked"
                ));
                break;
            }
        }
    }

    let found = v.checker.finish();
    v.failures.extend(found);
    v.failures.sort_by_key(|(seq, _)| *seq);
    if opts.pin {
        if let Some(pin) = crate::pin::read(store) {
            if let Some(f) = crate::pin::check(store, &pin, genesis, head) {
                v.failures.insert(0, (0, f));
            }
        }
    }
    let mut remembered = false;
    if opts.remember && v.failures.is_empty() {
        remembered = crate::pin::remember(store, genesis, head).is_ok();
    }
    let commits = earlier + chain.len() as u64;
    if opts.prove && v.failures.is_empty() && !chain.is_empty() {
        crate::cache::save(
            store,
            head,
            commits,
            v.endorsements,
            v.withdrawals,
            &mut v.state,
            &files,
            &v.changed,
        );
    }
    let s = &v.state;
    let unloaded = || {
        files
            .iter()
            .filter(|(id, _)| !s.statements.contains_key(*id))
    };
    let report = Report {
        ok: v.failures.is_empty(),
        ledger_id: genesis.to_string(),
        head: head.to_string(),
        name: s.name.clone(),
        commits,
        editors: s.editors.len() as u64,
        organizations: s.orgs.len() as u64,
        statements: (s.statements.len() + unloaded().count()) as u64,
        versions: s
            .statements
            .values()
            .map(|st| st.versions.len() as u64)
            .chain(unloaded().map(|(_, f)| f.versions))
            .sum(),
        endorsements: v.endorsements,
        withdrawals: v.withdrawals,
        trusted,
        remembered,
        resumed_from: start.map(|s| s.to_string()),
        failures: v.failures.into_iter().map(|(_, f)| f).collect(),
    };
    Ok(Replay {
        state: v.state,
        report,
        log: v.log,
    })
}

struct Verifier<'r> {
    repo: &'r Repository,
    state: State,
    /// Failures with their position in history order (deferred signature checks report late).
    failures: Vec<(u64, Failure)>,
    /// Position given to the next failure or deferred check.
    next_seq: u64,
    /// Signature and hash checks, run beside the reading.
    checker: Checker,
    trees: Trees<'r>,
    log: Vec<LogEntry>,
    /// Whether the caller wants the log (a verdict alone does not: at 100,000 acts it is
    /// tens of megabytes).
    keep_log: bool,
    endorsements: u64,
    withdrawals: u64,
    /// Statements this run changed (the others keep their proof files).
    changed: BTreeSet<String>,
}

/// A file a commit adds, with what it is.
struct Added {
    path: String,
    entry: Entry,
    blob: Oid,
}

/// A checked change, applied to the state once the whole commit has been checked (so that
/// everything in a commit is judged by its parent's state).
enum Change {
    Ledger(LedgerRecord),
    Principal {
        who: Principal,
        entry: PrincipalEntry,
    },
    Key {
        who: Principal,
        key: KeyEntry,
    },
    Revoke {
        who: Principal,
        seq: u32,
        reason: String,
        by: String,
    },
    Remove {
        id: String,
        reason: String,
    },
    Version {
        stmt: String,
        entry: VersionEntry,
    },
    Act {
        stmt: String,
        org: String,
        entry: ActEntry,
        /// The record's own signature check, queued by the caller.
        job: Option<Box<Job>>,
    },
}

type Broken = (&'static str, String);

impl<'r> Verifier<'r> {
    fn fail(&mut self, commit: Oid, path: Option<&str>, rule: &'static str, reason: String) {
        let seq = self.take_seq();
        self.failures.push((
            seq,
            Failure {
                commit: commit.to_string(),
                path: path.map(str::to_string),
                rule,
                reason,
            },
        ));
    }

    fn take_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Queues a signature check; it runs with others on every core (see [`Verifier::flush`]),
    /// and a failure is reported at the place in history where it was queued.
    fn defer(&mut self, commit: Oid, path: Option<&str>, job: Job) {
        let seq = self.take_seq();
        self.checker.push(Pending {
            seq,
            commit,
            path: path.map(str::to_string),
            job,
        });
    }

    fn check_commit(
        &mut self,
        commit: &Commit<'_>,
        parent: Option<&Tree<'_>>,
        tree: &Tree<'_>,
        genesis: bool,
    ) -> Result<()> {
        let id = commit.id();
        let mut diff = self.trees.diff(parent, tree)?;

        for path in diff.changed.iter().chain(diff.removed.iter()) {
            if path != layout::ALLOWED_SIGNERS {
                let what = if diff.removed.contains(path) {
                    "removes"
                } else {
                    "changes"
                };
                self.fail(
                    id,
                    Some(path),
                    "append-only",
                    format!(
                        "commit {what} a file written by an earlier act; acts may only add files"
                    ),
                );
            }
        }
        for (path, why) in std::mem::take(&mut diff.bad) {
            self.fail(id, Some(&path), "file-mode", why);
        }
        let mut added = Vec::new();
        for (path, blob) in std::mem::take(&mut diff.added) {
            match layout::classify(&path) {
                Some(entry) => added.push(Added { path, entry, blob }),
                None => self.fail(
                    id,
                    Some(&path),
                    "path",
                    "a ledger holds no file at this path".into(),
                ),
            }
        }
        added.sort_by_key(|a| order(&a.entry));

        let signer = self.check_signature(commit, genesis, &added);
        if let Some(p) = &signer {
            let email = p.email();
            for (role, who) in [
                ("author", commit.author()),
                ("committer", commit.committer()),
            ] {
                if who.email() != Ok(email.as_str()) {
                    self.fail(
                        id,
                        None,
                        "identity",
                        format!(
                            "{role} is <{}> but the commit is signed by {p} (<{email}>)",
                            who.email().unwrap_or("?")
                        ),
                    );
                }
            }
        }
        if genesis {
            self.check_genesis_shape(id, &added);
        }

        let mut changes = Vec::new();
        let mut new_principals = HashSet::new();
        let mut new_keys = HashSet::new();
        let texts: BTreeMap<(String, u32), Oid> = added
            .iter()
            .filter_map(|a| match &a.entry {
                Entry::VersionText { stmt, n } => Some(((stmt.clone(), *n), a.blob)),
                _ => None,
            })
            .collect();
        let mut metas = HashSet::new();
        let mut registry_changed = false;
        for a in &added {
            if let Some(p) = &signer {
                if let Some(why) = policy::refuse_add(&a.entry, p, genesis) {
                    self.fail(id, Some(&a.path), "rights", why);
                    continue;
                }
            }
            let result = match &a.entry {
                Entry::Ledger => self.check_ledger(a),
                Entry::AllowedSigners | Entry::VersionText { .. } => continue,
                Entry::Editor { id: eid } => self.check_principal(
                    a,
                    Principal::editor(eid),
                    signer.as_ref(),
                    genesis,
                    &mut new_principals,
                ),
                Entry::Org { id: oid } => self.check_principal(
                    a,
                    Principal::org(oid),
                    signer.as_ref(),
                    genesis,
                    &mut new_principals,
                ),
                Entry::EditorKey { id: eid, seq } => self.check_key(
                    a,
                    Principal::editor(eid),
                    *seq,
                    signer.as_ref(),
                    &new_principals,
                    &mut new_keys,
                ),
                Entry::OrgKey { id: oid, seq } => self.check_key(
                    a,
                    Principal::org(oid),
                    *seq,
                    signer.as_ref(),
                    &new_principals,
                    &mut new_keys,
                ),
                Entry::EditorRevocation { id: eid, seq } => {
                    self.check_revocation(a, Principal::editor(eid), *seq, signer.as_ref())
                }
                Entry::OrgRevocation { id: oid, seq } => {
                    self.check_revocation(a, Principal::org(oid), *seq, signer.as_ref())
                }
                Entry::EditorRemoved { id: eid } => self.check_removal(a, eid, signer.as_ref()),
                Entry::VersionMeta { stmt, n } => {
                    metas.insert((stmt.clone(), *n));
                    self.check_version(
                        a,
                        stmt,
                        *n,
                        texts.get(&(stmt.clone(), *n)).copied(),
                        signer.as_ref(),
                    )
                }
                Entry::Act { stmt, org, seq } => {
                    self.check_act(a, stmt, org, *seq, signer.as_ref(), id)
                }
            };
            match result {
                Ok(mut change) => {
                    if let Change::Act { job, .. } = &mut change {
                        if let Some(job) = job.take() {
                            self.defer(id, Some(&a.path), *job);
                        }
                    }
                    registry_changed |= matches!(
                        change,
                        Change::Key { .. }
                            | Change::Principal { .. }
                            | Change::Revoke { .. }
                            | Change::Remove { .. }
                    );
                    changes.push(change);
                }
                Err((rule, reason)) => self.fail(id, Some(&a.path), rule, reason),
            }
        }
        for ((stmt, n), _) in texts.iter().filter(|(k, _)| !metas.contains(*k)) {
            let path = layout::version_text(stmt, *n);
            self.fail(
                id,
                Some(&path),
                "record",
                format!(
                    "text of version {n} has no version record {} beside it",
                    layout::version_meta(stmt, *n)
                ),
            );
        }
        for who in &new_principals {
            if who.role == Role::Editor
                && !changes
                    .iter()
                    .any(|c| matches!(c, Change::Key { who: w, .. } if w == who))
            {
                let dir = layout::editor_dir(&who.id);
                self.fail(
                    id,
                    Some(&format!("{dir}/editor.json")),
                    "record",
                    format!(
                        "{who} is added without a key; an editor must be registered with its key"
                    ),
                );
            }
        }

        let editors_before = self.state.active_editors();
        let actor = signer
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "unknown".into());
        let time = commit.time().seconds();
        for change in changes {
            self.apply(change, id, time, &actor, genesis);
        }
        if editors_before > 0 && self.state.active_editors() == 0 {
            let path = added
                .iter()
                .find(|a| {
                    matches!(
                        a.entry,
                        Entry::EditorRevocation { .. } | Entry::EditorRemoved { .. }
                    )
                })
                .map(|a| a.path.clone());
            self.fail(
                id,
                path.as_deref(),
                "rights",
                "this commit leaves the ledger with no editor whose key is in force".into(),
            );
        }

        let signers_touched = diff
            .changed
            .iter()
            .chain(diff.removed.iter())
            .any(|p| p == layout::ALLOWED_SIGNERS)
            || added.iter().any(|a| a.entry == Entry::AllowedSigners);
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

    /// Finds who signed the commit, with the keys in force in the parent (for the genesis: the
    /// first editor's key it names, the trust anchor that `--trust` pins).
    fn check_signature(
        &mut self,
        commit: &Commit<'_>,
        genesis: bool,
        added: &[Added],
    ) -> Option<Principal> {
        let id = commit.id();
        // The signature and the bytes it covers as stock git reads them (never libgit2's
        // extract_signature, which also scans the message): see crate::commit_object.
        let signed = match commit_object::read_object(self.repo, id) {
            Ok(Verdict::Signed(signed)) => signed,
            Ok(Verdict::Unsigned) => {
                self.fail(id, None, "signature", "commit is not signed (no gpgsig header); every act must be signed by a registered key".into());
                return None;
            }
            Ok(Verdict::Refused(why)) => {
                self.fail(id, None, "signature", why.to_string());
                return None;
            }
            Err(e) => {
                self.fail(
                    id,
                    None,
                    "object",
                    format!("commit object cannot be read: {e}"),
                );
                return None;
            }
        };
        let parsed = match ParsedSig::parse(signed.armor(), COMMIT_NAMESPACE) {
            Ok(p) => p,
            Err(e) => {
                self.fail(id, None, "signature", format!("commit signature: {e}"));
                return None;
            }
        };
        let who = if genesis {
            self.genesis_key(added)
                .filter(|(_, raw)| *raw == parsed.key_raw)
                .map(|(p, _)| p)
        } else {
            match self.state.by_key.get(&parsed.key_raw) {
                Some((p, seq)) => {
                    let retired = self
                        .state
                        .principal(p)
                        .and_then(|e| e.key(*seq))
                        .and_then(|k| k.retired.map(|(c, _)| (c, k.revoked.is_some())));
                    if let Some((c, revoked)) = retired {
                        self.fail(
                            id,
                            None,
                            "signature",
                            format!(
                                "commit is signed by key {} of {p}, which was {} in commit {c}; a retired key signs nothing after it",
                                parsed.key_fingerprint(),
                                if revoked { "revoked" } else { "retired (rotated, or its editor removed)" }
                            ),
                        );
                        return None;
                    }
                    Some(p.clone())
                }
                None => None,
            }
        };
        let Some(who) = who else {
            let whose = if genesis {
                "the first editor's key named in the genesis"
            } else {
                "a key registered in the parent commit"
            };
            self.fail(
                id,
                None,
                "signature",
                format!(
                    "commit is signed by key {}, which is not {whose}",
                    parsed.key_fingerprint()
                ),
            );
            return None;
        };
        self.defer(
            id,
            None,
            Job::Commit {
                parsed,
                signed: signed.payload,
                who: who.to_string(),
            },
        );
        Some(who)
    }

    fn genesis_key(&self, added: &[Added]) -> Option<(Principal, [u8; 32])> {
        added.iter().find_map(|a| match &a.entry {
            Entry::EditorKey { id, seq: 1 } => {
                let bytes = self.blob(a.blob, record::MAX_RECORD_BYTES).ok()?;
                let rec: KeyRecord = record::decode(bytes.content()).ok()?;
                let key = PublicKeyInfo::parse_line(&rec.public_key, &a.path).ok()?;
                Some((Principal::editor(id), key.raw))
            }
            _ => None,
        })
    }

    fn check_genesis_shape(&mut self, id: Oid, added: &[Added]) {
        let count = |f: fn(&Entry) -> bool| added.iter().filter(|a| f(&a.entry)).count();
        if count(|e| matches!(e, Entry::Ledger)) != 1 {
            self.fail(
                id,
                Some(layout::LEDGER_FILE),
                "genesis",
                "the genesis commit must add ledger.json".into(),
            );
        }
        if count(|e| matches!(e, Entry::Editor { .. })) != 1 {
            self.fail(
                id,
                None,
                "genesis",
                "the genesis commit must name exactly one first editor".into(),
            );
        }
        for a in added {
            if !matches!(
                a.entry,
                Entry::Ledger
                    | Entry::Editor { .. }
                    | Entry::EditorKey { .. }
                    | Entry::AllowedSigners
            ) {
                self.fail(
                    id,
                    Some(&a.path),
                    "genesis",
                    "the genesis commit may only create the ledger and its first editor".into(),
                );
            }
        }
    }

    /// Reads a blob after checking its size in the object header, so an oversized file is
    /// refused without being loaded.
    fn blob(&self, oid: Oid, max: usize) -> std::result::Result<git2::Blob<'r>, Broken> {
        let unreadable = |e: git2::Error| ("record", format!("cannot read blob {oid}: {e}"));
        let (size, _) = self
            .repo
            .odb()
            .and_then(|o| o.read_header(oid))
            .map_err(unreadable)?;
        if size > max {
            return Err((
                "record",
                format!("file is {size} bytes; at most {max} are allowed"),
            ));
        }
        self.repo.find_blob(oid).map_err(unreadable)
    }

    fn decode<T: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        a: &Added,
    ) -> std::result::Result<T, Broken> {
        let blob = self.blob(a.blob, record::MAX_RECORD_BYTES)?;
        record::decode(blob.content()).map_err(|e| ("record", e))
    }

    fn check_ledger(&self, a: &Added) -> std::result::Result<Change, Broken> {
        let rec: LedgerRecord = self.decode(a)?;
        if rec.format != record::FORMAT {
            return Err((
                "record",
                format!(
                    "ledger format {} is not supported by this build (format {})",
                    rec.format,
                    record::FORMAT
                ),
            ));
        }
        check_line("name", &rec.name, MAX_NAME).map_err(|e| ("record", e.to_string()))?;
        time_field("created_at", &rec.created_at)?;
        Ok(Change::Ledger(rec))
    }

    fn check_principal(
        &self,
        a: &Added,
        who: Principal,
        signer: Option<&Principal>,
        genesis: bool,
        new: &mut HashSet<Principal>,
    ) -> std::result::Result<Change, Broken> {
        if self.state.principal(&who).is_some() || new.contains(&who) {
            return Err(("append-only", format!("{who} is already registered")));
        }
        let (name, url, country, added_by, added_at, rid) = match who.role {
            Role::Editor => {
                let r: EditorRecord = self.decode(a)?;
                (r.name, None, None, r.added_by, r.added_at, r.id)
            }
            Role::Org => {
                let r: OrgRecord = self.decode(a)?;
                if let Some(u) = &r.url {
                    check_url(u)?;
                }
                if let Some(c) = &r.country {
                    check_country(c)?;
                }
                (r.name, r.url, r.country, Some(r.added_by), r.added_at, r.id)
            }
        };
        if rid != who.id {
            return Err((
                "record",
                format!("record names id {rid:?} but lies at the path of {who}"),
            ));
        }
        check_line("name", &name, MAX_NAME).map_err(|e| ("record", e.to_string()))?;
        time_field("added_at", &added_at)?;
        let expected_by = if genesis && who.role == Role::Editor {
            None
        } else {
            signer.map(|s| s.to_string())
        };
        if signer.is_some() && added_by != expected_by {
            return Err((
                "record",
                format!(
                    "added_by is {:?} but the commit is signed by {}",
                    added_by.as_deref().unwrap_or("(none)"),
                    signer.map(|s| s.to_string()).unwrap_or_default()
                ),
            ));
        }
        new.insert(who.clone());
        Ok(Change::Principal {
            who,
            entry: PrincipalEntry {
                name,
                url,
                country,
                keys: Vec::new(),
                commit: Oid::ZERO_SHA1,
                removed: None,
            },
        })
    }

    fn check_key(
        &self,
        a: &Added,
        who: Principal,
        seq: u32,
        signer: Option<&Principal>,
        new_principals: &HashSet<Principal>,
        new_keys: &mut HashSet<[u8; 32]>,
    ) -> std::result::Result<Change, Broken> {
        let (existing, in_force) = match self.state.principal(&who) {
            Some(p) => (p.keys.len() as u32, p.current_key().is_some()),
            None if new_principals.contains(&who) => (0, false),
            None => return Err(("reference", format!("{who} is not registered"))),
        };
        if self
            .state
            .principal(&who)
            .is_some_and(|p| p.removed.is_some())
        {
            return Err(("rights", format!("{who} was removed; it gets no new key")));
        }
        if seq != existing + 1 {
            return Err((
                "sequence",
                format!("key number {seq}, expected {}", existing + 1),
            ));
        }
        // A principal rotates its own key with the key in force; editors register first keys,
        // re-key a principal whose key was revoked, and rotate a lost key on its behalf.
        if let Some(s) = signer {
            if s.role == Role::Org && (*s != who || !in_force) {
                return Err((
                    "rights",
                    format!("{s} may rotate only its own key, signed with its key in force"),
                ));
            }
        }
        let r: KeyRecord = self.decode(a)?;
        if r.principal != who.to_string() || r.seq != seq {
            return Err((
                "record",
                format!(
                    "record is for {} key {}, but lies at the path of {who} key {seq}",
                    r.principal, r.seq
                ),
            ));
        }
        let key = PublicKeyInfo::parse_line(&r.public_key, &a.path)
            .map_err(|e| ("record", e.to_string()))?;
        if key.openssh != r.public_key || key.fingerprint != r.fingerprint {
            return Err((
                "record",
                "public_key is not in canonical form or fingerprint does not match it".into(),
            ));
        }
        if let Some(s) = signer {
            if r.added_by != s.to_string() {
                return Err((
                    "record",
                    format!(
                        "added_by is {:?} but the commit is signed by {s}",
                        r.added_by
                    ),
                ));
            }
        }
        time_field("added_at", &r.added_at)?;
        if let Some(reason) = &r.reason {
            check_line("reason", reason, MAX_NOTE).map_err(|e| ("record", e.to_string()))?;
        }
        let on_behalf = signer.is_some_and(|s| s.role == Role::Editor && *s != who);
        if on_behalf && in_force && r.reason.is_none() {
            return Err((
                "record",
                format!("an editor replacing the key in force of {who} must give a reason"),
            ));
        }
        if let Some((holder, _)) = self.state.by_key.get(&key.raw) {
            return Err((
                "record",
                format!(
                    "key {} is already registered to {holder}; one key belongs to one principal, forever",
                    key.fingerprint
                ),
            ));
        }
        if !new_keys.insert(key.raw) {
            return Err((
                "record",
                format!("key {} is registered twice in this commit", key.fingerprint),
            ));
        }
        Ok(Change::Key {
            who,
            key: KeyEntry {
                seq,
                key,
                added_by: r.added_by,
                reason: r.reason,
                retired: None,
                revoked: None,
                commit: Oid::ZERO_SHA1,
            },
        })
    }

    fn check_revocation(
        &self,
        a: &Added,
        who: Principal,
        seq: u32,
        signer: Option<&Principal>,
    ) -> std::result::Result<Change, Broken> {
        let entry = self.state.principal(&who).ok_or_else(|| {
            (
                "reference",
                format!("{who} is not registered in the parent commit"),
            )
        })?;
        let key = entry.key(seq).ok_or_else(|| {
            (
                "reference",
                format!("{who} has no key number {seq} in the parent commit"),
            )
        })?;
        if key.revoked.is_some() {
            return Err((
                "append-only",
                format!("key {seq} of {who} is already revoked"),
            ));
        }
        if let Some(s) = signer {
            if s.role == Role::Org && *s != who {
                return Err(("rights", format!("{s} may revoke only its own keys")));
            }
        }
        let r: RevocationRecord = self.decode(a)?;
        if r.principal != who.to_string() || r.seq != seq {
            return Err((
                "record",
                format!(
                    "record revokes {} key {}, but lies at the path of {who} key {seq}",
                    r.principal, r.seq
                ),
            ));
        }
        if r.fingerprint != key.key.fingerprint {
            return Err((
                "record",
                format!(
                    "fingerprint {} is not that of {who} key {seq} ({})",
                    r.fingerprint, key.key.fingerprint
                ),
            ));
        }
        check_line("reason", &r.reason, MAX_NOTE).map_err(|e| ("record", e.to_string()))?;
        time_field("revoked_at", &r.revoked_at)?;
        if let Some(s) = signer {
            if r.revoked_by != s.to_string() {
                return Err((
                    "record",
                    format!(
                        "revoked_by is {:?} but the commit is signed by {s}",
                        r.revoked_by
                    ),
                ));
            }
        }
        Ok(Change::Revoke {
            who,
            seq,
            reason: r.reason,
            by: r.revoked_by,
        })
    }

    fn check_removal(
        &self,
        a: &Added,
        id: &str,
        signer: Option<&Principal>,
    ) -> std::result::Result<Change, Broken> {
        let entry = self.state.editors.get(id).ok_or_else(|| {
            (
                "reference",
                format!("editor/{id} is not registered in the parent commit"),
            )
        })?;
        if entry.removed.is_some() {
            return Err(("append-only", format!("editor/{id} is already removed")));
        }
        let r: RemovalRecord = self.decode(a)?;
        if r.editor != id {
            return Err((
                "record",
                format!(
                    "record removes editor {:?}, but lies at the path of editor/{id}",
                    r.editor
                ),
            ));
        }
        check_line("reason", &r.reason, MAX_NOTE).map_err(|e| ("record", e.to_string()))?;
        time_field("removed_at", &r.removed_at)?;
        if let Some(s) = signer {
            if r.removed_by != s.to_string() {
                return Err((
                    "record",
                    format!(
                        "removed_by is {:?} but the commit is signed by {s}",
                        r.removed_by
                    ),
                ));
            }
        }
        Ok(Change::Remove {
            id: id.to_string(),
            reason: r.reason,
        })
    }

    fn check_version(
        &self,
        a: &Added,
        stmt: &str,
        n: u32,
        text: Option<Oid>,
        signer: Option<&Principal>,
    ) -> std::result::Result<Change, Broken> {
        let existing = self
            .state
            .statements
            .get(stmt)
            .map(|s| s.versions.len() as u32)
            .unwrap_or(0);
        if n != existing + 1 {
            return Err((
                "sequence",
                format!(
                    "version {n} of statement {stmt}, expected version {}",
                    existing + 1
                ),
            ));
        }
        let Some(text) = text else {
            return Err((
                "record",
                format!(
                    "version record without its text {}",
                    layout::version_text(stmt, n)
                ),
            ));
        };
        let r: VersionRecord = self.decode(a)?;
        if r.statement != stmt || r.version != n {
            return Err((
                "record",
                format!(
                    "record is for {} version {}, but lies at the path of {stmt} version {n}",
                    r.statement, r.version
                ),
            ));
        }
        let blob = self.blob(text, MAX_TEXT_BYTES)?;
        check_text(blob.content()).map_err(|why| {
            (
                "record",
                format!("{}: {why}", layout::version_text(stmt, n)),
            )
        })?;
        let sha = record::sha256_hex(blob.content());
        if r.text_sha256 != sha {
            return Err((
                "record",
                format!(
                    "text_sha256 is {} but the text's sha256 is {sha}",
                    r.text_sha256
                ),
            ));
        }
        if let Some(prev) = self.state.statements.get(stmt).and_then(|s| s.current()) {
            if prev.text_sha256 == sha {
                return Err((
                    "record",
                    format!("version {n} has the same text as version {}", prev.n),
                ));
            }
        }
        check_line("title", &r.title, MAX_TITLE).map_err(|e| ("record", e.to_string()))?;
        if let Some(note) = &r.note {
            check_line("note", note, MAX_NOTE).map_err(|e| ("record", e.to_string()))?;
        }
        time_field("created_at", &r.created_at)?;
        if let Some(s) = signer {
            if Principal::editor(&r.editor) != *s {
                return Err((
                    "record",
                    format!("editor is {:?} but the commit is signed by {s}", r.editor),
                ));
            }
        }
        Ok(Change::Version {
            stmt: stmt.to_string(),
            entry: VersionEntry {
                n,
                title: r.title,
                text_sha256: sha,
                editor: r.editor,
                note: r.note,
                created_at: r.created_at,
                commit: Oid::ZERO_SHA1,
                text_blob: text,
            },
        })
    }

    fn check_act(
        &self,
        a: &Added,
        stmt: &str,
        org: &str,
        seq: u32,
        signer: Option<&Principal>,
        commit: Oid,
    ) -> std::result::Result<Change, Broken> {
        let statement = self.state.statements.get(stmt).ok_or_else(|| {
            (
                "reference",
                format!("statement {stmt} does not exist in the parent commit"),
            )
        })?;
        let org_entry = self.state.orgs.get(org).ok_or_else(|| {
            (
                "reference",
                format!("organization {org} is not registered in the parent commit"),
            )
        })?;
        let previous = statement.acts.get(org).map(Vec::as_slice).unwrap_or(&[]);
        if seq as usize != previous.len() + 1 {
            return Err((
                "sequence",
                format!(
                    "act number {seq} of org/{org} on {stmt}, expected {}",
                    previous.len() + 1
                ),
            ));
        }
        let r: ActRecord = self.decode(a)?;
        let ledger = self
            .state
            .ledger_id
            .map(|l| l.to_string())
            .unwrap_or_default();
        if r.ledger != ledger {
            return Err(("record", format!("record belongs to ledger {}, not this ledger {ledger} (replayed from another ledger)", r.ledger)));
        }
        if r.statement != stmt || r.org != org {
            return Err(("record", format!("record is by org/{} on statement {}, but lies at the path of org/{org} on {stmt}", r.org, r.statement)));
        }
        time_field("signed_at", &r.signed_at)?;
        if let Some(last) = previous.last() {
            if r.signed_at <= last.signed_at {
                return Err(("sequence", format!(
                    "signed_at {} is not after the organization's previous act on this statement ({}); an old record cannot be replayed",
                    r.signed_at, last.signed_at
                )));
            }
        }
        match r.act {
            ActKind::Endorse => {
                let (Some(v), Some(h)) = (r.version, r.text_sha256.as_ref()) else {
                    return Err((
                        "record",
                        "an endorsement must name version and text_sha256".into(),
                    ));
                };
                let ver = statement.version(v).ok_or_else(|| {
                    (
                        "reference",
                        format!("version {v} of {stmt} does not exist in the parent commit"),
                    )
                })?;
                if *h != ver.text_sha256 {
                    return Err((
                        "record",
                        format!(
                            "text_sha256 {h} is not the sha256 of version {v} of {stmt} ({})",
                            ver.text_sha256
                        ),
                    ));
                }
                if r.reason.is_some() {
                    return Err(("record", "an endorsement carries no reason".into()));
                }
            }
            ActKind::Withdraw => {
                if r.version.is_some() || r.text_sha256.is_some() {
                    return Err(("record", "a withdrawal names no version or text".into()));
                }
                if previous.last().map(|p| p.kind) != Some(ActKind::Endorse) {
                    return Err((
                        "reference",
                        format!("org/{org} has no endorsement of {stmt} in force to withdraw"),
                    ));
                }
                if let Some(reason) = &r.reason {
                    check_line("reason", reason, MAX_NOTE)
                        .map_err(|e| ("record", e.to_string()))?;
                }
            }
        }
        let record_signer = Principal::parse(&r.signer).ok_or_else(|| {
            (
                "record",
                format!("signer {:?} is not a principal", r.signer),
            )
        })?;
        let key = match r.provenance {
            Provenance::Signed => {
                if record_signer != Principal::org(org) || r.evidence_sha256.is_some() {
                    return Err((
                        "record",
                        format!(
                            "a signed record is signed by org/{org} itself and carries no evidence"
                        ),
                    ));
                }
                org_entry.current_key().ok_or_else(|| ("record", format!("org/{org} has no key in the parent commit; its acts must be attested by an editor")))?
            }
            Provenance::Attested => {
                if record_signer.role != Role::Editor
                    || !r
                        .evidence_sha256
                        .as_deref()
                        .is_some_and(record::is_sha256_hex)
                {
                    return Err((
                        "record",
                        "an attested record is signed by an editor and carries evidence_sha256"
                            .into(),
                    ));
                }
                if let Some(s) = signer {
                    if *s != record_signer {
                        return Err(("rights", format!("record attested by {record_signer} but committed by {s}; the attesting editor commits it")));
                    }
                }
                let editor = self.state.editors.get(&record_signer.id).ok_or_else(|| {
                    (
                        "reference",
                        format!("{record_signer} is not an editor in the parent commit"),
                    )
                })?;
                editor
                    .current_key()
                    .ok_or_else(|| ("record", format!("{record_signer} has no key")))?
            }
        };
        if r.key != key.key.fingerprint {
            return Err((
                "record",
                format!(
                    "key is {} but {record_signer}'s key in force is {}",
                    r.key, key.key.fingerprint
                ),
            ));
        }
        let own = |e: SigError| {
            (
                "record-signature",
                format!("{record_signer}'s own signature on the record: {e}"),
            )
        };
        let parsed = ParsedSig::parse(r.signature.as_bytes(), ACT_NAMESPACE).map_err(own)?;
        if parsed.key_raw != key.key.raw {
            return Err(own(SigError::WrongKey {
                found: parsed.key_fingerprint(),
                expected: key.key.fingerprint.clone(),
            }));
        }
        let job = Job::Act {
            parsed,
            payload: act_payload(&r),
            signer: record_signer.to_string(),
        };
        Ok(Change::Act {
            job: Some(Box::new(job)),
            stmt: stmt.to_string(),
            org: org.to_string(),
            entry: ActEntry {
                seq,
                kind: r.act,
                version: r.version,
                provenance: r.provenance,
                attested_by: (r.provenance == Provenance::Attested)
                    .then(|| record_signer.id.clone()),
                key: r.key,
                signed_at: r.signed_at,
                reason: r.reason,
                commit,
                path: a.path.clone(),
            },
        })
    }

    fn apply(&mut self, change: Change, commit: Oid, time: i64, actor: &str, genesis: bool) {
        let mut log = |act: &'static str,
                       statement: Option<String>,
                       version: Option<u32>,
                       subject: Option<String>,
                       provenance: Option<&'static str>| {
            if !self.keep_log {
                return;
            }
            self.log.push(LogEntry {
                commit: commit.to_string(),
                time,
                actor: actor.to_string(),
                act,
                statement,
                version,
                subject,
                provenance,
            });
        };
        match change {
            Change::Ledger(r) => {
                log("init", None, None, Some(r.name.clone()), None);
                self.state.name = r.name;
            }
            Change::Principal { who, mut entry } => {
                entry.commit = commit;
                if !genesis {
                    log(
                        if who.role == Role::Editor {
                            "editor-add"
                        } else {
                            "org-add"
                        },
                        None,
                        None,
                        Some(who.to_string()),
                        None,
                    );
                }
                match who.role {
                    Role::Editor => self.state.editors.insert(who.id, entry),
                    Role::Org => self.state.orgs.insert(who.id, entry),
                };
            }
            Change::Key { who, mut key } => {
                key.commit = commit;
                log(
                    "key-add",
                    None,
                    None,
                    Some(format!("{who} {}", key.key.fingerprint)),
                    None,
                );
                self.state
                    .by_key
                    .insert(key.key.raw, (who.clone(), key.seq));
                let before = self.state.lines_of(&who);
                if let Some(p) = self.state.principal_mut(&who) {
                    // A new key retires the one in force: rotation.
                    if let Some(prev) = p.keys.last_mut().filter(|k| k.in_force()) {
                        prev.retired = Some((commit, time));
                    }
                    p.keys.push(key);
                }
                self.state.refresh_lines(&who, before);
            }
            Change::Revoke {
                who,
                seq,
                reason,
                by,
            } => {
                log(
                    "key-revoke",
                    None,
                    None,
                    Some(format!("{who} key {seq}")),
                    None,
                );
                let before = self.state.lines_of(&who);
                if let Some(k) = self
                    .state
                    .principal_mut(&who)
                    .and_then(|p| seq.checked_sub(1).and_then(|i| p.keys.get_mut(i as usize)))
                {
                    k.retired.get_or_insert((commit, time));
                    k.revoked = Some(Revocation { reason, by, commit });
                }
                self.state.refresh_lines(&who, before);
            }
            Change::Remove { id, reason } => {
                let who = Principal::editor(&id);
                let before = self.state.lines_of(&who);
                log(
                    "editor-remove",
                    None,
                    None,
                    Some(format!("editor/{id}")),
                    None,
                );
                if let Some(e) = self.state.editors.get_mut(&id) {
                    for k in e.keys.iter_mut().filter(|k| k.in_force()) {
                        k.retired = Some((commit, time));
                    }
                    e.removed = Some((commit, reason));
                }
                self.state.refresh_lines(&who, before);
            }
            Change::Version { stmt, mut entry } => {
                entry.commit = commit;
                let act = if entry.n == 1 {
                    "statement-new"
                } else {
                    "statement-revise"
                };
                log(act, Some(stmt.clone()), Some(entry.n), None, None);
                self.changed.insert(stmt.clone());
                self.state
                    .statements
                    .entry(stmt)
                    .or_default()
                    .versions
                    .push(entry);
            }
            Change::Act {
                stmt, org, entry, ..
            } => {
                match entry.kind {
                    ActKind::Endorse => self.endorsements += 1,
                    ActKind::Withdraw => self.withdrawals += 1,
                }
                log(
                    entry.kind.as_str(),
                    Some(stmt.clone()),
                    entry.version,
                    Some(format!("org/{org}")),
                    Some(entry.provenance.as_str()),
                );
                if let Some(s) = self.state.statements.get_mut(&stmt) {
                    s.acts.entry(org).or_default().push(entry);
                }
                self.changed.insert(stmt);
            }
        }
    }
}

/// The statements whose directory the commits after `start` (oldest first, each the first
/// parent of the next) add to, change or remove: the only ones a resumed run consults. None
/// when a tree cannot be read (the caller then loads every statement).
fn touched_statements(repo: &Repository, start: Oid, after: &[Oid]) -> Option<BTreeSet<String>> {
    let statements_of = |id: Oid| -> Option<Option<Tree<'_>>> {
        let tree = repo.find_commit(id).ok()?.tree().ok()?;
        let entry = tree
            .get_name(layout::STATEMENTS)
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .map(|e| e.id());
        match entry {
            Some(sub) => Some(Some(repo.find_tree(sub).ok()?)),
            None => Some(None),
        }
    };
    let names = |t: &Option<Tree<'_>>| -> BTreeMap<Vec<u8>, Oid> {
        t.iter()
            .flat_map(|t| t.iter())
            .map(|e| (e.name_bytes().to_vec(), e.id()))
            .collect()
    };
    let mut touched = BTreeSet::new();
    let mut before = names(&statements_of(start)?);
    for id in after {
        let now = names(&statements_of(*id)?);
        for (name, oid) in &now {
            if before.get(name) != Some(oid) {
                touched.insert(String::from_utf8_lossy(name).into_owned());
            }
        }
        for name in before.keys().filter(|n| !now.contains_key(*n)) {
            touched.insert(String::from_utf8_lossy(name).into_owned());
        }
        before = now;
    }
    Some(touched)
}

/// Processing order inside one commit: principals before their keys, texts before records.
fn order(e: &Entry) -> u8 {
    match e {
        Entry::Ledger => 0,
        Entry::Editor { .. } | Entry::Org { .. } => 1,
        Entry::EditorKey { .. } | Entry::OrgKey { .. } => 2,
        Entry::EditorRevocation { .. }
        | Entry::OrgRevocation { .. }
        | Entry::EditorRemoved { .. } => 2,
        Entry::VersionText { .. } => 3,
        Entry::VersionMeta { .. } => 4,
        Entry::Act { .. } => 5,
        Entry::AllowedSigners => 6,
    }
}

fn time_field(field: &str, value: &str) -> std::result::Result<(), Broken> {
    if record::is_time(value) {
        Ok(())
    } else {
        Err((
            "record",
            format!("{field} {value:?} is not a time of the form 2026-11-28T10:02:43.123Z"),
        ))
    }
}

/// Checks a statement text: UTF-8, not empty, within the size limit, no NUL.
pub fn check_text(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(format!(
            "text is {} bytes; at most {MAX_TEXT_BYTES} are allowed",
            bytes.len()
        ));
    }
    let s = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "text is not valid UTF-8 (first bad byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if s.trim().is_empty() {
        return Err("text is empty".into());
    }
    if s.contains('\0') {
        return Err("text contains a NUL character".into());
    }
    Ok(())
}

/// Checks a web address: http(s), one line, no spaces.
pub fn check_url(u: &str) -> std::result::Result<(), Broken> {
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 500
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(("record", format!("url {u:?} is not an http(s) address")))
    }
}

/// Checks an ISO 3166 alpha-2 country code (two upper-case letters).
pub fn check_country(c: &str) -> std::result::Result<(), Broken> {
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err((
            "record",
            format!("country {c:?} is not a two-letter ISO 3166 code such as \"SE\""),
        ))
    }
}
