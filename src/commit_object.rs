//! A raw commit object taken apart the way stock git takes it apart to check its signature.
//!
//! Why this exists: undersigned promises the same verdict as `git verify-commit` and
//! `git log --format=%G?` on every commit (DESIGN.md, principle 8). libgit2's
//! `git_commit_extract_signature` does not read commits as git does: it scans the whole object,
//! message included, for a `gpgsig` line, and keeps any later `gpgsig*` header inside the bytes
//! it calls signed. So a key holder could write commits that libgit2 called signed and git calls
//! unsigned (`N`: a signature in the message and none in the header) or bad (`B`: two `gpgsig`
//! headers, or an extra `gpgsig-sha256` header, with the signature made over what libgit2
//! reads). This module reads the raw bytes once, as git does, and the verifier, the hook and
//! sync all take the signature and its payload from here.
//!
//! What git does (`commit.c`, `parse_buffer_signed_by_header`, read for git 2.47 and later,
//! unchanged since): it walks the lines of the header block, which ends at the first empty
//! line. A line `gpgsig SP value` starts the signature, and each following line that starts
//! with a space continues it, with exactly that one space removed; the signature is those values
//! joined with the line feeds they had. A second `gpgsig` header is appended to the same
//! signature (ssh-keygen then reads only the first armor in it and ignores the rest). Every
//! other header line that starts with `gpgsig` (`gpgsig-sha256`, which a SHA-1 repository does
//! not check, but also `gpgsigx` or a bare `gpgsig`) is dropped together with its
//! continuation lines. The payload is the object without those lines, all else untouched,
//! message included. `gpg-interface.c` then hands the signature to `ssh-keygen -Y verify` when
//! it starts with `-----BEGIN SSH SIGNATURE-----` and stops with "bad/incompatible signature"
//! when it starts with no armor it knows.
//!
//! [`git_split`] is that procedure, byte for byte. [`read`] adds the refusals that make the
//! verdict the same for every reader: a commit that git, libgit2 or ssh-keygen could read in
//! two ways is refused by name instead of being judged one way. See
//! [`crate::signed_data`] for the other payloads undersigned signs.

use git2::{Oid, Repository};

/// The header of the one signature a SHA-1 repository checks.
pub const SIGNATURE_HEADER: &[u8] = b"gpgsig";

/// The header git checks instead in a SHA-256 repository, and ignores (leaves out of the
/// payload, checks nothing) in a SHA-1 one.
pub const SHA256_SIGNATURE_HEADER: &[u8] = b"gpgsig-sha256";

/// A commit object split as git splits it for signature checking: exactly what
/// `parse_buffer_signed_by_header` returns in a SHA-1 repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSplit {
    /// The values of every `gpgsig` header, continuation lines joined as git joins them; `None`
    /// when there is no `gpgsig` header (git: `N`, unsigned).
    pub signature: Option<Vec<u8>>,
    /// The object without any header line starting with `gpgsig` and those lines' continuation
    /// lines: the bytes the signature must cover.
    pub payload: Vec<u8>,
}

/// A commit's one signature and the exact bytes it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCommit {
    /// The armored signature, as git hands it to ssh-keygen (ending in a line feed).
    pub signature: Vec<u8>,
    /// The commit object without its signature header.
    pub payload: Vec<u8>,
}

impl SignedCommit {
    /// The armor to parse: the signature without the whitespace after its END line (git keeps
    /// it, ssh-keygen ignores everything after that line, and the SSHSIG parser does not take
    /// it). Nothing the signature covers or says is in what is cut.
    pub fn armor(&self) -> &[u8] {
        self.signature.trim_ascii_end()
    }
}

