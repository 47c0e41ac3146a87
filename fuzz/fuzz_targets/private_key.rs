//! Private key files are named by users (`--key FILE`). undersigned has no bytes-based API, so
//! this fuzzes both the file-based entry points (through a per-process temp file) and the
//! `ssh_key::PrivateKey::from_openssh` parser they call, with the same version and features.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use undersigned::keys::SigningKey;

fn key_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("undersigned-fuzz-key-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = ssh_key::PrivateKey::from_openssh(data) {
        let _ = key.public_key().to_openssh();
        let _ = key.is_encrypted();
        // A wrong passphrase must be an error, not a panic (bounded: the KDF rounds come from
        // the input, so only try when they are small).
        if key.is_encrypted() {
            if let ssh_key::Kdf::Bcrypt { rounds, .. } = key.kdf() {
                if *rounds <= 1 {
                    let _ = key.decrypt(b"wrong");
                }
            }
        }
    }
    let path = key_path();
    if std::fs::write(path, data).is_err() {
        return;
    }
    // An encrypted key asks for a passphrase; none is available, so it must be refused.
    let _ = SigningKey::load(path, &mut || Ok(None));
    let _ = SigningKey::public_of_file(path);
});
