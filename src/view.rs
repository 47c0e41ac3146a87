//! Reading what an act needs from the tree at the head: one organization, one statement's
//! versions, one organization's acts on one statement. Each read is a handful of tree lookups,
//! never a walk of history or of every record, so an act costs the same in any ledger.

use crate::act::Needs;
use crate::error::{Error, Result};
use crate::ids::{is_slug, Principal, Role};
use crate::keys::PublicKeyInfo;
use crate::layout;
use crate::record::{
    self, ActRecord, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, PersonRecord, RemovalRecord,
    RevocationRecord, SignOnRecord, VersionRecord,
};
use crate::state::{
    signer_line, ActEntry, KeyEntry, PrincipalEntry, Revocation, SignOnEntry, State,
    StatementEntry, TranslationEntry, VersionEntry,
};
use crate::store::{list_dir, read_blob};
use git2::{ObjectType, Oid, Repository, Tree};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The ledger at one commit, read lazily.
#[derive(Clone)]
pub struct View<'a> {
    /// Repository.
    pub repo: &'a Repository,
    /// Tree of the commit.
    pub tree: &'a Tree<'a>,
    /// Commit id.
    pub commit: Oid,
}

impl<'a> View<'a> {
    /// Reads and decodes the record at `path`, or `None` when absent.
    pub fn record<T: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>> {
        match read_blob(self.repo, self.tree, path)? {
            None => Ok(None),
            Some(bytes) => self.decode(&bytes, path).map(Some),
        }
    }

