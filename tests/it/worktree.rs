//! The ledger's work tree: kept in step with the branch after each act, caught up after an
//! interruption between commit and checkout, and left alone by commits made with stock git.

use crate::common::*;

fn status(w: &World) -> String {
    w.git_ok(&["status", "--porcelain", "--untracked-files=all"])
}

#[test]
fn an_act_interrupted_before_its_checkout_is_caught_up_by_the_next() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    let signed = w.head();
    let record = w.git_ok(&[
        "ls-tree",
        "-r",
        "--name-only",
        "HEAD",
        "statements/icc/acts",
    ]);
    let record = record.trim().to_string();
    assert!(record.ends_with("hrw/0001.json"), "{record}");

    // The state a crash leaves between moving the branch and writing the work tree: index and
    // files as of the parent, branch at the new commit, undersigned's memory at the parent.
    w.git_ok(&["read-tree", "HEAD~1"]);
    std::fs::remove_file(w.ledger().join(&record)).unwrap();
    let parent = w.git_ok(&["rev-parse", "HEAD~1"]);
    std::fs::write(w.ledger().join(".git/undersigned/worktree"), parent).unwrap();
    assert!(
        !status(&w).is_empty(),
        "the simulated crash leaves the index behind the branch"
    );

    let fidh = w.key_arg("fidh");
    w.ok(&["sign", "icc", "--org", "fidh", "--key", &fidh]);
    assert_eq!(
        w.git_ok(&["rev-parse", "HEAD~1"]).trim(),
        signed,
        "the next act builds on the interrupted one"
    );
    assert!(
        w.ledger().join(&record).exists(),
        "the interrupted act's file is written to the work tree"
    );
    assert_eq!(status(&w), "", "work tree and index match the head again");
    assert_eq!(w.json(&["verify"])["endorsements"], 2);
}

#[test]
fn acts_keep_the_work_tree_equal_to_the_head() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    assert_eq!(status(&w), "");
    let tracked = w.git_ok(&["ls-files"]);
    let in_head = w.git_ok(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert_eq!(tracked, in_head, "the index lists exactly the head's files");
    for f in in_head.lines() {
        let on_disk = std::fs::read(w.ledger().join(f)).unwrap();
        let blob = w.git(&["cat-file", "blob", &format!("HEAD:{f}")]).stdout;
        assert_eq!(on_disk, blob, "{f} on disk equals the head");
    }
}

#[test]
fn a_commit_made_with_stock_git_does_not_make_the_work_tree_dirty() {
    let w = World::new();
    w.standard();
    // An organization's act made with stock git in the ledger's own work tree: write the record
    // with undersigned in a clone, then bring the commit over with a plain fetch + merge --ff-only.
    let clone = w.path().join("clone");
    let out = std::process::Command::new("git")
        .args(["clone", "-q"])
        .arg(w.ledger())
        .arg(&clone)
        .env("HOME", w.home())
        .output()
        .unwrap();
    assert!(out.status.success());
    let hrw = w.key_arg("hrw");
    w.cmd()
        .args([
            "--ledger",
            clone.to_str().unwrap(),
            "sign",
            "icc",
            "--org",
            "hrw",
            "--key",
            &hrw,
        ])
        .assert()
        .success();
    w.git_ok(&["pull", "-q", "--ff-only", clone.to_str().unwrap(), "main"]);
    assert_eq!(status(&w), "");
    let fidh = w.key_arg("fidh");
    w.ok(&["sign", "icc", "--org", "fidh", "--key", &fidh]);
    assert_eq!(status(&w), "");
    assert_eq!(w.json(&["verify"])["endorsements"], 2);
}

#[test]
fn key_show_reads_an_encrypted_key_without_its_passphrase() {
    let w = World::new();
    let path = w.key("enc");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "secret", "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown = w.ok(&["key", "show", path.to_str().unwrap()]);
    let lf = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&path)
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&lf.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(shown.lines().next().unwrap(), expected);
}

#[test]
fn a_bare_ledger_takes_acts_without_a_work_tree() {
    let w = World::new();
    w.standard();
    let bare = w.path().join("bare.git");
    let out = std::process::Command::new("git")
        .args(["clone", "-q", "--bare"])
        .arg(w.ledger())
        .arg(&bare)
        .env("HOME", w.home())
        .output()
        .unwrap();
    assert!(out.status.success());
    let bare_arg = bare.to_str().unwrap();
    let hrw = w.key_arg("hrw");
    w.cmd()
        .args([
            "--ledger", bare_arg, "sign", "icc", "--org", "hrw", "--key", &hrw,
        ])
        .assert()
        .success();
    let out = w
        .cmd()
        .args(["--ledger", bare_arg, "--json", "verify"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["endorsements"], 1);
    assert!(
        !bare.join("statements").exists(),
        "a bare ledger has no work tree to write"
    );
}

/// The work-tree check of an act sees files as git does, through the filters git applies on
/// checkout: with `core.autocrlf=true` (Git for Windows sets it) `allowed_signers` is on disk
/// with CRLF line endings and is still unchanged, so an act that rewrites it goes ahead; a mode
/// change of it is a change, and is refused by name.
#[test]
fn an_act_sees_the_work_tree_through_gits_line_ending_filters() {
    let w = World::new();
    w.standard();
    w.git_ok(&["config", "core.autocrlf", "true"]);
    std::fs::remove_file(w.ledger().join("allowed_signers")).expect("rm");
    w.git_ok(&["checkout", "--", "allowed_signers"]);
    let on_disk = std::fs::read(w.ledger().join("allowed_signers")).expect("read");
    assert!(
        on_disk.windows(2).any(|p| p == b"\r\n"),
        "checked out with CRLF line endings"
    );
    assert_eq!(status(&w), "", "and git sees no change");
    let k = w.ssh_keygen("keyed");
    let pubkey = format!("{}.pub", k.display());
    let e = w.key_arg("editor");
    let v = w.json(&[
        "org", "add", "keyed", "--name", "Keyed", "--pubkey", &pubkey, "--key", &e,
    ]);
    assert_eq!(v["changed"], true, "{v}");

    use std::os::unix::fs::PermissionsExt;
    let file = w.ledger().join("allowed_signers");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let k2 = w.ssh_keygen("keyed2");
    let pubkey2 = format!("{}.pub", k2.display());
    let out = w.run(&[
        "org", "add", "keyed2", "--name", "Keyed 2", "--pubkey", &pubkey2, "--key", &e,
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("allowed_signers"), "{}", stderr(&out));
    assert_eq!(w.json(&["verify"])["ok"], true);
}
