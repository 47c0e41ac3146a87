//! The pages: askama templates (`src/publish/templates/`) filled from [`StatementData`]. The
//! templates escape every value for HTML; the data block is JSON made safe for a `<script>`
//! element by [`json_for_script`]; the one stylesheet and the one script are inline and
//! allowed by their sha256 in the page's Content-Security-Policy, which allows nothing else.

use super::model::{Entry, Key, Part, StatementData, Version};
use super::PublishError;
use crate::audit::human_time;
use crate::diff::{word_diff, Change};
use askama::Template;
use base64ct::Encoding;
use sha2::{Digest, Sha256};

/// The page's script, checked in the reader's browser.
pub const VERIFY_JS: &str = include_str!("assets/verify.js");
/// The pages' stylesheet (screen, phone and print).
pub const STYLE_CSS: &str = include_str!("assets/style.css");

/// `<meta name="generator">` of every page publish writes; publish replaces only files that
/// carry it.
pub const GENERATOR_TAG: &str = "undersigned publish";

/// JSON of `value` that can stand inside a `<script>` element: `<`, `>` and `&` become `\u003c`,
/// `\u003e`, `\u0026` (so neither `</script>` nor `<!--` can end or change the element), and
/// U+2028/U+2029 become `\u2028`/`\u2029`. These characters only occur inside JSON strings,
/// where the escapes mean the same, so `JSON.parse` gives back the same value.
pub fn json_for_script<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("plain data always serializes");
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `'sha256-…'`, a CSP source allowing the inline element whose content is `text`.
pub fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64ct::Base64::encode_string(&Sha256::digest(text.as_bytes()))
    )
}

/// The Content-Security-Policy of a page: nothing from anywhere (`default-src 'none'`), the
/// inline stylesheet and (on statement pages) the inline script by their hashes, no forms, no
/// `<base>`. Works from `file://` as from a host, since hashes name content, not origins.
pub fn csp(with_script: bool) -> String {
    let script = if with_script {
        csp_hash(VERIFY_JS)
    } else {
        "'none'".to_string()
    };
    format!(
        "default-src 'none'; script-src {script}; style-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE_CSS)
    )
}

struct EntryView<'a> {
    e: &'a Entry,
    /// Recorded by an editor: the key is the editor's.
    attested: bool,
    id: String,
    how: String,
    time: String,
    commit_short: &'a str,
    href: Option<&'a str>,
    public_key: &'a str,
    registered: String,
    /// The page's checkpoint number, for entries it includes.
    checkpoint: u32,
}

/// One text of the current version, for the language switcher.
struct LangView<'a> {
    lang: &'a str,
    text: &'a str,
    sha256: &'a str,
    original: bool,
}

/// The current version's texts in every language (none when it names no language).
fn languages(current: &Version) -> Vec<LangView<'_>> {
    let Some(lang) = &current.lang else {
        return Vec::new();
    };
    std::iter::once(LangView {
        lang,
        text: &current.text,
        sha256: &current.text_sha256,
        original: true,
    })
    .chain(current.translations.iter().map(|t| LangView {
        lang: &t.lang,
        text: &t.text,
        sha256: &t.text_sha256,
        original: false,
    }))
    .collect()
}

/// The current endorsers by country, as the page's table shows them.
fn countries(d: &StatementData) -> Vec<(String, usize, usize)> {
    d.counts
        .by_country
        .iter()
        .map(|(c, k)| {
            let name = if c.is_empty() {
                "(no country given)".to_string()
            } else {
                c.clone()
            };
            (name, k.organizations, k.individuals)
        })
        .collect()
}

struct Seg {
    text: String,
    added: bool,
    removed: bool,
    /// An unchanged run left out.
    gap: bool,
}

