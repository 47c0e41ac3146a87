//! Reading one commit for the pass over history: everything about it that does not depend on
//! the ledger's state, so that many commits can be read at once on every core while one thread
//! applies the rules in history order ([`super::pipeline`]).
//!
//! For each commit, once: its raw object is read (libgit2 checks it against its id) and taken
//! apart by [`crate::commit_object`], the one git-exact parser, which gives both the header
//! facts the rules read and the signature with the bytes it covers; the signature's armor is
//! parsed and checked over those bytes; its tree is compared with its parent's
//! ([`super::tree_diff`]); the files it adds are read with the size their kind allows, decoded
//! as the records their paths name, and an act record's own signature is parsed and checked
//! ([`Prepared`]). What is left for the ordered thread is deciding: who the keys belong to,
//! what the parent's state allows, and applying it.

use super::tree_diff::{Diff, TreeCache, Trees};
use crate::commit_object::{self, Verdict};
use crate::keys::{ParsedSig, SigError};
use crate::layout::{self, Entry};
use crate::record::{
    self, ActRecord, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, PersonRecord, RemovalRecord,
    RevocationRecord, SignOnRecord, VersionRecord,
};
use crate::report::{Broken, Rule};
use crate::rules::{self, File, Prepared, PreparedSig};
use crate::signed_data::{act_payload, ACT_NAMESPACE, COMMIT_NAMESPACE};
use git2::{ObjectType, Odb, Oid, Repository};

/// The header facts the rules read of a commit, as libgit2 reads them.
pub(crate) struct Header {
    /// The commit's tree.
    pub tree: Oid,
    /// Author and committer times, in seconds.
    pub author_time: i64,
    pub time: i64,
    /// Author and committer e-mail addresses (`None` when not UTF-8).
    pub author_email: Option<String>,
    pub committer_email: Option<String>,
}

/// A commit's signature, parsed and checked over the bytes git says it covers.
pub(crate) struct CommitSig {
    /// The parsed signature (namespace and algorithm checked).
    pub parsed: ParsedSig,
    /// The check of the signature over the commit's bytes with the key it names.
    pub valid: Result<(), SigError>,
}

/// What a commit adds, changes and removes, with the added files read and prepared.
pub(crate) struct Read {
    /// Changed or removed files other than `allowed_signers`, and whether `allowed_signers` was
    /// changed or removed.
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub signers_touched: bool,
    /// Entries of a shape no ledger has.
    pub bad: Vec<(String, String)>,
    /// Added paths no ledger holds, in the tree's order.
    pub unknown: Vec<String>,
    /// The added files a ledger may hold, in the tree's order.
    pub files: Vec<File>,
    /// The root's `allowed_signers` entry: its blob id and mode.
    pub signers_blob: Option<(Oid, i32)>,
}

/// One commit, read.
pub(crate) struct CommitRead {
    pub id: Oid,
    /// Its header, or why it cannot be read at all (the pass stops there, naming it).
    pub header: Result<Header, Broken>,
    /// Its signature, or why there is none to check.
    pub sig: Result<CommitSig, Broken>,
    /// Its changes, or why a git object of it cannot be read (the pass stops there).
    pub read: Result<Read, String>,
}

/// Reads commits for the pass, keeping the trees of the last one read for the next.
pub(crate) struct Reader<'r> {
    repo: &'r Repository,
    odb: Odb<'r>,
    trees: Trees<'r>,
    /// Keys decoded so far (`None`: not a valid key), each once.
    keys: Keys,
    /// The tree of the commit read last, when the next is its child.
    last: Option<(Oid, Oid)>,
}

