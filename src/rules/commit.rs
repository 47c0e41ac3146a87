//! The rules over all the files one commit adds: rights, each file's own rule, what must come
//! together (a version's text and record, an editor and its key), judged against the parent's
//! state only — the changes are returned, not applied, so nothing in a commit can authorize
//! something else in it.

use super::{endorsement, log, registry, rights, signon, statement};
use crate::ids::{Principal, Role};
use crate::layout::{self, Entry};
use crate::report::{Broken, Rule};
use crate::signed_data::SignedData;
use crate::state::{Change, State};
use git2::Oid;
use std::collections::{BTreeMap, HashSet};

/// One file a commit adds: its path, what it is, its blob id and its bytes (or why they could
/// not be read, such as a file over the size its kind takes).
pub struct File {
    /// Path in the tree.
    pub path: String,
    /// What the path says it is.
    pub entry: Entry,
    /// Blob id.
    pub blob: Oid,
    /// Content.
    pub bytes: Result<Vec<u8>, Broken>,
    /// What a reader of history already worked out of the bytes, off the thread that applies
    /// the rules ([`Prepared`]); `None` when nothing was (a writer's own commit).
    pub prepared: Option<Box<Prepared>>,
}

/// The work on one file that does not depend on the ledger's state, done ahead by the threads
/// that read history so that the thread applying the rules in order does none of it: the
/// record decoded as its path says, and an act record's own signature parsed and checked over
/// its payload. Each is exactly what the rule would compute from the same bytes; a rule takes
/// it instead of computing it ([`super::decode`], [`super::endorsement::check_act`]).
#[derive(Default)]
pub struct Prepared {
    /// The record decoded (`Box<T>` of the record type the path names), or why it is not one.
    pub record: Option<Result<Box<dyn std::any::Any + Send>, Broken>>,
    /// An act record's signature: parsed from its armor (namespace checked), and, when it
    /// parsed, checked over the record's payload with the key it names.
    pub signature: Option<PreparedSig>,
}

/// An act record's own signature, parsed and checked ahead ([`Prepared::signature`]).
pub struct PreparedSig {
    /// [`crate::keys::ParsedSig::parse`] of the record's `signature`.
    pub parsed: Result<crate::keys::ParsedSig, crate::keys::SigError>,
    /// The signature checked over the record's payload ([`crate::signed_data::act_payload`])
    /// with the key it names; `Ok` when it did not parse (nothing to check).
    pub valid: Result<(), crate::keys::SigError>,
}

/// Who signs the commit being judged, and where it stands.
pub struct Context<'a> {
    /// The principal whose key signed the commit, when that is known (a commit with a bad
    /// signature is still checked for everything else).
    pub signer: Option<&'a Principal>,
    /// True for the genesis commit.
    pub genesis: bool,
    /// The commit's time, in seconds (records are not dated long after it).
    pub time: i64,
}

/// What happened while judging a commit's files, in order: a broken rule, or a record's own
/// signature to check (verification queues those, a writer checks them at once).
pub enum Event {
    /// A broken rule, at a path when one file is at fault.
    Fail(Option<String>, Broken),
    /// A record signature to check, at its path.
    Sign(String, Box<SignedData>),
}

/// The outcome of [`check_records`].
pub struct Checked {
    /// The changes the files make, to apply once the commit is judged.
    pub changes: Vec<Change>,
    /// Broken rules and signatures to check, in the order found.
    pub events: Vec<Event>,
    /// The commit's leaf of the transparency log, unless it adds only the log's own notes
    /// ([`crate::log::leaf`]).
    pub leaf: Option<crate::log::merkle::Hash>,
}

impl Checked {
    /// True when some change alters who may sign.
    pub fn registry_changed(&self) -> bool {
        self.changes.iter().any(Change::changes_registry)
    }
}

