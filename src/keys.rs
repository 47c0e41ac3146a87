//! Keys: OpenSSH ed25519 key files (the same files `ssh-keygen -t ed25519` writes), their
//! fingerprints, and SSHSIG signatures made and checked with them.
//!
//! Secret keys live only in [`SigningKey`], whose inner `ssh_key::PrivateKey` zeroizes on drop
//! and which never prints key material in `Debug`. Passphrases are held in `Zeroizing` strings.
//! Verification is strict (`verify_strict`): it refuses the malleable and small-order edge cases
//! that plain ed25519 verification lets through.

use crate::error::{Error, Result};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};
use std::fs;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A private key file larger than this is not an OpenSSH ed25519 key; refuse before parsing.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// An unlocked ed25519 signing key and where it came from.
pub struct SigningKey {
    key: PrivateKey,
    path: PathBuf,
    fingerprint: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("path", &self.path)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive() // never the secret
    }
}

impl SigningKey {
    /// Loads an OpenSSH private key file. `passphrase` is called only when the key is encrypted;
    /// it returns `None` when no passphrase can be had (no environment variable, no terminal).
    pub fn load(
        path: &Path,
        passphrase: &mut dyn FnMut() -> Result<Option<Zeroizing<String>>>,
    ) -> Result<SigningKey> {
        let key_err = |why: String| Error::Key {
            path: path.to_path_buf(),
            why,
        };
        let meta = fs::metadata(path).map_err(|e| key_err(format!("cannot read key file: {e}")))?;
        if !meta.is_file() || meta.len() > MAX_KEY_FILE {
            return Err(key_err("not an OpenSSH private key file".into()));
        }
        let text = Zeroizing::new(
            fs::read_to_string(path).map_err(|e| key_err(format!("cannot read key file: {e}")))?,
        );
        if text.trim_start().starts_with("ssh-") {
            return Err(key_err(
                "this is a public key; pass the private key file (without .pub)".into(),
            ));
        }
        let key = PrivateKey::from_openssh(text.as_bytes()).map_err(|e| Error::NotAPrivateKey {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(key_err(format!(
                "is a {} key; undersigned uses ed25519 keys only (`ssh-keygen -t ed25519`)",
                key.algorithm()
            )));
        }
        // As ssh does, and before any passphrase is asked: a private key others can read may already be someone else's.
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(key_err(format!(
                "private key is readable by others (mode {:o}); run `chmod 600 {}`",
                meta.permissions().mode() & 0o777,
                path.display()
            )));
        }
        let key = if key.is_encrypted() {
            let Some(pass) = passphrase()? else {
                return Err(Error::PassphraseNeeded {
                    path: path.to_path_buf(),
                });
            };
            key.decrypt(pass.as_bytes())
                .map_err(|_| Error::WrongPassphrase {
                    path: path.to_path_buf(),
                })?
        } else {
            key
        };
        let fingerprint = fingerprint(key.public_key());
        check_not_weak(key.public_key()).map_err(key_err)?;
        Ok(SigningKey {
            key,
            path: path.to_path_buf(),
            fingerprint,
        })
    }