    /// Decodes the record read from `path`, naming the commit and path when it is damaged.
    fn decode<T: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        bytes: &[u8],
        path: &str,
    ) -> Result<T> {
        record::decode(bytes).map_err(|why| Error::DamagedRecord {
            commit: self.commit.to_string(),
            path: path.to_string(),
            why,
        })
    }

    /// Raw bytes at `path`.
    pub fn bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        read_blob(self.repo, self.tree, path)
    }

    /// Names in a directory.
    pub fn list(&self, path: &str) -> Result<Vec<String>> {
        list_dir(self.repo, self.tree, path)
    }

    /// The numbers of the `<n>.json` records in a directory, in order.
    pub fn seqs(&self, dir: &str) -> Result<Vec<u32>> {
        let mut seqs: Vec<u32> = self
            .list(dir)?
            .iter()
            .filter_map(|n| n.strip_suffix(".json").and_then(layout::parse_seq))
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// The key in force of the principal whose directory is `dir`: the latest key, unless it
    /// was revoked or its editor removed.
    pub fn current_key(&self, dir: &str) -> Result<Option<KeyRecord>> {
        let last = self.seqs(&layout::keys_dir(dir))?.last().copied();
        let Some(seq) = last else { return Ok(None) };
        if self.is_revoked(dir, seq)? || self.bytes(&format!("{dir}/removed.json"))?.is_some() {
            return Ok(None);
        }
        self.record(&layout::key_path(dir, seq))
    }

    /// Every key of a principal, in order.
    pub fn keys(&self, dir: &str) -> Result<Vec<KeyRecord>> {
        let seqs = self.seqs(&layout::keys_dir(dir))?;
        let mut out = Vec::with_capacity(seqs.len());
        for seq in seqs {
            if let Some(k) = self.record(&layout::key_path(dir, seq))? {
                out.push(k);
            }
        }
        Ok(out)
    }

    /// True when key `seq` of the principal in `dir` is revoked.
    pub fn is_revoked(&self, dir: &str, seq: u32) -> Result<bool> {
        Ok(self.bytes(&layout::revocation_path(dir, seq))?.is_some())
    }

    /// Editors that can still act (not removed, key in force). Editors are few.
    pub fn active_editors(&self) -> Result<usize> {
        let mut n = 0;
        for id in self.list(layout::EDITORS)? {
            if self.current_key(&layout::editor_dir(&id))?.is_some() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The lines of `allowed_signers` as they stand.
    pub fn signer_lines(&self) -> Result<std::collections::BTreeSet<String>> {
        let text = self.bytes(layout::ALLOWED_SIGNERS)?.unwrap_or_default();
        Ok(crate::state::parse_allowed_signers(
            &String::from_utf8_lossy(&text),
        ))
    }

    /// The editor holding the key with this fingerprint, if any (editors are few).
    pub fn editor_by_key(&self, fingerprint: &str) -> Result<Option<EditorRecord>> {
        for id in self.list(layout::EDITORS)? {
            let dir = layout::editor_dir(&id);
            if let Some(k) = self.current_key(&dir)? {
                if k.fingerprint == fingerprint {
                    return self.record(&format!("{dir}/editor.json"));
                }
            }
        }
        Ok(None)
    }

    /// An organization's record.
    pub fn org(&self, id: &str) -> Result<Option<OrgRecord>> {
        self.record(&format!("{}/org.json", layout::org_dir(id)))
    }

    /// An individual's record.
    pub fn person(&self, id: &str) -> Result<Option<PersonRecord>> {
        self.record(&format!("{}/person.json", layout::person_dir(id)))
    }

    /// True when the principal is registered at this commit.
    pub fn is_registered(&self, who: &Principal) -> Result<bool> {
        Ok(self.bytes(&layout::principal_file(who))?.is_some())
    }

    /// The ledger's format (`ledger.json`).
    pub fn format(&self) -> Result<u32> {
        Ok(self
            .record::<LedgerRecord>(layout::LEDGER_FILE)?
            .map(|l| l.format)
            .unwrap_or(record::FORMAT))
    }

    /// An editor's record.
    pub fn editor(&self, id: &str) -> Result<Option<EditorRecord>> {
        self.record(&format!("{}/editor.json", layout::editor_dir(id)))
    }

    /// Statement ids.
    pub fn statements(&self) -> Result<Vec<String>> {
        self.list(layout::STATEMENTS)
    }

    /// Number of versions of a statement (0 when it does not exist).
    pub fn version_count(&self, stmt: &str) -> Result<u32> {
        Ok(self
            .seqs(&layout::versions_dir(stmt))?
            .last()
            .copied()
            .unwrap_or(0))
    }

    /// Version `n` of a statement: its record and exact text.
    pub fn version(&self, stmt: &str, n: u32) -> Result<Option<(VersionRecord, Vec<u8>)>> {
        let Some(rec) = self.record::<VersionRecord>(&layout::version_meta(stmt, n))? else {
            return Ok(None);
        };
        let text =
            self.bytes(&layout::version_text(stmt, n))?
                .ok_or_else(|| Error::DamagedRecord {
                    commit: self.commit.to_string(),
                    path: layout::version_text(stmt, n),
                    why: "the text of this version is missing".into(),
                })?;
        Ok(Some((rec, text)))
    }

    /// An organization's acts on a statement, in order.
    pub fn acts(&self, stmt: &str, org: &str) -> Result<Vec<ActRecord>> {
        self.signatory_acts(stmt, &Principal::org(org))
    }

    /// A signatory's (organization's or individual's) acts on a statement, in order.
    pub fn signatory_acts(&self, stmt: &str, who: &Principal) -> Result<Vec<ActRecord>> {
        let dir = layout::signatory_acts_dir(stmt, who);
        match self.subtree(&dir)? {
            Some(tree) => self.acts_in(&tree, &dir),
            None => Ok(Vec::new()),
        }
    }

    /// The act records of one signatory's directory `tree` (at `dir`), in order: each read
    /// by its entry's id, so that many acts cost one walk to their directory, not one from
    /// the root each (a statement with thousands of signatories has large trees on the way).
    fn acts_in(&self, tree: &Tree<'_>, dir: &str) -> Result<Vec<ActRecord>> {
        let mut seqs: Vec<(u32, Oid)> = tree
            .iter()
            .filter(|e| e.kind() == Some(ObjectType::Blob))
            .filter_map(|e| {
                let seq = e
                    .name()
                    .ok()?
                    .strip_suffix(".json")
                    .and_then(layout::parse_seq)?;
                Some((seq, e.id()))
            })
            .collect();
        seqs.sort_unstable();
        let mut out = Vec::with_capacity(seqs.len());
        for (seq, id) in seqs {
            let blob = self.repo.find_blob(id)?;
            let path = format!("{dir}/{}.json", layout::seq_name(seq));
            out.push(self.decode(blob.content(), &path)?);
        }
        Ok(out)
    }

    /// Every signatory's acts on `stmt` for the signatories `who`, each directory on the way
    /// read once and found in its parent (not by a walk from the root): what audits and lists
    /// need for a whole statement.
    pub fn statement_acts<'w>(
        &self,
        stmt: &str,
        who: impl Iterator<Item = &'w Principal>,
    ) -> Result<Vec<(&'w Principal, Vec<ActRecord>)>> {
        let mut dirs = HashMap::new();
        let mut out = Vec::new();
        for p in who {
            let dir = layout::signatory_acts_dir(stmt, p);
            let acts = match self.dir_in(&mut dirs, &dir)? {
                Some(tree) => self.acts_in(&tree, &dir)?,
                None => Vec::new(),
            };
            out.push((p, acts));
        }
        Ok(out)
    }

    /// The directory at `path`, its parent looked up in (and kept in) `dirs`, which holds the
    /// parents already read; `None` when there is none.
    fn dir_in(
        &self,
        dirs: &mut HashMap<String, Option<Tree<'a>>>,
        path: &str,
    ) -> Result<Option<Tree<'a>>> {
        let Some((parent, name)) = path.rsplit_once('/') else {
            return self.subtree(path);
        };
        if !dirs.contains_key(parent) {
            let tree = self.dir_in(dirs, parent)?;
            dirs.insert(parent.to_string(), tree);
        }
        let Some(Some(parent_tree)) = dirs.get(parent) else {
            return Ok(None);
        };
        match parent_tree.get_name(name) {
            Some(e) if e.kind() == Some(ObjectType::Tree) => Ok(Some(self.repo.find_tree(e.id())?)),
            _ => Ok(None),
        }
    }

    /// The directory at `path`, or `None` when there is none.
    fn subtree(&self, path: &str) -> Result<Option<Tree<'a>>> {
        crate::store::subtree(self.repo, self.tree, path)
    }

    /// A statement's sign-on records, in order.
    pub fn signon(&self, stmt: &str) -> Result<Vec<SignOnRecord>> {
        let mut out = Vec::new();
        for seq in self.seqs(&layout::signon_dir(stmt))? {
            if let Some(r) = self.record::<SignOnRecord>(&layout::signon_path(stmt, seq))? {
                out.push(r);
            }
        }
        Ok(out)
    }
}