/// Processing order inside one commit: principals before their keys, texts before records.
fn order(e: &Entry) -> u8 {
    match e {
        Entry::Ledger => 0,
        Entry::Editor { .. } | Entry::Org { .. } | Entry::Person { .. } => 1,
        Entry::EditorKey { .. } | Entry::OrgKey { .. } | Entry::PersonKey { .. } => 2,
        Entry::EditorRevocation { .. }
        | Entry::OrgRevocation { .. }
        | Entry::PersonRevocation { .. }
        | Entry::EditorRemoved { .. } => 2,
        Entry::VersionText { .. } | Entry::TranslationText { .. } => 3,
        Entry::VersionMeta { .. } => 4,
        Entry::SignOn { .. } => 5,
        Entry::Act { .. } | Entry::PersonAct { .. } => 6,
        Entry::Checkpoint { .. } | Entry::Quorum { .. } => 7,
        Entry::Cosignature { .. } => 8,
        Entry::AllowedSigners => 9,
    }
}

/// Sorts the files of a commit into the order their rules read them.
pub fn sort_files(files: &mut [File]) {
    files.sort_by_key(|f| order(&f.entry));
}

/// What the files of one commit have registered so far (a commit is judged against its
/// parent's state, but may not register one principal or key twice).
#[derive(Default)]
struct Seen {
    principals: HashSet<Principal>,
    keys: HashSet<[u8; 32]>,
    names: registry::NewNames,
}

/// Judges every file a commit adds (sorted by [`sort_files`]) against the parent's `state`.
pub fn check_records(state: &State, ctx: &Context<'_>, files: &[File]) -> Checked {
    let mut out = Checked {
        changes: Vec::new(),
        events: Vec::new(),
        leaf: leaf_of(files),
    };
    if let Some(b) = log_notes_alone(files) {
        out.events.push(Event::Fail(None, b));
    }
    let mut seen = Seen::default();
    let texts: Texts<'_> = files
        .iter()
        .filter_map(|f| match &f.entry {
            Entry::VersionText { stmt, n } => Some(((stmt.as_str(), *n, None), f)),
            Entry::TranslationText { stmt, n, lang } => {
                Some(((stmt.as_str(), *n, Some(lang.as_str())), f))
            }
            _ => None,
        })
        .collect();
    for f in files {
        if let Some(p) = ctx.signer {
            if let Some(why) = rights::refuse_add(&f.entry, p, ctx.genesis) {
                out.events.push(Event::Fail(
                    Some(f.path.clone()),
                    Broken::new(Rule::Rights, why),
                ));
                continue;
            }
        }
        match check_file(state, ctx, f, &texts, &mut seen) {
            None => {}
            Some(Ok((change, sig))) => {
                if let Some(sig) = sig {
                    out.events.push(Event::Sign(f.path.clone(), Box::new(sig)));
                }
                out.changes.push(change);
            }
            Some(Err(b)) => out.events.push(Event::Fail(Some(f.path.clone()), b)),
        }
    }
    let metas: HashSet<(&str, u32)> = files
        .iter()
        .filter_map(|f| match &f.entry {
            Entry::VersionMeta { stmt, n } => Some((stmt.as_str(), *n)),
            _ => None,
        })
        .collect();
    // A text comes with its version's record, or it is a text no version names: a
    // translation slipped in under an existing version above all.
    for (stmt, n, lang) in texts.keys().filter(|(s, n, _)| !metas.contains(&(*s, *n))) {
        let (path, what) = match lang {
            None => (
                layout::version_text(stmt, *n),
                format!("text of version {n}"),
            ),
            Some(l) => (
                layout::translation_text(stmt, *n, l),
                format!("translation {l} of version {n}"),
            ),
        };
        out.events.push(Event::Fail(
            Some(path),
            Broken::new(
                Rule::Record,
                format!(
                    "{what} has no version record {} beside it; a version's texts are written with its record, once",
                    layout::version_meta(stmt, *n)
                ),
            ),
        ));
    }
    for who in &seen.principals {
        let keyed = out
            .changes
            .iter()
            .any(|c| matches!(c, Change::Key { who: w, .. } if w == who));
        if who.role == Role::Editor && !keyed {
            out.events.push(Event::Fail(
                Some(format!("{}/editor.json", layout::editor_dir(&who.id))),
                Broken::new(
                    Rule::Record,
                    format!(
                        "{who} is added without a key; an editor must be registered with its key"
                    ),
                ),
            ));
        }
    }
    out
}

