//! The checks whose outcome does not change what the pass does next: signatures, and the hash
//! of the derived `allowed_signers`. They run on worker threads while the history is still
//! being read, so reading (serial: each commit is judged by its parent's state) and checking
//! overlap instead of taking turns.

use crate::layout;
use crate::report::{Failure, Rule};
use crate::signed_data::SignedData;
use git2::{ObjectType, Oid};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Checks queued before they are handed to a worker: large enough that handing over costs
/// nothing next to the checks, small enough that workers start early.
const BATCH: usize = 512;
/// Bytes a batch may carry before it is handed over anyway: an `allowed_signers` check carries
/// the whole expected file, megabytes on a large registry.
const BATCH_BYTES: usize = 4 << 20;
/// Batches waiting for a worker before reading pauses: with [`BATCH_BYTES`], this bounds the
/// memory in flight (about 40 MB) whatever the ledger's size.
const QUEUED_BATCHES: usize = 8;
/// More threads than this never help a pass whose reading is serial.
const MAX_THREADS: usize = 64;

/// One deferred check.
pub(super) enum Job {
    /// A commit's SSHSIG over its bytes.
    Commit(SignedData),
    /// An act record's own SSHSIG over its payload.
    Record(SignedData),
    /// The committed `allowed_signers` (its blob id and mode, if present) against the file the
    /// key records imply: hashing the expected file is the check, and it grows with the
    /// registry, so it is worth taking off the reading thread.
    AllowedSigners {
        expected: String,
        actual: Option<(Oid, i32)>,
    },
}

/// A check with its place in history, so that a failure found late is reported in order.
pub(super) struct Pending {
    pub seq: u64,
    pub commit: Oid,
    pub path: Option<String>,
    pub job: Job,
}

impl Pending {
    fn weight(&self) -> usize {
        match &self.job {
            Job::Commit(s) | Job::Record(s) => s.weight(),
            Job::AllowedSigners { expected, .. } => expected.len(),
        }
    }

    fn check(&self) -> Option<(u64, Failure)> {
        let (rule, reason) = match &self.job {
            Job::Commit(s) => match s.check() {
                Ok(()) => return None,
                Err(e) => (Rule::Signature, format!("commit signature by {}: {e} (the commit was altered after signing, or the signature belongs to another commit)", s.signer)),
            },
            Job::Record(s) => match s.check() {
                Ok(()) => return None,
                Err(e) => (Rule::RecordSignature, format!("{}'s own signature on the record: {e}", s.signer)),
            },
            Job::AllowedSigners { expected, actual } => {
                match Oid::hash_object(ObjectType::Blob, expected.as_bytes()) {
                    Ok(id) if *actual == Some((id, 0o100644)) => return None,
                    Ok(_) => (Rule::Derived, format!(
                        "allowed_signers differs from what the key records imply{}; it must list exactly the registered keys",
                        if actual.is_none() { " (it is missing)" } else { "" }
                    )),
                    Err(e) => (Rule::Derived, format!("cannot hash the expected {}: {e}", layout::ALLOWED_SIGNERS)),
                }
            }
        };
        Some((
            self.seq,
            Failure {
                commit: self.commit.to_string(),
                path: self.path.clone(),
                rule,
                reason,
            },
        ))
    }
}

fn check_all(batch: &[Pending]) -> Vec<(u64, Failure)> {
    batch.iter().filter_map(Pending::check).collect()
}

/// Runs deferred checks: inline when one thread is asked for, else on worker threads fed in
/// batches while the caller goes on reading history.
pub(super) struct Checker {
    batch: Vec<Pending>,
    batch_bytes: usize,
    found: Vec<(u64, Failure)>,
    queue: Option<SyncSender<Vec<Pending>>>,
    workers: Vec<JoinHandle<Vec<(u64, Failure)>>>,
}

impl Checker {
    /// `jobs`: threads in all, the reading one included (0: one per core). The reader is busy
    /// the whole pass, so `jobs - 1` workers check; with one thread the checks run inline.
    pub fn new(jobs: usize) -> Checker {
        let threads = match jobs {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            n => n,
        };
        let mut checker = Checker {
            batch: Vec::new(),
            batch_bytes: 0,
            found: Vec::new(),
            queue: None,
            workers: Vec::new(),
        };
        let threads = threads.min(MAX_THREADS);
        if threads > 1 {
            let (tx, rx) = sync_channel::<Vec<Pending>>(QUEUED_BATCHES);
            let rx = Arc::new(Mutex::new(rx));
            for _ in 1..threads {
                let rx = Arc::clone(&rx);
                match std::thread::Builder::new().spawn(move || work(&rx)) {
                    Ok(worker) => checker.workers.push(worker),
                    Err(_) => break, // the system has no more threads: check with fewer
                }
            }
            if !checker.workers.is_empty() {
                checker.queue = Some(tx);
            }
        }
        checker
    }

    pub fn push(&mut self, pending: Pending) {
        if pending.weight() > BATCH_BYTES {
            // An `allowed_signers` of a very large registry: checked here rather than queued,
            // so that the bytes in flight stay bounded by the queue's length.
            self.found.extend(pending.check());
            return;
        }
        self.batch_bytes += pending.weight();
        self.batch.push(pending);
        if self.batch.len() >= BATCH || self.batch_bytes >= BATCH_BYTES {
            self.hand_over();
        }
    }

    fn hand_over(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        if batch.is_empty() {
            return;
        }
        match &self.queue {
            Some(tx) => {
                if let Err(unsent) = tx.send(batch) {
                    // Every worker is gone (one panicked): check here rather than lose it.
                    self.found.extend(check_all(&unsent.0));
                }
            }
            None => self.found.extend(check_all(&batch)),
        }
    }

    /// Waits for every check and returns the failures found, in no particular order.
    pub fn finish(&mut self) -> Vec<(u64, Failure)> {
        self.hand_over();
        drop(self.queue.take());
        for worker in self.workers.drain(..) {
            // Fail closed: a crashed check must never read as a passed one.
            let found = worker.join().expect("signature checks do not panic");
            self.found.extend(found);
        }
        std::mem::take(&mut self.found)
    }
}

fn work(rx: &Mutex<Receiver<Vec<Pending>>>) -> Vec<(u64, Failure)> {
    let mut found = Vec::new();
    loop {
        // Hold the lock only to take a batch, never while checking it.
        let next = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return found,
        };
        match next {
            Ok(batch) => found.extend(check_all(&batch)),
            Err(_) => return found, // the reader is done
        }
    }
}
