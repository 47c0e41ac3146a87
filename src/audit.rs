//! Who endorsed which text: the audit of one statement, the publishable list, and the check of
//! the number of signatories a text claims ("On behalf of 28 organizations") against the ledger.

use crate::error::{Error, Result};
use crate::record::{ActKind, Provenance};
use crate::report::{
    Audit, EndorsementView, KeyView, Publication, RevokedView, Signatory, VersionView,
    WithdrawalView,
};
use crate::state::{in_force, ActEntry, Standing, State, StatementEntry};
use crate::timefmt;

fn statement<'s>(state: &'s State, stmt: &str) -> Result<&'s StatementEntry> {
    state
        .statements
        .get(stmt)
        .filter(|s| !s.versions.is_empty())
        .ok_or_else(|| Error::Unknown {
            kind: "statement",
            id: stmt.to_string(),
            known: state.statements.keys().cloned().collect(),
        })
}

/// Builds the audit of `stmt` from a verified state. `text_of(version)` gives the exact text of
/// a version (read from git by the caller), used only to find claimed counts.
pub fn audit(state: &State, stmt: &str, text_of: &dyn Fn(u32) -> Option<String>) -> Result<Audit> {
    let st = statement(state, stmt)?;
    let current_v = st
        .current()
        .expect("statement() refuses statements without versions");
    let mut versions = version_views(st, text_of);
    let mut standings = Standings::default();
    for (org, acts) in &st.acts {
        for (i, a) in acts.iter().enumerate() {
            let Some(v) = a.version.filter(|_| a.kind == ActKind::Endorse) else {
                continue;
            };
            let in_force = !acts[i + 1..]
                .iter()
                .any(|later| later.kind == ActKind::Withdraw);
            let slot = v
                .checked_sub(1)
                .and_then(|i| versions.get_mut(usize::try_from(i).ok()?));
            if let Some(vv) = slot {
                vv.endorsements.push(EndorsementView {
                    org: org.clone(),
                    name: name_of(state, org),
                    provenance: a.provenance,
                    attested_by: a.attested_by.as_ref().map(|e| format!("editor/{e}")),
                    key: a.key.clone(),
                    evidence_sha256: a.evidence_sha256.clone(),
                    commit: a.commit.to_string(),
                    time: a.signed_at.clone(),
                    path: a.path.clone(),
                    in_force,
                    key_revoked_later: key_revoked(state, org, a),
                    in_log: a.log_index.map(|i| crate::log::place(&state.log, i)),
                });
            }
        }
        standings.add(state, org, acts, current_v.n);
    }
    for v in &mut versions {
        v.endorsements
            .sort_by(|a, b| a.time.cmp(&b.time).then(a.org.cmp(&b.org)));
    }
    let mut warnings = claim_warnings(&versions, current_v.n, standings.current.len());
    warnings.extend(revoked_key_warnings(&versions));
    Ok(Audit {
        format: crate::report::formats::AUDIT.into(),
        keys: key_history(state, st),
        statement: stmt.to_string(),
        title: current_v.title.clone(),
        current_version: current_v.n,
        versions,
        current: standings.current,
        stale: standings.stale,
        withdrawn: standings.withdrawn,
        withdrawals: standings.withdrawals,
        warnings,
    })
}

fn name_of(state: &State, org: &str) -> String {
    state
        .orgs
        .get(org)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| org.to_string())
}

/// Every version, without its endorsements yet.
fn version_views(st: &StatementEntry, text_of: &dyn Fn(u32) -> Option<String>) -> Vec<VersionView> {
    st.versions
        .iter()
        .map(|v| VersionView {
            version: v.n,
            title: v.title.clone(),
            text_sha256: v.text_sha256.clone(),
            author: format!("editor/{}", v.editor),
            time: v.created_at.clone(),
            commit: v.commit.to_string(),
            note: v.note.clone(),
            claimed_signatories: text_of(v.n).and_then(|t| claimed_signatories(&t)),
            endorsements: Vec::new(),
        })
        .collect()
}

/// Where each organization that acted stands.
#[derive(Default)]
struct Standings {
    current: Vec<String>,
    stale: Vec<String>,
    withdrawn: Vec<String>,
    withdrawals: Vec<WithdrawalView>,
}

