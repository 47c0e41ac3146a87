//! Rebuilding this clone's unpublished acts on the remote's head: each act is read back from
//! what its commit adds ([`Act::recognise`], never from its message), then made again on the
//! new base with the key that made it — or dropped when the remote already says the same.

use super::keyring::KeyRing;
use crate::act::{Act, Unrecognised};
use crate::error::{Error, Result};
use crate::ids::Principal;
use crate::keys::{PublicKeyInfo, SigningKey};
use crate::layout::{self, Entry};
use crate::ledger::{Ledger, NewOrg, NewPerson, Revision};
use crate::record::{
    ActKind, ActRecord, EditorRecord, KeyRecord, OrgRecord, PersonRecord, Provenance, VersionRecord,
};
use crate::report::{Outcome, Republished};
use crate::view::{principal_dir, View};
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::path::Path;

/// The act of an unpublished commit.
pub(super) fn act_of(repo: &Repository, commit: Oid) -> Result<Act> {
    let c = repo.find_commit(commit)?;
    let tree = c.tree()?;
    let parent = c.parent(0)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&parent), Some(&tree), None)?;
    let mut files = Vec::new();
    for d in diff.deltas() {
        let Some(path) = d.new_file().path().and_then(Path::to_str) else {
            continue;
        };
        match layout::classify(path) {
            Some(Entry::AllowedSigners) => {}
            Some(_) if d.status() == git2::Delta::Added => {
                let bytes = crate::store::read_blob(repo, &tree, path)?.unwrap_or_default();
                files.push((path.to_string(), bytes));
            }
            _ => {
                return Err(Error::CannotPublish {
                    why: format!("unpublished commit {commit} changes {path}, which is not an act undersigned writes; it cannot be put on top of the remote (undo it with `git reset` if it is yours)"),
                })
            }
        }
    }
    Act::recognise(&files).map_err(|e| match e {
        Unrecognised::Damaged { path, why } => Error::DamagedRecord {
            commit: commit.to_string(),
            path,
            why,
        },
        Unrecognised::NotOneAct(n) => Error::CannotPublish {
            why: format!(
                "unpublished commit {commit} adds {} — not one act undersigned knows how to put on top of the remote",
                n.paths.join(", ")
            ),
        },
    })
}

/// Reads the tree of `at` for a decision about an act.
fn with_view<T>(repo: &Repository, at: Oid, f: impl FnOnce(&View<'_>) -> Result<T>) -> Result<T> {
    let commit = repo.find_commit(at)?;
    let tree = commit.tree()?;
    f(&View {
        repo,
        tree: &tree,
        commit: at,
    })
}

fn conflict(what: String) -> Error {
    Error::CannotPublish { why: what }
}

/// What a rebuild made: the new head, the acts dropped (one line each), and each act made
/// again with its old and new commit.
pub(super) struct Rebuilt {
    pub tip: Oid,
    pub dropped: Vec<String>,
    pub republished: Vec<Republished>,
}

/// Rebuilds `commits` (oldest first) on `onto`.
pub(super) fn rebuild(
    ledger: &Ledger,
    commits: &[Oid],
    onto: Oid,
    keys: &mut KeyRing<'_, '_>,
) -> Result<Rebuilt> {
    let repo = ledger.store().repo();
    let mut acts = Vec::with_capacity(commits.len());
    for c in commits {
        acts.push((*c, act_of(repo, *c)?));
    }
    let mut versions = HashMap::new();
    let mut dropped = Vec::new();
    let mut republished = Vec::new();
    ledger.detach(onto);
    let guard = Detached(ledger);
    let mut base = onto;
    for (commit, act) in &acts {
        let key = keys.for_commit(repo, *commit)?;
        match apply(ledger, act, key, &mut versions, base)? {
            Err(why) => dropped.push(why),
            Ok(outcome) => {
                if let Some(new) = outcome.commit.filter(|c| *c != commit.to_string()) {
                    republished.push(Republished {
                        old: commit.to_string(),
                        new,
                        act: outcome.message,
                    });
                }
            }
        }
        base = ledger.detached_head().unwrap_or(base);
    }
    drop(guard);
    Ok(Rebuilt {
        tip: base,
        dropped,
        republished,
    })
}

/// Ends detached building however the rebuild ends.
struct Detached<'l>(&'l Ledger);

