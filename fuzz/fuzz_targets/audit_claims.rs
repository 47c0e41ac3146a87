//! Statement texts are written by editors and read by every auditor; `claimed_signatories`
//! scans them for "28 organizations" and must not panic on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = undersigned::audit::claimed_signatories(s);
    let _ = undersigned::audit::human_time(s);
});