struct VersionView<'a> {
    v: &'a Version,
    current: bool,
    time: String,
    commit_short: &'a str,
    diff: Option<Vec<Seg>>,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage<'a> {
    d: &'a StatementData,
    current: &'a Version,
    /// The first page holds the text and the version history.
    first: bool,
    page: usize,
    pages: usize,
    nav: Vec<PageLink>,
    /// Number of the first signatory on this page.
    sig_start: usize,
    /// Number of the first individual on this page.
    ind_start: usize,
    count_warning: Option<String>,
    other_warnings: Vec<&'a str>,
    signatories: Vec<EntryView<'a>>,
    individuals: Vec<EntryView<'a>>,
    /// `(country, organizations, individuals)` of the current endorsers.
    countries: Vec<(String, usize, usize)>,
    /// The current version's texts, the original first: `(lang, text, sha256, original)`.
    languages: Vec<LangView<'a>>,
    /// The announced deadline, for people.
    deadline: Option<String>,
    stale: Vec<EntryView<'a>>,
    withdrawn: Vec<EntryView<'a>>,
    versions: Vec<VersionView<'a>>,
    clone_url: &'a str,
    head_time: String,
    generated_at: String,
    json: String,
    csp: String,
    generator_tag: &'static str,
    style: &'static str,
    script: &'static str,
    /// The checkpoint's witnesses for people: name, slug, the time their cosignature states.
    witnesses: Vec<(String, String, String)>,
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

/// Only web addresses become links (the verifier allows no others in a ledger; this keeps a
/// `javascript:` address from ever becoming one).
fn web_href(url: Option<&String>) -> Option<&str> {
    url.map(String::as_str)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
}

fn entry_view<'a>(d: &'a StatementData, e: &'a Entry, id: String, kind: &str) -> EntryView<'a> {
    let r = &e.record;
    let attested = r.provenance == crate::record::Provenance::Attested;
    let coordinator = e.attested_by_name.as_deref().unwrap_or("the coordinator");
    let how = match (kind, attested) {
        ("withdrawn", false) => "withdrew, signed with its own key".to_string(),
        ("withdrawn", true) => format!(
            "withdrawal recorded by the coordinator ({coordinator}) from evidence (sha256 {})",
            r.evidence_sha256.as_deref().unwrap_or("?")
        ),
        (_, false) => "signed with its own key".to_string(),
        (_, true) => format!(
            "recorded by the coordinator ({coordinator}) from evidence (sha256 {})",
            r.evidence_sha256.as_deref().unwrap_or("?")
        ),
    };
    let how = match (kind, r.version) {
        ("stale", Some(v)) => format!("endorses version {v} only; {how}"),
        _ => how,
    };
    let how = if e.key_revoked_later {
        format!("{how} (that key was revoked later)")
    } else {
        how
    };
    let key: Option<&Key> = d.key(&r.key);
    let registered = match key {
        Some(k) => {
            let mut s = format!(
                "registered to {} by {} in commit {}",
                k.principal, k.added_by, k.commit
            );
            if let Some(rv) = &k.revoked {
                s.push_str(&format!(
                    "; revoked by {} in commit {}: {}",
                    rv.by, rv.commit, rv.reason
                ));
            } else if !k.in_force {
                s.push_str("; since replaced by a newer key");
            }
            s
        }
        None => "not on this page".to_string(),
    };
    EntryView {
        e,
        attested,
        id,
        how,
        time: human_time(&r.signed_at),
        commit_short: short(&e.commit),
        href: web_href(e.url.as_ref()),
        public_key: key.map_or("", |k| k.public_key.as_str()),
        registered,
        checkpoint: d.log.as_ref().map_or(0, |l| l.seq),
    }
}

fn entries<'a>(
    d: &'a StatementData,
    list: &'a [Entry],
    prefix: &str,
    kind: &str,
) -> Vec<EntryView<'a>> {
    list.iter()
        .map(|e| entry_view(d, e, format!("{prefix}-{}", e.n), kind))
        .collect()
}

/// Unchanged runs longer than this are shortened to their ends in a diff, so a one-word
/// revision of a long text shows where it is.
const DIFF_CONTEXT: usize = 240;