/// The texts a commit adds, by statement, version and language (`None`: the original).
pub(crate) type Texts<'a> = BTreeMap<(&'a str, u32, Option<&'a str>), &'a File>;

/// The leaf of a commit that adds these files: every file but the derived `allowed_signers`,
/// unless the commit adds only checkpoints and cosignatures.
fn leaf_of(files: &[File]) -> Option<crate::log::merkle::Hash> {
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .filter(|f| f.entry != Entry::AllowedSigners)
        .map(|f| (f.path.as_str(), f.bytes.as_deref().unwrap_or_default()))
        .collect();
    let notes_only = files
        .iter()
        .filter(|f| f.entry != Entry::AllowedSigners)
        .all(|f| f.entry.is_log_note());
    (!parts.is_empty() && !notes_only).then(|| crate::log::leaf::leaf_of(parts))
}

/// A checkpoint or cosignature is a commit of its own: one beside other records would make a
/// leaf of the log that holds a note about the log.
fn log_notes_alone(files: &[File]) -> Option<Broken> {
    let records: Vec<&File> = files
        .iter()
        .filter(|f| f.entry != Entry::AllowedSigners)
        .collect();
    let notes = records.iter().filter(|f| f.entry.is_log_note()).count();
    let checkpoints = records
        .iter()
        .filter(|f| matches!(f.entry, Entry::Checkpoint { .. }))
        .count();
    if notes > 0 && notes < records.len() {
        return Some(Broken::new(
            Rule::Checkpoint,
            "a commit that adds a checkpoint or a cosignature adds nothing else (the log's notes are not acts of the log)",
        ));
    }
    if checkpoints > 1 || (checkpoints == 1 && notes > 1) {
        return Some(Broken::new(
            Rule::Checkpoint,
            "a commit adds one checkpoint, or cosignatures of earlier checkpoints, not both",
        ));
    }
    None
}