impl<'r> Reader<'r> {
    pub fn new(repo: &'r Repository, cache: &'r TreeCache) -> Result<Reader<'r>, git2::Error> {
        Ok(Reader {
            repo,
            odb: repo.odb()?,
            trees: Trees::new(cache),
            keys: Keys::default(),
            last: None,
        })
    }

    /// Reads commit `id`, whose first parent is `parent` (none for the genesis).
    pub fn read(&mut self, id: Oid, parent: Option<Oid>) -> CommitRead {
        let raw = raw_commit(&self.odb, id);
        let header = match &raw {
            Ok(raw) => header(self.repo, id, raw),
            Err(e) => Err(unreadable(&[], e)),
        };
        let sig = match &raw {
            Ok(raw) => signature(raw, &mut self.keys),
            Err(e) => Err(Broken::new(
                Rule::Object,
                format!("commit object cannot be read: {e}"),
            )),
        };
        let read = match &header {
            Ok(h) => {
                let parent_tree = match parent {
                    None => Ok(None),
                    Some(p) => self.tree_of(p).map(Some),
                };
                let read = parent_tree.and_then(|pt| self.changes(pt, h.tree));
                self.last = read.as_ref().ok().map(|_| (id, h.tree));
                read
            }
            Err(_) => {
                self.last = None;
                Err("the commit cannot be read".into())
            }
        };
        CommitRead {
            id,
            header,
            sig,
            read,
        }
    }

    /// The tree of commit `id`: known when it is the commit read last.
    fn tree_of(&mut self, id: Oid) -> Result<Oid, String> {
        if let Some((c, t)) = self.last {
            if c == id {
                return Ok(t);
            }
        }
        let raw = self.odb.read(id).map_err(|e| e.to_string())?;
        let tree = commit_object::header_values(raw.data(), b"tree")
            .first()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| Oid::from_str(t).ok());
        match tree {
            Some(t) => Ok(t),
            None => self
                .repo
                .find_commit(id)
                .map(|c| c.tree_id())
                .map_err(|e| e.to_string()),
        }
    }

    fn changes(&mut self, parent: Option<Oid>, tree: Oid) -> Result<Read, String> {
        let (diff, signers_blob) = self.trees.diff(&self.odb, parent, tree)?;
        Ok(self.prepare(diff, signers_blob))
    }

    fn prepare(&mut self, diff: Diff, signers_blob: Option<(Oid, u32)>) -> Read {
        let Diff {
            added,
            mut changed,
            mut removed,
            bad,
        } = diff;
        let signers_touched = changed
            .iter()
            .chain(removed.iter())
            .any(|p| p == layout::ALLOWED_SIGNERS);
        changed.retain(|p| p != layout::ALLOWED_SIGNERS);
        removed.retain(|p| p != layout::ALLOWED_SIGNERS);
        let mut unknown = Vec::new();
        let mut files = Vec::with_capacity(added.len());
        for (path, blob) in added {
            let Some(entry) = layout::classify(&path) else {
                unknown.push(path);
                continue;
            };
            let bytes = match entry {
                // Derived: compared by blob id, never read.
                Entry::AllowedSigners => Ok(Vec::new()),
                Entry::VersionText { .. } | Entry::TranslationText { .. } => {
                    self.blob(blob, rules::fields::MAX_TEXT_BYTES)
                }
                Entry::Ledger
                | Entry::Editor { .. }
                | Entry::EditorKey { .. }
                | Entry::EditorRevocation { .. }
                | Entry::EditorRemoved { .. }
                | Entry::Org { .. }
                | Entry::OrgKey { .. }
                | Entry::OrgRevocation { .. }
                | Entry::VersionMeta { .. }
                | Entry::Act { .. }
                | Entry::Person { .. }
                | Entry::PersonKey { .. }
                | Entry::PersonRevocation { .. }
                | Entry::PersonAct { .. }
                | Entry::SignOn { .. }
                | Entry::Checkpoint { .. }
                | Entry::Cosignature { .. }
                | Entry::Quorum { .. } => self.blob(blob, record::MAX_RECORD_BYTES),
            };
            let mut file = File {
                path,
                entry,
                blob,
                bytes,
                prepared: None,
            };
            file.prepared = Some(Box::new(prepare(&file, &mut self.keys)));
            files.push(file);
        }
        Read {
            changed,
            removed,
            signers_touched,
            bad,
            unknown,
            files,
            signers_blob: signers_blob.map(|(id, mode)| (id, mode as i32)),
        }
    }

    /// Reads a blob after checking its size in the object header, so an oversized file is
    /// refused without being loaded.
    fn blob(&self, oid: Oid, max: usize) -> Result<Vec<u8>, Broken> {
        let unreadable =
            |e: git2::Error| Broken::new(Rule::Object, format!("cannot read blob {oid}: {e}"));
        let (size, _) = self.odb.read_header(oid).map_err(unreadable)?;
        if size > max {
            return Err(Broken::new(
                Rule::Record,
                format!("file is {size} bytes; at most {max} are allowed"),
            ));
        }
        let object = self.odb.read(oid).map_err(unreadable)?;
        Ok(object.data().to_vec())
    }
}

/// The keys a reader has decoded, by their raw bytes.
#[derive(Default)]
struct Keys(std::collections::HashMap<[u8; 32], Option<ed25519_dalek::VerifyingKey>>);

