//! How text can deceive a reader, and how undersigned keeps it from doing so: characters that
//! hide or forge what a reader sees, names that look alike, and the escaping of text that came
//! from a ledger or a request before it reaches a terminal.

/// A character no one-line field may hold: a control character (Cc: line breaks, escape
/// sequences that rewrite a terminal), a format character (Cf: zero-width characters, bidi
/// overrides that reorder what a reader sees), or a line or paragraph separator (Zl, Zp:
/// a line break where Unicode-aware viewers break lines, forging a list entry).
pub fn deceptive(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// The confusable skeleton of a display name (Unicode TR39): two names with one skeleton look
/// alike to a reader ("Human Rights Wаtch" with a Cyrillic а, "HRW" and "НRW").
pub fn skeleton(name: &str) -> String {
    unicode_security::skeleton(name).collect()
}

/// A one-line value from a ledger or a request as a terminal may show it: every control,
/// format and separator character ([`deceptive`]), line breaks included, replaced by a visible
/// escape (`\n`, `\u{1b}`, `\u{202e}`), so that nothing it holds can move the cursor, clear
/// the screen, hide text or reorder what a reader sees.
pub fn escape_line(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, false)
}

/// A multi-line text (a statement) as a terminal may show it: as [`escape_line`], but line
/// feeds and tabs kept.
pub fn escape_text(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let kept = |c: char| keep_lines && (c == '\n' || c == '\t');
    if !s.chars().any(|c| deceptive(c) && !kept(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            c if kept(c) || !deceptive(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_and_invisible_characters_become_visible() {
        assert_eq!(escape_line("plain Comisión"), "plain Comisión");
        assert_eq!(escape_line("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_line("two\nlines"), "two\\nlines");
        assert_eq!(escape_line("rlo\u{202e}x"), "rlo\\u{202e}x");
        assert_eq!(escape_line("ls\u{2028}x"), "ls\\u{2028}x");
        assert_eq!(escape_text("para\n\tok\u{7}"), "para\n\tok\\u{7}");
        assert_eq!(escape_text("\u{9b}31m"), "\\u{9b}31m");
    }
}