pub use crate::layout::principal_dir;

/// The parts of a ledger's [`State`] at one commit that an act's rules read, built from the
/// commit's tree alone (a handful of tree lookups per part, never a walk of history), so that
/// a writer judges the commit it is about to write with the verifier's own rules at a cost
/// that does not grow with the ledger.
///
/// What the tree cannot say is left out and never read by the rules: the commits that added
/// each record (zero ids here) and, for a retired key, the commit that retired it (its time
/// comes from the `valid-before` of `allowed_signers`). Everything else equals what a replay
/// of a verifying history gives for those parts.
pub struct Loaded {
    /// The state loaded so far.
    pub state: State,
    principals: BTreeSet<Principal>,
    statements: BTreeSet<String>,
    acts: BTreeSet<(String, Principal)>,
    editors: bool,
    key_index: bool,
    names: bool,
    log: bool,
    /// `allowed_signers` of the commit, once read.
    lines: Option<BTreeSet<String>>,
}

impl Loaded {
    /// Nothing loaded yet, for the ledger `ledger_id`.
    pub fn new(ledger_id: Oid) -> Loaded {
        Loaded {
            state: State {
                ledger_id: Some(ledger_id),
                ..State::default()
            },
            principals: BTreeSet::new(),
            statements: BTreeSet::new(),
            acts: BTreeSet::new(),
            editors: false,
            key_index: false,
            names: false,
            log: false,
            lines: None,
        }
    }

