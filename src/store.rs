//! The git side: opening and creating the ledger repository, reading the tree at the head,
//! writing signed commits that stock git accepts, and moving the branch by compare-and-swap.

use crate::error::{Error, Result};
use crate::keys::SigningKey;
use crate::layout;
use crate::local::lock::{self, LedgerLock};
use crate::local::LocalDir;
use crate::signed_data::COMMIT_NAMESPACE;
use git2::{Commit, ObjectType, Oid, Repository, RepositoryInitOptions, Tree};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The one branch a ledger lives on.
pub const BRANCH: &str = "refs/heads/main";

/// Files that may sit in a directory given to `init` without making it "not empty": the
/// project's own example folder lives inside the default `ledger/` directory of a checkout.
const TOLERATED_AT_INIT: &[&str] = &["examples"];

/// A ledger repository.
pub struct Store {
    repo: Repository,
    dir: PathBuf,
    /// Opened from git's environment (a server's hook, which sees a push's quarantined
    /// objects only that way): another handle is opened the same way.
    from_env: bool,
}

/// One file an act adds.
#[derive(Debug, Clone)]
pub struct Addition {
    /// Path in the ledger tree.
    pub path: String,
    /// Exact content.
    pub bytes: Vec<u8>,
}

/// Author and committer of an act, and the message.
pub struct CommitSpec<'a> {
    /// Display name (the principal's name).
    pub name: &'a str,
    /// E-mail (from [`crate::ids::Principal::email`]).
    pub email: &'a str,
    /// Seconds since the epoch.
    pub time: i64,
    /// Full commit message.
    pub message: &'a str,
}

