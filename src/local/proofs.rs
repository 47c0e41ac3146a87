//! What `verify` has proved, kept so that the next run replays only what is new.
//!
//! After a run with no failure, the rebuilt ledger state at the verified head is written to
//! `.git/undersigned/proved/<head>.json`. A later run walks back from its head along first
//! parents; when it meets a commit with a file here, it starts from that state and checks only
//! the commits after it, under exactly the rules of a full run. The cache is keyed by commit id,
//! so it can never be applied to a history that does not contain that commit (a rewrite starts
//! over from genesis); it is written only for histories that verified without a failure; files
//! written by a build with other rules are ignored (the build fingerprints the rules and the
//! state, `build.rs`); and deleting the directory only costs time. `verify --full` ignores it.
//!
//! A proof is trusted only when this user made it: each head file starts with a tag made with
//! this user's secret ([`super::secret`], kept outside every repository), and names its
//! statement files by the sha256 of their bytes, which is checked when they are read. A proof
//! copied with the directory, or forged in it, is ignored and the history replayed.

use super::{write_atomic, LocalDir};
use crate::state::{State, StatementEntry};
use git2::{Oid, Repository};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The rules and state this build proves: a proof from a build with others is ignored.
const FORMAT: &str = env!("UNDERSIGNED_RULES_FINGERPRINT");

/// How many proved heads are kept (a clone's own head and a remote's head, with room).
const KEEP: usize = 4;

/// A statement file younger than this is never swept: another run may have written it and not
/// yet the head file that names it.
const SWEEP_GRACE: std::time::Duration = std::time::Duration::from_secs(120);

/// Where one statement's state is kept, and what the report counts of it without reading it.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct StatementFile {
    /// File name in `proved/statements/`: the sha256 of its bytes, so an unchanged statement
    /// keeps its file from one proved head to the next and is never written again.
    pub file: String,
    /// Versions of the statement.
    pub versions: u64,
}

/// One proved head.
pub struct Proved {
    /// The verified head.
    pub head: String,
    /// Commits from genesis to head.
    pub commits: u64,
    /// Endorsement records checked.
    pub endorsements: u64,
    /// Withdrawal records checked.
    pub withdrawals: u64,
    /// The ledger at the head: the registry, and the statements loaded so far
    /// ([`Proved::load_statements`]).
    pub state: State,
    /// Every statement at the head and its file, loaded or not.
    pub statements: BTreeMap<String, StatementFile>,
}

/// The head file: everything but the statements, which it names.
#[derive(serde::Serialize, serde::Deserialize)]
struct HeadFile<S> {
    format: String,
    tool: String,
    head: String,
    commits: u64,
    endorsements: u64,
    withdrawals: u64,
    /// The registry; its `statements` are empty here.
    state: S,
    statements: BTreeMap<String, StatementFile>,
}

/// A statement file.
#[derive(serde::Serialize, serde::Deserialize)]
struct StatementOnDisk<I, E> {
    id: I,
    entry: E,
}

/// A head file's tag line (`tag <hex>\n`) and the bytes it tags.
fn split_tag(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let rest = bytes.strip_prefix(b"tag ")?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    Some((std::str::from_utf8(&rest[..end]).ok()?, &rest[end + 1..]))
}

fn dir(repo: &Repository) -> PathBuf {
    LocalDir::of(repo.path()).file("proved")
}

fn statements_dir(dir: &Path) -> PathBuf {
    dir.join("statements")
}

/// Looks for a proved commit on the first-parent chain of `head` (at most `limit` steps back).
/// Returns it, with no statement loaded yet, and the commits after it, oldest first.
pub fn find(repo: &Repository, head: Oid, limit: usize) -> Option<(Proved, Vec<Oid>)> {
    let dir = dir(repo);
    let names: HashSet<String> = fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut after = Vec::new();
    let mut id = head;
    for _ in 0..=limit {
        let name = format!("{id}.json");
        if names.contains(&name) {
            let proved = load(&dir.join(&name))?;
            if proved.head != id.to_string() {
                return None;
            }
            after.reverse();
            return Some((proved, after));
        }
        after.push(id);
        id = repo.find_commit(id).ok()?.parent_id(0).ok()?;
    }
    None
}

fn load(path: &Path) -> Option<Proved> {
    let bytes = fs::read(path).ok()?;
    let key = super::secret::user_key()?;
    let (tag, body) = split_tag(&bytes)?;
    if !key.verify(body, tag) {
        return None;
    }
    let file: HeadFile<State> = serde_json::from_slice(body).ok()?;
    if file.format != FORMAT || file.tool != env!("CARGO_PKG_VERSION") {
        return None;
    }
    Some(Proved {
        head: file.head,
        commits: file.commits,
        endorsements: file.endorsements,
        withdrawals: file.withdrawals,
        state: {
            let mut state = State {
                statements: BTreeMap::new(),
                ..file.state
            };
            state.rebuild_indexes();
            state
        },
        statements: file.statements,
    })
}

