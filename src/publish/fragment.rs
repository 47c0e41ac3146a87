//! One statement's text and numbered list for pasting elsewhere: `show --format markdown` and
//! `show --format html` (a fragment, no page around it), and the lines plain `show` adds.

use super::model::count_warning;
use super::PublishError;
use crate::audit::claims;
use crate::report::Publication;
use crate::report::Report;
use crate::state::State;
use askama::Template;

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Position, from 1.
    pub n: usize,
    /// Display name.
    pub name: String,
    /// Web site, when registered (http or https only).
    pub url: Option<String>,
    /// Country code, when registered.
    pub country: Option<String>,
    /// An individual's affiliation, for identification only.
    pub affiliation: Option<String>,
    /// Recorded by an editor from evidence.
    pub attested: bool,
}

/// What a fragment shows: a version's text and its signatories, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Statement slug.
    pub statement: String,
    /// Title of the version.
    pub title: String,
    /// Version shown.
    pub version: u32,
    /// Number of versions.
    pub versions: u32,
    /// The exact text.
    pub text: String,
    /// Its sha256.
    pub text_sha256: String,
    /// The numbered list of organizations.
    pub signatories: Vec<Row>,
    /// The numbered list of individuals.
    pub individuals: Vec<Row>,
    /// The text claims another number of signatories than listed.
    pub count_warning: Option<String>,
    /// Ledger id.
    pub ledger_id: String,
    /// Head commit.
    pub head: String,
}

/// The fragment of a publication (`audit::publication`) of a replayed ledger.
pub fn fragment(state: &State, report: &Report, p: &Publication) -> Fragment {
    Fragment {
        statement: p.statement.clone(),
        title: p.title.clone(),
        version: p.version,
        versions: state
            .statements
            .get(&p.statement)
            .map_or(0, |s| s.versions.len() as u32),
        text: p.text.clone(),
        text_sha256: p.text_sha256.clone(),
        signatories: p.signatories.iter().map(|s| row(state, s)).collect(),
        individuals: p.individuals.iter().map(|s| row(state, s)).collect(),
        count_warning: {
            let claims = claims(&p.text);
            let people = claims
                .individuals
                .filter(|c| *c as usize != p.individual_count)
                .map(|c| {
                    format!(
                        "the text says it speaks for {c} individuals, but {} endorse this version.",
                        p.individual_count
                    )
                });
            match (count_warning(claims.organizations, p.count), people) {
                (Some(a), Some(b)) => Some(format!("{a} And {b}")),
                (a, b) => a.or(b),
            }
        },
        ledger_id: report.ledger_id.clone(),
        head: report.head.clone(),
    }
}

/// One line of a list: what the registry says of the signatory.
fn row(state: &State, s: &crate::report::Signatory) -> Row {
    let who = match s.kind {
        crate::record::Kind::Org => crate::ids::Principal::org(&s.org),
        crate::record::Kind::Person => crate::ids::Principal::person(&s.org),
    };
    let entry = state.principal(&who);
    Row {
        n: s.n,
        name: s.name.clone(),
        url: entry
            .and_then(|o| o.url.clone())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        country: entry.and_then(|o| o.country.clone()),
        affiliation: s.affiliation.clone(),
        attested: s.provenance == crate::record::Provenance::Attested,
    }
}

/// The lines plain `show` prints after the list: title, ledger id and head, the count warning.
pub fn plain_footer(f: &Fragment) -> String {
    let mut out = format!(
        "\nStatement: {} ({}), version {} of {}\nLedger: {} at head {}\n",
        f.title, f.statement, f.version, f.versions, f.ledger_id, f.head
    );
    if let Some(w) = &f.count_warning {
        out.push_str(&format!("WARNING: {w}\n"));
    }
    out
}

/// Escapes text for Markdown (CommonMark and GitHub's): characters that would start emphasis,
/// links, code, HTML or entities are backslash-escaped, so the text reads as written.
fn md_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line of text that must not start a Markdown block (heading, quote, list, rule, code).
fn md_line(line: &str) -> String {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    // Leading spaces as entities: four of them would start a code block.
    let mut out = "&#32;".repeat(indent);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let escaped = md_inline(rest);
    if rest.starts_with(['#', '-', '+', '=']) {
        out.push('\\');
        out.push_str(&escaped);
    } else if digits > 0 && rest[digits..].starts_with(['.', ')']) {
        out.push_str(&escaped[..digits]);
        out.push('\\');
        out.push_str(&escaped[digits..]);
    } else {
        out.push_str(&escaped);
    }
    out
}

/// A web address inside `[name](…)`: characters that would end it are percent-encoded.
fn md_url(u: &str) -> String {
    u.replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace(' ', "%20")
}

