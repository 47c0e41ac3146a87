//! Incremental verification: what an earlier run proved is kept in `.git/undersigned/proved/`
//! and the next run replays only what came after it; it is never used across a rewrite, a
//! damaged file is ignored, and `--full` ignores it. (That it reports the same failures as a
//! full run is checked on every tamper case by `common::assert_same_failures_every_way`.)

use crate::common::*;
use serde_json::Value;

fn proved_dir(w: &World) -> std::path::PathBuf {
    w.ledger().join(".git").join("undersigned").join("proved")
}

fn report(w: &World, args: &[&str]) -> Value {
    let (code, r) = verify(w, args);
    assert_eq!(code, 0, "{r:#}");
    r
}

#[test]
fn a_new_act_is_verified_from_the_last_proved_head() {
    let w = World::new();
    w.standard();
    let first = report(&w, &[]);
    assert!(
        first.get("resumed_from").is_none(),
        "nothing proved yet: {first:#}"
    );
    let proved = w.head();
    assert!(proved_dir(&w).join(format!("{proved}.json")).is_file());
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    let next = report(&w, &[]);
    assert_eq!(next["resumed_from"], proved.as_str());
    assert_eq!(next["head"], w.head().as_str());
    let full = report(&w, &["--full"]);
    assert!(full.get("resumed_from").is_none());
    for field in [
        "commits",
        "editors",
        "organizations",
        "statements",
        "versions",
        "endorsements",
        "withdrawals",
    ] {
        assert_eq!(next[field], full[field], "{field}");
    }
    // Nothing new: the proved head itself.
    let again = report(&w, &[]);
    assert_eq!(again["resumed_from"], w.head().as_str());
    assert_eq!(again["commits"], full["commits"]);
}

#[test]
fn a_proof_is_not_used_for_a_history_that_no_longer_contains_it() {
    let w = World::new();
    w.standard();
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    report(&w, &[]);
    let proved = w.head();
    // Rewrite: drop the endorsement and make another act in its place.
    w.git_ok(&["update-ref", "refs/heads/main", &format!("{proved}^")]);
    w.git_ok(&["checkout", "-q", "-f", "main"]);
    w.ok(&["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")]);
    let r = report(&w, &["--forget"]);
    assert!(
        r.get("resumed_from").is_none(),
        "the proof of {proved} must not be applied to a history without it: {r:#}"
    );
    assert_eq!(r["endorsements"], 1);
}

#[test]
fn a_damaged_or_deleted_proof_only_costs_time() {
    let w = World::new();
    w.standard();
    report(&w, &[]);
    let file = proved_dir(&w).join(format!("{}.json", w.head()));
    std::fs::write(&file, b"{ not json").expect("damage");
    let r = report(&w, &[]);
    assert!(r.get("resumed_from").is_none(), "{r:#}");
    std::fs::remove_dir_all(proved_dir(&w)).expect("delete");
    let r = report(&w, &[]);
    assert!(r.get("resumed_from").is_none());
    assert_eq!(r["organizations"], 3);
}

#[test]
fn a_failing_history_is_never_proved() {
    let w = World::new();
    w.standard();
    let head = w.head();
    // An unsigned commit on top: verification fails, and nothing is recorded for it.
    std::fs::write(w.ledger().join("stray.txt"), "x").expect("write");
    w.git_ok(&["add", "stray.txt"]);
    w.git_ok(&[
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@y",
        "commit",
        "-q",
        "-m",
        "stray",
    ]);
    let (code, r) = verify(&w, &["--forget"]);
    assert_eq!(code, 1, "{r:#}");
    assert!(!proved_dir(&w).join(format!("{}.json", w.head())).exists());
    assert!(!proved_dir(&w).join(format!("{head}.json")).exists());
    // Run again: still every failure, from genesis.
    let (code, again) = verify(&w, &[]);
    assert_eq!(code, 1);
    assert_eq!(again["failures"], r["failures"]);
    assert!(again.get("resumed_from").is_none());
}