impl Keys {
    /// [`ParsedSig::verify`], decoding the key it names only the first time it is seen.
    fn verify(&mut self, sig: &ParsedSig, msg: &[u8]) -> Result<(), SigError> {
        let key = self
            .0
            .entry(sig.key_raw)
            .or_insert_with(|| ed25519_dalek::VerifyingKey::from_bytes(&sig.key_raw).ok());
        match key {
            Some(k) => sig.verify_with(k, msg),
            None => Err(SigError::Invalid),
        }
    }
}

/// The bytes of commit `id` (libgit2 checks them against the id as it reads them).
fn raw_commit(odb: &Odb<'_>, id: Oid) -> Result<Vec<u8>, String> {
    let object = odb.read(id).map_err(|e| e.to_string())?;
    if object.kind() != ObjectType::Commit {
        return Err(format!("object {id} is a {}, not a commit", object.kind()));
    }
    Ok(object.data().to_vec())
}

/// The record a file's path names, decoded, and an act record's signature parsed and checked.
fn prepare(f: &File, keys: &mut Keys) -> Prepared {
    fn boxed<T: serde::Serialize + serde::de::DeserializeOwned + Send + 'static>(
        f: &File,
    ) -> Option<Result<Box<dyn std::any::Any + Send>, Broken>> {
        Some(rules::decode_bytes::<T>(f).map(|t| Box::new(t) as Box<dyn std::any::Any + Send>))
    }
    let record = match &f.entry {
        Entry::AllowedSigners | Entry::VersionText { .. } | Entry::TranslationText { .. } => None,
        Entry::Ledger => boxed::<LedgerRecord>(f),
        Entry::Editor { .. } => boxed::<EditorRecord>(f),
        Entry::Org { .. } => boxed::<OrgRecord>(f),
        Entry::Person { .. } => boxed::<PersonRecord>(f),
        Entry::EditorKey { .. } | Entry::OrgKey { .. } | Entry::PersonKey { .. } => {
            boxed::<KeyRecord>(f)
        }
        Entry::EditorRevocation { .. }
        | Entry::OrgRevocation { .. }
        | Entry::PersonRevocation { .. } => boxed::<RevocationRecord>(f),
        Entry::SignOn { .. } => boxed::<SignOnRecord>(f),
        Entry::EditorRemoved { .. } => boxed::<RemovalRecord>(f),
        Entry::VersionMeta { .. } => boxed::<VersionRecord>(f),
        Entry::Act { .. } | Entry::PersonAct { .. } => boxed::<ActRecord>(f),
        // The log's records are few and decoded by their rules, in order.
        Entry::Checkpoint { .. } | Entry::Cosignature { .. } | Entry::Quorum { .. } => None,
    };
    let signature = match &record {
        Some(Ok(any)) => any.downcast_ref::<ActRecord>().map(|r| {
            let parsed = ParsedSig::parse(r.signature.as_bytes(), ACT_NAMESPACE);
            let valid = match &parsed {
                Ok(p) => keys.verify(p, &act_payload(r)),
                Err(_) => Ok(()),
            };
            PreparedSig { parsed, valid }
        }),
        _ => None,
    };
    Prepared { record, signature }
}

/// The signature of a raw commit and the check of it over the bytes stock git says it covers,
/// or why there is none to check.
fn signature(raw: &[u8], keys: &mut Keys) -> Result<CommitSig, Broken> {
    let signed = match commit_object::read(raw) {
        Verdict::Signed(signed) => signed,
        Verdict::Unsigned => return Err(Broken::new(
            Rule::Signature,
            "commit is not signed (no gpgsig header); every act must be signed by a registered key",
        )),
        Verdict::Refused(why) => return Err(Broken::new(Rule::Signature, why.to_string())),
    };
    let parsed = ParsedSig::parse(signed.armor(), COMMIT_NAMESPACE)
        .map_err(|e| Broken::new(Rule::Signature, format!("commit signature: {e}")))?;
    let valid = keys.verify(&parsed, &signed.payload);
    Ok(CommitSig { parsed, valid })
}

/// The header facts of a raw commit: read from its bytes when it has the one plain shape every
/// writer gives a commit (and then libgit2 reads it the same way), else from libgit2's own
/// parse, so that a commit libgit2 cannot read is reported exactly as before.
fn header(repo: &Repository, id: Oid, raw: &[u8]) -> Result<Header, Broken> {
    if let Some(h) = plain_header(raw) {
        return Ok(h);
    }
    match repo.find_commit(id) {
        Ok(c) => Ok(Header {
            tree: c.tree_id(),
            author_time: c.author().when().seconds(),
            time: c.time().seconds(),
            author_email: c.author().email().ok().map(str::to_string),
            committer_email: c.committer().email().ok().map(str::to_string),
        }),
        Err(e) => Err(unreadable(raw, &e.to_string())),
    }
}

