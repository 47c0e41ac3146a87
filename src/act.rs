//! The acts a ledger records, as one type. Each act knows the records it writes and where, the
//! payload its signatory signs, the kind the log gives it, its commit message and what of the
//! parent's state its rules read. Writers build an [`Act`] and commit it; `sync` recognises the
//! act of an unpublished commit from what the commit adds, and rebuilds it on another head.
//!
//! Every method matches on every variant, with no catch-all arm: a new kind of act does not
//! compile until each of these has been decided for it.

use crate::ids::Principal;
use crate::layout::{self, Entry};
use crate::record::{
    self, ActKind, ActRecord, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, PersonRecord,
    Provenance, QuorumRecord, RemovalRecord, RevocationRecord, SignOnAction, SignOnRecord,
    VersionRecord,
};
use crate::report::ActType;
use crate::signed_data::act_payload;
use crate::state::State;
use std::collections::BTreeMap;

/// One act: the records one commit adds (besides the derived `allowed_signers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// The genesis: the ledger and its first editor with its key.
    Init {
        /// `ledger.json`.
        ledger: LedgerRecord,
        /// The first editor.
        editor: EditorRecord,
        /// Its key.
        key: KeyRecord,
    },
    /// An editor added with its key.
    AddEditor {
        /// The editor.
        editor: EditorRecord,
        /// Its key.
        key: KeyRecord,
    },
    /// An organization registered, with its key or without one (consent is then attested).
    AddOrg {
        /// The organization.
        org: OrgRecord,
        /// Its key, if it has one.
        key: Option<KeyRecord>,
    },
    /// A key registered for a principal: a first key, a rotation, or a replacement.
    AddKey(KeyRecord),
    /// A key revoked.
    RevokeKey(RevocationRecord),
    /// An editor removed.
    RemoveEditor(RemovalRecord),
    /// An individual registered, with their key or without one (consent is then attested).
    AddPerson {
        /// The individual.
        person: PersonRecord,
        /// Their key, if they have one.
        key: Option<KeyRecord>,
    },
    /// A version of a statement, with its exact texts.
    Version {
        /// The version record.
        record: VersionRecord,
        /// The original text.
        text: Vec<u8>,
        /// The translations, `(language, text)`, in the record's order.
        translations: Vec<(String, Vec<u8>)>,
    },
    /// A signatory's (organization's or individual's) endorsement or withdrawal, its `seq`-th
    /// act on the statement.
    Signatory {
        /// The record, with its own signature.
        record: ActRecord,
        /// Its position among the signatory's acts on the statement.
        seq: u32,
    },
    /// Sign-on of a statement closed or opened.
    SignOn(SignOnRecord),
    /// A checkpoint of the log: the signed note, checkpoint `seq`.
    Checkpoint {
        /// Its number.
        seq: u32,
        /// The signed note.
        note: String,
    },
    /// A witness's cosignature of checkpoint `seq`: the signature line.
    Cosign {
        /// The checkpoint.
        seq: u32,
        /// The witness.
        org: String,
        /// The signature line, with its newline.
        line: String,
    },
    /// The witnesses' quorum stated.
    Quorum(QuorumRecord),
}

/// What of the parent's state the rules read for an act (see [`crate::view::Loaded`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Principals whose registration and keys are read.
    pub principals: Vec<Principal>,
    /// Statements whose versions are read.
    pub statements: Vec<String>,
    /// `(statement, signatory)` pairs whose acts are read.
    pub acts: Vec<(String, Principal)>,
    /// Whether every registered key and `allowed_signers` line is read (acts that change the
    /// registry: a key is unique to one principal, and `allowed_signers` is regenerated).
    pub key_index: bool,
    /// Whether every registered display name is read (acts that register a principal: no two
    /// names may look alike).
    pub names: bool,
    /// Whether the transparency log is read (the log's own acts): it is not in any tree, so
    /// reading it verifies the history ([`crate::view::Loaded`]).
    pub log: bool,
}

