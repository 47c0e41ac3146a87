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
    sign(&w, "icc", "hrw");
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
    sign(&w, "icc", "hrw");
    report(&w, &[]);
    let proved = w.head();
    // Rewrite: drop the endorsement and make another act in its place.
    w.git_ok(&["update-ref", "refs/heads/main", &format!("{proved}^")]);
    w.git_ok(&["checkout", "-q", "-f", "main"]);
    sign(&w, "icc", "fidh");
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

/// Statement files of the proofs, by name, with their bytes.
fn statement_files(w: &World) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(proved_dir(w).join("statements"))
        .expect("the proof keeps statements in files of their own")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().into_string().expect("utf-8");
            (name, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// `org` endorses `stmt` with its own key.
fn sign(w: &World, stmt: &str, org: &str) {
    w.ok(&["sign", stmt, "--org", org, "--key", &w.key_arg(org)]);
}

/// The standard ledger with a second statement that fidh endorses, verified (so proved).
fn proved_with_two_statements() -> World {
    let w = World::new();
    w.standard();
    second_statement(&w);
    sign(&w, "other", "fidh");
    report(&w, &[]);
    w
}

/// A second statement beside the standard one.
fn second_statement(w: &World) {
    let text = w.write_file("other.txt", "A second appeal.\n");
    let e = w.key_arg("editor");
    w.ok(&[
        "statement",
        "new",
        "other",
        "--title",
        "Other",
        "--text",
        &text,
        "--key",
        &e,
    ]);
}

#[test]
fn one_act_rewrites_the_proof_of_its_statement_only() {
    let w = proved_with_two_statements();
    let before = statement_files(&w);
    assert_eq!(
        before.len(),
        2,
        "one file per statement: {:?}",
        before.keys()
    );

    sign(&w, "icc", "hrw");
    let next = report(&w, &[]);
    assert!(next.get("resumed_from").is_some(), "{next:#}");
    let after = statement_files(&w);
    let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(new.len(), 1, "only icc's state is written again: {new:?}");
    assert!(
        String::from_utf8_lossy(&after[new[0]]).contains("\"id\":\"icc\""),
        "the new file is icc's"
    );
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "{name} is kept as it was");
    }
    // The resumed run loaded one statement, yet reports the ledger's counts, and the state it
    // proved holds both statements for audit and the next run.
    let full = report(&w, &["--full"]);
    for field in ["statements", "versions", "endorsements"] {
        assert_eq!(next[field], full[field], "{field}");
    }
    sign(&w, "other", "hrw");
    let third = report(&w, &[]);
    assert!(third.get("resumed_from").is_some(), "{third:#}");
    assert_eq!(third["endorsements"], 3);
    let audit = w.json(&["audit", "icc"]);
    assert_eq!(
        audit["versions"][0]["endorsements"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{audit:#}"
    );
    let audit = w.json(&["audit", "other"]);
    assert_eq!(
        audit["versions"][0]["endorsements"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{audit:#}"
    );
}

#[test]
fn a_missing_or_damaged_statement_file_only_costs_time() {
    for damage in ["delete", "garble", "swap"] {
        let w = proved_with_two_statements();
        let dir = proved_dir(&w).join("statements");
        let files = statement_files(&w);
        let (icc, other): (Vec<_>, Vec<_>) = files
            .iter()
            .partition(|(_, b)| String::from_utf8_lossy(b).contains("\"id\":\"icc\""));
        let (icc_name, _) = icc[0];
        match damage {
            "delete" => std::fs::remove_file(dir.join(icc_name)).expect("delete"),
            "garble" => std::fs::write(dir.join(icc_name), b"{ not json").expect("garble"),
            // Another statement's state under icc's name: refused by the id it carries.
            _ => std::fs::write(dir.join(icc_name), other[0].1).expect("swap"),
        }
        sign(&w, "icc", "hrw");
        let r = report(&w, &[]);
        assert!(
            r.get("resumed_from").is_none(),
            "{damage}: a proof with a bad statement file is not used: {r:#}"
        );
        assert_eq!(r["endorsements"], 2, "{damage}");
        // The run from genesis proved the head again, with good files.
        sign(&w, "other", "hrw");
        let again = report(&w, &[]);
        assert!(again.get("resumed_from").is_some(), "{damage}: {again:#}");
        assert_eq!(again["endorsements"], 3, "{damage}");
    }
}

/// A proof does not store the key index or the `allowed_signers` lines (both follow from the
/// keys); a resumed run rebuilds them, so commits by every registered key are recognised and
/// key changes after the proof are compared with the right `allowed_signers`.
#[test]
fn a_resumed_run_knows_every_key_registered_before_the_proof() {
    let w = World::new();
    w.standard();
    report(&w, &[]);
    let k = w.ssh_keygen("keyed");
    let keyed_pub = format!("{}.pub", k.display());
    let e = w.key_arg("editor");
    w.ok(&[
        "org", "add", "keyed", "--name", "Keyed", "--pubkey", &keyed_pub, "--key", &e,
    ]);
    let r = report(&w, &[]);
    assert!(r.get("resumed_from").is_some(), "{r:#}");
    let new = w.ssh_keygen("hrw2");
    let new_pub = format!("{}.pub", new.display());
    w.ok(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &new_pub,
        "--key",
        &w.key_arg("hrw"),
    ]);
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw2")]);
    sign(&w, "icc", "keyed");
    let r = report(&w, &[]);
    assert!(r.get("resumed_from").is_some(), "{r:#}");
    assert_eq!(r["endorsements"], 2, "{r:#}");
    let full = report(&w, &["--full"]);
    assert_eq!(r["organizations"], full["organizations"]);
}

/// Any thread count is accepted: more than a pass can use is capped, not a crash.
#[test]
fn an_absurd_thread_count_is_capped() {
    let w = World::new();
    w.standard();
    sign(&w, "icc", "hrw");
    for jobs in ["1", "3", "1000000"] {
        let r = report(&w, &["--full", "--jobs", jobs]);
        assert_eq!(r["endorsements"], 1, "--jobs {jobs}: {r:#}");
    }
}

/// A ledger directory handed over by someone else carries their `proved/`: a proof for a bad
/// head (the good head's proof, renamed and re-labelled) must not make that head verify.
#[test]
fn a_planted_proof_for_a_bad_head_is_ignored() {
    let w = World::new();
    w.standard();
    report(&w, &[]);
    let good = w.head();
    let proof = std::fs::read(proved_dir(&w).join(format!("{good}.json"))).expect("proof");
    // A commit that breaks a rule (unsigned), then the good head's proof filed under its id,
    // with its head field changed to match — as someone with write access to .git could.
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
    let bad = w.head();
    let forged = String::from_utf8(proof)
        .expect("utf-8")
        .replace(&good, &bad);
    std::fs::write(proved_dir(&w).join(format!("{bad}.json")), forged).expect("plant");
    let (status, r) = verify(&w, &[]);
    assert_eq!(status, 1, "a planted proof was trusted: {r:#}");
    assert!(r.get("resumed_from").is_none(), "{r:#}");
    for args in [&["audit", "icc"][..], &["show", "icc"]] {
        let out = w.run(args);
        assert_eq!(
            code(&out),
            1,
            "{args:?} must say the ledger does not verify: {}",
            said(&out)
        );
    }
}

/// Proofs made by another user (another HOME: another secret) are not this user's: the run
/// replays the history, and keeps a proof of its own.
#[test]
fn a_proof_copied_from_another_user_only_costs_time() {
    let w = World::new();
    w.standard();
    report(&w, &[]);
    let other_home = w.path().join("other-home");
    std::fs::create_dir_all(&other_home).expect("home");
    let run_as_other = || {
        let mut c = w.cmd();
        c.env("HOME", &other_home).args(["--json", "verify"]);
        let out = c.output().expect("run");
        assert_eq!(code(&out), 0, "{}", said(&out));
        serde_json::from_slice::<Value>(&out.stdout).expect("report")
    };
    let first = run_as_other();
    assert!(
        first.get("resumed_from").is_none(),
        "another user's proof was used: {first:#}"
    );
    let second = run_as_other();
    assert_eq!(
        second["resumed_from"],
        w.head().as_str(),
        "its own proof is used: {second:#}"
    );
    assert!(other_home
        .join(".local/state/undersigned/proof-key")
        .is_file());
}

#[test]
fn a_resumed_verify_says_where_it_resumed_and_a_full_one_does_not() {
    let w = World::new();
    w.standard();
    w.ok(&["verify"]);
    let hrw = w.key_arg("hrw");
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    let resumed = w.ok(&["verify"]);
    assert!(resumed.contains("resumed   from "), "{resumed}");
    let full = w.ok(&["verify", "--full"]);
    assert!(!full.contains("resumed"), "{full}");
}

/// `status STMT`, `audit STMT` and `show STMT` resume from the proof with that statement alone
/// (and those the commits after the proof touched), `org list` and `person list` with none: a
/// million endorsements over hundreds of statements cost them one statement's state and acts,
/// and they answer as a run from genesis does. The witness that they read no other statement:
/// another statement's file, deleted, is still missing afterwards (a load of that statement
/// would miss it, replay from genesis and write its state again).
#[test]
fn status_loads_only_its_statement_and_answers_as_a_full_replay() {
    let w = proved_with_two_statements();
    sign(&w, "icc", "hrw");
    report(&w, &[]);
    let dir = proved_dir(&w).join("statements");
    let (icc_name, _) = statement_files(&w)
        .into_iter()
        .find(|(_, b)| String::from_utf8_lossy(b).contains("\"id\":\"icc\""))
        .expect("icc's file");
    std::fs::remove_file(dir.join(&icc_name)).expect("delete");
    // An act on `other` after the proof: the resumed run loads it as touched, and as wanted.
    sign(&w, "other", "hrw");
    let icc_files = |w: &World| {
        statement_files(w)
            .values()
            .filter(|b| String::from_utf8_lossy(b).contains("\"id\":\"icc\""))
            .count()
    };
    let kept = icc_files(&w);

    let orgs = w.json(&["org", "list"]);
    let people = w.json(&["person", "list"]);
    assert_eq!(icc_files(&w), kept, "the lists did not load icc's state");
    let scoped = w.json(&["status", "other"]);
    assert_eq!(
        icc_files(&w),
        kept,
        "status other wrote no state of icc's: it did not load it"
    );
    assert_eq!(scoped["counts"]["current"], 2, "{scoped:#}");
    // So do `audit` and `show`, which are about one statement too.
    let audit = w.json(&["audit", "other"]);
    let shown = w.json(&["show", "other"]);
    assert_eq!(
        icc_files(&w),
        kept,
        "audit and show other did not load icc's state"
    );

    // What they left resumes to the counts of a full run.
    let resumed = report(&w, &[]);
    let full = report(&w, &["--full"]);
    for field in ["statements", "versions", "endorsements", "organizations"] {
        assert_eq!(resumed[field], full[field], "{field}");
    }

    // `statement list` reads each statement's acts in turn (one statement's in memory at once).
    let listed = w.json(&["statement", "list"]);
    let current: Vec<&Value> = listed["statements"]
        .as_array()
        .map(|a| a.iter().map(|s| &s["counts"]["current"]).collect())
        .unwrap_or_default();
    assert_eq!(current, [1, 2], "icc, other: {listed:#}");

    std::fs::remove_dir_all(proved_dir(&w)).expect("forget every proof");
    assert_eq!(w.json(&["statement", "list"]), listed, "as from genesis");
    assert_eq!(w.json(&["status", "other"]), scoped, "as from genesis");
    assert_eq!(w.json(&["audit", "other"]), audit, "as from genesis");
    assert_eq!(w.json(&["show", "other"]), shown, "as from genesis");
    assert_eq!(w.json(&["org", "list"]), orgs, "as from genesis");
    assert_eq!(w.json(&["person", "list"]), people, "as from genesis");
    assert!(
        orgs["organizations"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "{orgs:#}"
    );
    assert_eq!(w.json(&["status", "icc"])["counts"]["current"], 1);
    // Unknown: the statements there are, from the head, though only one is ever loaded.
    for cmd in ["status", "audit", "show"] {
        let o = w.run(&[cmd, "nope"]);
        assert_eq!(code(&o), 2, "{cmd}");
        assert!(stderr(&o).contains("icc, other"), "{cmd}: {}", said(&o));
    }
}
