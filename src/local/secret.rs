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
use std::io::Read;
use std::os::unix::fs::DirBuilderExt;
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
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .ok()?;
    let path = dir.join("proof-key");
    match read_key(&path) {
        Ok(Some(key)) => return Some(key),
        Ok(None) => {}
        // Damaged (not 32 bytes): replaced. Proofs tagged with the lost key then fail their
        // check and are ignored, so the cost is one full replay per repository.
        Err(Damaged) => {
            let key = fresh();
            return crate::files::write_atomic(&path, key.as_ref())
                .ok()
                .map(|()| UserKey(key));
        }
    }
    let key = fresh();
    // Whole or not at all, never replacing: of two processes making it at once, one wins and
    // the other reads the winner's key.
    match crate::files::create_new(&path, key.as_ref(), 0o600) {
        Ok(()) => Some(UserKey(key)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(&path).ok()?,
        Err(_) => None,
    }
}

/// A `proof-key` file that is there but not 32 bytes.
struct Damaged;

/// The key in `path`: `Ok(None)` when there is no file (or it cannot be read).
fn read_key(path: &std::path::Path) -> Result<Option<UserKey>, Damaged> {
    let Ok(f) = fs::File::open(path) else {
        return Ok(None);
    };
    let mut bytes = Zeroizing::new(Vec::new());
    if f.take(33).read_to_end(&mut bytes).is_err() {
        return Ok(None);
    }
    if bytes.len() != 32 {
        return Err(Damaged);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&bytes);
    Ok(Some(UserKey(key)))
}

fn fresh() -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(key.as_mut());
    key
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

    #[test]
    fn a_damaged_key_is_replaced_and_its_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("state/undersigned");
        let first = load_or_make(home.clone()).unwrap();
        let tag = first.tag(b"proof");
        let mode = fs::metadata(&home).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "the state directory is the user's alone"
        );
        fs::write(home.join("proof-key"), b"cut short").unwrap();
        let second = load_or_make(home.clone()).expect("a damaged key is replaced");
        assert_eq!(fs::read(home.join("proof-key")).unwrap().len(), 32);
        assert!(
            !second.verify(b"proof", &tag),
            "proofs of the lost key fail"
        );
        let again = load_or_make(home).unwrap();
        assert!(
            again.verify(b"proof", &second.tag(b"proof")),
            "the new key is kept"
        );
    }
}