/// The first `n` bytes of `s` or a little less, cut after whitespace.
fn head_of(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    match s[..end].rfind(char::is_whitespace) {
        Some(i) if i > 0 => &s[..=i],
        _ => &s[..end],
    }
}

/// The last `n` bytes of `s` or a little less, cut before whitespace.
fn tail_of(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    match s[start..].find(char::is_whitespace) {
        Some(i) => &s[start + i..],
        None => &s[start..],
    }
}

fn diff_view(old: &str, new: &str) -> Vec<Seg> {
    let segments = word_diff(old, new);
    let last = segments.len().saturating_sub(1);
    let mut out = Vec::with_capacity(segments.len() + 2);
    let seg = |text: &str, added, removed, gap| Seg {
        text: text.to_string(),
        added,
        removed,
        gap,
    };
    for (i, s) in segments.into_iter().enumerate() {
        match s.change {
            Change::Same if s.text.len() > 3 * DIFF_CONTEXT => {
                let head = if i > 0 {
                    head_of(&s.text, DIFF_CONTEXT)
                } else {
                    ""
                };
                let tail = if i < last {
                    tail_of(&s.text, DIFF_CONTEXT)
                } else {
                    ""
                };
                let skipped = s.text.len() - head.len() - tail.len();
                out.push(seg(head, false, false, false));
                out.push(seg(
                    &format!("[… {skipped} bytes unchanged …]"),
                    false,
                    false,
                    true,
                ));
                out.push(seg(tail, false, false, false));
            }
            c => out.push(Seg {
                added: c == Change::Added,
                removed: c == Change::Removed,
                gap: false,
                text: s.text,
            }),
        }
    }
    out.retain(|s| !s.text.is_empty());
    out
}

struct PageLink {
    href: String,
    label: String,
    current: bool,
}

/// The file name of page `n` (from 1) of a statement.
pub fn page_file(n: usize) -> String {
    if n <= 1 {
        "index.html".to_string()
    } else {
        format!("page-{n}.html")
    }
}

/// The statement's pages: `index.html`, and when its lists hold more than `per_page` entries
/// (signatories, stale and withdrawn together), `page-2.html`… each with the next entries and
/// the data to check them. Returns (file name, HTML) pairs.
/// The data of one page of a statement split over `pages`: the entries in its ranges and the
/// keys they use.
fn part_of(d: &StatementData, r: &Ranges, page: usize, pages: usize) -> StatementData {
    let mut p = d.clone();
    p.signatories = d.signatories[r.orgs.clone()].to_vec();
    p.individuals = d.individuals[r.people.clone()].to_vec();
    p.stale = d.stale[r.stale.clone()].to_vec();
    p.withdrawn = d.withdrawn[r.withdrawn.clone()].to_vec();
    let used: std::collections::BTreeSet<&str> = p
        .signatories
        .iter()
        .chain(&p.individuals)
        .chain(&p.stale)
        .chain(&p.withdrawn)
        .map(|e| e.record.key.as_str())
        .collect();
    p.keys.retain(|k| used.contains(k.fingerprint.as_str()));
    p.part = Some(Part {
        page,
        pages,
        signatories: d.signatories.len(),
        individuals: d.individuals.len(),
        stale: d.stale.len(),
        withdrawn: d.withdrawn.len(),
    });
    p
}

/// The part of each list one page holds.
struct Ranges {
    orgs: std::ops::Range<usize>,
    people: std::ops::Range<usize>,
    stale: std::ops::Range<usize>,
    withdrawn: std::ops::Range<usize>,
}

/// The version history, newest first, each with its word diff to the one before.
fn version_views(d: &StatementData) -> Vec<VersionView<'_>> {
    let mut versions: Vec<VersionView<'_>> = d
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| VersionView {
            v,
            current: v.version == d.current_version,
            time: human_time(&v.created_at),
            commit_short: short(&v.commit),
            diff: i
                .checked_sub(1)
                .map(|prev| diff_view(&d.versions[prev].text, &v.text)),
        })
        .collect();
    versions.reverse();
    versions
}