    /// Loads what `needs` names that is not loaded yet, and every editor.
    pub fn need(&mut self, view: &View<'_>, needs: &Needs) -> Result<()> {
        if !self.editors {
            self.editors = true;
            if let Some(l) = view.record::<LedgerRecord>(layout::LEDGER_FILE)? {
                self.state.name = l.name;
                self.state.format = l.format;
            }
            for id in view.list(layout::EDITORS)? {
                if is_slug(&id) {
                    self.principal(view, &Principal::editor(&id))?;
                }
            }
        }
        for who in &needs.principals {
            self.principal(view, who)?;
        }
        for stmt in &needs.statements {
            self.statement(view, stmt)?;
        }
        for (stmt, who) in &needs.acts {
            self.statement(view, stmt)?;
            self.acts_of(view, stmt, who)?;
        }
        if needs.log && !self.log {
            // The log is in no tree: it is what a verified replay of the history computes.
            self.log = true;
            let path = view.repo.path().to_path_buf();
            let store = crate::store::Store::from_repo(Repository::open(&path)?, path);
            self.state.log = crate::verify::verified_state(&store, view.commit, false)?.log;
        }
        if needs.names && !self.names {
            self.names = true;
            self.org_names(view)?;
            // Individuals' names are read only when an individual is registered: their names
            // are compared with each other's, an organization's only with organizations'.
            if needs.principals.iter().any(|p| p.role == Role::Person) {
                self.person_names(view)?;
            }
        }
        if needs.key_index && !self.key_index {
            self.key_index = true;
            let lines = self.lines(view)?.clone();
            for line in &lines {
                if let Some((who, raw)) = parse_line(line) {
                    let seq = self
                        .state
                        .principal(&who)
                        .and_then(|p| p.keys.iter().find(|k| k.key.raw == raw).map(|k| k.seq));
                    self.state
                        .by_key
                        .entry(raw)
                        .or_insert((who, seq.unwrap_or(0)));
                }
            }
            self.state.signer_lines = lines;
        }
        Ok(())
    }

    fn lines(&mut self, view: &View<'_>) -> Result<&BTreeSet<String>> {
        if self.lines.is_none() {
            self.lines = Some(view.signer_lines()?);
        }
        Ok(self.lines.get_or_insert_with(BTreeSet::new))
    }

