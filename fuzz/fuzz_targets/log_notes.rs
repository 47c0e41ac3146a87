//! What arrives from others for the transparency log — a receipt (`.tlog-proof`), a checkpoint
//! note, a mailed cosignature, a witness's verifier key, a leaf — is parsed and checked without
//! a panic whatever its bytes, and a parsed note or receipt writes back to what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::log::{check, checkpoint, leaf, note, receipt};

fuzz_target!(|data: &[u8]| {
    let _ = leaf::parse_leaf(data);
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = note::Note::parse(data) {
        assert_eq!(n.to_text(), s, "a note writes back to what was read");
        let _ = checkpoint::Checkpoint::parse(&n.text);
    }
    let _ = note::VerifierKey::parse(s);
    let _ = note::Signature::parse_line(s);
    if let Ok(r) = receipt::Receipt::parse(s) {
        let _ = receipt::verify(&r, "0123456789abcdef0123456789abcdef01234567", &[]);
    }
    let _ = check::check(s, "0123456789abcdef0123456789abcdef01234567", &[], 0, Some(("f", s)));
});