impl Proved {
    /// Loads the named statements (every one with `None`) into [`Proved::state`]; a name the
    /// proof does not hold is a statement created later and is skipped. False when a file is
    /// missing or damaged: the caller then replays from genesis.
    pub fn load_statements(&mut self, repo: &Repository, which: Option<&BTreeSet<String>>) -> bool {
        let dir = statements_dir(&dir(repo));
        let wanted: Vec<(&String, &StatementFile)> = match which {
            None => self.statements.iter().collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| self.statements.get_key_value(id))
                .collect(),
        };
        for (id, at) in wanted {
            let Ok(bytes) = fs::read(dir.join(&at.file)) else {
                return false;
            };
            // The tagged head file names the file by its content's hash: a swapped file is
            // not the one proved.
            if statement_file_name(&bytes) != at.file {
                return false;
            }
            let Ok(file) =
                serde_json::from_slice::<StatementOnDisk<String, StatementEntry>>(&bytes)
            else {
                return false;
            };
            if file.id != *id {
                return false;
            }
            self.state.statements.insert(file.id, file.entry);
        }
        true
    }
}

/// Records a head that verified without failure (best effort: a read-only repository still
/// verifies, only not faster next time). `counts` are the commits, endorsements and
/// withdrawals from genesis to `head`. `earlier` lists the statements of the proof this run
/// resumed from, and `changed` those the run touched: any other statement keeps its file,
/// whether it was loaded or not, so one act writes one statement's file, not the ledger's.
pub fn save(
    repo: &Repository,
    head: Oid,
    (commits, endorsements, withdrawals): (u64, u64, u64),
    state: &mut State,
    earlier: &BTreeMap<String, StatementFile>,
    changed: &BTreeSet<String>,
) {
    let Some(key) = super::secret::user_key() else {
        return; // nowhere to keep this user's secret: nothing is remembered
    };
    let dir = dir(repo);
    let sdir = statements_dir(&dir);
    if fs::create_dir_all(&sdir).is_err() {
        return;
    }
    let mut index = earlier.clone();
    // A kept file is touched, so that a sweep by another run (which spares recent files) cannot
    // remove it before this head file names it.
    for (id, at) in earlier {
        if !changed.contains(id) && !touch(&sdir.join(&at.file)) {
            if !state.statements.contains_key(id) {
                return; // gone, and not loaded to write again: no proof this time
            }
            index.remove(id);
        }
    }
    for (id, entry) in &state.statements {
        if index.contains_key(id) && !changed.contains(id) {
            continue;
        }
        let Ok(bytes) = serde_json::to_vec(&StatementOnDisk { id, entry }) else {
            return;
        };
        let file = statement_file_name(&bytes);
        if !sdir.join(&file).is_file() && !write_atomically(&sdir, &file, &bytes) {
            return;
        }
        index.insert(
            id.clone(),
            StatementFile {
                file,
                versions: entry.versions.len() as u64,
            },
        );
    }
    // The registry alone: the statements are in their files.
    let statements = std::mem::take(&mut state.statements);
    let out = HeadFile {
        format: FORMAT.to_string(),
        tool: env!("CARGO_PKG_VERSION").to_string(),
        head: head.to_string(),
        commits,
        endorsements,
        withdrawals,
        state: &*state,
        statements: index,
    };
    let bytes = serde_json::to_vec(&out);
    state.statements = statements;
    let Ok(body) = bytes else {
        return;
    };
    let mut bytes = format!("tag {}\n", key.tag(&body)).into_bytes();
    bytes.extend_from_slice(&body);
    if write_atomically(&dir, &format!("{head}.json"), &bytes) {
        prune(&dir, state.statements.len().max(earlier.len()));
    }
}

/// The name of a statement file: the first half of the sha256 of its bytes.
fn statement_file_name(bytes: &[u8]) -> String {
    format!("{}.json", &crate::record::sha256_hex(bytes)[..32])
}

/// Sets a file's modification time to now; false when it cannot (it is gone).
fn touch(path: &Path) -> bool {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .is_ok()
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> bool {
    write_atomic(&dir.join(name), bytes).is_ok()
}

/// Keeps the newest [`KEEP`] head files, and sweeps the statement files none of them names
/// once there are many more of those than statements (each run that changes a statement
/// leaves its old file behind).
fn prune(dir: &Path, statements: usize) {
    let mut heads = files_in(dir);
    let now = std::time::SystemTime::now();
    let old = |modified: std::time::SystemTime| {
        now.duration_since(modified)
            .is_ok_and(|age| age > SWEEP_GRACE)
    };
    for (modified, path) in &heads {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".tmp") && old(*modified) {
            let _ = fs::remove_file(path); // left by a run that was killed
        }
    }
    heads.retain(|(_, p)| p.extension().is_some_and(|e| e == "json"));
    heads.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in heads.split_off(KEEP.min(heads.len())) {
        let _ = fs::remove_file(path);
    }
    let sdir = statements_dir(dir);
    let files = files_in(&sdir);
    if files.len() <= 2 * statements + 32 {
        return;
    }
    let mut named = HashSet::new();
    for (_, head) in &heads {
        let Ok(bytes) = fs::read(head) else {
            return;
        };
        let body = split_tag(&bytes).map(|(_, b)| b).unwrap_or(&bytes);
        let Ok(file) = serde_json::from_slice::<HeadFile<serde::de::IgnoredAny>>(body) else {
            continue;
        };
        named.extend(file.statements.into_values().map(|s| s.file));
    }
    for (modified, path) in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if old(modified) && !named.contains(name) {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Plain files of a directory with their modification times.
fn files_in(dir: &Path) -> Vec<(std::time::SystemTime, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let e = e.ok()?;
            let meta = e.metadata().ok()?;
            meta.is_file().then_some(())?;
            Some((meta.modified().ok()?, e.path()))
        })
        .collect()
}

/// Forgets everything proved (`verify --forget`).
pub fn clear(repo: &Repository) {
    let _ = fs::remove_dir_all(dir(repo));
}
