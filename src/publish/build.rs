//! From a verified replay to [`StatementData`]: the audit's lists, each entry with its record
//! read back from the head's tree, and the keys that signed them.

use super::model::{
    Entry, EntryReceipt, Key, KeyRevocation, LedgerInfo, LogData, StatementData, TranslatedText,
    Version, WitnessData, FORMAT,
};
use super::PublishError;
use crate::audit;
use crate::ids::Principal;
use crate::record::{self, ActKind, ActRecord, Kind};
use crate::report::{Audit, Publication};
use crate::state::{in_force, ActEntry, State, StatementEntry};
use crate::timefmt;
use crate::verify::Replay;
use git2::{Oid, Repository, Tree};
use std::collections::BTreeSet;
use std::path::Path;

/// What a publisher chooses.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// Where readers can clone the ledger (shown on the page).
    pub clone_url: Option<String>,
    /// When the page is made, in milliseconds since the epoch (a fixed time makes the output
    /// reproducible; the CLI takes `SOURCE_DATE_EPOCH` when set).
    pub generated_at_ms: i64,
}

/// Entries (signatories, stale and withdrawn together) per page by default: a page of a
/// thousand is about 2 MB and is checked in well under a second; a longer list is split.
pub const PER_PAGE: usize = 1000;

/// The data of one statement, from a replay that verified. A ledger that does not verify is
/// refused: a page would vouch for it.
pub fn statement_data(
    repo: &Repository,
    replay: &Replay,
    stmt: &str,
    opts: &PublishOptions,
) -> Result<StatementData, PublishError> {
    let report = &replay.report;
    if !report.ok {
        return Err(PublishError::Unverified {
            failures: report.failures.len(),
        });
    }
    let state = &replay.state;
    let st = state
        .statements
        .get(stmt)
        .filter(|s| !s.versions.is_empty())
        .ok_or_else(|| PublishError::UnknownStatement {
            id: stmt.to_string(),
            known: state.statements.keys().cloned().collect(),
        })?;
    let head_id = Oid::from_str(&report.head).map_err(git("the head commit id"))?;
    let head = repo.find_commit(head_id).map_err(git("the head commit"))?;
    let tree = head.tree().map_err(git("the head tree"))?;
    let texts = texts_of(repo, st, stmt)?;
    let text_of = |n: u32| {
        n.checked_sub(1)
            .and_then(|i| texts.get(usize::try_from(i).ok()?))
            .cloned()
    };
    let audit = audit::audit(state, stmt, &text_of)?;
    let current = st
        .current()
        .expect("statement_data refuses statements without versions");
    let current_text = texts.last().cloned().unwrap_or_default();
    let publication = audit::publication(state, stmt, None, None, &|_| Ok(current_text.clone()))?;
    let reader = Reader {
        repo,
        tree: &tree,
        state,
    };
    let (signatories, individuals, stale, withdrawn) =
        reader.lists(st, &publication, &audit, current.n)?;
    let signers: BTreeSet<(&str, &str)> = signatories
        .iter()
        .chain(&individuals)
        .chain(&stale)
        .chain(&withdrawn)
        .map(|e| (e.record.signer.as_str(), e.record.key.as_str()))
        .collect();
    let keys = signers
        .into_iter()
        .map(|(who, fp)| key_of(state, who, fp))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StatementData {
        format: FORMAT.to_string(),
        generator: format!("undersigned {}", env!("CARGO_PKG_VERSION")),
        generated_at: timefmt::format_ms(opts.generated_at_ms).unwrap_or_default(),
        ledger: LedgerInfo {
            id: report.ledger_id.clone(),
            name: report.name.clone(),
            head: report.head.clone(),
            head_time: timefmt::format_ms(head.time().seconds().saturating_mul(1000))
                .unwrap_or_default(),
            clone_url: opts.clone_url.clone(),
        },
        statement: stmt.to_string(),
        title: current.title.clone(),
        current_version: current.n,
        claimed_signatories: audit::claimed_signatories(&current_text),
        claimed_individuals: audit::claims(&current_text).individuals,
        warnings: audit.warnings,
        versions: versions_of(repo, state, st, &texts)?,
        signatories,
        individuals,
        counts: publication.counts.clone(),
        signon: audit.signon.clone(),
        stale,
        withdrawn,
        keys,
        part: None,
        log: log_data(repo, state)?,
    })
}

