//! Files and standard input a command reads: whole, within a limit, named in every error.

use std::io::Read;
use std::path::Path;
use undersigned::error::InputKind;
use undersigned::rules::fields::{check_text, normalize_text, MAX_TEXT_BYTES};
use undersigned::Error;

/// Reads a file or standard input (`-`) whole, refusing more than `max` bytes rather than
/// cutting it: a hash of a truncated input would be recorded for good. Errors name the kind of
/// file (`text`, `evidence`, `endorsement record`, `signing request`).
pub fn read_input(path: &Path, kind: InputKind, max: u64) -> Result<Vec<u8>, Error> {
    let name = if path == Path::new("-") {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let bad = |why: String| Error::BadInput {
        kind,
        source_name: name.clone(),
        why,
    };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(max.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Read {
                path: name.clone().into(),
                source: e,
            })?;
    } else {
        let meta = std::fs::metadata(path).map_err(|e| Error::Read {
            path: path.into(),
            source: e,
        })?;
        if !meta.is_file() {
            return Err(bad("must be a regular file".into()));
        }
        if meta.len() > max {
            return Err(bad(format!(
                "is {} bytes; at most {max} are taken",
                meta.len()
            )));
        }
        bytes = std::fs::read(path).map_err(|e| Error::Read {
            path: path.into(),
            source: e,
        })?;
    }
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max {
        return Err(bad(format!("is over {max} bytes; nothing was recorded")));
    }
    if bytes.is_empty() && kind == InputKind::Evidence {
        return Err(bad(
            "is empty; attach the e-mail or form export that shows the consent — nothing was recorded".into(),
        ));
    }
    Ok(bytes)
}

/// A statement text as stored: line endings converted to LF and a byte order mark dropped,
/// which the user is told about with the sha256 of what is stored; then the text rules.
pub fn read_text(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = read_input(path, InputKind::Text, MAX_TEXT_BYTES as u64)?;
    let (text, converted) = normalize_text(&bytes);
    check_text(&text).map_err(|why| Error::BadText {
        source_name: path.display().to_string(),
        why,
    })?;
    if converted {
        eprintln!(
            "undersigned: note: {}: line endings converted to LF and any byte order mark dropped; the text stored has sha256 {}",
            undersigned::text::escape_line(&path.display().to_string()),
            undersigned::record::sha256_hex(&text)
        );
    }
    Ok(text.into_owned())
}
