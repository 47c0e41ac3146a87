//! The transparency log's acts and readers: an editor's checkpoint, a witness's cosignature
//! (committed, or exported for mail and accepted by an editor), the witnesses' quorum, and an
//! organization's receipt. Each builds on a verified history: a checkpoint, a cosignature and
//! a receipt speak for the log `verify` recomputes, never for an unchecked one.

use super::registry::{signing_editor, unknown};
use super::write::Step;
use super::Ledger;
use crate::act::{Act, Needs};
use crate::error::{Error, Result};
use crate::ids::{check_slug, Principal};
use crate::keys::SigningKey;
use crate::log::checkpoint::{origin, Checkpoint};
use crate::log::equivocation::{self, Against, Seen};
use crate::log::merkle::{consistency_proof, inclusion_proof};
use crate::log::note::{self, Note, Signature};
use crate::log::receipt::{Extra, Previous, Receipt, EXTRA_FORMAT};
use crate::log::{anchor, leaf, witness_name, CheckpointEntry, LogState};
use crate::record::QuorumRecord;
use crate::report::Outcome;
use crate::state::State;
use base64ct::{Base64, Encoding};
use git2::Oid;

/// A witness's cosignature, made for a checkpoint of this ledger.
#[derive(Debug, Clone)]
pub struct Cosigned {
    /// The checkpoint's number.
    pub seq: u32,
    /// The checkpoint's note with the cosignature line appended: what is sent by mail.
    pub note: String,
    /// The cosignature line.
    pub line: String,
    /// The time it states.
    pub time: u64,
}

impl Ledger {
    /// Signs a checkpoint of the log at the head, as the editor whose key `key` is, and commits
    /// it. Nothing is written when the latest checkpoint already covers every act.
    pub fn checkpoint(&self, key: &SigningKey) -> Result<Outcome> {
        self.act(key, |p| {
            let ledger_id = p.ledger_id.to_string();
            let state = p.state(&Needs {
                log: true,
                ..Needs::default()
            })?;
            let editor = signing_editor(state, key)?;
            let log = &state.log;
            if let Some(c) = log.latest().filter(|c| c.size == log.size) {
                return Ok(Step::Nothing(format!(
                    "checkpoint {} already covers the log's {} acts; nothing was written",
                    c.seq, c.size
                )));
            }
            let body = Checkpoint {
                origin: origin(&ledger_id),
                size: log.size,
                root: log.root(),
            }
            .text();
            let sig = note::sign_text(&origin(&ledger_id), &key.public_raw(), &body, |m| {
                key.sign_ed25519(m)
            });
            let note = Note {
                text: body,
                signatures: vec![sig],
            }
            .to_text();
            let seq = u32::try_from(log.checkpoints.len() + 1).unwrap_or(u32::MAX);
            Ok(Step::Write {
                act: Act::Checkpoint { seq, note },
                actor: editor,
            })
        })
    }