    /// The public key of a private key file, without decrypting it (OpenSSH keeps it in clear).
    pub fn public_of_file(path: &Path) -> Result<PublicKeyInfo> {
        let key_err = |why: String| Error::Key {
            path: path.to_path_buf(),
            why,
        };
        let text = Zeroizing::new(
            fs::read_to_string(path).map_err(|e| key_err(format!("cannot read key file: {e}")))?,
        );
        let key = PrivateKey::from_openssh(text.as_bytes())
            .map_err(|e| key_err(format!("not an OpenSSH private key ({e})")))?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(key_err(format!(
                "is a {} key; undersigned uses ed25519 keys only",
                key.algorithm()
            )));
        }
        Ok(PublicKeyInfo::from_key(key.public_key()))
    }

    /// The public key of a key file, public (`KEY.pub`, as `ssh-keygen` and `key new` write
    /// it) or private (whose public half OpenSSH keeps in clear: no passphrase is asked).
    pub fn public_of_any_file(path: &Path) -> Result<PublicKeyInfo> {
        let key_err = |why: String| Error::Key {
            path: path.to_path_buf(),
            why,
        };
        let meta = fs::metadata(path).map_err(|e| key_err(format!("cannot read key file: {e}")))?;
        if !meta.is_file() || meta.len() > MAX_KEY_FILE {
            return Err(key_err("not an OpenSSH key file".into()));
        }
        let bytes = Zeroizing::new(
            fs::read(path).map_err(|e| key_err(format!("cannot read key file: {e}")))?,
        );
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Err(key_err("not an OpenSSH key file (not text)".into()));
        };
        if text.contains("PRIVATE KEY") {
            return SigningKey::public_of_file(path);
        }
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        PublicKeyInfo::parse_line(line, &path.display().to_string())
    }

    /// A new random key held only in memory (for generators and tests; never written).
    pub fn random_in_memory(comment: &str) -> Result<SigningKey> {
        let mut key = PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519)
            .map_err(|e| crypto("key generation", e))?;
        key.set_comment(comment);
        let fingerprint = fingerprint(key.public_key());
        Ok(SigningKey {
            key,
            path: PathBuf::from("<memory>"),
            fingerprint,
        })
    }

    /// The key file this key was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `SHA256:…` fingerprint of the public half.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public half, as registered in a ledger.
    pub fn public(&self) -> PublicKeyInfo {
        PublicKeyInfo::from_key(self.key.public_key())
    }

    /// Signs `msg` with the raw Ed25519 key (RFC 8032), for the log's signed notes, which are
    /// plain Ed25519 signatures rather than SSHSIG. The secret scalar lives only in a
    /// zeroizing copy for the length of the call.
    pub fn sign_ed25519(&self, msg: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        let pair = self
            .key
            .key_data()
            .ed25519()
            .expect("SigningKey holds ed25519 keys only");
        let seed = Zeroizing::new(pair.private.to_bytes());
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        sk.sign(msg).to_bytes()
    }

    /// The raw 32 bytes of the public half.
    pub fn public_raw(&self) -> [u8; 32] {
        self.public().raw
    }

    /// Signs `msg` as SSHSIG in `namespace` (sha512, as `ssh-keygen -Y sign` and git do) and
    /// returns the armor with LF line endings and no trailing newline.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<String> {
        let sig = self
            .key
            .sign(namespace, HashAlg::Sha512, msg)
            .map_err(|e| crypto("signing", e))?;
        let pem = sig
            .to_pem(LineEnding::LF)
            .map_err(|e| crypto("signature encoding", e))?;
        Ok(pem.trim_end().to_string())
    }
}

/// A registered public key: the OpenSSH line (`ssh-ed25519 AAAA…`, without comment) and its
/// fingerprint. Comments are dropped so that no e-mail address or host name enters a ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicKeyInfo {
    /// `ssh-ed25519 AAAA…`
    pub openssh: String,
    /// `SHA256:…`
    pub fingerprint: String,
    /// The 32 raw key bytes.
    #[serde(with = "crate::oid_serde::hex32")]
    pub raw: [u8; 32],
}

impl PublicKeyInfo {
    fn from_key(key: &PublicKey) -> Self {
        let mut bare = key.clone();
        bare.set_comment("");
        let raw = key.key_data().ed25519().map(|k| k.0).unwrap_or([0; 32]);
        PublicKeyInfo {
            openssh: bare.to_openssh().unwrap_or_default().trim().to_string(),
            fingerprint: fingerprint(key),
            raw,
        }
    }