/// One file's own rule: the change it makes and the record signature to check, or why not
/// (`None` for files judged with another: a version's texts, the derived `allowed_signers`).
fn check_file(
    state: &State,
    ctx: &Context<'_>,
    f: &File,
    texts: &Texts<'_>,
    seen: &mut Seen,
) -> Option<Result<(Change, Option<SignedData>), Broken>> {
    let plain = |r: Result<Change, Broken>| Some(r.map(|c| (c, None)));
    let principal = |who: Principal, seen: &mut Seen| {
        registry::check_principal(state, f, who, ctx, (&mut seen.principals, &mut seen.names))
    };
    let key = |who: Principal, seq: u32, seen: &mut Seen| {
        registry::check_key(state, f, (who, seq), ctx, &seen.principals, &mut seen.keys)
    };
    let act = |who: Principal, stmt: &str, seq: u32| {
        Some(endorsement::check_act(state, f, (stmt, &who, seq), ctx).map(|(c, s)| (c, Some(s))))
    };
    match &f.entry {
        Entry::Ledger => plain(registry::check_ledger(f, ctx)),
        Entry::AllowedSigners | Entry::VersionText { .. } | Entry::TranslationText { .. } => None,
        Entry::Editor { id } => plain(principal(Principal::editor(id), seen)),
        Entry::Org { id } => plain(principal(Principal::org(id), seen)),
        Entry::Person { id } => plain(principal(Principal::person(id), seen)),
        Entry::EditorKey { id, seq } => plain(key(Principal::editor(id), *seq, seen)),
        Entry::OrgKey { id, seq } => plain(key(Principal::org(id), *seq, seen)),
        Entry::PersonKey { id, seq } => plain(key(Principal::person(id), *seq, seen)),
        Entry::EditorRevocation { id, seq } => plain(registry::check_revocation(
            state,
            f,
            Principal::editor(id),
            *seq,
            ctx,
        )),
        Entry::OrgRevocation { id, seq } => plain(registry::check_revocation(
            state,
            f,
            Principal::org(id),
            *seq,
            ctx,
        )),
        Entry::PersonRevocation { id, seq } => plain(registry::check_revocation(
            state,
            f,
            Principal::person(id),
            *seq,
            ctx,
        )),
        Entry::EditorRemoved { id } => plain(registry::check_removal(state, f, id, ctx)),
        Entry::VersionMeta { stmt, n } => {
            plain(statement::check_version(state, f, (stmt, *n), texts, ctx))
        }
        Entry::SignOn { stmt, seq } => plain(signon::check_signon(state, f, (stmt, *seq), ctx)),
        Entry::Act { stmt, org, seq } => act(Principal::org(org), stmt, *seq),
        Entry::PersonAct { stmt, person, seq } => act(Principal::person(person), stmt, *seq),
        Entry::Checkpoint { seq } => plain(log::check_checkpoint(state, f, *seq, ctx)),
        Entry::Cosignature { seq, org } => {
            plain(log::check_cosignature(state, f, (*seq, org), ctx))
        }
        Entry::Quorum { seq } => plain(log::check_quorum(state, f, *seq, ctx)),
    }
}

/// The identity rule: a commit's author and committer are the principal who signed it.
pub fn identity(signer: &Principal, author: Option<&str>, committer: Option<&str>) -> Vec<Broken> {
    let email = signer.email();
    [("author", author), ("committer", committer)]
        .into_iter()
        .filter(|(_, who)| *who != Some(email.as_str()))
        .map(|(role, who)| {
            Broken::new(
                Rule::Identity,
                format!(
                    "{role} is <{}> but the commit is signed by {signer} (<{email}>)",
                    who.unwrap_or("?")
                ),
            )
        })
        .collect()
}

/// How far a commit may be dated after its parent: a ledger is not dormant for a century, and
/// one commit dated at the end of time would leave no later time for the next act.
pub const MAX_AHEAD_OF_PARENT_SECS: i64 = 100 * 366 * 24 * 3600;

/// The time rules of a commit (author `author`, committer `time`, in seconds) and its parent:
/// dated within the years git and ssh-keygen handle, never before its parent (so that
/// `allowed_signers`' `valid-before` stays true to history), and not absurdly far after it.
pub fn time_after_parent(parent: Option<i64>, author: i64, time: i64) -> Vec<Broken> {
    use crate::timefmt::{format_secs, secs_in_range};
    let mut out = Vec::new();
    for (who, t) in [("author", author), ("committer", time)] {
        if !secs_in_range(t) {
            out.push(Broken::new(
                Rule::Time,
                format!("the {who} date {t} is outside the years 1970 to 9999 that git and ssh-keygen handle"),
            ));
        }
    }
    match parent {
        Some(p) if time < p => out.push(Broken::new(
            Rule::Time,
            format!(
                "commit is dated {}, before its parent ({}); a ledger's times never go backwards, so allowed_signers' valid-before stays true to history",
                format_secs(time),
                format_secs(p)
            ),
        )),
        Some(p) if time.saturating_sub(p) > MAX_AHEAD_OF_PARENT_SECS => out.push(Broken::new(
            Rule::Time,
            format!(
                "commit is dated {}, more than a hundred years after its parent ({})",
                format_secs(time),
                format_secs(p)
            ),
        )),
        _ => {}
    }
    out
}