/// An unpublished commit that is not one act undersigned writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOneAct {
    /// What the commit adds.
    pub paths: Vec<String>,
}

impl Act {
    /// The kind of act, as the log and trailers name it.
    pub fn act_type(&self) -> ActType {
        match self {
            Act::Init { .. } => ActType::Init,
            Act::AddEditor { .. } => ActType::EditorAdd,
            Act::AddOrg { .. } => ActType::OrgAdd,
            Act::AddPerson { .. } => ActType::PersonAdd,
            Act::AddKey(_) => ActType::KeyAdd,
            Act::RevokeKey(_) => ActType::KeyRevoke,
            Act::RemoveEditor(_) => ActType::EditorRemove,
            Act::Version { record, .. } if record.version == 1 => ActType::StatementNew,
            Act::Version { .. } => ActType::StatementRevise,
            Act::Signatory { record, .. } => match record.act {
                ActKind::Endorse => ActType::Endorse,
                ActKind::Withdraw => ActType::Withdraw,
            },
            Act::SignOn(r) => match r.action {
                SignOnAction::Close => ActType::StatementClose,
                SignOnAction::Open => ActType::StatementOpen,
            },
            Act::Checkpoint { .. } => ActType::Checkpoint,
            Act::Cosign { .. } => ActType::Cosign,
            Act::Quorum(_) => ActType::Quorum,
        }
    }

    /// The files the act adds, with their exact bytes (the derived `allowed_signers` aside).
    pub fn records(&self) -> Vec<(String, Vec<u8>)> {
        let key = |k: &KeyRecord, dir: &str| (layout::key_path(dir, k.seq), record::encode(k));
        match self {
            Act::Init {
                ledger,
                editor,
                key: k,
            } => {
                let dir = layout::editor_dir(&editor.id);
                vec![
                    (layout::LEDGER_FILE.to_string(), record::encode(ledger)),
                    (format!("{dir}/editor.json"), record::encode(editor)),
                    key(k, &dir),
                ]
            }
            Act::AddEditor { editor, key: k } => {
                let dir = layout::editor_dir(&editor.id);
                vec![
                    (format!("{dir}/editor.json"), record::encode(editor)),
                    key(k, &dir),
                ]
            }
            Act::AddOrg { org, key: k } => {
                let dir = layout::org_dir(&org.id);
                let mut out = vec![(format!("{dir}/org.json"), record::encode(org))];
                out.extend(k.iter().map(|k| key(k, &dir)));
                out
            }
            Act::AddPerson { person, key: k } => {
                let dir = layout::person_dir(&person.id);
                let mut out = vec![(format!("{dir}/person.json"), record::encode(person))];
                out.extend(k.iter().map(|k| key(k, &dir)));
                out
            }
            Act::AddKey(k) => vec![key(k, &principal_dir_of(&k.principal))],
            Act::RevokeKey(r) => vec![(
                layout::revocation_path(&principal_dir_of(&r.principal), r.seq),
                record::encode(r),
            )],
            Act::RemoveEditor(r) => vec![(layout::removal_path(&r.editor), record::encode(r))],
            Act::Version {
                record: r,
                text,
                translations,
            } => {
                let mut out = vec![(layout::version_text(&r.statement, r.version), text.clone())];
                out.extend(translations.iter().map(|(lang, t)| {
                    (
                        layout::translation_text(&r.statement, r.version, lang),
                        t.clone(),
                    )
                }));
                out.push((
                    layout::version_meta(&r.statement, r.version),
                    record::encode(r),
                ));
                out
            }
            Act::Signatory { record: r, seq } => {
                vec![(signatory_path(r, *seq), record::encode(r))]
            }
            Act::SignOn(r) => vec![(layout::signon_path(&r.statement, r.seq), record::encode(r))],
            Act::Checkpoint { seq, note } => {
                vec![(layout::checkpoint_path(*seq), note.as_bytes().to_vec())]
            }
            Act::Cosign { seq, org, line } => {
                vec![(
                    layout::cosignature_path(*seq, org),
                    line.as_bytes().to_vec(),
                )]
            }
            Act::Quorum(q) => vec![(layout::quorum_path(q.seq), record::encode(q))],
        }
    }