/// The latest checkpoint for the page, with its signer's key, its witnesses and the anchor a
/// receipt carries; `None` without a checkpoint or without the log's leaves.
fn log_data(repo: &Repository, state: &State) -> Result<Option<LogData>, PublishError> {
    let log = &state.log;
    let (Some(_), Some(c)) = (log.leaves.as_ref(), log.latest()) else {
        return Ok(None);
    };
    let note =
        crate::log::note::Note::parse(c.note.as_bytes()).map_err(|e| PublishError::Record {
            path: format!("checkpoint {}", c.seq),
            why: e.to_string(),
        })?;
    let sig = note.signatures.first().cloned();
    let key = state.editors.get(&c.editor).and_then(|e| {
        e.keys.iter().find(|k| {
            sig.as_ref().is_some_and(|s| {
                crate::log::note::key_id(&s.name, crate::log::note::TYPE_ED25519, &k.key.raw)
                    == s.key_id
            })
        })
    });
    let Some(key) = key else {
        return Ok(None);
    };
    let Some(anchor) = crate::log::anchor::build(repo, state, &key.key.raw) else {
        return Ok(None);
    };
    let mut checkpoint = c.note.clone();
    let mut witnesses = Vec::new();
    for s in &c.cosignatures {
        checkpoint.push_str(&s.line);
        let org = state.orgs.get(&s.org);
        // The key that made it: the one in force when it was committed is the latest key
        // registered before; a page shows the key in force now, which is that one unless it
        // was rotated since (the browser then reports the cosignature as not checked).
        witnesses.push(WitnessData {
            org: s.org.clone(),
            name: org.map(|o| o.name.clone()).unwrap_or_else(|| s.org.clone()),
            public_key: org
                .and_then(|o| o.keys.last())
                .map(|k| k.key.openssh.clone())
                .unwrap_or_default(),
            time: s.time,
        });
    }
    Ok(Some(LogData {
        seq: c.seq,
        size: c.size,
        root: c.root.clone(),
        checkpoint,
        signer: format!("editor/{}", c.editor),
        signer_key: key.key.openssh.clone(),
        witnesses,
        anchor,
    }))
}

fn git(what: &str) -> impl Fn(git2::Error) -> PublishError {
    let what = what.to_string();
    move |source| PublishError::Git {
        what: what.clone(),
        source,
    }
}

/// The exact text of every version, in order.
fn texts_of(
    repo: &Repository,
    st: &StatementEntry,
    stmt: &str,
) -> Result<Vec<String>, PublishError> {
    let mut texts = Vec::with_capacity(st.versions.len());
    for v in &st.versions {
        let blob = repo
            .find_blob(v.text_blob)
            .map_err(git(&format!("the text of version {}", v.n)))?;
        let text =
            String::from_utf8(blob.content().to_vec()).map_err(|_| PublishError::Record {
                path: format!("version {} of {stmt}", v.n),
                why: "text is not UTF-8".into(),
            })?;
        texts.push(text);
    }
    Ok(texts)
}

/// The version history as the page shows it, each version with its translations.
fn versions_of(
    repo: &Repository,
    state: &State,
    st: &StatementEntry,
    texts: &[String],
) -> Result<Vec<Version>, PublishError> {
    let mut out = Vec::with_capacity(st.versions.len());
    for (v, text) in st.versions.iter().zip(texts) {
        let mut translations = Vec::with_capacity(v.translations.len());
        for t in &v.translations {
            let what = format!("the {} text of version {}", t.lang, v.n);
            let blob = repo.find_blob(t.text_blob).map_err(git(&what))?;
            let text =
                String::from_utf8(blob.content().to_vec()).map_err(|_| PublishError::Record {
                    path: what.clone(),
                    why: "text is not UTF-8".into(),
                })?;
            translations.push(TranslatedText {
                lang: t.lang.clone(),
                text,
                text_sha256: t.text_sha256.clone(),
            });
        }
        out.push(Version {
            version: v.n,
            title: v.title.clone(),
            text: text.clone(),
            text_sha256: v.text_sha256.clone(),
            lang: v.lang.clone(),
            translations,
            note: v.note.clone(),
            editor: v.editor.clone(),
            editor_name: state
                .editors
                .get(&v.editor)
                .map(|e| e.name.clone())
                .unwrap_or_else(|| v.editor.clone()),
            created_at: v.created_at.clone(),
            commit: v.commit.to_string(),
        });
    }
    Ok(out)
}