    /// Witness `org` cosigns the latest checkpoint, which must be consistent with the last one
    /// it cosigned of this ledger (remembered per user, [`crate::local::witness`]): else the
    /// proof of the split view is written and [`Error::Equivocation`] returned. `commit`
    /// commits the cosignature as `org`'s act; otherwise it is only returned, for mail.
    pub fn cosign(
        &self,
        org: &str,
        key: &SigningKey,
        now_secs: u64,
        commit: bool,
    ) -> Result<(Cosigned, Option<Outcome>)> {
        check_slug("organization", org)?;
        let head = self.store.head()?.ok_or(Error::EmptyHistory)?;
        let ledger_id = self.ledger_id()?.to_string();
        let state = crate::verify::verified_state(&self.store, head, false)?;
        let entry = state
            .orgs
            .get(org)
            .ok_or_else(|| unknown(&Principal::org(org)))?;
        let current = entry
            .current_key()
            .ok_or_else(|| Error::Log(format!("org/{org} has no key in force to cosign with")))?;
        if current.key.raw != key.public_raw() {
            return Err(Error::Log(format!(
                "{} is key {}, not org/{org}'s key in force ({})",
                key.path().display(),
                key.fingerprint(),
                current.key.fingerprint
            )));
        }
        let latest = state.log.latest().cloned().ok_or_else(|| {
            Error::Log("the ledger has no checkpoint to cosign yet (an editor makes one with `undersigned checkpoint`)".into())
        })?;
        let here = Seen {
            note: latest.note.clone(),
            from: format!(
                "checkpoint {} in {}",
                latest.seq,
                self.store.dir().display()
            ),
        };
        if let Some(last) = crate::local::witness::witnessed(&ledger_id, org) {
            check_against(&self.store, head, &ledger_id, &last, state.log.clone())?;
            let size = last.checkpoint().map(|c| c.size).unwrap_or(0);
            if size > latest.size {
                return Err(Error::Log(format!(
                    "org/{org} already cosigned a checkpoint of size {size} of this ledger, larger than its latest one (size {}): this copy is behind; sync it first",
                    latest.size
                )));
            }
        }
        let body = Note::parse(latest.note.as_bytes())
            .map_err(|e| Error::Log(format!("checkpoint {}: {e}", latest.seq)))?
            .text;
        let sig = note::cosign_text(
            &witness_name(org),
            &key.public_raw(),
            now_secs,
            &body,
            |m| key.sign_ed25519(m),
        );
        let line = sig.line();
        let cosigned = Cosigned {
            seq: latest.seq,
            note: format!("{}{line}", latest.note),
            line: line.clone(),
            time: now_secs,
        };
        let outcome = if commit {
            let seq = latest.seq;
            let org_id = org.to_string();
            let line = line.clone();
            Some(self.act(key, move |_| {
                Ok(Step::Write {
                    act: Act::Cosign {
                        seq,
                        org: org_id.clone(),
                        line: line.clone(),
                    },
                    actor: Principal::org(&org_id),
                })
            })?)
        } else {
            None
        };
        crate::local::witness::remember_witnessed(&ledger_id, org, &here)
            .map_err(|e| Error::io("remembering the cosigned checkpoint", e))?;
        Ok((cosigned, outcome))
    }

    /// Commits a cosignature sent by mail (a checkpoint note of this ledger with the witness's
    /// line appended), as the editor whose key `key` is.
    pub fn accept_cosignature(&self, text: &str, key: &SigningKey) -> Result<Outcome> {
        let mailed = Note::parse(text.as_bytes())
            .map_err(|e| Error::Log(format!("not a cosigned checkpoint: {e}")))?;
        let witnesses: Vec<Signature> = mailed
            .signatures
            .iter()
            .filter(|s| s.name.starts_with("org/"))
            .cloned()
            .collect();
        let [sig] = witnesses.as_slice() else {
            return Err(Error::Log(format!(
                "a mailed cosignature carries one witness line (org/<id>), not {}",
                witnesses.len()
            )));
        };
        let org = sig.name.trim_start_matches("org/").to_string();
        check_slug("organization", &org)?;
        let line = sig.line();
        let body = mailed.text.clone();
        self.act(key, move |p| {
            let state = p.state(&Needs {
                principals: vec![Principal::org(&org)],
                log: true,
                ..Needs::default()
            })?;
            let editor = signing_editor(state, key)?;
            let Some(c) = state
                .log
                .checkpoints
                .iter()
                .find(|c| Note::parse(c.note.as_bytes()).is_ok_and(|n| n.text == body))
            else {
                return Err(Error::Log(
                    "the cosigned checkpoint is not one of this ledger's".into(),
                ));
            };
            if c.cosignatures.iter().any(|s| s.org == org) {
                return Ok(Step::Nothing(format!(
                    "org/{org} already cosigned checkpoint {}; nothing was written",
                    c.seq
                )));
            }
            Ok(Step::Write {
                act: Act::Cosign {
                    seq: c.seq,
                    org: org.clone(),
                    line: line.clone(),
                },
                actor: editor,
            })
        })
    }