impl Drop for Detached<'_> {
    fn drop(&mut self) {
        self.0.attach();
    }
}

/// Puts one act on top of the detached base. `versions` maps a statement version numbered in
/// this clone to its number on the remote, for endorsements of a local revision. Returns what
/// the act made, or a line for people when the remote already says the same (the act is
/// dropped).
fn apply(
    ledger: &Ledger,
    act: &Act,
    key: &SigningKey,
    versions: &mut HashMap<(String, u32), u32>,
    base: Oid,
) -> Result<Remade> {
    let outcome = match act {
        Act::Init { .. } => {
            return Err(conflict(
                "this clone's genesis is not on the remote; they hold different ledgers".into(),
            ))
        }
        Act::Signatory { record, .. } => match record.act {
            ActKind::Endorse => endorse(ledger, record, key, versions, base)?,
            ActKind::Withdraw => match withdraw(ledger, record, key, base)? {
                Ok(outcome) => outcome,
                Err(dropped) => return Ok(Err(dropped)),
            },
        },
        Act::Version {
            record,
            text,
            translations,
        } => match version(ledger, record, (text, translations), key, versions, base)? {
            Ok(outcome) => outcome,
            Err(dropped) => return Ok(Err(dropped)),
        },
        Act::AddOrg { org, key: k } => match add_org(ledger, org, k.as_ref(), key, base)? {
            Ok(outcome) => outcome,
            Err(dropped) => return Ok(Err(dropped)),
        },
        Act::AddPerson { person, key: k } => {
            match add_person(ledger, person, k.as_ref(), key, base)? {
                Ok(outcome) => outcome,
                Err(dropped) => return Ok(Err(dropped)),
            }
        }
        // Closing and opening are made again as they are: the ledger says whether the remote
        // already did the same.
        Act::SignOn(r) => match r.action {
            crate::record::SignOnAction::Close => {
                ledger.close_statement(&r.statement, r.reason.as_deref(), key)?
            }
            crate::record::SignOnAction::Open => {
                ledger.open_statement(&r.statement, r.deadline.as_deref(), key)?
            }
        },
        Act::AddEditor { editor, key: k } => match add_editor(ledger, editor, k, key, base)? {
            Ok(outcome) => outcome,
            Err(dropped) => return Ok(Err(dropped)),
        },
        Act::AddKey(k) => {
            let who = principal(&k.principal)?;
            let public = parse_key(&k.public_key)?;
            let current = registered(ledger.store().repo(), base, &who)?.and_then(|(_, fp)| fp);
            if current.as_deref() == Some(public.fingerprint.as_str()) {
                return Ok(Err(format!(
                    "{who} already has key {} on the remote",
                    public.fingerprint
                )));
            }
            ledger.add_key(&who, &public, k.reason.as_deref(), key)?
        }
        Act::RevokeKey(r) => {
            ledger.revoke_key(&principal(&r.principal)?, &r.fingerprint, &r.reason, key)?
        }
        Act::RemoveEditor(r) => ledger.remove_editor(&r.editor, &r.reason, key)?,
        // A checkpoint signs the tree this clone had; on the remote's head the tree is
        // another, so the checkpoint is made again there (the old note was never published).
        Act::Checkpoint { .. } => ledger.checkpoint(key)?,
        Act::Cosign { seq, org, line } => {
            match ledger.recommit_cosignature(*seq, org, line, key)? {
                Ok(outcome) => outcome,
                Err(dropped) => return Ok(Err(dropped)),
            }
        }
        Act::Quorum(q) => ledger.set_quorum(q.k, &q.witnesses, key)?,
    };
    Ok(if outcome.changed {
        Ok(outcome)
    } else {
        Err(outcome.message)
    })
}

/// What re-making one act gave: its outcome, or why it was dropped.
type Remade = std::result::Result<Outcome, String>;