    fn principal(&mut self, view: &View<'_>, who: &Principal) -> Result<()> {
        if !self.principals.insert(who.clone()) {
            return Ok(());
        }
        let dir = principal_dir(who);
        let (name, url, country, affiliation) = match who.role {
            Role::Editor => match view.editor(&who.id)? {
                Some(e) => (e.name, None, None, None),
                None => return Ok(()),
            },
            Role::Org => match view.org(&who.id)? {
                Some(o) => (o.name, o.url, o.country, None),
                None => return Ok(()),
            },
            Role::Person => match view.person(&who.id)? {
                Some(p) => (p.name, None, p.country, p.affiliation),
                None => return Ok(()),
            },
        };
        let removed = match who.role {
            Role::Editor => view
                .record::<RemovalRecord>(&layout::removal_path(&who.id))?
                .map(|r| (Oid::ZERO_SHA1, r.reason)),
            Role::Org | Role::Person => None,
        };
        let mut keys = Vec::new();
        for k in view.keys(&dir)? {
            let key = PublicKeyInfo::parse_line(&k.public_key, &layout::key_path(&dir, k.seq))?;
            keys.push(KeyEntry {
                seq: k.seq,
                key,
                commit: Oid::ZERO_SHA1,
                added_by: k.added_by,
                reason: k.reason,
                retired: None,
                revoked: None,
            });
        }
        for seq in view.seqs(&layout::revocations_dir(&dir))? {
            let r: Option<RevocationRecord> = view.record(&layout::revocation_path(&dir, seq))?;
            let key = seq
                .checked_sub(1)
                .and_then(|i| keys.get_mut(usize::try_from(i).ok()?));
            if let (Some(r), Some(k)) = (r, key) {
                k.revoked = Some(Revocation {
                    reason: r.reason,
                    by: r.revoked_by,
                    commit: Oid::ZERO_SHA1,
                });
            }
        }
        let last = keys.len();
        let retired: Vec<usize> = (0..last)
            .filter(|i| i + 1 < last || keys[*i].revoked.is_some() || removed.is_some())
            .collect();
        if !retired.is_empty() {
            // A retired key's time is the `valid-before` its line carries.
            let lines = self.lines(view)?;
            for i in retired {
                let time = retired_at(lines, &who.to_string(), &keys[i].key.openssh);
                keys[i].retired = Some((Oid::ZERO_SHA1, time.unwrap_or(0)));
            }
        }
        for k in &keys {
            self.state.by_key.insert(k.key.raw, (who.clone(), k.seq));
        }
        let entry = PrincipalEntry {
            name,
            url,
            country,
            affiliation,
            keys,
            commit: Oid::ZERO_SHA1,
            removed,
        };
        let lines = {
            let name = who.to_string();
            entry
                .keys
                .iter()
                .map(|k| signer_line(&name, &k.key.openssh, k.retired.map(|(_, t)| t)))
                .collect::<Vec<_>>()
        };
        self.state
            .remember(who, &entry.name, entry.affiliation.as_deref());
        self.state
            .registry_mut(who.role)
            .insert(who.id.clone(), entry);
        if !self.key_index {
            self.state.signer_lines.extend(lines);
        }
        Ok(())
    }

    /// Every organization's display name, read straight from the fan-out directories (one blob
    /// per organization, no other record): what registering a new one compares its name with.
    fn org_names(&mut self, view: &View<'_>) -> Result<()> {
        let repo = view.repo;
        let Ok(orgs) = view.tree.get_path(Path::new(layout::ORGS)) else {
            return Ok(());
        };
        let orgs = repo.find_tree(orgs.id())?;
        for ff in orgs.iter() {
            let Ok(ff) = repo.find_tree(ff.id()) else {
                continue;
            };
            for dir in ff.iter() {
                let (Ok(id), Ok(dir)) = (dir.name(), repo.find_tree(dir.id())) else {
                    continue;
                };
                let Some(rec) = dir.get_name("org.json") else {
                    continue;
                };
                let blob = repo.find_blob(rec.id())?;
                if let Ok(o) = record::decode::<OrgRecord>(blob.content()) {
                    self.state.remember_name(&Principal::org(id), &o.name);
                }
            }
        }
        Ok(())
    }

    /// Every individual's name and affiliation, from the fan-out directories of `people/`.
    fn person_names(&mut self, view: &View<'_>) -> Result<()> {
        let repo = view.repo;
        let Ok(people) = view.tree.get_path(Path::new(layout::PEOPLE)) else {
            return Ok(());
        };
        let people = repo.find_tree(people.id())?;
        for ff in people.iter() {
            let Ok(ff) = repo.find_tree(ff.id()) else {
                continue;
            };
            for dir in ff.iter() {
                let (Ok(id), Ok(dir)) = (dir.name(), repo.find_tree(dir.id())) else {
                    continue;
                };
                let Some(rec) = dir.get_name("person.json") else {
                    continue;
                };
                let blob = repo.find_blob(rec.id())?;
                if let Ok(p) = record::decode::<PersonRecord>(blob.content()) {
                    self.state
                        .remember(&Principal::person(id), &p.name, p.affiliation.as_deref());
                }
            }
        }
        Ok(())
    }

