//! What a ledger says at one commit, as verification rebuilds it: the registry of editors,
//! organizations, individuals and keys, the statements with their versions, sign-on records
//! and every act, each with the commit that added it. Signatories' acts are keyed by principal
//! (kind and slug), so organizations and individuals share every rule. Built only from trees and signatures, never from commit messages.

use crate::ids::{Principal, Role};
use crate::keys::PublicKeyInfo;
use crate::log::{CheckpointEntry, CosignatureEntry, QuorumEntry};
use crate::record::{ActKind, Provenance, SignOnAction, TextRef};
use crate::report::{ActType, LogEntry};
use git2::Oid;
use smallvec::SmallVec;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A registered key.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeyEntry {
    /// Position among the principal's keys.
    pub seq: u32,
    /// The key.
    pub key: PublicKeyInfo,
    /// Commit that registered it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// Who registered it (an editor, or the principal itself for a rotation).
    pub added_by: String,
    /// Why it replaced the previous key.
    pub reason: Option<String>,
    /// When it stopped being in force: the commit that rotated or revoked it, or removed its
    /// editor, and that commit's time (which `allowed_signers` writes as `valid-before`).
    #[serde(with = "crate::oid_serde::opt_pair")]
    pub retired: Option<(Oid, i64)>,
    /// Its revocation, if it was revoked (also after a rotation: a stolen old key).
    pub revoked: Option<Revocation>,
}

impl KeyEntry {
    /// True while the key may sign.
    pub fn in_force(&self) -> bool {
        self.retired.is_none()
    }
}

/// A key's revocation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Revocation {
    /// Why.
    pub reason: String,
    /// Who revoked it.
    pub by: String,
    /// Commit.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
}

/// An editor, organization or individual.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PrincipalEntry {
    /// Display name.
    pub name: String,
    /// Web site (organizations).
    pub url: Option<String>,
    /// Country code (organizations and individuals).
    pub country: Option<String>,
    /// Affiliation, for identification only (individuals).
    #[serde(default)]
    pub affiliation: Option<String>,
    /// Keys in registration order; the last one is in force.
    pub keys: Vec<KeyEntry>,
    /// Commit that registered it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// For a removed editor: the removing commit and the reason.
    #[serde(with = "crate::oid_serde::opt_pair")]
    pub removed: Option<(Oid, String)>,
}

impl PrincipalEntry {
    /// The key in force, if any: the latest, unless it was revoked (or the editor removed).
    pub fn current_key(&self) -> Option<&KeyEntry> {
        self.keys
            .last()
            .filter(|k| k.in_force() && self.removed.is_none())
    }

    /// How many keys it ever had.
    pub fn key_count(&self) -> u32 {
        u32::try_from(self.keys.len()).unwrap_or(u32::MAX)
    }

    /// The key with this position.
    pub fn key(&self, seq: u32) -> Option<&KeyEntry> {
        seq.checked_sub(1).and_then(|i| self.keys.get(i as usize))
    }
}

/// One version of a statement.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VersionEntry {
    /// Version number.
    pub n: u32,
    /// Title at this version.
    pub title: String,
    /// sha256 of the exact text.
    pub text_sha256: String,
    /// Editor who wrote it.
    pub editor: String,
    /// Revision note.
    pub note: Option<String>,
    /// Time the editor gave (record).
    pub created_at: String,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// Blob id of the text, to read it back without searching.
    #[serde(with = "crate::oid_serde")]
    pub text_blob: Oid,
    /// Language of the original text, when the version names its languages.
    #[serde(default)]
    pub lang: Option<String>,
    /// Translations, in ascending order of tag.
    #[serde(default)]
    pub translations: Vec<TranslationEntry>,
}

/// A translation of a version.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TranslationEntry {
    /// Language tag.
    pub lang: String,
    /// sha256 of its exact text.
    pub text_sha256: String,
    /// Blob id of the text.
    #[serde(with = "crate::oid_serde")]
    pub text_blob: Oid,
}

impl VersionEntry {
    /// Every text an endorsement of this version covers, in the order its payload lists them
    /// (the original first, then the translations by tag); empty for a version that names no
    /// language, whose endorsement covers `text_sha256` alone.
    pub fn texts(&self) -> Vec<TextRef> {
        let Some(lang) = &self.lang else {
            return Vec::new();
        };
        std::iter::once(TextRef {
            lang: lang.clone(),
            text_sha256: self.text_sha256.clone(),
        })
        .chain(self.translations.iter().map(|t| TextRef {
            lang: t.lang.clone(),
            text_sha256: t.text_sha256.clone(),
        }))
        .collect()
    }

