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
//! journal (`.git/undersigned/remotes/<remote>.json`) records the rebuilt head before the push,
//! so a process killed between push and branch update learns on the next run that its acts
//! are already published.

use crate::commit_object::{self, Verdict};
use crate::error::{Error, Result};
use crate::ids::{Principal, Role};
use crate::keys::{ParsedSig, PublicKeyInfo, SigningKey};
use crate::layout::{self, Entry};
use crate::ledger::{Ledger, NewOrg, KEYS_USED};
use crate::record::{
    self, ActKind, ActRecord, EditorRecord, KeyRecord, OrgRecord, Provenance, RemovalRecord,
    RevocationRecord, VersionRecord,
};
use crate::signed_data::COMMIT_NAMESPACE;
use crate::store::Store;
use crate::transport::{self, Pushed};
use crate::verify::{verify_at, Failure, VerifyOptions};
use crate::view::View;
use git2::{Oid, Repository};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// How often `sync` fetches and rebuilds after losing a race to another clone's push.
pub const DEFAULT_TRIES: u32 = 20;

/// What `sync` remembers of one remote, in `.git/undersigned/remotes/<remote>.json`.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct RemoteState {
    /// The last remote head this clone verified; a remote whose history no longer holds it
    /// was rewritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verified: Option<String>,
    /// A push in flight: the local head it publishes and the rebuilt head pushed. Cleared once
    /// the branch moved; found on the next run when the process died in between.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<Pending>,
    /// A push found to have landed although its process died before moving the branch: the
    /// local commits up to `local` are on the remote as `tip`. Kept until the branch moves, so
    /// that a later push in flight (which replaces `pending`) cannot make them look
    /// unpublished if that process dies too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published: Option<Pending>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    local: String,
    tip: String,
}

fn state_path(store: &Store, remote: &str) -> PathBuf {
    store
        .state_dir()
        .join("remotes")
        .join(format!("{remote}.json"))
}

fn read_state(store: &Store, remote: &str) -> RemoteState {
    fs::read_to_string(state_path(store, remote))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Written to a temporary file and renamed, so a crash leaves the old state or the new one.
fn write_state(store: &Store, remote: &str, state: &RemoteState) -> Result<()> {
    let path = state_path(store, remote);
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(state).map_err(|e| Error::Refused(e.to_string()))?;
    fs::write(&tmp, text).map_err(|e| Error::io(tmp.display().to_string(), e))?;
    fs::rename(&tmp, &path).map_err(|e| Error::io(path.display().to_string(), e))
}

fn oid(text: &Option<String>) -> Option<Oid> {
    text.as_deref().and_then(|t| Oid::from_str(t).ok())
}

/// What a sync did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncReport {
    /// The remote's name.
    pub remote: String,
    /// The branch head after the sync (the remote's head as well).
    pub head: String,
    /// Commits the remote had that this clone did not, all verified.
    pub received: u64,
    /// This clone's acts now on the remote.
    pub published: u64,
    /// Acts dropped because the remote already said the same, one line each.
    pub dropped: Vec<String>,
    /// Fetch-and-push rounds (more than one when another clone pushed first).
    pub tries: u32,
}

/// Where the key of each unpublished act comes from.
pub struct Keys<'a> {
    /// `--key`: used for any act whose signer it is.
    pub fallback: Option<PathBuf>,
    /// Asks for the passphrase of an encrypted key file.
    pub passphrase: &'a mut dyn FnMut(&Path) -> Result<Option<Zeroizing<String>>>,
}

struct KeyRing<'a, 'k> {
    keys: &'k mut Keys<'a>,
    remembered: HashMap<Oid, PathBuf>,
    loaded: HashMap<PathBuf, SigningKey>,
}

