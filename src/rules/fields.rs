//! What a record's fields may hold: limits, one-line texts, statement texts, web addresses,
//! country codes and times. The verifier applies these to every record it reads, and writers to
//! what they are given, so that nothing is written that verification would refuse.

use crate::record;
use crate::report::{Broken, Rule};
use std::fmt;

/// Largest statement text accepted, in bytes (a long statement is tens of kilobytes).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Longest title.
pub const MAX_TITLE: usize = 300;
/// Longest display name.
pub const MAX_NAME: usize = 200;
/// Longest revision note or withdrawal reason.
pub const MAX_NOTE: usize = 1000;
/// Longest web address.
pub const MAX_URL: usize = 500;

/// A free-text field of a record. The library names fields as records do; the CLI tells the
/// user which of its options fed the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The ledger's name (`ledger.json`).
    LedgerName,
    /// An editor's display name.
    EditorName,
    /// An organization's display name.
    OrgName,
    /// A statement version's title.
    Title,
    /// A revision note.
    Note,
    /// A reason (withdrawal, rotation, revocation, removal).
    Reason,
    /// An organization's web address.
    Url,
    /// An organization's country code.
    Country,
}

impl Field {
    /// The record field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::LedgerName | Field::EditorName | Field::OrgName => "name",
            Field::Title => "title",
            Field::Note => "note",
            Field::Reason => "reason",
            Field::Url => "url",
            Field::Country => "country",
        }
    }

    /// The longest value a one-line field takes.
    pub fn max(self) -> usize {
        match self {
            Field::LedgerName | Field::EditorName | Field::OrgName => MAX_NAME,
            Field::Title => MAX_TITLE,
            Field::Note | Field::Reason => MAX_NOTE,
            Field::Url => MAX_URL,
            Field::Country => 2,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a one-line free-text field (names, titles, reasons, notes): not empty, within its
/// limit, no control characters (they would break the line-based signed payloads and
/// terminals), no surrounding spaces. Returns why not.
pub fn check_line(field: Field, value: &str) -> Result<(), String> {
    let max = field.max();
    if value.trim().is_empty() {
        Err("must not be empty".to_string())
    } else if value.len() > max {
        Err(format!(
            "is {} bytes; at most {max} are allowed",
            value.len()
        ))
    } else if value.chars().any(char::is_control) {
        Err("must be one line without control characters".to_string())
    } else if value.trim() != value {
        Err("must not start or end with spaces".to_string())
    } else {
        Ok(())
    }
}

/// Checks a statement text: UTF-8, not empty, within the size limit, no NUL.
pub fn check_text(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(format!(
            "text is {} bytes; at most {MAX_TEXT_BYTES} are allowed",
            bytes.len()
        ));
    }
    let s = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "text is not valid UTF-8 (first bad byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if s.trim().is_empty() {
        return Err("text is empty".into());
    }
    if s.contains('\0') {
        return Err("text contains a NUL character".into());
    }
    Ok(())
}

/// Checks a web address: http(s), one line, no spaces.
pub fn check_url(u: &str) -> Result<(), String> {
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= MAX_URL
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!("url {u:?} is not an http(s) address"))
    }
}

/// Checks an ISO 3166 alpha-2 country code (two upper-case letters).
pub fn check_country(c: &str) -> Result<(), String> {
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!(
            "country {c:?} is not a two-letter ISO 3166 code such as \"SE\""
        ))
    }
}

/// Checks a record time (`2026-11-28T10:02:43.123Z`, the one form records use).
pub fn check_time(field: &str, value: &str) -> Result<(), String> {
    if record::is_time(value) {
        Ok(())
    } else {
        Err(format!(
            "{field} {value:?} is not a time of the form 2026-11-28T10:02:43.123Z"
        ))
    }
}

/// A field check's refusal as a broken `record` rule, named the way verification reports it.
pub(crate) fn in_record(field: Field, check: Result<(), String>) -> Result<(), Broken> {
    check.map_err(|why| Broken::new(Rule::Record, format!("{field}: {why}")))
}

/// A check whose message already names the field, as a broken `record` rule.
pub(crate) fn record(check: Result<(), String>) -> Result<(), Broken> {
    check.map_err(|why| Broken::new(Rule::Record, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_refuse_control_and_empty() {
        assert!(check_line(Field::Reason, "changed our mind").is_ok());
        assert!(check_line(Field::Reason, "").is_err());
        assert!(check_line(Field::Reason, "a\nb").is_err());
        assert!(check_line(Field::Reason, " padded").is_err());
        assert!(check_line(Field::Reason, &"x".repeat(MAX_NOTE + 1)).is_err());
        assert!(check_line(Field::Title, &"x".repeat(MAX_TITLE)).is_ok());
    }

    #[test]
    fn urls_countries_texts_times() {
        assert!(check_url("https://www.hrw.org").is_ok());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://a b").is_err());
        assert!(check_country("SE").is_ok());
        assert!(check_country("se").is_err());
        assert!(check_text(b"text\n").is_ok());
        assert!(check_text(b" \n").is_err());
        assert!(check_text(b"a\0b").is_err());
        assert!(check_text(&[0xff]).is_err());
        assert!(check_time("signed_at", "2026-11-28T10:00:00.000Z").is_ok());
        assert!(check_time("signed_at", "yesterday").is_err());
    }
}
