//! The rules of statement versions: numbered in sequence, each with its texts beside it (the
//! original and, in format 2, its translations, each named with its language by the record),
//! every text acceptable and hashed as the record says, the version different from the one
//! before in at least one text, written by the editor who signs the commit.
//!
//! A version's texts are written once, with its record: adding a translation makes a new
//! version (`statement translate`), so an endorsement of an earlier version never comes to
//! cover a text its signatory did not sign.

use super::commit::{Context, File, Texts};
use super::fields::{self, Field};
use super::{decode, needs_format};
use crate::ids::Principal;
use crate::layout;
use crate::record::{self, VersionRecord};
use crate::report::{Broken, Rule};
use crate::state::{Change, State, TranslationEntry, VersionEntry};
use git2::Oid;

/// Version `n` of statement `stmt` (its record in `f`, its text in `text`).
pub fn check_version(
    state: &State,
    f: &File,
    (stmt, n): (&str, u32),
    texts: &Texts<'_>,
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    let text = texts.get(&(stmt, n, None)).copied();
    let signer = ctx.signer;
    let existing = state
        .statements
        .get(stmt)
        .map(|s| s.version_count())
        .unwrap_or(0);
    if Some(n) != existing.checked_add(1) {
        return Err(Broken::new(
            Rule::Sequence,
            format!(
                "version {n} of statement {stmt}, expected version {}",
                existing.saturating_add(1)
            ),
        ));
    }
    let Some(text) = text else {
        return Err(Broken::new(
            Rule::Record,
            format!(
                "version record without its text {}",
                layout::version_text(stmt, n)
            ),
        ));
    };
    let r: VersionRecord = decode(f)?;
    if r.statement != stmt || r.version != n {
        return Err(Broken::new(
            Rule::Record,
            format!(
                "record is for {} version {}, but lies at the path of {stmt} version {n}",
                r.statement, r.version
            ),
        ));
    }
    let sha = hashed_text(text, &layout::version_text(stmt, n), &r.text_sha256)?;
    let translations = check_translations(state, &r, (stmt, n), texts)?;
    if let Some(prev) = state.statements.get(stmt).and_then(|s| s.current()) {
        let same = prev.text_sha256 == sha
            && prev.lang == r.lang
            && prev
                .translations
                .iter()
                .map(|t| (&t.lang, &t.text_sha256))
                .eq(r.translations.iter().map(|t| (&t.lang, &t.text_sha256)));
        if same {
            return Err(Broken::new(
                Rule::Record,
                format!("version {n} has the same texts as version {}", prev.n),
            ));
        }
    }
    fields::in_record(Field::Title, fields::check_line(Field::Title, &r.title))?;
    if let Some(note) = &r.note {
        fields::in_record(Field::Note, fields::check_line(Field::Note, note))?;
    }
    fields::record_time("created_at", &r.created_at, ctx.time)?;
    if let Some(s) = signer {
        if Principal::editor(&r.editor) != *s {
            return Err(Broken::new(
                Rule::Record,
                format!("editor is {:?} but the commit is signed by {s}", r.editor),
            ));
        }
    }
    Ok(Change::Version {
        stmt: stmt.to_string(),
        entry: VersionEntry {
            n,
            title: r.title,
            text_sha256: sha,
            editor: r.editor,
            note: r.note,
            created_at: r.created_at,
            commit: Oid::ZERO_SHA1,
            text_blob: text.blob,
            lang: r.lang,
            translations,
        },
    })
}

/// A text file checked as a statement text and hashed, against the sha256 its record gives.
fn hashed_text(text: &File, path: &str, claimed: &str) -> Result<String, Broken> {
    let bytes = text.bytes.as_ref().map_err(Clone::clone)?;
    fields::check_text(bytes).map_err(|why| Broken::new(Rule::Record, format!("{path}: {why}")))?;
    let sha = record::sha256_hex(bytes);
    if claimed != sha {
        return Err(Broken::new(
            Rule::Record,
            format!("{path}: the record gives sha256 {claimed} but the text's sha256 is {sha}"),
        ));
    }
    Ok(sha)
}

/// The languages of a version (format 2): the original's tag, required when there are
/// translations; the translations in ascending order of tag, none twice nor in the original's
/// language, each file present and hashed as the record says; and no translation file the
/// record does not name.
fn check_translations(
    state: &State,
    r: &VersionRecord,
    (stmt, n): (&str, u32),
    texts: &Texts<'_>,
) -> Result<Vec<TranslationEntry>, Broken> {
    let bad = |why: String| Broken::new(Rule::Record, why);
    for (_, _, lang) in texts
        .keys()
        .filter(|(s, m, l)| *s == stmt && *m == n && l.is_some())
    {
        let lang = lang.unwrap_or_default();
        if !r.translations.iter().any(|t| t.lang == lang) {
            return Err(bad(format!(
                "{} is not a translation the record of version {n} names",
                layout::translation_text(stmt, n, lang)
            )));
        }
    }
    if r.lang.is_none() && r.translations.is_empty() {
        return Ok(Vec::new());
    }
    needs_format(state, "a version that names its languages")?;
    let Some(original) = &r.lang else {
        return Err(bad(
            "a version with translations names the language of its original (lang)".into(),
        ));
    };
    if !record::is_lang(original) {
        return Err(bad(format!(
            "lang {original:?} is not a language tag in lower case such as \"en\" or \"pt-br\""
        )));
    }
    let mut out = Vec::with_capacity(r.translations.len());
    let mut before: Option<&str> = None;
    for t in &r.translations {
        if !record::is_lang(&t.lang) || t.lang == *original {
            return Err(bad(format!(
                "translation language {:?} is not a lower-case tag other than the original's ({original})",
                t.lang
            )));
        }
        if before.is_some_and(|b| b >= t.lang.as_str()) {
            return Err(bad(
                "translations are listed once each, in ascending order of language tag".into(),
            ));
        }
        before = Some(&t.lang);
        let path = layout::translation_text(stmt, n, &t.lang);
        let file = texts
            .get(&(stmt, n, Some(t.lang.as_str())))
            .ok_or_else(|| {
                bad(format!(
                    "the record names translation {} but {path} is not beside it",
                    t.lang
                ))
            })?;
        let sha = hashed_text(file, &path, &t.text_sha256)?;
        out.push(TranslationEntry {
            lang: t.lang.clone(),
            text_sha256: sha,
            text_blob: file.blob,
        });
    }
    Ok(out)
}