    /// Commits again, on the head (`sync`'s rebuild), a cosignature this clone committed: when
    /// the head's checkpoint `seq` is the one it cosigns; else the reason it is dropped.
    pub(crate) fn recommit_cosignature(
        &self,
        seq: u32,
        org: &str,
        line: &str,
        key: &SigningKey,
    ) -> Result<std::result::Result<Outcome, String>> {
        let mut dropped = None;
        let outcome = self.act(key, |p| {
            let state = p.state(&Needs {
                principals: vec![Principal::org(org)],
                log: true,
                ..Needs::default()
            })?;
            let actor = match signing_editor(state, key) {
                Ok(editor) => editor,
                Err(_) => Principal::org(org),
            };
            let Some(c) = state.log.checkpoint(seq) else {
                dropped = Some(format!("checkpoint {seq}, which org/{org} cosigned, is not on the remote"));
                return Ok(Step::Nothing(String::new()));
            };
            let body = Note::parse(c.note.as_bytes()).map(|n| n.text).unwrap_or_default();
            let sig = Signature::parse_line(line).map_err(|e| Error::Log(e.to_string()))?;
            let verifies = state.orgs.get(org).and_then(|o| o.current_key()).is_some_and(|k| {
                note::VerifierKey { name: witness_name(org), sig_type: note::TYPE_COSIGNATURE, key: k.key.raw }
                    .verify(&body, &sig)
                    .is_ok()
            });
            if !verifies || c.cosignatures.iter().any(|s| s.org == org) {
                dropped = Some(format!("org/{org}'s cosignature is not of checkpoint {seq} on the remote, or is there already"));
                return Ok(Step::Nothing(String::new()));
            }
            Ok(Step::Write {
                act: Act::Cosign { seq, org: org.to_string(), line: line.to_string() },
                actor,
            })
        })?;
        Ok(match dropped {
            Some(why) => Err(why),
            None => Ok(outcome),
        })
    }

    /// States the witnesses' quorum: `k` of `witnesses` (registered organizations).
    pub fn set_quorum(&self, k: u32, witnesses: &[String], key: &SigningKey) -> Result<Outcome> {
        let mut list = witnesses.to_vec();
        list.sort();
        list.dedup();
        for w in &list {
            check_slug("organization", w)?;
        }
        self.act(key, |p| {
            let now = p.now.clone();
            let ledger = p.ledger_id.to_string();
            let state = p.state(&Needs {
                principals: list.iter().map(|w| Principal::org(w)).collect(),
                log: true,
                ..Needs::default()
            })?;
            let editor = signing_editor(state, key)?;
            if let Some(w) = list.iter().find(|w| !state.orgs.contains_key(*w)) {
                return Err(unknown(&Principal::org(w)));
            }
            if k == 0 || k as usize > list.len() {
                return Err(Error::Log(format!(
                    "a quorum of {k} out of {} witnesses cannot be met",
                    list.len()
                )));
            }
            let seq = state.log.quorum.as_ref().map_or(1, |q| q.seq + 1);
            Ok(Step::Write {
                act: Act::Quorum(QuorumRecord {
                    ledger,
                    seq,
                    k,
                    witnesses: list.clone(),
                    editor: editor.id.clone(),
                    created_at: now,
                }),
                actor: editor,
            })
        })
    }

    /// The receipt of `org`'s latest act on `stmt`, under the latest checkpoint published on
    /// `remote` (the head this clone last verified there) that includes it.
    pub fn receipt(&self, stmt: &str, org: &str, remote: &str) -> Result<Receipt> {
        let published = self.published_head(remote)?;
        let (state, log) = self.replay_with_leaves(published)?;
        let index = log
            .iter()
            .rev()
            .find(|e| {
                e.statement.as_deref() == Some(stmt)
                    && e.subject.as_deref() == Some(format!("org/{org}").as_str())
                    && matches!(e.act, crate::report::ActType::Endorse | crate::report::ActType::Withdraw)
            })
            .and_then(|e| e.in_log.as_ref().map(|l| l.index))
            .ok_or_else(|| {
                Error::Log(format!(
                    "org/{org} has no act on {stmt} published on {remote} (the head this clone last verified there: {published}); a receipt is for an act others can see: sync first"
                ))
            })?;
        let checkpoint = state.log.first_covering(index).map(|_| ()).and_then(|_| {
            state.log.checkpoints.iter().rev().find(|c| c.size > index).cloned()
        }).ok_or_else(|| Error::Log(format!(
            "no checkpoint published on {remote} includes org/{org}'s act on {stmt} yet (leaf {index}); an editor makes one with `undersigned checkpoint`, then sync"
        )))?;
        let hint = commit_of_leaf(&log, index);
        build_receipt(self.store.repo(), &state, &checkpoint, index, None, hint)
    }

