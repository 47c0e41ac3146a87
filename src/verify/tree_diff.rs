//! What a commit changes, found by comparing its tree with its parent's by entry ids and
//! descending only into subtrees whose id changed: an act touches a handful of entries, so this
//! costs a few tree reads whatever the ledger's size.
//!
//! Trees are read as raw objects (libgit2 checks each one's id against its content as it reads
//! it) and compared by one linear merge of their entries, which git keeps sorted: no sort, no
//! search, no allocation per entry. A tree whose entries are not in git's order is a malformed
//! tree, reported as such, and then compared by name the slow way so that the rest of the
//! report does not depend on how it is malformed.

use git2::{ObjectType, Odb, Oid};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Deepest directory nesting a ledger uses (`statements/<s>/acts/<ff>/<org>/` is five levels).
const MAX_DEPTH: usize = 5;

/// A tree entry's mode for a directory, and the one plain file mode a ledger holds.
const DIR: u32 = 0o040000;
const FILE: u32 = 0o100644;

/// The files a commit adds, changes and removes, and the entries of a shape no ledger has.
#[derive(Default)]
pub(super) struct Diff {
    pub added: Vec<(String, Oid)>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub bad: Vec<(String, String)>,
}

/// One tree object, its entries located in its bytes.
pub(super) struct RawTree {
    data: Vec<u8>,
    /// Per entry: mode, and where its name starts and ends (the 20-byte id follows the NUL).
    entries: Vec<(u32, u32, u32)>,
    /// The entries are strictly increasing in git's order: found once when the tree is read,
    /// since a tree is compared as the new side of one commit and the old side of the next.
    sorted: bool,
}

impl RawTree {
    /// Parses a tree object's bytes as libgit2 does: `<octal mode> <name>\0<20-byte id>`
    /// repeated. `None` when the bytes are not a tree at all.
    fn parse(data: Vec<u8>) -> Option<RawTree> {
        let mut entries = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let space = at + data[at..].iter().position(|&b| b == b' ')?;
            let digits = &data[at..space];
            if digits.is_empty() || digits.len() > 7 {
                return None;
            }
            let mut mode = 0u32;
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                mode = mode * 8 + u32::from(d - b'0');
            }
            let start = space + 1;
            let nul = start + data[start..].iter().position(|&b| b == 0)?;
            if nul == start || nul + 21 > data.len() {
                return None;
            }
            entries.push((mode, u32::try_from(start).ok()?, u32::try_from(nul).ok()?));
            at = nul + 21;
        }
        let mut tree = RawTree {
            data,
            entries,
            sorted: false,
        };
        tree.sorted = tree.in_order();
        Some(tree)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn name(&self, i: usize) -> &[u8] {
        let (_, s, e) = self.entries[i];
        &self.data[s as usize..e as usize]
    }

    /// Bytes it holds in memory, for the cache's bound.
    fn weight(&self) -> usize {
        self.data.len() + self.entries.len() * std::mem::size_of::<(u32, u32, u32)>() + 96
    }

    fn mode(&self, i: usize) -> u32 {
        self.entries[i].0
    }

    fn id(&self, i: usize) -> Oid {
        let e = self.entries[i].2 as usize;
        Oid::from_bytes(&self.data[e + 1..e + 21]).expect("20 bytes make an object id")
    }

    fn is_tree(&self, i: usize) -> bool {
        self.mode(i) & 0o170000 == DIR
    }

    /// The entry named `name`, if any (a linear scan: used only for malformed trees and for
    /// names whose kind changed).
    fn find(&self, name: &[u8]) -> Option<usize> {
        (0..self.len()).find(|&i| self.name(i) == name)
    }

    /// True when the entries are strictly increasing in git's order.
    fn sorted(&self) -> bool {
        self.sorted
    }

    /// Whether entries `i - 1` and `i` are in git's order.
    fn ordered_at(&self, i: usize) -> bool {
        git_cmp(
            self.name(i - 1),
            self.is_tree(i - 1),
            self.name(i),
            self.is_tree(i),
        ) == Ordering::Less
    }

    fn in_order(&self) -> bool {
        (1..self.len()).all(|i| self.ordered_at(i))
    }
}