impl KeyRing<'_, '_> {
    /// The key that signed `commit`: the file this clone remembers for it, else `--key`.
    fn for_commit(&mut self, repo: &Repository, commit: Oid) -> Result<&SigningKey> {
        let fingerprint = commit_signer(repo, commit)?;
        let mut candidates: Vec<PathBuf> = Vec::new();
        candidates.extend(self.remembered.get(&commit).cloned());
        candidates.extend(self.keys.fallback.clone());
        for path in candidates {
            if !self.loaded.contains_key(&path) {
                let passphrase = &mut self.keys.passphrase;
                let key = SigningKey::load(&path, &mut || passphrase(&path))?;
                self.loaded.insert(path.clone(), key);
            }
            if self.loaded.get(&path).map(SigningKey::fingerprint) == Some(&fingerprint) {
                return self
                    .loaded
                    .get(&path)
                    .ok_or_else(|| Error::Refused("key cache".into()));
            }
        }
        Err(Error::Refused(format!(
            "unpublished commit {commit} was signed by key {fingerprint}, and this clone does not know that key's file (it was made elsewhere or before undersigned remembered keys); pass it with `sync --key FILE`"
        )))
    }
}

fn read_keys_used(store: &Store) -> HashMap<Oid, PathBuf> {
    let text = fs::read_to_string(store.state_dir().join(KEYS_USED)).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (c, p) = l.split_once(' ')?;
            Some((Oid::from_str(c).ok()?, PathBuf::from(p)))
        })
        .collect()
}

/// The fingerprint of the key that signed a commit (its `gpgsig` header, read as git reads it:
/// [`crate::commit_object`]).
fn commit_signer(repo: &Repository, commit: Oid) -> Result<String> {
    let signed = match commit_object::read_object(repo, commit)? {
        Verdict::Signed(signed) => signed,
        Verdict::Unsigned => {
            return Err(Error::Refused(format!(
                "commit {commit} is not signed; undersigned cannot publish it"
            )))
        }
        Verdict::Refused(why) => {
            return Err(Error::Refused(format!(
                "commit {commit}: its signature cannot be read ({why})"
            )))
        }
    };
    let parsed = ParsedSig::parse(signed.armor(), COMMIT_NAMESPACE).map_err(|e| {
        Error::Refused(format!(
            "commit {commit}: its signature cannot be read ({e})"
        ))
    })?;
    Ok(parsed.key_fingerprint())
}

/// One unpublished act, read back from what its commit added (never from its message).
#[derive(Debug, Clone)]
enum Intent {
    AddEditor {
        id: String,
        name: String,
        public: PublicKeyInfo,
    },
    AddOrg(NewOrg),
    AddKey {
        who: Principal,
        public: PublicKeyInfo,
        reason: Option<String>,
    },
    Revoke {
        who: Principal,
        fingerprint: String,
        reason: String,
    },
    RemoveEditor {
        id: String,
        reason: String,
    },
    Version {
        record: VersionRecord,
        text: Vec<u8>,
    },
    Act(Box<ActRecord>),
}