/// The links between the pages of a long list.
fn page_links(pages: usize, page: usize, per_page: usize, total: usize) -> Vec<PageLink> {
    (1..=pages)
        .map(|n| {
            let (a, b) = ((n - 1) * per_page + 1, (n * per_page).min(total));
            PageLink {
                href: page_file(n),
                label: format!("{a}–{b}"),
                current: n == page,
            }
        })
        .collect()
}

pub fn statement_pages(
    d: &StatementData,
    per_page: usize,
) -> Result<Vec<(String, String)>, PublishError> {
    let current = d.current().ok_or_else(|| PublishError::Record {
        path: d.statement.clone(),
        why: "no current version".into(),
    })?;
    let per_page = per_page.max(1);
    let (ns, np, nst, nw) = (
        d.signatories.len(),
        d.individuals.len(),
        d.stale.len(),
        d.withdrawn.len(),
    );
    let total = ns + np + nst + nw;
    let pages = total.div_ceil(per_page).max(1);
    // The audit's word on the current version's claim says what the count warning says.
    let count_warning = match (d.count_warning(), d.individual_count_warning()) {
        (Some(a), Some(b)) => Some(format!("{a} And {b}")),
        (a, b) => a.or(b),
    };
    let covered = format!("version {} (current) claims", d.current_version);
    let other_warnings: Vec<&str> = d
        .warnings
        .iter()
        .filter(|w| count_warning.is_none() || !w.starts_with(&covered))
        .map(String::as_str)
        .collect();
    let mut out = Vec::with_capacity(pages);
    for page in 1..=pages {
        let (from, to) = ((page - 1) * per_page, (page * per_page).min(total));
        // The part of each list within [from, to) of organizations ++ individuals ++ stale ++
        // withdrawn.
        let cut = |offset: usize, len: usize| {
            let a = from.clamp(offset, offset + len) - offset;
            let b = to.clamp(offset, offset + len) - offset;
            a..b
        };
        let r = Ranges {
            orgs: cut(0, ns),
            people: cut(ns, np),
            stale: cut(ns + np, nst),
            withdrawn: cut(ns + np + nst, nw),
        };
        let part_data;
        let data = if pages == 1 {
            d
        } else {
            part_data = part_of(d, &r, page, pages);
            &part_data
        };
        let first = page == 1;
        let versions = if first { version_views(d) } else { Vec::new() };
        let nav = if pages == 1 {
            Vec::new()
        } else {
            page_links(pages, page, per_page, total)
        };
        let html = StatementPage {
            d,
            current,
            first,
            page,
            pages,
            nav,
            sig_start: r.orgs.start + 1,
            ind_start: r.people.start + 1,
            count_warning: count_warning.clone(),
            other_warnings: other_warnings.clone(),
            signatories: entries(d, &d.signatories[r.orgs.clone()], "sig", "signatory"),
            individuals: entries(d, &d.individuals[r.people.clone()], "ind", "signatory"),
            stale: entries(d, &d.stale[r.stale.clone()], "stale", "stale"),
            withdrawn: entries(d, &d.withdrawn[r.withdrawn.clone()], "wd", "withdrawn"),
            countries: countries(d),
            languages: languages(current),
            deadline: d.signon.deadline.as_deref().map(human_time),
            versions,
            clone_url: d.ledger.clone_url.as_deref().unwrap_or("URL"),
            head_time: human_time(&d.ledger.head_time),
            generated_at: human_time(&d.generated_at),
            json: json_for_script(data),
            csp: csp(true),
            generator_tag: GENERATOR_TAG,
            style: STYLE_CSS,
            script: VERIFY_JS,
            witnesses: d
                .log
                .iter()
                .flat_map(|l| &l.witnesses)
                .map(|w| {
                    let t = crate::timefmt::format_secs(i64::try_from(w.time).unwrap_or(0));
                    (w.name.clone(), w.org.clone(), t)
                })
                .collect(),
        }
        .render()
        .map_err(|source| PublishError::Render {
            what: "the statement page",
            source,
        })?;
        out.push((page_file(page), html));
    }
    Ok(out)
}

