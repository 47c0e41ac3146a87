//! Commits come from any clone. Write the fuzz bytes as a raw commit object (as a fetched pack
//! would deliver it), then do what verification does: read the commit's fields with libgit2,
//! read its signature and payload from the raw object as git does (`commit_object`), and parse
//! and check the SSHSIG in it. (`commit_git_parity` fuzzes that reading without a repository.)
//!
//! The repository is made once per process in a temp dir and objects go to its ordinary loose
//! object store, the backend undersigned reads from. (An in-memory mempack backend is not
//! usable here: libgit2's mempack returns object data without a terminating NUL, and
//! `git_commit_extract_signature`, which this target called before undersigned stopped using
//! it, over-read such data; the loose and pack backends terminate it.) Each object is deleted
//! after its input and libgit2's object cache is off, so a long run neither fills the disk with
//! loose objects nor grows in memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use undersigned::commit_object::{self, Verdict};
use undersigned::keys::ParsedSig;

fn repo() -> &'static Mutex<git2::Repository> {
    static REPO: OnceLock<Mutex<git2::Repository>> = OnceLock::new();
    REPO.get_or_init(|| {
        git2::opts::enable_caching(false);
        let dir =
            std::env::temp_dir().join(format!("undersigned-fuzz-repo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Mutex::new(git2::Repository::init_bare(&dir).expect("init temp repository"))
    })
}

fn run(repo: &git2::Repository, oid: git2::Oid) {
    if let Ok(commit) = repo.find_commit(oid) {
        // What verification reads besides the signature.
        let _ = commit.author().email();
        let _ = commit.committer().email();
        let _ = commit.time();
        let _ = commit.message_bytes();
        let _ = commit.tree_id();
        let _ = commit.parent_ids().count();
    }
    if let Ok(Verdict::Signed(signed)) = commit_object::read_object(repo, oid) {
        for ns in [undersigned::signed_data::COMMIT_NAMESPACE, "undersigned"] {
            if let Ok(sig) = ParsedSig::parse(signed.armor(), ns) {
                let _ = sig.key_fingerprint();
                let _ = sig.verify(&signed.payload);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let repo = repo().lock().unwrap_or_else(|e| e.into_inner());
    let Ok(odb) = repo.odb() else { return };
    let Ok(oid) = odb.write(git2::ObjectType::Commit, data) else {
        return;
    };
    run(&repo, oid);
    let hex = oid.to_string();
    let _ = std::fs::remove_file(repo.path().join("objects").join(&hex[..2]).join(&hex[2..]));
});