fn intent_of(repo: &Repository, commit: Oid) -> Result<Intent> {
    let c = repo.find_commit(commit)?;
    let tree = c.tree()?;
    let parent = c.parent(0)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&parent), Some(&tree), None)?;
    let mut added: BTreeMap<String, Entry> = BTreeMap::new();
    for d in diff.deltas() {
        let Some(path) = d.new_file().path().and_then(Path::to_str) else {
            continue;
        };
        match layout::classify(path) {
            Some(Entry::AllowedSigners) => {}
            Some(e) if d.status() == git2::Delta::Added => {
                added.insert(path.to_string(), e);
            }
            _ => {
                return Err(Error::Refused(format!(
                    "unpublished commit {commit} changes {path}, which is not an act undersigned writes; it cannot be put on top of the remote (undo it with `git reset` if it is yours)"
                )))
            }
        }
    }
    let read = |path: &str| -> Result<Vec<u8>> {
        crate::store::read_blob(repo, &tree, path)?
            .ok_or_else(|| Error::Refused(format!("commit {commit}: {path} vanished")))
    };
    fn decode<T: serde::Serialize + serde::de::DeserializeOwned>(
        commit: Oid,
        path: &str,
        bytes: &[u8],
    ) -> Result<T> {
        record::decode(bytes).map_err(|why| Error::DamagedRecord {
            commit: commit.to_string(),
            path: path.to_string(),
            why,
        })
    }
    let key_of = |path: &str| -> Result<(KeyRecord, PublicKeyInfo)> {
        let k: KeyRecord = decode(commit, path, &read(path)?)?;
        let public = PublicKeyInfo::parse_line(&k.public_key, path)?;
        Ok((k, public))
    };
    let entries: Vec<(&String, &Entry)> = added.iter().collect();
    let unknown = || {
        Error::Refused(format!(
            "unpublished commit {commit} adds {} — not one act undersigned knows how to put on top of the remote",
            added.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    };
    let find = |want: fn(&Entry) -> bool| {
        entries
            .iter()
            .find(|(_, e)| want(e))
            .map(|(p, _)| p.as_str())
    };
    if let Some(path) = find(|e| matches!(e, Entry::Act { .. })) {
        if entries.len() != 1 {
            return Err(unknown());
        }
        return Ok(Intent::Act(Box::new(decode(commit, path, &read(path)?)?)));
    }
    if let Some(path) = find(|e| matches!(e, Entry::VersionMeta { .. })) {
        let record: VersionRecord = decode(commit, path, &read(path)?)?;
        let text = read(&layout::version_text(&record.statement, record.version))?;
        return Ok(Intent::Version { record, text });
    }
    if let Some(path) = find(|e| matches!(e, Entry::Editor { .. })) {
        let e: EditorRecord = decode(commit, path, &read(path)?)?;
        let (_, public) = key_of(&layout::key_path(&layout::editor_dir(&e.id), 1))?;
        return Ok(Intent::AddEditor {
            id: e.id,
            name: e.name,
            public,
        });
    }
    if let Some(path) = find(|e| matches!(e, Entry::Org { .. })) {
        let o: OrgRecord = decode(commit, path, &read(path)?)?;
        let key_path = layout::key_path(&layout::org_dir(&o.id), 1);
        let key = match added.contains_key(&key_path) {
            true => Some(key_of(&key_path)?.1),
            false => None,
        };
        return Ok(Intent::AddOrg(NewOrg {
            id: o.id,
            name: o.name,
            url: o.url,
            country: o.country,
            key,
        }));
    }
    if let Some(path) = find(|e| matches!(e, Entry::EditorKey { .. } | Entry::OrgKey { .. })) {
        let (k, public) = key_of(path)?;
        let who = Principal::parse(&k.principal).ok_or_else(unknown)?;
        return Ok(Intent::AddKey {
            who,
            public,
            reason: k.reason,
        });
    }
    if let Some(path) = find(|e| {
        matches!(
            e,
            Entry::EditorRevocation { .. } | Entry::OrgRevocation { .. }
        )
    }) {
        let r: RevocationRecord = decode(commit, path, &read(path)?)?;
        let who = Principal::parse(&r.principal).ok_or_else(unknown)?;
        return Ok(Intent::Revoke {
            who,
            fingerprint: r.fingerprint,
            reason: r.reason,
        });
    }
    if let Some(path) = find(|e| matches!(e, Entry::EditorRemoved { .. })) {
        let r: RemovalRecord = decode(commit, path, &read(path)?)?;
        return Ok(Intent::RemoveEditor {
            id: r.editor,
            reason: r.reason,
        });
    }
    Err(unknown())
}

/// Reads the tree of `at` for a decision about an intent.
fn with_view<T>(repo: &Repository, at: Oid, f: impl FnOnce(&View<'_>) -> Result<T>) -> Result<T> {
    let commit = repo.find_commit(at)?;
    let tree = commit.tree()?;
    f(&View {
        repo,
        tree: &tree,
        commit: at,
        now_ms: crate::timefmt::now_ms(),
    })
}

/// Puts one intent on top of the detached base. `versions` maps a statement version numbered
/// in this clone to its number on the remote, for endorsements of a local revision.
/// Returns a line for people when the remote already says the same (the act is dropped).
fn apply(
    ledger: &Ledger,
    intent: &Intent,
    key: &SigningKey,
    versions: &mut HashMap<(String, u32), u32>,
    base: Oid,
) -> Result<Option<String>> {
    let repo = ledger.store().repo();
    let conflict = |what: String| {
        Error::Refused(format!(
            "cannot publish: {what}; nothing was pushed and this clone still holds its acts"
        ))
    };
    let outcome = match intent {
        Intent::Act(r) if r.act == ActKind::Endorse => {
            let local_v = r.version.unwrap_or(0);
            let v = versions
                .get(&(r.statement.clone(), local_v))
                .copied()
                .unwrap_or(local_v);
            let same_text = with_view(repo, base, |view| {
                Ok(view
                    .version(&r.statement, v)?
                    .map(|(rec, _)| rec.text_sha256))
            })?;
            if same_text.as_deref() != r.text_sha256.as_deref() {
                return Err(conflict(format!(
                    "org/{} endorsed version {local_v} of {} here, and the remote's version {v} is another text",
                    r.org, r.statement
                )));
            }
            if r.provenance == Provenance::Signed && r.key != key.fingerprint() {
                // Signed by the organization elsewhere and accepted by an editor (the mail
                // flow): its signature cannot be made again here, so the record itself moves.
                if v != local_v {
                    return Err(conflict(format!(
                        "org/{} signed version {local_v} of {} by mail, which is version {v} on the remote; ask it to sign again",
                        r.org, r.statement
                    )));
                }
                ledger.accept(r, key)?
            } else {
                let evidence = (r.provenance == Provenance::Attested)
                    .then(|| r.evidence_sha256.clone())
                    .flatten();
                ledger.endorse(&r.statement, &r.org, Some(v), key, evidence)?
            }
        }
        Intent::Act(r) => {
            let in_force =
                with_view(repo, base, |view| {
                    Ok(view.acts(&r.statement, &r.org)?.last().map(|a| a.act)
                        == Some(ActKind::Endorse))
                })?;
            if !in_force {
                return Ok(Some(format!(
                    "org/{} had already withdrawn from {} on the remote",
                    r.org, r.statement
                )));
            }
            let evidence = (r.provenance == Provenance::Attested)
                .then(|| r.evidence_sha256.clone())
                .flatten();
            ledger.withdraw_hashed(&r.statement, &r.org, r.reason.as_deref(), evidence, key)?
        }
        Intent::Version { record: rec, text } => {
            let stmt = &rec.statement;
            let (count, current) = with_view(repo, base, |view| {
                let count = view.version_count(stmt)?;
                let first = if rec.version == 1 { 1 } else { count };
                Ok((
                    count,
                    view.version(stmt, first)?.map(|(r, _)| r.text_sha256),
                ))
            })?;
            if current.as_deref() == Some(rec.text_sha256.as_str()) {
                let n = if rec.version == 1 { 1 } else { count };
                versions.insert((stmt.clone(), rec.version), n);
                return Ok(Some(format!(
                    "version {n} of {stmt} on the remote is the same text"
                )));
            }
            if rec.version == 1 && count > 0 {
                return Err(conflict(format!(
                    "statement {stmt} was also created on the remote, with another text; create yours under another id"
                )));
            }
            let title = Some(rec.title.as_str());
            let out = ledger.write_version(
                stmt,
                title,
                text,
                rec.note.as_deref(),
                rec.version == 1,
                key,
            )?;
            versions.insert((stmt.clone(), rec.version), count + 1);
            out
        }
        Intent::AddOrg(org) => {
            let there = with_view(repo, base, |view| {
                let rec = view.org(&org.id)?;
                let key = view.current_key(&layout::org_dir(&org.id))?;
                Ok(rec.map(|r| (r.name, key.map(|k| k.fingerprint))))
            })?;
            match there {
                None => ledger.add_org(org, key)?,
                Some((name, fp))
                    if name == org.name
                        && fp == org.key.as_ref().map(|k| k.fingerprint.clone()) =>
                {
                    return Ok(Some(format!(
                        "org/{} is registered on the remote the same way",
                        org.id
                    )))
                }
                Some(_) => {
                    return Err(conflict(format!(
                        "org/{} was registered on the remote too, with another name or key",
                        org.id
                    )))
                }
            }
        }
        Intent::AddEditor { id, name, public } => {
            let there = with_view(repo, base, |view| {
                let rec = view.editor(id)?;
                let key = view.current_key(&layout::editor_dir(id))?;
                Ok(rec.map(|r| (r.name, key.map(|k| k.fingerprint))))
            })?;
            match there {
                None => ledger.add_editor(id, name, public, key)?,
                Some((n, fp))
                    if n == *name && fp.as_deref() == Some(public.fingerprint.as_str()) =>
                {
                    return Ok(Some(format!(
                        "editor/{id} is registered on the remote the same way"
                    )))
                }
                Some(_) => {
                    return Err(conflict(format!(
                        "editor/{id} was added on the remote too, with another name or key"
                    )))
                }
            }
        }
        Intent::AddKey {
            who,
            public,
            reason,
        } => {
            let dir = match who.role {
                Role::Org => layout::org_dir(&who.id),
                Role::Editor => layout::editor_dir(&who.id),
            };
            let current = with_view(repo, base, |view| {
                Ok(view.current_key(&dir)?.map(|k| k.fingerprint))
            })?;
            if current.as_deref() == Some(public.fingerprint.as_str()) {
                return Ok(Some(format!(
                    "{who} already has key {} on the remote",
                    public.fingerprint
                )));
            }
            ledger.add_key(who, public, reason.as_deref(), key)?
        }
        Intent::Revoke {
            who,
            fingerprint,
            reason,
        } => ledger.revoke_key(who, fingerprint, reason, key)?,
        Intent::RemoveEditor { id, reason } => ledger.remove_editor(id, reason, key)?,
    };
    Ok((!outcome.changed).then_some(outcome.message))
}

/// Ends detached building however the rebuild ends.
struct Detached<'l>(&'l Ledger);

impl Drop for Detached<'_> {
    fn drop(&mut self) {
        self.0.attach();
    }
}