fn withdraw(ledger: &Ledger, record: &ActRecord, key: &SigningKey, base: Oid) -> Result<Remade> {
    let who = signatory(record)?;
    let in_force = with_view(ledger.store().repo(), base, |view| {
        Ok(view
            .signatory_acts(&record.statement, &who)?
            .last()
            .map(|a| a.act)
            == Some(ActKind::Endorse))
    })?;
    if !in_force {
        return Ok(Err(format!(
            "{who} had already withdrawn from {} on the remote",
            record.statement
        )));
    }
    let evidence = attested_evidence(record);
    let reason = record.reason.as_deref();
    Ok(Ok(ledger.withdraw_hashed(
        &record.statement,
        &who,
        reason,
        evidence,
        key,
    )?))
}

fn signatory(record: &ActRecord) -> Result<Principal> {
    record
        .signatory()
        .ok_or_else(|| conflict(format!("{} is not a signatory", record.signatory_name())))
}

/// The texts of a version act: the original and its translations.
type VersionTexts<'a> = (&'a [u8], &'a [(String, Vec<u8>)]);

fn version(
    ledger: &Ledger,
    rec: &VersionRecord,
    (text, translations): VersionTexts<'_>,
    key: &SigningKey,
    versions: &mut HashMap<(String, u32), u32>,
    base: Oid,
) -> Result<Remade> {
    let stmt = &rec.statement;
    let (count, current) = with_view(ledger.store().repo(), base, |view| {
        let count = view.version_count(stmt)?;
        let first = if rec.version == 1 { 1 } else { count };
        Ok((
            count,
            view.version(stmt, first)?
                .map(|(r, _)| (r.text_sha256, r.lang, r.translations)),
        ))
    })?;
    let same = current.as_ref().is_some_and(|(sha, lang, tr)| {
        *sha == rec.text_sha256 && *lang == rec.lang && *tr == rec.translations
    });
    if same {
        let n = if rec.version == 1 { 1 } else { count };
        versions.insert((stmt.clone(), rec.version), n);
        return Ok(Err(format!(
            "version {n} of {stmt} on the remote is the same text"
        )));
    }
    if rec.version == 1 && count > 0 {
        return Err(conflict(format!(
            "statement {stmt} was also created on the remote, with another text; create yours under another id"
        )));
    }
    let revision = Revision {
        text,
        note: rec.note.as_deref(),
        title: Some(&rec.title),
        lang: rec.lang.as_deref(),
        translations: translations
            .iter()
            .map(|(l, t)| (l.as_str(), t.as_slice()))
            .collect(),
        based_on: None,
    };
    let out = if rec.version == 1 {
        ledger.new_statement_with(stmt, &revision, key)?
    } else {
        ledger.revise_statement(stmt, &revision, key)?
    };
    versions.insert((stmt.clone(), rec.version), count.saturating_add(1));
    Ok(Ok(out))
}

fn add_org(
    ledger: &Ledger,
    org: &OrgRecord,
    k: Option<&KeyRecord>,
    key: &SigningKey,
    base: Oid,
) -> Result<Remade> {
    let public = k.map(|k| parse_key(&k.public_key)).transpose()?;
    match registered(ledger.store().repo(), base, &Principal::org(&org.id))? {
        None => {
            let new = NewOrg {
                id: org.id.clone(),
                name: org.name.clone(),
                url: org.url.clone(),
                country: org.country.clone(),
                key: public,
            };
            Ok(Ok(ledger.add_org(&new, key)?))
        }
        Some((name, fp)) if name == org.name && fp == k.map(|k| k.fingerprint.clone()) => Ok(Err(
            format!("org/{} is registered on the remote the same way", org.id),
        )),
        Some(_) => Err(conflict(format!(
            "org/{} was registered on the remote too, with another name or key",
            org.id
        ))),
    }
}

