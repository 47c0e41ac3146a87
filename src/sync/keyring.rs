//! The keys `sync` re-signs this clone's unpublished acts with: the key file this clone
//! remembers for each act ([`crate::local::LocalDir::keys_used`]), else `--key`.

use crate::commit_object::{self, Verdict};
use crate::error::{Error, Result};
use crate::keys::{ParsedSig, SigningKey};
use crate::signed_data::COMMIT_NAMESPACE;
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Where the key of each unpublished act comes from.
pub struct Keys<'a> {
    /// `--key`: used for any act whose signer it is.
    pub fallback: Option<PathBuf>,
    /// Asks for the passphrase of an encrypted key file.
    pub passphrase: &'a mut dyn FnMut(&Path) -> Result<Option<Zeroizing<String>>>,
}

pub(super) struct KeyRing<'a, 'k> {
    pub keys: &'k mut Keys<'a>,
    pub remembered: HashMap<Oid, PathBuf>,
    pub loaded: HashMap<PathBuf, SigningKey>,
}

impl KeyRing<'_, '_> {
    /// The key that signed `commit`: the file this clone remembers for it, else `--key`.
    pub fn for_commit(&mut self, repo: &Repository, commit: Oid) -> Result<&SigningKey> {
        let fingerprint = commit_signer(repo, commit)?;
        let mut candidates: Vec<PathBuf> = Vec::new();
        candidates.extend(self.remembered.get(&commit).cloned());
        candidates.extend(self.keys.fallback.clone());
        let mut found = None;
        for path in candidates {
            if !self.loaded.contains_key(&path) {
                let passphrase = &mut self.keys.passphrase;
                let key = SigningKey::load(&path, &mut || passphrase(&path))?;
                self.loaded.insert(path.clone(), key);
            }
            if self.loaded.get(&path).map(SigningKey::fingerprint) == Some(&fingerprint) {
                found = Some(path);
                break;
            }
        }
        match found.and_then(|p| self.loaded.get(&p)) {
            Some(key) => Ok(key),
            None => Err(Error::KeyFileUnknown {
                commit: commit.to_string(),
                fingerprint,
            }),
        }
    }
}

/// The fingerprint of the key that signed a commit (its `gpgsig` header, read as git reads it:
/// [`crate::commit_object`]).
fn commit_signer(repo: &Repository, commit: Oid) -> Result<String> {
    let unsigned = |why: String| Error::CannotPublish {
        why: format!("unpublished commit {commit} {why}"),
    };
    let signed = match commit_object::read_object(repo, commit)? {
        Verdict::Signed(signed) => signed,
        Verdict::Unsigned => return Err(unsigned("is not signed".into())),
        Verdict::Refused(why) => {
            return Err(unsigned(format!(
                "has a signature that cannot be read ({why})"
            )))
        }
    };
    let parsed = ParsedSig::parse(signed.armor(), COMMIT_NAMESPACE)
        .map_err(|e| unsigned(format!("has a signature that cannot be read ({e})")))?;
    Ok(parsed.key_fingerprint())
}