    /// The sha256 and blob of the text in `lang` (the original when `lang` is `None` or its
    /// own language).
    pub fn text_in(&self, lang: Option<&str>) -> Option<(&str, Oid)> {
        match lang {
            None => Some((&self.text_sha256, self.text_blob)),
            Some(l) if self.lang.as_deref() == Some(l) => Some((&self.text_sha256, self.text_blob)),
            Some(l) => self
                .translations
                .iter()
                .find(|t| t.lang == l)
                .map(|t| (t.text_sha256.as_str(), t.text_blob)),
        }
    }

    /// The languages of its texts, the original first (empty when it names none).
    pub fn langs(&self) -> Vec<String> {
        self.texts().into_iter().map(|t| t.lang).collect()
    }
}

/// A sign-on record: the statement closed, or opened again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SignOnEntry {
    /// Position among the statement's sign-on records.
    pub seq: u32,
    /// Close or open.
    pub action: SignOnAction,
    /// The deadline an open announces.
    pub deadline: Option<String>,
    /// Why it closed.
    pub reason: Option<String>,
    /// The editor.
    pub editor: String,
    /// The record's time.
    pub at: String,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
}

/// One endorsement or withdrawal, as much as audits need (the full record stays in git).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ActEntry {
    /// Position among this organization's acts on the statement.
    pub seq: u32,
    /// Endorse or withdraw.
    pub kind: ActKind,
    /// Endorsed version.
    pub version: Option<u32>,
    /// Signed or attested.
    pub provenance: Provenance,
    /// Editor who attested (attested records).
    pub attested_by: Option<String>,
    /// Fingerprint of the key that signed the record.
    pub key: String,
    /// The record's own time.
    pub signed_at: String,
    /// Withdrawal reason.
    pub reason: Option<String>,
    /// sha256 of the evidence an editor holds (attested records).
    pub evidence_sha256: Option<String>,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// Path of the record.
    pub path: String,
    /// The act's leaf index in the transparency log (none where a writer read the state from a
    /// tree, which does not say it).
    #[serde(default)]
    pub log_index: Option<u64>,
}

/// What the rules need to know of one signatory's acts on one statement, and the commits
/// that added them: a pass over history keeps this, never the acts themselves, so its memory
/// does not grow with the number of acts ([`read_acts`] reads them back from the head).
///
/// A ledger holds about one of these per endorsement, so it is kept small: the time as a
/// boxed string, and the first act's origin inline (most signatories act once on a
/// statement). Peak heap of a full verify grows by about 196 bytes per endorsement this way
/// against 298 with a `String` and two `Vec`s (heaptrack, 10,000 and 100,000 endorsements),
/// which is what lets 1,000,000 stay within 512 MB.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ActsSummary {
    /// How many acts (the next one is number `count + 1`).
    pub count: u32,
    /// The last act's kind.
    pub last_kind: ActKind,
    /// The last act's own time (the next must be later).
    pub last_signed_at: Box<str>,
    /// Where each act came from, in order (zero commits and no index when read from a tree
    /// alone, which does not say them).
    #[serde(with = "origins_serde")]
    pub origins: SmallVec<[ActOrigin; 1]>,
}

/// The commit that added an act and the act's leaf index in the transparency log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActOrigin {
    /// Commit that added the act.
    pub commit: Oid,
    /// Leaf index, little-endian, all ones when unknown (bytes, so that the origin packs in
    /// 28 bytes).
    log_index: [u8; 8],
}

impl ActOrigin {
    /// The origin of an act added by `commit` at leaf `log_index`.
    pub fn new(commit: Oid, log_index: Option<u64>) -> ActOrigin {
        ActOrigin {
            commit,
            log_index: log_index.unwrap_or(u64::MAX).to_le_bytes(),
        }
    }

    /// The act's leaf index, when known.
    pub fn log_index(&self) -> Option<u64> {
        Some(u64::from_le_bytes(self.log_index)).filter(|&i| i != u64::MAX)
    }
}