struct IndexItem<'a> {
    href: String,
    title: &'a str,
    version: u32,
    count: usize,
    warn: bool,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    name: &'a str,
    ledger_id: &'a str,
    head: &'a str,
    head_time: String,
    generated_at: String,
    clone_url: Option<&'a str>,
    statements: Vec<IndexItem<'a>>,
    generator: &'a str,
    csp: String,
    generator_tag: &'static str,
    style: &'static str,
}

/// The site's index (`DIR/index.html`): the statements published, with links to their pages.
/// `pages` come from one ledger head.
pub fn index_page(pages: &[StatementData]) -> Result<String, PublishError> {
    let first = pages.first().ok_or_else(|| PublishError::Record {
        path: "index".into(),
        why: "no statement to publish".into(),
    })?;
    let page = IndexPage {
        name: &first.ledger.name,
        ledger_id: &first.ledger.id,
        head: &first.ledger.head,
        head_time: human_time(&first.ledger.head_time),
        generated_at: human_time(&first.generated_at),
        clone_url: first.ledger.clone_url.as_deref(),
        statements: pages
            .iter()
            .map(|d| IndexItem {
                href: format!("{}/index.html", d.statement),
                title: &d.title,
                version: d.current_version,
                count: d.signatories.len(),
                warn: d.count_warning().is_some(),
            })
            .collect(),
        generator: &first.generator,
        csp: csp(false),
        generator_tag: GENERATOR_TAG,
        style: STYLE_CSS,
    };
    page.render().map_err(|source| PublishError::Render {
        what: "the index page",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_script_cannot_end_the_element_and_reads_back() {
        let value = serde_json::json!({
            "name": "</script><script>alert(1)</script> <!-- & \u{2028}\u{2029} é",
        });
        let out = json_for_script(&value);
        for c in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!out.contains(c), "{out}");
        }
        assert!(out.contains("\\u003c/script\\u003e"));
        assert!(out.contains('é'), "other characters stay as they are");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn inline_assets_stay_inside_their_elements() {
        assert!(!VERIFY_JS.to_ascii_lowercase().contains("</script"));
        assert!(!VERIFY_JS.contains("<!--"));
        assert!(!STYLE_CSS.to_ascii_lowercase().contains("</style"));
        // Nothing that fetches: the page loads nothing from anywhere.
        for word in [
            "fetch(",
            "XMLHttpRequest",
            "import(",
            "url(",
            "@import",
            "eval(",
        ] {
            assert!(
                !VERIFY_JS.contains(word) && !STYLE_CSS.contains(word),
                "{word}"
            );
        }
    }

    #[test]
    fn the_policy_allows_only_the_inline_assets() {
        let policy = csp(true);
        assert!(policy.starts_with("default-src 'none'; script-src 'sha256-"));
        assert!(policy.contains(&csp_hash(VERIFY_JS)));
        assert!(policy.contains(&csp_hash(STYLE_CSS)));
        assert!(!policy.contains("unsafe"));
        assert!(csp(false).contains("script-src 'none'"));
        // sha256 of "abc", base64.
        assert_eq!(
            csp_hash("abc"),
            "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
        );
    }

    #[test]
    fn long_unchanged_runs_are_shortened_in_diffs() {
        let long = "word ".repeat(400);
        let old = format!("{long}old {long}");
        let new = format!("{long}new {long}");
        let segs = diff_view(&old, &new);
        let gaps = segs.iter().filter(|s| s.gap).count();
        assert_eq!(gaps, 2, "before and after the change");
        assert!(segs.iter().any(|s| s.removed && s.text == "old"));
        assert!(segs.iter().any(|s| s.added && s.text == "new"));
        let shown: usize = segs.iter().filter(|s| !s.gap).map(|s| s.text.len()).sum();
        assert!(shown < 2 * DIFF_CONTEXT + 20, "{shown}");
        // Short texts are shown whole.
        assert!(diff_view("a b c", "a x c").iter().all(|s| !s.gap));
    }
}
