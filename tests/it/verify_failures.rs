//! `undersigned verify` against histories broken with stock git: each test builds a valid
//! ledger with the binary, adds one commit that breaks one rule, and checks that `verify --json`
//! exits 1 naming that commit, the path (or null) and the rule.

use crate::common::*;

const TEXT_V1: &str = "statements/icc/versions/0001.txt";

/// Writes `content` at `rel` in the ledger work tree and stages it.
fn put(w: &World, rel: &str, content: &[u8]) {
    let p = w.ledger().join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, content).expect("write");
    w.git_ok(&["add", "--", rel]);
}

fn read(w: &World, rel: &str) -> String {
    std::fs::read_to_string(w.ledger().join(rel)).expect("read ledger file")
}

/// `undersigned sign icc` by `org`; returns the path of the record it added.
fn sign(w: &World, org: &str) -> String {
    let out = w.json(&["sign", "icc", "--org", org, "--key", &w.key_arg(org)]);
    assert_eq!(out["changed"], true);
    out["paths"][0].as_str().expect("record path").to_string()
}

/// The standard ledger, asserted valid before it is broken.
fn standard() -> World {
    let w = World::new();
    w.standard();
    let (code, report) = verify(&w, &[]);
    assert_eq!(code, 0, "{report:#}");
    w
}

/// A record for `org` produced by `undersigned sign` in a clone, so the ledger itself is
/// unchanged: the bytes an organization would mail in.
fn record_from_clone(w: &World, org: &str) -> (String, String) {
    let clone = w.path().join("clone");
    let out = std::process::Command::new("git")
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("clone")
        .arg("-q")
        .arg(w.ledger())
        .arg(&clone)
        .output()
        .expect("git clone");
    assert!(out.status.success(), "git clone: {}", stderr(&out));
    let clone_s = clone.to_str().expect("utf-8");
    let out = w.json(&[
        "--ledger",
        clone_s,
        "sign",
        "icc",
        "--org",
        org,
        "--key",
        &w.key_arg(org),
    ]);
    let path = out["paths"][0].as_str().expect("path").to_string();
    let content = std::fs::read_to_string(clone.join(&path)).expect("record in clone");
    (path, content)
}

#[test]
fn valid_ledger_after_all_normal_acts_has_no_failures() {
    let w = World::new();
    let id = w.standard();
    let e = w.key_arg("editor");
    sign(&w, "hrw");
    let v2 = w.write_file(
        "v2.txt",
        "On behalf of 3 organizations, we urge all states.\n",
    );
    w.ok(&[
        "statement",
        "revise",
        "icc",
        "--text",
        &v2,
        "--note",
        "numbers",
        "--key",
        &e,
    ]);
    sign(&w, "hrw");
    let evidence = w.write_file("mail.eml", "Yes, Quiet Org signs on.\n");
    w.ok(&[
        "attest",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]);
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "hrw",
        "--reason",
        "changed our mind",
        "--key",
        &w.key_arg("hrw"),
    ]);
    let alice = w.ssh_keygen("alice");
    w.ok(&[
        "editor",
        "add",
        "alice",
        "--name",
        "Alice",
        "--pubkey",
        &format!("{}.pub", alice.display()),
        "--key",
        &e,
    ]);

    // An act made with stock git: fidh's record signed in a clone, committed by fidh.
    let (path, content) = record_from_clone(&w, "fidh");
    assert_eq!(path, act_path("fidh", 1));
    put(&w, &path, content.as_bytes());
    org_commit(&w, "fidh", "fidh endorses icc version 2");

    let (code, report) = verify(&w, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["failures"], serde_json::json!([]));
    assert_eq!(report["ledger_id"], id.as_str());
    assert_eq!(report["head"], w.head());
    assert_eq!(report["versions"], 2);
    assert_eq!(report["endorsements"], 4);
    assert_eq!(report["withdrawals"], 1);
    assert_eq!(report["editors"], 2);
    let (code, trusted) = verify(&w, &["--trust", &id]);
    assert_eq!(code, 0, "{trusted:#}");
    assert_eq!(trusted["trusted"], true);
    w.assert_stock_git_agrees();
}

