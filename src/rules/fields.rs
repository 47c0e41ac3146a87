//! What a record's fields may hold: limits, one-line texts, statement texts, web addresses,
//! country codes and times. The verifier applies these to every record it reads, and writers to
//! what they are given, so that nothing is written that verification would refuse.

use crate::record;
use crate::report::{Broken, Rule};

pub use crate::record::{Field, MAX_NAME, MAX_NOTE, MAX_TEXT_BYTES, MAX_TITLE, MAX_URL};

/// Checks a one-line free-text field (names, titles, reasons, notes): not empty, within its
/// limit, no character that could hide or forge what a reader sees
/// ([`crate::text::deceptive`]), no
/// surrounding spaces; a name also holds no `<` or `>`, which git refuses in a commit's
/// author. Returns why not.
pub fn check_line(field: Field, value: &str) -> Result<(), String> {
    let max = field.max();
    let name = matches!(
        field,
        Field::LedgerName | Field::EditorName | Field::OrgName | Field::PersonName
    );
    if value.trim().is_empty() {
        Err("must not be empty".to_string())
    } else if value.len() > max {
        Err(format!(
            "is {} bytes; at most {max} are allowed",
            value.len()
        ))
    } else if value.chars().any(char::is_control) {
        Err("must be one line without control characters".to_string())
    } else if let Some(c) = value.chars().find(|c| crate::text::deceptive(*c)) {
        Err(format!(
            "holds U+{:04X}, an invisible or line-breaking character that can hide or forge what a reader sees",
            u32::from(c)
        ))
    } else if name && value.contains(['<', '>']) {
        Err("must not hold < or > (git refuses them in the name of a commit's author)".to_string())
    } else if value.trim() != value {
        Err("must not start or end with spaces".to_string())
    } else {
        Ok(())
    }
}

pub use crate::text::skeleton;

/// Checks a statement text: UTF-8, not empty, within the size limit, lines ending in a line
/// feed alone, no byte order mark, and no control character but the line feed and the tab
/// (an escape sequence could hide lines on the terminal of someone reading the text before
/// signing its hash).
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
    if let Some(i) = s.find('\r') {
        return Err(format!(
            "text has a carriage return at byte {i}; lines end in a line feed alone (convert the file's line endings to LF)"
        ));
    }
    if s.contains('\u{feff}') {
        return Err("text holds a byte order mark (U+FEFF); save it without one".into());
    }
    let control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if let Some((i, c)) = s.char_indices().find(|(_, c)| control(*c)) {
        return Err(format!(
            "text holds the control character U+{:04X} at byte {i}; only line feeds and tabs are kept",
            u32::from(c)
        ));
    }
    Ok(())
}

/// A text as `statement new/revise` store it: line endings converted to a line feed alone and
/// a leading byte order mark dropped (what editors on other systems add). Says whether it
/// changed anything.
pub fn normalize_text(bytes: &[u8]) -> (std::borrow::Cow<'_, [u8]>, bool) {
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if !body.contains(&b'\r') {
        return (std::borrow::Cow::Borrowed(body), body.len() != bytes.len());
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' if body.get(i + 1) == Some(&b'\n') => {}
            b'\r' => out.push(b'\n'),
            b => out.push(b),
        }
        i += 1;
    }
    (std::borrow::Cow::Owned(out), true)
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

/// How far a record's own time may run ahead of the commit that adds it: the clocks of the
/// one who signs and the one who commits differ by minutes, not by days.
pub const MAX_RECORD_AHEAD_MS: i64 = 24 * 3600 * 1000;

/// Checks a record time (`2026-11-28T10:02:43.123Z`, the one form records use, between 1970
/// and 9999).
pub fn check_time(field: &str, value: &str) -> Result<(), String> {
    if record::is_time(value) {
        Ok(())
    } else {
        Err(format!(
            "{field} {value:?} is not a time of the form 2026-11-28T10:02:43.123Z (years 1970 to 9999)"
        ))
    }
}

/// A record's time in a commit made at `commit_secs`: well-formed (`record`), and not dated
/// more than a day after the commit that adds it (`time`). A record dated at the end of time
/// would leave its signatory no later time to act at.
pub fn record_time(field: &str, value: &str, commit_secs: i64) -> Result<(), Broken> {
    record(check_time(field, value))?;
    let ms = crate::timefmt::parse_ms(value).unwrap_or_default();
    let limit = commit_secs
        .saturating_mul(1000)
        .saturating_add(MAX_RECORD_AHEAD_MS);
    if ms > limit {
        return Err(Broken::new(
            Rule::Time,
            format!(
                "{field} {value} is more than a day after the commit that adds it ({}); a record is not dated after it is committed",
                crate::timefmt::format_secs(commit_secs)
            ),
        ));
    }
    Ok(())
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
    fn invisible_and_line_breaking_characters_are_refused_in_lines() {
        for bad in [
            "Human Rights\u{200b}Watch",
            "Watch\u{202e}hctaW",
            "Entry\u{2028}29. Forged",
            "Para\u{2029}graph",
            "soft\u{ad}hyphen",
            "bom\u{feff}",
            "bell\u{7}",
        ] {
            assert!(check_line(Field::OrgName, bad).is_err(), "{bad:?}");
        }
        assert!(check_line(Field::OrgName, "Comisión Mexicana (CMDPDH)").is_ok());
        assert!(check_line(Field::OrgName, "A <b> C").is_err());
        assert!(
            check_line(Field::Title, "A <b> C").is_ok(),
            "only names go into git"
        );
    }

    #[test]
    fn look_alike_names_share_a_skeleton() {
        assert_eq!(
            skeleton("Human Rights Watch"),
            skeleton("Human Rights W\u{430}tch")
        );
        assert_ne!(
            skeleton("Human Rights Watch"),
            skeleton("Human Rights Wash")
        );
    }

    #[test]
    fn texts_refuse_escapes_and_line_endings_are_converted() {
        assert!(check_text(b"a\tb\n").is_ok());
        assert!(check_text(b"hidden \x1b[8m text\n").is_err());
        assert!(check_text("c1 \u{9b}\n".as_bytes()).is_err());
        assert!(check_text(b"crlf\r\n").is_err());
        assert!(check_text("\u{feff}bom\n".as_bytes()).is_err());
        let (t, changed) = normalize_text("\u{feff}a\r\nb\rc\n".as_bytes());
        assert!(changed);
        assert_eq!(&*t, b"a\nb\nc\n");
        let (t, changed) = normalize_text(b"plain\n");
        assert!(!changed);
        assert_eq!(&*t, b"plain\n");
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