/// A statement: its versions, its sign-on records and, per signatory, what its acts come to.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct StatementEntry {
    /// Versions, index = n - 1.
    pub versions: Vec<VersionEntry>,
    /// Per signatory (by principal), its acts on the statement summed up: what the rules read.
    #[serde(with = "principal_map")]
    pub signatories: BTreeMap<Principal, ActsSummary>,
    /// Acts per signatory (organization or individual), in sequence order, for audits and
    /// lists: read from a tree ([`read_acts`], [`crate::view::Loaded`]), not kept by a pass
    /// over history.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub acts: BTreeMap<Principal, Vec<ActEntry>>,
    /// Sign-on records, in sequence order (few: kept by the pass).
    #[serde(default)]
    pub signon: Vec<SignOnEntry>,
}

impl StatementEntry {
    /// The version in force.
    pub fn current(&self) -> Option<&VersionEntry> {
        self.versions.last()
    }

    /// Version `n`.
    pub fn version(&self, n: u32) -> Option<&VersionEntry> {
        n.checked_sub(1)
            .and_then(|i| self.versions.get(usize::try_from(i).ok()?))
    }

    /// How many versions it has (the current one's number).
    pub fn version_count(&self) -> u32 {
        u32::try_from(self.versions.len()).unwrap_or(u32::MAX)
    }

    /// What a signatory's acts on the statement come to, or `None` when it never acted.
    pub fn summary_of(&self, who: &Principal) -> Option<&ActsSummary> {
        self.signatories.get(who)
    }

    /// Notes an act of `who` (added by `commit`) in its summary.
    pub fn note_act(&mut self, who: Principal, act: &ActEntry, commit: Oid) {
        let s = self.signatories.entry(who).or_insert_with(|| ActsSummary {
            count: 0,
            last_kind: act.kind,
            last_signed_at: Box::default(),
            origins: SmallVec::new(),
        });
        s.count = s.count.saturating_add(1);
        s.last_kind = act.kind;
        if *s.last_signed_at != *act.signed_at {
            s.last_signed_at = act.signed_at.as_str().into();
        }
        s.origins.push(ActOrigin::new(commit, act.log_index));
    }

    /// A signatory's acts on the statement, in order (none when it never acted, or when they
    /// were not read: see [`StatementEntry::acts`]).
    pub fn acts_of(&self, who: &Principal) -> &[ActEntry] {
        self.acts.get(who).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Where a signatory stands on the statement, or `None` when it never acted.
    pub fn standing(&self, who: &Principal) -> Option<Standing> {
        standing(self.acts_of(who), self.current()?.n)
    }

    /// The close in force, when sign-on is closed: no endorsement may be committed.
    pub fn closed(&self) -> Option<&SignOnEntry> {
        self.signon
            .last()
            .filter(|s| s.action == SignOnAction::Close)
    }

    /// The deadline announced by the latest open, while sign-on is open.
    pub fn deadline(&self) -> Option<&str> {
        if self.closed().is_some() {
            return None;
        }
        self.signon.last().and_then(|s| s.deadline.as_deref())
    }

    /// How many sign-on records it has.
    pub fn signon_count(&self) -> u32 {
        u32::try_from(self.signon.len()).unwrap_or(u32::MAX)
    }
}

/// Where an organization stands on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// Endorses the current version.
    Current,
    /// Endorses an older version only.
    Stale,
    /// Withdrew last.
    Withdrawn,
}

pub use crate::rules::endorsement::in_force;

/// The standing that `acts` (one organization's, in order) give it when `current` is the
/// current version, or `None` when it never acted.
pub fn standing(acts: &[ActEntry], current: u32) -> Option<Standing> {
    let last = acts.last()?;
    if last.kind == ActKind::Withdraw {
        return Some(Standing::Withdrawn);
    }
    if in_force(acts).iter().any(|a| a.version == Some(current)) {
        Some(Standing::Current)
    } else {
        Some(Standing::Stale)
    }
}

