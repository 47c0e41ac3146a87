//! The bytes of a leaf: what one act added to the ledger, independent of git. A leaf is the
//! domain-separated encoding of every file the act's commit adds — its path and exact bytes —
//! so a receipt needs no commit id (which changes when `sync` republishes an act) and no
//! SHA-1, and any kind of act, present or future, is a leaf without a rule of its own.
//!
//! ```text
//! undersigned log leaf v1\n
//! <path>\n<length in decimal>\n<bytes>\n      one per file, in byte order of the paths
//! ```
//!
//! The derived `allowed_signers` is left out (it is recomputed, not asserted), and so are
//! commits that only add checkpoints and cosignatures (the log's own notes): they are not
//! leaves, so a checkpoint of size N covers exactly the first N acts, and cosigning it does
//! not move the tree its witnesses cosign.

use super::merkle::{leaf_hash, Hash};

/// The first line of every leaf.
pub const LEAF_MAGIC: &str = "undersigned log leaf v1\n";

/// The leaf bytes of an act that added `files` (path and bytes).
pub fn leaf_data<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut files: Vec<(&str, &[u8])> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = LEAF_MAGIC.as_bytes().to_vec();
    for (path, bytes) in files {
        out.extend_from_slice(path.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(bytes.len().to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(bytes);
        out.push(b'\n');
    }
    out
}

/// The files a leaf's bytes encode, or why they are not a leaf.
pub fn parse_leaf(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut rest = data
        .strip_prefix(LEAF_MAGIC.as_bytes())
        .ok_or("a leaf starts with `undersigned log leaf v1`")?;
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    while !rest.is_empty() {
        let line = |r: &[u8]| -> Result<(String, usize), String> {
            let end = r
                .iter()
                .position(|&b| b == b'\n')
                .ok_or("a leaf line without its newline")?;
            let s = std::str::from_utf8(&r[..end]).map_err(|_| "a leaf path is not UTF-8")?;
            Ok((s.to_string(), end + 1))
        };
        let (path, used) = line(rest)?;
        rest = &rest[used..];
        let (len, used) = line(rest)?;
        rest = &rest[used..];
        let n: usize = len
            .parse()
            .ok()
            .filter(|n: &usize| n.to_string() == len)
            .ok_or("a leaf file length is not a decimal number")?;
        if rest.len() < n + 1 || rest[n] != b'\n' {
            return Err("a leaf file is shorter than its length says".into());
        }
        if out
            .last()
            .is_some_and(|(p, _)| p.as_bytes() >= path.as_bytes())
        {
            return Err("a leaf's files are not in path order".into());
        }
        out.push((path, rest[..n].to_vec()));
        rest = &rest[n + 1..];
    }
    if out.is_empty() {
        return Err("a leaf holds at least one file".into());
    }
    Ok(out)
}

/// The hash of the leaf of an act that added `files`.
pub fn leaf_of<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Hash {
    leaf_hash(&leaf_data(files))
}

/// The leaf bytes of a commit: every file it adds to its first parent's tree (all of the
/// genesis's), `allowed_signers` aside. The same files verification reads for the commit.
pub fn leaf_of_commit(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
) -> Result<Vec<u8>, git2::Error> {
    let tree = commit.tree()?;
    let parent = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
    let diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), None)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for d in diff.deltas() {
        if d.status() != git2::Delta::Added {
            continue;
        }
        let Some(path) = d.new_file().path().and_then(|p| p.to_str()) else {
            continue;
        };
        if path == crate::layout::ALLOWED_SIGNERS {
            continue;
        }
        files.push((
            path.to_string(),
            repo.find_blob(d.new_file().id())?.content().to_vec(),
        ));
    }
    Ok(leaf_data(
        files.iter().map(|(p, b)| (p.as_str(), b.as_slice())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_sorted_and_read_back() {
        let a = leaf_data([("b.json", &b"{}"[..]), ("a.txt", &b"x\ny"[..])]);
        let b = leaf_data([("a.txt", &b"x\ny"[..]), ("b.json", &b"{}"[..])]);
        assert_eq!(a, b);
        assert_eq!(
            a,
            b"undersigned log leaf v1\na.txt\n3\nx\ny\nb.json\n2\n{}\n".to_vec()
        );
        assert_eq!(
            parse_leaf(&a).unwrap(),
            vec![
                ("a.txt".into(), b"x\ny".to_vec()),
                ("b.json".into(), b"{}".to_vec())
            ]
        );
        assert!(parse_leaf(b"undersigned log leaf v1\n").is_err());
        assert!(parse_leaf(b"undersigned log leaf v1\na\n5\nabc\n").is_err());
        assert!(parse_leaf(b"undersigned log leaf v1\nb\n0\n\na\n0\n\n").is_err());
    }
}