/// Why a commit's signature is refused before any key or signature is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// A NUL byte anywhere in the object. libgit2 measures commit bytes with `strlen` in places
    /// (what follows the NUL would be read by one reader and not another), and no act writes one.
    #[error("commit object contains a NUL byte (at byte {offset}); git and libgit2 read the bytes after it differently, so no signature can be said to cover them")]
    Nul {
        /// Offset of the first NUL byte.
        offset: usize,
    },
    /// The object does not start with a `tree` line: git calls it a bogus commit object and
    /// reads none of it.
    #[error("commit object does not start with a tree line; git refuses it as a bogus commit")]
    NoTree,
    /// More than one `gpgsig` header. git appends them into one signature and ssh-keygen checks
    /// only the first, so the others are bytes that no one checks.
    #[error("commit has {count} gpgsig headers; a commit carries exactly one signature (git checks only the first, and libgit2 counts the others as signed bytes)")]
    TwoSignatures {
        /// How many `gpgsig` headers.
        count: usize,
    },
    /// A `gpgsig-sha256` header: a second signature that a SHA-1 repository never checks, and
    /// that git leaves out of the payload while libgit2 keeps it in.
    #[error("commit has a gpgsig-sha256 header, a second signature that git does not check in this SHA-1 repository; a commit carries exactly one signature, in its gpgsig header")]
    Sha256Signature,
    /// Another header line starting with `gpgsig`: git leaves it out of the payload, so
    /// nothing signs what it says.
    #[error("commit has a header line {line:?} that git leaves out of the signed bytes (as every header line starting with \"gpgsig\"), so no signature covers it")]
    UnsignedHeader {
        /// The start of the line, lossily decoded, for the message.
        line: String,
    },
    /// The `gpgsig` header stands before the `committer` line. Both git and libgit2 write it
    /// after every other header; readers find the parents, author and committer only in that
    /// order, so such a commit is read differently (git takes a commit with `gpgsig` between
    /// `tree` and `parent` for a root commit; libgit2 cannot read it).
    #[error("commit's gpgsig header stands before its committer line; git and libgit2 write it after every other header and read the commit differently when it is not")]
    Misplaced,
}

/// What a commit object says about its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No `gpgsig` header in the header block (git: `N`). A signature in the message is no
    /// signature.
    Unsigned,
    /// One `gpgsig` header, in its place: the signature to check and the bytes it must cover.
    Signed(SignedCommit),
    /// Malformed or ambiguous: refused whatever the signature says.
    Refused(Refusal),
}

/// `parse_buffer_signed_by_header` of git's `commit.c` for a SHA-1 repository, line by line.
/// Never fails: every byte string splits.
pub fn git_split(raw: &[u8]) -> GitSplit {
    let mut signature = Vec::new();
    let mut payload = Vec::with_capacity(raw.len());
    let (mut in_signature, mut saw_signature, mut other_signature) = (false, false, false);
    let mut at = 0;
    while at < raw.len() {
        let mut next = match raw[at..].iter().position(|&b| b == b'\n') {
            Some(i) => at + i + 1,
            None => raw.len(),
        };
        let line = &raw[at..next];
        let mut value = None;
        if in_signature && line[0] == b' ' {
            value = Some(at + 1);
        } else if line.starts_with(SIGNATURE_HEADER)
            && line.get(SIGNATURE_HEADER.len()) == Some(&b' ')
        {
            value = Some(at + SIGNATURE_HEADER.len() + 1);
            other_signature = false;
        } else if line.starts_with(SIGNATURE_HEADER) {
            other_signature = true;
        } else if other_signature && line[0] != b' ' {
            other_signature = false;
        }
        match value {
            Some(v) => {
                signature.extend_from_slice(&raw[v..next]);
                saw_signature = true;
                in_signature = true;
            }
            None => {
                if line[0] == b'\n' {
                    // The empty line ends the header block: the rest is the message, kept whole.
                    next = raw.len();
                }
                if !other_signature {
                    payload.extend_from_slice(&raw[at..next]);
                }
                in_signature = false;
            }
        }
        at = next;
    }
    GitSplit {
        signature: saw_signature.then_some(signature),
        payload,
    }
}

/// The lines of the header block (each without its line feed): up to the first empty line.
fn header_lines(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    raw.split(|&b| b == b'\n').take_while(|l| !l.is_empty())
}