impl Standings {
    fn add(&mut self, state: &State, org: &str, acts: &[ActEntry], current: u32) {
        match crate::state::standing(acts, current) {
            Some(Standing::Current) => self.current.push(org.to_string()),
            Some(Standing::Stale) => self.stale.push(org.to_string()),
            Some(Standing::Withdrawn) => {
                self.withdrawn.push(org.to_string());
                if let Some(w) = acts.last() {
                    self.withdrawals.push(WithdrawalView {
                        org: org.to_string(),
                        name: name_of(state, org),
                        provenance: w.provenance,
                        attested_by: w.attested_by.as_ref().map(|e| format!("editor/{e}")),
                        reason: w.reason.clone(),
                        evidence_sha256: w.evidence_sha256.clone(),
                        commit: w.commit.to_string(),
                        time: w.signed_at.clone(),
                    });
                }
            }
            None => {}
        }
    }
}

/// Versions whose text claims another number of organizations than endorse it (the current
/// version: now; an older one: ever).
fn claim_warnings(versions: &[VersionView], current: u32, endorsing_now: usize) -> Vec<String> {
    let mut warnings = Vec::new();
    for v in versions {
        let Some(claim) = v.claimed_signatories else {
            continue;
        };
        let endorsed = v
            .endorsements
            .iter()
            .map(|e| &e.org)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if v.version == current {
            if usize::try_from(claim).ok() != Some(endorsing_now) {
                warnings.push(format!(
                    "version {} (current) claims {claim} organizations, but {endorsing_now} organizations endorse it now",
                    v.version
                ));
            }
        } else if usize::try_from(claim).ok() != Some(endorsed) {
            warnings.push(format!(
                "version {} claims {claim} organizations, but {endorsed} organizations endorsed it",
                v.version
            ));
        }
    }
    warnings
}

/// Versions with endorsements in force made with a key revoked later.
fn revoked_key_warnings(versions: &[VersionView]) -> Vec<String> {
    versions
        .iter()
        .filter_map(|v| {
            let n = v
                .endorsements
                .iter()
                .filter(|e| e.key_revoked_later && e.in_force)
                .count();
            (n > 0).then(|| {
                format!(
                    "version {}: {n} endorsement(s) in force were signed with a key revoked later",
                    v.version
                )
            })
        })
        .collect()
}

/// The key history of the organizations that acted on the statement, for those with more than
/// one key or a revoked key.
fn key_history(state: &State, st: &StatementEntry) -> Vec<KeyView> {
    let mut keys = Vec::new();
    for org in st.acts.keys() {
        let Some(entry) = state.orgs.get(org) else {
            continue;
        };
        if entry.keys.len() < 2 && entry.keys.iter().all(|k| k.revoked.is_none()) {
            continue;
        }
        for k in &entry.keys {
            keys.push(KeyView {
                org: org.clone(),
                seq: k.seq,
                fingerprint: k.key.fingerprint.clone(),
                added_by: k.added_by.clone(),
                reason: k.reason.clone(),
                commit: k.commit.to_string(),
                in_force: k.in_force(),
                revoked: k.revoked.as_ref().map(|r| RevokedView {
                    by: r.by.clone(),
                    reason: r.reason.clone(),
                    commit: r.commit.to_string(),
                }),
            });
        }
    }
    keys
}

/// True when the key that signed this act was revoked after it.
fn key_revoked(state: &State, org: &str, a: &ActEntry) -> bool {
    let holder = match &a.attested_by {
        Some(editor) => state.editors.get(editor),
        None => state.orgs.get(org),
    };
    holder
        .and_then(|p| p.keys.iter().find(|k| k.key.fingerprint == a.key))
        .is_some_and(|k| k.revoked.is_some())
}

/// The list of organizations whose endorsement of `version` is in force, in order of signing.
pub fn publication(
    state: &State,
    stmt: &str,
    version: Option<u32>,
    text: String,
) -> Result<Publication> {
    let st = statement(state, stmt)?;
    let v = version.unwrap_or_else(|| st.current().map(|c| c.n).unwrap_or(1));
    let ver = st.version(v).ok_or_else(|| Error::UnknownVersion {
        stmt: stmt.to_string(),
        version: v,
        count: st.version_count(),
    })?;
    let mut rows: Vec<(&str, &String, Provenance)> = Vec::new();
    for (org, acts) in &st.acts {
        if let Some(a) = in_force(acts).iter().find(|a| a.version == Some(v)) {
            rows.push((&a.signed_at, org, a.provenance));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(b.1)));
    let signatories = rows
        .into_iter()
        .enumerate()
        .map(|(i, (_, org, p))| Signatory {
            n: i + 1,
            org: org.clone(),
            name: state
                .orgs
                .get(org)
                .map(|o| o.name.clone())
                .unwrap_or_else(|| org.clone()),
            provenance: p,
        })
        .collect::<Vec<_>>();
    Ok(Publication {
        format: crate::report::formats::PUBLICATION.into(),
        ledger_id: state.ledger_id.map(|l| l.to_string()).unwrap_or_default(),
        // The state does not know which commit it is of; callers that read it at a head say
        // which (`show` does).
        head: String::new(),
        statement: stmt.to_string(),
        version: v,
        title: ver.title.clone(),
        text_sha256: ver.text_sha256.clone(),
        text,
        count: signatories.len(),
        signatories,
    })
}

