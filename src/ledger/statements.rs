//! The acts on statements: versions written (with their translations), endorsements signed or
//! attested and withdrawals, by organizations and individuals alike.

use super::registry::signing_editor;
use super::write::{Parent, Step};
use super::Ledger;
use crate::act::{Act, Needs};
use crate::error::{Error, Result, WrongKeyWhy};
use crate::ids::{check_slug, Principal};
use crate::keys::SigningKey;
use crate::record::{self, ActKind, ActRecord, Provenance, TextRef, VersionRecord};
use crate::report::Outcome;
use crate::rules::fields::{self, Field};
use crate::signed_data::{act_payload, ACT_NAMESPACE};
use crate::state::{in_force, ActEntry, State, StatementEntry};
use crate::timefmt;
use crate::view::View;

/// What [`Ledger::sign_preview`] shows before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Statement slug.
    pub statement: String,
    /// The version that would be signed.
    pub version: u32,
    /// The current version's number.
    pub current: u32,
    /// Its title.
    pub title: String,
    /// sha256 of its text.
    pub text_sha256: String,
    /// Its exact text.
    pub text: String,
    /// The latest earlier version the signatory endorses in force, and its text.
    pub previous: Option<(u32, String)>,
    /// The languages of the version's texts, the original first (empty when it names none):
    /// an endorsement signs every one of them.
    pub langs: Vec<String>,
    /// The signatory already endorses this version in force: signing changes nothing.
    pub already: bool,
}

/// A new version of a statement.
#[derive(Debug, Clone, Default)]
pub struct Revision<'a> {
    /// The exact original text.
    pub text: &'a [u8],
    /// Why it was revised.
    pub note: Option<&'a str>,
    /// A new title (default: unchanged).
    pub title: Option<&'a str>,
    /// The original's language (default: the current version's, if it names one).
    pub lang: Option<&'a str>,
    /// Translations, `(language, exact text)`; a revision gives them anew, since they
    /// translated the text it replaces.
    pub translations: Vec<(&'a str, &'a [u8])>,
    /// The version this revision was made from: refused, nothing written, if another version
    /// became current meanwhile (a translation must not undo a revision it never saw).
    pub based_on: Option<u32>,
}

impl Ledger {
    /// Creates a statement: version 1 with its title and text.
    pub fn new_statement(
        &self,
        stmt: &str,
        title: &str,
        text: &[u8],
        key: &SigningKey,
    ) -> Result<Outcome> {
        let revision = Revision {
            text,
            title: Some(title),
            ..Revision::default()
        };
        self.write_version(stmt, &revision, true, key)
    }

    /// Revises a statement: version n+1.
    pub fn revise_statement(
        &self,
        stmt: &str,
        revision: &Revision<'_>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.write_version(stmt, revision, false, key)
    }

    /// Creates a statement from a revision (version 1, its texts in every language given).
    pub fn new_statement_with(
        &self,
        stmt: &str,
        revision: &Revision<'_>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.write_version(stmt, revision, true, key)
    }

