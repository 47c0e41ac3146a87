//! `sync` and `clone`: exchanging a ledger through any git remote, verified both ways.
//!
//! A ledger is one line of acts, so two clones that acted at once cannot both be right about
//! the next commit. `sync` settles it the way an act settles a local race: it takes the
//! remote's head as the truth (after replaying and verifying it), rebuilds this clone's
//! unpublished acts on top of it — each re-signed by the key that made it, each dropped when
//! the remote already says the same — and pushes as a fast-forward. A lost race is a refused
//! push; it fetches and rebuilds again.
//!
//! Nothing local is lost on any failure: the branch moves only after the push landed, and a
//! journal ([`crate::local::journal`]) records the rebuilt head before the push, so a process
//! killed between push and branch update learns on the next run that its acts are already
//! published.

mod arrivals;
mod clone;
mod keyring;
mod rebuild;

pub use clone::clone;
pub use keyring::Keys;

use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::local::journal::{self, Push, RemoteState};
use crate::progress::{Progress, Stage};
use crate::report::{Failure, Republished, Rule, SyncReport};
use crate::store::Store;
use crate::transport::{self, Pushed};
use crate::verify::{verify_at, VerifyOptions};
use git2::{Oid, Repository};
use keyring::KeyRing;
use std::collections::HashMap;

/// How often `sync` fetches and rebuilds after losing a race to another clone's push.
pub const DEFAULT_TRIES: u32 = 20;

/// One sync in progress.
struct Session<'l, 'a, 'k> {
    ledger: &'l Ledger,
    remote: &'l str,
    ledger_id: Oid,
    journal: RemoteState,
    ring: KeyRing<'a, 'k>,
    /// The remote head a push was last refused on, and why.
    last_refusal: Option<(Oid, String)>,
    received: u64,
    /// This clone's acts made again on the remote's head in the last round.
    republished: Vec<Republished>,
    progress: Option<&'l Progress>,
}

/// How a round ended.
enum Round {
    Done(Box<SyncReport>),
    /// Another clone pushed first: fetch and rebuild again.
    Lost,
}

