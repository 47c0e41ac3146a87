//! The server side: a `pre-receive` hook that makes a bare repository accept only pushes that
//! verify. Any git server that runs hooks (a bare repository over ssh, `git daemon`, a
//! self-hosted forge) then refuses an unsigned commit, an act outside the pusher's rights or a
//! rewritten history before any ref moves, and the pusher reads why in their terminal.

use crate::error::{Error, InputKind, Result};
use crate::report::{Failure, Installed, Rule};
use crate::store::{Store, BRANCH};
use crate::verify::{verify_at, VerifyOptions};
use git2::{Oid, Repository};
use std::fs;
use std::path::{Path, PathBuf};

/// First line after the shebang of a hook this tool wrote; an existing hook without it is
/// someone else's and is not overwritten.
const MARK: &str = "# installed by `undersigned hook install`";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Installs the hook into a bare repository. Without `trust`, the genesis of the repository's
/// `main` is pinned when there is one; an empty repository accepts its first ledger and then
/// holds every push to that ledger's genesis.
pub fn install(bare: &Path, trust: Option<Oid>, exe: &Path) -> Result<Installed> {
    let repo = Repository::open_bare(bare).map_err(|e| Error::NotALedger {
        path: bare.to_path_buf(),
        why: format!("not a bare git repository ({}); create one with `git init --bare --initial-branch=main {}`", e.message(), bare.display()),
    })?;
    let trust = match trust {
        Some(t) => Some(t),
        None => match repo.find_reference(BRANCH).ok().and_then(|r| r.target()) {
            Some(head) => Some(genesis(&repo, head)?),
            None => None,
        },
    };
    let hooks = repo.path().join("hooks");
    fs::create_dir_all(&hooks).map_err(|e| Error::io(hooks.display().to_string(), e))?;
    let path = hooks.join("pre-receive");
    if let Ok(existing) = fs::read_to_string(&path) {
        if !existing.contains(MARK) {
            return Err(Error::ForeignHook { path });
        }
    }
    let exe = exe.to_str().ok_or_else(|| {
        Error::io(
            format!("{}: the path of undersigned", exe.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, "is not UTF-8"),
        )
    })?;
    let trust_arg = trust.map(|t| format!(" --trust {t}")).unwrap_or_default();
    // The binary is looked up when a push arrives, not fixed at install: `undersigned` on the
    // PATH git gives the hook first (an upgrade or a move of the binary is then picked up),
    // else the one that installed the hook; when neither is there, the push is refused with a
    // message naming what is missing, instead of the shell's "not found".
    let script = format!(
        "#!/bin/sh\n{MARK}\n# Every push to main must verify; anything else is refused.\n\
installed={exe}\n\
bin=$(command -v undersigned 2>/dev/null) || bin=\n\
if [ -z \"$bin\" ]; then\n\
  if [ -x \"$installed\" ]; then\n\
    bin=$installed\n\
  else\n\
    echo \"undersigned: push refused: the undersigned binary is missing: it is not on this server's PATH ($PATH) and not at $installed, where it was when the hook was installed; install undersigned there or on PATH\" >&2\n\
    exit 1\n\
  fi\n\
fi\n\
exec \"$bin\" hook pre-receive{trust_arg}\n",
        exe = quote(exe)
    );
    // Executable from the moment it appears: git skips a hook it cannot run.
    crate::files::write_atomic_mode(&path, script.as_bytes(), 0o755)
        .map_err(|e| Error::io(path.display().to_string(), e))?;
    // Belt and braces: git itself refuses what the hook would (a forced push, a deletion).
    let mut config = repo.config()?;
    config.set_bool("receive.denyNonFastForwards", true)?;
    config.set_bool("receive.denyDeletes", true)?;
    config.set_bool("receive.fsckObjects", true)?;
    Ok(Installed {
        format: crate::report::formats::HOOK.into(),
        hook: path.display().to_string(),
        trust: trust.map(|t| t.to_string()),
    })
}

fn genesis(repo: &Repository, head: Oid) -> Result<Oid> {
    let mut id = head;
    while let Ok(p) = repo.find_commit(id)?.parent_id(0) {
        id = p;
    }
    Ok(id)
}

/// One ref update as git hands it to `pre-receive`.
#[derive(Debug, Clone)]
pub struct Update {
    /// Old value (zero when the ref is created).
    pub old: Oid,
    /// New value (zero when the ref is deleted).
    pub new: Oid,
    /// Full ref name.
    pub name: String,
}

/// Parses the hook's standard input: one `<old> <new> <ref>` line per update.
pub fn parse_updates(input: &str) -> Result<Vec<Update>> {
    input
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let (Some(o), Some(n), Some(r)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(Error::BadInput {
                    kind: InputKind::PushUpdate,
                    source_name: "from git".into(),
                    why: format!("cannot read update line {l:?}"),
                });
            };
            Ok(Update {
                old: Oid::from_str(o)?,
                new: Oid::from_str(n)?,
                name: r.to_string(),
            })
        })
        .collect()
}