    fn statement(&mut self, view: &View<'_>, stmt: &str) -> Result<()> {
        if !self.statements.insert(stmt.to_string()) {
            return Ok(());
        }
        let mut versions = Vec::new();
        for n in view.seqs(&layout::versions_dir(stmt))? {
            let Some(r) = view.record::<VersionRecord>(&layout::version_meta(stmt, n))? else {
                continue;
            };
            let blob = |path: &str| {
                view.tree
                    .get_path(Path::new(path))
                    .map(|e| e.id())
                    .unwrap_or(Oid::ZERO_SHA1)
            };
            let translations = r
                .translations
                .iter()
                .map(|t| TranslationEntry {
                    lang: t.lang.clone(),
                    text_sha256: t.text_sha256.clone(),
                    text_blob: blob(&layout::translation_text(stmt, n, &t.lang)),
                })
                .collect();
            versions.push(VersionEntry {
                n,
                title: r.title,
                text_sha256: r.text_sha256,
                editor: r.editor,
                note: r.note,
                created_at: r.created_at,
                commit: Oid::ZERO_SHA1,
                text_blob: blob(&layout::version_text(stmt, n)),
                lang: r.lang,
                translations,
            });
        }
        if !versions.is_empty() {
            let signon = view
                .signon(stmt)?
                .into_iter()
                .map(|r| SignOnEntry {
                    seq: r.seq,
                    action: r.action,
                    deadline: r.deadline,
                    reason: r.reason,
                    editor: r.editor,
                    at: r.at,
                    commit: Oid::ZERO_SHA1,
                })
                .collect();
            self.state.statements.insert(
                stmt.to_string(),
                StatementEntry {
                    versions,
                    signon,
                    ..StatementEntry::default()
                },
            );
        }
        Ok(())
    }

    fn acts_of(&mut self, view: &View<'_>, stmt: &str, who: &Principal) -> Result<()> {
        if !self.acts.insert((stmt.to_string(), who.clone())) {
            return Ok(());
        }
        let Some(statement) = self.state.statements.get_mut(stmt) else {
            return Ok(());
        };
        let mut acts = Vec::new();
        for (seq, r) in view.signatory_acts(stmt, who)?.into_iter().enumerate() {
            let seq = u32::try_from(seq + 1).unwrap_or(u32::MAX);
            let path = layout::signatory_act_path(stmt, who, seq);
            let entry = ActEntry::of_record(r, seq, path, Oid::ZERO_SHA1);
            statement.note_act(who.clone(), &entry, Oid::ZERO_SHA1);
            acts.push(entry);
        }
        if !acts.is_empty() {
            statement.acts.insert(who.clone(), acts);
        }
        Ok(())
    }
}

/// The principal and raw key of an `allowed_signers` line written by undersigned. Only the key
/// blob is decoded (`ssh-ed25519` wire form: a length-prefixed name, then the 32 key bytes):
/// an act that registers a key reads every line, and a full key parse per line made
/// `org add` grow by a third at 2,500 organizations. The lines were checked when registered.
fn parse_line(line: &str) -> Option<(Principal, [u8; 32])> {
    use base64ct::Encoding;
    const PREFIX: &[u8] = b"\0\0\0\x0bssh-ed25519\0\0\0\x20";
    let (principal, rest) = line.split_once(' ')?;
    let who = Principal::parse(principal)?;
    let key_text = match rest.strip_prefix("valid-before=\"") {
        Some(r) => r.split_once("\" ")?.1,
        None => rest,
    };
    let b64 = key_text.strip_prefix("ssh-ed25519 ")?.split(' ').next()?;
    let mut buf = [0u8; 64];
    let blob = base64ct::Base64::decode(b64, &mut buf).ok()?;
    let raw = blob.strip_prefix(PREFIX)?;
    Some((who, raw.try_into().ok()?))
}

/// The `valid-before` time of a principal's key line, in seconds.
fn retired_at(lines: &BTreeSet<String>, principal: &str, openssh: &str) -> Option<i64> {
    let prefix = format!("{principal} valid-before=\"");
    let suffix = format!("\" {openssh}");
    lines.iter().find_map(|l| {
        let compact = l.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
        crate::timefmt::parse_compact(compact)
    })
}