/// Reads a raw commit object as git reads it for its signature, refusing what readers could
/// judge differently (see [`Refusal`]).
pub fn read(raw: &[u8]) -> Verdict {
    if let Some(offset) = raw.iter().position(|&b| b == 0) {
        return Verdict::Refused(Refusal::Nul { offset });
    }
    if !raw.starts_with(b"tree ") {
        return Verdict::Refused(Refusal::NoTree);
    }
    let mut count = 0;
    let mut committer_seen = false;
    for line in header_lines(raw) {
        if line.starts_with(b"committer ") {
            committer_seen = true;
        }
        if !line.starts_with(SIGNATURE_HEADER) {
            continue;
        }
        match line.get(SIGNATURE_HEADER.len()) {
            Some(b' ') => {
                count += 1;
                if !committer_seen {
                    return Verdict::Refused(Refusal::Misplaced);
                }
            }
            _ if line.starts_with(SHA256_SIGNATURE_HEADER)
                && line.get(SHA256_SIGNATURE_HEADER.len()) == Some(&b' ') =>
            {
                return Verdict::Refused(Refusal::Sha256Signature);
            }
            _ => {
                let shown = &line[..line.len().min(40)];
                return Verdict::Refused(Refusal::UnsignedHeader {
                    line: String::from_utf8_lossy(shown).into_owned(),
                });
            }
        }
    }
    if count > 1 {
        return Verdict::Refused(Refusal::TwoSignatures { count });
    }
    let split = git_split(raw);
    match split.signature {
        None => Verdict::Unsigned,
        Some(signature) => Verdict::Signed(SignedCommit {
            signature,
            payload: split.payload,
        }),
    }
}

/// The value of every header line named `key` (`parent`, `author`, `committer`).
pub fn header_values<'a>(raw: &'a [u8], key: &[u8]) -> Vec<&'a [u8]> {
    header_lines(raw)
        .filter_map(|l| l.strip_prefix(key).and_then(|rest| rest.strip_prefix(b" ")))
        .collect()
}

/// The first parent a commit object names, read from its bytes (for a commit libgit2 cannot
/// parse, whose history must still be walked to report it by name).
pub fn first_parent(raw: &[u8]) -> Option<Oid> {
    let value = header_values(raw, b"parent").into_iter().next()?;
    Oid::from_str(std::str::from_utf8(value).ok()?).ok()
}

/// The time of an identity line's value (`Name <email> 1795860163 +0000`), in seconds, when it
/// is a number at all; `Err` with the text it holds otherwise.
pub fn ident_time(value: &[u8]) -> Result<i64, String> {
    let after = value
        .iter()
        .rposition(|&b| b == b'>')
        .map(|i| &value[i + 1..])
        .unwrap_or_default();
    let text = String::from_utf8_lossy(after);
    let secs = text.split_whitespace().next().unwrap_or_default();
    secs.parse::<i64>().map_err(|_| secs.to_string())
}