fn add_person(
    ledger: &Ledger,
    person: &PersonRecord,
    k: Option<&KeyRecord>,
    key: &SigningKey,
    base: Oid,
) -> Result<Remade> {
    let public = k.map(|k| parse_key(&k.public_key)).transpose()?;
    match registered(ledger.store().repo(), base, &Principal::person(&person.id))? {
        None => {
            let new = NewPerson {
                id: person.id.clone(),
                name: person.name.clone(),
                affiliation: person.affiliation.clone(),
                country: person.country.clone(),
                key: public,
            };
            Ok(Ok(ledger.add_person(&new, key)?))
        }
        Some((name, fp)) if name == person.name && fp == k.map(|k| k.fingerprint.clone()) => {
            Ok(Err(format!(
                "person/{} is registered on the remote the same way",
                person.id
            )))
        }
        Some(_) => Err(conflict(format!(
            "person/{} was registered on the remote too, with another name or key",
            person.id
        ))),
    }
}

fn add_editor(
    ledger: &Ledger,
    editor: &EditorRecord,
    k: &KeyRecord,
    key: &SigningKey,
    base: Oid,
) -> Result<Remade> {
    let public = parse_key(&k.public_key)?;
    match registered(ledger.store().repo(), base, &Principal::editor(&editor.id))? {
        None => Ok(Ok(ledger.add_editor(
            &editor.id,
            &editor.name,
            &public,
            key,
        )?)),
        Some((n, fp)) if n == editor.name && fp.as_deref() == Some(public.fingerprint.as_str()) => {
            Ok(Err(format!(
                "editor/{} is registered on the remote the same way",
                editor.id
            )))
        }
        Some(_) => Err(conflict(format!(
            "editor/{} was added on the remote too, with another name or key",
            editor.id
        ))),
    }
}

/// An endorsement made again on the base, or moved as it is when the organization signed it
/// elsewhere (the mail flow: its signature cannot be made again here).
fn endorse(
    ledger: &Ledger,
    r: &ActRecord,
    key: &SigningKey,
    versions: &HashMap<(String, u32), u32>,
    base: Oid,
) -> Result<Outcome> {
    let repo = ledger.store().repo();
    let local_v = r.version.unwrap_or(0);
    let v = versions
        .get(&(r.statement.clone(), local_v))
        .copied()
        .unwrap_or(local_v);
    let who = signatory(r)?;
    let same_text = with_view(repo, base, |view| {
        Ok(view
            .version(&r.statement, v)?
            .map(|(rec, _)| rec.text_sha256))
    })?;
    if same_text.as_deref() != r.text_sha256.as_deref() {
        return Err(conflict(format!(
            "{who} endorsed version {local_v} of {} here, and the remote's version {v} is another text",
            r.statement
        )));
    }
    if r.provenance == Provenance::Signed && r.key != key.fingerprint() {
        if v != local_v {
            return Err(conflict(format!(
                "{who} signed version {local_v} of {} by mail, which is version {v} on the remote; ask it to sign again",
                r.statement
            )));
        }
        return ledger.accept(r, key);
    }
    ledger.endorse(&r.statement, &who, Some(v), key, attested_evidence(r))
}

fn attested_evidence(r: &ActRecord) -> Option<String> {
    (r.provenance == Provenance::Attested)
        .then(|| r.evidence_sha256.clone())
        .flatten()
}

/// A principal's display name and the fingerprint of its key in force on the base, when it is
/// registered there.
fn registered(
    repo: &Repository,
    base: Oid,
    who: &Principal,
) -> Result<Option<(String, Option<String>)>> {
    with_view(repo, base, |view| {
        let name = match who.role {
            crate::ids::Role::Org => view.org(&who.id)?.map(|o| o.name),
            crate::ids::Role::Person => view.person(&who.id)?.map(|p| p.name),
            crate::ids::Role::Editor => view.editor(&who.id)?.map(|e| e.name),
        };
        let key = view.current_key(&principal_dir(who))?;
        Ok(name.map(|n| (n, key.map(|k| k.fingerprint))))
    })
}

fn parse_key(line: &str) -> Result<PublicKeyInfo> {
    PublicKeyInfo::parse_line(line, "of an unpublished act")
}

fn principal(p: &str) -> Result<Principal> {
    Principal::parse(p).ok_or_else(|| conflict(format!("{p:?} is not a principal")))
}
