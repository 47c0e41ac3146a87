//! `clone`: a shared ledger copied, verified, and only then given its name.

use crate::error::{Error, Result};
use crate::local::journal::{self, RemoteState};
use crate::report::CloneReport;
use crate::store::Store;
use crate::transport;
use crate::verify::{verify_at, VerifyOptions};
use git2::Oid;
use std::fs;
use std::path::{Path, PathBuf};

/// Clones `url` into `dir` (`bare`: without a work tree), verifies it (against `trust` when
/// given) and only then gives it its name: a refused clone leaves nothing behind. `progress`
/// is told how far cloning and verifying are.
pub fn clone(
    url: &str,
    dir: &Path,
    trust: Option<Oid>,
    bare: bool,
    progress: Option<&crate::progress::Progress>,
) -> Result<CloneReport> {
    if dir.exists() {
        let empty = dir.is_dir()
            && fs::read_dir(dir)
                .map_err(|e| Error::io(dir.display().to_string(), e))?
                .next()
                .is_none();
        if !empty {
            return Err(Error::DirectoryNotEmpty {
                path: dir.to_path_buf(),
            });
        }
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Missing parent directories are made, as `git clone` makes them, and removed again when
    // the clone is refused: a refused clone leaves nothing behind.
    let made = first_missing(&parent);
    fs::create_dir_all(&parent)
        .map_err(|e| Error::io(format!("{}: making the directory", parent.display()), e))?;
    let result = clone_into(url, dir, &parent, trust, bare, progress);
    if result.is_err() {
        if let Some(m) = made {
            let _ = fs::remove_dir_all(m);
        }
    }
    result
}

/// The topmost directory of `path` that does not exist yet, if any.
fn first_missing(path: &Path) -> Option<PathBuf> {
    let mut missing = None;
    let mut p = Some(path);
    while let Some(d) = p.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing = Some(d.to_path_buf());
        p = d.parent();
    }
    missing
}

/// The clone's checkpoints against the largest one this user has seen of the ledger: a split
/// view writes its proof and refuses the clone ([`Error::Equivocation`]); otherwise the clone's
/// latest checkpoint is remembered.
fn split_view(store: &Store, head: Oid, ledger_id: &str, url: &str) -> Result<()> {
    let state = crate::verify::verified_state(store, head, false)?;
    if let Some(seen) = crate::local::witness::seen(ledger_id) {
        crate::ledger::check_against(store, head, ledger_id, &seen, state.log.clone())?;
    }
    let from = format!("{url} (head {head})");
    if let Some(latest) = crate::ledger::latest_seen(&state.log, &from) {
        let _ = crate::local::witness::remember_seen(ledger_id, &latest);
    }
    Ok(())
}

fn clone_into(
    url: &str,
    dir: &Path,
    parent: &Path,
    trust: Option<Oid>,
    bare: bool,
    progress: Option<&crate::progress::Progress>,
) -> Result<CloneReport> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".into());
    let scratch = tempfile::Builder::new()
        .prefix(&format!(".{name}.undersigned-clone-"))
        .tempdir_in(parent)
        .map_err(|e| {
            Error::io(
                format!("{}: making a scratch directory", parent.display()),
                e,
            )
        })?;
    let work = scratch.path().join("ledger");
    crate::progress::report(progress, crate::progress::Stage::Fetching, 0, None);
    transport::clone(url, &work, bare)?;
    let store = Store::open(&work)?;
    let head = store.head()?.ok_or(Error::EmptyHistory)?;
    let report = verify_at(
        &store,
        head,
        &VerifyOptions {
            trust,
            incremental: true,
            prove: true,
            progress: progress.cloned(),
            ..Default::default()
        },
    )?;
    if !report.ok {
        return Err(Error::Unverified {
            what: format!("{url} (head {head})"),
            failures: report.failures,
        });
    }
    let ledger_id = Oid::from_str(&report.ledger_id)?;
    split_view(&store, head, &report.ledger_id, url)?;
    store.update_worktree(None)?;
    let remembering = |e| {
        Error::io(
            format!("{}: remembering the verified head", work.display()),
            e,
        )
    };
    crate::local::pin::remember(store.repo(), ledger_id, head).map_err(remembering)?;
    let origin = RemoteState {
        verified: Some(head.to_string()),
        pending: None,
        published: None,
    };
    journal::write(store.repo(), "origin", &origin).map_err(remembering)?;
    drop(store);
    if dir.exists() {
        fs::remove_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    }
    fs::rename(&work, dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    Ok(CloneReport {
        format: crate::report::formats::CLONE.into(),
        dir: dir.display().to_string(),
        ledger_id: report.ledger_id,
        head: report.head,
        commits: report.commits,
        trusted: report.trusted,
    })
}
