//! What a commit changes, found by comparing its tree with its parent's by entry ids and
//! descending only into subtrees whose id changed: an act touches a handful of entries, so this
//! costs a few tree reads whatever the ledger's size.

use crate::error::Result;
use git2::{ObjectType, Oid, Repository, Tree, TreeEntry};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Deepest directory nesting a ledger uses (`statements/<s>/acts/<ff>/<org>/` is five levels).
const MAX_DEPTH: usize = 5;

/// The files a commit adds, changes and removes, and the entries of a shape no ledger has.
#[derive(Default)]
pub(super) struct Diff {
    pub added: Vec<(String, Oid)>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub bad: Vec<(String, String)>,
}

/// Reads trees for the diff, keeping those of the last commit for one commit more: they are the
/// next commit's parent subtrees, so each tree is read (inflated and hashed) once, not twice.
/// libgit2's own cache skips trees over 4 KB, which a fan-out directory of 256 entries is.
pub(super) struct Trees<'r> {
    repo: &'r Repository,
    last: HashMap<Oid, Tree<'r>>,
    this: HashMap<Oid, Tree<'r>>,
}

impl<'r> Trees<'r> {
    pub fn new(repo: &'r Repository) -> Trees<'r> {
        Trees {
            repo,
            last: HashMap::new(),
            this: HashMap::new(),
        }
    }

    /// Compares a commit's tree with its parent's (none for the genesis).
    pub fn diff(&mut self, parent: Option<&Tree<'_>>, tree: &Tree<'_>) -> Result<Diff> {
        let mut out = Diff::default();
        let result = self.walk(parent, tree, "", 0, &mut out);
        std::mem::swap(&mut self.last, &mut self.this);
        self.this.clear();
        result.map(|()| out)
    }

    fn read(&mut self, id: Oid, keep: bool) -> Result<Tree<'r>> {
        let tree = match self.last.get(&id) {
            Some(t) => t.clone(),
            None => self.repo.find_tree(id)?,
        };
        if keep {
            self.this.insert(id, tree.clone());
        }
        Ok(tree)
    }

    /// Every tree it descends into on the new side is also checked for shape, because libgit2
    /// reads malformed trees that git itself would refuse or show differently: names must be
    /// proper path components in strictly increasing git order (no duplicates, no `/`), modes
    /// exactly those of plain files and directories, no empty directories, and no deeper
    /// nesting than a ledger uses.
    fn walk(
        &mut self,
        old: Option<&Tree<'_>>,
        new: &Tree<'_>,
        prefix: &str,
        depth: usize,
        out: &mut Diff,
    ) -> Result<()> {
        let here = || {
            if prefix.is_empty() {
                "the root directory".to_string()
            } else {
                prefix.trim_end_matches('/').to_string()
            }
        };
        let shown = |raw: &[u8]| format!("{prefix}{}", String::from_utf8_lossy(raw));
        let old_entries: Vec<TreeEntry<'_>> = old.map(|o| o.iter().collect()).unwrap_or_default();
        let old_by_name = Names::of(&old_entries);
        let entries: Vec<TreeEntry<'_>> = new.iter().collect();
        let new_by_name = Names::of(&entries);
        let names = &new_by_name.names;

        if entries.is_empty() && depth > 0 {
            out.bad.push((
                here(),
                "an empty directory; git trees for a ledger hold files".into(),
            ));
        }
        for (i, e) in entries.iter().enumerate() {
            let raw = names[i];
            if let Some(p) = i.checked_sub(1) {
                if git_cmp(names[p], is_tree(&entries[p]), raw, is_tree(e)) != Ordering::Less {
                    out.bad.push((
                        shown(raw),
                        format!(
                            "entries of {} are duplicated or out of git's order (a malformed tree)",
                            here()
                        ),
                    ));
                }
            }
            let before = old_by_name.get(raw);
            let Some(name) = std::str::from_utf8(raw).ok().filter(|n| valid_component(n)) else {
                if before.is_some_and(|b| b.id() == e.id()) {
                    continue; // reported on the commit that added it
                }
                out.bad.push((
                    shown(raw),
                    "the file name is not a valid UTF-8 path component".into(),
                ));
                continue;
            };
            if let Some(b) = before {
                if b.id() == e.id() && b.filemode_raw() == e.filemode_raw() {
                    continue;
                }
            }
            let path = format!("{prefix}{name}");
            match (e.kind(), e.filemode_raw()) {
                (Some(ObjectType::Tree), 0o040000) => {
                    if depth >= MAX_DEPTH {
                        out.bad.push((
                            path,
                            "directories nest deeper than a ledger's layout".into(),
                        ));
                        continue;
                    }
                    let sub = self.read(e.id(), true)?;
                    let old_sub = match before {
                        Some(b) if b.kind() == Some(ObjectType::Tree) => {
                            Some(self.read(b.id(), false)?)
                        }
                        Some(_) => {
                            out.changed.push(path.clone());
                            None
                        }
                        None => None,
                    };
                    self.walk(old_sub.as_ref(), &sub, &format!("{path}/"), depth + 1, out)?;
                }
                (Some(ObjectType::Blob), 0o100644) => {
                    if before.is_some() {
                        out.changed.push(path);
                    } else {
                        out.added.push((path, e.id()));
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
        if !old_entries.is_empty() {
            for name in &old_by_name.names {
                if new_by_name.get(name).is_none() {
                    out.removed.push(shown(name));
                }
            }
        }
        Ok(())
    }
}

fn is_tree(e: &TreeEntry<'_>) -> bool {
    e.kind() == Some(ObjectType::Tree)
}

/// A tree's entries with their names read once (each read measures a C string) and an index
/// sorted by name for lookups. A tree in git order is nearly sorted by name already (a
/// directory sorts as if its name ended in `/`), so the stable sort costs about one pass.
struct Names<'a, 't> {
    entries: &'a [TreeEntry<'t>],
    names: Vec<&'a [u8]>,
    sorted: Vec<usize>,
}

impl<'a, 't> Names<'a, 't> {
    fn of(entries: &'a [TreeEntry<'t>]) -> Names<'a, 't> {
        let names: Vec<&[u8]> = entries.iter().map(TreeEntry::name_bytes).collect();
        let mut sorted: Vec<usize> = (0..names.len()).collect();
        sorted.sort_by(|a, b| names[*a].cmp(names[*b]));
        Names {
            entries,
            names,
            sorted,
        }
    }

    fn get(&self, name: &[u8]) -> Option<&'a TreeEntry<'t>> {
        self.sorted
            .binary_search_by(|i| self.names[*i].cmp(name))
            .ok()
            .map(|k| &self.entries[self.sorted[k]])
    }
}

/// git's order of tree entries: by name, a directory compared as if its name ended in `/`.
fn git_cmp(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let slash = |t: bool| if t { &b"/"[..] } else { &b""[..] };
    a.iter()
        .chain(slash(a_tree))
        .cmp(b.iter().chain(slash(b_tree)))
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
}
