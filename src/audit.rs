//! Who endorsed which text: the audit of one statement, the publishable list, and the check of
//! the number of signatories a text claims ("On behalf of 28 organizations") against the ledger.

use crate::error::{Error, Result};
use crate::ids::{Principal, Role};
use crate::record::{ActKind, Kind, Provenance};
use crate::report::{
    Audit, Counts, EndorsementView, KeyView, Publication, RevokedView, SignOnView, Signatory,
    Standings as KindStandings, VersionView, WithdrawalView,
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

/// The kind of signatory a principal is, as outputs name it.
pub fn kind_of(who: &Principal) -> Kind {
    match who.role {
        Role::Person => Kind::Person,
        Role::Org | Role::Editor => Kind::Org,
    }
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
    for (who, acts) in &st.acts {
        let since = acts.len() - in_force(acts).len();
        for (i, a) in acts.iter().enumerate() {
            let Some(v) = a.version.filter(|_| a.kind == ActKind::Endorse) else {
                continue;
            };
            let in_force = i >= since;
            let langs = st.version(v).map(|ver| ver.langs()).unwrap_or_default();
            let slot = v
                .checked_sub(1)
                .and_then(|i| versions.get_mut(usize::try_from(i).ok()?));
            if let Some(vv) = slot {
                vv.endorsements.push(EndorsementView {
                    org: who.id.clone(),
                    kind: kind_of(who),
                    name: state.name_of(who),
                    affiliation: state.principal(who).and_then(|p| p.affiliation.clone()),
                    languages: langs,
                    provenance: a.provenance,
                    attested_by: a.attested_by.as_ref().map(|e| format!("editor/{e}")),
                    key: a.key.clone(),
                    evidence_sha256: a.evidence_sha256.clone(),
                    commit: a.commit.to_string(),
                    time: a.signed_at.clone(),
                    path: a.path.clone(),
                    in_force,
                    key_revoked_later: key_revoked(state, who, a),
                    in_log: a.log_index.map(|i| crate::log::place(&state.log, i)),
                });
            }
        }
        standings.add(state, who, acts, current_v.n);
    }
    for v in &mut versions {
        v.endorsements.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then(a.kind.cmp(&b.kind))
                .then(a.org.cmp(&b.org))
        });
    }
    let counts = counts(state, &standings.current_principals);
    let mut warnings = claim_warnings(&versions, current_v.n, &counts);
    warnings.extend(revoked_key_warnings(&versions));
    Ok(Audit {
        format: crate::report::formats::AUDIT.into(),
        keys: key_history(state, st),
        statement: stmt.to_string(),
        title: current_v.title.clone(),
        current_version: current_v.n,
        versions,
        current: standings.orgs.current,
        stale: standings.orgs.stale,
        withdrawn: standings.orgs.withdrawn,
        individuals: standings.people,
        counts,
        signon: signon_view(st),
        withdrawals: standings.withdrawals,
        warnings,
    })
}

/// Whether sign-on is open, its deadline, or the close in force.
pub fn signon_view(st: &StatementEntry) -> SignOnView {
    match st.closed() {
        Some(c) => SignOnView {
            open: false,
            deadline: None,
            closed_by: Some(c.commit.to_string()),
            closed_at: Some(c.at.clone()),
            reason: c.reason.clone(),
        },
        None => SignOnView {
            open: true,
            deadline: st.deadline().map(str::to_string),
            closed_by: None,
            closed_at: None,
            reason: None,
        },
    }
}

/// The signatories counted by kind and by country (`""` for none given).
pub fn counts(state: &State, endorsers: &[Principal]) -> Counts {
    let mut c = Counts::default();
    for who in endorsers {
        let country = state
            .principal(who)
            .and_then(|p| p.country.clone())
            .unwrap_or_default();
        let slot = c.by_country.entry(country).or_default();
        match kind_of(who) {
            Kind::Org => {
                c.organizations += 1;
                slot.organizations += 1;
            }
            Kind::Person => {
                c.individuals += 1;
                slot.individuals += 1;
            }
        }
    }
    c
}

/// Every version, without its endorsements yet.
fn version_views(st: &StatementEntry, text_of: &dyn Fn(u32) -> Option<String>) -> Vec<VersionView> {
    st.versions
        .iter()
        .map(|v| {
            let claims = text_of(v.n).map(|t| claims(&t)).unwrap_or_default();
            VersionView {
                version: v.n,
                title: v.title.clone(),
                text_sha256: v.text_sha256.clone(),
                lang: v.lang.clone(),
                translations: v.texts().into_iter().skip(1).collect(),
                author: format!("editor/{}", v.editor),
                time: v.created_at.clone(),
                commit: v.commit.to_string(),
                note: v.note.clone(),
                claimed_signatories: claims.organizations,
                claimed_individuals: claims.individuals,
                endorsements: Vec::new(),
            }
        })
        .collect()
}

