//! Armored SSHSIG signatures come from act records (any clone, or mailed in) and from the
//! gpgsig header of commits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::keys::ParsedSig;

fuzz_target!(|data: &[u8]| {
    for ns in ["undersigned", "git"] {
        if let Ok(sig) = ParsedSig::parse(data, ns) {
            let _ = sig.key_fingerprint();
            // No fuzz input is a real signature over this message by the key it names.
            assert!(sig.verify(b"msg").is_err(), "forged signature verified");
        }
    }
});
