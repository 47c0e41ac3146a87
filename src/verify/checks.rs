//! How the outcome of a signature check or of the `allowed_signers` check is reported: one
//! wording for every pass, whichever thread ran the check.

use crate::keys::SigError;
use crate::layout;
use crate::report::{Broken, Rule};
use crate::signed_data::SignedData;
use crate::state::State;
use git2::Oid;

/// A commit signature by `signer` that failed its check over the commit's bytes.
pub(super) fn commit(signer: &str, valid: Result<(), SigError>) -> Option<Broken> {
    let e = valid.err()?;
    Some(Broken::new(
        Rule::Signature,
        format!("commit signature by {signer}: {e} (the commit was altered after signing, or the signature belongs to another commit)"),
    ))
}

/// A record's own signature that failed its check over the record's payload.
pub(super) fn record(sig: &SignedData, valid: Result<(), SigError>) -> Option<Broken> {
    let e = valid.err()?;
    Some(Broken::new(
        Rule::RecordSignature,
        format!("{}'s own signature on the record: {e}", sig.signer),
    ))
}

/// The committed `allowed_signers` (its blob id and mode, if present) against the file the key
/// records imply. The expected file is never rendered: its blob id is hashed straight from the
/// lines the state keeps (each key change replaces only its principal's lines). Its cost is
/// one hash of the file per commit that changes the registry: a git blob id is the SHA-1 of
/// the blob's length followed by its bytes, so no part of the hash of one version of the file
/// carries over to the next.
pub(super) fn allowed_signers(state: &State, actual: Option<(Oid, i32)>) -> Option<Broken> {
    let id = expected_id(state);
    match id {
        Ok(id) if actual == Some((id, 0o100644)) => None,
        Ok(_) => Some(Broken::new(
            Rule::Derived,
            format!(
                "allowed_signers differs from what the key records imply{}; it must list exactly the registered keys",
                if actual.is_none() { " (it is missing)" } else { "" }
            ),
        )),
        Err(e) => Some(Broken::new(
            Rule::Derived,
            format!("cannot hash the expected {}: {e}", layout::ALLOWED_SIGNERS),
        )),
    }
}

/// The blob id of [`State::allowed_signers`], hashed line by line.
///
/// This hashes bytes undersigned derives itself (no object is read here: libgit2 checks every
/// object it reads with collision-detecting SHA-1), so it uses plain SHA-1 with the CPU's
/// SHA instructions, several times faster. A collision would need an editor to make these
/// lines collide with another file: chosen-prefix SHA-1 collisions need near-random blocks,
/// and every byte here is a slug, a time or base64 of a key, each chosen from a few symbols.
fn expected_id(state: &State) -> Result<Oid, git2::Error> {
    use sha1::{Digest, Sha1};
    let header = crate::state::ALLOWED_SIGNERS_HEADER;
    let len = header.len()
        + state
            .signer_lines
            .iter()
            .map(|l| l.len() + 1)
            .sum::<usize>();
    let mut h = Sha1::new();
    h.update(format!("blob {len}\0").as_bytes());
    h.update(header.as_bytes());
    for l in &state.signer_lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    Oid::from_bytes(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::ObjectType;

    #[test]
    fn the_expected_id_is_the_blob_id_git_gives_the_rendered_file() {
        let mut state = State::default();
        assert_eq!(
            expected_id(&state).unwrap(),
            Oid::hash_object(ObjectType::Blob, state.allowed_signers().as_bytes()).unwrap()
        );
        state
            .signer_lines
            .insert("org/a ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA".into());
        state
            .signer_lines
            .insert("editor/e valid-before=\"20270101000000Z\" ssh-ed25519 AAAAB".into());
        assert_eq!(
            expected_id(&state).unwrap(),
            Oid::hash_object(ObjectType::Blob, state.allowed_signers().as_bytes()).unwrap()
        );
    }
}