/// Trees read lately by any reader, shared by all of them: a tree one commit writes is read
/// again as the parent side of the next commit that changes the same directory, which another
/// reader may be reading. Bounded in bytes: two generations, the older dropped when the newer
/// fills up, so what is used keeps being kept.
pub(super) struct TreeCache {
    inner: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    young: HashMap<Oid, Arc<RawTree>>,
    old: HashMap<Oid, Arc<RawTree>>,
    young_bytes: usize,
}

/// Bytes of trees a generation holds: two generations of it in all, whatever the ledger's size.
const GENERATION_BYTES: usize = 8 << 20;

impl TreeCache {
    pub fn new() -> TreeCache {
        TreeCache {
            inner: Mutex::new(Generations::default()),
        }
    }

    fn get(&self, id: Oid) -> Option<Arc<RawTree>> {
        let mut g = self.inner.lock().ok()?;
        if let Some(t) = g.young.get(&id) {
            return Some(Arc::clone(t));
        }
        let t = g.old.remove(&id)?;
        g.insert(id, Arc::clone(&t));
        Some(t)
    }

    fn put(&self, id: Oid, tree: &Arc<RawTree>) {
        if let Ok(mut g) = self.inner.lock() {
            g.insert(id, Arc::clone(tree));
        }
    }
}

impl Generations {
    fn insert(&mut self, id: Oid, tree: Arc<RawTree>) {
        self.young_bytes += tree.weight();
        self.young.insert(id, tree);
        if self.young_bytes > GENERATION_BYTES {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
    }
}

/// Reads trees for the diff: each tree is read (inflated and hashed) once while it is in use,
/// not once per commit that looks at it.
pub(super) struct Trees<'c> {
    cache: &'c TreeCache,
}

impl<'c> Trees<'c> {
    pub fn new(cache: &'c TreeCache) -> Trees<'c> {
        Trees { cache }
    }

    /// Compares the tree `new` of a commit with its parent's `old` (none for the genesis).
    /// Also returns the root's `allowed_signers` entry (its id and mode).
    pub fn diff(
        &mut self,
        odb: &Odb<'_>,
        old: Option<Oid>,
        new: Oid,
    ) -> Result<(Diff, Option<(Oid, u32)>), String> {
        let mut out = Diff::default();
        let new_tree = self.read(odb, new)?;
        let old_tree = old.map(|o| self.read(odb, o)).transpose()?;
        let signers = new_tree
            .find(crate::layout::ALLOWED_SIGNERS.as_bytes())
            .map(|i| (new_tree.id(i), new_tree.mode(i)));
        self.walk(odb, old_tree.as_deref(), &new_tree, "", 0, &mut out)?;
        Ok((out, signers))
    }

    fn read(&mut self, odb: &Odb<'_>, id: Oid) -> Result<Arc<RawTree>, String> {
        if let Some(t) = self.cache.get(id) {
            return Ok(t);
        }
        let tree = Arc::new(read_tree(odb, id)?);
        self.cache.put(id, &tree);
        Ok(tree)
    }

    /// Every tree it descends into on the new side is also checked for shape, because git
    /// objects can hold trees that git itself would refuse or show differently: names must be
    /// proper path components in strictly increasing git order (no duplicates, no `/`), modes
    /// exactly those of plain files and directories, no empty directories, and no deeper
    /// nesting than a ledger uses.
    fn walk(
        &mut self,
        odb: &Odb<'_>,
        old: Option<&RawTree>,
        new: &RawTree,
        prefix: &str,
        depth: usize,
        out: &mut Diff,
    ) -> Result<(), String> {
        let here = || {
            if prefix.is_empty() {
                "the root directory".to_string()
            } else {
                prefix.trim_end_matches('/').to_string()
            }
        };
        let shown = |raw: &[u8]| format!("{prefix}{}", String::from_utf8_lossy(raw));
        if new.len() == 0 && depth > 0 {
            out.bad.push((
                here(),
                "an empty directory; git trees for a ledger hold files".into(),
            ));
        }
        let mut pair = Pairing::new(old, new);
        for i in 0..new.len() {
            let raw = new.name(i);
            if i > 0 && !new.sorted() && !new.ordered_at(i) {
                out.bad.push((
                    shown(raw),
                    format!(
                        "entries of {} are duplicated or out of git's order (a malformed tree)",
                        here()
                    ),
                ));
            }
            let before = pair.before(i);
            let (id, mode) = (new.id(i), new.mode(i));
            if before.is_some_and(|(b_id, b_mode, _)| b_id == id && b_mode == mode) {
                continue; // unchanged (a bad name was reported on the commit that added it)
            }
            let Some(name) = std::str::from_utf8(raw).ok().filter(|n| valid_component(n)) else {
                if before.is_some_and(|(b_id, _, _)| b_id == id) {
                    continue; // reported on the commit that added it
                }
                out.bad.push((
                    shown(raw),
                    "the file name is not a valid UTF-8 path component".into(),
                ));
                continue;
            };
            let path = format!("{prefix}{name}");
            match (kind_of(mode), mode) {
                (ObjectType::Tree, DIR) => {
                    if depth >= MAX_DEPTH {
                        out.bad.push((
                            path,
                            "directories nest deeper than a ledger's layout".into(),
                        ));
                        continue;
                    }
                    let sub = self.read(odb, id)?;
                    let old_sub = match before {
                        Some((b_id, _, true)) => Some(self.read(odb, b_id)?),
                        Some(_) => {
                            out.changed.push(path.clone());
                            None
                        }
                        None => None,
                    };
                    let next = format!("{path}/");
                    self.walk(odb, old_sub.as_deref(), &sub, &next, depth + 1, out)?;
                }
                (ObjectType::Blob, FILE) => {
                    if before.is_some() {
                        out.changed.push(path);
                    } else {
                        out.added.push((path, id));
                    }
                }
                (_, mode) => {
                    let what = match mode {
                        0o120000 => "a symbolic link",
                        0o160000 => "a submodule",
                        0o100755 => "an executable file",
                        _ => "an entry of an unusual kind or mode",
                    };
                    out.bad
                        .push((path, format!("{what}; a ledger holds only plain files")));
                }
            }
        }
        if let Some(old) = old {
            for j in pair.unmatched() {
                out.removed.push(shown(old.name(j)));
            }
        }
        Ok(())
    }
}

/// Finds, for each entry of the new tree in turn, the old entry of the same name: by one merge
/// of the two sorted lists, or (when either tree is malformed, or a name changed between file
/// and directory, which sorts it elsewhere) by looking the name up.
struct Pairing<'a> {
    old: Option<&'a RawTree>,
    new: &'a RawTree,
    /// Both trees are in git's order: merge.
    merge: bool,
    /// Next old entry not yet passed by the merge.
    cursor: usize,
    /// Old entries matched so far.
    matched: Vec<bool>,
}

