//! A secret of this user on this machine that authenticates what undersigned keeps in a
//! repository's git directory to save time (proofs, the ledger-id memory). Those files travel
//! with the directory — a tarball, an rsync copy, a shared disk — and whoever made the copy
//! could have forged them; a file whose tag this user's secret did not make is ignored (a full
//! replay follows), never trusted.
//!
//! The secret never lives in a repository: it is `proof-key` (32 random bytes, 0600) in
//! `$UNDERSIGNED_STATE_DIR`, else `$XDG_STATE_HOME/undersigned`, else
//! `~/.local/state/undersigned`, as `guix git authenticate` keeps its cache per user. Without
//! any of these (no `HOME`), nothing is remembered and every verification is a full replay.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// This user's secret.
pub struct UserKey(Zeroizing<[u8; 32]>);

/// Bytes of a tag.
pub const TAG_LEN: usize = 32;

impl UserKey {
    fn hmac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(self.0.as_ref()).expect("HMAC takes a key of any length")
    }

    /// The tag of `bytes` (HMAC-SHA256), as lowercase hex.
    pub fn tag(&self, bytes: &[u8]) -> String {
        let mut mac = self.hmac();
        mac.update(bytes);
        crate::record::hex(&mac.finalize().into_bytes())
    }

    /// True when `tag` (hex) is this user's tag of `bytes`; compared in constant time.
    pub fn verify(&self, bytes: &[u8], tag: &str) -> bool {
        let Some(raw) = unhex(tag) else {
            return false;
        };
        let mut mac = self.hmac();
        mac.update(bytes);
        mac.verify_slice(&raw).is_ok()
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 2 * TAG_LEN {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// This user's state directory (`$UNDERSIGNED_STATE_DIR`, `$XDG_STATE_HOME/undersigned` or
/// `~/.local/state/undersigned`), if there is one.
pub fn state_dir() -> Option<PathBuf> {
    dir()
}

fn dir() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from("UNDERSIGNED_STATE_DIR")
        .or_else(|| from("XDG_STATE_HOME").map(|d| d.join("undersigned")))
        .or_else(|| from("HOME").map(|h| h.join(".local/state/undersigned")))
}

/// This user's secret, made on first use; `None` when there is nowhere to keep it.
pub fn user_key() -> Option<&'static UserKey> {
    static KEY: OnceLock<Option<UserKey>> = OnceLock::new();
    KEY.get_or_init(|| load_or_make(dir()?)).as_ref()
}

fn load_or_make(dir: PathBuf) -> Option<UserKey> {
    fs::create_dir_all(&dir).ok()?;
    let path = dir.join("proof-key");
    let mut key = Zeroizing::new([0u8; 32]);
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut f) => {
            rand::rngs::OsRng.fill_bytes(key.as_mut());
            f.write_all(key.as_ref()).ok()?;
            f.sync_all().ok()?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another process may be writing it this very moment: wait for its 32 bytes.
            for _ in 0..50 {
                let mut f = fs::File::open(&path).ok()?;
                let mut bytes = Zeroizing::new(Vec::new());
                f.read_to_end(&mut bytes).ok()?;
                if bytes.len() == 32 {
                    key.copy_from_slice(&bytes);
                    return Some(UserKey(key));
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            return None;
        }
        Err(_) => return None,
    }
    Some(UserKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_verify_only_with_the_key_that_made_them() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_make(dir.path().join("a")).unwrap();
        let a_again = load_or_make(dir.path().join("a")).unwrap();
        let b = load_or_make(dir.path().join("b")).unwrap();
        let tag = a.tag(b"proof");
        assert!(
            a_again.verify(b"proof", &tag),
            "the same user's key, read back"
        );
        assert!(!a.verify(b"proof!", &tag));
        assert!(!b.verify(b"proof", &tag), "another user's key");
        assert!(!a.verify(b"proof", "zz"));
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("a/proof-key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
