//! The list over time: who joined and who left a statement's current endorsers between two
//! points of history (a commit, or a time taken from commit order), with the acts that did it.
//! Computed from a verified state, which keeps every act with its commit, and from the order of
//! commits in history: no commit message is read.
//!
//! A signatory is on the list when its endorsements in force include the current version.
//! It joins by endorsing the current version; it leaves by withdrawing, or when a new version
//! is published that it has not endorsed (it then endorses an older version only, as `audit`
//! says "stale").

use crate::audit::kind_of;
use crate::error::{Error, Result};
use crate::ids::Principal;
use crate::record::{ActKind, Kind};
use crate::report::{formats, ActType, History, HistoryChange, HistoryPoint};
use crate::state::State;
use git2::{Oid, Repository};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where a comparison starts or ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// Before the genesis: nobody is listed.
    Start,
    /// The head.
    Head,
    /// A commit of the ledger's history.
    Commit(Oid),
    /// The last commit whose committer time is at or before this time (milliseconds);
    /// commit times never go backwards in a ledger that verifies.
    Time(i64),
}

/// The commits of history from the genesis to `head`, with their committer times.
pub fn commits(repo: &Repository, head: Oid) -> Result<Vec<(Oid, i64)>> {
    let mut walk = repo.revwalk()?;
    walk.push(head)?;
    walk.simplify_first_parent()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    let mut out = Vec::new();
    for id in walk {
        let id = id?;
        let time = repo.find_commit(id)?.time().seconds();
        out.push((id, time));
    }
    Ok(out)
}

/// One event of the statement's history that can change the list.
enum Event<'s> {
    Version(u32),
    Act(&'s Principal, ActKind, Option<u32>),
}

/// Where `bound` falls in `order`: the number of commits up to and including it.
fn position(order: &[(Oid, i64)], bound: &Bound) -> Result<usize> {
    Ok(match bound {
        Bound::Start => 0,
        Bound::Head => order.len(),
        Bound::Commit(id) => order
            .iter()
            .position(|(c, _)| c == id)
            .map(|i| i + 1)
            .ok_or_else(|| Error::Unknown {
                kind: "commit of this ledger's history",
                id: id.to_string(),
                known: Vec::new(),
            })?,
        Bound::Time(ms) => order.partition_point(|(_, t)| t.saturating_mul(1000) <= *ms),
    })
}