    /// The bytes the act's own record signature covers, for acts that carry one.
    pub fn payload(&self) -> Option<Vec<u8>> {
        match self {
            Act::Signatory { record, .. } => Some(act_payload(record)),
            Act::Init { .. }
            | Act::AddEditor { .. }
            | Act::AddOrg { .. }
            | Act::AddPerson { .. }
            | Act::AddKey(_)
            | Act::RevokeKey(_)
            | Act::RemoveEditor(_)
            | Act::Version { .. }
            | Act::SignOn(_)
            | Act::Checkpoint { .. }
            | Act::Cosign { .. }
            | Act::Quorum(_) => None,
        }
    }

    /// What of the parent's state the act's rules read, besides the editors (always read: they
    /// are few) and the principal who signs the commit.
    pub fn needs(&self) -> Needs {
        let principal = |p: &str| Principal::parse(p).into_iter().collect::<Vec<_>>();
        match self {
            Act::Init { .. } => Needs::default(),
            Act::AddEditor { editor, .. } => Needs {
                principals: vec![Principal::editor(&editor.id)],
                key_index: true,
                names: true,
                ..Needs::default()
            },
            Act::AddOrg { org, .. } => Needs {
                principals: vec![Principal::org(&org.id)],
                key_index: true,
                names: true,
                ..Needs::default()
            },
            Act::AddPerson { person, .. } => Needs {
                principals: vec![Principal::person(&person.id)],
                key_index: true,
                names: true,
                ..Needs::default()
            },
            Act::AddKey(k) => Needs {
                principals: principal(&k.principal),
                key_index: true,
                ..Needs::default()
            },
            Act::RevokeKey(r) => Needs {
                principals: principal(&r.principal),
                key_index: true,
                ..Needs::default()
            },
            Act::RemoveEditor(r) => Needs {
                principals: vec![Principal::editor(&r.editor)],
                key_index: true,
                ..Needs::default()
            },
            Act::Version { record, .. } => Needs {
                statements: vec![record.statement.clone()],
                ..Needs::default()
            },
            Act::SignOn(r) => Needs {
                statements: vec![r.statement.clone()],
                ..Needs::default()
            },
            Act::Checkpoint { .. } => Needs {
                log: true,
                ..Needs::default()
            },
            Act::Cosign { org, .. } => Needs {
                principals: vec![Principal::org(org)],
                log: true,
                ..Needs::default()
            },
            Act::Quorum(q) => Needs {
                principals: q.witnesses.iter().map(|w| Principal::org(w)).collect(),
                log: true,
                ..Needs::default()
            },
            Act::Signatory { record, .. } => {
                let who: Vec<Principal> = record.signatory().into_iter().collect();
                Needs {
                    principals: principal(&record.signer)
                        .into_iter()
                        .chain(who.iter().cloned())
                        .collect(),
                    statements: vec![record.statement.clone()],
                    acts: who
                        .into_iter()
                        .map(|w| (record.statement.clone(), w))
                        .collect(),
                    key_index: false,
                    names: false,
                    log: false,
                }
            }
        }
    }

    /// True when the act changes who may sign, so that `allowed_signers` is regenerated.
    pub fn changes_registry(&self) -> bool {
        match self {
            Act::AddOrg { key, .. } | Act::AddPerson { key, .. } => key.is_some(),
            Act::Init { .. }
            | Act::AddEditor { .. }
            | Act::AddKey(_)
            | Act::RevokeKey(_)
            | Act::RemoveEditor(_) => true,
            Act::Version { .. }
            | Act::Signatory { .. }
            | Act::SignOn(_)
            | Act::Checkpoint { .. }
            | Act::Cosign { .. }
            | Act::Quorum(_) => false,
        }
    }
}

