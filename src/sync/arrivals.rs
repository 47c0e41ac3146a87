//! What a sync brought in, for people: versions that arrived from the remote, and endorsements
//! that were of the current version before and are stale now. Read from the two trees, and
//! only for the statements whose versions changed, so a sync that brings no revision costs one
//! tree comparison.

use crate::error::Result;
use crate::layout;
use crate::record::{ActKind, ActRecord};
use crate::report::{NowStale, VersionArrived};
use crate::view::View;
use git2::{Oid, Repository};
use std::collections::BTreeSet;

/// Versions at `after` that `before` did not have (by statement and text: this clone's own
/// revision, renumbered on the remote, did not arrive), and endorsements current at `before`
/// and stale at `after`.
pub(super) fn arrivals(
    repo: &Repository,
    before: Oid,
    after: Oid,
) -> Result<(Vec<VersionArrived>, Vec<NowStale>)> {
    if before == after {
        return Ok((Vec::new(), Vec::new()));
    }
    let (b, a) = (
        repo.find_commit(before)?.tree()?,
        repo.find_commit(after)?.tree()?,
    );
    let old = View {
        repo,
        tree: &b,
        commit: before,
    };
    let new = View {
        repo,
        tree: &a,
        commit: after,
    };
    let mut versions = Vec::new();
    let mut stale = Vec::new();
    for stmt in new.statements()? {
        let dir = layout::versions_dir(&stmt);
        let id = |t: &git2::Tree<'_>| t.get_path(std::path::Path::new(&dir)).ok().map(|e| e.id());
        if id(&b) == id(&a) {
            continue;
        }
        let (count_old, count_new) = (old.version_count(&stmt)?, new.version_count(&stmt)?);
        let mut known = BTreeSet::new();
        for n in 1..=count_old {
            if let Some((rec, _)) = old.version(&stmt, n)? {
                known.insert(rec.text_sha256);
            }
        }
        for n in 1..=count_new {
            let Some((rec, _)) = new.version(&stmt, n)? else {
                continue;
            };
            if known.contains(&rec.text_sha256) {
                continue;
            }
            let commit = version_commit(repo, after, &layout::version_meta(&stmt, n));
            versions.push(VersionArrived {
                statement: stmt.clone(),
                version: n,
                title: rec.title,
                text_sha256: rec.text_sha256,
                commit,
            });
        }
        if count_new > count_old && count_old > 0 {
            for who in signatories_on(&new, &stmt)? {
                let was = endorses(&old.signatory_acts(&stmt, &who)?, count_old);
                let acts = new.signatory_acts(&stmt, &who)?;
                if was
                    && !endorses(&acts, count_new)
                    && acts.last().map(|r| r.act) == Some(ActKind::Endorse)
                {
                    stale.push(NowStale {
                        statement: stmt.clone(),
                        org: who.id.clone(),
                        kind: crate::audit::kind_of(&who),
                        endorsed: latest_endorsed(&acts),
                        current: count_new,
                    });
                }
            }
        }
    }
    Ok((versions, stale))
}

/// True when the acts (one organization's, in order) endorse `version` in force.
fn endorses(acts: &[ActRecord], version: u32) -> bool {
    crate::rules::endorsement::in_force(acts)
        .iter()
        .any(|a| a.version == Some(version))
}

fn latest_endorsed(acts: &[ActRecord]) -> u32 {
    acts.iter().filter_map(|a| a.version).max().unwrap_or(0)
}

/// The organizations and individuals with acts on a statement (its fan-out directories).
fn signatories_on(view: &View<'_>, stmt: &str) -> Result<Vec<crate::ids::Principal>> {
    let mut out = Vec::new();
    for (dir, role) in [
        ("acts", crate::ids::Role::Org),
        ("people", crate::ids::Role::Person),
    ] {
        let root = format!("{}/{stmt}/{dir}", layout::STATEMENTS);
        for ff in view.list(&root)? {
            for id in view.list(&format!("{root}/{ff}"))? {
                out.push(crate::ids::Principal::new(role, &id));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The commit that added `path`: the first-parent ancestor of `head` after which it exists
/// (a version is added once and never changed). Walks back only over the new commits, which
/// a sync has just verified.
fn version_commit(repo: &Repository, head: Oid, path: &str) -> String {
    let mut id = head;
    loop {
        let Ok(c) = repo.find_commit(id) else {
            return id.to_string();
        };
        let Ok(parent) = c.parent(0) else {
            return id.to_string();
        };
        let in_parent = parent
            .tree()
            .ok()
            .and_then(|t| t.get_path(std::path::Path::new(path)).ok())
            .is_some();
        if !in_parent {
            return id.to_string();
        }
        id = parent.id();
    }
}
