//! How every act is written: build the [`Act`] against the head, write its signed commit, judge
//! that commit with the verifier's own rules against the head's state, and only then move the
//! branch (compare-and-swap, under the ledger's lock; a lost race rebuilds on the new head).

use super::Ledger;
use crate::act::{Act, Needs};
use crate::error::{Error, Result};
use crate::ids::Principal;
use crate::keys::SigningKey;
use crate::layout;
use crate::report::Outcome;
use crate::rules::{self, Context, File};
use crate::state::State;
use crate::store::{Addition, CommitSpec, Store};
use crate::timefmt;
use crate::view::{Loaded, View};
use git2::{Commit, ObjectType, Oid};

/// How often an act is rebuilt when another writer moves the branch first.
const MAX_TRIES: u32 = 8;

/// What an act decided, against its parent. A short-lived return value, one per act: boxing
/// the act would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step {
    /// Write this act, signed by `actor`.
    Write { act: Act, actor: Principal },
    /// The ledger already says this; nothing is written.
    Nothing(String),
}

/// The commit an act is built on: its tree, what was loaded of its state, and the act's time.
pub(crate) struct Parent<'a> {
    pub view: View<'a>,
    loaded: Loaded,
    /// The ledger id.
    pub ledger_id: Oid,
    /// The act's time, in milliseconds: now, but never before the parent's own time, so that
    /// history's times never go backwards (a `valid-before` written from an act's time then
    /// covers everything the retired key signed).
    pub now_ms: i64,
    /// [`Parent::now_ms`] as records write it.
    pub now: String,
}

impl Parent<'_> {
    /// The parent's state with at least what `needs` names loaded.
    pub fn state(&mut self, needs: &Needs) -> Result<&State> {
        self.loaded.need(&self.view, needs)?;
        Ok(&self.loaded.state)
    }

    /// [`Parent::state`], taken: the act is built, its commit is judged against it.
    fn take_state(&mut self, needs: &Needs) -> Result<State> {
        self.loaded.need(&self.view, needs)?;
        Ok(std::mem::take(&mut self.loaded.state))
    }
}

/// A written but unpublished act.
struct Built {
    oid: Oid,
    paths: Vec<String>,
    subject: String,
}