#[test]
fn unsigned_commit_breaks_signature() {
    let w = standard();
    w.git_ok(&[
        "-c",
        "user.name=X",
        "-c",
        &format!("user.email={EDITOR_EMAIL}"),
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "unsigned",
    ]);
    let head = w.head();
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["signature"]);
    assert!(
        reason(find(&f, None, "signature")).contains("not signed"),
        "{f:#?}"
    );
}

#[test]
fn commit_signed_by_unregistered_key_breaks_signature() {
    let w = standard();
    let stranger = w.ssh_keygen("stranger");
    let head = stock_commit_at(
        &w,
        &stranger,
        EDITOR_EMAIL,
        None,
        &["--allow-empty", "-m", "stranger"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["signature"]);
    assert!(
        reason(find(&f, None, "signature")).contains("not a key registered"),
        "{f:#?}"
    );
}

#[test]
fn editing_an_endorsed_text_breaks_append_only() {
    let w = standard();
    sign(&w, "hrw");
    let mut text = read(&w, TEXT_V1);
    text = text.replace("urge", "beg");
    put(&w, TEXT_V1, text.as_bytes());
    let head = editor_commit(&w, "quietly fix the text");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["append-only"]);
    assert!(reason(find(&f, Some(TEXT_V1), "append-only")).contains("changes"));
}

#[test]
fn deleting_a_version_text_breaks_append_only() {
    let w = standard();
    w.git_ok(&["rm", "-q", TEXT_V1]);
    let head = editor_commit(&w, "drop the text");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["append-only"]);
    assert!(
        reason(find(&f, Some(TEXT_V1), "append-only")).contains("removes"),
        "{f:#?}"
    );
}

#[test]
fn editing_an_endorsement_record_breaks_append_only() {
    let w = standard();
    let path = sign(&w, "hrw");
    let record = read(&w, &path);
    assert!(record.contains("\"version\": 1,"), "{record}");
    // A later signed_at (same shape) is a change like any other.
    let year = &record[record.find("\"signed_at\": \"").expect("signed_at") + 14..][..4];
    let edited = record.replacen(
        &format!("\"signed_at\": \"{year}"),
        "\"signed_at\": \"2999",
        1,
    );
    assert_ne!(edited, record);
    put(&w, &path, edited.as_bytes());
    let head = editor_commit(&w, "touch up");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["append-only"]);
    find(&f, Some(&path), "append-only");
}

#[test]
fn organization_key_cannot_register_orgs_or_write_versions() {
    let w = standard();
    let org_json = read(&w, &format!("orgs/{}/fidh/org.json", fanout("fidh")));
    let new_org = format!("orgs/{}/sockpuppet/org.json", fanout("sockpuppet"));
    put(
        &w,
        &new_org,
        org_json.replace("fidh", "sockpuppet").as_bytes(),
    );
    put(
        &w,
        "statements/icc/versions/0002.txt",
        b"Something else entirely.\n",
    );
    let meta =
        read(&w, "statements/icc/versions/0001.json").replace("\"version\": 1", "\"version\": 2");
    put(&w, "statements/icc/versions/0002.json", meta.as_bytes());
    let head = org_commit(&w, "hrw", "hrw takes over");
    let f = broken(&w, &head);
    for p in [
        new_org.as_str(),
        "statements/icc/versions/0002.txt",
        "statements/icc/versions/0002.json",
    ] {
        let r = find(&f, Some(p), "rights");
        assert!(reason(r).contains("org/hrw"), "{r}");
    }
    assert!(!rules(&f).contains(&"identity"), "{f:#?}");
}

#[test]
fn organization_cannot_add_another_organizations_act() {
    let w = standard();
    let path = sign(&w, "hrw");
    let target = act_path("fidh", 1);
    put(&w, &target, read(&w, &path).as_bytes());
    let head = org_commit(&w, "hrw", "hrw signs for fidh");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["rights"]);
    assert!(
        reason(find(&f, Some(&target), "rights")).contains("org/fidh"),
        "{f:#?}"
    );
}

#[test]
fn editor_committing_a_record_at_another_orgs_path_breaks_record() {
    let w = standard();
    let path = sign(&w, "hrw");
    let target = act_path("fidh", 1);
    put(&w, &target, read(&w, &path).as_bytes());
    let head = editor_commit(&w, "fidh endorses icc version 1");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record"]);
    assert!(
        reason(find(&f, Some(&target), "record")).contains("org/fidh"),
        "{f:#?}"
    );
}