impl<'a> Pairing<'a> {
    fn new(old: Option<&'a RawTree>, new: &'a RawTree) -> Pairing<'a> {
        let merge = old.is_none_or(RawTree::sorted) && new.sorted();
        Pairing {
            old,
            new,
            merge,
            cursor: 0,
            matched: vec![false; old.map_or(0, RawTree::len)],
        }
    }

    /// The old entry named as new entry `i` (its id, mode and whether it is a tree).
    fn before(&mut self, i: usize) -> Option<(Oid, u32, bool)> {
        let old = self.old?;
        let (name, tree) = (self.new.name(i), self.new.is_tree(i));
        let found = if self.merge {
            while self.cursor < old.len()
                && git_cmp(old.name(self.cursor), old.is_tree(self.cursor), name, tree)
                    == Ordering::Less
            {
                self.cursor += 1;
            }
            if self.cursor < old.len() && old.name(self.cursor) == name {
                Some(self.cursor)
            } else {
                // Rare: the name was a file and is now a directory, or the reverse.
                old.find(name).filter(|&j| old.is_tree(j) != tree)
            }
        } else {
            old.find(name)
        };
        let j = found?;
        self.matched[j] = true;
        Some((old.id(j), old.mode(j), old.is_tree(j)))
    }

    /// The old entries no new entry is named as, in the old tree's order.
    fn unmatched(&self) -> impl Iterator<Item = usize> + '_ {
        let old = self.old;
        (0..self.matched.len()).filter(move |&j| {
            !self.matched[j] && old.is_some_and(|o| self.new.find(o.name(j)).is_none())
        })
    }
}

/// The kind libgit2 gives an entry of this mode.
fn kind_of(mode: u32) -> ObjectType {
    match mode & 0o170000 {
        DIR => ObjectType::Tree,
        0o160000 => ObjectType::Commit,
        _ => ObjectType::Blob,
    }
}

