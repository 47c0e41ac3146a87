//! Public key lines are pasted by users and read from key records in any clone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::keys::PublicKeyInfo;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = PublicKeyInfo::parse_line(s, "fuzz") {
        // What was accepted is a usable ed25519 key whose canonical line parses to itself.
        assert!(k.openssh.starts_with("ssh-ed25519 "));
        assert!(k.fingerprint.starts_with("SHA256:"));
        let again = PublicKeyInfo::parse_line(&k.openssh, "fuzz").expect("canonical line reparses");
        assert_eq!(again, k);
    }
});