impl Ledger {
    /// Runs one act: lock, bring a lagging work tree to the head, build against the head,
    /// commit, judge, move the branch if nobody else did, else rebuild.
    pub(crate) fn act(
        &self,
        key: &SigningKey,
        mut build: impl FnMut(&mut Parent<'_>) -> Result<Step>,
    ) -> Result<Outcome> {
        if let Some(base) = self.detached.get() {
            return self.act_detached(base, key, &mut build);
        }
        let _lock = self.store.lock()?;
        self.readable_head()?;
        // A work tree behind the head (another writer, or a killed act) is brought to it whole,
        // which must overwrite nothing of the user's; otherwise only the act's own paths are
        // checked, once it knows them.
        if !self.store.worktree_current()? {
            self.store.check_clean()?;
            self.store.update_worktree(None)?;
        }
        let ledger_id = self.ledger_id()?;
        // What the work tree holds, from its own marker: the branch may move meanwhile (a
        // writer that does not take the lock), and then the whole head is checked out.
        let synced = self.store.synced_commit();
        for _ in 0..MAX_TRIES {
            let head = self.branch_head()?;
            let built = match self.build_on(head, ledger_id, key, &mut build)? {
                Ok(built) => built,
                Err(message) => return Ok(nothing(message)),
            };
            let touched: Vec<&str> = built.paths.iter().map(String::as_str).collect();
            if Some(head) == synced {
                self.store.check_paths(&touched)?;
            } else {
                // Another writer moved the branch: the whole head will be checked out.
                self.store.check_clean()?;
            }
            // Remembered before the branch moves: an entry for a commit that never landed is
            // harmless, an act that landed without one would need `sync --key`.
            self.remember_key(built.oid, key);
            let log = format!("undersigned: {}", built.subject);
            if self.store.advance(Some(head), built.oid, &log)? {
                self.store.local().remember_ledger_id(ledger_id, built.oid);
                // Only this act's files are new to the work tree, unless another writer's
                // commit came in between (a lost race): then the whole head is checked out.
                let only = (Some(head) == synced).then_some(built.paths.as_slice());
                let warning = self.store.update_worktree(only).err().map(|e| {
                    format!("the act is committed, but the work tree was not updated ({e}); check it out again with git (`git checkout -f main` in the ledger)")
                });
                return Ok(Outcome {
                    format: crate::report::formats::OUTCOME.into(),
                    text_sha256: None,
                    changed: true,
                    commit: Some(built.oid.to_string()),
                    message: built.subject,
                    paths: built.paths,
                    warning,
                });
            }
        }
        // A branch lock that outlived every try is no race: say which file holds it.
        self.store.check_git_locks()?;
        Err(Error::Contention { tries: MAX_TRIES })
    }

    /// One act built on `base` (see [`Ledger::detach`]).
    fn act_detached(
        &self,
        base: Oid,
        key: &SigningKey,
        build: &mut dyn FnMut(&mut Parent<'_>) -> Result<Step>,
    ) -> Result<Outcome> {
        let ledger_id = self.ledger_id()?;
        match self.build_on(base, ledger_id, key, build)? {
            Err(message) => Ok(nothing(message)),
            Ok(built) => {
                self.detached.set(Some(built.oid));
                Ok(Outcome {
                    format: crate::report::formats::OUTCOME.into(),
                    text_sha256: None,
                    changed: true,
                    commit: Some(built.oid.to_string()),
                    message: built.subject,
                    paths: built.paths,
                    warning: None,
                })
            }
        }
    }

    /// Refuses, naming it, a head libgit2 cannot read (before anything else reads it).
    fn readable_head(&self) -> Result<()> {
        let head = self.branch_head()?;
        match self.store.repo().find_commit(head) {
            Ok(_) => Ok(()),
            Err(e) => Err(Error::UnreadableCommit {
                commit: head.to_string(),
                why: e.message().to_string(),
            }),
        }
    }

    fn branch_head(&self) -> Result<Oid> {
        self.store.head()?.ok_or_else(|| Error::NotALedger {
            path: self.store.dir().to_path_buf(),
            why: "no commits".into(),
        })
    }

    /// Builds the act on `head` and writes its commit (judged, not yet on the branch); or the
    /// message of an act that changes nothing.
    fn build_on(
        &self,
        head: Oid,
        ledger_id: Oid,
        key: &SigningKey,
        build: &mut dyn FnMut(&mut Parent<'_>) -> Result<Step>,
    ) -> Result<std::result::Result<Built, String>> {
        let repo = self.store.repo();
        let parent = repo
            .find_commit(head)
            .map_err(|e| Error::UnreadableCommit {
                commit: head.to_string(),
                why: e.message().to_string(),
            })?;
        let tree = parent.tree()?;
        let now_ms = act_time(self.clock.now_ms(), head, parent.time().seconds())?;
        let now = timefmt::format_ms(now_ms).ok_or(Error::ClockOutOfRange { ms: now_ms })?;
        let mut p = Parent {
            view: View {
                repo,
                tree: &tree,
                commit: head,
            },
            loaded: Loaded::new(ledger_id),
            ledger_id,
            now_ms,
            now,
        };
        let (act, actor) = match build(&mut p)? {
            Step::Nothing(message) => return Ok(Err(message)),
            Step::Write { act, actor } => (act, actor),
        };
        let mut needs = act.needs();
        needs.principals.push(actor.clone());
        let state = p.take_state(&needs)?;
        let subject = act.subject(&actor, &state);
        let (oid, paths) = commit_act(
            &self.store,
            Some((&parent, state)),
            &act,
            &actor,
            key,
            now_ms,
        )?;
        Ok(Ok(Built {
            oid,
            paths,
            subject,
        }))
    }

    /// Remembers which key file made `commit`, for `sync` (paths only, never key material).
    fn remember_key(&self, commit: Oid, key: &SigningKey) {
        let path = key.path();
        if path.as_os_str().is_empty() {
            return;
        }
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.store.local().remember_key(commit, &path);
    }
}

/// How far ahead of this machine's clock the head may be dated before an act refuses to build
/// on it: clocks of a coalition's machines differ by minutes, not by days.
const MAX_HEAD_AHEAD_MS: i64 = 24 * 3600 * 1000;

/// The time of an act built on `head` (committed at `head_secs`): the clock's, or the head's
/// own when the head is a little ahead (times never go backwards). A head dated outside the
/// range a ledger holds, or far ahead of the clock, is refused by name: building on it would
/// write a commit that does not verify, or wedge every later act.
fn act_time(clock_ms: i64, head: Oid, head_secs: i64) -> Result<i64> {
    if !timefmt::in_range(clock_ms) {
        return Err(Error::ClockOutOfRange { ms: clock_ms });
    }
    let head_ms = head_secs
        .checked_mul(1000)
        .filter(|ms| timefmt::in_range(*ms))
        .ok_or_else(|| Error::HeadAhead {
            commit: head.to_string(),
            time: timefmt::format_secs(head_secs),
            now: timefmt::format_ms(clock_ms).unwrap_or_default(),
        })?;
    if head_ms > clock_ms.saturating_add(MAX_HEAD_AHEAD_MS) {
        return Err(Error::HeadAhead {
            commit: head.to_string(),
            time: timefmt::format_secs(head_secs),
            now: timefmt::format_ms(clock_ms).unwrap_or_default(),
        });
    }
    Ok(clock_ms.max(head_ms))
}

fn nothing(message: String) -> Outcome {
    Outcome {
        format: crate::report::formats::OUTCOME.into(),
        text_sha256: None,
        changed: false,
        commit: None,
        message,
        paths: Vec::new(),
        warning: None,
    }
}

/// Writes the signed commit of `act` on `parent` (with its state, loaded for the act's needs;
/// none for the genesis) and judges it exactly as verification will: returns the commit and
/// the paths it writes, or [`Error::WouldNotVerify`]. The branch is not moved.
pub(super) fn commit_act(
    store: &Store,
    parent: Option<(&Commit<'_>, State)>,
    act: &Act,
    actor: &Principal,
    key: &SigningKey,
    now_ms: i64,
) -> Result<(Oid, Vec<String>)> {
    let genesis = parent.is_none();
    let (parent_commit, state) = match parent {
        Some((c, s)) => (Some(c), s),
        None => (None, State::default()),
    };
    let time = now_ms.div_euclid(1000);
    let mut additions: Vec<Addition> = act
        .records()
        .into_iter()
        .map(|(path, bytes)| Addition { path, bytes })
        .collect();
    let mut derived: Vec<&str> = Vec::new();
    if act.changes_registry() {
        // Written when it changes (revoking a key already retired leaves it as it is).
        let after = state_after(&state, &additions, actor, genesis, time);
        if genesis || after.signer_lines != state.signer_lines {
            additions.push(Addition {
                path: layout::ALLOWED_SIGNERS.to_string(),
                bytes: after.allowed_signers().into_bytes(),
            });
        }
        if !genesis {
            derived.push(layout::ALLOWED_SIGNERS);
        }
    }
    let name = match act {
        Act::Init { editor, .. } => editor.name.clone(),
        _ => state
            .principal(actor)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| actor.to_string()),
    };
    let email = actor.email();
    let message = act.message(actor, &state);
    let spec = CommitSpec {
        name: &name,
        email: &email,
        time,
        message: &message,
    };
    let oid = store.write_commit(parent_commit, &additions, &derived, key, &spec)?;
    let mut judged = state;
    if genesis {
        judged.ledger_id = Some(oid);
    }
    let failures = crate::verify::check_new_commit(store.repo(), judged, oid, genesis)?;
    if !failures.is_empty() {
        return Err(Error::WouldNotVerify { failures });
    }
    Ok((oid, additions.into_iter().map(|a| a.path).collect()))
}

/// The registry once the act's records are applied, by the verifier's own rules and state, so
/// that a writer cannot derive `allowed_signers` differently.
fn state_after(
    state: &State,
    additions: &[Addition],
    actor: &Principal,
    genesis: bool,
    time: i64,
) -> State {
    let mut files: Vec<File> = additions
        .iter()
        .filter_map(|a| {
            Some(File {
                path: a.path.clone(),
                entry: layout::classify(&a.path)?,
                blob: Oid::hash_object(ObjectType::Blob, &a.bytes).ok()?,
                bytes: Ok(a.bytes.clone()),
                prepared: None,
            })
        })
        .collect();
    rules::sort_files(&mut files);
    let ctx = Context {
        signer: Some(actor),
        genesis,
        time,
    };
    let checked = rules::check_records(state, &ctx, &files);
    let mut after = state.clone();
    for change in checked.changes {
        after.apply(change, Oid::ZERO_SHA1, time);
    }
    after
}