    /// A receipt for the same act under the latest checkpoint published on `remote`, with a
    /// consistency proof from the old receipt's checkpoint.
    pub fn update_receipt(&self, old: &Receipt, remote: &str) -> Result<Receipt> {
        let ledger_id = self.ledger_id()?.to_string();
        let (old_c, _) = crate::log::receipt::checkpoint_of(&old.note, &ledger_id)
            .map_err(|e| Error::Log(format!("the receipt to update: {e}")))?;
        let published = self.published_head(remote)?;
        let (state, log) = self.replay_with_leaves(published)?;
        let seen = Seen {
            note: old.note.clone(),
            from: "the receipt to update".into(),
        };
        check_against(&self.store, published, &ledger_id, &seen, state.log.clone())?;
        let latest = state
            .log
            .latest()
            .cloned()
            .ok_or_else(|| Error::Log("the ledger has no checkpoint".into()))?;
        let leaves = state.log.leaves.as_deref().unwrap_or_default();
        let data = Base64::decode_vec(&old.extra.leaf)
            .map_err(|_| Error::Log("the receipt's leaf is not base64".into()))?;
        let hash = crate::log::merkle::leaf_hash(&data);
        if leaves.get(usize::try_from(old.index).unwrap_or(usize::MAX)) != Some(&hash) {
            return Err(Error::Log(format!(
                "leaf {} of this ledger is not the receipt's act",
                old.index
            )));
        }
        let proof =
            consistency_proof(&leaves[..latest.size as usize], old_c.size).unwrap_or_default();
        let previous = Previous {
            checkpoint: strip_cosignatures(&old.note),
            consistency: proof.iter().map(|h| Base64::encode_string(h)).collect(),
        };
        build_receipt(
            self.store.repo(),
            &state,
            &latest,
            old.index,
            Some(previous),
            commit_of_leaf(&log, old.index),
        )
    }

    /// The remote's head this clone last verified (sync and clone remember it).
    fn published_head(&self, remote: &str) -> Result<Oid> {
        crate::local::journal::read(self.store.repo(), remote)
            .verified_id()
            .ok_or_else(|| Error::Log(format!(
                "nothing of this ledger is known to be published on remote {remote}: sync with it first (a receipt is for an act others can see)"
            )))
    }

    fn replay_with_leaves(&self, head: Oid) -> Result<(State, Vec<crate::report::LogEntry>)> {
        let opts = crate::verify::VerifyOptions {
            leaves: true,
            ..Default::default()
        };
        let r = crate::verify::replay_at(&self.store, head, &opts)?;
        if !r.report.ok {
            return Err(Error::Unverified {
                what: format!("the ledger at {head}"),
                failures: r.report.failures,
            });
        }
        Ok((r.state, r.log))
    }
}

/// A checkpoint note without witnesses' lines (the editor's signature only).
fn strip_cosignatures(text: &str) -> String {
    match Note::parse(text.as_bytes()) {
        Ok(mut n) => {
            n.signatures.retain(|s| !s.name.starts_with("org/"));
            n.to_text()
        }
        Err(_) => text.to_string(),
    }
}

/// The receipt of leaf `index` under checkpoint `c` of a replay that kept its leaves.
fn build_receipt(
    repo: &git2::Repository,
    state: &State,
    c: &CheckpointEntry,
    index: u64,
    previous: Option<Previous>,
    hint: Option<Oid>,
) -> Result<Receipt> {
    let leaves = state.log.leaves.as_deref().unwrap_or_default();
    let size = usize::try_from(c.size)
        .unwrap_or(usize::MAX)
        .min(leaves.len());
    let path = inclusion_proof(&leaves[..size], index)
        .ok_or_else(|| Error::Log(format!("leaf {index} is not in checkpoint {}", c.seq)))?;
    let data = leaf_data_at(repo, state, index, hint)?;
    let editor_key = state
        .editors
        .get(&c.editor)
        .and_then(|e| {
            let note = Note::parse(c.note.as_bytes()).ok()?;
            let sig = note.signatures.first()?.clone();
            e.keys
                .iter()
                .find(|k| note::key_id(&sig.name, note::TYPE_ED25519, &k.key.raw) == sig.key_id)
                .map(|k| k.key.raw)
        })
        .ok_or_else(|| {
            Error::Log(format!(
                "the key that signed checkpoint {} is not found",
                c.seq
            ))
        })?;
    let anchor = anchor::build(repo, state, &editor_key).ok_or_else(|| {
        Error::Log(format!(
            "the registration of the key that signed checkpoint {} cannot be traced to the genesis",
            c.seq
        ))
    })?;
    let mut note = c.note.clone();
    for s in &c.cosignatures {
        note.push_str(&s.line);
    }
    Ok(Receipt {
        extra: Extra {
            format: EXTRA_FORMAT.into(),
            leaf: Base64::encode_string(&data),
            anchor,
            previous,
        },
        index,
        path,
        note,
    })
}