#[test]
fn hand_edited_allowed_signers_breaks_derived_not_append_only() {
    let w = standard();
    let stranger = w.ssh_keygen("stranger");
    let pubkey = std::fs::read_to_string(format!("{}.pub", stranger.display())).expect("pub");
    let line: Vec<&str> = pubkey.split_whitespace().take(2).collect();
    let mut signers = read(&w, "allowed_signers");
    signers.push_str(&format!("editor/coordinator {}\n", line.join(" ")));
    put(&w, "allowed_signers", signers.as_bytes());
    let head = editor_commit(&w, "one more key");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["derived"]);
    find(&f, Some("allowed_signers"), "derived");
}

#[test]
fn file_at_unknown_path_breaks_path() {
    let w = standard();
    put(&w, "README.md", b"# Our ledger\n");
    let head = editor_commit(&w, "readme");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["path"]);
    find(&f, Some("README.md"), "path");
}

#[test]
fn executable_file_and_symlink_break_file_mode() {
    let w = standard();
    put(&w, "run.sh", b"#!/bin/sh\n");
    w.git_ok(&["update-index", "--chmod=+x", "run.sh"]);
    std::os::unix::fs::symlink(TEXT_V1, w.ledger().join("latest.txt")).expect("symlink");
    w.git_ok(&["add", "latest.txt"]);
    let head = editor_commit(&w, "tools");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["file-mode", "file-mode"], "{f:#?}");
    assert!(reason(find(&f, Some("run.sh"), "file-mode")).contains("executable"));
    assert!(reason(find(&f, Some("latest.txt"), "file-mode")).contains("symbolic link"));
}

#[test]
fn merge_commit_breaks_linear_history() {
    let w = standard();
    w.git_ok(&["checkout", "-q", "-b", "side"]);
    stock_commit_at(
        &w,
        &w.key("editor"),
        EDITOR_EMAIL,
        None,
        &["--allow-empty", "-m", "side work"],
    );
    w.git_ok(&["checkout", "-q", "main"]);
    let signing = format!("user.signingkey={}", w.key("editor").display());
    let mail = format!("user.email={EDITOR_EMAIL}");
    w.git_ok(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &signing,
        "-c",
        "user.name=X",
        "-c",
        &mail,
        "merge",
        "-q",
        "--no-ff",
        "-S",
        "-m",
        "merge side",
        "side",
    ]);
    let head = w.head();
    assert_eq!(
        w.git_ok(&["rev-list", "--parents", "-n1", "HEAD"])
            .split_whitespace()
            .count(),
        3
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["linear-history"]);
    assert!(reason(find(&f, None, "linear-history")).contains("2 parents"));
}