/// Where a signatory's act record lies (a record that names no signatory lands where no ledger
/// holds anything, and the rules say so).
fn signatory_path(r: &ActRecord, seq: u32) -> String {
    match r.signatory() {
        Some(who) => layout::signatory_act_path(&r.statement, &who, seq),
        None => format!("unknown/{}/{}.json", r.statement, layout::seq_name(seq)),
    }
}

/// The directory of a principal named `editor/<id>` or `org/<id>` (a record the rules have not
/// judged yet may name anything: its files then land where no ledger holds them, and the rules
/// say so).
fn principal_dir_of(principal: &str) -> String {
    match Principal::parse(principal) {
        Some(p) => layout::principal_dir(&p),
        None => format!("unknown/{}", principal.replace('/', "_")),
    }
}

impl Act {
    /// The commit message: a line for people, then `Undersigned-…` trailers for `git log`
    /// (verification never reads them). `actor` signs the commit; `parent` is the state the
    /// act is built on (a rotation names the key it replaces).
    pub fn message(&self, actor: &Principal, parent: &State) -> String {
        if let Act::Init { ledger, .. } = self {
            return format!(
                "Create ledger {}\n\nThe id of this commit is the ledger id; verifiers pin it with --trust.\n\nUndersigned-Act: init\nUndersigned-Actor: {actor}\n",
                ledger.name
            );
        }
        let (subject, trailers) = self.subject_and_trailers(actor, parent);
        let mut message = format!("{subject}\n\n");
        for (k, v) in trailers {
            message.push_str(&format!("Undersigned-{k}: {v}\n"));
        }
        message.push_str(&format!("Undersigned-Actor: {actor}\n"));
        message
    }

    /// The message's first line, which is also what an act tells the user it did.
    pub fn subject(&self, actor: &Principal, parent: &State) -> String {
        self.subject_and_trailers(actor, parent).0
    }

