//! What `verify` has proved, kept so that the next run replays only what is new.
//!
//! After a run with no failure, the rebuilt ledger state at the verified head is written to
//! `.git/undersigned/proved/<head>.json`. A later run walks back from its head along first
//! parents; when it meets a commit with a file here, it starts from that state and checks only
//! the commits after it, under exactly the rules of a full run. The cache is keyed by commit id,
//! so it can never be applied to a history that does not contain that commit (a rewrite starts
//! over from genesis); it is written only for histories that verified without a failure; files
//! from another version of undersigned are ignored; and deleting the directory only costs time.
//! `verify --full` ignores it.
//!
//! What it does not protect against: someone who can write into `.git/` can plant a state, as
//! they can replace the objects themselves. An auditor who does not trust the local git
//! directory runs `verify --full` on a fresh clone.

use crate::state::State;
use crate::store::Store;
use git2::Oid;
use std::fs;
use std::path::PathBuf;

/// Bumped whenever the state's shape or a rule changes meaning.
const FORMAT: u32 = 1;

/// How many proved heads are kept (a clone's own head and a remote's head, with room).
const KEEP: usize = 4;

/// One proved head.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Proved {
    format: u32,
    tool: String,
    /// The verified head.
    pub head: String,
    /// Commits from genesis to head.
    pub commits: u64,
    /// Endorsement records checked.
    pub endorsements: u64,
    /// Withdrawal records checked.
    pub withdrawals: u64,
    /// The ledger at the head.
    pub state: State,
}

fn dir(store: &Store) -> PathBuf {
    store.state_dir().join("proved")
}

/// Looks for a proved commit on the first-parent chain of `head` (at most `limit` steps back).
/// Returns it and the commits after it, oldest first.
pub fn find(store: &Store, head: Oid, limit: usize) -> Option<(Proved, Vec<Oid>)> {
    let dir = dir(store);
    let names: Vec<String> = fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    if names.is_empty() {
        return None;
    }
    let repo = store.repo();
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

fn load(path: &std::path::Path) -> Option<Proved> {
    let bytes = fs::read(path).ok()?;
    let proved: Proved = serde_json::from_slice(&bytes).ok()?;
    (proved.format == FORMAT && proved.tool == env!("CARGO_PKG_VERSION")).then_some(proved)
}

/// Records a head that verified without failure (best effort: a read-only repository still
/// verifies, only not faster next time).
pub fn save(
    store: &Store,
    head: Oid,
    commits: u64,
    endorsements: u64,
    withdrawals: u64,
    state: &State,
) {
    let dir = dir(store);
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    #[derive(serde::Serialize)]
    struct Out<'a> {
        format: u32,
        tool: &'a str,
        head: String,
        commits: u64,
        endorsements: u64,
        withdrawals: u64,
        state: &'a State,
    }
    let out = Out {
        format: FORMAT,
        tool: env!("CARGO_PKG_VERSION"),
        head: head.to_string(),
        commits,
        endorsements,
        withdrawals,
        state,
    };
    let Ok(bytes) = serde_json::to_vec(&out) else {
        return;
    };
    let tmp = dir.join(format!("{head}.json.tmp"));
    if fs::write(&tmp, bytes).is_err()
        || fs::rename(&tmp, dir.join(format!("{head}.json"))).is_err()
    {
        let _ = fs::remove_file(&tmp);
        return;
    }
    prune(&dir);
}

/// Keeps the newest [`KEEP`] files.
fn prune(dir: &std::path::Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            Some((e.metadata().ok()?.modified().ok()?, e.path()))
        })
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in files.into_iter().skip(KEEP) {
        let _ = fs::remove_file(path);
    }
}

/// Forgets everything proved (`verify --forget`).
pub fn clear(store: &Store) {
    let _ = fs::remove_dir_all(dir(store));
}