/// Renders a publication as plain text: the text, then a correctly numbered list with its count.
/// Ledger strings are escaped ([`crate::text`]): the list is for a terminal or a text file, and
/// a name must not be able to break a line or hide one.
pub fn render_publication(p: &Publication) -> String {
    let mut out = crate::text::escape_text(p.text.trim_end()).into_owned();
    out.push_str(&format!(
        "\n\nEndorsed by {} organization{} (version {}, text sha256 {}):\n\n",
        p.count,
        if p.count == 1 { "" } else { "s" },
        p.version,
        p.text_sha256
    ));
    let width = p.count.to_string().len();
    for s in &p.signatories {
        let mark = if s.provenance == Provenance::Attested {
            " *"
        } else {
            ""
        };
        let name = crate::text::escape_line(&s.name);
        out.push_str(&format!("{:>width$}. {name}{mark}\n", s.n));
    }
    if p.signatories
        .iter()
        .any(|s| s.provenance == Provenance::Attested)
    {
        out.push_str("\n* endorsement recorded by the coordinator on the organization's behalf; the others are signed with the organization's own key.\n");
    }
    out
}

/// The number of organizations a text says it speaks for: "On behalf of 28 organizations",
/// "signed by twenty-eight organisations", "28 NGOs". The first such phrase counts.
pub fn claimed_signatories(text: &str) -> Option<u32> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';' | ':' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    const NOUNS: &[&str] = &[
        "organizations",
        "organisations",
        "organization",
        "organisation",
        "ngos",
        "signatories",
        "groups",
        "civil",
        "non-governmental",
        "human",
        "undersigned",
    ];
    for (i, w) in words.iter().enumerate().skip(1) {
        let noun = NOUNS
            .iter()
            .any(|n| w == n || w.starts_with(&format!("{n}'")));
        if !noun {
            continue;
        }
        // Look back at most three words for the number: "28 civil society organizations".
        for back in 1..=3.min(i) {
            if let Some(n) = number(&words[i - back]) {
                return Some(n);
            }
        }
    }
    None
}

fn number(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return Some(n);
    }
    const ONES: &[&str] = &[
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: &[&str] = &[
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(i) = ONES.iter().position(|o| *o == word) {
        return Some(i as u32);
    }
    let (tens, ones) = word.split_once('-').unwrap_or((word, ""));
    let t = TENS.iter().position(|x| !x.is_empty() && *x == tens)? as u32;
    let o = if ones.is_empty() {
        0
    } else {
        ONES[1..10].iter().position(|x| *x == ones)? as u32 + 1
    };
    Some(t * 10 + o)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a record time, for people.
pub fn human_time(record_time: &str) -> String {
    match timefmt::parse_ms(record_time) {
        Some(ms) => timefmt::format_secs(ms / 1000),
        None => record_time.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_found_in_digits_and_words() {
        assert_eq!(
            claimed_signatories("On behalf of 28 organizations, we urge"),
            Some(28)
        );
        assert_eq!(
            claimed_signatories("signed by twenty-eight organisations."),
            Some(28)
        );
        assert_eq!(
            claimed_signatories("We, 12 civil society organizations, call"),
            Some(12)
        );
        assert_eq!(claimed_signatories("The 40 undersigned NGOs"), Some(40));
        assert_eq!(
            claimed_signatories("Our organizations welcome discussions"),
            None
        );
        assert_eq!(claimed_signatories("more than twenty years ago"), None);
        assert_eq!(number("ninety-nine"), Some(99));
        assert_eq!(number("seven"), Some(7));
        assert_eq!(number("twenty-ten"), None);
    }
}