    /// Parses an OpenSSH public key line and checks it is a usable ed25519 key.
    pub fn parse_line(line: &str, source_name: &str) -> Result<PublicKeyInfo> {
        let err = |why: String| Error::PublicKey {
            source_name: source_name.to_string(),
            why,
        };
        let key = PublicKey::from_openssh(line.trim())
            .map_err(|e| err(format!("not an OpenSSH public key line ({e})")))?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(err(format!(
                "is a {} key; undersigned uses ed25519 keys only",
                key.algorithm()
            )));
        }
        check_not_weak(&key).map_err(err)?;
        Ok(PublicKeyInfo::from_key(&key))
    }

    /// Takes either a public key line (`ssh-ed25519 AAAA… comment`) or the path of a file holding
    /// one (such as `key.pub`), as users paste either.
    pub fn from_file_or_line(arg: &str) -> Result<PublicKeyInfo> {
        // A key line has a space between type and base64; a file name such as `ssh-hrw.pub`
        // does not, and stays a file.
        if arg.trim_start().starts_with("ssh-") && arg.trim().contains(' ') {
            return PublicKeyInfo::parse_line(arg, "given on the command line");
        }
        let path = Path::new(arg);
        let meta = fs::metadata(path).map_err(|e| Error::Read {
            path: path.into(),
            source: e,
        })?;
        if meta.len() > MAX_KEY_FILE {
            return Err(Error::PublicKey {
                source_name: arg.to_string(),
                why: "file is too large to be a public key".into(),
            });
        }
        let text = fs::read_to_string(path).map_err(|e| Error::Read {
            path: path.into(),
            source: e,
        })?;
        if text.contains("PRIVATE KEY") {
            return Err(Error::PublicKey {
                source_name: arg.to_string(),
                why:
                    "this is a private key; pass the .pub file (private keys never enter a ledger)"
                        .into(),
            });
        }
        PublicKeyInfo::parse_line(&text, arg)
    }
}

fn crypto(what: &'static str, e: impl std::fmt::Display) -> Error {
    Error::Crypto {
        what,
        why: e.to_string(),
    }
}

/// `SHA256:…` as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn check_not_weak(key: &PublicKey) -> std::result::Result<(), String> {
    let raw = key
        .key_data()
        .ed25519()
        .map(|k| k.0)
        .ok_or("not an ed25519 key")?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw)
        .map_err(|_| "ed25519 public key is not a valid curve point".to_string())?;
    if vk.is_weak() {
        return Err("ed25519 public key is of small order (weak); refuse it".into());
    }
    Ok(())
}

/// Writes a new key pair: `path` (private, 0600, never overwriting) and `path.pub`. Returns the
/// public key. With a passphrase, the private key is encrypted the way ssh-keygen does it.
pub fn generate(path: &Path, comment: &str, passphrase: Option<&str>) -> Result<PublicKeyInfo> {
    let pub_path = pub_path(path);
    for p in [path, pub_path.as_path()] {
        if p.exists() {
            return Err(Error::KeyFileExists {
                path: p.to_path_buf(),
            });
        }
    }
    let mut rng = rand::rngs::OsRng;
    let mut key = PrivateKey::random(&mut rng, Algorithm::Ed25519)
        .map_err(|e| crypto("key generation", e))?;
    key.set_comment(comment);
    let public = PublicKeyInfo::from_key(key.public_key());
    let public_line = key
        .public_key()
        .to_openssh()
        .map_err(|e| crypto("key encoding", e))?;
    let key = match passphrase {
        Some(p) => key
            .encrypt(&mut rng, p)
            .map_err(|e| crypto("key encryption", e))?,
        None => key,
    };
    let pem = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| crypto("key encoding", e))?;
    write_new_file(path, pem.as_bytes(), 0o600)?;
    if let Err(e) = write_new_file(&pub_path, format!("{public_line}\n").as_bytes(), 0o644) {
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(public)
}

/// `FILE.pub` beside `FILE`.
pub fn pub_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// Creates `path` with `mode` (never replacing an existing file) and writes `bytes`, whole or
/// not at all. Missing parent directories are made 0700, as ssh-keygen keeps `~/.ssh`.
pub fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(dir.display().to_string(), e))?;
    }
    crate::files::create_new(path, bytes, mode)
        .map_err(|e| Error::io(path.display().to_string(), e))
}

