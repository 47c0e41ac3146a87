//! Inputs found by review: malformed git trees that libgit2 reads but git shows differently,
//! clocks that go backwards, a rolled-back copy shown by audit, truncated evidence, a stale
//! cached ledger id, and private keys others can read.

use crate::common::*;
use git2::{ObjectType, Oid, Repository};
use undersigned::keys::SigningKey;

/// A raw tree object from (mode, name, id) entries, written as given (no sorting, no dedup).
fn raw_tree(repo: &Repository, entries: &[(&str, &[u8], Oid)]) -> Oid {
    let mut bytes = Vec::new();
    for (mode, name, id) in entries {
        bytes.extend_from_slice(mode.as_bytes());
        bytes.push(b' ');
        bytes.extend_from_slice(name);
        bytes.push(0);
        bytes.extend_from_slice(id.as_bytes());
    }
    repo.odb().unwrap().write(ObjectType::Tree, &bytes).unwrap()
}

/// Entries of an existing tree as (mode, name, id).
fn entries(repo: &Repository, tree: Oid) -> Vec<(String, Vec<u8>, Oid)> {
    repo.find_tree(tree)
        .unwrap()
        .iter()
        .map(|e| {
            (
                format!("{:o}", e.filemode_raw()),
                e.name_bytes().to_vec(),
                e.id(),
            )
        })
        .collect()
}

/// Commits `tree` on top of main, signed by the editor exactly as undersigned signs, dated
/// `time`, and moves main.
fn editor_commit(w: &World, tree: Oid, time: Option<i64>) -> String {
    let repo = Repository::open(w.ledger()).unwrap();
    let parent = repo
        .find_commit(repo.refname_to_id("refs/heads/main").unwrap())
        .unwrap();
    let time = time.unwrap_or(parent.time().seconds() + 1);
    let sig = git2::Signature::new(
        "Editor",
        "coordinator@editor.undersigned.invalid",
        &git2::Time::new(time, 0),
    )
    .unwrap();
    let tree = repo.find_tree(tree).unwrap();
    let buf = repo
        .commit_create_buffer(&sig, &sig, "hand-made\n", &tree, &[&parent])
        .unwrap();
    let content = std::str::from_utf8(&buf).unwrap().to_string();
    let key = SigningKey::load(&w.key("editor"), &mut || Ok(None)).unwrap();
    let armor = key.sign("git", content.as_bytes()).unwrap();
    let id = repo
        .commit_signed(&content, &armor, Some("gpgsig"))
        .unwrap();
    repo.reference("refs/heads/main", id, true, "test").unwrap();
    id.to_string()
}

