//! The smaller checks verification applies to outside bytes: statement texts, URLs, country
//! codes, principals, and the lines of an `allowed_signers` file from a clone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::ids::{self, Principal};
use undersigned::rules::fields::{self, Field};

fuzz_target!(|data: &[u8]| {
    let _ = fields::check_text(data);
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = fields::check_url(s);
    let _ = fields::check_country(s);
    if let Some(p) = Principal::parse(s) {
        assert_eq!(p.to_string(), s, "principal does not round-trip");
        assert!(ids::is_slug(&p.id));
    }
    let lines = undersigned::state::parse_allowed_signers(s);
    for l in &lines {
        assert!(!l.contains('\n') && !l.starts_with('#') && !l.trim().is_empty());
    }
    // Rendering what was parsed gives back the same lines. (A last line ending in a lone CR
    // without a newline is the one exception: `str::lines` keeps that CR, and once rendered
    // with "\n" it reads as CRLF. `render_allowed_signers` never writes such a line and
    // verification requires the file to equal its rendering byte for byte.)
    if !lines.iter().any(|l| l.ends_with('\r')) {
        let rendered = undersigned::state::render_allowed_signers(lines.clone());
        assert_eq!(undersigned::state::parse_allowed_signers(&rendered), lines);
    }
    let _ = fields::check_line(Field::OrgName, s);
});