    pub(super) fn write_version(
        &self,
        stmt: &str,
        rev: &Revision<'_>,
        new: bool,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        let bad = |field, check: std::result::Result<(), String>| {
            check.map_err(|why| Error::BadField { field, why })
        };
        if let Some(t) = rev.title {
            bad(Field::Title, fields::check_line(Field::Title, t))?;
        }
        if let Some(n) = rev.note {
            bad(Field::Note, fields::check_line(Field::Note, n))?;
        }
        fields::check_text(rev.text).map_err(|why| Error::BadText {
            source_name: "given".into(),
            why,
        })?;
        let sha = record::sha256_hex(rev.text);
        let translations = translation_refs(rev)?;
        self.act(key, |p| {
            let now = p.now.clone();
            let view = p.view.clone();
            let state = statement_state(p, stmt, None)?;
            let editor = signing_editor(state, key)?;
            let st = state.statements.get(stmt);
            let count = st.map(StatementEntry::version_count).unwrap_or(0);
            let title = match (new, st.and_then(StatementEntry::current)) {
                (true, None) => rev.title.unwrap_or_default().to_string(),
                (true, Some(_)) => {
                    return Err(Error::StatementExists {
                        stmt: stmt.to_string(),
                        versions: count,
                    })
                }
                (false, None) => return Err(unknown_statement(&view, stmt)),
                (false, Some(_)) => String::new(),
            };
            let prev = st.and_then(StatementEntry::current).filter(|_| !new);
            if let Some(b) = rev.based_on.filter(|b| *b != count) {
                return Err(Error::VersionMoved {
                    stmt: stmt.to_string(),
                    based_on: b,
                    current: count,
                });
            }
            let lang = rev
                .lang
                .map(str::to_string)
                .or_else(|| prev.and_then(|p| p.lang.clone()));
            if lang.is_none() && !translations.is_empty() {
                return Err(Error::BadLang {
                    lang: translations[0].0.lang.clone(),
                    why: "a translation needs the original's language as well: give --lang after the first --text".into(),
                });
            }
            if let Some((t, _)) = translations.iter().find(|(t, _)| Some(&t.lang) == lang.as_ref()) {
                return Err(Error::BadLang {
                    lang: t.lang.clone(),
                    why: "the original is in this language already; a translation is in another".into(),
                });
            }
            if lang.is_some() && state.format < record::FORMAT_SIGNATORIES {
                return Err(Error::OldFormat {
                    format: state.format,
                    what: "texts with languages",
                });
            }
            let refs: Vec<TextRef> = translations.iter().map(|(t, _)| t.clone()).collect();
            let title = match prev {
                Some(prev) => {
                    let same = prev.text_sha256 == sha
                        && prev.lang == lang
                        && prev
                            .translations
                            .iter()
                            .map(|t| (&t.lang, &t.text_sha256))
                            .eq(refs.iter().map(|t| (&t.lang, &t.text_sha256)));
                    if same {
                        return Err(Error::SameText {
                            stmt: stmt.to_string(),
                            version: count,
                        });
                    }
                    rev.title
                        .map(str::to_string)
                        .unwrap_or_else(|| prev.title.clone())
                }
                None => title,
            };
            Ok(Step::Write {
                act: Act::Version {
                    record: VersionRecord {
                        statement: stmt.into(),
                        version: count.saturating_add(1),
                        title,
                        text_sha256: sha.clone(),
                        lang,
                        translations: refs,
                        note: rev.note.map(str::to_string),
                        editor: editor.id.clone(),
                        created_at: now,
                    },
                    text: rev.text.to_vec(),
                    translations: translations
                        .iter()
                        .map(|(t, bytes)| (t.lang.clone(), bytes.to_vec()))
                        .collect(),
                },
                actor: editor,
            })
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
        self.endorse(stmt, &Principal::org(org), version, key, None)
    }

    /// A signatory (organization or individual) endorses a version with its own key.
    pub fn sign_as(
        &self,
        stmt: &str,
        who: &Principal,
        version: Option<u32>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.endorse(stmt, who, version, key, None)
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
        self.attest_as(stmt, &Principal::org(org), version, evidence, key)
    }

    /// An editor records a signatory's (organization's or individual's) endorsement from
    /// evidence.
    pub fn attest_as(
        &self,
        stmt: &str,
        who: &Principal,
        version: Option<u32>,
        evidence: &[u8],
        key: &SigningKey,
    ) -> Result<Outcome> {
        if evidence.is_empty() {
            return Err(Error::EmptyEvidence);
        }
        self.endorse(stmt, who, version, key, Some(record::sha256_hex(evidence)))
    }

    /// An endorsement of `version` (default: the current one), signed by the signatory or,
    /// with the sha256 of `evidence`, attested by an editor.
    pub(crate) fn endorse(
        &self,
        stmt: &str,
        who: &Principal,
        version: Option<u32>,
        key: &SigningKey,
        evidence: Option<String>,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        check_slug(who.role.noun(), &who.id)?;
        let mut endorsed = None;
        let mut outcome = self.act(key, |p| {
            let (ledger_id, now, view) = (p.ledger_id, p.now_ms, p.view.clone());
            let state = statement_state(p, stmt, Some(who))?;
            let record_signer = act_signer(state, who, key, evidence.is_some())?;
            let st = statement_of(state, &view, stmt)?;
            let v = version.unwrap_or(st.version_count());
            let ver = st.version(v).ok_or_else(|| Error::UnknownVersion {
                stmt: stmt.to_string(),
                version: v,
                count: st.version_count(),
            })?;
            endorsed = Some(ver.text_sha256.clone());
            let acts = st.acts_of(who);
            if in_force(acts).iter().any(|a| a.version == Some(v)) {
                return Ok(Step::Nothing(format!(
                    "{who} already endorses version {v} of {stmt}; nothing was changed"
                )));
            }
            if let Some(close) = st.closed() {
                return Err(Error::Closed {
                    stmt: stmt.to_string(),
                    record: crate::layout::signon_path(stmt, close.seq),
                    at: close.at.clone(),
                    reason: close.reason.clone(),
                });
            }
            let (org, person) = signatory_fields(who);
            let record = ActRecord {
                act: ActKind::Endorse,
                ledger: ledger_id.to_string(),
                statement: stmt.into(),
                version: Some(v),
                text_sha256: Some(ver.text_sha256.clone()),
                texts: ver.texts(),
                org,
                person,
                signed_at: next_time(acts, now, who, stmt)?,
                reason: None,
                provenance: provenance(&evidence),
                evidence_sha256: evidence.clone(),
                signer: record_signer.to_string(),
                key: key.fingerprint().to_string(),
                signature: String::new(),
            };
            signed_act(record, acts, record_signer, key)
        })?;
        outcome.text_sha256 = endorsed;
        Ok(outcome)
    }

    /// What an organization is asked to endorse with [`Ledger::sign`]: version `version`
    /// (default: the current one) and, when the organization endorses an earlier version in
    /// force, that version's text, so that a person can be shown what changed before signing.
    /// Read from the head's tree; version texts never change, so signing `preview.version`
    /// afterwards signs exactly this text.
    pub fn sign_preview(&self, stmt: &str, org: &str, version: Option<u32>) -> Result<Preview> {
        self.sign_preview_as(stmt, &Principal::org(org), version)
    }

    /// [`Ledger::sign_preview`] for any signatory.
    pub fn sign_preview_as(
        &self,
        stmt: &str,
        who: &Principal,
        version: Option<u32>,
    ) -> Result<Preview> {
        check_slug("statement", stmt)?;
        check_slug(who.role.noun(), &who.id)?;
        let repo = self.store.repo();
        let head = self.store.head()?.ok_or(Error::EmptyHistory)?;
        let tree = repo.find_commit(head)?.tree()?;
        let view = View {
            repo,
            tree: &tree,
            commit: head,
        };
        let count = view.version_count(stmt)?;
        if count == 0 {
            return Err(unknown_statement(&view, stmt));
        }
        if !view.is_registered(who)? {
            return Err(unknown_signatory(who));
        }
        let v = version.unwrap_or(count);
        let text_of = |n: u32| -> Result<Option<(VersionRecord, String)>> {
            Ok(view
                .version(stmt, n)?
                .map(|(rec, text)| (rec, String::from_utf8_lossy(&text).into_owned())))
        };
        let (rec, text) = text_of(v)?.ok_or_else(|| Error::UnknownVersion {
            stmt: stmt.to_string(),
            version: v,
            count,
        })?;
        let acts = view.signatory_acts(stmt, who)?;
        let endorsed = crate::rules::endorsement::in_force(&acts);
        let earlier = endorsed
            .iter()
            .filter_map(|a| a.version)
            .filter(|n| *n < v)
            .max();
        let already = endorsed.iter().any(|a| a.version == Some(v));
        let previous = match earlier {
            Some(n) => text_of(n)?.map(|(_, t)| (n, t)),
            None => None,
        };
        let langs = rec
            .lang
            .iter()
            .cloned()
            .chain(rec.translations.iter().map(|t| t.lang.clone()))
            .collect();
        Ok(Preview {
            statement: stmt.to_string(),
            version: v,
            current: count,
            title: rec.title,
            text_sha256: rec.text_sha256,
            text,
            previous,
            langs,
            already,
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
        self.withdraw_as(stmt, &Principal::org(org), reason, evidence, key)
    }

    /// [`Ledger::withdraw`] for any signatory (organization or individual). A withdrawal is
    /// possible while sign-on is closed: a signatory may always leave.
    pub fn withdraw_as(
        &self,
        stmt: &str,
        who: &Principal,
        reason: Option<&str>,
        evidence: Option<&[u8]>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        check_slug(who.role.noun(), &who.id)?;
        if let Some(r) = reason {
            fields::check_line(Field::Reason, r).map_err(|why| Error::BadField {
                field: Field::Reason,
                why,
            })?;
        }
        if evidence.is_some_and(<[u8]>::is_empty) {
            return Err(Error::EmptyEvidence);
        }
        self.withdraw_hashed(stmt, who, reason, evidence.map(record::sha256_hex), key)
    }

    /// [`Ledger::withdraw`] given the evidence's sha256 (what `sync` has when it rebuilds an
    /// attested withdrawal: the record keeps the hash, never the evidence).
    pub(crate) fn withdraw_hashed(
        &self,
        stmt: &str,
        who: &Principal,
        reason: Option<&str>,
        evidence: Option<String>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.act(key, |p| {
            let (ledger_id, now, view) = (p.ledger_id, p.now_ms, p.view.clone());
            let state = statement_state(p, stmt, Some(who))?;
            let record_signer = act_signer(state, who, key, evidence.is_some())?;
            let acts = statement_of(state, &view, stmt)?.acts_of(who);
            if acts.last().map(|a| a.kind) != Some(ActKind::Endorse) {
                return Err(Error::NothingToWithdraw {
                    who: who.to_string(),
                    stmt: stmt.to_string(),
                });
            }
            let (org, person) = signatory_fields(who);
            let record = ActRecord {
                act: ActKind::Withdraw,
                ledger: ledger_id.to_string(),
                statement: stmt.into(),
                version: None,
                text_sha256: None,
                texts: Vec::new(),
                org,
                person,
                signed_at: next_time(acts, now, who, stmt)?,
                reason: reason.map(str::to_string),
                provenance: provenance(&evidence),
                evidence_sha256: evidence.clone(),
                signer: record_signer.to_string(),
                key: key.fingerprint().to_string(),
                signature: String::new(),
            };
            signed_act(record, acts, record_signer, key)
        })
    }
}

/// The record's `org` and `person` fields for a signatory.
pub(crate) fn signatory_fields(who: &Principal) -> (Option<String>, Option<String>) {
    match who.role {
        crate::ids::Role::Person => (None, Some(who.id.clone())),
        crate::ids::Role::Org | crate::ids::Role::Editor => (Some(who.id.clone()), None),
    }
}

/// The translations of a revision checked and hashed, in ascending order of tag.
fn translation_refs<'r>(rev: &Revision<'r>) -> Result<Vec<(TextRef, &'r [u8])>> {
    let bad = |lang: &str, why: &str| Error::BadLang {
        lang: lang.to_string(),
        why: why.to_string(),
    };
    let tag = "is not a language tag in lower case such as en, fr or pt-br";
    if let Some(l) = rev.lang.filter(|l| !record::is_lang(l)) {
        return Err(bad(l, tag));
    }
    let mut out: Vec<(TextRef, &[u8])> = Vec::with_capacity(rev.translations.len());
    for (lang, text) in &rev.translations {
        if !record::is_lang(lang) {
            return Err(bad(lang, tag));
        }
        fields::check_text(text).map_err(|why| Error::BadText {
            source_name: format!("in {lang}"),
            why,
        })?;
        out.push((
            TextRef {
                lang: lang.to_string(),
                text_sha256: record::sha256_hex(text),
            },
            text,
        ));
    }
    out.sort_by(|a, b| a.0.lang.cmp(&b.0.lang));
    if let Some(w) = out.windows(2).find(|w| w[0].0.lang == w[1].0.lang) {
        return Err(bad(&w[0].0.lang, "is given twice"));
    }
    Ok(out)
}

fn provenance(evidence: &Option<String>) -> Provenance {
    if evidence.is_some() {
        Provenance::Attested
    } else {
        Provenance::Signed
    }
}

/// Signs the record's payload and makes it the signatory's next act.
fn signed_act(
    mut record: ActRecord,
    acts: &[ActEntry],
    actor: Principal,
    key: &SigningKey,
) -> Result<Step> {
    record.signature = key.sign(ACT_NAMESPACE, &act_payload(&record))?;
    let seq = u32::try_from(acts.len())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    Ok(Step::Write {
        act: Act::Signatory { record, seq },
        actor,
    })
}

/// The parent's state with a statement's versions, a signatory's acts on it and the
/// signatory loaded.
pub(super) fn statement_state<'p>(
    p: &'p mut Parent<'_>,
    stmt: &str,
    who: Option<&Principal>,
) -> Result<&'p State> {
    p.state(&Needs {
        principals: who.cloned().into_iter().collect(),
        statements: vec![stmt.to_string()],
        acts: who
            .map(|w| (stmt.to_string(), w.clone()))
            .into_iter()
            .collect(),
        key_index: false,
        names: false,
        log: false,
    })
}

/// The statement, or a refusal naming the ones there are.
pub(super) fn statement_of<'s>(
    state: &'s State,
    view: &View<'_>,
    stmt: &str,
) -> Result<&'s StatementEntry> {
    state
        .statements
        .get(stmt)
        .filter(|s| s.current().is_some())
        .ok_or_else(|| unknown_statement(view, stmt))
}