/// The whole ledger at one commit.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// Genesis commit id.
    #[serde(with = "crate::oid_serde::opt")]
    pub ledger_id: Option<Oid>,
    /// Ledger name.
    pub name: String,
    /// The ledger's format (`ledger.json`): which kinds of record it may hold.
    #[serde(default)]
    pub format: u32,
    /// Editors by id.
    pub editors: BTreeMap<String, PrincipalEntry>,
    /// Organizations by id.
    pub orgs: BTreeMap<String, PrincipalEntry>,
    /// Individuals by id.
    #[serde(default)]
    pub people: BTreeMap<String, PrincipalEntry>,
    /// Which principal holds each key ever registered (raw ed25519 bytes), and the key's
    /// position; a key belongs to one principal forever.
    /// Derived from the keys above, so a proof does not store it ([`State::rebuild_indexes`]).
    #[serde(skip)]
    pub by_key: HashMap<[u8; 32], (Principal, u32)>,
    /// Statements by id.
    pub statements: BTreeMap<String, StatementEntry>,
    /// The lines `allowed_signers` must hold, kept up to date as keys change (derived as well).
    #[serde(skip)]
    pub signer_lines: BTreeSet<String>,
    /// Every registered display name by its confusable skeleton (TR39), with whose it is: no
    /// two principals may look alike to a reader (derived as well).
    #[serde(skip)]
    pub names: HashMap<String, (Principal, String)>,
    /// The transparency log: the tree over the acts so far, its checkpoints and cosignatures.
    #[serde(default)]
    pub log: crate::log::LogState,
}

impl State {
    /// Editors that can still act: not removed, with a key in force.
    pub fn active_editors(&self) -> usize {
        self.editors
            .values()
            .filter(|e| e.current_key().is_some())
            .count()
    }

    /// Rebuilds [`State::by_key`] and [`State::signer_lines`] from the principals' keys, for a
    /// state read back without them.
    pub fn rebuild_indexes(&mut self) {
        let principals: Vec<Principal> = self
            .editors
            .keys()
            .map(|id| Principal::editor(id))
            .chain(self.orgs.keys().map(|id| Principal::org(id)))
            .chain(self.people.keys().map(|id| Principal::person(id)))
            .collect();
        self.by_key.clear();
        self.signer_lines.clear();
        self.names.clear();
        for who in principals {
            if let Some(p) = self.principal(&who) {
                let (name, affiliation) = (p.name.clone(), p.affiliation.clone());
                self.remember(&who, &name, affiliation.as_deref());
            }
            let keys: Vec<([u8; 32], u32)> = self
                .principal(&who)
                .map(|p| p.keys.iter().map(|k| (k.key.raw, k.seq)).collect())
                .unwrap_or_default();
            for (raw, seq) in keys {
                self.by_key.insert(raw, (who.clone(), seq));
            }
            let lines = self.lines_of(&who);
            self.signer_lines.extend(lines);
        }
    }

    /// Notes a principal's display name in [`State::names`].
    pub fn remember_name(&mut self, who: &Principal, name: &str) {
        self.remember(who, name, None);
    }

    /// Notes a principal's display name in [`State::names`], under [`name_key`].
    pub fn remember(&mut self, who: &Principal, name: &str, affiliation: Option<&str>) {
        self.names.insert(
            name_key(who.role, name, affiliation),
            (who.clone(), name.to_string()),
        );
    }

    /// Mutable access to a principal's entry.
    pub fn principal_mut(&mut self, p: &Principal) -> Option<&mut PrincipalEntry> {
        self.registry_mut(p.role).get_mut(&p.id)
    }

    /// The editor, organization or individual entry of a principal.
    pub fn principal(&self, p: &Principal) -> Option<&PrincipalEntry> {
        self.registry(p.role).get(&p.id)
    }

    /// The principals of one kind, by id.
    pub fn registry(&self, role: Role) -> &BTreeMap<String, PrincipalEntry> {
        match role {
            Role::Editor => &self.editors,
            Role::Org => &self.orgs,
            Role::Person => &self.people,
        }
    }

    /// The principals of one kind, by id, for changes.
    pub fn registry_mut(&mut self, role: Role) -> &mut BTreeMap<String, PrincipalEntry> {
        match role {
            Role::Editor => &mut self.editors,
            Role::Org => &mut self.orgs,
            Role::Person => &mut self.people,
        }
    }