/// Who joined and who left `stmt`'s current endorsers between `from` and `to`.
pub fn history(
    state: &State,
    order: &[(Oid, i64)],
    stmt: &str,
    from: &Bound,
    to: &Bound,
) -> Result<History> {
    let st = state
        .statements
        .get(stmt)
        .filter(|s| s.current().is_some())
        .ok_or_else(|| Error::Unknown {
            kind: "statement",
            id: stmt.to_string(),
            known: state.statements.keys().cloned().collect(),
        })?;
    let (a, b) = (position(order, from)?, position(order, to)?);
    let (a, b) = (a.min(b), a.max(b));
    let index: HashMap<Oid, usize> = order
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (*c, i + 1))
        .collect();
    // Every event of the statement, by its commit's position (acts of one signatory keep
    // their order; a commit holds at most one act of a statement).
    let mut events: Vec<(usize, Oid, Event<'_>)> = Vec::new();
    for v in &st.versions {
        events.push((
            index.get(&v.commit).copied().unwrap_or(0),
            v.commit,
            Event::Version(v.n),
        ));
    }
    for (who, acts) in &st.acts {
        for act in acts {
            let at = index.get(&act.commit).copied().unwrap_or(0);
            events.push((at, act.commit, Event::Act(who, act.kind, act.version)));
        }
    }
    events.sort_by_key(|(at, _, e)| (*at, matches!(e, Event::Act(..))));
    let time_of = |at: usize| order.get(at.wrapping_sub(1)).map(|(_, t)| *t).unwrap_or(0);
    let mut list = Listing::default();
    let mut before = None;
    let mut changes = Vec::new();
    for (at, commit, event) in &events {
        if *at > b {
            break;
        }
        if *at > a && before.is_none() {
            before = Some(list.snapshot());
        }
        let change = |change: &str, who: &Principal, act, version| HistoryChange {
            change: change.to_string(),
            signatory: who.to_string(),
            kind: kind_of(who),
            name: state.name_of(who),
            act,
            version,
            commit: commit.to_string(),
            time: time_of(*at),
        };
        let made = list.apply(event);
        if *at > a {
            for (who, joined) in made {
                let (word, act, version) = match (joined, event) {
                    (true, Event::Act(_, _, v)) => ("joined", ActType::Endorse, *v),
                    (false, Event::Act(..)) => ("left", ActType::Withdraw, None),
                    (_, Event::Version(n)) => ("left", ActType::StatementRevise, Some(*n)),
                };
                changes.push(change(word, who, act, version));
            }
        }
    }
    let before = before.unwrap_or_else(|| list.snapshot());
    let after = list.snapshot();
    // The last change of each kind for each signatory, found once: a scan of every change
    // for each of thousands of signatories would cost their product.
    let mut last: HashMap<(&str, &str), &HistoryChange> = HashMap::with_capacity(changes.len());
    for c in &changes {
        last.insert((c.change.as_str(), c.signatory.as_str()), c);
    }
    let net = |set: &BTreeSet<&Principal>, other: &BTreeSet<&Principal>, word: &str| {
        let mut out: Vec<HistoryChange> = set
            .difference(other)
            .filter_map(|who| {
                last.get(&(word, who.to_string().as_str()))
                    .map(|c| (*c).clone())
            })
            .collect();
        out.sort_by(|x, y| (x.time, &x.signatory).cmp(&(y.time, &y.signatory)));
        out
    };
    let joined = net(&after.0, &before.0, "joined");
    let left = net(&before.0, &after.0, "left");
    let point = |at: usize, snap: &Snapshot<'_>| HistoryPoint {
        commit: (at > 0).then(|| order[at - 1].0.to_string()),
        time: (at > 0).then(|| order[at - 1].1),
        version: snap.1,
        organizations: snap.0.iter().filter(|w| kind_of(w) == Kind::Org).count(),
        individuals: snap.0.iter().filter(|w| kind_of(w) == Kind::Person).count(),
    };
    Ok(History {
        format: formats::HISTORY.into(),
        ledger_id: state.ledger_id.map(|l| l.to_string()).unwrap_or_default(),
        statement: stmt.to_string(),
        from: point(a, &before),
        to: point(b, &after),
        joined,
        left,
        changes,
    })
}

/// The current endorsers and the current version at one point.
type Snapshot<'s> = (BTreeSet<&'s Principal>, u32);

/// The list as events replay: per signatory, the versions its endorsements in force cover.
#[derive(Default)]
struct Listing<'s> {
    current: u32,
    in_force: BTreeMap<&'s Principal, BTreeSet<u32>>,
    listed: BTreeSet<&'s Principal>,
}

impl<'s> Listing<'s> {
    fn snapshot(&self) -> Snapshot<'s> {
        (self.listed.clone(), self.current)
    }

    /// Applies one event; returns who joined (`true`) or left (`false`).
    fn apply(&mut self, event: &Event<'s>) -> Vec<(&'s Principal, bool)> {
        match event {
            Event::Version(n) => {
                self.current = *n;
                // A new version: those who endorse it already stay (none can, yet); the rest
                // endorse an older version only.
                let gone: Vec<&Principal> = self
                    .listed
                    .iter()
                    .copied()
                    .filter(|w| !self.in_force.get(w).is_some_and(|v| v.contains(n)))
                    .collect();
                for w in &gone {
                    self.listed.remove(w);
                }
                gone.into_iter().map(|w| (w, false)).collect()
            }
            Event::Act(who, ActKind::Endorse, v) => {
                let versions = self.in_force.entry(who).or_default();
                versions.extend(v.iter().copied());
                if *v == Some(self.current) && self.listed.insert(who) {
                    vec![(*who, true)]
                } else {
                    Vec::new()
                }
            }
            Event::Act(who, ActKind::Withdraw, _) => {
                self.in_force.remove(who);
                if self.listed.remove(who) {
                    vec![(*who, false)]
                } else {
                    Vec::new()
                }
            }
        }
    }
}