/// An unknown statement, naming the statements at the head (read from its tree alone).
pub(super) fn unknown_statement(view: &View<'_>, stmt: &str) -> Error {
    Error::Unknown {
        kind: "statement",
        id: stmt.to_string(),
        known: view.statements().unwrap_or_default(),
    }
}

/// For an endorsement or withdrawal: who signs the record. With evidence, an editor attests;
/// without, the key must be the signatory's own key in force.
pub(super) fn act_signer(
    state: &State,
    who: &Principal,
    key: &SigningKey,
    attested: bool,
) -> Result<Principal> {
    let entry = state.principal(who).ok_or_else(|| unknown_signatory(who))?;
    if attested {
        return signing_editor(state, key);
    }
    match entry.current_key() {
        Some(k) if k.key.fingerprint == key.fingerprint() => Ok(who.clone()),
        Some(k) => {
            let is_editor = signing_editor(state, key).is_ok();
            Err(Error::WrongKey {
                path: key.path().to_path_buf(),
                fingerprint: key.fingerprint().to_string(),
                expected: format!("the key of {who}"),
                why: if is_editor {
                    WrongKeyWhy::EditorForOrg
                } else {
                    WrongKeyWhy::NotTheOrgs {
                        who: who.to_string(),
                        in_force: k.key.fingerprint.clone(),
                    }
                },
            })
        }
        None => Err(Error::NoKey {
            who: who.to_string(),
        }),
    }
}

/// An unregistered organization or individual.
pub(super) fn unknown_signatory(who: &Principal) -> Error {
    Error::Unknown {
        kind: who.role.noun(),
        id: who.id.clone(),
        known: Vec::new(),
    }
}

/// A record time after the signatory's previous act on the statement, even when clocks are
/// coarse or two acts fall in one millisecond; refused when that act is dated so late that no
/// later time can be written.
fn next_time(acts: &[ActEntry], now_ms: i64, who: &Principal, stmt: &str) -> Result<String> {
    let last = acts.last().map(|a| a.signed_at.as_str());
    let after = last
        .and_then(timefmt::parse_ms)
        .map(|t| t.saturating_add(1))
        .unwrap_or(i64::MIN);
    timefmt::format_ms(now_ms.max(after)).ok_or_else(|| Error::NoLaterTime {
        what: format!("{who}'s latest act on {stmt}"),
        time: last.unwrap_or_default().to_string(),
    })
}