    /// A signatory's display name, or its principal when it is not registered.
    pub fn name_of(&self, who: &Principal) -> String {
        self.principal(who)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| who.to_string())
    }

    /// The `allowed_signers` lines of one principal's keys.
    pub fn lines_of(&self, who: &Principal) -> Vec<String> {
        let name = who.to_string();
        self.principal(who)
            .map(|e| {
                e.keys
                    .iter()
                    .map(|k| signer_line(&name, &k.key.openssh, k.retired.map(|(_, t)| t)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Replaces one principal's lines in [`State::signer_lines`] after its keys changed, so the
    /// file is never rebuilt from every key (that made verification quadratic in the number of
    /// organizations).
    pub fn refresh_lines(&mut self, who: &Principal, before: Vec<String>) {
        for l in before {
            self.signer_lines.remove(&l);
        }
        for l in self.lines_of(who) {
            self.signer_lines.insert(l);
        }
    }

    /// The `allowed_signers` file these keys imply.
    pub fn allowed_signers(&self) -> String {
        let mut out = String::with_capacity(
            ALLOWED_SIGNERS_HEADER.len()
                + self.signer_lines.iter().map(|l| l.len() + 1).sum::<usize>(),
        );
        out.push_str(ALLOWED_SIGNERS_HEADER);
        for l in &self.signer_lines {
            out.push_str(l);
            out.push('\n');
        }
        out
    }
}

/// One checked record, ready to be applied: what the rules make of a file a commit adds. A
/// commit's changes are applied only once all of them were checked against the parent's state,
/// so nothing in a commit can authorize something else in it.
#[derive(Debug, Clone)]
pub enum Change {
    /// `ledger.json`: the ledger's name and format.
    Ledger {
        /// The name.
        name: String,
        /// The format.
        format: u32,
    },
    /// An editor, organization or individual registered.
    Principal {
        /// Who.
        who: Principal,
        /// Its entry (no keys yet; `commit` is set when applied).
        entry: PrincipalEntry,
    },
    /// A key registered; it retires the key in force (a rotation).
    Key {
        /// Whose.
        who: Principal,
        /// The key (`commit` is set when applied).
        key: KeyEntry,
    },
    /// Key `seq` of a principal revoked.
    Revoke {
        /// Whose.
        who: Principal,
        /// Which key.
        seq: u32,
        /// Why.
        reason: String,
        /// Who revoked it.
        by: String,
    },
    /// An editor removed; its keys retire.
    Remove {
        /// The editor's slug.
        id: String,
        /// Why.
        reason: String,
    },
    /// A version of a statement.
    Version {
        /// The statement.
        stmt: String,
        /// The version (`commit` is set when applied).
        entry: VersionEntry,
    },
    /// A signatory's (organization's or individual's) endorsement or withdrawal.
    Signatory {
        /// The statement.
        stmt: String,
        /// The signatory.
        who: Principal,
        /// The act (`commit` is set when applied).
        entry: ActEntry,
    },
    /// Sign-on closed or opened.
    SignOn {
        /// The statement.
        stmt: String,
        /// The record (`commit` is set when applied).
        entry: SignOnEntry,
    },
    /// A checkpoint of the log (`commit` and `time` are set when applied).
    Checkpoint(CheckpointEntry),
    /// A witness's cosignature of checkpoint `seq` (`commit` is set when applied).
    Cosignature {
        /// The checkpoint.
        seq: u32,
        /// The cosignature.
        entry: CosignatureEntry,
    },
    /// The witnesses' quorum stated (`commit` is set when applied).
    Quorum(QuorumEntry),
}

impl Change {
    /// What kind of act this record is, for the log.
    pub fn act_type(&self) -> ActType {
        match self {
            Change::Ledger { .. } => ActType::Init,
            Change::Principal { who, .. } => match who.role {
                Role::Editor => ActType::EditorAdd,
                Role::Org => ActType::OrgAdd,
                Role::Person => ActType::PersonAdd,
            },
            Change::Key { .. } => ActType::KeyAdd,
            Change::Revoke { .. } => ActType::KeyRevoke,
            Change::Remove { .. } => ActType::EditorRemove,
            Change::Version { entry, .. } if entry.n == 1 => ActType::StatementNew,
            Change::Version { .. } => ActType::StatementRevise,
            Change::Signatory { entry, .. } => match entry.kind {
                ActKind::Endorse => ActType::Endorse,
                ActKind::Withdraw => ActType::Withdraw,
            },
            Change::SignOn { entry, .. } => match entry.action {
                SignOnAction::Close => ActType::StatementClose,
                SignOnAction::Open => ActType::StatementOpen,
            },
            Change::Checkpoint(_) => ActType::Checkpoint,
            Change::Cosignature { .. } => ActType::Cosign,
            Change::Quorum(_) => ActType::Quorum,
        }
    }

    /// The statement the record belongs to, if any.
    pub fn statement(&self) -> Option<&str> {
        match self {
            Change::Version { stmt, .. }
            | Change::Signatory { stmt, .. }
            | Change::SignOn { stmt, .. } => Some(stmt),
            Change::Ledger { .. }
            | Change::Principal { .. }
            | Change::Key { .. }
            | Change::Revoke { .. }
            | Change::Remove { .. }
            | Change::Checkpoint(_)
            | Change::Cosignature { .. }
            | Change::Quorum(_) => None,
        }
    }

    /// True when the record changes who may sign, so that `allowed_signers` must follow.
    pub fn changes_registry(&self) -> bool {
        match self {
            Change::Principal { .. }
            | Change::Key { .. }
            | Change::Revoke { .. }
            | Change::Remove { .. } => true,
            Change::Ledger { .. }
            | Change::Version { .. }
            | Change::Signatory { .. }
            | Change::SignOn { .. }
            | Change::Checkpoint(_)
            | Change::Cosignature { .. }
            | Change::Quorum(_) => false,
        }
    }

    /// The log entry of this record in `commit` (time in seconds, signed by `actor`). The
    /// genesis names its first editor without a separate `editor-add`.
    pub fn log_entry(
        &self,
        commit: Oid,
        time: i64,
        actor: &str,
        genesis: bool,
    ) -> Option<LogEntry> {
        let (statement, version, subject, provenance) = match self {
            Change::Ledger { name, .. } => (None, None, Some(name.clone()), None),
            Change::Principal { .. } if genesis => return None,
            Change::Principal { who, .. } => (None, None, Some(who.to_string()), None),
            Change::Key { who, key } => (
                None,
                None,
                Some(format!("{who} {}", key.key.fingerprint)),
                None,
            ),
            Change::Revoke { who, seq, .. } => (None, None, Some(format!("{who} key {seq}")), None),
            Change::Remove { id, .. } => (None, None, Some(format!("editor/{id}")), None),
            Change::Version { stmt, entry } => (Some(stmt.clone()), Some(entry.n), None, None),
            Change::Signatory { stmt, who, entry } => (
                Some(stmt.clone()),
                entry.version,
                Some(who.to_string()),
                Some(entry.provenance),
            ),
            Change::SignOn { stmt, .. } => (Some(stmt.clone()), None, None, None),
            Change::Checkpoint(c) => (
                None,
                None,
                Some(format!("checkpoint {} of size {}", c.seq, c.size)),
                None,
            ),
            Change::Cosignature { seq, entry } => (
                None,
                None,
                Some(format!("org/{} cosigns checkpoint {seq}", entry.org)),
                None,
            ),
            Change::Quorum(q) => (
                None,
                None,
                Some(format!("{} of {}", q.k, q.witnesses.join(", "))),
                None,
            ),
        };
        Some(LogEntry {
            commit: commit.to_string(),
            time,
            actor: actor.to_string(),
            act: self.act_type(),
            statement,
            version,
            subject,
            provenance,
            in_log: None,
        })
    }
}

impl State {
    /// Applies a checked record added by `commit` (committed at `time`, seconds).
    pub fn apply(&mut self, change: Change, commit: Oid, time: i64) {
        match change {
            Change::Ledger { name, format } => {
                self.name = name;
                self.format = format;
            }
            Change::Principal { who, mut entry } => {
                entry.commit = commit;
                self.remember(&who, &entry.name, entry.affiliation.as_deref());
                self.registry_mut(who.role).insert(who.id, entry);
            }
            Change::Key { who, mut key } => {
                key.commit = commit;
                self.by_key.insert(key.key.raw, (who.clone(), key.seq));
                let before = self.lines_of(&who);
                if let Some(p) = self.principal_mut(&who) {
                    // A new key retires the one in force: rotation.
                    if let Some(prev) = p.keys.last_mut().filter(|k| k.in_force()) {
                        prev.retired = Some((commit, time));
                    }
                    p.keys.push(key);
                }
                self.refresh_lines(&who, before);
            }
            Change::Revoke {
                who,
                seq,
                reason,
                by,
            } => {
                let before = self.lines_of(&who);
                if let Some(k) = self.principal_mut(&who).and_then(|p| {
                    seq.checked_sub(1)
                        .and_then(|i| p.keys.get_mut(usize::try_from(i).ok()?))
                }) {
                    k.retired.get_or_insert((commit, time));
                    k.revoked = Some(Revocation { reason, by, commit });
                }
                self.refresh_lines(&who, before);
            }
            Change::Remove { id, reason } => {
                let who = Principal::editor(&id);
                let before = self.lines_of(&who);
                if let Some(e) = self.editors.get_mut(&id) {
                    for k in e.keys.iter_mut().filter(|k| k.in_force()) {
                        k.retired = Some((commit, time));
                    }
                    e.removed = Some((commit, reason));
                }
                self.refresh_lines(&who, before);
            }
            Change::Version { stmt, mut entry } => {
                entry.commit = commit;
                self.statements
                    .entry(stmt)
                    .or_default()
                    .versions
                    .push(entry);
            }
            Change::Signatory { stmt, who, entry } => {
                // Only the summary: the acts themselves stay in git (read_acts).
                if let Some(s) = self.statements.get_mut(&stmt) {
                    s.note_act(who, &entry, commit);
                }
            }
            Change::SignOn { stmt, mut entry } => {
                entry.commit = commit;
                if let Some(s) = self.statements.get_mut(&stmt) {
                    s.signon.push(entry);
                }
            }
            Change::Checkpoint(mut entry) => {
                entry.commit = commit;
                entry.time = time;
                self.log.checkpoints.push(entry);
            }
            Change::Cosignature { seq, mut entry } => {
                entry.commit = commit;
                if let Some(c) = seq
                    .checked_sub(1)
                    .and_then(|i| self.log.checkpoints.get_mut(usize::try_from(i).ok()?))
                {
                    c.cosignatures.push(entry);
                }
            }
            Change::Quorum(mut q) => {
                q.commit = commit;
                self.log.quorum = Some(q);
            }
        }
    }
}

/// The key under which [`State::names`] keeps a display name: its confusable skeleton (TR39)
/// for editors and organizations, which no two may share; for an individual, the skeleton of
/// what a reader sees, the name with the affiliation, since two people may well share a name
/// but a list must not show two entries a reader cannot tell apart. (An individual's name is
/// also checked against the organizations' and editors' plain skeletons: no person passes for
/// an organization.)
pub fn name_key(role: Role, name: &str, affiliation: Option<&str>) -> String {
    let plain = crate::text::skeleton(name);
    match role {
        Role::Editor | Role::Org => plain,
        Role::Person => format!(
            "person\u{0}{plain}\u{0}{}",
            crate::text::skeleton(affiliation.unwrap_or_default())
        ),
    }
}

/// Header of `allowed_signers`: tells a reader where the file comes from.
pub const ALLOWED_SIGNERS_HEADER: &str = "# Generated by undersigned from the key records in this ledger; do not edit.\n# Use: git -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit <commit>\n";

/// One `allowed_signers` line. A retired key carries `valid-before` (the retiring commit's
/// time, inclusive, as ssh-keygen compares it with the committer date git passes), so stock git
/// still accepts the commits the key made while it was in force and refuses later ones.
pub fn signer_line(principal: &str, openssh: &str, retired_at: Option<i64>) -> String {
    match retired_at {
        Some(t) => format!(
            "{principal} valid-before=\"{}\" {openssh}",
            crate::timefmt::format_compact(t)
        ),
        None => format!("{principal} {openssh}"),
    }
}

/// Renders lines in their one order (sorted), so the file is a pure function of the registry.
pub fn render_allowed_signers(lines: BTreeSet<String>) -> String {
    let mut out = String::from(ALLOWED_SIGNERS_HEADER);
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Parses the lines of an `allowed_signers` file written by [`render_allowed_signers`].
pub fn parse_allowed_signers(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

impl ActEntry {
    /// The entry of act record `r`, number `seq` of its signatory on its statement, at `path`,
    /// added by `commit`.
    pub fn of_record(r: crate::record::ActRecord, seq: u32, path: String, commit: Oid) -> ActEntry {
        let attested_by = (r.provenance == Provenance::Attested)
            .then(|| Principal::parse(&r.signer).map(|p| p.id))
            .flatten();
        ActEntry {
            seq,
            kind: r.act,
            version: r.version,
            provenance: r.provenance,
            attested_by,
            key: r.key,
            signed_at: r.signed_at,
            reason: r.reason,
            evidence_sha256: r.evidence_sha256,
            commit,
            path,
            log_index: None,
        }
    }
}

/// Reads back from the tree of `head` every act of the statements `which` (all with `None`)
/// into [`StatementEntry::acts`], with the commits the pass over history noted for each: what
/// audits and lists need, which a pass does not keep in memory. A record the tree lacks (a
/// history that does not verify) is left out.
pub fn read_acts(
    repo: &git2::Repository,
    head: Oid,
    state: &mut State,
    which: Option<&BTreeSet<String>>,
) -> crate::error::Result<()> {
    let tree = repo.find_commit(head)?.tree()?;
    let view = crate::view::View {
        repo,
        tree: &tree,
        commit: head,
    };
    for (id, st) in state.statements.iter_mut() {
        if which.is_some_and(|w| !w.contains(id)) {
            continue;
        }
        st.acts.clear();
        for (who, records) in view.statement_acts(id, st.signatories.keys())? {
            let summary = &st.signatories[who];
            let acts: Vec<ActEntry> = records
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    let origin = summary.origins.get(i);
                    let commit = origin.map_or(Oid::ZERO_SHA1, |o| o.commit);
                    let path = crate::layout::signatory_act_path(id, who, seq);
                    let mut entry = ActEntry::of_record(r, seq, path, commit);
                    entry.log_index = origin.and_then(ActOrigin::log_index);
                    entry
                })
                .collect();
            if !acts.is_empty() {
                st.acts.insert(who.clone(), acts);
            }
        }
    }
    Ok(())
}

/// A map keyed by principal, written as a JSON object keyed by `editor/ID`, `org/ID`.
mod principal_map {
    use super::{ActsSummary, Principal};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<Principal, ActsSummary>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let by_name: BTreeMap<String, &ActsSummary> =
            map.iter().map(|(p, v)| (p.to_string(), v)).collect();
        by_name.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Principal, ActsSummary>, D::Error> {
        BTreeMap::<String, ActsSummary>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| {
                Principal::parse(&k)
                    .map(|p| (p, v))
                    .ok_or_else(|| D::Error::custom(format!("not a principal: {k:?}")))
            })
            .collect()
    }
}

/// [`ActsSummary::origins`] in the proof cache as `[["<commit hex>", index or null], ...]`.
mod origins_serde {
    use super::{ActOrigin, SmallVec};
    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &SmallVec<[ActOrigin; 1]>, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for o in v {
            seq.serialize_element(&(o.commit.to_string(), o.log_index()))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<SmallVec<[ActOrigin; 1]>, D::Error> {
        Vec::<(String, Option<u64>)>::deserialize(d)?
            .into_iter()
            .map(|(c, i)| {
                let commit = git2::Oid::from_str(&c)
                    .map_err(|e| D::Error::custom(format!("object id {c:?}: {e}")))?;
                Ok(ActOrigin::new(commit, i))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(signed_at: &str, log_index: Option<u64>) -> ActEntry {
        ActEntry {
            seq: 1,
            kind: ActKind::Endorse,
            version: Some(1),
            provenance: Provenance::Signed,
            attested_by: None,
            key: "SHA256:k".into(),
            signed_at: signed_at.into(),
            reason: None,
            evidence_sha256: None,
            commit: Oid::ZERO_SHA1,
            path: String::new(),
            log_index,
        }
    }

    #[test]
    fn a_summary_keeps_every_origin_in_order_through_the_proof_cache() {
        let who = Principal::org("hrw");
        let (a, b) = (
            Oid::from_bytes(&[1; 20]).unwrap(),
            Oid::from_bytes(&[2; 20]).unwrap(),
        );
        let mut st = StatementEntry::default();
        st.note_act(who.clone(), &act("2026-01-01T00:00:00.000Z", Some(7)), a);
        st.note_act(who.clone(), &act("2026-01-02T00:00:00.000Z", None), b);
        let json = serde_json::to_string(&st).unwrap();
        let back: StatementEntry = serde_json::from_str(&json).unwrap();
        let s = back.summary_of(&who).unwrap();
        assert_eq!(s.count, 2);
        assert_eq!(&*s.last_signed_at, "2026-01-02T00:00:00.000Z");
        let origins: Vec<(Oid, Option<u64>)> = s
            .origins
            .iter()
            .map(|o| (o.commit, o.log_index()))
            .collect();
        assert_eq!(origins, vec![(a, Some(7)), (b, None)]);
        // Index 0 is a real leaf, not "unknown".
        assert_eq!(ActOrigin::new(a, Some(0)).log_index(), Some(0));
    }
}