/// Why an SSHSIG did not verify. Kept apart from [`Error`]: a bad signature in a ledger is a
/// verification failure to report, not an input error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigError {
    /// Not an armored SSHSIG.
    #[error("signature is not a valid SSH signature ({0})")]
    Malformed(String),
    /// Made for another purpose.
    #[error("signature namespace is {found:?}, expected {expected:?}")]
    Namespace { found: String, expected: String },
    /// Not an ed25519 signature, or an unusual hash or reserved field.
    #[error("signature uses {0}; only ed25519 with sha512 or sha256 is accepted")]
    Algorithm(String),
    /// Made by another key than the one expected.
    #[error("signature was made by key {found}, not by {expected}")]
    WrongKey { found: String, expected: String },
    /// The signature does not match the bytes.
    #[error("signature does not match the signed bytes")]
    Invalid,
}

/// A parsed SSHSIG: the key it claims and what is needed to check it.
#[derive(Clone)]
pub struct ParsedSig {
    sig: SshSig,
    /// Raw ed25519 key the signature names.
    pub key_raw: [u8; 32],
}

impl ParsedSig {
    /// Parses armor and checks the parts that do not depend on the message.
    pub fn parse(armored: &[u8], namespace: &str) -> std::result::Result<ParsedSig, SigError> {
        let sig = SshSig::from_pem(armored).map_err(|e| SigError::Malformed(e.to_string()))?;
        // ssh-key's decoder treats length prefixes as upper bounds and takes version 0; those
        // bytes are not covered by the signature, so a changed length still "verifies" while
        // ssh-keygen and git refuse it. Accept only version 1 in its one canonical armor.
        if sig.version() != 1 {
            return Err(SigError::Malformed(format!(
                "version {} (expected 1)",
                sig.version()
            )));
        }
        let canonical = sig
            .to_pem(LineEnding::LF)
            .map_err(|e| SigError::Malformed(e.to_string()))?;
        let given = std::str::from_utf8(armored)
            .map_err(|_| SigError::Malformed("armor is not text".into()))?;
        if canonical.trim_end() != given.trim_end() {
            return Err(SigError::Malformed(
                "the armored signature is not in canonical form (lengths or line breaks differ from its content)".into(),
            ));
        }
        if sig.namespace() != namespace {
            return Err(SigError::Namespace {
                found: sig.namespace().to_string(),
                expected: namespace.to_string(),
            });
        }
        if sig.algorithm() != Algorithm::Ed25519 || !sig.reserved().is_empty() {
            return Err(SigError::Algorithm(sig.algorithm().to_string()));
        }
        let key_raw = sig
            .public_key()
            .ed25519()
            .map(|k| k.0)
            .ok_or_else(|| SigError::Algorithm(sig.algorithm().to_string()))?;
        Ok(ParsedSig { sig, key_raw })
    }

    /// Fingerprint of the key the signature names (not yet proven).
    pub fn key_fingerprint(&self) -> String {
        self.sig
            .public_key()
            .fingerprint(HashAlg::Sha256)
            .to_string()
    }

    /// Checks the signature over `msg` with `verify_strict`.
    pub fn verify(&self, msg: &[u8]) -> std::result::Result<(), SigError> {
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&self.key_raw)
            .map_err(|_| SigError::Invalid)?;
        self.verify_with(&vk, msg)
    }

    /// [`ParsedSig::verify`] with the key it names already decoded (`key` must be
    /// `VerifyingKey::from_bytes` of [`ParsedSig::key_raw`]): decoding a key is a tenth of a
    /// check, and a ledger's keys sign many times.
    pub fn verify_with(
        &self,
        key: &ed25519_dalek::VerifyingKey,
        msg: &[u8],
    ) -> std::result::Result<(), SigError> {
        if key.as_bytes() != &self.key_raw {
            return Err(SigError::Invalid);
        }
        let hash_alg = self.sig.hash_alg();
        let signed = SshSig::signed_data(self.sig.namespace(), hash_alg, msg)
            .map_err(|e| SigError::Malformed(e.to_string()))?;
        let bytes: [u8; 64] = self
            .sig
            .signature_bytes()
            .try_into()
            .map_err(|_| SigError::Invalid)?;
        let sig = ed25519_dalek::Signature::from_bytes(&bytes);
        key.verify_strict(&signed, &sig)
            .map_err(|_| SigError::Invalid)
    }
}