/// Rebuilds `commits` (oldest first) on `onto`; returns the new head and the dropped acts.
fn rebuild(
    ledger: &Ledger,
    commits: &[Oid],
    onto: Oid,
    keys: &mut KeyRing<'_, '_>,
) -> Result<(Oid, Vec<String>)> {
    let repo = ledger.store().repo();
    let mut intents = Vec::with_capacity(commits.len());
    for c in commits {
        intents.push((*c, intent_of(repo, *c)?));
    }
    let mut versions = HashMap::new();
    let mut dropped = Vec::new();
    ledger.detach(onto);
    let guard = Detached(ledger);
    let mut base = onto;
    for (commit, intent) in &intents {
        let key = keys.for_commit(repo, *commit)?;
        if let Some(why) = apply(ledger, intent, key, &mut versions, base)? {
            dropped.push(why);
        }
        base = ledger.detached_head().unwrap_or(base);
    }
    drop(guard);
    Ok((base, dropped))
}

/// The first-parent chain from `head` back to `stop` (exclusive), oldest first.
fn chain(repo: &Repository, head: Oid, stop: Oid) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    let mut id = head;
    while id != stop {
        out.push(id);
        let c = repo.find_commit(id)?;
        id = match c.parent_id(0) {
            Ok(p) => p,
            Err(_) => {
                return Err(Error::Refused(format!(
                    "commit {stop} is not on this clone's history; the clone and the remote hold different ledgers"
                )))
            }
        };
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

fn check(store: &Store, head: Oid, trust: Oid, what: String) -> Result<()> {
    let report = verify_at(
        store,
        head,
        &VerifyOptions {
            trust: Some(trust),
            incremental: true,
            prove: true,
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

/// Fetches, verifies what came in, publishes this clone's acts on top and pushes; see the
/// module documentation. Holds the ledger's lock throughout, so local acts wait for it.
pub fn sync(ledger: &Ledger, remote: &str, keys: &mut Keys<'_>, tries: u32) -> Result<SyncReport> {
    transport::check_remote_name(remote)?;
    let store = ledger.store();
    let repo = store.repo();
    if repo.find_remote(remote).is_err() {
        return Err(Error::Unknown {
            kind: "remote",
            id: remote.to_string(),
            hint: format!(
                " of {}; add it with `git -C {} remote add {remote} URL`",
                store.dir().display(),
                store.dir().display()
            ),
        });
    }
    let _lock = store.lock()?;
    store.check_clean()?;
    let ledger_id = ledger.ledger_id()?;
    let mut state = read_state(store, remote);
    let mut ring = KeyRing {
        remembered: read_keys_used(store),
        keys,
        loaded: HashMap::new(),
    };
    let mut last_refusal: Option<(Oid, String)> = None;
    let mut received_total = 0u64;
    for attempt in 1..=tries.max(1) {
        let fetched = transport::fetch(store.dir(), repo, remote)?;
        let local = store
            .head()?
            .ok_or_else(|| Error::Refused("the ledger has no head".into()))?;
        // A push that landed before this process (or an earlier one) died: its local commits
        // are published. The push in flight is newer than one found landed earlier.
        let on_remote = |p: &Pending| {
            let (l, t) = (Oid::from_str(&p.local).ok()?, Oid::from_str(&p.tip).ok()?);
            let r = fetched?;
            (contains(repo, r, t) && contains(repo, local, l)).then_some(l)
        };
        let landed = match state.pending.as_ref().and_then(on_remote) {
            Some(l) => {
                state.published = state.pending.take();
                write_state(store, remote, &state)?;
                Some(l)
            }
            None => state.published.as_ref().and_then(on_remote),
        };
        let Some(remote_head) = fetched else {
            // An empty remote: this clone's ledger becomes the shared copy.
            check(
                store,
                local,
                ledger_id,
                format!("this clone's head {local}"),
            )?;
            match transport::push(store.dir(), remote, local)? {
                Pushed::Landed => {
                    state.verified = Some(local.to_string());
                    state.pending = None;
                    state.published = None;
                    write_state(store, remote, &state)?;
                    forget_keys(store);
                    return Ok(SyncReport {
                        remote: remote.into(),
                        head: local.to_string(),
                        received: 0,
                        published: history_len(repo, local)?,
                        dropped: Vec::new(),
                        tries: attempt,
                    });
                }
                Pushed::Refused(why) => {
                    last_refusal = Some((Oid::ZERO_SHA1, why));
                    continue;
                }
            }
        };
        if let Some((seen, why)) = &last_refusal {
            if *seen == remote_head {
                // Refused though nobody else pushed: the remote's hook or rules said no.
                return Err(Error::Refused(format!(
                    "the remote refused the push: {why}; nothing local was lost"
                )));
            }
        }
        if let Some(verified) = oid(&state.verified) {
            if !contains(repo, remote_head, verified) {
                let common = repo
                    .merge_base(remote_head, verified)
                    .map(|c| format!("the last common commit is {c}"))
                    .unwrap_or_else(|_| "they share no commit".into());
                return Err(Error::Unverified {
                    what: format!("remote {remote} (head {remote_head})"),
                    failures: vec![Failure {
                        commit: remote_head.to_string(),
                        path: None,
                        rule: "rewrite",
                        reason: format!(
                            "history rewritten: the remote no longer contains {verified}, which this clone verified before; {common}. Nothing was changed here"
                        ),
                    }],
                });
            }
        }
        if state.verified.as_deref() != Some(remote_head.to_string().as_str()) {
            check(
                store,
                remote_head,
                ledger_id,
                format!("remote {remote} (head {remote_head})"),
            )?;
            state.verified = Some(remote_head.to_string());
            write_state(store, remote, &state)?;
        }
        let meet = repo.merge_base(local, remote_head).map_err(|_| {
            Error::Refused(format!(
                "this clone and remote {remote} share no history; they hold different ledgers"
            ))
        })?;
        // Publishing starts after whichever is newer on this clone's branch: where it meets the
        // remote, or the last local commit a landed push published (rebuilt, so the two
        // histories do not meet there). A journal older than the meeting point is stale: a sync
        // killed after moving the branch but before clearing it leaves one behind.
        let start = match landed {
            Some(l) if l != meet && contains(repo, l, meet) => l,
            _ => meet,
        };
        let received = chain(
            repo,
            remote_head,
            repo.merge_base(local, remote_head).unwrap_or(start),
        )
        .map(|c| c.len() as u64)
        .unwrap_or(0);
        received_total = received_total.max(received);
        let unpublished = chain(repo, local, start)?;
        if unpublished.is_empty() || contains(repo, remote_head, local) {
            // Nothing of ours to publish: take the remote's head.
            finish(ledger, remote, &mut state, local, remote_head, ledger_id)?;
            return Ok(SyncReport {
                remote: remote.into(),
                head: remote_head.to_string(),
                received: received_total,
                published: 0,
                dropped: Vec::new(),
                tries: attempt,
            });
        }
        let (tip, dropped) = if start == remote_head {
            (local, Vec::new())
        } else {
            rebuild(ledger, &unpublished, remote_head, &mut ring)?
        };
        let published = unpublished.len() as u64 - dropped.len() as u64;
        if tip != remote_head {
            check(
                store,
                tip,
                ledger_id,
                format!("this clone's acts rebuilt on {remote_head}"),
            )?;
            state.pending = Some(Pending {
                local: local.to_string(),
                tip: tip.to_string(),
            });
            write_state(store, remote, &state)?;
            match transport::push(store.dir(), remote, tip)? {
                Pushed::Landed => {}
                Pushed::Refused(why) => {
                    last_refusal = Some((remote_head, why));
                    back_off(attempt);
                    continue;
                }
            }
        }
        finish(ledger, remote, &mut state, local, tip, ledger_id)?;
        return Ok(SyncReport {
            remote: remote.into(),
            head: tip.to_string(),
            received: received_total,
            published,
            dropped,
            tries: attempt,
        });
    }
    let why = last_refusal.map(|(_, w)| w).unwrap_or_default();
    Err(Error::Refused(format!(
        "other clones kept pushing first ({tries} tries; last refusal: {why}); nothing local was lost — run sync again"
    )))
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

/// The branch takes the published head; the journal, the key memory and the pins follow.
fn finish(
    ledger: &Ledger,
    remote: &str,
    state: &mut RemoteState,
    local: Oid,
    head: Oid,
    ledger_id: Oid,
) -> Result<()> {
    let store = ledger.store();
    if local != head
        && !store.advance(
            Some(local),
            head,
            &format!("undersigned: sync with {remote}"),
        )?
    {
        return Err(Error::Refused(
            "the branch moved during sync although the ledger was locked (a plain git command?); run sync again".into(),
        ));
    }
    state.verified = Some(head.to_string());
    state.pending = None;
    state.published = None;
    write_state(store, remote, state)?;
    forget_keys(store);
    let _ = crate::pin::remember(store, ledger_id, head);
    if local != head {
        store.update_worktree(None)?;
    }
    Ok(())
}

/// After a sync every act of this clone is published; the key memory starts over.
fn forget_keys(store: &Store) {
    let _ = fs::remove_file(store.state_dir().join(KEYS_USED));
}

/// What a clone did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CloneReport {
    /// The new ledger's directory.
    pub dir: String,
    /// Its ledger id.
    pub ledger_id: String,
    /// Its head.
    pub head: String,
    /// Commits verified.
    pub commits: u64,
    /// Whether the genesis matched `--trust` (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted: Option<bool>,
}

/// Clones `url` into `dir` (`bare`: without a work tree), verifies it (against `trust` when
/// given) and only then gives it its name: a refused clone leaves nothing behind.
pub fn clone(url: &str, dir: &Path, trust: Option<Oid>, bare: bool) -> Result<CloneReport> {
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
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".into());
    let scratch = tempfile::Builder::new()
        .prefix(&format!(".{name}.undersigned-clone-"))
        .tempdir_in(&parent)
        .map_err(|e| {
            Error::io(
                format!("{}: making a scratch directory", parent.display()),
                e,
            )
        })?;
    let work = scratch.path().join("ledger");
    transport::clone(url, &work, bare)?;
    let store = Store::open(&work)?;
    let head = store
        .head()?
        .ok_or_else(|| Error::Refused("the clone has no main".into()))?;
    let report = verify_at(
        &store,
        head,
        &VerifyOptions {
            trust,
            incremental: true,
            prove: true,
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
    store.update_worktree(None)?;
    crate::pin::remember(&store, ledger_id, head)?;
    write_state(
        &store,
        "origin",
        &RemoteState {
            verified: Some(head.to_string()),
            pending: None,
            published: None,
        },
    )?;
    drop(store);
    if dir.exists() {
        fs::remove_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    }
    fs::rename(&work, dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    Ok(CloneReport {
        dir: dir.display().to_string(),
        ledger_id: report.ledger_id,
        head: report.head,
        commits: report.commits,
        trusted: report.trusted,
    })
}
