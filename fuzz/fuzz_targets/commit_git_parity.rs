//! Commits come from any clone; `commit_object` decides which bytes a commit's signature covers.
//! Feed it raw commit objects and check, besides "no panic":
//!
//! - parsing is deterministic (`read` and `git_split` give the same answer twice);
//! - the payload never holds a header line starting with `gpgsig` in its header block;
//! - the payload is the input with whole lines taken out, in order (a subsequence of whole
//!   input lines, the message untouched), and signature + payload are no longer than the input;
//! - what `read` accepts as signed is exactly git's split, and it accepts only one `gpgsig`
//!   header, no other `gpgsig*` header and no NUL;
//! - `git_split` is git's `parse_buffer_signed_by_header`, restated here a second way (header
//!   lines classified one by one, then joined) so that a slip in either shows.
//!
//! A differential fuzz against git itself would cost two process starts (git, then
//! ssh-keygen) per input, some 15 ms: a hundred inputs a second against tens of thousands
//! here. The differential part is the corpus of `tests/it/commit_parity.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::commit_object::{git_split, read, GitSplit, Verdict};
use undersigned::keys::ParsedSig;

/// The same rule as `git_split`, written as a classification of lines.
fn restated(raw: &[u8]) -> GitSplit {
    #[derive(PartialEq)]
    enum Last {
        Signature,
        Other,
        Plain,
    }
    let mut lines: Vec<&[u8]> = raw.split_inclusive(|&b| b == b'\n').collect();
    let mut message: &[u8] = &[];
    if let Some(end) = lines.iter().position(|l| l.first() == Some(&b'\n')) {
        let start: usize = lines[..end].iter().map(|l| l.len()).sum();
        message = &raw[start..];
        lines.truncate(end);
    }
    let mut signature = None::<Vec<u8>>;
    let mut payload = Vec::new();
    let mut last = Last::Plain;
    for line in lines {
        let continues = line.first() == Some(&b' ');
        if continues && last != Last::Plain {
            if last == Last::Signature {
                signature
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(&line[1..]);
            }
            continue;
        }
        if let Some(value) = line.strip_prefix(b"gpgsig ") {
            signature
                .get_or_insert_with(Vec::new)
                .extend_from_slice(value);
            last = Last::Signature;
        } else if line.starts_with(b"gpgsig") {
            last = Last::Other;
        } else {
            payload.extend_from_slice(line);
            last = Last::Plain;
        }
    }
    payload.extend_from_slice(message);
    GitSplit { signature, payload }
}

/// Whether `payload` is `raw` with some whole lines taken out (lines kept in order).
fn whole_lines_of(payload: &[u8], raw: &[u8]) -> bool {
    let mut rest = payload;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if rest.starts_with(line) {
            rest = &rest[line.len()..];
        }
    }
    rest.is_empty()
}

fn header_block(payload: &[u8]) -> impl Iterator<Item = &[u8]> {
    payload.split(|&b| b == b'\n').take_while(|l| !l.is_empty())
}

fuzz_target!(|raw: &[u8]| {
    let split = git_split(raw);
    assert_eq!(split, git_split(raw), "git_split is deterministic");
    assert_eq!(split, restated(raw), "git_split is git's rule");
    assert!(
        header_block(&split.payload).all(|l| !l.starts_with(b"gpgsig")),
        "no gpgsig header line is left in the payload"
    );
    assert!(
        whole_lines_of(&split.payload, raw),
        "the payload is whole input lines"
    );
    let sig_len = split.signature.as_ref().map_or(0, Vec::len);
    assert!(sig_len + split.payload.len() <= raw.len());

    let verdict = read(raw);
    assert_eq!(verdict, read(raw), "read is deterministic");
    if let Verdict::Signed(signed) = &verdict {
        assert_eq!(split.signature.as_ref(), Some(&signed.signature));
        assert_eq!(split.payload, signed.payload);
        assert!(!raw.contains(&0));
        let headers: Vec<&[u8]> = header_block(raw).collect();
        assert_eq!(
            headers.iter().filter(|l| l.starts_with(b"gpgsig")).count(),
            1,
            "one signature header, and no other gpgsig* header"
        );
        // What verification does next with it.
        if let Ok(sig) = ParsedSig::parse(signed.armor(), "git") {
            let _ = sig.key_fingerprint();
            let _ = sig.verify(&signed.payload);
        }
    }
    if split.signature.is_none() {
        assert!(!matches!(verdict, Verdict::Signed(_)));
    }
});