/// Entries numbered from 1 in the order of their records' times.
fn numbered(mut list: Vec<Entry>) -> Vec<Entry> {
    list.sort_by(|a, b| (&a.record.signed_at, &a.org).cmp(&(&b.record.signed_at, &b.org)));
    for (i, e) in list.iter_mut().enumerate() {
        e.n = i + 1;
    }
    list
}

struct Reader<'a> {
    repo: &'a Repository,
    tree: &'a Tree<'a>,
    state: &'a State,
}

/// The current signatories (organizations, then individuals), those of older versions only,
/// and those who withdrew.
type Lists = (Vec<Entry>, Vec<Entry>, Vec<Entry>, Vec<Entry>);

/// The principal of a listed signatory.
fn principal_of(kind: Kind, id: &str) -> Principal {
    match kind {
        Kind::Org => Principal::org(id),
        Kind::Person => Principal::person(id),
    }
}

impl Reader<'_> {
    /// The current signatories (in the list's order), those endorsing an older version only,
    /// and those who withdrew.
    fn lists(
        &self,
        st: &StatementEntry,
        publication: &Publication,
        audit: &Audit,
        current: u32,
    ) -> Result<Lists, PublishError> {
        let missing = |org: &str, why: &str| PublishError::Record {
            path: org.to_string(),
            why: why.to_string(),
        };
        let current_of = |list: &[crate::report::Signatory]| -> Result<Vec<Entry>, PublishError> {
            let mut out = Vec::with_capacity(list.len());
            for s in list {
                let who = principal_of(s.kind, &s.org);
                let act = in_force(st.acts_of(&who))
                    .iter()
                    .find(|a| a.kind == ActKind::Endorse && a.version == Some(current))
                    .ok_or_else(|| {
                        missing(
                            &s.org,
                            "listed, but no endorsement of the current version found",
                        )
                    })?;
                out.push(self.entry(s.n, &who, act)?);
            }
            Ok(out)
        };
        let signatories = current_of(&publication.signatories)?;
        let individuals = current_of(&publication.individuals)?;
        let tagged = |orgs: &[String], people: &[String]| -> Vec<Principal> {
            orgs.iter()
                .map(|o| Principal::org(o))
                .chain(people.iter().map(|p| Principal::person(p)))
                .collect()
        };
        let mut stale = Vec::with_capacity(audit.stale.len());
        for who in tagged(&audit.stale, &audit.individuals.stale) {
            let act = in_force(st.acts_of(&who))
                .iter()
                .rev()
                .find(|a| a.kind == ActKind::Endorse)
                .ok_or_else(|| missing(&who.id, "stale, but no endorsement in force found"))?;
            stale.push(self.entry(0, &who, act)?);
        }
        let mut withdrawn = Vec::with_capacity(audit.withdrawn.len());
        for who in tagged(&audit.withdrawn, &audit.individuals.withdrawn) {
            let act = st
                .acts_of(&who)
                .last()
                .filter(|a| a.kind == ActKind::Withdraw)
                .ok_or_else(|| {
                    missing(&who.id, "withdrawn, but its last act is not a withdrawal")
                })?;
            withdrawn.push(self.entry(0, &who, act)?);
        }
        Ok((
            signatories,
            individuals,
            numbered(stale),
            numbered(withdrawn),
        ))
    }

    /// The entry of `who` for its act `a`, with the record read from the head's tree.
    fn entry(&self, n: usize, who: &Principal, a: &ActEntry) -> Result<Entry, PublishError> {
        let record = self.record(&a.path)?;
        let principal = self.state.principal(who);
        Ok(Entry {
            n,
            org: who.id.clone(),
            kind: audit::kind_of(who),
            name: self.state.name_of(who),
            affiliation: principal.and_then(|p| p.affiliation.clone()),
            url: principal.and_then(|p| p.url.clone()),
            country: principal.and_then(|p| p.country.clone()),
            attested_by_name: a.attested_by.as_ref().map(|e| {
                self.state
                    .editors
                    .get(e)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| e.clone())
            }),
            commit: a.commit.to_string(),
            path: a.path.clone(),
            key_revoked_later: revoked(self.state, &record),
            receipt: self.receipt(who, a)?,
            record,
        })
    }

    /// The receipt parts of act `a` of `who`: its leaf index, inclusion path under the latest
    /// checkpoint and leaf bytes, when the replay kept the log's leaves and the checkpoint
    /// includes the act.
    fn receipt(&self, who: &Principal, a: &ActEntry) -> Result<Option<EntryReceipt>, PublishError> {
        let log = &self.state.log;
        let (Some(leaves), Some(c), Some(index)) =
            (log.leaves.as_deref(), log.latest(), a.log_index)
        else {
            return Ok(None);
        };
        let size = usize::try_from(c.size)
            .unwrap_or(usize::MAX)
            .min(leaves.len());
        let Some(path) = crate::log::merkle::inclusion_proof(&leaves[..size], index) else {
            return Ok(None);
        };
        let commit = self
            .repo
            .find_commit(a.commit)
            .map_err(git("an act's commit"))?;
        let data =
            crate::log::leaf::leaf_of_commit(self.repo, &commit).map_err(git("an act's files"))?;
        if leaves.get(usize::try_from(index).unwrap_or(usize::MAX))
            != Some(&crate::log::merkle::leaf_hash(&data))
        {
            return Err(PublishError::Record {
                path: a.path.clone(),
                why: format!(
                    "the files of commit {} are not leaf {index} of the log",
                    a.commit
                ),
            });
        }
        use base64ct::Encoding;
        Ok(Some(EntryReceipt {
            index,
            path: path
                .iter()
                .map(|h| base64ct::Base64::encode_string(h))
                .collect(),
            leaf: base64ct::Base64::encode_string(&data),
            file: receipt_file(who),
        }))
    }

    /// The act record at `path` in the head's tree, as stored.
    fn record(&self, path: &str) -> Result<ActRecord, PublishError> {
        let entry = self
            .tree
            .get_path(Path::new(path))
            .map_err(|source| PublishError::Git {
                what: path.to_string(),
                source,
            })?;
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|source| PublishError::Git {
                what: path.to_string(),
                source,
            })?;
        record::decode(blob.content()).map_err(|why| PublishError::Record {
            path: path.to_string(),
            why,
        })
    }
}