/// Fetches, verifies what came in, publishes this clone's acts on top and pushes; see the
/// module documentation. Holds the ledger's lock throughout, so local acts wait for it.
/// `progress` is told how far fetching, verifying and rebuilding are.
pub fn sync(
    ledger: &Ledger,
    remote: &str,
    keys: &mut Keys<'_>,
    tries: u32,
    progress: Option<&Progress>,
) -> Result<SyncReport> {
    transport::check_remote_name(remote)?;
    let store = ledger.store();
    let repo = store.repo();
    if repo.find_remote(remote).is_err() {
        return Err(Error::Unknown {
            kind: "remote",
            id: remote.to_string(),
            known: repo
                .remotes()
                .map(|r| {
                    r.iter()
                        .flatten()
                        .flatten()
                        .map(|n| n.to_string())
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let _lock = store.lock()?;
    store.check_clean()?;
    let before = store.head()?.ok_or(Error::EmptyHistory)?;
    let mut s = Session {
        ledger,
        remote,
        ledger_id: ledger.ledger_id()?,
        journal: journal::read(repo, remote),
        ring: KeyRing {
            remembered: store.local().keys_used(),
            keys,
            loaded: HashMap::new(),
        },
        last_refusal: None,
        received: 0,
        republished: Vec::new(),
        progress,
    };
    for attempt in 1..=tries.max(1) {
        match s.round(attempt)? {
            Round::Done(report) => {
                let mut report = *report;
                report.republished = std::mem::take(&mut s.republished);
                remember_published(store, &report);
                if let Ok(head) = Oid::from_str(&report.head) {
                    let (versions, stale) = arrivals::arrivals(repo, before, head)?;
                    report.new_versions = versions;
                    report.now_stale = stale;
                }
                return Ok(report);
            }
            Round::Lost => continue,
        }
    }
    Err(Error::KeptLosing {
        tries,
        why: s.last_refusal.map(|(_, w)| w).unwrap_or_default(),
    })
}

impl Session<'_, '_, '_> {
    fn store(&self) -> &Store {
        self.ledger.store()
    }

    fn save_journal(&self) -> Result<()> {
        journal::write(self.store().repo(), self.remote, &self.journal)
            .map_err(|e| Error::io(format!("remembering what was pushed to {}", self.remote), e))
    }

    fn round(&mut self, attempt: u32) -> Result<Round> {
        let store = self.ledger.store();
        let repo = store.repo();
        crate::progress::report(self.progress, Stage::Fetching, 0, None);
        let fetched = transport::fetch(store.dir(), repo, self.remote)?;
        let local = store.head()?.ok_or(Error::EmptyHistory)?;
        let landed = self.landed(fetched, local)?;
        let Some(remote_head) = fetched else {
            return self.first_push(local, attempt);
        };
        if let Some((seen, why)) = &self.last_refusal {
            if *seen == remote_head {
                // Refused though nobody else pushed: the remote's hook or rules said no.
                return Err(Error::PushRefused { why: why.clone() });
            }
        }
        if let Err(rewritten) = self.check_not_rewritten(remote_head) {
            // A validly signed other history with checkpoints is more than a rewrite: when the
            // checkpoints prove a split view, say so with the proof.
            let what = format!("remote {} (head {remote_head})", self.remote);
            if check(store, remote_head, self.ledger_id, what, self.progress).is_ok() {
                self.check_split(remote_head)?;
            }
            return Err(rewritten);
        }
        // Verified every round, whatever the journal says: it travels with the git directory
        // and could name a head that never verified. An unchanged remote resumes from this
        // user's own proof of it, at no cost.
        let what = format!("remote {} (head {remote_head})", self.remote);
        check(store, remote_head, self.ledger_id, what, self.progress)?;
        self.check_split(remote_head)?;
        if self.journal.verified.as_deref() != Some(remote_head.to_string().as_str()) {
            self.journal.verified = Some(remote_head.to_string());
            self.save_journal()?;
        }
        let meet = repo
            .merge_base(local, remote_head)
            .map_err(|_| Error::CannotPublish {
                why: format!(
                    "this clone and remote {} share no history; they hold different ledgers",
                    self.remote
                ),
            })?;
        // Publishing starts after whichever is newer on this clone's branch: where it meets the
        // remote, or the last local commit a landed push published (rebuilt, so the two
        // histories do not meet there). A journal older than the meeting point is stale: a sync
        // killed after moving the branch but before clearing it leaves one behind.
        let start = match landed {
            Some(l) if l != meet && contains(repo, l, meet) => l,
            _ => meet,
        };
        let received = chain(repo, remote_head, meet)
            .map(|c| c.len() as u64)
            .unwrap_or(0);
        self.received = self.received.max(received);
        let unpublished = chain(repo, local, start)?;
        if unpublished.is_empty() || contains(repo, remote_head, local) {
            // Nothing of ours to publish: take the remote's head.
            self.finish(local, remote_head)?;
            return Ok(Round::Done(Box::new(self.report(
                remote_head,
                0,
                Vec::new(),
                attempt,
            ))));
        }
        self.publish(local, remote_head, start, &unpublished, attempt)
    }

    /// Rebuilds `unpublished` on the remote head and pushes it.
    fn publish(
        &mut self,
        local: Oid,
        remote_head: Oid,
        start: Oid,
        unpublished: &[Oid],
        attempt: u32,
    ) -> Result<Round> {
        let (tip, dropped) = if start == remote_head {
            self.republished.clear();
            (local, Vec::new())
        } else {
            let total = Some(unpublished.len() as u64);
            crate::progress::report(self.progress, Stage::Rebuilding, 0, total);
            let r = rebuild::rebuild(self.ledger, unpublished, remote_head, &mut self.ring)?;
            self.republished = r.republished;
            (r.tip, r.dropped)
        };
        let published = unpublished.len() as u64 - dropped.len() as u64;
        if tip != remote_head {
            let what = format!("this clone's acts rebuilt on {remote_head}");
            check(self.store(), tip, self.ledger_id, what, self.progress)?;
            crate::progress::report(self.progress, Stage::Pushing, 0, None);
            self.journal.pending = Some(Push {
                local: local.to_string(),
                tip: tip.to_string(),
            });
            self.save_journal()?;
            if let Pushed::Refused(why) = transport::push(self.store().dir(), self.remote, tip)? {
                self.last_refusal = Some((remote_head, why));
                back_off(attempt);
                return Ok(Round::Lost);
            }
        }
        self.finish(local, tip)?;
        Ok(Round::Done(Box::new(
            self.report(tip, published, dropped, attempt),
        )))
    }

    /// A push that landed before this process (or an earlier one) died: its local commits are
    /// published. The push in flight is newer than one found landed earlier.
    fn landed(&mut self, fetched: Option<Oid>, local: Oid) -> Result<Option<Oid>> {
        let repo = self.store().repo();
        let on_remote = |p: &Push| {
            let (l, t) = p.ids()?;
            let r = fetched?;
            (contains(repo, r, t) && contains(repo, local, l)).then_some(l)
        };
        match self.journal.pending.as_ref().and_then(on_remote) {
            Some(l) => {
                self.journal.published = self.journal.pending.take();
                self.save_journal()?;
                Ok(Some(l))
            }
            None => Ok(self.journal.published.as_ref().and_then(on_remote)),
        }
    }

    /// An empty remote: this clone's ledger becomes the shared copy.
    fn first_push(&mut self, local: Oid, attempt: u32) -> Result<Round> {
        let what = format!("this clone's head {local}");
        check(self.store(), local, self.ledger_id, what, self.progress)?;
        match transport::push(self.store().dir(), self.remote, local)? {
            Pushed::Landed => {
                self.journal = RemoteState {
                    verified: Some(local.to_string()),
                    pending: None,
                    published: None,
                };
                self.save_journal()?;
                self.store().local().forget_keys();
                let published = history_len(self.store().repo(), local)?;
                Ok(Round::Done(Box::new(self.report(
                    local,
                    published,
                    Vec::new(),
                    attempt,
                ))))
            }
            Pushed::Refused(why) => {
                self.last_refusal = Some((Oid::ZERO_SHA1, why));
                Ok(Round::Lost)
            }
        }
    }

    /// The remote's checkpoints against those seen before: this user's largest checkpoint of
    /// the ledger, and the latest of the history this clone verified on this remote. A split
    /// view writes its proof and is [`Error::Equivocation`]; otherwise the remote's latest
    /// checkpoint is remembered.
    fn check_split(&self, remote_head: Oid) -> Result<()> {
        let store = self.store();
        let ledger_id = self.ledger_id.to_string();
        let remote = crate::verify::verified_state(store, remote_head, false)?;
        let from = format!("remote {} (head {remote_head})", self.remote);
        let mut known: Vec<crate::log::equivocation::Seen> =
            crate::local::witness::seen(&ledger_id)
                .into_iter()
                .collect();
        if let Some(before) = self.journal.verified_id().filter(|v| *v != remote_head) {
            if let Ok(earlier) = crate::verify::verified_state(store, before, false) {
                let was = format!(
                    "remote {} as this clone verified it (head {before})",
                    self.remote
                );
                known.extend(crate::ledger::latest_seen(&earlier.log, &was));
                if let Some(now) = crate::ledger::latest_seen(&remote.log, &from) {
                    crate::ledger::check_against(
                        store,
                        before,
                        &ledger_id,
                        &now,
                        earlier.log.clone(),
                    )?;
                }
            }
        }
        for seen in &known {
            crate::ledger::check_against(store, remote_head, &ledger_id, seen, remote.log.clone())?;
        }
        if let Some(latest) = crate::ledger::latest_seen(&remote.log, &from) {
            let _ = crate::local::witness::remember_seen(&ledger_id, &latest);
        }
        Ok(())
    }

    /// A remote whose history no longer holds the head this clone verified there was rewritten.
    fn check_not_rewritten(&self, remote_head: Oid) -> Result<()> {
        let repo = self.store().repo();
        let Some(verified) = self.journal.verified_id() else {
            return Ok(());
        };
        if contains(repo, remote_head, verified) {
            return Ok(());
        }
        let common = repo
            .merge_base(remote_head, verified)
            .map(|c| format!("the last common commit is {c}"))
            .unwrap_or_else(|_| "they share no commit".into());
        Err(Error::Unverified {
            what: format!("remote {} (head {remote_head})", self.remote),
            failures: vec![Failure {
                commit: remote_head.to_string(),
                path: None,
                rule: Rule::Rewrite,
                reason: format!(
                    "history rewritten: the remote no longer contains {verified}, which this clone verified before; {common}. Nothing was changed here"
                ),
            }],
        })
    }

    /// The branch takes the published head; the journal, the key memory and the pins follow.
    fn finish(&mut self, local: Oid, head: Oid) -> Result<()> {
        let store = self.ledger.store();
        let log = format!("undersigned: sync with {}", self.remote);
        if local != head && !store.advance(Some(local), head, &log)? {
            return Err(Error::CannotPublish {
                why: "the branch moved during sync although the ledger was locked (a plain git command?); run sync again".into(),
            });
        }
        self.journal = RemoteState {
            verified: Some(head.to_string()),
            pending: None,
            published: None,
        };
        self.save_journal()?;
        store.local().forget_keys();
        let _ = crate::local::pin::remember(store.repo(), self.ledger_id, head);
        if local != head {
            store.update_worktree(None)?;
        }
        Ok(())
    }

    fn report(&self, head: Oid, published: u64, dropped: Vec<String>, tries: u32) -> SyncReport {
        SyncReport {
            format: crate::report::formats::SYNC.into(),
            new_versions: Vec::new(),
            now_stale: Vec::new(),
            republished: Vec::new(),
            checkpoint: None,
            remote: self.remote.to_string(),
            head: head.to_string(),
            received: self.received,
            published,
            dropped,
            tries,
        }
    }
}

/// Waits before the next round after losing a race, so that clones pushing at once spread out
/// instead of colliding again in lockstep: exponential from 20 ms, capped at 1 s, with full
/// jitter (the wait is uniform below the cap of its round), as HTTP clients and cargo do.
fn back_off(attempt: u32) {
    use std::hash::{BuildHasher, Hasher};
    let cap_ms = (20u64 << attempt.min(6)).min(1000);
    // A fresh std RandomState is randomly keyed: enough entropy for a jitter, with no new crate.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(attempt);
    let wait = h.finish() % cap_ms;
    std::thread::sleep(std::time::Duration::from_millis(wait));
}

/// The first-parent chain from `head` back to `stop` (exclusive), oldest first.
fn chain(repo: &Repository, head: Oid, stop: Oid) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    let mut id = head;
    while id != stop {
        out.push(id);
        id = repo.find_commit(id)?.parent_id(0).map_err(|_| Error::CannotPublish {
            why: format!(
                "commit {stop} is not on this clone's history; the clone and the remote hold different ledgers"
            ),
        })?;
    }
    out.reverse();
    Ok(out)
}

fn history_len(repo: &Repository, head: Oid) -> Result<u64> {
    let mut n = 0;
    let mut id = Some(head);
    while let Some(c) = id {
        n += 1;
        id = repo.find_commit(c)?.parent_id(0).ok();
    }
    Ok(n)
}

fn contains(repo: &Repository, head: Oid, ancestor: Oid) -> bool {
    head == ancestor || repo.graph_descendant_of(head, ancestor).unwrap_or(false)
}

/// Remembers the latest checkpoint of the head a sync published (what every reader of the
/// remote now sees), so that a split view shown to this user later is caught.
fn remember_published(store: &Store, report: &SyncReport) {
    let Ok(head) = Oid::from_str(&report.head) else {
        return;
    };
    if let Ok(state) = crate::verify::verified_state(store, head, false) {
        let from = format!("remote {} (head {head})", report.remote);
        if let (Some(id), Some(latest)) = (
            state.ledger_id,
            crate::ledger::latest_seen(&state.log, &from),
        ) {
            let _ = crate::local::witness::remember_seen(&id.to_string(), &latest);
        }
    }
}

/// Verifies the history ending at `head` (incrementally, pinned to this ledger), or refuses it
/// as what came from `what`.
fn check(
    store: &Store,
    head: Oid,
    trust: Oid,
    what: String,
    progress: Option<&Progress>,
) -> Result<()> {
    let report = verify_at(
        store,
        head,
        &VerifyOptions {
            trust: Some(trust),
            incremental: true,
            prove: true,
            progress: progress.cloned(),
            ..Default::default()
        },
    )?;
    if report.ok {
        Ok(())
    } else {
        Err(Error::Unverified {
            what,
            failures: report.failures,
        })
    }
}
