//! Writing the site: `DIR/index.html`, and per statement `DIR/<stmt>/index.html` and
//! `DIR/<stmt>/statement.json`. A file is replaced only when publish wrote it before (its page
//! carries the generator tag, its JSON the format), never another's file at that path; each
//! is written beside itself and renamed into place, so a reader never sees half a page.

use super::html::{index_page, statement_pages, GENERATOR_TAG};
use super::model::{StatementData, FORMAT};
use super::PublishError;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What [`write_site`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Files written, index first.
    pub files: Vec<PathBuf>,
    /// Their total size in bytes.
    pub bytes: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// True when `path` is absent or holds what publish writes (`marker` in its first 4 KiB).
fn ours(path: &Path, marker: &str) -> Result<bool, PublishError> {
    let mut f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(io(path)(e)),
    };
    let mut head = vec![0; 4096];
    let mut n = 0;
    while n < head.len() {
        let got = f.read(&mut head[n..]).map_err(io(path))?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(String::from_utf8_lossy(&head[..n]).contains(marker))
}

fn write(path: &Path, bytes: &[u8], marker: &str, out: &mut Written) -> Result<(), PublishError> {
    if !ours(path, marker)? {
        return Err(PublishError::Foreign {
            path: path.to_path_buf(),
        });
    }
    crate::files::write_atomic_mode(path, bytes, 0o644).map_err(io(path))?;
    out.files.push(path.to_path_buf());
    out.bytes += bytes.len() as u64;
    Ok(())
}

/// Each entry's receipt, as a file beside the page (`receipts/<org>.tlog-proof`,
/// `receipts/person.<id>.tlog-proof`): what the
/// page's download links point to (the browser checks the same parts, embedded).
fn write_receipts(sdir: &Path, d: &StatementData, out: &mut Written) -> Result<(), PublishError> {
    let entries = d
        .signatories
        .iter()
        .chain(&d.individuals)
        .chain(&d.stale)
        .chain(&d.withdrawn);
    let mut made = false;
    for e in entries {
        let (Some(r), Some(text)) = (&e.receipt, d.receipt_text(e)) else {
            continue;
        };
        if !made {
            let rdir = sdir.join("receipts");
            fs::create_dir_all(&rdir).map_err(io(&rdir))?;
            made = true;
        }
        write(
            &sdir.join(&r.file),
            text.as_bytes(),
            crate::log::receipt::HEADER,
            out,
        )?;
    }
    Ok(())
}

/// Writes the site for `pages` (from one ledger head) under `dir`, creating it if needed, with
/// at most `per_page` entries on a statement's page (a longer list goes on to `page-2.html`…).
pub fn write_site(
    dir: &Path,
    pages: &[StatementData],
    per_page: usize,
) -> Result<Written, PublishError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let mut out = Written::default();
    let page_marker = format!("<meta name=\"generator\" content=\"{GENERATOR_TAG}\">");
    let json_marker = format!("\"format\": \"{FORMAT}\"");
    write(
        &dir.join("index.html"),
        index_page(pages)?.as_bytes(),
        &page_marker,
        &mut out,
    )?;
    for d in pages {
        // Statement ids are slugs (the verifier refuses others); checked again since it
        // becomes a directory name.
        if !crate::ids::is_slug(&d.statement) {
            return Err(PublishError::Record {
                path: d.statement.clone(),
                why: "not a statement slug".into(),
            });
        }
        let sdir = dir.join(&d.statement);
        fs::create_dir_all(&sdir).map_err(io(&sdir))?;
        let files = statement_pages(d, per_page)?;
        for (name, html) in &files {
            write(&sdir.join(name), html.as_bytes(), &page_marker, &mut out)?;
        }
        // Pages of a longer list written before would show old entries: remove ours.
        for old in fs::read_dir(&sdir).map_err(io(&sdir))? {
            let old = old.map_err(io(&sdir))?.path();
            let name = old.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name else { continue };
            let is_page = name.starts_with("page-") && name.ends_with(".html");
            if is_page && !files.iter().any(|(n, _)| *n == name) && ours(&old, &page_marker)? {
                fs::remove_file(&old).map_err(io(&old))?;
            }
        }
        write_receipts(&sdir, d, &mut out)?;
        let mut json = serde_json::to_vec_pretty(d).expect("plain data always serializes");
        json.push(b'\n');
        write(&sdir.join("statement.json"), &json, &json_marker, &mut out)?;
    }
    Ok(out)
}