#[test]
fn author_other_than_signer_breaks_identity() {
    let w = standard();
    let author = format!("Org hrw <{}>", org_email("hrw"));
    let head = stock_commit_at(
        &w,
        &w.key("editor"),
        EDITOR_EMAIL,
        None,
        &["--allow-empty", "--author", &author, "-m", "hrw did it"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["identity"]);
    let r = reason(find(&f, None, "identity"));
    assert!(
        r.contains("author") && r.contains("hrw@org.undersigned.invalid"),
        "{r}"
    );
}

#[test]
fn committer_other_than_signer_breaks_identity() {
    let w = standard();
    let (path, content) = record_from_clone(&w, "fidh");
    put(&w, &path, content.as_bytes());
    // Signed by fidh's key with fidh as author, but the committer claims to be the editor.
    let author = format!("Org fidh <{}>", org_email("fidh"));
    let head = stock_commit_at(
        &w,
        &w.key("fidh"),
        EDITOR_EMAIL,
        None,
        &["--author", &author, "-m", "fidh endorses"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["identity"]);
    let r = reason(find(&f, None, "identity"));
    assert!(r.starts_with("committer") && r.contains("org/fidh"), "{r}");
}

#[test]
fn commit_with_a_copied_signature_breaks_signature() {
    let w = standard();
    sign(&w, "hrw");
    let old = w.head();
    let raw = w.git_ok(&["cat-file", "commit", &old]);
    assert!(raw.contains("\ngpgsig "), "{raw}");
    let forged = raw.replace(
        "hrw endorses icc version 1",
        "hrw endorses icc version 1 and more",
    );
    assert_ne!(forged, raw);
    let file = w.write_file("forged-commit", &forged);
    let new = w
        .git_ok(&["hash-object", "-t", "commit", "-w", &file])
        .trim()
        .to_string();
    w.git_ok(&["update-ref", "refs/heads/main", &new, &old]);
    assert_eq!(w.head(), new);
    let f = broken(&w, &new);
    assert_eq!(rules(&f), ["signature"]);
    assert!(
        reason(find(&f, None, "signature")).contains("org/hrw"),
        "{f:#?}"
    );
}

#[test]
fn record_with_a_broken_own_signature_breaks_record_signature() {
    let w = standard();
    let path = sign(&w, "hrw");
    let record = read(&w, &path);
    // One second later than it was signed: after the first record, within a day of the commit.
    let at = record.find("\"signed_at\": \"").expect("signed_at") + 14;
    let signed_at = &record[at..at + 24];
    let ms = undersigned::timefmt::parse_ms(signed_at).expect("a record time");
    let later_time = undersigned::timefmt::format_ms(ms + 1000).expect("in range");
    let later = record.replacen(signed_at, &later_time, 1);
    assert_ne!(later, record);
    let target = act_path("hrw", 2);
    put(&w, &target, later.as_bytes());
    let head = editor_commit(&w, "hrw endorses icc version 1 again");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record-signature"]);
    assert!(
        reason(find(&f, Some(&target), "record-signature")).contains("org/hrw"),
        "{f:#?}"
    );
}

#[test]
fn replayed_endorsement_after_withdrawal_breaks_sequence() {
    let w = standard();
    let first = sign(&w, "hrw");
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "hrw",
        "--key",
        &w.key_arg("hrw"),
    ]);
    assert!(w.ledger().join(act_path("hrw", 2)).is_file());
    let target = act_path("hrw", 3);
    put(&w, &target, read(&w, &first).as_bytes());
    let head = editor_commit(&w, "hrw endorses icc version 1");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["sequence"]);
    assert!(
        reason(find(&f, Some(&target), "sequence")).contains("not after"),
        "{f:#?}"
    );
}

#[test]
fn record_copied_from_another_ledger_breaks_record() {
    let w = standard();
    // A second ledger where hrw registers the same key and signs the same text.
    let other = World::new();
    other.init();
    let oe = other.key_arg("editor");
    let hrw_pub = format!("{}.pub", w.key_arg("hrw"));
    other.ok(&[
        "org", "add", "hrw", "--name", "Org hrw", "--pubkey", &hrw_pub, "--key", &oe,
    ]);
    let text = other.write_file("v1.txt", &read(&w, TEXT_V1));
    other.ok(&[
        "statement",
        "new",
        "icc",
        "--title",
        "ICC",
        "--text",
        &text,
        "--key",
        &oe,
    ]);
    let out = other.json(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    let path = out["paths"][0].as_str().expect("path").to_string();
    assert_eq!(path, act_path("hrw", 1));
    let record = std::fs::read_to_string(other.ledger().join(&path)).expect("record");

    put(&w, &path, record.as_bytes());
    let head = org_commit(&w, "hrw", "hrw endorses icc version 1");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record"]);
    assert!(
        reason(find(&f, Some(&path), "record")).contains("another ledger"),
        "{f:#?}"
    );
}

#[test]
fn trusting_another_ledger_id_breaks_trust() {
    let w = standard();
    let other = World::new();
    let other_id = other.init();
    let genesis = w
        .git_ok(&["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_string();
    let (code, report) = verify(&w, &["--trust", &other_id]);
    assert_eq!(code, 1, "{report:#}");
    assert_shape(&report);
    assert_eq!(report["trusted"], false);
    let f = report["failures"].as_array().expect("failures").clone();
    assert_eq!(rules(&f), ["trust"]);
    let t = find(&f, None, "trust");
    assert_eq!(t["commit"], genesis.as_str());
    assert!(reason(t).contains(&other_id), "{t}");
}
