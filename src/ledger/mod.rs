//! The ledger handle and every act a coordinator or an organization performs. Each act reads
//! what it needs from the head's tree ([`crate::view::Loaded`]), builds one [`Act`], judges the
//! commit it would write with the verifier's own rules, and only then moves the branch, by
//! compare-and-swap under the ledger's lock; on a lost race it rebuilds on the new head.

mod accept;
mod log;
mod registry;
mod signon;
mod statements;
mod translate;
mod write;

pub use log::{check_against, latest_seen, Cosigned};
pub use registry::{NewOrg, NewPerson};
pub(crate) use statements::signatory_fields;
pub use statements::{Preview, Revision};

use crate::act::Act;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::ids::{check_slug, Principal};
use crate::keys::SigningKey;
use crate::layout;
use crate::record::{EditorRecord, KeyRecord, LedgerRecord, FORMAT};
use crate::rules::fields::{self, Field};
use crate::store::Store;
use crate::timefmt;
use git2::Oid;
use std::cell::Cell;
use std::fs;
use std::path::Path;
use std::sync::Arc;

/// What a new ledger is called and who its first editor is.
#[derive(Debug, Clone)]
pub struct NewLedger {
    /// Name of the ledger (the coalition or campaign).
    pub name: String,
    /// Slug of the first editor.
    pub editor_id: String,
    /// Display name of the first editor.
    pub editor_name: String,
}

/// An open ledger.
pub struct Ledger {
    store: Store,
    /// When set, acts are built on this commit instead of the branch and the branch is not
    /// moved: `sync` rebuilds unpublished acts on a fetched head this way, under its own lock.
    detached: Cell<Option<Oid>>,
    clock: Arc<dyn Clock>,
}

impl Ledger {
    /// Opens the ledger in `dir`; acts take their time from the system clock.
    pub fn open(dir: &Path) -> Result<Ledger> {
        Ledger::open_with_clock(dir, Arc::new(SystemClock))
    }

    /// Opens the ledger in `dir`; acts take their time from `clock`.
    pub fn open_with_clock(dir: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        Ok(Ledger {
            store: Store::open(dir)?,
            detached: Cell::new(None),
            clock,
        })
    }

    /// The git side.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock acts read.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// [`Ledger::init_with_clock`] with the system clock.
    pub fn init(dir: &Path, new: &NewLedger, key: &SigningKey) -> Result<Oid> {
        Ledger::init_with_clock(dir, new, key, &SystemClock)
    }

    /// Creates a ledger in `dir` with a genesis commit signed by its first editor. Returns the
    /// ledger id (the genesis commit id), which verifiers pin with `--trust`. A failed init
    /// leaves the directory as it was found.
    pub fn init_with_clock(
        dir: &Path,
        new: &NewLedger,
        key: &SigningKey,
        clock: &dyn Clock,
    ) -> Result<Oid> {
        let bad = |field, why| Error::BadField { field, why };
        fields::check_line(Field::LedgerName, &new.name).map_err(|w| bad(Field::LedgerName, w))?;
        check_slug("editor", &new.editor_id)?;
        fields::check_line(Field::EditorName, &new.editor_name)
            .map_err(|w| bad(Field::EditorName, w))?;
        let existed = dir.exists();
        let store = Store::create(dir)?;
        let result = genesis(&store, new, key, clock.now_ms());
        if result.is_err() {
            // Leave the directory as it was found: a failed init must not make the next one fail.
            let _ = fs::remove_dir_all(store.repo().path());
            if !existed {
                let _ = fs::remove_dir_all(dir);
            }
        }
        result
    }

    /// The statements at the head, read from the tree alone: lets a command that replays the
    /// whole history refuse an unknown statement before paying for the replay.
    pub fn statement_ids(&self) -> Result<Vec<String>> {
        let Some(head) = self.store.head()? else {
            return Ok(Vec::new());
        };
        let repo = self.store.repo();
        let tree = repo.find_commit(head)?.tree()?;
        crate::store::list_dir(repo, &tree, layout::STATEMENTS)
    }

    /// The ledger id: the genesis commit. Remembered with the head it was last confirmed for
    /// ([`crate::local::LocalDir::ledger_id`]), so that acts do not walk history. The memory is
    /// trusted only when that head is still in the current history (a few first-parent steps
    /// back in the usual case); otherwise history is walked to its root again. Verification
    /// never relies on it.
    pub fn ledger_id(&self) -> Result<Oid> {
        let repo = self.store.repo();
        let head = self.store.head()?.ok_or_else(|| Error::NotALedger {
            path: self.store.dir().to_path_buf(),
            why: "no commits".into(),
        })?;
        let local = self.store.local();
        let cached = local.ledger_id();
        let mut id = head;
        let mut steps = 0u32;
        let root = loop {
            if let Some((ledger, seen)) = cached {
                if id == seen && steps <= 10_000 {
                    break ledger;
                }
            }
            match repo.find_commit(id)?.parent_id(0) {
                Ok(p) => id = p,
                Err(_) => break id,
            }
            steps += 1;
        };
        local.remember_ledger_id(root, head);
        Ok(root)
    }

    /// Builds acts on `base` instead of the branch until [`Ledger::attach`]; each act then
    /// advances the base, and the branch, the work tree and the key memory stay as they are.
    pub(crate) fn detach(&self, base: Oid) {
        self.detached.set(Some(base));
    }

    /// The last commit built while detached.
    pub(crate) fn detached_head(&self) -> Option<Oid> {
        self.detached.get()
    }

    /// Ends [`Ledger::detach`] and returns the last commit built.
    pub(crate) fn attach(&self) -> Option<Oid> {
        self.detached.take()
    }
}

/// The genesis commit: the ledger and its first editor, judged by the rules before the branch
/// is created.
fn genesis(store: &Store, new: &NewLedger, key: &SigningKey, now_ms: i64) -> Result<Oid> {
    let now = timefmt::format_ms(now_ms).ok_or(Error::ClockOutOfRange { ms: now_ms })?;
    let who = Principal::editor(&new.editor_id);
    let public = key.public();
    let act = Act::Init {
        ledger: LedgerRecord {
            format: FORMAT,
            name: new.name.clone(),
            created_at: now.clone(),
        },
        editor: EditorRecord {
            id: new.editor_id.clone(),
            name: new.editor_name.clone(),
            added_by: None,
            added_at: now.clone(),
        },
        key: KeyRecord {
            principal: who.to_string(),
            seq: 1,
            public_key: public.openssh.clone(),
            fingerprint: public.fingerprint.clone(),
            added_by: who.to_string(),
            added_at: now,
            reason: None,
        },
    };
    let oid = write::commit_act(store, None, &act, &who, key, now_ms)?.0;
    if !store.advance(None, oid, "undersigned: init")? {
        return Err(Error::LedgerExists {
            path: store.dir().to_path_buf(),
        });
    }
    store.update_worktree(None)?;
    store.local().remember_ledger_id(oid, oid);
    Ok(oid)
}