/// Paragraphs of a text (split at blank lines), each a list of lines.
fn paragraphs(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(line.trim_end());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `show --format markdown`: the title, the text (line breaks kept), the numbered list.
pub fn markdown(f: &Fragment) -> String {
    let mut out = format!("## {}\n\n", md_inline(&f.title));
    for p in paragraphs(&f.text) {
        let lines: Vec<String> = p.iter().map(|l| md_line(l)).collect();
        // A backslash at the end of a line is a hard line break.
        out.push_str(&lines.join("\\\n"));
        out.push_str("\n\n");
    }
    let n = f.signatories.len();
    out.push_str(&format!(
        "**Endorsed by {n} organization{}** (version {}, text sha256 `{}`):\n\n",
        if n == 1 { "" } else { "s" },
        f.version,
        f.text_sha256
    ));
    for s in &f.signatories {
        let name = match &s.url {
            Some(u) => format!("[{}]({})", md_inline(&s.name), md_url(u)),
            None => md_inline(&s.name),
        };
        let country = s
            .country
            .as_ref()
            .map(|c| format!(" ({})", md_inline(c)))
            .unwrap_or_default();
        let mark = if s.attested { " \\*" } else { "" };
        out.push_str(&format!("{}. {name}{country}{mark}\n", s.n));
    }
    if !f.individuals.is_empty() {
        let n = f.individuals.len();
        out.push_str(&format!(
            "\n**And by {n} individual{}** (affiliations for identification only):\n\n",
            if n == 1 { "" } else { "s" }
        ));
        for s in &f.individuals {
            let affiliation = s
                .affiliation
                .as_ref()
                .map(|a| format!(", {}", md_inline(a)))
                .unwrap_or_default();
            let mark = if s.attested { " \\*" } else { "" };
            out.push_str(&format!(
                "{}. {}{affiliation}{mark}\n",
                s.n,
                md_inline(&s.name)
            ));
        }
    }
    if f.signatories
        .iter()
        .chain(&f.individuals)
        .any(|s| s.attested)
    {
        out.push_str("\n\\* endorsement recorded by the coordinator on the organization's behalf, from evidence; the others are signed with the organization's own key.\n");
    }
    if let Some(w) = &f.count_warning {
        out.push_str(&format!("\n**Warning:** {}\n", md_inline(w)));
    }
    out.push_str(&format!(
        "\nLedger `{}`, head `{}`. Verify: `undersigned clone URL --trust {}`.\n",
        f.ledger_id, f.head, f.ledger_id
    ));
    out
}

#[derive(Template)]
#[template(path = "fragment.html")]
struct FragmentHtml<'a> {
    f: &'a Fragment,
    paragraphs: Vec<Vec<&'a str>>,
    any_attested: bool,
}

/// `show --format html`: a `<section>` to paste into a page (no styles, no script).
pub fn html(f: &Fragment) -> Result<String, PublishError> {
    FragmentHtml {
        f,
        paragraphs: paragraphs(&f.text),
        any_attested: f
            .signatories
            .iter()
            .chain(&f.individuals)
            .any(|s| s.attested),
    }
    .render()
    .map_err(|source| PublishError::Render {
        what: "the HTML fragment",
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Fragment {
        Fragment {
            statement: "s".into(),
            title: "A *bold* title".into(),
            version: 1,
            versions: 1,
            text: "Line one\nline two <b>\n\n1. Not a list\n    # not code\n".into(),
            text_sha256: "ab".repeat(32),
            signatories: vec![
                Row {
                    n: 1,
                    name: "<script>alert(1)</script>".into(),
                    url: Some("https://x.example/a(b)".into()),
                    country: Some("FR".into()),
                    affiliation: None,
                    attested: false,
                },
                Row {
                    n: 2,
                    name: "Mail [Only]".into(),
                    url: None,
                    country: None,
                    affiliation: None,
                    attested: true,
                },
            ],
            individuals: Vec::new(),
            count_warning: count_warning(Some(3), 2),
            ledger_id: "1".repeat(40),
            head: "2".repeat(40),
        }
    }

    #[test]
    fn markdown_escapes_what_would_be_markup() {
        let md = markdown(&sample());
        assert!(md.starts_with("## A \\*bold\\* title\n\n"), "{md}");
        assert!(md.contains("Line one\\\nline two \\<b\\>\n\n"), "{md}");
        assert!(md.contains("1\\. Not a list"), "{md}");
        assert!(md.contains("&#32;&#32;&#32;&#32;\\# not code"), "{md}");
        assert!(
            md.contains(
                "1. [\\<script\\>alert(1)\\</script\\>](https://x.example/a%28b%29) (FR)\n"
            ),
            "{md}"
        );
        assert!(md.contains("2. Mail \\[Only\\] \\*\n"), "{md}");
        assert!(
            md.contains("**Warning:** the text says it speaks for 3"),
            "{md}"
        );
        assert!(md.contains(&"1".repeat(40)));
    }

    #[test]
    fn html_fragment_escapes_every_value() {
        let h = html(&sample()).unwrap();
        assert!(h.starts_with("<section class=\"undersigned-statement\">"));
        assert!(!h.contains("<script>"), "{h}");
        assert!(
            h.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{h}"
        );
        assert!(
            h.contains("<p>Line one<br>\nline two &#60;b&#62;</p>"),
            "{h}"
        );
        assert!(
            h.contains("<ol>\n<li><a href=\"https://x.example/a(b)\">"),
            "{h}"
        );
        assert!(h.contains("Mail [Only] *</li>"), "{h}");
        assert!(h.contains("Endorsed by 2 organizations"), "{h}");
        assert!(h.contains("<strong>Warning:</strong>"), "{h}");
    }
}