/// Reads tree `id` (libgit2 checks the content against the id as it reads it).
pub(super) fn read_tree(odb: &Odb<'_>, id: Oid) -> Result<RawTree, String> {
    let object = odb.read(id).map_err(|e| e.to_string())?;
    if object.kind() != ObjectType::Tree {
        return Err(format!("object {id} is a {}, not a tree", object.kind()));
    }
    RawTree::parse(object.data().to_vec()).ok_or_else(|| format!("tree {id} is malformed"))
}

/// git's order of tree entries: by name, a directory compared as if its name ended in `/`.
/// The common length is compared as slices (one `memcmp`); only where one name is a prefix of
/// the other does the `/` come in.
fn git_cmp(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let slash = |t: bool| if t { &b"/"[..] } else { &b""[..] };
        a[n..]
            .iter()
            .chain(slash(a_tree))
            .cmp(b[n..].iter().chain(slash(b_tree)))
    })
}

/// A name git accepts as one path component, and that cannot mean something else on disk.
fn valid_component(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\0'])
        && !name.eq_ignore_ascii_case(".git")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_order_puts_a_directory_after_names_that_extend_it_with_a_lower_byte() {
        // git sorts "a-b" (0x2d) before directory "a" (read as "a/", 0x2f) before "a0".
        assert_eq!(git_cmp(b"a-b", false, b"a", true), Ordering::Less);
        assert_eq!(git_cmp(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(git_cmp(b"a", false, b"a-b", false), Ordering::Less);
        assert_eq!(git_cmp(b"a", false, b"a", false), Ordering::Equal);
        assert_eq!(git_cmp(b"a", false, b"a", true), Ordering::Less);
    }

    #[test]
    fn git_order_by_slices_is_the_order_of_the_names_with_their_slash() {
        let names: [&[u8]; 9] = [b"", b"a", b"a-b", b"a0", b"ab", b"a/", b"b", b"\xff", b"aa"];
        for a in names {
            for b in names {
                for (at, bt) in [(false, false), (false, true), (true, false), (true, true)] {
                    let mut x = a.to_vec();
                    let mut y = b.to_vec();
                    if at {
                        x.push(b'/');
                    }
                    if bt {
                        y.push(b'/');
                    }
                    assert_eq!(git_cmp(a, at, b, bt), x.cmp(&y), "{a:?} {at} {b:?} {bt}");
                }
            }
        }
    }

    fn tree(entries: &[(&str, &str, u8)]) -> RawTree {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            data.extend_from_slice(&[*id; 20]);
        }
        RawTree::parse(data).expect("a tree")
    }

    #[test]
    fn raw_trees_parse_and_refuse_what_is_not_a_tree() {
        let t = tree(&[("100644", "a", 1), ("40000", "b", 2)]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.name(1), b"b");
        assert!(t.is_tree(1) && !t.is_tree(0));
        assert_eq!(t.id(0), Oid::from_bytes(&[1; 20]).unwrap());
        assert!(RawTree::parse(b"100644 a\0short".to_vec()).is_none());
        assert!(RawTree::parse(b"10x644 a\0aaaaaaaaaaaaaaaaaaaa".to_vec()).is_none());
        assert!(RawTree::parse(b"100644 \0aaaaaaaaaaaaaaaaaaaa".to_vec()).is_none());
        assert!(RawTree::parse(Vec::new()).is_some_and(|t| t.len() == 0));
    }

    #[test]
    fn pairing_matches_by_merge_and_by_name_across_a_change_of_kind() {
        let old = tree(&[("100644", "a", 1), ("100644", "b", 2), ("100644", "c", 3)]);
        // git's order: "b-x" (0x2d) sorts before directory "b" (read as "b/").
        let new = tree(&[
            ("100644", "a", 1),
            ("100644", "b-x", 5),
            ("40000", "b", 4),
            ("100644", "d", 6),
        ]);
        assert!(new.sorted() && old.sorted());
        let mut p = Pairing::new(Some(&old), &new);
        assert!(p.merge);
        assert_eq!(p.before(0).map(|b| b.0), Some(old.id(0)));
        assert!(p.before(1).is_none());
        assert_eq!(
            p.before(2),
            Some((old.id(1), 0o100644, false)),
            "file b became a directory"
        );
        assert!(p.before(3).is_none());
        let gone: Vec<usize> = p.unmatched().collect();
        assert_eq!(gone, [2], "c was removed");
    }
}
