//! The rules of statement versions: numbered in sequence, each with its text beside it, the
//! text acceptable and hashed as the record says, different from the version before, written
//! by the editor who signs the commit.

use super::commit::{Context, File};
use super::decode;
use super::fields::{self, Field};
use crate::ids::Principal;
use crate::layout;
use crate::record::{self, VersionRecord};
use crate::report::{Broken, Rule};
use crate::state::{Change, State, VersionEntry};
use git2::Oid;

/// Version `n` of statement `stmt` (its record in `f`, its text in `text`).
pub fn check_version(
    state: &State,
    f: &File,
    (stmt, n): (&str, u32),
    text: Option<&File>,
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
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
    let bytes = text.bytes.as_ref().map_err(Clone::clone)?;
    fields::check_text(bytes).map_err(|why| {
        Broken::new(
            Rule::Record,
            format!("{}: {why}", layout::version_text(stmt, n)),
        )
    })?;
    let sha = record::sha256_hex(bytes);
    if r.text_sha256 != sha {
        return Err(Broken::new(
            Rule::Record,
            format!(
                "text_sha256 is {} but the text's sha256 is {sha}",
                r.text_sha256
            ),
        ));
    }
    if let Some(prev) = state.statements.get(stmt).and_then(|s| s.current()) {
        if prev.text_sha256 == sha {
            return Err(Broken::new(
                Rule::Record,
                format!("version {n} has the same text as version {}", prev.n),
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
        },
    })
}