/// Where each signatory that acted stands, organizations and individuals apart.
#[derive(Default)]
struct Standings {
    orgs: KindStandings,
    people: KindStandings,
    current_principals: Vec<Principal>,
    withdrawals: Vec<WithdrawalView>,
}

impl Standings {
    fn add(&mut self, state: &State, who: &Principal, acts: &[ActEntry], current: u32) {
        let lists = match who.role {
            Role::Person => &mut self.people,
            Role::Org | Role::Editor => &mut self.orgs,
        };
        let id = who.id.clone();
        match crate::state::standing(acts, current) {
            Some(Standing::Current) => {
                lists.current.push(id);
                self.current_principals.push(who.clone());
            }
            Some(Standing::Stale) => lists.stale.push(id),
            Some(Standing::Withdrawn) => {
                lists.withdrawn.push(id);
                if let Some(w) = acts.last() {
                    self.withdrawals.push(WithdrawalView {
                        org: who.id.clone(),
                        kind: kind_of(who),
                        name: state.name_of(who),
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

/// Versions whose text claims another number of organizations (or individuals) than endorse
/// it (the current version: now; an older one: ever).
fn claim_warnings(versions: &[VersionView], current: u32, now: &Counts) -> Vec<String> {
    let mut warnings = Vec::new();
    for v in versions {
        let claims = [
            (
                v.claimed_signatories,
                Kind::Org,
                now.organizations,
                "organizations",
            ),
            (
                v.claimed_individuals,
                Kind::Person,
                now.individuals,
                "individuals",
            ),
        ];
        for (claim, kind, endorsing_now, noun) in claims {
            let Some(claim) = claim else {
                continue;
            };
            let endorsed = v
                .endorsements
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| &e.org)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            if v.version == current {
                if usize::try_from(claim).ok() != Some(endorsing_now) {
                    warnings.push(format!(
                        "version {} (current) claims {claim} {noun}, but {endorsing_now} {noun} endorse it now",
                        v.version
                    ));
                }
            } else if usize::try_from(claim).ok() != Some(endorsed) {
                warnings.push(format!(
                    "version {} claims {claim} {noun}, but {endorsed} {noun} endorsed it",
                    v.version
                ));
            }
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

/// The key history of the signatories that acted on the statement, for those with more than
/// one key or a revoked key.
fn key_history(state: &State, st: &StatementEntry) -> Vec<KeyView> {
    let mut keys = Vec::new();
    for who in st.acts.keys() {
        let Some(entry) = state.principal(who) else {
            continue;
        };
        if entry.keys.len() < 2 && entry.keys.iter().all(|k| k.revoked.is_none()) {
            continue;
        }
        for k in &entry.keys {
            keys.push(KeyView {
                org: who.id.clone(),
                kind: kind_of(who),
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
fn key_revoked(state: &State, who: &Principal, a: &ActEntry) -> bool {
    let holder = match &a.attested_by {
        Some(editor) => state.editors.get(editor),
        None => state.principal(who),
    };
    holder
        .and_then(|p| p.keys.iter().find(|k| k.key.fingerprint == a.key))
        .is_some_and(|k| k.revoked.is_some())
}

/// The list of signatories whose endorsement of `version` is in force, organizations and
/// individuals apart, each in order of signing; with the text in `lang` (default: the
/// original), which `text_of(blob)` reads.
pub fn publication(
    state: &State,
    stmt: &str,
    version: Option<u32>,
    lang: Option<&str>,
    text_of: &dyn Fn(git2::Oid) -> Result<String>,
) -> Result<Publication> {
    let st = statement(state, stmt)?;
    let v = version.unwrap_or_else(|| st.current().map(|c| c.n).unwrap_or(1));
    let ver = st.version(v).ok_or_else(|| Error::UnknownVersion {
        stmt: stmt.to_string(),
        version: v,
        count: st.version_count(),
    })?;
    let (shown_sha, blob) = ver.text_in(lang).ok_or_else(|| Error::NoSuchLang {
        stmt: stmt.to_string(),
        version: v,
        lang: lang.unwrap_or_default().to_string(),
        known: match ver.langs() {
            l if l.is_empty() => "one text, in no named language".to_string(),
            l => l.join(", "),
        },
    })?;
    let text = text_of(blob)?;
    let mut rows: Vec<(&str, &Principal, Provenance)> = Vec::new();
    for (who, acts) in &st.acts {
        if let Some(a) = in_force(acts).iter().find(|a| a.version == Some(v)) {
            rows.push((&a.signed_at, who, a.provenance));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(b.1)));
    let list = |kind: Kind| -> Vec<Signatory> {
        rows.iter()
            .filter(|(_, who, _)| kind_of(who) == kind)
            .enumerate()
            .map(|(i, (_, who, p))| {
                let entry = state.principal(who);
                Signatory {
                    n: i + 1,
                    org: who.id.clone(),
                    kind,
                    name: state.name_of(who),
                    affiliation: entry.and_then(|e| e.affiliation.clone()),
                    country: entry.and_then(|e| e.country.clone()),
                    provenance: *p,
                }
            })
            .collect()
    };
    let (signatories, individuals) = (list(Kind::Org), list(Kind::Person));
    let listed: Vec<Principal> = rows.iter().map(|(_, w, _)| (*w).clone()).collect();
    let shown_lang = lang.map(str::to_string).or_else(|| ver.lang.clone());
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
        shown_sha256: (shown_sha != ver.text_sha256).then(|| shown_sha.to_string()),
        lang: shown_lang,
        texts: ver.texts(),
        text,
        count: signatories.len(),
        signatories,
        individual_count: individuals.len(),
        individuals,
        counts: counts(state, &listed),
    })
}

/// Renders a publication as plain text: the text, then a correctly numbered list with its count.
/// Ledger strings are escaped ([`crate::text`]): the list is for a terminal or a text file, and
/// a name must not be able to break a line or hide one.
pub fn render_publication(p: &Publication) -> String {
    let mut out = crate::text::escape_text(p.text.trim_end()).into_owned();
    let texts = if p.texts.is_empty() {
        format!("text sha256 {}", p.text_sha256)
    } else {
        let langs: Vec<String> = p
            .texts
            .iter()
            .map(|t| crate::text::escape_line(&t.lang).into_owned())
            .collect();
        format!(
            "texts in {}, each endorsement signing all of them; original sha256 {}",
            langs.join(", "),
            p.text_sha256
        )
    };
    out.push_str(&format!(
        "\n\nEndorsed by {} organization{} (version {}, {texts}):\n\n",
        p.count,
        if p.count == 1 { "" } else { "s" },
        p.version,
    ));
    list_lines(&mut out, &p.signatories);
    if !p.individuals.is_empty() {
        out.push_str(&format!(
            "\nand by {} individual{} (affiliations for identification only):\n\n",
            p.individual_count,
            if p.individual_count == 1 { "" } else { "s" }
        ));
        list_lines(&mut out, &p.individuals);
    }
    if p.signatories
        .iter()
        .chain(&p.individuals)
        .any(|s| s.provenance == Provenance::Attested)
    {
        out.push_str("\n* endorsement recorded by the coordinator on the signatory's behalf; the others are signed with the signatory's own key.\n");
    }
    out
}

/// One numbered list, its numbers right-aligned.
fn list_lines(out: &mut String, list: &[Signatory]) {
    let width = list.len().to_string().len();
    for s in list {
        let mark = if s.provenance == Provenance::Attested {
            " *"
        } else {
            ""
        };
        let name = crate::text::escape_line(&s.name);
        let affiliation = s
            .affiliation
            .as_ref()
            .map(|a| format!(", {}", crate::text::escape_line(a)))
            .unwrap_or_default();
        out.push_str(&format!("{:>width$}. {name}{affiliation}{mark}\n", s.n));
    }
}

/// What a text says about its signatories: how many organizations and how many individuals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Claims {
    /// "On behalf of 28 organizations".
    pub organizations: Option<u32>,
    /// "… and 112 individuals".
    pub individuals: Option<u32>,
}

/// The numbers of organizations and of individuals a text says it speaks for ("On behalf of
/// 28 organizations and 112 individuals"). The first phrase of each kind counts.
pub fn claims(text: &str) -> Claims {
    Claims {
        organizations: claimed_signatories(text),
        individuals: claimed(text, INDIVIDUAL_NOUNS),
    }
}

/// Nouns that count individuals.
const INDIVIDUAL_NOUNS: &[&str] = &["individuals", "individual", "people", "persons"];

/// The number of organizations a text says it speaks for: "On behalf of 28 organizations",
/// "signed by twenty-eight organisations", "28 NGOs". The first such phrase counts.
pub fn claimed_signatories(text: &str) -> Option<u32> {
    claimed(text, ORG_NOUNS)
}

const ORG_NOUNS: &[&str] = &[
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

/// The number standing before the first of `nouns` in `text`.
fn claimed(text: &str, nouns: &[&str]) -> Option<u32> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';' | ':' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    for (i, w) in words.iter().enumerate().skip(1) {
        let noun = nouns
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
        assert_eq!(
            claims("On behalf of 28 organizations and 112 individuals"),
            Claims {
                organizations: Some(28),
                individuals: Some(112)
            }
        );
        assert_eq!(
            claims("signed by forty people and 3 organisations"),
            Claims {
                organizations: Some(3),
                individuals: Some(40)
            }
        );
        assert_eq!(claims("On behalf of 28 organizations").individuals, None);
        assert_eq!(number("seven"), Some(7));
        assert_eq!(number("twenty-ten"), None);
    }
}