/// How far ahead of the server's clock a pushed commit may be dated. The server is the one
/// clock a coalition shares: a commit dated far ahead would make every later act wait for that
/// date (an act is never dated before its parent).
pub const MAX_AHEAD_OF_SERVER_SECS: i64 = 24 * 3600;

/// Checks the pushed updates against the rules and against the server's clock (`now_secs`).
/// Returns the failures; empty means the push may land. The repository is opened from git's
/// environment, so objects still in the push's quarantine are visible.
pub fn pre_receive(
    repo_dir: &Path,
    updates: &[Update],
    trust: Option<Oid>,
    now_secs: i64,
) -> Result<Vec<Failure>> {
    let repo = Repository::open_from_env().or_else(|_| Repository::open(repo_dir))?;
    let store = Store::from_repo(repo, repo_dir.to_path_buf());
    let repo = store.repo();
    let mut failures = Vec::new();
    let refuse = |commit: Oid, reason: String| Failure {
        commit: commit.to_string(),
        path: None,
        rule: Rule::Push,
        reason,
    };
    for u in updates {
        if u.name != BRANCH {
            failures.push(refuse(
                u.new,
                format!(
                    "{}: this server holds a ledger; only {BRANCH} is accepted",
                    u.name
                ),
            ));
            continue;
        }
        if u.new.is_zero() {
            failures.push(refuse(
                u.old,
                "deleting the ledger's branch is refused".into(),
            ));
            continue;
        }
        let fast_forward =
            u.old.is_zero() || u.new == u.old || repo.graph_descendant_of(u.new, u.old)?;
        if !u.old.is_zero() {
            split_view(&store, u.old, u.new)?;
        }
        if !fast_forward {
            failures.push(refuse(u.new, format!(
                "history rewritten: {} does not contain the published head {}; rebase your acts with `undersigned sync`",
                u.new, u.old
            )));
            continue;
        }
        let pinned = match (trust, u.old.is_zero()) {
            (Some(t), _) => Some(t),
            (None, false) => Some(genesis(repo, u.old)?),
            (None, true) => None,
        };
        let report = verify_at(
            &store,
            u.new,
            &VerifyOptions {
                trust: pinned,
                incremental: true,
                prove: true,
                ..Default::default()
            },
        )?;
        failures.extend(report.failures);
        failures.extend(ahead_of(repo, u, now_secs)?);
    }
    Ok(failures)
}

/// The pushed history's checkpoints against the server's own (its published head `old`) and
/// the largest one the server's user has seen of the ledger: a split view writes its proof and
/// refuses the push ([`crate::error::Error::Equivocation`]). A pushed history that does not
/// verify is left to verification.
fn split_view(store: &Store, old: Oid, new: Oid) -> Result<()> {
    let (Ok(here), Ok(pushed)) = (
        crate::verify::verified_state(store, old, false),
        crate::verify::verified_state(store, new, false),
    ) else {
        return Ok(());
    };
    let ledger_id = here.ledger_id.map(|l| l.to_string()).unwrap_or_default();
    let server = format!("this server's head {old}");
    let push = format!("the pushed head {new}");
    let mut known: Vec<crate::log::equivocation::Seen> = crate::local::witness::seen(&ledger_id)
        .into_iter()
        .collect();
    known.extend(crate::ledger::latest_seen(&here.log, &server));
    for seen in &known {
        crate::ledger::check_against(store, new, &ledger_id, seen, pushed.log.clone())?;
    }
    if let Some(theirs) = crate::ledger::latest_seen(&pushed.log, &push) {
        crate::ledger::check_against(store, old, &ledger_id, &theirs, here.log.clone())?;
    }
    if let Some(latest) = crate::ledger::latest_seen(&here.log, &server) {
        let _ = crate::local::witness::remember_seen(&ledger_id, &latest);
    }
    Ok(())
}

/// The pushed commits dated more than a day ahead of the server's clock.
fn ahead_of(repo: &Repository, u: &Update, now_secs: i64) -> Result<Vec<Failure>> {
    let mut out = Vec::new();
    let mut id = Some(u.new);
    while let Some(c) = id.filter(|c| *c != u.old) {
        let Ok(commit) = repo.find_commit(c) else {
            break; // reported by verification
        };
        let time = commit.time().seconds();
        if time > now_secs.saturating_add(MAX_AHEAD_OF_SERVER_SECS) {
            out.push(Failure {
                commit: c.to_string(),
                path: None,
                rule: Rule::Time,
                reason: format!(
                    "commit is dated {}, more than a day ahead of this server's clock ({}); check the clock of the machine that made it",
                    crate::timefmt::format_secs(time),
                    crate::timefmt::format_secs(now_secs)
                ),
            });
        }
        id = commit.parent_id(0).ok();
    }
    Ok(out)
}

/// Where the hook of a bare repository lives (for messages).
pub fn hook_path(bare: &Path) -> PathBuf {
    bare.join("hooks").join("pre-receive")
}