/// A signature file as `ssh-keygen -Y sign` writes it (on any system: CRLF line ends and a
/// final newline are taken), in the one canonical armor records hold, with the fingerprint of
/// the key it names (not yet proven to have signed anything).
pub fn canonical_armor(
    bytes: &[u8],
    namespace: &str,
) -> std::result::Result<(String, String), SigError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| SigError::Malformed("armor is not text".into()))?;
    let text = text.replace("\r\n", "\n");
    let sig =
        SshSig::from_pem(text.trim().as_bytes()).map_err(|e| SigError::Malformed(e.to_string()))?;
    let armor = sig
        .to_pem(LineEnding::LF)
        .map_err(|e| SigError::Malformed(e.to_string()))?;
    let armor = armor.trim_end().to_string();
    let parsed = ParsedSig::parse(armor.as_bytes(), namespace)?;
    Ok((armor, parsed.key_fingerprint()))
}

/// Checks that `armored` is a valid SSHSIG in `namespace` over `msg` by the key `expected`.
pub fn verify_sshsig(
    armored: &[u8],
    namespace: &str,
    msg: &[u8],
    expected: &PublicKeyInfo,
) -> std::result::Result<(), SigError> {
    let parsed = ParsedSig::parse(armored, namespace)?;
    if parsed.key_raw != expected.raw {
        return Err(SigError::WrongKey {
            found: parsed.key_fingerprint(),
            expected: expected.fingerprint.clone(),
        });
    }
    parsed.verify(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_pass() -> Result<Option<Zeroizing<String>>> {
        Ok(None)
    }

    #[test]
    fn generated_key_is_0600_loads_and_signs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let public = generate(&path, "test", None).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.mode() & 0o777, 0o600);
        let key = SigningKey::load(&path, &mut no_pass).unwrap();
        assert_eq!(key.public(), public);
        assert!(!format!("{key:?}").contains("BEGIN"));
        let sig = key.sign("undersigned", b"hello").unwrap();
        assert!(verify_sshsig(sig.as_bytes(), "undersigned", b"hello", &public).is_ok());
        assert_eq!(
            verify_sshsig(sig.as_bytes(), "undersigned", b"hellO", &public),
            Err(SigError::Invalid)
        );
        assert!(matches!(
            verify_sshsig(sig.as_bytes(), "git", b"hello", &public),
            Err(SigError::Namespace { .. })
        ));
        assert!(generate(&path, "again", None).is_err(), "never overwrites");
    }

    #[test]
    fn encrypted_key_needs_the_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        generate(&path, "", Some("correct horse")).unwrap();
        assert!(matches!(
            SigningKey::load(&path, &mut no_pass),
            Err(Error::PassphraseNeeded { .. })
        ));
        let mut wrong = || Ok(Some(Zeroizing::new("wrong".to_string())));
        assert!(matches!(
            SigningKey::load(&path, &mut wrong),
            Err(Error::WrongPassphrase { .. })
        ));
        let mut right = || Ok(Some(Zeroizing::new("correct horse".to_string())));
        assert!(SigningKey::load(&path, &mut right).is_ok());
    }

    #[test]
    fn public_keys_parse_from_line_and_refuse_private_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let public = generate(&path, "c@x", None).unwrap();
        let from_file =
            PublicKeyInfo::from_file_or_line(pub_path(&path).to_str().unwrap()).unwrap();
        assert_eq!(from_file, public);
        assert!(!from_file.openssh.contains("c@x"), "comment is dropped");
        let from_line = PublicKeyInfo::from_file_or_line(&public.openssh).unwrap();
        assert_eq!(from_line, public);
        assert!(PublicKeyInfo::from_file_or_line(path.to_str().unwrap()).is_err());
        assert!(PublicKeyInfo::from_file_or_line("ssh-ed25519 AAAAnotbase64").is_err());
    }
}
