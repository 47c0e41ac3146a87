//! How long work tells its caller how far it is: verification, clone and sync call a
//! [`Progress`] the caller gave them; the library never draws anything itself (the CLI draws a
//! bar on a terminal, a program may log or ignore it).

use std::sync::Arc;

/// What is being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Reading history back from the head (the number of commits is not known yet).
    Reading,
    /// Checking commits in order.
    Checking,
    /// Fetching from a remote, or cloning (git's own work).
    Fetching,
    /// Putting this clone's acts on top of the remote.
    Rebuilding,
    /// Pushing to a remote.
    Pushing,
}

/// One step of progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// What is being done.
    pub stage: Stage,
    /// How much of it is done.
    pub done: u64,
    /// How much there is in all, when known.
    pub total: Option<u64>,
}

/// A callback for [`Event`]s, shared by the threads of one run.
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(Event) + Send + Sync>);

impl Progress {
    /// Calls `f` for each event.
    pub fn new(f: impl Fn(Event) + Send + Sync + 'static) -> Progress {
        Progress(Arc::new(f))
    }

    /// Reports one event.
    pub fn report(&self, stage: Stage, done: u64, total: Option<u64>) {
        (self.0)(Event { stage, done, total });
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Reports through an optional callback.
pub(crate) fn report(p: Option<&Progress>, stage: Stage, done: u64, total: Option<u64>) {
    if let Some(p) = p {
        p.report(stage, done, total);
    }
}