/// Reads commit `id` from the object database (the raw bytes, once) and [`read`]s it.
pub fn read_object(repo: &Repository, id: Oid) -> Result<Verdict, git2::Error> {
    let odb = repo.odb()?;
    let object = odb.read(id)?;
    if object.kind() != git2::ObjectType::Commit {
        return Err(git2::Error::from_str(&format!(
            "object {id} is a {}, not a commit",
            object.kind()
        )));
    }
    Ok(read(object.data()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n";
    const SIG: &str =
        "gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n";

    fn commit(parts: &[&str]) -> Vec<u8> {
        parts.concat().into_bytes()
    }

    fn signed(raw: &[u8]) -> SignedCommit {
        match read(raw) {
            Verdict::Signed(s) => s,
            other => panic!("not signed: {other:?}"),
        }
    }

    #[test]
    fn a_signed_commit_splits_into_signature_and_payload() {
        let raw = commit(&[HEAD, SIG, "\nmessage\n"]);
        let s = signed(&raw);
        assert_eq!(
            s.signature,
            b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"
        );
        assert_eq!(s.payload, commit(&[HEAD, "\nmessage\n"]));
    }

    #[test]
    fn only_one_space_of_a_continuation_line_is_removed() {
        let raw = commit(&[HEAD, "gpgsig a\n  b\n \n  \n", "\nmessage\n"]);
        assert_eq!(signed(&raw).signature, b"a\n b\n\n \n");
    }

    #[test]
    fn a_signature_in_the_message_is_no_signature() {
        let raw = commit(&[HEAD, "\nmessage\n", SIG]);
        assert_eq!(read(&raw), Verdict::Unsigned);
        let split = git_split(&raw);
        assert_eq!(split.signature, None);
        assert_eq!(
            split.payload, raw,
            "the message is the payload's, untouched"
        );
        // With a signature in the header too, the one in the message is just message.
        let raw = commit(&[HEAD, SIG, "\nmessage\n", SIG]);
        assert_eq!(signed(&raw).payload, commit(&[HEAD, "\nmessage\n", SIG]));
    }

    #[test]
    fn git_joins_two_gpgsig_headers_and_read_refuses_them() {
        let raw = commit(&[HEAD, "gpgsig a\n b\ngpgsig c\n", "\nm\n"]);
        let split = git_split(&raw);
        assert_eq!(split.signature.as_deref(), Some(&b"a\nb\nc\n"[..]));
        assert_eq!(split.payload, commit(&[HEAD, "\nm\n"]));
        assert_eq!(
            read(&raw),
            Verdict::Refused(Refusal::TwoSignatures { count: 2 })
        );
    }

    #[test]
    fn git_drops_every_gpgsig_header_from_the_payload() {
        for other in [
            "gpgsig-sha256 x\n y\n",
            "gpgsigx x\n",
            "gpgsig\n",
            "gpgsig-sha256x\n z\n",
        ] {
            let raw = commit(&[HEAD, SIG, other, "\nm\n"]);
            let split = git_split(&raw);
            assert_eq!(split.payload, commit(&[HEAD, "\nm\n"]), "{other:?}");
            assert_eq!(
                split.signature.as_deref(),
                Some(
                    &b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"[..]
                )
            );
            assert!(matches!(read(&raw), Verdict::Refused(_)), "{other:?}");
        }
        assert_eq!(
            read(&commit(&[HEAD, "gpgsig-sha256 x\n", "\nm\n"])),
            Verdict::Refused(Refusal::Sha256Signature)
        );
    }

    #[test]
    fn an_other_signature_ends_at_the_next_header_line() {
        // The continuation lines of gpgsig-sha256 go with it; the header after it stays.
        let raw = commit(&[HEAD, "gpgsig-sha256 x\n y\nencoding z\n", "\nm\n"]);
        assert_eq!(
            git_split(&raw).payload,
            commit(&[HEAD, "encoding z\n", "\nm\n"])
        );
    }

    #[test]
    fn a_misplaced_signature_header_is_refused() {
        let raw = commit(&[SIG, HEAD, "\nm\n"]);
        assert_eq!(read(&raw), Verdict::Refused(Refusal::NoTree));
        let raw = commit(&[
            "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n",
            SIG,
            "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n",
        ]);
        assert_eq!(read(&raw), Verdict::Refused(Refusal::Misplaced));
        // After the committer line, and after an encoding header, it is where writers put it.
        let raw = commit(&[HEAD, "encoding ISO-8859-1\n", SIG, "\nm\n"]);
        assert_eq!(
            signed(&raw).payload,
            commit(&[HEAD, "encoding ISO-8859-1\n", "\nm\n"])
        );
    }

    #[test]
    fn a_nul_anywhere_is_refused() {
        let mut raw = commit(&[HEAD, SIG, "\nm"]);
        let at = raw.len();
        raw.extend_from_slice(b"\0tail\n");
        assert_eq!(read(&raw), Verdict::Refused(Refusal::Nul { offset: at }));
        assert!(Refusal::Nul { offset: at }.to_string().contains("NUL"));
    }

    #[test]
    fn header_only_objects_and_missing_line_feeds_split() {
        let raw = commit(&[HEAD, "gpgsig a\n b"]);
        let split = git_split(&raw);
        assert_eq!(split.signature.as_deref(), Some(&b"a\nb"[..]));
        assert_eq!(split.payload, HEAD.as_bytes());
        assert_eq!(
            git_split(b""),
            GitSplit {
                signature: None,
                payload: Vec::new()
            }
        );
        assert_eq!(git_split(b"\n").payload, b"\n");
        assert_eq!(git_split(b"gpgsig ").signature.as_deref(), Some(&b""[..]));
    }

    #[test]
    fn continuation_lines_outside_a_signature_stay() {
        let raw = commit(&[HEAD, "mergetag object x\n type commit\n", SIG, "\nm\n"]);
        assert_eq!(
            signed(&raw).payload,
            commit(&[HEAD, "mergetag object x\n type commit\n", "\nm\n"])
        );
    }
}
