//! Reading history in parallel and deciding in order.
//!
//! Reading a commit — its object, its tree against its parent's, the blobs it adds, their
//! records, every signature parsed and checked — does not depend on the ledger's state, so the
//! commits of the chain are read in batches of consecutive commits by reader threads, each with
//! a repository handle of its own (libgit2 serializes the object reads of one handle), while
//! this thread takes the batches back in history order and applies the rules to each commit
//! against its parent's state ([`Verifier::decide`]). At most [`IN_FLIGHT_PER_THREAD`] batches
//! per reader are read ahead, so memory stays flat whatever the length of history. With one
//! thread (`--jobs 1`), or a history of one commit (what a resumed run after one act reads), the same reading is done inline.

use super::commit::{Next, Verifier};
use super::read::{CommitRead, Reader};
use super::tree_diff::TreeCache;
use crate::error::Result;
use crate::progress::{report as report_progress, Progress, Stage};
use crate::store::Store;
use git2::{Oid, Repository};
use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// At most this many consecutive commits one reader reads in a row: the first of a batch reads
/// its parent's trees afresh, the others find them kept from the commit before.
const BATCH: usize = 128;
/// Batches read ahead per reader, waiting for the ordered thread.
const IN_FLIGHT_PER_THREAD: usize = 3;
/// More readers than this never help.
const MAX_THREADS: usize = 64;

/// A batch to read: the first and one-past-last positions in the chain, and where to send it.
type Job = (usize, usize, SyncSender<Vec<CommitRead>>);

/// The threads a pass asks for: `jobs`, or one per core for 0.
pub(super) fn threads(jobs: usize) -> usize {
    let n = match jobs {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    };
    n.clamp(1, MAX_THREADS)
}

/// Judges each commit of `chain` (oldest first; `from` is the commit before the first, none
/// from genesis) in order; stops at a commit whose objects cannot be read.
pub(super) fn walk(
    store: &Store,
    v: &mut Verifier,
    chain: &[Oid],
    from: Option<Oid>,
    jobs: usize,
    progress: Option<&Progress>,
) -> Result<()> {
    let repo = store.repo();
    let parent_time = match from {
        Some(s) => Some(repo.find_commit(s)?.time().seconds()),
        None => None,
    };
    let readers = threads(jobs);
    let batch = batch_len(chain.len(), readers);
    let handles: Vec<Repository> = if readers > 1 && chain.len() > 1 {
        (0..readers).filter_map(|_| store.open_again()).collect()
    } else {
        Vec::new()
    };
    let mut order = Order {
        v,
        from,
        parent_time,
        done: 0,
        total: chain.len() as u64,
        progress,
    };
    let cache = TreeCache::new();
    if handles.is_empty() {
        let mut reader = Reader::new(repo, &cache)?;
        for (i, id) in chain.iter().enumerate() {
            let parent = parent_of(chain, from, i);
            if !order.decide(reader.read(*id, parent)) {
                break;
            }
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        let (jobs_tx, jobs_rx) = sync_channel::<Job>(handles.len());
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        for handle in handles {
            let rx = Arc::clone(&jobs_rx);
            let cache = &cache;
            scope.spawn(move || read_batches(&handle, cache, chain, from, &rx));
        }
        let in_flight = IN_FLIGHT_PER_THREAD * readers;
        let mut waiting: VecDeque<Receiver<Vec<CommitRead>>> = VecDeque::new();
        let mut next = 0;
        'walk: loop {
            while next < chain.len() && waiting.len() < in_flight {
                let end = (next + batch).min(chain.len());
                let (tx, rx) = sync_channel(1);
                if jobs_tx.send((next, end, tx)).is_err() {
                    break 'walk; // every reader is gone (one panicked): fail closed below
                }
                waiting.push_back(rx);
                next = end;
            }
            let Some(rx) = waiting.pop_front() else {
                break;
            };
            // A reader that panicked drops its batch unsent: fail closed.
            let batch = rx.recv().expect("a reader thread of history panicked");
            for read in batch {
                if !order.decide(read) {
                    break 'walk;
                }
            }
        }
        drop(jobs_tx);
        Ok(())
    })
}

/// Commits per batch: [`BATCH`], or fewer on a short history so that every reader gets some
/// (a short history is read in parallel too, which is also what lets the tamper suite compare
/// parallel and serial runs on its small ledgers).
fn batch_len(commits: usize, readers: usize) -> usize {
    commits
        .div_ceil(readers * IN_FLIGHT_PER_THREAD)
        .clamp(1, BATCH)
}

/// The first parent of the commit at position `i` of the chain.
fn parent_of(chain: &[Oid], from: Option<Oid>, i: usize) -> Option<Oid> {
    match i.checked_sub(1) {
        Some(p) => Some(chain[p]),
        None => from,
    }
}

/// A reader thread: reads the batches it is given until there are none.
fn read_batches(
    repo: &Repository,
    cache: &TreeCache,
    chain: &[Oid],
    from: Option<Oid>,
    jobs: &Mutex<Receiver<Job>>,
) {
    let Ok(mut reader) = Reader::new(repo, cache) else {
        return;
    };
    loop {
        // Hold the lock only to take a job, never while reading.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((start, end, tx)) = job else {
            return; // the ordered thread is done
        };
        let batch = (start..end)
            .map(|i| reader.read(chain[i], parent_of(chain, from, i)))
            .collect();
        // The ordered thread stops taking batches at a commit it cannot read past.
        let _ = tx.send(batch);
    }
}

/// The ordered side: each read commit judged against its parent's state.
struct Order<'v, 'p> {
    v: &'v mut Verifier,
    from: Option<Oid>,
    parent_time: Option<i64>,
    done: u64,
    total: u64,
    progress: Option<&'p Progress>,
}

impl Order<'_, '_> {
    /// Judges the next commit; false when the pass stops there.
    fn decide(&mut self, read: CommitRead) -> bool {
        if self.done.is_multiple_of(64) {
            report_progress(self.progress, Stage::Checking, self.done, Some(self.total));
        }
        let genesis = self.from.is_none() && self.done == 0;
        self.done += 1;
        match self.v.decide(read, self.parent_time, genesis) {
            Next::Go(time) => {
                self.parent_time = Some(time);
                true
            }
            Next::Stop => false,
        }
    }
}
