//! The ledger handle and every act a coordinator or an organization performs. Each act reads
//! what it needs from the head, writes one signed commit that only adds files, and moves the
//! branch by compare-and-swap under the ledger's lock; on a lost race it rebuilds on the new head.

use crate::error::{Error, Result};
use crate::ids::{check_line, check_slug, Principal, Role};
use crate::keys::{PublicKeyInfo, SigningKey};
use crate::layout;
use crate::record::{
    self, ActKind, ActRecord, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, Provenance,
    RemovalRecord, RevocationRecord, VersionRecord,
};
use crate::signed_data::{act_payload, ACT_NAMESPACE};
use crate::store::{Addition, CommitSpec, Store};
use crate::timefmt;
use crate::verify::{check_country, check_text, check_url, MAX_NAME, MAX_NOTE, MAX_TITLE};
use crate::view::View;
use git2::Oid;
use std::cell::Cell;
use std::fs;
use std::io::Write as _;
use std::path::Path;

/// How often an act is rebuilt when another writer moves the branch first.
const MAX_TRIES: u32 = 8;

/// What an act did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    /// False when the ledger already said this (nothing was written).
    pub changed: bool,
    /// The commit that holds the act (the existing one's position is not searched for when
    /// nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// One line for people.
    pub message: String,
    /// Files the act added.
    pub paths: Vec<String>,
    /// Something worth telling that did not stop the act.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// What an act plans to write, built against one head.
struct Plan {
    additions: Vec<Addition>,
    signers_changed: bool,
    /// Milliseconds since the epoch the act's records use; the commit gets the same second, so
    /// a `valid-before` written from it equals what verification derives from the commit.
    time: Option<i64>,
    actor: Principal,
    actor_name: String,
    subject: String,
    trailers: Vec<(&'static str, String)>,
}

enum Step {
    Write(Plan),
    Nothing(String),
}

/// An organization to register.
#[derive(Debug, Clone, Default)]
pub struct NewOrg {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Web site.
    pub url: Option<String>,
    /// ISO 3166 alpha-2 code.
    pub country: Option<String>,
    /// Its public key, when it has one.
    pub key: Option<PublicKeyInfo>,
}

/// An open ledger.
pub struct Ledger {
    store: Store,
    /// When set, acts are built on this commit instead of the branch and the branch is not
    /// moved: `sync` rebuilds unpublished acts on a fetched head this way, under its own lock.
    detached: Cell<Option<Oid>>,
}

/// Where `act` remembers which key file made each act not yet published, one
/// `<commit> <path>` line per act (paths only, never key material).
pub(crate) const KEYS_USED: &str = "keys-used";

impl Ledger {
    /// Opens the ledger in `dir`.
    pub fn open(dir: &Path) -> Result<Ledger> {
        Ok(Ledger {
            store: Store::open(dir)?,
            detached: Cell::new(None),
        })
    }

    /// The git side.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creates a ledger in `dir` with a genesis commit signed by its first editor. Returns the
    /// ledger id (the genesis commit id), which verifiers pin with `--trust`.
    pub fn init(
        dir: &Path,
        name: &str,
        editor_id: &str,
        editor_name: &str,
        key: &SigningKey,
    ) -> Result<Oid> {
        check_line("--name", name, MAX_NAME)?;
        check_slug("editor", editor_id)?;
        check_line("--editor-name", editor_name, MAX_NAME)?;
        let existed = dir.exists();
        let store = Store::create(dir)?;
        let result = genesis(&store, name, editor_id, editor_name, key);
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
        crate::store::list_dir(repo, &tree, "statements")
    }

    /// The ledger id: the genesis commit. Remembered in `.git/undersigned/ledger-id` with the
    /// head it was last confirmed for, so that acts do not walk history. The memory is trusted
    /// only when that head is still in the current history (a few first-parent steps back in
    /// the usual case); otherwise history is walked to its root again. Verification never
    /// relies on it.
    pub fn ledger_id(&self) -> Result<Oid> {
        let repo = self.store.repo();
        let head = self.store.head()?.ok_or_else(|| Error::NotALedger {
            path: self.store.dir().to_path_buf(),
            why: "no commits".into(),
        })?;
        let cache = self.store.state_dir().join("ledger-id");
        let cached = fs::read_to_string(&cache).ok().and_then(|text| {
            let mut parts = text.split_whitespace().map(Oid::from_str);
            Some((parts.next()?.ok()?, parts.next()?.ok()?))
        });
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
        self.remember_ledger_id(root, head);
        Ok(root)
    }