    fn subject_and_trailers(
        &self,
        actor: &Principal,
        parent: &State,
    ) -> (String, Vec<(&'static str, String)>) {
        let kind = |t: ActType| ("Act", t.as_str().to_string());
        match self {
            Act::Init { ledger, .. } => (
                format!("Create ledger {}", ledger.name),
                vec![kind(ActType::Init)],
            ),
            Act::AddEditor { editor, .. } => (
                format!("Add editor {} ({})", editor.id, editor.name),
                vec![
                    kind(ActType::EditorAdd),
                    ("Subject", format!("editor/{}", editor.id)),
                ],
            ),
            Act::AddOrg { org, .. } => (
                format!("Register {} ({})", org.id, org.name),
                vec![
                    kind(ActType::OrgAdd),
                    ("Subject", format!("org/{}", org.id)),
                ],
            ),
            Act::AddPerson { person, .. } => (
                format!("Register individual {} ({})", person.id, person.name),
                vec![
                    kind(ActType::PersonAdd),
                    ("Subject", format!("person/{}", person.id)),
                ],
            ),
            Act::SignOn(r) => {
                let subject = match (r.action, &r.deadline) {
                    (SignOnAction::Close, _) => format!("Close sign-on of {}", r.statement),
                    (SignOnAction::Open, Some(d)) => {
                        format!("Open sign-on of {} until {d}", r.statement)
                    }
                    (SignOnAction::Open, None) => format!("Open sign-on of {}", r.statement),
                };
                (
                    subject,
                    vec![kind(self.act_type()), ("Statement", r.statement.clone())],
                )
            }
            Act::AddKey(k) => {
                let who = Principal::parse(&k.principal);
                let entry = who.as_ref().and_then(|p| parent.principal(p));
                let current = entry.and_then(|e| e.current_key());
                let rotation = entry.is_some_and(|e| !e.keys.is_empty());
                let subject = match current {
                    Some(c) => format!(
                        "Rotate key of {}: {} replaces {}",
                        k.principal, k.fingerprint, c.key.fingerprint
                    ),
                    None => format!("Register key {} for {}", k.fingerprint, k.principal),
                };
                let act = if rotation { "key-rotate" } else { "key-add" };
                (
                    subject,
                    vec![("Act", act.to_string()), ("Subject", k.principal.clone())],
                )
            }
            Act::RevokeKey(r) => (
                format!("Revoke key {} of {}", r.fingerprint, r.principal),
                vec![kind(ActType::KeyRevoke), ("Subject", r.principal.clone())],
            ),
            Act::RemoveEditor(r) => (
                format!("Remove editor {}", r.editor),
                vec![
                    kind(ActType::EditorRemove),
                    ("Subject", format!("editor/{}", r.editor)),
                ],
            ),
            Act::Version { record: r, .. } => {
                let subject = if r.version == 1 {
                    format!("New statement {}: {}", r.statement, r.title)
                } else {
                    format!("Revise {} to version {}", r.statement, r.version)
                };
                let mut trailers = vec![
                    kind(self.act_type()),
                    ("Statement", r.statement.clone()),
                    ("Version", r.version.to_string()),
                    ("Text-SHA256", r.text_sha256.clone()),
                ];
                if let Some(lang) = &r.lang {
                    let langs: Vec<&str> = std::iter::once(lang.as_str())
                        .chain(r.translations.iter().map(|t| t.lang.as_str()))
                        .collect();
                    trailers.push(("Languages", langs.join(" ")));
                }
                (subject, trailers)
            }
            Act::Signatory { record: r, .. } => signatory_subject(r, actor),
            Act::Checkpoint { seq, note } => {
                let size = crate::log::note::Note::parse(note.as_bytes())
                    .ok()
                    .and_then(|n| crate::log::checkpoint::Checkpoint::parse(&n.text).ok())
                    .map(|c| c.size)
                    .unwrap_or_default();
                (
                    format!("Checkpoint {seq} of the log: {size} acts"),
                    vec![
                        kind(ActType::Checkpoint),
                        ("Checkpoint", seq.to_string()),
                        ("Tree-Size", size.to_string()),
                    ],
                )
            }
            Act::Cosign { seq, org, .. } => (
                format!("{org} cosigns checkpoint {seq}"),
                vec![
                    kind(ActType::Cosign),
                    ("Checkpoint", seq.to_string()),
                    ("Org", org.clone()),
                ],
            ),
            Act::Quorum(q) => (
                format!("Witness quorum: {} of {}", q.k, q.witnesses.join(", ")),
                vec![kind(ActType::Quorum), ("Quorum", q.seq.to_string())],
            ),
        }
    }
}

fn signatory_subject(r: &ActRecord, actor: &Principal) -> (String, Vec<(&'static str, String)>) {
    let provenance = ("Provenance", r.provenance.as_str().to_string());
    let who = r.signatory();
    // The trailer keeps its format-1 name for organizations.
    let whose = match &who {
        Some(p) if p.role == crate::ids::Role::Person => ("Person", p.id.clone()),
        _ => ("Org", r.signatory_id().to_string()),
    };
    let id = r.signatory_id();
    match r.act {
        ActKind::Endorse => {
            let v = r.version.map(|v| v.to_string()).unwrap_or_default();
            let how = match r.provenance {
                Provenance::Attested => format!(" (attested by {})", r.signer),
                Provenance::Signed if Some(actor) != who.as_ref() => {
                    format!(" (signed by mail, accepted by {actor})")
                }
                Provenance::Signed => String::new(),
            };
            (
                format!("{id} endorses {} version {v}{how}", r.statement),
                vec![
                    ("Act", ActType::Endorse.as_str().to_string()),
                    ("Statement", r.statement.clone()),
                    ("Version", v),
                    whose,
                    provenance,
                ],
            )
        }
        ActKind::Withdraw => (
            format!("{id} withdraws from {}", r.statement),
            vec![
                ("Act", ActType::Withdraw.as_str().to_string()),
                ("Statement", r.statement.clone()),
                whose,
                provenance,
            ],
        ),
    }
}

/// Why the files of a commit are not one act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrecognised {
    /// The files are not the records of one act.
    NotOneAct(NotOneAct),
    /// A record does not decode.
    Damaged {
        /// Its path.
        path: String,
        /// Why.
        why: String,
    },
}

impl Act {
    /// The act whose records are `files` (path and bytes of each file a commit adds; the
    /// derived `allowed_signers` is ignored): what `sync` reads back from an unpublished commit
    /// to rebuild it on another head.
    pub fn recognise(files: &[(String, Vec<u8>)]) -> Result<Act, Unrecognised> {
        let mut by: BTreeMap<u8, Vec<Named<'_>>> = BTreeMap::new();
        let mut paths = Vec::new();
        for (path, bytes) in files {
            let Some(entry) = layout::classify(path) else {
                return Err(not_one(files));
            };
            if entry == Entry::AllowedSigners {
                continue;
            }
            paths.push(path.clone());
            by.entry(kind_of(&entry))
                .or_default()
                .push((path, entry, bytes));
        }
        let one = |k: u8| match by.get(&k).map(Vec::as_slice) {
            Some([only]) => Some(only),
            _ => None,
        };
        let kinds: Vec<u8> = by.keys().copied().collect();
        let count = paths.len();
        let act = match kinds.as_slice() {
            [LEDGER, EDITOR, KEY] if count == 3 => Act::Init {
                ledger: decode(one(LEDGER))?,
                editor: decode(one(EDITOR))?,
                key: decode(one(KEY))?,
            },
            [EDITOR, KEY] if count == 2 => Act::AddEditor {
                editor: decode(one(EDITOR))?,
                key: decode(one(KEY))?,
            },
            [ORG] if count == 1 => Act::AddOrg {
                org: decode(one(ORG))?,
                key: None,
            },
            [ORG, KEY] if count == 2 => Act::AddOrg {
                org: decode(one(ORG))?,
                key: Some(decode(one(KEY))?),
            },
            [KEY, PERSON] if count == 2 => Act::AddPerson {
                person: decode(one(PERSON))?,
                key: Some(decode(one(KEY))?),
            },
            [PERSON] if count == 1 => Act::AddPerson {
                person: decode(one(PERSON))?,
                key: None,
            },
            [SIGNON] if count == 1 => Act::SignOn(decode(one(SIGNON))?),
            [KEY] if count == 1 => Act::AddKey(decode(one(KEY))?),
            [REVOCATION] if count == 1 => Act::RevokeKey(decode(one(REVOCATION))?),
            [REMOVAL] if count == 1 => Act::RemoveEditor(decode(one(REMOVAL))?),
            [TEXT, VERSION] if count == 2 => {
                let text = one(TEXT).map(|(_, _, b)| b.to_vec()).unwrap_or_default();
                Act::Version {
                    record: decode(one(VERSION))?,
                    text,
                    translations: Vec::new(),
                }
            }
            [TEXT, VERSION, TRANSLATION] => {
                let text = one(TEXT).map(|(_, _, b)| b.to_vec()).unwrap_or_default();
                let record: VersionRecord = decode(one(VERSION))?;
                let mut translations = Vec::new();
                for t in &record.translations {
                    let found = by.get(&TRANSLATION).and_then(|files| {
                        files.iter().find_map(|(_, e, b)| match e {
                            Entry::TranslationText { lang, .. } if *lang == t.lang => Some(b),
                            _ => None,
                        })
                    });
                    let Some(bytes) = found else {
                        return Err(not_one(files));
                    };
                    translations.push((t.lang.clone(), bytes.to_vec()));
                }
                Act::Version {
                    record,
                    text,
                    translations,
                }
            }
            [CHECKPOINT] if count == 1 => match one(CHECKPOINT) {
                Some((_, Entry::Checkpoint { seq }, bytes)) => Act::Checkpoint {
                    seq: *seq,
                    note: utf8(one(CHECKPOINT), bytes)?,
                },
                _ => return Err(not_one(files)),
            },
            [COSIGNATURE] if count == 1 => match one(COSIGNATURE) {
                Some((_, Entry::Cosignature { seq, org }, bytes)) => Act::Cosign {
                    seq: *seq,
                    org: org.clone(),
                    line: utf8(one(COSIGNATURE), bytes)?,
                },
                _ => return Err(not_one(files)),
            },
            [QUORUM] if count == 1 => Act::Quorum(decode(one(QUORUM))?),
            [SIGNATORY] if count == 1 => {
                let seq = match one(SIGNATORY) {
                    Some((_, Entry::Act { seq, .. } | Entry::PersonAct { seq, .. }, _)) => *seq,
                    _ => 0,
                };
                Act::Signatory {
                    record: decode(one(SIGNATORY))?,
                    seq,
                }
            }
            _ => return Err(not_one(files)),
        };
        // The records must lie where the act writes them, or the act read back is not the
        // commit's.
        let mut written: Vec<String> = act.records().into_iter().map(|(p, _)| p).collect();
        written.sort();
        paths.sort();
        if written != paths {
            return Err(not_one(files));
        }
        Ok(act)
    }
}

/// A file of a commit: its path, what it is, its bytes.
type Named<'a> = (&'a str, Entry, &'a [u8]);

const LEDGER: u8 = 0;
const EDITOR: u8 = 1;
const ORG: u8 = 2;
const KEY: u8 = 3;
const REVOCATION: u8 = 4;
const REMOVAL: u8 = 5;
const TEXT: u8 = 6;
const VERSION: u8 = 7;
const SIGNATORY: u8 = 8;
const DERIVED: u8 = 9;
const PERSON: u8 = 10;
const TRANSLATION: u8 = 11;
const SIGNON: u8 = 12;
const CHECKPOINT: u8 = 13;
const COSIGNATURE: u8 = 14;
const QUORUM: u8 = 15;

fn kind_of(e: &Entry) -> u8 {
    match e {
        Entry::Ledger => LEDGER,
        Entry::Editor { .. } => EDITOR,
        Entry::Org { .. } => ORG,
        Entry::Person { .. } => PERSON,
        Entry::EditorKey { .. } | Entry::OrgKey { .. } | Entry::PersonKey { .. } => KEY,
        Entry::EditorRevocation { .. }
        | Entry::OrgRevocation { .. }
        | Entry::PersonRevocation { .. } => REVOCATION,
        Entry::EditorRemoved { .. } => REMOVAL,
        Entry::VersionText { .. } => TEXT,
        Entry::TranslationText { .. } => TRANSLATION,
        Entry::VersionMeta { .. } => VERSION,
        Entry::SignOn { .. } => SIGNON,
        Entry::Act { .. } | Entry::PersonAct { .. } => SIGNATORY,
        Entry::AllowedSigners => DERIVED,
        Entry::Checkpoint { .. } => CHECKPOINT,
        Entry::Cosignature { .. } => COSIGNATURE,
        Entry::Quorum { .. } => QUORUM,
    }
}

fn utf8(file: Option<&Named<'_>>, bytes: &[u8]) -> Result<String, Unrecognised> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Unrecognised::Damaged {
        path: file.map(|(p, _, _)| p.to_string()).unwrap_or_default(),
        why: "not UTF-8 text".into(),
    })
}

fn not_one(files: &[(String, Vec<u8>)]) -> Unrecognised {
    Unrecognised::NotOneAct(NotOneAct {
        paths: files.iter().map(|(p, _)| p.clone()).collect(),
    })
}

fn decode<T: serde::Serialize + serde::de::DeserializeOwned>(
    file: Option<&Named<'_>>,
) -> Result<T, Unrecognised> {
    let Some((path, _, bytes)) = file else {
        return Err(Unrecognised::NotOneAct(NotOneAct { paths: Vec::new() }));
    };
    record::decode(bytes).map_err(|why| Unrecognised::Damaged {
        path: path.to_string(),
        why,
    })
}
