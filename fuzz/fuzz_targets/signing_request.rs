//! The files that arrive by mail: a signing request (`sign --request` and `accept --request`
//! read it from anyone) and a signature file written by `ssh-keygen -Y sign` (`accept
//! --signature`). Neither may panic; a request that reads is one whose editor signature
//! verifies over its payload, and whatever armor is taken comes back in the one canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::keys::{canonical_armor, ParsedSig};
use undersigned::mail::{read_request, record_from_signature};
use undersigned::signed_data::ACT_NAMESPACE;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = read_request(data, "fuzz") {
        // Only a request whose own signature checks is read; its payload is then fixed.
        assert!(req.payload().is_some() == req.org.is_some());
        let _ = record_from_signature(&req, data, "fuzz");
    }
    if let Ok((armor, fingerprint)) = canonical_armor(data, ACT_NAMESPACE) {
        let parsed = ParsedSig::parse(armor.as_bytes(), ACT_NAMESPACE).expect("canonical armor parses");
        assert_eq!(parsed.key_fingerprint(), fingerprint);
        assert_eq!(
            canonical_armor(armor.as_bytes(), ACT_NAMESPACE).map(|(a, _)| a).ok(),
            Some(armor.clone()),
            "canonical armor is a fixed point"
        );
    }
});