fn failures(w: &World) -> Vec<serde_json::Value> {
    let out = w.run(&["--json", "verify"]);
    assert_eq!(
        code(&out),
        1,
        "verify must fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["failures"].as_array().unwrap().clone()
}

fn with_root_entry(w: &World, extra: (&str, &[u8], Oid)) -> Oid {
    let repo = Repository::open(w.ledger()).unwrap();
    let head = repo
        .find_commit(repo.refname_to_id("refs/heads/main").unwrap())
        .unwrap();
    let mut list = entries(&repo, head.tree_id());
    list.push((extra.0.to_string(), extra.1.to_vec(), extra.2));
    list.sort_by(|a, b| a.1.cmp(&b.1));
    let refs: Vec<(&str, &[u8], Oid)> = list
        .iter()
        .map(|(m, n, i)| (m.as_str(), n.as_slice(), *i))
        .collect();
    raw_tree(&repo, &refs)
}

#[test]
fn a_tree_with_duplicate_names_is_refused() {
    let w = World::new();
    w.standard();
    let repo = Repository::open(w.ledger()).unwrap();
    let head = repo
        .find_commit(repo.refname_to_id("refs/heads/main").unwrap())
        .unwrap();
    // The root tree with ledger.json listed twice (two different blobs under one name).
    let other = repo.blob(b"{}\n").unwrap();
    let mut list = entries(&repo, head.tree_id());
    let at = list.iter().position(|e| e.1 == b"ledger.json").unwrap();
    list.insert(at + 1, ("100644".into(), b"ledger.json".to_vec(), other));
    let refs: Vec<(&str, &[u8], Oid)> = list
        .iter()
        .map(|(m, n, i)| (m.as_str(), n.as_slice(), *i))
        .collect();
    let tree = raw_tree(&repo, &refs);
    let commit = editor_commit(&w, tree, None);
    let f = failures(&w);
    assert!(
        f.iter().any(|f| f["commit"] == commit.as_str()
            && f["rule"] == "file-mode"
            && f["reason"].as_str().unwrap().contains("duplicated")),
        "{f:?}"
    );
}

#[test]
fn a_tree_entry_whose_name_holds_a_slash_is_refused() {
    let w = World::new();
    w.standard();
    let repo = Repository::open(w.ledger()).unwrap();
    let blob = repo.blob(b"another text\n").unwrap();
    let tree = with_root_entry(&w, ("100644", b"statements/icc/versions/0002.txt", blob));
    let commit = editor_commit(&w, tree, None);
    let f = failures(&w);
    assert!(
        f.iter().any(|f| f["commit"] == commit.as_str()
            && f["reason"]
                .as_str()
                .unwrap()
                .contains("valid UTF-8 path component")),
        "{f:?}"
    );
}

#[test]
fn an_unusual_mode_and_an_empty_directory_are_refused() {
    let w = World::new();
    w.standard();
    let repo = Repository::open(w.ledger()).unwrap();
    let empty = raw_tree(&repo, &[]);
    let tree = with_root_entry(&w, ("40000", b"empty", empty));
    let commit = editor_commit(&w, tree, None);
    let f = failures(&w);
    assert!(
        f.iter().any(|f| f["commit"] == commit.as_str()
            && f["reason"].as_str().unwrap().contains("empty directory")),
        "{f:?}"
    );

    let w = World::new();
    w.standard();
    let repo = Repository::open(w.ledger()).unwrap();
    let blob = repo.blob(b"x\n").unwrap();
    let tree = with_root_entry(&w, ("100664", b"group-writable.txt", blob));
    let commit = editor_commit(&w, tree, None);
    let f = failures(&w);
    assert!(
        f.iter()
            .any(|f| f["commit"] == commit.as_str() && f["rule"] == "file-mode"),
        "{f:?}"
    );
}

#[test]
fn a_commit_dated_before_its_parent_is_refused() {
    let w = World::new();
    w.standard();
    let repo = Repository::open(w.ledger()).unwrap();
    let head = repo
        .find_commit(repo.refname_to_id("refs/heads/main").unwrap())
        .unwrap();
    let commit = editor_commit(&w, head.tree_id(), Some(head.time().seconds() - 3600));
    let f = failures(&w);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["commit"], commit.as_str());
    assert_eq!(f[0]["rule"], "time");
}

#[test]
fn audit_and_show_of_a_rolled_back_copy_warn_and_exit_1() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    w.ok(&["verify"]);
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    for cmd in [&["audit", "icc"][..], &["show", "icc"], &["log"]] {
        let out = w.run(cmd);
        assert_eq!(code(&out), 1, "{cmd:?} on a rolled-back copy");
        assert!(stderr(&out).contains("does NOT verify"), "{}", stderr(&out));
    }
}

#[test]
fn evidence_over_the_limit_is_refused_not_truncated() {
    let w = World::new();
    w.standard();
    let before = w.snapshot();
    let big = vec![b'x'; 64 * 1024 * 1024 + 1];
    let e = w.key_arg("editor");
    let out = w
        .cmd()
        .args([
            "attest",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            "-",
            "--key",
            &e,
        ])
        .write_stdin(big)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was recorded"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.snapshot(), before);
    // 3 MB from standard input is hashed whole.
    let mid = vec![b'y'; 3 * 1024 * 1024];
    w.cmd()
        .args([
            "attest",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            "-",
            "--key",
            &e,
        ])
        .write_stdin(mid.clone())
        .assert()
        .success();
    let record = w.git_ok(&[
        "show",
        &format!(
            "HEAD:{}",
            w.git_ok(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"])
                .trim()
        ),
    ]);
    let v: serde_json::Value = serde_json::from_str(&record).unwrap();
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(&mid)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v["evidence_sha256"], expected.as_str());
}