/// True when the key that signed `r` was revoked (after it: a ledger that verifies has no
/// record signed by a key already revoked).
fn revoked(state: &State, r: &ActRecord) -> bool {
    let holder = Principal::parse(&r.signer).and_then(|p| state.principal(&p));
    holder
        .and_then(|p| p.keys.iter().find(|k| k.key.fingerprint == r.key))
        .is_some_and(|k| k.revoked.is_some())
}

/// The registered key `fingerprint` of principal `who` (`org/<id>` or `editor/<id>`).
fn key_of(state: &State, who: &str, fingerprint: &str) -> Result<Key, PublishError> {
    let holder = Principal::parse(who).and_then(|p| state.principal(&p));
    let k = holder
        .and_then(|p| p.keys.iter().find(|k| k.key.fingerprint == fingerprint))
        .ok_or_else(|| PublishError::Record {
            path: who.to_string(),
            why: format!("no registered key {fingerprint}"),
        })?;
    Ok(Key {
        principal: who.to_string(),
        fingerprint: k.key.fingerprint.clone(),
        public_key: k.key.openssh.clone(),
        added_by: k.added_by.clone(),
        commit: k.commit.to_string(),
        in_force: k.in_force(),
        revoked: k.revoked.as_ref().map(|r| KeyRevocation {
            by: r.by.clone(),
            reason: r.reason.clone(),
            commit: r.commit.to_string(),
        }),
    })
}

/// The receipt file of a signatory beside the page: `receipts/<org>.tlog-proof` for an
/// organization, `receipts/person.<id>.tlog-proof` for an individual (a slug holds no dot, so
/// an organization and an individual of one slug never share a file).
fn receipt_file(who: &Principal) -> String {
    match who.role {
        crate::ids::Role::Person => format!("receipts/person.{}.tlog-proof", who.id),
        _ => format!("receipts/{}.tlog-proof", who.id),
    }
}