    fn remember_ledger_id(&self, ledger: Oid, head: Oid) {
        let _ = fs::create_dir_all(self.store.state_dir());
        let _ = fs::write(
            self.store.state_dir().join("ledger-id"),
            format!("{ledger} {head}\n"),
        );
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

    /// Runs one act: lock, refuse a dirty work tree, build against the head, commit, move the
    /// branch if nobody else did, else rebuild.
    fn act(
        &self,
        signer: &SigningKey,
        mut build: impl FnMut(&View<'_>, Oid) -> Result<Step>,
    ) -> Result<Outcome> {
        if let Some(base) = self.detached.get() {
            return self.act_detached(base, signer, &mut build);
        }
        let _lock = self.store.lock()?;
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
        let repo = self.store.repo();
        for _ in 0..MAX_TRIES {
            let head = self.store.head()?.ok_or_else(|| Error::NotALedger {
                path: self.store.dir().to_path_buf(),
                why: "no commits".into(),
            })?;
            let parent = repo.find_commit(head)?;
            let tree = parent.tree()?;
            let view = View {
                repo,
                tree: &tree,
                commit: head,
                now_ms: timefmt::now_ms().max(parent.time().seconds() * 1000),
            };
            let plan = match build(&view, ledger_id)? {
                Step::Nothing(message) => {
                    return Ok(Outcome {
                        changed: false,
                        commit: None,
                        message,
                        paths: Vec::new(),
                        warning: None,
                    })
                }
                Step::Write(plan) => plan,
            };
            let mut touched: Vec<&str> = plan.additions.iter().map(|a| a.path.as_str()).collect();
            if plan.signers_changed {
                touched.push(layout::ALLOWED_SIGNERS);
            }
            touched.sort_unstable();
            touched.dedup();
            if Some(head) == synced {
                self.store.check_paths(&touched)?;
            } else {
                // Another writer moved the branch: the whole head will be checked out.
                self.store.check_clean()?;
            }
            let oid = self.commit_plan(&parent, &plan, &view, signer)?;
            // Remembered before the branch moves: an entry for a commit that never landed is
            // harmless, an act that landed without one would need `sync --key`.
            self.remember_key(oid, signer);
            if self
                .store
                .advance(Some(head), oid, &format!("undersigned: {}", plan.subject))?
            {
                let mut paths: Vec<String> =
                    plan.additions.iter().map(|a| a.path.clone()).collect();
                self.remember_ledger_id(ledger_id, oid);
                // Only this act's files are new to the work tree, unless another writer's
                // commit came in between (a lost race): then the whole head is checked out.
                let only = (Some(head) == synced).then_some(paths.as_slice());
                let warning = self.store.update_worktree(only).err().map(|e| {
                    format!("the act is committed, but the work tree was not updated ({e}); run `git -C {} checkout -f main`", self.store.dir().display())
                });
                return Ok(Outcome {
                    changed: true,
                    commit: Some(oid.to_string()),
                    message: plan.subject,
                    paths: std::mem::take(&mut paths),
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
        signer: &SigningKey,
        build: &mut dyn FnMut(&View<'_>, Oid) -> Result<Step>,
    ) -> Result<Outcome> {
        let ledger_id = self.ledger_id()?;
        let repo = self.store.repo();
        let parent = repo.find_commit(base)?;
        let tree = parent.tree()?;
        let view = View {
            repo,
            tree: &tree,
            commit: base,
            now_ms: timefmt::now_ms().max(parent.time().seconds() * 1000),
        };
        match build(&view, ledger_id)? {
            Step::Nothing(message) => Ok(Outcome {
                changed: false,
                commit: None,
                message,
                paths: Vec::new(),
                warning: None,
            }),
            Step::Write(plan) => {
                let oid = self.commit_plan(&parent, &plan, &view, signer)?;
                self.detached.set(Some(oid));
                Ok(Outcome {
                    changed: true,
                    commit: Some(oid.to_string()),
                    message: plan.subject,
                    paths: plan.additions.iter().map(|a| a.path.clone()).collect(),
                    warning: None,
                })
            }
        }
    }

    /// Writes the signed commit of a plan on `parent` (the branch is not moved).
    fn commit_plan(
        &self,
        parent: &git2::Commit<'_>,
        plan: &Plan,
        view: &View<'_>,
        signer: &SigningKey,
    ) -> Result<Oid> {
        let mut message = format!("{}\n\n", plan.subject);
        for (k, v) in &plan.trailers {
            message.push_str(&format!("Undersigned-{k}: {v}\n"));
        }
        message.push_str(&format!("Undersigned-Actor: {}\n", plan.actor));
        let email = plan.actor.email();
        let spec = CommitSpec {
            name: &plan.actor_name,
            email: &email,
            time: plan.time.unwrap_or(view.now_ms) / 1000,
            message: &message,
        };
        let derived: &[&str] = if plan.signers_changed {
            &[layout::ALLOWED_SIGNERS]
        } else {
            &[]
        };
        self.store
            .write_commit(Some(parent), &plan.additions, derived, signer, &spec)
    }

    /// Appends `<commit> <key path>` to the key memory `sync` reads (best effort: without it
    /// `sync --key` names the key instead).
    fn remember_key(&self, commit: Oid, signer: &SigningKey) {
        let path = signer.path();
        if path.as_os_str().is_empty() {
            return;
        }
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let Some(text) = path.to_str().filter(|t| !t.contains('\n')) else {
            return;
        };
        let _ = fs::create_dir_all(self.store.state_dir());
        if let Ok(mut f) = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.store.state_dir().join(KEYS_USED))
        {
            let _ = f.write_all(format!("{commit} {text}\n").as_bytes());
        }
    }

    /// Adds an editor.
    pub fn add_editor(
        &self,
        id: &str,
        name: &str,
        public: &PublicKeyInfo,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("editor", id)?;
        check_line("--name", name, MAX_NAME)?;
        self.act(key, |view, _| {
            let editor = signing_editor(view, key)?;
            if view.editor(id)?.is_some() {
                return Err(Error::Exists {
                    kind: "editor",
                    id: id.to_string(),
                });
            }
            refuse_registered_key(view, public)?;
            let who = Principal::editor(id);
            let now = timefmt::format_ms(timefmt::now_ms());
            let dir = layout::editor_dir(id);
            let rec = EditorRecord {
                id: id.into(),
                name: name.into(),
                added_by: Some(editor.to_string()),
                added_at: now.clone(),
            };
            Ok(Step::Write(Plan {
                additions: vec![
                    add(format!("{dir}/editor.json"), record::encode(&rec)),
                    add(
                        layout::key_path(&dir, 1),
                        record::encode(&key_record(&who, public, &editor, &now)),
                    ),
                    add(
                        layout::ALLOWED_SIGNERS.into(),
                        view.allowed_signers_with(&who.to_string(), &public.openssh)?,
                    ),
                ],
                signers_changed: true,
                time: None,
                actor_name: actor_name(view, &editor)?,
                actor: editor,
                subject: format!("Add editor {id} ({name})"),
                trailers: vec![("Act", "editor-add".into()), ("Subject", who.to_string())],
            }))
        })
    }

    /// Registers an organization, with or without a key.
    pub fn add_org(&self, org: &NewOrg, key: &SigningKey) -> Result<Outcome> {
        check_slug("organization", &org.id)?;
        check_line("--name", &org.name, MAX_NAME)?;
        if let Some(u) = &org.url {
            check_url(u).map_err(|(_, why)| Error::BadField {
                field: "--url",
                why,
            })?;
        }
        if let Some(c) = &org.country {
            check_country(c).map_err(|(_, why)| Error::BadField {
                field: "--country",
                why,
            })?;
        }
        self.act(key, |view, _| {
            let editor = signing_editor(view, key)?;
            if view.org(&org.id)?.is_some() {
                return Err(Error::Exists {
                    kind: "organization",
                    id: org.id.clone(),
                });
            }
            let who = Principal::org(&org.id);
            let now = timefmt::format_ms(timefmt::now_ms());
            let dir = layout::org_dir(&org.id);
            let rec = OrgRecord {
                id: org.id.clone(),
                name: org.name.clone(),
                url: org.url.clone(),
                country: org.country.clone(),
                added_by: editor.to_string(),
                added_at: now.clone(),
            };
            let mut additions = vec![add(format!("{dir}/org.json"), record::encode(&rec))];
            if let Some(public) = &org.key {
                refuse_registered_key(view, public)?;
                additions.push(add(
                    layout::key_path(&dir, 1),
                    record::encode(&key_record(&who, public, &editor, &now)),
                ));
                additions.push(add(
                    layout::ALLOWED_SIGNERS.into(),
                    view.allowed_signers_with(&who.to_string(), &public.openssh)?,
                ));
            }
            Ok(Step::Write(Plan {
                signers_changed: org.key.is_some(),
                time: None,
                additions,
                actor_name: actor_name(view, &editor)?,
                actor: editor,
                subject: format!("Register {} ({})", org.id, org.name),
                trailers: vec![("Act", "org-add".into()), ("Subject", who.to_string())],
            }))
        })
    }

    /// Registers the first key of an organization that was registered without one (or whose
    /// key was revoked). Same as [`Ledger::add_key`] signed by an editor.
    pub fn add_org_key(
        &self,
        org: &str,
        public: &PublicKeyInfo,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.add_key(&Principal::org(org), public, None, key)
    }

    /// Registers a new key of an editor or organization: a first key (by an editor), a
    /// rotation signed by the principal's own key in force, or a replacement an editor makes on
    /// its behalf (a lost key: `reason` is then required). The key in force is retired: its
    /// `allowed_signers` line gets `valid-before`, so stock git refuses what it signs later.
    pub fn add_key(
        &self,
        who: &Principal,
        public: &PublicKeyInfo,
        reason: Option<&str>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug(role_kind(who), &who.id)?;
        if let Some(r) = reason {
            check_line("--reason", r, MAX_NOTE)?;
        }
        self.act(key, |view, _| {
            let dir = principal_dir(view, who)?;
            let keys = view.keys(&dir)?;
            let current = view.current_key(&dir)?;
            let signer = match &current {
                Some(k) if k.fingerprint == key.fingerprint() => who.clone(),
                _ => signing_editor(view, key).map_err(|_| Error::WrongKey {
                    path: key.path().to_path_buf(),
                    fingerprint: key.fingerprint().to_string(),
                    expected: format!("the key in force of {who} or an editor's key"),
                    hint: "a principal rotates with its current key; an editor replaces a lost one"
                        .into(),
                })?,
            };
            if signer.role == Role::Org && signer != *who {
                return Err(Error::Refused(format!(
                    "{signer} may rotate only its own key"
                )));
            }
            if signer != *who && current.is_some() && reason.is_none() {
                return Err(Error::Refused(format!(
                    "{who} has key {} in force; an editor replaces it with `rotate-key --reason TEXT` (say why, e.g. a lost key)",
                    current
                        .as_ref()
                        .map(|k| k.fingerprint.as_str())
                        .unwrap_or_default()
                )));
            }
            refuse_registered_key(view, public)?;
            let now = view.now_ms;
            let seq = keys.len() as u32 + 1;
            let rec = KeyRecord {
                principal: who.to_string(),
                seq,
                public_key: public.openssh.clone(),
                fingerprint: public.fingerprint.clone(),
                added_by: signer.to_string(),
                added_at: timefmt::format_ms(now),
                reason: reason.map(str::to_string),
            };
            let mut lines = view.signer_lines()?;
            if let Some(c) = &current {
                retire_line(&mut lines, who, &c.public_key, now / 1000);
            }
            lines.insert(crate::state::signer_line(
                &who.to_string(),
                &public.openssh,
                None,
            ));
            let act = if keys.is_empty() {
                "key-add"
            } else {
                "key-rotate"
            };
            Ok(Step::Write(Plan {
                additions: vec![
                    add(layout::key_path(&dir, seq), record::encode(&rec)),
                    add(
                        layout::ALLOWED_SIGNERS.into(),
                        crate::state::render_allowed_signers(lines).into_bytes(),
                    ),
                ],
                signers_changed: true,
                time: Some(now),
                actor_name: principal_name(view, &signer)?,
                actor: signer,
                subject: match &current {
                    Some(c) => format!(
                        "Rotate key of {who}: {} replaces {}",
                        public.fingerprint, c.fingerprint
                    ),
                    None => format!("Register key {} for {who}", public.fingerprint),
                },
                trailers: vec![("Act", act.into()), ("Subject", who.to_string())],
            }))
        })
    }

    /// Revokes a key of an editor or organization from this commit on. Acts it signed before
    /// stay valid (audit marks them); acts it signs later fail verification.
    pub fn revoke_key(
        &self,
        who: &Principal,
        fingerprint: &str,
        reason: &str,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug(role_kind(who), &who.id)?;
        check_line("--reason", reason, MAX_NOTE)?;
        self.act(key, |view, _| {
            let dir = principal_dir(view, who)?;
            let keys = view.keys(&dir)?;
            let Some(target) = keys.iter().find(|k| k.fingerprint == fingerprint) else {
                return Err(Error::Unknown {
                    kind: "key",
                    id: fingerprint.to_string(),
                    hint: format!(
                        " of {who}; its keys: {}",
                        keys.iter().map(|k| k.fingerprint.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
            };
            if view.is_revoked(&dir, target.seq)? {
                return Ok(Step::Nothing(format!("key {fingerprint} of {who} is already revoked; nothing was changed")));
            }
            let current = view.current_key(&dir)?;
            let signer = match &current {
                Some(k) if k.fingerprint == key.fingerprint() => who.clone(),
                _ => signing_editor(view, key)?,
            };
            let revokes_current = current.as_ref().is_some_and(|c| c.seq == target.seq);
            if who.role == Role::Editor && revokes_current && view.active_editors()? <= 1 {
                return Err(Error::Refused(format!(
                    "{who} is the last editor with a key in force; add another editor first, a ledger never runs out of editors"
                )));
            }
            let now = view.now_ms;
            let rec = RevocationRecord {
                principal: who.to_string(),
                seq: target.seq,
                fingerprint: fingerprint.to_string(),
                reason: reason.to_string(),
                revoked_by: signer.to_string(),
                revoked_at: timefmt::format_ms(now),
            };
            let mut additions = vec![add(layout::revocation_path(&dir, target.seq), record::encode(&rec))];
            if revokes_current {
                let mut lines = view.signer_lines()?;
                retire_line(&mut lines, who, &target.public_key, now / 1000);
                additions.push(add(layout::ALLOWED_SIGNERS.into(), crate::state::render_allowed_signers(lines).into_bytes()));
            }
            Ok(Step::Write(Plan {
                signers_changed: revokes_current,
                additions,
                time: Some(now),
                actor_name: principal_name(view, &signer)?,
                actor: signer,
                subject: format!("Revoke key {fingerprint} of {who}"),
                trailers: vec![("Act", "key-revoke".into()), ("Subject", who.to_string())],
            }))
        })
    }

    /// Removes an editor; its key is retired. The last editor cannot be removed.
    pub fn remove_editor(&self, id: &str, reason: &str, key: &SigningKey) -> Result<Outcome> {
        check_slug("editor", id)?;
        check_line("--reason", reason, MAX_NOTE)?;
        self.act(key, |view, _| {
            let editor = signing_editor(view, key)?;
            let who = Principal::editor(id);
            let dir = principal_dir(view, &who)?;
            if view.bytes(&layout::removal_path(id))?.is_some() {
                return Ok(Step::Nothing(format!(
                    "{who} is already removed; nothing was changed"
                )));
            }
            let current = view.current_key(&dir)?;
            if current.is_some() && view.active_editors()? <= 1 {
                return Err(Error::Refused(format!(
                    "{who} is the last editor with a key in force; add another editor first"
                )));
            }
            let now = view.now_ms;
            let rec = RemovalRecord {
                editor: id.to_string(),
                reason: reason.to_string(),
                removed_by: editor.to_string(),
                removed_at: timefmt::format_ms(now),
            };
            let mut additions = vec![add(layout::removal_path(id), record::encode(&rec))];
            if let Some(c) = &current {
                let mut lines = view.signer_lines()?;
                retire_line(&mut lines, &who, &c.public_key, now / 1000);
                additions.push(add(
                    layout::ALLOWED_SIGNERS.into(),
                    crate::state::render_allowed_signers(lines).into_bytes(),
                ));
            }
            Ok(Step::Write(Plan {
                signers_changed: current.is_some(),
                additions,
                time: Some(now),
                actor_name: actor_name(view, &editor)?,
                actor: editor,
                subject: format!("Remove editor {id}"),
                trailers: vec![
                    ("Act", "editor-remove".into()),
                    ("Subject", who.to_string()),
                ],
            }))
        })
    }

    /// Creates a statement (version 1) or revises it (version n+1).
    pub fn write_version(
        &self,
        stmt: &str,
        title: Option<&str>,
        text: &[u8],
        note: Option<&str>,
        new: bool,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        if let Some(t) = title {
            check_line("--title", t, MAX_TITLE)?;
        }
        if let Some(n) = note {
            check_line("--note", n, MAX_NOTE)?;
        }
        check_text(text).map_err(|why| Error::BadText {
            source_name: "given".into(),
            why,
        })?;
        let sha = record::sha256_hex(text);
        self.act(key, |view, _| {
            let editor = signing_editor(view, key)?;
            let count = view.version_count(stmt)?;
            let title = match (new, count) {
                (true, 0) => title.ok_or_else(|| Error::Refused("a new statement needs --title".into()))?.to_string(),
                (true, _) => {
                    return Err(Error::Refused(format!(
                        "statement {stmt:?} already exists (version {count}); use `undersigned statement revise {stmt}`"
                    )))
                }
                (false, 0) => return Err(unknown_statement(view, stmt)),
                (false, _) => {
                    let (prev, _) = view.version(stmt, count)?.ok_or_else(|| unknown_statement(view, stmt))?;
                    if prev.text_sha256 == sha {
                        return Err(Error::Refused(format!(
                            "the text is identical to version {count} of {stmt}; nothing to revise"
                        )));
                    }
                    title.map(str::to_string).unwrap_or(prev.title)
                }
            };
            let n = count + 1;
            let rec = VersionRecord {
                statement: stmt.into(),
                version: n,
                title: title.clone(),
                text_sha256: sha.clone(),
                note: note.map(str::to_string),
                editor: editor.id.clone(),
                created_at: timefmt::format_ms(timefmt::now_ms()),
            };
            Ok(Step::Write(Plan {
                additions: vec![
                    add(layout::version_text(stmt, n), text.to_vec()),
                    add(layout::version_meta(stmt, n), record::encode(&rec)),
                ],
                signers_changed: false,
                time: None,
                actor_name: actor_name(view, &editor)?,
                actor: editor,
                subject: if n == 1 { format!("New statement {stmt}: {title}") } else { format!("Revise {stmt} to version {n}") },
                trailers: vec![
                    ("Act", if n == 1 { "statement-new".into() } else { "statement-revise".into() }),
                    ("Statement", stmt.into()),
                    ("Version", n.to_string()),
                    ("Text-SHA256", sha.clone()),
                ],
            }))
        })
    }

    /// The organization endorses a version with its own key (default: the current version).
    pub fn sign(
        &self,
        stmt: &str,
        org: &str,
        version: Option<u32>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.endorse(stmt, org, version, key, None)
    }

    /// An editor records an organization's endorsement from evidence (an e-mail, a form).
    pub fn attest(
        &self,
        stmt: &str,
        org: &str,
        version: Option<u32>,
        evidence: &[u8],
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.endorse(stmt, org, version, key, Some(record::sha256_hex(evidence)))
    }

    /// An editor commits an endorsement the organization signed elsewhere (`sign --request`,
    /// sent by mail). The record is checked against the registry as verification will check
    /// it: this ledger, the organization's key in force, a version with that exact text, and
    /// the organization's own signature.
    pub fn accept(&self, rec: &ActRecord, key: &SigningKey) -> Result<Outcome> {
        check_slug("statement", &rec.statement)?;
        check_slug("organization", &rec.org)?;
        let (stmt, org) = (rec.statement.as_str(), rec.org.as_str());
        self.act(key, |view, ledger_id| {
            let editor = signing_editor(view, key)?;
            if rec.ledger != ledger_id.to_string() {
                return Err(Error::Refused(format!(
                    "the endorsement is for ledger {}, but this ledger is {ledger_id}; it was requested from another ledger",
                    rec.ledger
                )));
            }
            if rec.act != ActKind::Endorse
                || rec.provenance != Provenance::Signed
                || rec.evidence_sha256.is_some()
                || rec.signer != Principal::org(org).to_string()
            {
                return Err(Error::Refused(format!(
                    "accept takes an endorsement signed by the organization itself (signer org/{org}, provenance \"signed\"); this record is a {} by {} ({})",
                    rec.act.as_str(), rec.signer, rec.provenance.as_str()
                )));
            }
            view.org(org)?.ok_or_else(|| unknown_org(view, org))?;
            let current = view.current_key(&layout::org_dir(org))?.ok_or_else(|| {
                Error::Refused(format!("org/{org} has no registered key; register it with `undersigned org add-key` before accepting its signature"))
            })?;
            if current.fingerprint != rec.key {
                return Err(Error::Refused(format!(
                    "the endorsement is signed with key {}, but org/{org}'s key in force is {}",
                    rec.key, current.fingerprint
                )));
            }
            let count = view.version_count(stmt)?;
            if count == 0 {
                return Err(unknown_statement(view, stmt));
            }
            let v = rec.version.unwrap_or(0);
            let (ver, _) = view.version(stmt, v)?.ok_or_else(|| Error::Unknown {
                kind: "version",
                id: format!("{stmt} v{v}"),
                hint: format!("; {stmt} has versions 1 to {count}"),
            })?;
            if rec.text_sha256.as_deref() != Some(ver.text_sha256.as_str()) {
                return Err(Error::Refused(format!(
                    "the endorsement is of a text with sha256 {}, but version {v} of {stmt} has sha256 {}; the organization signed a different text",
                    rec.text_sha256.as_deref().unwrap_or("(none)"),
                    ver.text_sha256
                )));
            }
            let public = PublicKeyInfo::parse_line(&current.public_key, "of the organization in force")?;
            crate::keys::ParsedSig::parse(rec.signature.as_bytes(), ACT_NAMESPACE)
                .and_then(|sig| {
                    if sig.key_fingerprint() != public.fingerprint {
                        return Err(crate::keys::SigError::WrongKey {
                            found: sig.key_fingerprint(),
                            expected: public.fingerprint.clone(),
                        });
                    }
                    sig.verify(&act_payload(rec))
                })
                .map_err(|e| Error::Refused(format!("org/{org}'s signature on the endorsement does not verify: {e}")))?;
            let acts = view.acts(stmt, org)?;
            if endorsed_versions(&acts).contains(&v) {
                return Ok(Step::Nothing(format!(
                    "org/{org} already endorses version {v} of {stmt}; nothing was changed"
                )));
            }
            if let Some(last) = acts.last().filter(|a| a.signed_at >= rec.signed_at) {
                return Err(Error::Refused(format!(
                    "the endorsement was signed at {}, not after org/{org}'s latest act on {stmt} ({}); ask the organization for a new signature",
                    rec.signed_at, last.signed_at
                )));
            }
            Ok(Step::Write(Plan {
                additions: vec![add(
                    layout::act_path(stmt, org, acts.len() as u32 + 1),
                    record::encode(rec),
                )],
                signers_changed: false,
                time: None,
                actor_name: actor_name(view, &editor)?,
                subject: format!("{org} endorses {stmt} version {v} (signed by mail, accepted by {editor})"),
                actor: editor,
                trailers: vec![
                    ("Act", "endorse".into()),
                    ("Statement", stmt.into()),
                    ("Version", v.to_string()),
                    ("Org", org.into()),
                    ("Provenance", "signed".into()),
                ],
            }))
        })
    }

    pub(crate) fn endorse(
        &self,
        stmt: &str,
        org: &str,
        version: Option<u32>,
        key: &SigningKey,
        evidence: Option<String>,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        check_slug("organization", org)?;
        self.act(key, |view, ledger_id| {
            let (org_rec, record_signer) = act_signer(view, org, key, evidence.is_some())?;
            let count = view.version_count(stmt)?;
            if count == 0 {
                return Err(unknown_statement(view, stmt));
            }
            let v = version.unwrap_or(count);
            let (ver, _) = view.version(stmt, v)?.ok_or_else(|| Error::Unknown {
                kind: "version",
                id: format!("{stmt} v{v}"),
                hint: format!("; {stmt} has versions 1 to {count}"),
            })?;
            let acts = view.acts(stmt, org)?;
            if let Some(active) = endorsed_versions(&acts).into_iter().find(|e| *e == v) {
                return Ok(Step::Nothing(format!(
                    "org/{org} already endorses version {active} of {stmt}; nothing was changed"
                )));
            }
            let mut rec = ActRecord {
                act: ActKind::Endorse,
                ledger: ledger_id.to_string(),
                statement: stmt.into(),
                version: Some(v),
                text_sha256: Some(ver.text_sha256.clone()),
                org: org.into(),
                signed_at: next_time(&acts),
                reason: None,
                provenance: if evidence.is_some() {
                    Provenance::Attested
                } else {
                    Provenance::Signed
                },
                evidence_sha256: evidence.clone(),
                signer: record_signer.to_string(),
                key: key.fingerprint().to_string(),
                signature: String::new(),
            };
            rec.signature = key.sign(ACT_NAMESPACE, &act_payload(&rec))?;
            let how = if evidence.is_some() {
                format!(" (attested by {record_signer})")
            } else {
                String::new()
            };
            Ok(Step::Write(Plan {
                additions: vec![add(
                    layout::act_path(stmt, org, acts.len() as u32 + 1),
                    record::encode(&rec),
                )],
                signers_changed: false,
                time: None,
                actor_name: actor_name_of(view, &record_signer, &org_rec)?,
                actor: record_signer.clone(),
                subject: format!("{org} endorses {stmt} version {v}{how}"),
                trailers: vec![
                    ("Act", "endorse".into()),
                    ("Statement", stmt.into()),
                    ("Version", v.to_string()),
                    ("Org", org.into()),
                    ("Provenance", rec.provenance.as_str().into()),
                ],
            }))
        })
    }

    /// The organization withdraws from a statement. With the organization's key the record is
    /// signed; with an editor's key `evidence` is required and the record is attested.
    pub fn withdraw(
        &self,
        stmt: &str,
        org: &str,
        reason: Option<&str>,
        evidence: Option<&[u8]>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        check_slug("organization", org)?;
        if let Some(r) = reason {
            check_line("--reason", r, MAX_NOTE)?;
        }
        self.withdraw_hashed(stmt, org, reason, evidence.map(record::sha256_hex), key)
    }

    /// [`Ledger::withdraw`] given the evidence's sha256 (what `sync` has when it rebuilds an
    /// attested withdrawal: the record keeps the hash, never the evidence).
    pub(crate) fn withdraw_hashed(
        &self,
        stmt: &str,
        org: &str,
        reason: Option<&str>,
        evidence: Option<String>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.act(key, |view, ledger_id| {
            let (org_rec, record_signer) = act_signer(view, org, key, evidence.is_some())?;
            if view.version_count(stmt)? == 0 {
                return Err(unknown_statement(view, stmt));
            }
            let acts = view.acts(stmt, org)?;
            if acts.last().map(|a| a.act) != Some(ActKind::Endorse) {
                return Err(Error::Refused(format!(
                    "org/{org} has no endorsement of {stmt} in force; nothing to withdraw"
                )));
            }
            let mut rec = ActRecord {
                act: ActKind::Withdraw,
                ledger: ledger_id.to_string(),
                statement: stmt.into(),
                version: None,
                text_sha256: None,
                org: org.into(),
                signed_at: next_time(&acts),
                reason: reason.map(str::to_string),
                provenance: if evidence.is_some() {
                    Provenance::Attested
                } else {
                    Provenance::Signed
                },
                evidence_sha256: evidence.clone(),
                signer: record_signer.to_string(),
                key: key.fingerprint().to_string(),
                signature: String::new(),
            };
            rec.signature = key.sign(ACT_NAMESPACE, &act_payload(&rec))?;
            Ok(Step::Write(Plan {
                additions: vec![add(
                    layout::act_path(stmt, org, acts.len() as u32 + 1),
                    record::encode(&rec),
                )],
                signers_changed: false,
                time: None,
                actor_name: actor_name_of(view, &record_signer, &org_rec)?,
                actor: record_signer.clone(),
                subject: format!("{org} withdraws from {stmt}"),
                trailers: vec![
                    ("Act", "withdraw".into()),
                    ("Statement", stmt.into()),
                    ("Org", org.into()),
                    ("Provenance", rec.provenance.as_str().into()),
                ],
            }))
        })
    }
}

fn genesis(
    store: &Store,
    name: &str,
    editor_id: &str,
    editor_name: &str,
    key: &SigningKey,
) -> Result<Oid> {
    let now = timefmt::format_ms(timefmt::now_ms());
    let who = Principal::editor(editor_id);
    let public = key.public();
    let dir = layout::editor_dir(editor_id);
    let mut lines = std::collections::BTreeSet::new();
    lines.insert(crate::state::signer_line(
        &who.to_string(),
        &public.openssh,
        None,
    ));
    let additions = vec![
        add(
            layout::LEDGER_FILE.into(),
            record::encode(&LedgerRecord {
                format: record::FORMAT,
                name: name.into(),
                created_at: now.clone(),
            }),
        ),
        add(
            format!("{dir}/editor.json"),
            record::encode(&EditorRecord {
                id: editor_id.into(),
                name: editor_name.into(),
                added_by: None,
                added_at: now.clone(),
            }),
        ),
        add(
            layout::key_path(&dir, 1),
            record::encode(&KeyRecord {
                principal: who.to_string(),
                seq: 1,
                public_key: public.openssh.clone(),
                fingerprint: public.fingerprint.clone(),
                added_by: who.to_string(),
                added_at: now,
                reason: None,
            }),
        ),
        add(
            layout::ALLOWED_SIGNERS.into(),
            crate::state::render_allowed_signers(lines).into_bytes(),
        ),
    ];
    let message = format!(
        "Create ledger {name}\n\nThe id of this commit is the ledger id; verifiers pin it with --trust.\n\nUndersigned-Act: init\nUndersigned-Actor: {who}\n"
    );
    let email = who.email();
    let spec = CommitSpec {
        name: editor_name,
        email: &email,
        time: timefmt::now_ms() / 1000,
        message: &message,
    };
    let oid = store.write_commit(None, &additions, &[], key, &spec)?;
    if !store.advance(None, oid, "undersigned: init")? {
        return Err(Error::LedgerExists {
            path: store.dir().to_path_buf(),
        });
    }
    store.update_worktree(None)?;
    let _ = fs::create_dir_all(store.state_dir());
    let _ = fs::write(
        store.state_dir().join("ledger-id"),
        format!("{oid} {oid}\n"),
    );
    Ok(oid)
}

/// The directory of a registered principal, or a clear error.
fn principal_dir(view: &View<'_>, who: &Principal) -> Result<String> {
    let exists = match who.role {
        Role::Org => view.org(&who.id)?.is_some(),
        Role::Editor => view.editor(&who.id)?.is_some(),
    };
    if !exists {
        return Err(match who.role {
            Role::Org => unknown_org(view, &who.id),
            Role::Editor => Error::Unknown {
                kind: "editor",
                id: who.id.clone(),
                hint: String::new(),
            },
        });
    }
    Ok(match who.role {
        Role::Org => layout::org_dir(&who.id),
        Role::Editor => layout::editor_dir(&who.id),
    })
}

fn role_kind(who: &Principal) -> &'static str {
    match who.role {
        Role::Org => "organization",
        Role::Editor => "editor",
    }
}

fn principal_name(view: &View<'_>, who: &Principal) -> Result<String> {
    Ok(match who.role {
        Role::Org => view.org(&who.id)?.map(|o| o.name),
        Role::Editor => view.editor(&who.id)?.map(|e| e.name),
    }
    .unwrap_or_else(|| who.to_string()))
}

/// Gives the `allowed_signers` line of a key in force its `valid-before`.
fn retire_line(
    lines: &mut std::collections::BTreeSet<String>,
    who: &Principal,
    openssh: &str,
    secs: i64,
) {
    let p = who.to_string();
    lines.remove(&crate::state::signer_line(&p, openssh, None));
    lines.insert(crate::state::signer_line(&p, openssh, Some(secs)));
}

fn add(path: String, bytes: Vec<u8>) -> Addition {
    Addition { path, bytes }
}

fn key_record(who: &Principal, public: &PublicKeyInfo, editor: &Principal, now: &str) -> KeyRecord {
    KeyRecord {
        principal: who.to_string(),
        seq: 1,
        public_key: public.openssh.clone(),
        fingerprint: public.fingerprint.clone(),
        added_by: editor.to_string(),
        added_at: now.to_string(),
        reason: None,
    }
}

/// The editor whose key `key` is, or a clear refusal.
fn signing_editor(view: &View<'_>, key: &SigningKey) -> Result<Principal> {
    match view.editor_by_key(key.fingerprint())? {
        Some(e) => Ok(Principal::editor(&e.id)),
        None => Err(Error::WrongKey {
            path: key.path().to_path_buf(),
            fingerprint: key.fingerprint().to_string(),
            expected: "the key of an editor of this ledger".into(),
            hint: "pass an editor's key with --key (see editors/*/keys in the ledger)".into(),
        }),
    }
}

/// For an endorsement or withdrawal: who signs the record. With evidence, an editor attests;
/// without, the key must be the organization's own.
fn act_signer(
    view: &View<'_>,
    org: &str,
    key: &SigningKey,
    attested: bool,
) -> Result<(OrgRecord, Principal)> {
    let org_rec = view.org(org)?.ok_or_else(|| unknown_org(view, org))?;
    if attested {
        return Ok((org_rec, signing_editor(view, key)?));
    }
    match view.current_key(&layout::org_dir(org))? {
        Some(k) if k.fingerprint == key.fingerprint() => Ok((org_rec, Principal::org(org))),
        Some(k) => {
            let hint = if view.editor_by_key(key.fingerprint())?.is_some() {
                "this is an editor's key: an editor records an organization's consent with `undersigned attest` (or `withdraw --evidence`)".to_string()
            } else {
                format!("org/{org} signs with its registered key {}", k.fingerprint)
            };
            Err(Error::WrongKey {
                path: key.path().to_path_buf(),
                fingerprint: key.fingerprint().to_string(),
                expected: format!("the key of org/{org}"),
                hint,
            })
        }
        None => Err(Error::Refused(format!(
            "org/{org} has no registered key; an editor can record its consent with `undersigned attest` (or `withdraw --evidence`), or register its key with `undersigned org add-key`"
        ))),
    }
}

fn actor_name(view: &View<'_>, editor: &Principal) -> Result<String> {
    Ok(view
        .editor(&editor.id)?
        .map(|e| e.name)
        .unwrap_or_else(|| editor.to_string()))
}

fn actor_name_of(view: &View<'_>, who: &Principal, org: &OrgRecord) -> Result<String> {
    match who.role {
        crate::ids::Role::Org => Ok(org.name.clone()),
        crate::ids::Role::Editor => actor_name(view, who),
    }
}

fn refuse_registered_key(view: &View<'_>, public: &PublicKeyInfo) -> Result<()> {
    if view.key_registered(&public.openssh)? {
        return Err(Error::Refused(format!(
            "key {} is already registered in this ledger; each editor and organization needs its own key",
            public.fingerprint
        )));
    }
    Ok(())
}

/// Versions an organization endorses now: those endorsed since its last withdrawal.
pub fn endorsed_versions(acts: &[ActRecord]) -> Vec<u32> {
    let since = acts
        .iter()
        .rposition(|a| a.act == ActKind::Withdraw)
        .map(|i| i + 1)
        .unwrap_or(0);
    acts[since..].iter().filter_map(|a| a.version).collect()
}

/// A record time after the organization's previous act on the statement, even when clocks are
/// coarse or two acts fall in one millisecond.
fn next_time(acts: &[ActRecord]) -> String {
    let now = timefmt::now_ms();
    let after = acts
        .last()
        .and_then(|a| timefmt::parse_ms(&a.signed_at))
        .map(|t| t + 1)
        .unwrap_or(i64::MIN);
    timefmt::format_ms(now.max(after))
}

fn unknown_statement(view: &View<'_>, stmt: &str) -> Error {
    let known = view.statements().unwrap_or_default();
    Error::Unknown {
        kind: "statement",
        id: stmt.to_string(),
        hint: if known.is_empty() {
            "; create it with `undersigned statement new`".into()
        } else {
            format!("; statements here: {}", known.join(", "))
        },
    }
}

fn unknown_org(_view: &View<'_>, org: &str) -> Error {
    Error::Unknown {
        kind: "organization",
        id: org.to_string(),
        hint: "; register it with `undersigned org add`".into(),
    }
}