#[test]
fn a_stale_cached_ledger_id_is_not_used_for_acts() {
    // Two ledgers; the cache of A is copied into B (as after replacing B's history): an act in B
    // must still name B's ledger id.
    let a = World::new();
    a.standard();
    let b = World::new();
    let b_id = b.standard();
    // B also holds A's commits (fetched under another ref), so A's genesis is a root commit there.
    b.git_ok(&[
        "fetch",
        "-q",
        a.ledger().to_str().unwrap(),
        "main:refs/other/a",
    ]);
    std::fs::copy(
        a.ledger().join(".git/undersigned/ledger-id"),
        b.ledger().join(".git/undersigned/ledger-id"),
    )
    .unwrap();
    let hrw = b.key_arg("hrw");
    b.ok(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    let report = b.json(&["verify"]);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["ledger_id"], b_id.as_str());
}

#[test]
fn a_private_key_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.standard();
    let hrw = w.key("hrw");
    std::fs::set_permissions(&hrw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = w.snapshot();
    let out = w.run(&[
        "sign",
        "icc",
        "--org",
        "hrw",
        "--key",
        hrw.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert_eq!(w.snapshot(), before);
}

/// Replaces the blob at `path` in the head tree with `content` (a hand edit of a file an
/// earlier act wrote) and returns the new root tree.
fn tree_with_file(w: &World, path: &str, content: &[u8]) -> Oid {
    let repo = Repository::open(w.ledger()).unwrap();
    let head = repo
        .find_commit(repo.refname_to_id("refs/heads/main").unwrap())
        .unwrap();
    let blob = repo.blob(content).unwrap();
    let mut update = git2::build::TreeUpdateBuilder::new();
    update.upsert(path, blob, git2::FileMode::Blob);
    let tree = head.tree().unwrap();
    update.create_updated(&repo, &tree).unwrap()
}

#[test]
fn every_field_of_an_endorsement_edited_later_is_caught() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    let out = w.json(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    let path = out["paths"][0].as_str().unwrap().to_string();
    let original: serde_json::Value =
        serde_json::from_str(&w.git_ok(&["show", &format!("HEAD:{path}")])).unwrap();
    let edits: Vec<(&str, serde_json::Value)> = vec![
        ("version", serde_json::json!(2)),
        ("text_sha256", serde_json::json!("0".repeat(64))),
        ("org", serde_json::json!("fidh")),
        (
            "signature",
            serde_json::json!(original["signature"].as_str().unwrap().replace('A', "B")),
        ),
        ("signed_at", serde_json::json!("2030-01-01T00:00:00.000Z")),
    ];
    let signed = w.head();
    for (field, value) in edits {
        let mut record = original.clone();
        record[field] = value;
        let mut bytes = serde_json::to_vec_pretty(&record).unwrap();
        bytes.push(b'\n');
        let tree = tree_with_file(&w, &path, &bytes);
        let commit = editor_commit(&w, tree, None);
        let f = failures(&w);
        assert!(
            f.iter().any(|f| f["commit"] == commit.as_str()
                && f["path"] == path.as_str()
                && f["rule"] == "append-only"),
            "editing {field}: {f:?}"
        );
        w.git_ok(&["reset", "-q", "--hard", &signed]);
        w.ok(&["verify", "--forget"]);
    }
}

#[test]
fn a_merge_of_an_unrelated_history_is_refused() {
    let w = World::new();
    w.standard();
    let other = World::new();
    other.standard();
    w.git_ok(&[
        "fetch",
        "-q",
        other.ledger().to_str().unwrap(),
        "main:refs/other",
    ]);
    let repo = Repository::open(w.ledger()).unwrap();
    let ours = repo
        .find_commit(repo.refname_to_id("refs/heads/main").unwrap())
        .unwrap();
    let theirs = repo
        .find_commit(repo.refname_to_id("refs/other").unwrap())
        .unwrap();
    let sig = git2::Signature::new(
        "Editor",
        "coordinator@editor.undersigned.invalid",
        &git2::Time::new(ours.time().seconds() + 1, 0),
    )
    .unwrap();
    let buf = repo
        .commit_create_buffer(
            &sig,
            &sig,
            "merge\n",
            &ours.tree().unwrap(),
            &[&ours, &theirs],
        )
        .unwrap();
    let content = std::str::from_utf8(&buf).unwrap().to_string();
    let key = SigningKey::load(&w.key("editor"), &mut || Ok(None)).unwrap();
    let armor = key.sign("git", content.as_bytes()).unwrap();
    let merge = repo
        .commit_signed(&content, &armor, Some("gpgsig"))
        .unwrap();
    repo.reference("refs/heads/main", merge, true, "test")
        .unwrap();
    let f = failures(&w);
    assert!(
        f.iter()
            .any(|f| f["commit"] == merge.to_string().as_str() && f["rule"] == "linear-history"),
        "{f:?}"
    );
}

#[test]
fn bytes_after_a_nul_in_a_signed_commit_are_refused() {
    let w = World::new();
    w.standard();
    let mut raw = w.git(&["cat-file", "commit", "HEAD"]).stdout;
    raw.extend_from_slice(b"\0smuggled bytes\n");
    let file = w.path().join("commit.raw");
    std::fs::write(&file, &raw).unwrap();
    let forged = w.git_ok(&[
        "hash-object",
        "--literally",
        "-t",
        "commit",
        "-w",
        file.to_str().unwrap(),
    ]);
    let forged = forged.trim();
    w.git_ok(&["update-ref", "refs/heads/main", forged]);
    let f = failures(&w);
    assert!(
        f.iter().any(|f| f["commit"] == forged
            && f["rule"] == "signature"
            && f["reason"].as_str().unwrap().contains("NUL")),
        "{f:?}"
    );
    // Stock git agrees that this commit's signature is bad.
    let signers = w.ledger().join("allowed_signers");
    let out = w.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("gpg.ssh.allowedSignersFile={}", signers.display()),
        "verify-commit",
        forged,
    ]);
    assert!(!out.status.success());
}