impl Store {
    /// Opens the ledger in `dir` (exactly there: a ledger is not looked for in parent
    /// directories, so a command never writes into an unrelated repository).
    pub fn open(dir: &Path) -> Result<Store> {
        let not = |why: &str| Error::NotALedger {
            path: dir.to_path_buf(),
            why: why.to_string(),
        };
        if !dir.exists() {
            return Err(not("no such directory"));
        }
        let repo = Repository::open(dir).map_err(|e| {
            if e.code() == git2::ErrorCode::Owner {
                not(&format!("git refuses it: {}", e.message()))
            } else {
                not("no git repository here")
            }
        })?;
        let store = Store {
            repo,
            dir: dir.to_path_buf(),
            from_env: false,
        };
        let head = store
            .head()?
            .ok_or_else(|| not("no commits on branch main"))?;
        // Read through the commit's own bytes: a head libgit2 cannot parse (a date of twenty
        // digits) is still a ledger, for `verify` to report by name.
        let raw = store.repo.odb()?.read(head)?.data().to_vec();
        let tree = crate::commit_object::header_values(&raw, b"tree")
            .first()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| Oid::from_str(t).ok())
            .ok_or_else(|| not("the head commit names no tree"))?;
        let has_genesis = store
            .repo
            .find_tree(tree)?
            .get_name(layout::LEDGER_FILE)
            .is_some();
        if !has_genesis {
            return Err(not("the head commit has no ledger.json"));
        }
        Ok(store)
    }

    /// Wraps a repository opened elsewhere (a server's hook opens it from git's environment,
    /// so that a push's quarantined objects are visible). Nothing is checked.
    pub fn from_repo(repo: Repository, dir: PathBuf) -> Store {
        Store {
            repo,
            dir,
            from_env: true,
        }
    }

    /// Another handle on the same repository, for a thread of its own (a handle serializes
    /// its object reads), opened the way this one was; `None` when it cannot be opened.
    pub(crate) fn open_again(&self) -> Option<Repository> {
        // git's environment only where git set it (a hook): without GIT_DIR, libgit2 would
        // discover a repository from the working directory, which may be another one.
        if self.from_env && std::env::var_os("GIT_DIR").is_some() {
            if let Ok(r) = Repository::open_from_env() {
                if same_dir(r.path(), self.repo.path()) {
                    return Some(r);
                }
            }
        }
        Repository::open(self.repo.path()).ok()
    }

    /// Creates an empty repository for a new ledger in `dir` (created if missing). Refuses a
    /// directory that holds a ledger or anything else.
    pub fn create(dir: &Path) -> Result<Store> {
        if dir.exists() {
            if !dir.is_dir() {
                return Err(Error::DirectoryNotEmpty {
                    path: dir.to_path_buf(),
                });
            }
            if Store::open(dir).is_ok() {
                return Err(Error::LedgerExists {
                    path: dir.to_path_buf(),
                });
            }
            let entries = fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(dir.display().to_string(), e))?;
                let name = entry.file_name();
                if !TOLERATED_AT_INIT.iter().any(|t| name == *t) {
                    return Err(Error::DirectoryNotEmpty {
                        path: dir.to_path_buf(),
                    });
                }
            }
        }
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main").mkpath(true).no_reinit(true);
        let repo = Repository::init_opts(dir, &opts)?;
        let exclude: String = TOLERATED_AT_INIT
            .iter()
            .map(|t| format!("/{t}/\n"))
            .collect();
        fs::write(repo.path().join("info").join("exclude"), exclude)
            .map_err(|e| Error::io("writing .git/info/exclude", e))?;
        Ok(Store {
            repo,
            dir: dir.to_path_buf(),
            from_env: false,
        })
    }

    /// The underlying repository.
    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The commit the branch points at, if any.
    pub fn head(&self) -> Result<Option<Oid>> {
        match self.repo.find_reference(BRANCH) {
            Ok(r) => Ok(r.target()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Starts git's own housekeeping when git would, after a commit: libgit2 never does, so a
    /// ledger written only by undersigned kept every object as a file of its own (100,000
    /// endorsements: 4 GB of loose objects against 180 MB packed, and a full verify three
    /// times slower). The test is git's own estimate — more loose objects in `objects/17` than
    /// `gc.auto` / 256, or more packs than `gc.autoPackLimit` — so the usual case costs two
    /// directory listings; `git gc --auto` then decides, and runs in the background. Returns
    /// whether it was started.
    pub fn gc_if_due(&self) -> bool {
        let config = self.repo.config().ok();
        let setting = |name: &str, default: i64| {
            config
                .as_ref()
                .and_then(|c| c.get_i64(name).ok())
                .unwrap_or(default)
        };
        let (auto, pack_limit) = (setting("gc.auto", 6700), setting("gc.autoPackLimit", 50));
        if auto <= 0 {
            return false;
        }
        let objects = self.repo.path().join("objects");
        let count = |dir: PathBuf, keep: &dyn Fn(&str) -> bool| {
            fs::read_dir(dir)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .filter(|e| e.file_name().to_str().is_some_and(keep))
                        .count()
                })
                .unwrap_or(0) as i64
        };
        let loose = count(objects.join("17"), &|n| {
            n.len() == 38 && n.bytes().all(|b| b.is_ascii_hexdigit())
        });
        let packs = count(objects.join("pack"), &|n| n.ends_with(".pack"));
        let due = loose > (auto + 255) / 256 || (pack_limit > 0 && packs > pack_limit);
        due && crate::transport::gc_auto(self.repo.path())
    }

    /// Where undersigned keeps its own files for this repository ([`crate::local`]).
    pub fn local(&self) -> LocalDir {
        LocalDir::of(self.repo.path())
    }

    /// Takes the ledger's write lock ([`crate::local::lock`]), held until the guard is dropped.
    /// When the previous holder was killed, git's own lock files (`index.lock`, `main.lock`…)
    /// it left since it took the lock are removed: only a holder of this lock writes them, and
    /// leaving them would wedge every later act. A git lock file that is not explained that
    /// way is refused by name (see [`Store::check_git_locks`]).
    pub fn lock(&self) -> Result<LedgerLock> {
        let local = self.local();
        let (lock, killed) = lock::acquire(&local)
            .map_err(|e| Error::io(local.file("lock").display().to_string(), e))?;
        if let Some(since) = killed {
            self.remove_git_locks_since(since);
        }
        self.check_git_locks()?;
        Ok(lock)
    }

    /// Git lock files an act or a sync of this ledger may take, relative to the git directory.
    const GIT_LOCKS: [&'static str; 4] = [
        "index.lock",
        "HEAD.lock",
        "packed-refs.lock",
        "refs/heads/main.lock",
    ];

    /// Removes the git lock files written since `since` (with a second of slack for coarse
    /// file times): those of a holder of the ledger lock that was killed.
    fn remove_git_locks_since(&self, since: std::time::SystemTime) {
        let since = since
            .checked_sub(std::time::Duration::from_secs(1))
            .unwrap_or(since);
        for name in Self::GIT_LOCKS {
            let p = self.repo.path().join(name);
            let stale = fs::metadata(&p)
                .and_then(|m| m.modified())
                .map(|t| t >= since)
                .unwrap_or(false);
            if stale {
                let _ = fs::remove_file(&p);
            }
        }
    }

    /// Refuses to start when a git lock file is present that a killed act does not explain:
    /// a git command may be running in this ledger, or was killed. Waits a moment first, since a
    /// running `git status` holds `index.lock` for milliseconds.
    pub(crate) fn check_git_locks(&self) -> Result<()> {
        let present = || {
            Self::GIT_LOCKS
                .iter()
                .filter(|n| !(self.repo.is_bare() && **n == "index.lock"))
                .map(|n| self.repo.path().join(n))
                .find(|p| p.exists())
        };
        for _ in 0..20 {
            if present().is_none() {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        match present() {
            None => Ok(()),
            Some(path) => Err(Error::GitLocked { path }),
        }
    }

    /// Refuses an act whose files would overwrite something of the user's: at each path the act
    /// writes, the index and the work tree must hold what the head (the commit the act builds
    /// on) holds there, or nothing for a new file, and no directory on the way may be a file. Only
    /// those paths are looked at, so an act costs the same on a ledger of any size; an edit or a
    /// stray file elsewhere is left alone, as git leaves it, and is not part of the ledger
    /// (`git status` shows it). [`Store::check_clean`] looks at the whole work tree, before a
    /// checkout of the whole head.
    pub fn check_paths(&self, paths: &[&str]) -> Result<()> {
        if self.repo.is_bare() {
            return Ok(());
        }
        let mut junk: Vec<String> = Vec::new();
        for p in paths {
            let path = Path::new(p);
            let mut dir = PathBuf::new();
            let mut blocked = false;
            for c in path.parent().into_iter().flat_map(Path::components) {
                dir.push(c);
                let is_dir = fs::symlink_metadata(self.dir.join(&dir)).map(|m| m.is_dir());
                if matches!(is_dir, Ok(false)) {
                    junk.push(dir.display().to_string());
                    blocked = true;
                    break;
                }
            }
            if blocked {
                continue;
            }
            // git's own status of the one path: staged changes, edits (through the filters
            // git applies on checkout, such as core.autocrlf), mode changes, conflicts, and
            // untracked or ignored files where the act writes. A file the user deleted is
            // only brought back.
            let harmless = git2::Status::CURRENT | git2::Status::WT_DELETED;
            match self.repo.status_file(path) {
                Ok(status) if harmless.contains(status) => {}
                Ok(_) => junk.push(p.to_string()),
                Err(e) if e.code() == git2::ErrorCode::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.refuse_junk(junk)
    }

    fn refuse_junk(&self, junk: Vec<String>) -> Result<()> {
        match junk.first() {
            None => Ok(()),
            Some(first) => Err(Error::DirtyWorkTree {
                path: self.dir.clone(),
                first: first.clone(),
                more: if junk.len() > 1 {
                    format!(" and {} more", junk.len() - 1)
                } else {
                    String::new()
                },
            }),
        }
    }

    /// Refuses a checkout of the whole head while the work tree holds edits or files that are
    /// not in the ledger: the forced checkout would overwrite them.
    pub fn check_clean(&self) -> Result<()> {
        if self.repo.is_bare() {
            return Ok(());
        }
        // Staged changes are what the index holds beyond the head. After a crash between commit
        // and checkout the index lags the head by the act's own files; those entries equal the
        // commit the work tree was last brought to, are not the user's doing, and are skipped
        // (the next act catches up).
        let head_tree = match self.head()? {
            Some(id) => Some(self.repo.find_commit(id)?.tree()?),
            None => None,
        };
        let synced_tree = match self.synced_commit() {
            Some(id) => Some(self.repo.find_commit(id)?.tree()?),
            None => None,
        };
        let index = self.repo.index()?;
        let mut junk: Vec<String> = Vec::new();
        for d in self
            .repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), None)?
            .deltas()
        {
            let Some(path) = d.new_file().path().or_else(|| d.old_file().path()) else {
                continue;
            };
            if let Some(synced) = &synced_tree {
                let in_index = index.get_path(path, 0).map(|e| e.id);
                let in_synced = synced.get_path(path).ok().map(|e| e.id());
                if in_index == in_synced {
                    continue;
                }
            }
            junk.push(path.display().to_string());
        }
        let mut opts = git2::DiffOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_typechange(true)
            .ignore_submodules(true);
        for d in self
            .repo
            .diff_index_to_workdir(Some(&index), Some(&mut opts))?
            .deltas()
        {
            let file = d.new_file().path().or_else(|| d.old_file().path());
            // A checkout interrupted by a crash leaves files of the head in the work tree
            // before the index knows them; they are undersigned's own writing, not edits.
            if let (Some(path), Some(tree)) = (file, head_tree.as_ref()) {
                if self.matches_tree(tree, path) {
                    continue;
                }
                // Killed while writing one: a file that only commits after the one the work
                // tree was last brought to have — or, after `sync` republished this clone's
                // acts, that they hold with other bytes (a rebuilt record at the same path) —
                // cut short. The catch-up checkout rewrites it.
                if let Some(synced) = &synced_tree {
                    let in_head = tree.get_path(path).ok().map(|e| e.id());
                    let in_synced = synced.get_path(path).ok().map(|e| e.id());
                    // (Not the derived allowed_signers, which changes with every registry act:
                    // an edit of it is the user's and is refused.)
                    let derived = path == Path::new(layout::ALLOWED_SIGNERS);
                    if synced.id() != tree.id()
                        && in_head.is_some()
                        && in_head != in_synced
                        && !derived
                    {
                        continue;
                    }
                }
            }
            junk.push(file.map(|p| p.display().to_string()).unwrap_or_default());
        }
        self.refuse_junk(junk)
    }

    /// True when the work-tree file at `path` holds exactly the head's blob there.
    fn matches_tree(&self, tree: &Tree<'_>, path: &Path) -> bool {
        let Ok(entry) = tree.get_path(path) else {
            return false;
        };
        let full = self.dir.join(path);
        let is_file = fs::symlink_metadata(&full)
            .map(|m| m.file_type().is_file())
            .unwrap_or(false);
        is_file
            && git2::Oid::hash_file(ObjectType::Blob, &full)
                .map(|id| id == entry.id())
                .unwrap_or(false)
    }

    /// Writes the blobs and trees of `additions` on top of `base` and a commit signed by
    /// `signer`. Existing paths are never replaced, except derived files named in `derived`.
    /// The branch is not moved: see [`Store::advance`].
    pub fn write_commit(
        &self,
        parent: Option<&Commit<'_>>,
        additions: &[Addition],
        derived: &[&str],
        signer: &SigningKey,
        spec: &CommitSpec<'_>,
    ) -> Result<Oid> {
        let base = parent.map(|c| c.tree()).transpose()?;
        let mut files = Vec::with_capacity(additions.len());
        for a in additions {
            let oid = self.repo.blob(&a.bytes)?;
            files.push((
                a.path.split('/').map(str::to_string).collect::<Vec<_>>(),
                oid,
            ));
        }
        let tree_id = build_tree(&self.repo, base.as_ref(), &files, "", derived)?;
        let tree = self.repo.find_tree(tree_id)?;
        let when = git2::Time::new(spec.time, 0);
        let ident = git2::Signature::new(spec.name, spec.email, &when)?;
        let parents: Vec<&Commit<'_>> = parent.into_iter().collect();
        let buf = self
            .repo
            .commit_create_buffer(&ident, &ident, spec.message, &tree, &parents)?;
        // Built from UTF-8 names and messages and hex ids, so it is UTF-8.
        let content = std::str::from_utf8(&buf)
            .map_err(|_| git2::Error::from_str("commit content is not UTF-8"))?;
        let armor = signer.sign(COMMIT_NAMESPACE, content.as_bytes())?;
        Ok(self.repo.commit_signed(content, &armor, Some("gpgsig"))?)
    }

    /// Moves the branch from `expected` to `new` if nobody moved it meanwhile. Returns false
    /// when another writer won the race (the caller rebuilds its act on the new head).
    pub fn advance(&self, expected: Option<Oid>, new: Oid, log: &str) -> Result<bool> {
        let result = match expected {
            Some(old) => self
                .repo
                .reference_matching(BRANCH, new, true, old, log)
                .map(|_| ()),
            None => self.repo.reference(BRANCH, new, false, log).map(|_| ()),
        };
        match result {
            Ok(()) => Ok(true),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Modified | git2::ErrorCode::Exists
                ) =>
            {
                Ok(false)
            }
            Err(e) if e.code() == git2::ErrorCode::Locked => {
                // A git command holds the branch's lock file for a moment: try again shortly.
                std::thread::sleep(std::time::Duration::from_millis(50));
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Brings the work tree and index to the head, so people browsing the directory see the
    /// ledger. The ledger itself is the commit; a failure here loses no act.
    ///
    /// After an act only the files it added are written (`paths`), so the cost does not grow
    /// with the ledger. The commit the work tree was last brought to is remembered in
    /// `.git/undersigned/worktree`; when the branch moved without us (a crash between commit and
    /// checkout, a push into this repository) the next act first checks out the whole head.
    pub fn update_worktree(&self, paths: Option<&[String]>) -> Result<()> {
        if self.repo.is_bare() {
            return Ok(());
        }
        let Some(head) = self.head()? else {
            return Ok(());
        };
        let commit = self.repo.find_commit(head)?;
        let mut cb = git2::build::CheckoutBuilder::new();
        cb.force();
        if let Some(paths) = paths {
            cb.disable_pathspec_match(true);
            for p in paths {
                cb.path(p);
            }
        }
        if self.repo.head_detached().unwrap_or(false) || self.repo.head().is_err() {
            self.repo.set_head(BRANCH)?;
        }
        self.repo.checkout_tree(commit.as_object(), Some(&mut cb))?;
        if paths.is_none() {
            self.index_to(&commit.tree()?)?;
        }
        let local = self.local();
        local
            .set_worktree(head)
            .map_err(|e| Error::io(local.file("worktree").display().to_string(), e))
    }

    /// Makes the index hold exactly `tree`'s entries. A checkout compares the head with the
    /// index it last wrote; one killed after writing files but before writing the index leaves
    /// entries that checkout never revisits (the files already match), so they are set here
    /// from the work tree, which the forced checkout just brought to `tree`.
    fn index_to(&self, tree: &Tree<'_>) -> Result<()> {
        let mut index = self.repo.index()?;
        let stray: Vec<(PathBuf, bool)> = self
            .repo
            .diff_tree_to_index(Some(tree), Some(&index), None)?
            .deltas()
            .filter_map(|d| {
                let path = d.new_file().path().or_else(|| d.old_file().path())?;
                Some((path.to_path_buf(), tree.get_path(path).is_ok()))
            })
            .collect();
        if stray.is_empty() {
            return Ok(());
        }
        for (path, in_tree) in &stray {
            if *in_tree {
                index.add_path(path)?;
            } else {
                index.remove_path(path)?;
            }
        }
        index.write()?;
        Ok(())
    }

    /// The commit the work tree was last brought to by undersigned (none for a bare ledger).
    pub fn synced_commit(&self) -> Option<Oid> {
        let oid = self.local().worktree()?;
        self.repo.find_commit(oid).ok().map(|c| c.id())
    }

    /// True when the work tree was last brought to the current head by undersigned.
    pub fn worktree_current(&self) -> Result<bool> {
        if self.repo.is_bare() {
            return Ok(true);
        }
        let head = self.head()?;
        Ok(head.is_some() && self.local().worktree() == head)
    }
}

/// Reads the blob at `path` in `tree`, or `None` when there is no such file.
pub fn read_blob(repo: &Repository, tree: &Tree<'_>, path: &str) -> Result<Option<Vec<u8>>> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(ObjectType::Blob) => {
            Ok(Some(repo.find_blob(entry.id())?.content().to_vec()))
        }
        Ok(_) => Ok(None),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Names in the directory at `path` of `tree` (empty when there is none).
pub fn list_dir(repo: &Repository, tree: &Tree<'_>, path: &str) -> Result<Vec<String>> {
    let Some(sub) = subtree(repo, tree, path)? else {
        return Ok(Vec::new());
    };
    Ok(sub
        .iter()
        .filter_map(|e| e.name().ok().map(str::to_string))
        .collect())
}

/// The directory at `path` of `tree`, or `None` when there is none (or a file is there).
pub fn subtree<'r>(repo: &'r Repository, tree: &Tree<'_>, path: &str) -> Result<Option<Tree<'r>>> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(ObjectType::Tree) => {
            Ok(Some(repo.find_tree(entry.id())?))
        }
        Ok(_) => Ok(None),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Inserts `files` (path components, blob id) under `base`, touching only the trees on their
/// paths, so an act costs the same however large the ledger is.
fn build_tree(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    files: &[(Vec<String>, Oid)],
    prefix: &str,
    derived: &[&str],
) -> Result<Oid> {
    let mut builder = repo.treebuilder(base)?;
    let mut subdirs: BTreeMap<&str, Vec<(Vec<String>, Oid)>> = BTreeMap::new();
    for (parts, oid) in files {
        let full = format!("{prefix}{}", parts.join("/"));
        match parts.as_slice() {
            [name] => {
                if builder.get(name)?.is_some() && !derived.contains(&full.as_str()) {
                    return Err(Error::TreeConflict {
                        path: full,
                        why: "already exists in the ledger; acts only add files",
                    });
                }
                builder.insert(name, *oid, 0o100644)?;
            }
            [dir, rest @ ..] => subdirs.entry(dir).or_default().push((rest.to_vec(), *oid)),
            [] => {
                return Err(Error::TreeConflict {
                    path: prefix.to_string(),
                    why: "an empty path",
                })
            }
        }
    }
    for (dir, sub_files) in subdirs {
        let existing = match builder.get(dir)? {
            Some(e) if e.kind() == Some(ObjectType::Tree) => Some(repo.find_tree(e.id())?),
            Some(_) => {
                return Err(Error::TreeConflict {
                    path: format!("{prefix}{dir}"),
                    why: "exists and is not a directory",
                });
            }
            None => None,
        };
        let sub_prefix = format!("{prefix}{dir}/");
        let oid = build_tree(repo, existing.as_ref(), &sub_files, &sub_prefix, derived)?;
        builder.insert(dir, oid, 0o040000)?;
    }
    Ok(builder.write()?)
}

/// True when two paths name the same directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