/// The leaf bytes of the act with log index `index`: the files its commit added.
fn leaf_data_at(
    repo: &git2::Repository,
    state: &State,
    index: u64,
    hint: Option<Oid>,
) -> Result<Vec<u8>> {
    let want = state
        .log
        .leaves
        .as_deref()
        .and_then(|l| l.get(usize::try_from(index).ok()?))
        .copied();
    // The commit the replay named for the leaf, when its added files hash to it: one read, not
    // a walk of history (which costs minutes on a ledger of 100,000 acts).
    if let Some(c) = hint {
        let files = added_files(repo, &repo.find_commit(c)?)?;
        let data = leaf::leaf_data(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
        if Some(crate::log::merkle::leaf_hash(&data)) == want {
            return Ok(data);
        }
    }
    // Else walk first parents from the head of the state's checkpoints: the commit whose added
    // files hash to the wanted leaf.
    let mut id = state.log.latest().map(|c| c.commit);
    let mut walked = 0u64;
    while let Some(c) = id {
        let commit = repo.find_commit(c)?;
        let files = added_files(repo, &commit)?;
        if !files.is_empty()
            && !files
                .iter()
                .all(|(p, _)| crate::layout::classify(p).is_some_and(|e| e.is_log_note()))
        {
            let data = leaf::leaf_data(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
            if Some(crate::log::merkle::leaf_hash(&data)) == want {
                return Ok(data);
            }
        }
        walked += 1;
        if walked > 10_000_000 {
            break;
        }
        id = commit.parent_id(0).ok();
    }
    Err(Error::Log(format!(
        "the act of leaf {index} was not found in history"
    )))
}

/// The commit of leaf `index`, as the replay's log names it.
fn commit_of_leaf(log: &[crate::report::LogEntry], index: u64) -> Option<Oid> {
    log.iter()
        .find(|e| e.in_log.as_ref().is_some_and(|l| l.index == index))
        .and_then(|e| Oid::from_str(&e.commit).ok())
}

/// The files a commit adds (the derived `allowed_signers` aside), with their bytes.
fn added_files(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let tree = commit.tree()?;
    let parent = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
    let diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), None)?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        if d.status() != git2::Delta::Added {
            continue;
        }
        let Some(path) = d.new_file().path().and_then(|p| p.to_str()) else {
            continue;
        };
        if path == crate::layout::ALLOWED_SIGNERS {
            continue;
        }
        let blob = repo.find_blob(d.new_file().id())?;
        out.push((path.to_string(), blob.content().to_vec()));
    }
    Ok(out)
}

/// Compares a checkpoint seen elsewhere with the verified history at `head` (whose log is
/// `log`): an inconsistency writes the proof and is [`Error::Equivocation`].
pub fn check_against(
    store: &crate::store::Store,
    head: Oid,
    ledger_id: &str,
    seen: &Seen,
    log: LogState,
) -> Result<()> {
    let Some(c) = seen.checkpoint() else {
        return Ok(());
    };
    let mut verdict = equivocation::against(&c, &log);
    if verdict == Against::NeedLeaves {
        let full = crate::verify::verified_state(store, head, true)?;
        verdict = equivocation::against(&c, &full.log);
    }
    match verdict {
        Against::Inconsistent { note, why } => Err(equivocation::refuse(
            ledger_id,
            why,
            seen.clone(),
            Seen {
                note,
                from: format!("the history at {head} in {}", store.dir().display()),
            },
        )),
        Against::Consistent | Against::Behind | Against::Unproven | Against::NeedLeaves => Ok(()),
    }
}

/// The checkpoints a verified log holds, as seen notes from `from`.
pub fn latest_seen(log: &LogState, from: &str) -> Option<Seen> {
    log.latest().map(|c| Seen {
        note: c.note.clone(),
        from: format!("checkpoint {} of {from}", c.seq),
    })
}