/// Overwrites the loose object `id` of the ledger's repository with bytes no reader takes.
fn damage_object(w: &World, id: Oid) {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repository::open(w.ledger()).expect("ledger repository");
    let hex = id.to_string();
    let path = repo.path().join("objects").join(&hex[..2]).join(&hex[2..]);
    assert!(path.exists(), "{hex} is a loose object in a fresh ledger");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::write(&path, b"not a zlib stream").expect("damage the object");
}

/// `verify --json ARGS` of a ledger that fails: exit 1 and the report.
fn failing_report(w: &World, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json", "verify"];
    all.extend_from_slice(args);
    let out = w.run(&all);
    assert_eq!(code(&out), 1, "{}", said(&out));
    serde_json::from_slice(&out.stdout).expect("a report")
}

#[test]
fn a_damaged_commit_is_reported_as_damage_not_as_a_replaced_history() {
    let w = World::new();
    let id = w.standard();
    w.ok(&["verify"]);
    let repo = Repository::open(w.ledger()).expect("ledger repository");
    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    let damaged = head.parent_id(0).expect("a parent");
    drop(head);
    damage_object(&w, damaged);
    let report = failing_report(&w, &["--full"]);
    let failures = report["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{report:#}");
    assert_eq!(failures[0]["rule"], "object", "{report:#}");
    assert_eq!(failures[0]["commit"], damaged.to_string().as_str());
    assert_eq!(
        report["ledger_id"],
        id.as_str(),
        "the ledger id this repository was pinned to, not the damaged commit: {report:#}"
    );
    let again = failing_report(&w, &[]);
    assert_eq!(again["failures"][0]["rule"], "object", "{again:#}");
}

#[test]
fn a_failed_full_verify_leaves_no_proof_for_the_next_run_to_resume_from() {
    let w = World::new();
    w.standard();
    w.ok(&["verify"]);
    let repo = Repository::open(w.ledger()).expect("ledger repository");
    let text = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .and_then(|t| {
            t.get_path(std::path::Path::new(&undersigned::layout::version_text(
                "icc", 1,
            )))
        })
        .map(|e| e.id())
        .expect("the text of version 1");
    damage_object(&w, text);
    // The proof stands for a history that verified; only a whole pass reads the text again.
    w.ok(&["verify"]);
    let full = failing_report(&w, &["--full"]);
    assert!(
        full["failures"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule"] == "object")),
        "{full:#}"
    );
    let next = failing_report(&w, &[]);
    assert_eq!(next["resumed_from"], serde_json::Value::Null, "{next:#}");
    assert_eq!(next["failures"], full["failures"]);
}