/// A header of the plain shape: `tree`, `parent`s, `author`, `committer`, each well-formed,
/// in that order, then any other headers. `None` for anything else.
fn plain_header(raw: &[u8]) -> Option<Header> {
    let mut lines = raw.split(|&b| b == b'\n');
    let tree = hex_oid(lines.next()?.strip_prefix(b"tree ")?)?;
    let mut line = lines.next()?;
    while let Some(p) = line.strip_prefix(b"parent ") {
        hex_oid(p)?;
        line = lines.next()?;
    }
    let (author_email, author_time) = ident(line.strip_prefix(b"author ")?)?;
    let (committer_email, time) = ident(lines.next()?.strip_prefix(b"committer ")?)?;
    Some(Header {
        tree,
        author_time,
        time,
        author_email,
        committer_email,
    })
}

fn hex_oid(text: &[u8]) -> Option<Oid> {
    if text.len() != 40 || !text.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Oid::from_str(std::str::from_utf8(text).ok()?).ok()
}

/// `Name <email> <seconds> <+hhmm>` with exactly one `<` and one `>`, the seconds plain
/// digits: the e-mail (as libgit2 gives it: `None` when not UTF-8) and the time.
fn ident(value: &[u8]) -> Option<(Option<String>, i64)> {
    let open = value.iter().position(|&b| b == b'<')?;
    let close = value.iter().position(|&b| b == b'>')?;
    let count = |c: u8| value.iter().filter(|&&b| b == c).count();
    if close < open || count(b'<') != 1 || count(b'>') != 1 {
        return None;
    }
    let email = std::str::from_utf8(&value[open + 1..close])
        .ok()
        .map(str::to_string);
    let rest = value[close + 1..].strip_prefix(b" ")?;
    let (secs, tz) = match rest.iter().position(|&b| b == b' ') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => return None,
    };
    let tz_ok =
        tz.len() == 5 && matches!(tz[0], b'+' | b'-') && tz[1..].iter().all(u8::is_ascii_digit);
    if secs.is_empty() || secs.len() > 18 || !secs.iter().all(u8::is_ascii_digit) || !tz_ok {
        return None;
    }
    let time = std::str::from_utf8(secs).ok()?.parse::<i64>().ok()?;
    Some((email, time))
}

/// Why a commit cannot be read: a date no reader handles (`time`), or else (`object`).
pub(crate) fn unreadable(raw: &[u8], e: &str) -> Broken {
    for who in [&b"author"[..], b"committer"] {
        for value in commit_object::header_values(raw, who) {
            let bad = match commit_object::ident_time(value) {
                Ok(secs) if crate::timefmt::secs_in_range(secs) => continue,
                Ok(secs) => secs.to_string(),
                Err(text) => text,
            };
            return Broken::new(Rule::Time, format!(
                "commit is dated {bad:?}, which is not a time git and ssh-keygen handle (the years 1970 to 9999); history after it is not checked"
            ));
        }
    }
    Broken::new(
        Rule::Object,
        format!(
            "a git object of this commit cannot be read ({e}); history after it is not checked"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_header_is_read_and_anything_else_is_left_to_libgit2() {
        let t = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
        let p = "parent 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
        let a = "author A <a@x> 17 +0000\ncommitter C <c@y> 18 -0130\n";
        let h = plain_header(format!("{t}{p}{a}\nm\n").as_bytes()).expect("plain");
        assert_eq!((h.author_time, h.time), (17, 18));
        assert_eq!(h.author_email.as_deref(), Some("a@x"));
        assert_eq!(h.committer_email.as_deref(), Some("c@y"));
        for odd in [
            format!("{p}{t}{a}\n"),
            format!("{t}author A <a@x> 99999999999999999999 +0000\ncommitter C <c@y> 1 +0000\n"),
            format!("{t}author A <a<@x> 1 +0000\ncommitter C <c@y> 1 +0000\n"),
            format!("{t}author A <a@x> -1 +0000\ncommitter C <c@y> 1 +0000\n"),
            format!("{t}author A <a@x> 1 +00\ncommitter C <c@y> 1 +0000\n"),
            format!("{t}committer C <c@y> 1 +0000\n"),
            "tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\n".to_string(),
        ] {
            assert!(plain_header(odd.as_bytes()).is_none(), "{odd:?}");
        }
    }
}
