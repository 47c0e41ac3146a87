//! One pass over a ledger's history, from genesis to head, that rebuilds its [`State`] and
//! applies every rule of [`crate::rules`] to each commit against its parent's state: each
//! commit signed by a key in force in its parent, each added file within the signer's rights,
//! nothing earlier changed or removed, every record well-formed and its own signature valid,
//! every reference pointing at something that existed in the parent, and the derived
//! `allowed_signers` equal to what the key records imply.
//!
//! Verification never prints and never exits: it returns a [`Report`] whose failures name the
//! commit, the path and the rule, so that a library user and the CLI tell the same story.

use crate::error::{Error, Result};
use crate::layout;
use crate::local::proofs::{self, StatementFile};
use crate::progress::{report as report_progress, Progress, Stage};
use crate::report::{Broken, Failure, LogEntry, Report, Rule};
use crate::state::State;
use crate::store::Store;
use git2::{Oid, Repository, Tree};
use std::collections::{BTreeMap, BTreeSet};

mod checks;
mod commit;
mod pipeline;
mod read;
mod tree_diff;
pub(crate) use commit::Verifier;

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The ledger id (genesis commit) the verifier trusts; another genesis is a failure.
    pub trust: Option<Oid>,
    /// Check against the head remembered in the git directory ([`crate::local::pin`]), so that
    /// a rewritten history fails.
    pub pin: bool,
    /// On success, remember this head (best effort: a read-only repository still verifies).
    pub remember: bool,
    /// Start from the state an earlier run proved for a commit of this history and replay only
    /// what came after it ([`crate::local::proofs`]). The failures are those of a full run: a
    /// state is only kept for a history that had none.
    pub incremental: bool,
    /// On success, keep the state at this head for later incremental runs.
    pub prove: bool,
    /// Threads in all, the one reading history included; 0 uses one per core.
    pub jobs: usize,
    /// Told how far the pass is ([`crate::progress`]).
    pub progress: Option<crate::progress::Progress>,
    /// Keep every leaf hash of the log ([`crate::log::LogState::leaves`]), for proofs of
    /// inclusion and consistency: the pass then starts from genesis.
    pub leaves: bool,
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
    store.head()?.ok_or_else(|| Error::NotALedger {
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
    let report = run(store, head, opts, Scope::Touched)?.report;
    if !report.ok && report.resumed_from.is_some() {
        // A malformed commit can touch a statement in ways the partial load does not foresee
        // (a duplicated directory entry, say): judge a failing history again with every
        // statement loaded, so its failures are exactly those of a full run.
        return Ok(run(store, head, opts, Scope::All)?.report);
    }
    Ok(report)
}

/// [`replay`] of the history that ends at `head`. The pass keeps of each signatory's acts
/// only what the rules need; the acts themselves, which audits and lists show, are then read
/// from the tree of `head` ([`crate::state::read_acts`]).
pub fn replay_at(store: &Store, head: Oid, opts: &VerifyOptions) -> Result<Replay> {
    let replay = run(store, head, opts, Scope::All)?;
    with_acts(store, head, replay, None)
}

/// `replay` with the acts of the statements `which` (all with `None`) read back from the tree
/// of `head`.
fn with_acts(
    store: &Store,
    head: Oid,
    mut replay: Replay,
    which: Option<&BTreeSet<String>>,
) -> Result<Replay> {
    if let Err(e) = crate::state::read_acts(store.repo(), head, &mut replay.state, which) {
        if replay.report.ok {
            return Err(e);
        }
        // A history that does not verify may hold trees that cannot be read: its report says
        // so, and what follows of it is not to be trusted anyway.
    }
    Ok(replay)
}

/// [`replay`] without the acts read back: every statement's state as a pass keeps it (the
/// per-signatory summaries), for a caller that reads the acts a statement at a time
/// ([`crate::inventory::statement_list_read`]).
pub fn replay_summaries(store: &Store, opts: &VerifyOptions) -> Result<Replay> {
    run(store, branch_head(store)?, opts, Scope::All)
}

/// [`replay`] for a command about a few statements (`status`), or none (`org list`, with an
/// empty set: the registry is always whole): of a proof, it loads only
/// `statements` and those the commits after the proof touch, and reads back only their acts,
/// so that it costs those statements, not the ledger. The state holds every principal and
/// key, but of the statements only those loaded; a name the ledger does not have is not
/// there (its absence is the answer). A failing history is judged again whole, so that its
/// report is a full run's.
pub fn replay_statements(
    store: &Store,
    opts: &VerifyOptions,
    statements: &BTreeSet<String>,
) -> Result<Replay> {
    let head = branch_head(store)?;
    let mut replay = run(store, head, opts, Scope::With(statements))?;
    if !replay.report.ok && replay.report.resumed_from.is_some() {
        replay = run(store, head, opts, Scope::All)?;
    }
    with_acts(store, head, replay, Some(statements))
}

/// Judges one new commit (`id`, whose parent's state is `parent`) exactly as a pass over
/// history would: what a writer calls before it moves the branch, so that no act publishes
/// what verification refuses. The signature checks run at once, on this thread.
pub(crate) fn check_new_commit(
    repo: &Repository,
    parent: State,
    id: Oid,
    genesis: bool,
) -> Result<Vec<Failure>> {
    let commit = repo.find_commit(id)?;
    let parent_commit = if genesis {
        None
    } else {
        Some(commit.parent(0)?)
    };
    let mut v = Verifier::new(parent, false);
    let cache = tree_diff::TreeCache::new();
    let read = read::Reader::new(repo, &cache)?.read(id, parent_commit.as_ref().map(|c| c.id()));
    if let Err(e) = &read.read {
        // A writer's own commit whose objects cannot be read: an error, not a verdict.
        return Err(Error::Git(git2::Error::from_str(e)));
    }
    v.decide(read, parent_commit.map(|c| c.time().seconds()), genesis);
    v.failures.sort_by_key(|(seq, _)| *seq);
    Ok(v.failures.into_iter().map(|(_, f)| f).collect())
}

/// The state at `head` of a history that verifies (resuming from a proof unless every leaf
/// hash is wanted), with the statements the commits after the proof touched; or
/// [`Error::Unverified`]. What the log's own acts and the log's readers build on: a
/// checkpoint, a cosignature and a receipt speak for a verified log only.
pub fn verified_state(store: &Store, head: Oid, leaves: bool) -> Result<State> {
    let opts = VerifyOptions {
        pin: false,
        incremental: true,
        prove: true,
        leaves,
        ..VerifyOptions::default()
    };
    let run = run(store, head, &opts, Scope::Touched)?;
    let run = if run.report.ok || run.report.resumed_from.is_none() {
        run
    } else {
        self::run(store, head, &opts, Scope::All)?
    };
    if !run.report.ok {
        return Err(Error::Unverified {
            what: format!("the ledger at {head}"),
            failures: run.report.failures,
        });
    }
    Ok(run.state)
}

/// Where a pass starts: from genesis, or from a proved commit with the statements it needs.
struct Start {
    /// The proved commit, or `None` for genesis.
    from: Option<Oid>,
    /// The commits after it (empty from genesis: the chain is walked from the head).
    after: Vec<Oid>,
    /// Commits, endorsements and withdrawals counted before it.
    counts: (u64, u64, u64),
    state: State,
    /// Statements of the proof, loaded or not (their files are kept for the next proof).
    files: BTreeMap<String, StatementFile>,
}

fn start(store: &Store, head: Oid, opts: &VerifyOptions, scope: Scope<'_>) -> Result<Start> {
    let genesis = Start {
        from: None,
        after: Vec::new(),
        counts: (0, 0, 0),
        state: State::default(),
        files: BTreeMap::new(),
    };
    if !opts.incremental || opts.leaves {
        return Ok(genesis);
    }
    let Some((mut p, after)) = proofs::find(store.repo(), head, usize::MAX) else {
        return Ok(genesis);
    };
    if p.state.ledger_id.is_none() {
        return Ok(genesis);
    }
    let from = Oid::from_str(&p.head)?;
    let which = match scope {
        Scope::All => None,
        Scope::Touched => touched_statements(store.repo(), from, &after),
        Scope::With(wanted) => touched_statements(store.repo(), from, &after)
            .map(|touched| touched.into_iter().chain(wanted.iter().cloned()).collect()),
    };
    if !p.load_statements(store.repo(), which.as_ref()) {
        return Ok(genesis);
    }
    Ok(Start {
        from: Some(from),
        after,
        counts: (p.commits, p.endorsements, p.withdrawals),
        state: p.state,
        files: p.statements,
    })
}

/// The first-parent chain from `head` back to `start` (exclusive), oldest first. Merges are
/// reported, not walked.
fn chain(
    repo: &Repository,
    v: &mut Verifier,
    head: Oid,
    start: &Start,
    progress: Option<&Progress>,
) -> Result<Chain> {
    let mut chain = Vec::new();
    let mut next = match start.from {
        Some(_) if start.after.is_empty() => None,
        _ => Some(head),
    };
    while let Some(id) = next {
        if Some(id) == start.from {
            break;
        }
        let Some((parents, first)) = parents_of(repo, id) else {
            v.fail(id, None, Broken::new(Rule::Object, format!(
                "commit {id} cannot be read from the repository (a damaged or missing object; `git fsck` names it); no history before it is checked, so the ledger's genesis is unknown"
            )));
            return Ok(Chain {
                commits: chain,
                complete: false,
            });
        };
        if parents > 1 {
            v.fail(id, None, Broken::new(Rule::LinearHistory, format!(
                "merge commit with {parents} parents; a ledger is a single line of acts (rebase instead of merging)"
            )));
        }
        chain.push(id);
        if chain.len() % 1024 == 0 {
            report_progress(progress, Stage::Reading, chain.len() as u64, None);
        }
        next = first;
    }
    chain.reverse();
    Ok(Chain {
        commits: chain,
        complete: true,
    })
}

/// The commits a pass judges, oldest first; not complete when a commit on the way back could
/// not be read, so that where the history starts is unknown.
struct Chain {
    commits: Vec<Oid>,
    complete: bool,
}

/// How many parents a commit has and its first, read by libgit2 or, for a commit libgit2
/// cannot parse (a date of twenty digits, say), from its bytes: the walk goes on so that the
/// commit is reported by name. `None` when the object cannot be read at all.
fn parents_of(repo: &Repository, id: Oid) -> Option<(usize, Option<Oid>)> {
    if let Ok(c) = repo.find_commit(id) {
        return Some((c.parent_count(), c.parent_id(0).ok()));
    }
    let raw = repo
        .odb()
        .and_then(|odb| odb.read(id).map(|o| o.data().to_vec()))
        .ok()?;
    Some((
        crate::commit_object::header_values(&raw, b"parent").len(),
        crate::commit_object::first_parent(&raw),
    ))
}

/// Which of a proof's statements a pass loads.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// Every one: the whole state at the head is wanted, and the acts in order.
    All,
    /// Those the commits after the proof touch: only the verdict is wanted.
    Touched,
    /// Those, and the named ones: the state of a few statements is wanted.
    With(&'a BTreeSet<String>),
}

fn run(store: &Store, head: Oid, opts: &VerifyOptions, scope: Scope<'_>) -> Result<Replay> {
    let repo = store.repo();
    let mut s = start(store, head, opts, scope)?;
    let keep_log = matches!(scope, Scope::All);
    let mut v = Verifier::new(std::mem::take(&mut s.state), keep_log);
    if opts.leaves {
        v.state.log.leaves = Some(Vec::new());
    }
    v.endorsements = s.counts.1;
    v.withdrawals = s.counts.2;
    let progress = opts.progress.as_ref();
    let Chain {
        commits: chain,
        complete,
    } = chain(repo, &mut v, head, &s, progress)?;
    if !complete {
        return Ok(broken_chain(store, v, &s, head, chain.len() as u64));
    }
    let genesis = match (s.from, v.state.ledger_id) {
        (Some(_), Some(g)) => g,
        _ => *chain.first().ok_or(Error::EmptyHistory)?,
    };
    v.state.ledger_id = Some(genesis);
    let trusted = opts.trust.map(|t| t == genesis);
    if let Some(t) = opts.trust.filter(|t| *t != genesis) {
        v.fail(genesis, None, Broken::new(Rule::Trust, format!(
            "this ledger's genesis is {genesis}, not the trusted ledger id {t}; it is another ledger or a replaced history"
        )));
    }
    pipeline::walk(store, &mut v, &chain, s.from, opts.jobs, progress)?;
    report_progress(
        progress,
        Stage::Checking,
        chain.len() as u64,
        Some(chain.len() as u64),
    );
    v.failures.sort_by_key(|(seq, _)| *seq);
    if opts.pin {
        if let Some(f) = crate::local::pin::check(repo, genesis, head) {
            v.failures.insert(0, (0, f));
        }
    }
    let ok = v.failures.is_empty();
    if !ok && s.from.is_none() {
        // A whole pass that fails leaves no proof standing: the next run judges the whole
        // history again, rather than resuming past what this one found broken.
        proofs::clear(repo);
    }
    let remembered =
        opts.remember && ok && crate::local::pin::remember(repo, genesis, head).is_ok();
    let commits = s.counts.0 + chain.len() as u64;
    if opts.prove && ok && !chain.is_empty() {
        let counts = (commits, v.endorsements, v.withdrawals);
        proofs::save(repo, head, counts, &mut v.state, &s.files, &v.changed);
    }
    let report = report(&v, &s, genesis, head, commits, (trusted, remembered));
    Ok(Replay {
        state: v.state,
        report,
        log: v.log.unwrap_or_default(),
    })
}

/// The report of a pass that could not read its way back to a genesis: only the failures
/// found on the way, under the ledger id this repository was pinned to (or none), and no
/// proof left standing.
fn broken_chain(store: &Store, v: Verifier, s: &Start, head: Oid, read: u64) -> Replay {
    let repo = store.repo();
    proofs::clear(repo);
    let pinned = crate::local::pin::read(repo).map(|p| p.ledger_id);
    let mut r = report(
        &v,
        s,
        Oid::ZERO_SHA1,
        head,
        s.counts.0 + read,
        (None, false),
    );
    r.ledger_id = pinned.unwrap_or_default();
    Replay {
        state: v.state,
        report: r,
        log: v.log.unwrap_or_default(),
    }
}

/// The report of a pass, counting statements the proof holds but this run did not load.
fn report(
    v: &Verifier,
    start: &Start,
    genesis: Oid,
    head: Oid,
    commits: u64,
    (trusted, remembered): (Option<bool>, bool),
) -> Report {
    let st = &v.state;
    let unloaded = || {
        start
            .files
            .iter()
            .filter(|(id, _)| !st.statements.contains_key(*id))
    };
    Report {
        format: crate::report::formats::REPORT.into(),
        ok: v.failures.is_empty(),
        ledger_id: genesis.to_string(),
        head: head.to_string(),
        name: st.name.clone(),
        commits,
        editors: st.editors.len() as u64,
        organizations: st.orgs.len() as u64,
        statements: (st.statements.len() + unloaded().count()) as u64,
        versions: st
            .statements
            .values()
            .map(|s| s.versions.len() as u64)
            .chain(unloaded().map(|(_, f)| f.versions))
            .sum(),
        endorsements: v.endorsements,
        withdrawals: v.withdrawals,
        trusted,
        remembered,
        resumed_from: start.from.map(|s| s.to_string()),
        failures: v.failures.iter().map(|(_, f)| f.clone()).collect(),
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
