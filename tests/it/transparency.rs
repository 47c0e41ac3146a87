//! The transparency log: checkpoints an editor signs, witnesses' cosignatures, receipts an
//! organization keeps, and split views caught by every detector.
//!
//! What these tests show: the tree `verify` recomputes is the one an independent reading of
//! git's objects gives (the leaf encoding and RFC 6962 hashing are redone here from the spec,
//! not through the library); each rule of a checkpoint and a cosignature fails `verify` by
//! name, made by hand with stock git; a receipt verifies offline and fails on a flipped bit in
//! each of its parts; and the issue's scenario — one editor key, two diverging histories shown
//! to two clones, a checkpoint on each — is caught by `witness cosign`, `sync`, `clone`, the
//! server's hook and `receipt verify --against`, each writing both notes as the proof.

use crate::common::*;
use base64ct::{Base64, Encoding};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Output;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `undersigned ARGS` on `dir`, as the user whose state lives in `state` (each user keeps its
/// own memory of checkpoints seen and cosigned).
fn us_as(w: &World, state: &Path, dir: &Path, args: &[&str]) -> Output {
    w.cmd()
        .env("UNDERSIGNED_LEDGER", dir)
        .env("UNDERSIGNED_STATE_DIR", state)
        .args(args)
        .output()
        .expect("run undersigned")
}

fn ok_as(w: &World, state: &Path, dir: &Path, args: &[&str]) -> String {
    let out = us_as(w, state, dir, args);
    assert!(out.status.success(), "undersigned {args:?}: {}", said(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_as(w: &World, state: &Path, dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok_as(w, state, dir, &all)).expect("JSON on stdout")
}

fn git_in(w: &World, dir: &Path, args: &[&str]) -> String {
    let out = w.git_at(dir, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A standard ledger where hrw has endorsed icc, with a checkpoint; returns the ledger id.
fn logged(w: &World) -> String {
    let id = w.standard();
    w.ok(&[
        "sign",
        "icc",
        "--org",
        "hrw",
        "--key",
        &w.key_arg("hrw"),
        "--yes",
    ]);
    let c = w.json(&["checkpoint", "--key", &w.key_arg("editor")]);
    assert_eq!(c["changed"], true, "{c}");
    id
}

/// The note of checkpoint `seq` in `dir`'s head.
fn note_of(w: &World, dir: &Path, seq: u32) -> String {
    git_in(
        w,
        dir,
        &[
            "show",
            &format!("refs/heads/main:log/checkpoints/0000/{seq:04}.note"),
        ],
    ) + "\n"
}

/// (size, root) of a checkpoint note, read by hand from the C2SP text.
fn head_of(note: &str) -> (u64, Vec<u8>) {
    let lines: Vec<&str> = note.lines().collect();
    (
        lines[1].parse().expect("size line"),
        Base64::decode_vec(lines[2]).expect("root line"),
    )
}

fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// MTH of RFC 6962, section 2.1, written again here from the RFC's definition.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut h = Sha256::new();
            h.update([1u8]);
            h.update(mth(&leaves[..k]));
            h.update(mth(&leaves[k..]));
            h.finalize().into()
        }
    }
}

/// The log's leaves read from git alone: for each commit from the genesis on, the files it
/// adds (`git diff-tree --diff-filter=A`, `allowed_signers` aside), encoded as the README's
/// leaf format says; commits that add only checkpoints and cosignatures are not leaves.
fn leaves_by_git(w: &World, dir: &Path) -> Vec<[u8; 32]> {
    let commits = git_in(
        w,
        dir,
        &["rev-list", "--reverse", "--first-parent", "refs/heads/main"],
    );
    let mut out = Vec::new();
    for c in commits.lines() {
        let added = git_in(
            w,
            dir,
            &[
                "diff-tree",
                "--no-commit-id",
                "-r",
                "--root",
                "--diff-filter=A",
                "--name-only",
                c,
            ],
        );
        let mut paths: Vec<&str> = added.lines().filter(|p| *p != "allowed_signers").collect();
        paths.sort();
        if paths
            .iter()
            .all(|p| p.starts_with("log/checkpoints/") || p.starts_with("log/cosignatures/"))
        {
            continue;
        }
        let mut data = b"undersigned log leaf v1\n".to_vec();
        for p in paths {
            let out = w.git_at(dir, &["cat-file", "blob", &format!("{c}:{p}")]);
            assert!(out.status.success());
            data.extend_from_slice(format!("{p}\n{}\n", out.stdout.len()).as_bytes());
            data.extend_from_slice(&out.stdout);
            data.push(b'\n');
        }
        out.push(leaf_hash(&data));
    }
    out
}

/// Signs a checkpoint text with the ledger's origin as note key name, with the raw ed25519 key
/// of the OpenSSH key file `key` (the signed-note format, built here from the spec).
fn signed_note(key: &Path, origin: &str, text: &str) -> String {
    let k = undersigned::keys::SigningKey::load(key, &mut || Ok(None)).expect("key loads");
    let mut id = Sha256::new();
    id.update(origin.as_bytes());
    id.update([b'\n', 0x01]);
    id.update(k.public_raw());
    let mut blob = id.finalize()[..4].to_vec();
    blob.extend_from_slice(&k.sign_ed25519(text.as_bytes()));
    format!(
        "{text}\n\u{2014} {origin} {}\n",
        Base64::encode_string(&blob)
    )
}

/// A cosignature line of `text` by `key` as witness `name` at `time`.
fn cosig_line(key: &Path, name: &str, time: u64, text: &str) -> String {
    let k = undersigned::keys::SigningKey::load(key, &mut || Ok(None)).expect("key loads");
    let mut id = Sha256::new();
    id.update(name.as_bytes());
    id.update([b'\n', 0x04]);
    id.update(k.public_raw());
    let mut blob = id.finalize()[..4].to_vec();
    blob.extend_from_slice(&time.to_be_bytes());
    let msg = format!("cosignature/v1\ntime {time}\n{text}");
    blob.extend_from_slice(&k.sign_ed25519(msg.as_bytes()));
    format!("\u{2014} {name} {}\n", Base64::encode_string(&blob))
}

/// Writes `bytes` at `path` in the ledger's work tree and commits it with stock git, signed by
/// the editor (or by organization `org`).
fn commit_file(w: &World, path: &str, bytes: &str, org: Option<&str>) -> String {
    let full = w.ledger().join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(&full, bytes).unwrap();
    w.git_ok(&["add", path]);
    match org {
        None => editor_commit(w, "by hand"),
        Some(o) => org_commit(w, o, "by hand"),
    }
}

/// The one failure of `verify --json` at `commit`, asserting its rule and path.
fn fails_with(w: &World, commit: &str, rule: &str, path: Option<&str>) -> String {
    let (code, report) = verify(w, &[]);
    assert_eq!(code, 1, "{report:#}");
    let failures: Vec<&Value> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["commit"] == commit)
        .collect();
    assert!(
        failures
            .iter()
            .any(|f| f["rule"] == rule && f["path"].as_str() == path),
        "expected {rule} at {path:?} in {commit}: {report:#}"
    );
    failures
        .iter()
        .map(|f| f["reason"].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Puts the ledger back at `base` and forgets what verify remembered of the discarded commit.
fn back_to(w: &World, base: &str) {
    w.git_ok(&["reset", "-q", "--hard", base]);
    w.ok(&["verify", "--forget"]);
}

fn origin_of(id: &str) -> String {
    format!("undersigned/{id}")
}

// ---------------------------------------------------------------------------------------------
// The log, as verify and stock tools see it
// ---------------------------------------------------------------------------------------------

#[test]
fn checkpoints_sign_the_tree_an_independent_reading_of_git_gives() {
    let w = World::new();
    let id = logged(&w);
    w.ok(&[
        "sign",
        "icc",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
        "--yes",
    ]);
    let c2 = w.json(&["checkpoint", "--key", &w.key_arg("editor")]);
    assert_eq!(c2["paths"][0], "log/checkpoints/0000/0002.note", "{c2}");
    let again = w.json(&["checkpoint", "--key", &w.key_arg("editor")]);
    assert_eq!(
        again["changed"], false,
        "nothing new to checkpoint: {again}"
    );
    let cos = w.json(&[
        "witness",
        "cosign",
        "--org",
        "hrw",
        "--key",
        &w.key_arg("hrw"),
    ]);
    assert_eq!(cos["format"], "undersigned-cosign/1");
    assert_eq!(cos["checkpoint"], 2);

    let leaves = leaves_by_git(&w, &w.ledger());
    for seq in [1, 2] {
        let note = note_of(&w, &w.ledger(), seq);
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[0], origin_of(&id), "origin names the ledger");
        assert_eq!(lines[3], "", "C2SP: text, blank line, signature");
        assert!(lines[4].starts_with(&format!("\u{2014} {} ", origin_of(&id))));
        let (size, root) = head_of(&note);
        assert_eq!(
            root,
            mth(&leaves[..size as usize]).to_vec(),
            "checkpoint {seq}: the root of the first {size} acts"
        );
    }
    // Checkpoint 2 covers every act: the log's own notes are not leaves.
    assert_eq!(head_of(&note_of(&w, &w.ledger(), 2)).0, leaves.len() as u64);

    let (code, report) = verify(&w, &["--full"]);
    assert_eq!(code, 0, "{report:#}");
    w.assert_stock_git_agrees();

    // The log and the audit give each act its place in the log and the witness's time.
    let log = w.json(&["log"]);
    let endorse = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["act"] == "endorse" && e["subject"] == "org/hrw")
        .unwrap()
        .clone();
    let place = &endorse["in_log"];
    assert_eq!(place["checkpoint"], 1, "{endorse}");
    assert_eq!(
        place["witnessed"],
        Value::Array(Vec::new()),
        "checkpoint 1 was not cosigned"
    );
    let fidh = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["act"] == "endorse" && e["subject"] == "org/fidh")
        .unwrap()
        .clone();
    assert_eq!(fidh["in_log"]["checkpoint"], 2, "{fidh}");
    assert_eq!(fidh["in_log"]["witnessed"][0]["org"], "hrw", "{fidh}");
    let human = w.ok(&["audit", "icc"]);
    assert!(
        human.contains("in the log by") && human.contains("according to org/hrw"),
        "{human}"
    );
    let checkpoint_entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["act"] == "checkpoint")
        .unwrap()
        .clone();
    assert_eq!(
        checkpoint_entry["in_log"],
        Value::Null,
        "a checkpoint is not a leaf"
    );
}

#[test]
fn a_resumed_verify_agrees_with_a_full_one_across_checkpoints() {
    let w = World::new();
    logged(&w);
    let (code, first) = verify(&w, &[]);
    assert_eq!(code, 0, "{first:#}");
    // Acts after the proof, then a checkpoint built on the proof: the tree's frontier came
    // from the proof cache, and a full replay must agree with it.
    w.ok(&[
        "sign",
        "icc",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
        "--yes",
    ]);
    let (code, resumed) = verify(&w, &[]);
    assert_eq!(code, 0, "{resumed:#}");
    assert!(resumed["resumed_from"].is_string(), "{resumed:#}");
    w.ok(&["checkpoint", "--key", &w.key_arg("editor")]);
    let (code, full) = verify(&w, &["--full"]);
    assert_eq!(code, 0, "{full:#}");
    let (size, root) = head_of(&note_of(&w, &w.ledger(), 2));
    let leaves = leaves_by_git(&w, &w.ledger());
    assert_eq!(root, mth(&leaves[..size as usize]).to_vec());
    // A checkpoint that lies about the root fails alike resumed and full.
    let base = w.head();
    let (size, _) = head_of(&note_of(&w, &w.ledger(), 2));
    let id = w
        .git_ok(&["rev-list", "--max-parents=0", "refs/heads/main"])
        .trim()
        .to_string();
    let text = format!(
        "{}\n{}\n{}\n",
        origin_of(&id),
        size + 1,
        Base64::encode_string(&[7u8; 32])
    );
    let bad = commit_file(
        &w,
        "log/checkpoints/0000/0003.note",
        &signed_note(&w.key("editor"), &origin_of(&id), &text),
        None,
    );
    let (code, full) = verify(&w, &["--full"]);
    assert_eq!(code, 1);
    assert_same_failures_every_way(&w, &bad, &full);
    back_to(&w, &base);
}

// ---------------------------------------------------------------------------------------------
// The rules of checkpoints and cosignatures, broken by hand with stock git
// ---------------------------------------------------------------------------------------------

#[test]
fn checkpoints_that_break_a_rule_fail_verify_by_name() {
    let w = World::new();
    let id = w.standard();
    w.ok(&[
        "sign",
        "icc",
        "--org",
        "hrw",
        "--key",
        &w.key_arg("hrw"),
        "--yes",
    ]);
    let base = w.head();
    let size = leaves_by_git(&w, &w.ledger()).len() as u64;
    let root = mth(&leaves_by_git(&w, &w.ledger()));
    let origin = origin_of(&id);
    let path = "log/checkpoints/0000/0001.note";
    let text =
        |size: u64, root: &[u8]| format!("{origin}\n{size}\n{}\n", Base64::encode_string(root));

    // The correct checkpoint, made by hand, verifies: the rules below are what fails.
    let good = commit_file(
        &w,
        path,
        &signed_note(&w.key("editor"), &origin, &text(size, &root)),
        None,
    );
    let (code, report) = verify(&w, &[]);
    assert_eq!(code, 0, "{good}: {report:#}");
    back_to(&w, &base);

    let mut wrong_root = root;
    wrong_root[0] ^= 1;
    let c = commit_file(
        &w,
        path,
        &signed_note(&w.key("editor"), &origin, &text(size, &wrong_root)),
        None,
    );
    assert!(fails_with(&w, &c, "checkpoint", Some(path)).contains("root"));
    back_to(&w, &base);

    let c = commit_file(
        &w,
        path,
        &signed_note(&w.key("editor"), &origin, &text(size + 1, &root)),
        None,
    );
    assert!(fails_with(&w, &c, "checkpoint", Some(path)).contains(&format!("{size} at its parent")));
    back_to(&w, &base);

    // Signed by a key that is not the committing editor's (an organization's key).
    let c = commit_file(
        &w,
        path,
        &signed_note(&w.key("hrw"), &origin, &text(size, &root)),
        None,
    );
    assert!(fails_with(&w, &c, "checkpoint", Some(path))
        .contains("not signed by the committing editor"));
    back_to(&w, &base);

    // A flipped bit in the editor's signature.
    let mut note = signed_note(&w.key("editor"), &origin, &text(size, &root));
    let sig_at = note.rfind(' ').unwrap() + 5;
    let flipped = if &note[sig_at..sig_at + 1] == "A" {
        "B"
    } else {
        "A"
    };
    note.replace_range(sig_at..sig_at + 1, flipped);
    let c = commit_file(&w, path, &note, None);
    fails_with(&w, &c, "checkpoint", Some(path));
    back_to(&w, &base);

    // Another ledger's origin.
    let other = origin_of("0123456789abcdef0123456789abcdef01234567");
    let c = commit_file(
        &w,
        path,
        &signed_note(
            &w.key("editor"),
            &other,
            &format!("{other}\n{size}\n{}\n", Base64::encode_string(&root)),
        ),
        None,
    );
    assert!(fails_with(&w, &c, "checkpoint", Some(path)).contains("origin"));
    back_to(&w, &base);

    // By an organization: rights.
    let c = commit_file(
        &w,
        path,
        &signed_note(&w.key("hrw"), &origin, &text(size, &root)),
        Some("hrw"),
    );
    fails_with(&w, &c, "rights", Some(path));
    back_to(&w, &base);

    // A checkpoint beside another record: the log's notes are commits of their own.
    let full = w.ledger().join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(
        &full,
        signed_note(&w.key("editor"), &origin, &text(size, &root)),
    )
    .unwrap();
    w.git_ok(&["add", path]);
    let other_org = commit_file(&w, &format!("{}/org.json", org_dir("zzz")), "{}\n", None);
    fails_with(&w, &other_org, "checkpoint", None);
    back_to(&w, &base);

    // Not larger than the checkpoint before it: inconsistent growth is refused.
    commit_file(
        &w,
        path,
        &signed_note(&w.key("editor"), &origin, &text(size, &root)),
        None,
    );
    let c = commit_file(
        &w,
        "log/checkpoints/0000/0002.note",
        &signed_note(&w.key("editor"), &origin, &text(size, &root)),
        None,
    );
    assert!(
        fails_with(&w, &c, "checkpoint", Some("log/checkpoints/0000/0002.note"))
            .contains("not larger")
    );
    back_to(&w, &base);

    // Out of sequence.
    let c = commit_file(
        &w,
        "log/checkpoints/0000/0002.note",
        &signed_note(&w.key("editor"), &origin, &text(size, &root)),
        None,
    );
    fails_with(&w, &c, "sequence", Some("log/checkpoints/0000/0002.note"));
    back_to(&w, &base);
}

#[test]
fn cosignatures_that_break_a_rule_fail_verify_by_name() {
    let w = World::new();
    logged(&w);
    let base = w.head();
    let note = note_of(&w, &w.ledger(), 1);
    let body = note.split("\n\n").next().unwrap().to_string() + "\n";
    let now = 1_790_000_000u64;
    let hrw_path = "log/cosignatures/0000/0001/hrw.sig";

    let good = commit_file(
        &w,
        hrw_path,
        &cosig_line(&w.key("hrw"), "org/hrw", now, &body),
        Some("hrw"),
    );
    let (code, report) = verify(&w, &[]);
    assert_eq!(code, 0, "{good}: {report:#}");
    back_to(&w, &base);

    // Commits `line` at `path` (by `by`, else the editor), returns the reason verify gives
    // under `rule` at that path, and goes back to the base.
    let broken = |path: &str, line: String, by: Option<&str>, rule: &str| {
        let c = commit_file(&w, path, &line, by);
        let why = fails_with(&w, &c, rule, Some(path));
        back_to(&w, &base);
        why
    };
    let (hrw, fidh) = (w.key("hrw"), w.key("fidh"));

    // By someone else's key: fidh's key signs as org/hrw.
    let why = broken(
        hrw_path,
        cosig_line(&fidh, "org/hrw", now, &body),
        None,
        "cosignature",
    );
    assert!(why.contains("not org/hrw's cosignature"), "{why}");

    // For a checkpoint it did not see: another tree head under checkpoint 1's path.
    let other = body.replacen('\n', "\n9", 1);
    let line = cosig_line(&hrw, "org/hrw", now, &other);
    broken(hrw_path, line, Some("hrw"), "cosignature");

    // Of a checkpoint that does not exist.
    let line = cosig_line(&hrw, "org/hrw", now, &body);
    broken(
        "log/cosignatures/0000/0002/hrw.sig",
        line,
        Some("hrw"),
        "reference",
    );

    // An organization may add only its own.
    let line = cosig_line(&fidh, "org/fidh", now, &body);
    broken(
        "log/cosignatures/0000/0001/fidh.sig",
        line,
        Some("hrw"),
        "rights",
    );

    // Under another witness's name.
    let line = cosig_line(&hrw, "org/fidh", now, &body);
    broken(hrw_path, line, Some("hrw"), "cosignature");
}

#[test]
fn mailed_cosignatures_and_the_quorum() {
    let w = World::new();
    let id = logged(&w);
    let mailed = w.path().join("fidh-cosigned.txt");
    let out = w.json(&[
        "witness",
        "cosign",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
        "-o",
        s(&mailed),
    ]);
    assert_eq!(out["commit"], Value::Null, "exported, not committed: {out}");
    let head = w.head();
    let text = std::fs::read_to_string(&mailed).unwrap();
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("\u{2014} org/fidh "),
        "{text}"
    );
    assert_eq!(w.head(), head);
    // An organization cannot accept it; an editor commits it.
    let refused = w.run(&["witness", "accept", s(&mailed), "--key", &w.key_arg("hrw")]);
    assert_eq!(code(&refused), 2, "{}", said(&refused));
    let acc = w.json(&[
        "witness",
        "accept",
        s(&mailed),
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_eq!(
        acc["paths"][0], "log/cosignatures/0000/0001/fidh.sig",
        "{acc}"
    );
    // The quorum: k of named registered organizations.
    let bad = w.run(&[
        "witness",
        "quorum",
        "hrw",
        "nobody",
        "--k",
        "1",
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_eq!(code(&bad), 2, "{}", said(&bad));
    let bad = w.run(&[
        "witness",
        "quorum",
        "hrw",
        "--k",
        "2",
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_eq!(code(&bad), 2, "{}", said(&bad));
    w.ok(&[
        "witness",
        "quorum",
        "hrw",
        "fidh",
        "--k",
        "1",
        "--key",
        &w.key_arg("editor"),
    ]);
    let (code, report) = verify(&w, &["--full", "--trust", &id]);
    assert_eq!(code, 0, "{report:#}");
    w.assert_stock_git_agrees();
    let audit = w.json(&["audit", "icc"]);
    let e = &audit["versions"][0]["endorsements"][0];
    assert_eq!(e["in_log"]["witnessed"][0]["org"], "fidh", "{e}");
}

// ---------------------------------------------------------------------------------------------
// Receipts
// ---------------------------------------------------------------------------------------------

/// `logged` published to a bare repository, hrw's receipt written and fidh's cosignature on
/// the checkpoint; returns (ledger id, receipt path, fidh's witness key).
fn with_receipt(w: &World) -> (String, PathBuf, String) {
    let id = logged(w);
    let srv = w.path().join("srv.git");
    git_in(
        w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    w.git_ok(&["remote", "add", "origin", s(&srv)]);
    w.ok(&[
        "witness",
        "cosign",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
    ]);
    // Not published yet: no receipt.
    let r = w.path().join("hrw.tlog-proof");
    let early = w.run(&["receipt", "icc", "--org", "hrw", "-o", s(&r)]);
    assert_refused(&early, "published");
    w.ok(&["sync"]);
    let written = w.json(&["receipt", "icc", "--org", "hrw", "-o", s(&r)]);
    assert_eq!(written["format"], "undersigned-receipt-written/1");
    assert_eq!(written["cosignatures"], 1, "{written}");
    let vkey = w.json(&["witness", "key", "--org", "fidh"])["vkey"]
        .as_str()
        .unwrap()
        .to_string();
    (id, r, vkey)
}

#[test]
fn a_receipt_verifies_offline_and_refuses_a_flipped_bit_in_each_part() {
    let w = World::new();
    let (id, r, vkey) = with_receipt(&w);
    // Offline: no ledger anywhere near (the command is run from an empty directory).
    let elsewhere = World::new();
    let check = |file: &Path, extra: &[&str]| {
        let mut args = vec![
            "--json",
            "receipt",
            "verify",
            s(file),
            "--trust",
            id.as_str(),
        ];
        args.extend_from_slice(extra);
        elsewhere.run(&args)
    };
    let good = check(&r, &["--witness", &vkey]);
    assert_eq!(code(&good), 0, "{}", said(&good));
    let v: Value = serde_json::from_slice(&good.stdout).unwrap();
    assert_eq!(v["org"], "hrw");
    assert_eq!(v["statement"], "icc");
    assert_eq!(v["witnessed"][0]["org"], "fidh");
    assert_eq!(v["checkpoint_signer"], "editor/coordinator");

    // The C2SP tlog-proof shape, read by hand.
    let text = std::fs::read_to_string(&r).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "c2sp.org/tlog-proof@v1");
    assert!(lines[1].starts_with("extra "));
    assert!(lines[2].starts_with("index "));

    // Another ledger id, a quorum not met, an unknown witness's key that does not verify.
    let other = check(&r, &[]);
    assert_eq!(code(&other), 0);
    let wrong = elsewhere.run(&[
        "receipt",
        "verify",
        s(&r),
        "--trust",
        "0123456789abcdef0123456789abcdef01234567",
    ]);
    assert_eq!(code(&wrong), 1, "{}", said(&wrong));
    assert!(stderr(&wrong).contains("checkpoint"), "{}", said(&wrong));
    let hrw_key = w.json(&["witness", "key", "--org", "hrw"])["vkey"]
        .as_str()
        .unwrap()
        .to_string();
    let unmet = check(&r, &["--witness", &hrw_key]);
    assert_eq!(code(&unmet), 1, "{}", said(&unmet));
    assert!(stderr(&unmet).contains("witness"), "{}", said(&unmet));

    // A flipped bit in each part: the record, the anchor, the index, the inclusion path, the
    // checkpoint's size, root and signature, the cosignature.
    let extra_json: Value =
        serde_json::from_slice(&Base64::decode_vec(&lines[1][6..]).unwrap()).unwrap();
    let with_extra = |f: &dyn Fn(&mut Value)| {
        let mut e = extra_json.clone();
        f(&mut e);
        let mut out = lines.clone();
        let line = format!(
            "extra {}",
            Base64::encode_string(&serde_json::to_vec(&e).unwrap())
        );
        out[1] = &*Box::leak(line.into_boxed_str());
        out.join("\n") + "\n"
    };
    let flip_b64 = |s: &str, at: usize| {
        let mut raw = Base64::decode_vec(s).unwrap();
        let i = at.min(raw.len() - 1);
        raw[i] ^= 1;
        Base64::encode_string(&raw)
    };
    let leaf = extra_json["leaf"].as_str().unwrap().to_string();
    let record_at = Base64::decode_vec(&leaf).unwrap().len() - 40;
    let sep = lines.iter().position(|l| l.is_empty()).unwrap();
    let mut cases: Vec<(&str, String)> = vec![
        (
            "record",
            with_extra(&|e| e["leaf"] = Value::String(flip_b64(&leaf, record_at))),
        ),
        (
            "anchor",
            with_extra(&|e| {
                let o = e["anchor"][0]["objects"][0].as_str().unwrap().to_string();
                e["anchor"][0]["objects"][0] = Value::String(flip_b64(&o, 30));
            }),
        ),
        (
            "anchor commit",
            with_extra(&|e| {
                let o = e["anchor"][0]["commit"].as_str().unwrap().to_string();
                e["anchor"][0]["commit"] = Value::String(flip_b64(&o, 100));
            }),
        ),
    ];
    let mut replaced = |what: &'static str, i: usize, new: String| {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        out[i] = new;
        cases.push((what, out.join("\n") + "\n"));
    };
    let index: u64 = lines[2][6..].parse().unwrap();
    replaced("index", 2, format!("index {}", index ^ 1));
    replaced("inclusion path", 3, flip_b64(lines[3], 5));
    let size: u64 = lines[sep + 2].parse().unwrap();
    replaced("checkpoint size", sep + 2, (size + 1).to_string());
    replaced("checkpoint root", sep + 3, flip_b64(lines[sep + 3], 3));
    let editor_line = lines[sep + 5];
    let (name, sig) = editor_line.rsplit_once(' ').unwrap();
    replaced(
        "checkpoint signature",
        sep + 5,
        format!("{name} {}", flip_b64(sig, 40)),
    );
    let witness_line = lines[sep + 6];
    let (name, sig) = witness_line.rsplit_once(' ').unwrap();
    replaced(
        "cosignature",
        sep + 6,
        format!("{name} {}", flip_b64(sig, 40)),
    );
    for (what, text) in cases {
        let f = elsewhere.path().join("tampered.tlog-proof");
        std::fs::write(&f, text).unwrap();
        let out = check(&f, &["--witness", &vkey]);
        assert_eq!(
            code(&out),
            1,
            "a flipped bit in the {what} verified: {}",
            said(&out)
        );
        assert!(
            stderr(&out).contains("does not verify"),
            "{what}: {}",
            said(&out)
        );
        assert!(!stderr(&out).contains("panicked"));
    }
}

#[test]
fn a_receipt_updated_under_a_newer_checkpoint_is_consistent_with_the_old_one() {
    let w = World::new();
    let (id, r, _) = with_receipt(&w);
    w.ok(&[
        "sign",
        "icc",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
        "--yes",
    ]);
    w.ok(&["sync", "--checkpoint-key", &w.key_arg("editor")]);
    let newer = w.path().join("hrw-2.tlog-proof");
    w.ok(&["receipt", "update", s(&r), "-o", s(&newer)]);
    let out = w.json(&[
        "receipt",
        "verify",
        s(&r),
        "--trust",
        &id,
        "--against",
        s(&newer),
    ]);
    assert_eq!(out["against"]["still_included"], true, "{out}");
    assert!(out["against"]["size"].as_u64().unwrap() > out["size"].as_u64().unwrap());
    // A consistency proof altered on the way is a verdict, not a pass.
    let text = std::fs::read_to_string(&newer).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut extra: Value =
        serde_json::from_slice(&Base64::decode_vec(&lines[1][6..]).unwrap()).unwrap();
    let first = extra["previous"]["consistency"][0]
        .as_str()
        .unwrap()
        .to_string();
    let mut raw = Base64::decode_vec(&first).unwrap();
    raw[0] ^= 1;
    extra["previous"]["consistency"][0] = Value::String(Base64::encode_string(&raw));
    lines[1] = format!(
        "extra {}",
        Base64::encode_string(&serde_json::to_vec(&extra).unwrap())
    );
    let bad = w.path().join("bad.tlog-proof");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = w.run(&[
        "receipt",
        "verify",
        s(&r),
        "--trust",
        &id,
        "--against",
        s(&bad),
    ]);
    assert_eq!(code(&out), 1, "{}", said(&out));
}

// ---------------------------------------------------------------------------------------------
// The issue's scenario: one editor key, two diverging histories, every detector fires
// ---------------------------------------------------------------------------------------------

/// The proof file a detector names on stderr: both notes, as JSON.
fn proof_named(out: &Output) -> Value {
    let err = stderr(out);
    let at = err
        .find("both notes are in ")
        .unwrap_or_else(|| panic!("no proof named: {err}"));
    let path = err[at + "both notes are in ".len()..]
        .lines()
        .next()
        .unwrap()
        .trim();
    let path = path.split(';').next().unwrap().trim();
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn assert_split(what: &str, out: &Output, notes: [&str; 2]) {
    assert_eq!(code(out), 1, "{what}: {}", said(out));
    let err = stderr(out);
    assert!(err.contains("split view"), "{what}: {err}");
    let proof = proof_named(out);
    assert_eq!(proof["format"], "undersigned-equivocation/1");
    let mut got = [
        proof["first"]["note"].as_str().unwrap().to_string(),
        proof["second"]["note"].as_str().unwrap().to_string(),
    ];
    got.sort();
    let mut want = [notes[0].to_string(), notes[1].to_string()];
    want.sort();
    // Both notes, exactly (a cosigned note carries more lines after the editor's signature).
    for (g, n) in got.iter().zip(want.iter()) {
        assert!(
            g.starts_with(n.trim_end()),
            "{what}: the proof holds {g:?}, not {n:?}"
        );
    }
    for n in notes {
        let size = head_of(n).0;
        assert!(
            err.contains(&format!("size {size}")),
            "{what}: the two checkpoints are named: {err}"
        );
    }
}

#[test]
fn a_split_view_is_caught_by_every_detector() {
    let w = World::new();
    let id = logged(&w);
    let editor = w.key_arg("editor");
    let state_a = w.path().join("state-a");
    let state_b = w.path().join("state-b");
    let a = w.ledger();
    // The coalition's server S1, hooked; a copy S2 of it, which the same editor will feed a
    // different history.
    let s1 = w.path().join("s1.git");
    git_in(
        &w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&s1)],
    );
    json_as(
        &w,
        &state_a,
        &a,
        &["hook", "install", s(&s1), "--trust", &id],
    );
    w.git_ok(&["remote", "add", "origin", s(&s1)]);
    ok_as(&w, &state_a, &a, &["sync"]);
    let s2 = w.path().join("s2.git");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(&s1)
        .arg(&s2)
        .status()
        .unwrap();
    assert!(copied.success());
    std::fs::remove_file(s2.join("hooks/pre-receive")).ok();

    // History H1, shown through S1 to clone A: fidh endorses, checkpoint 2.
    ok_as(
        &w,
        &state_a,
        &a,
        &[
            "sign",
            "icc",
            "--org",
            "fidh",
            "--key",
            &w.key_arg("fidh"),
            "--yes",
        ],
    );
    ok_as(&w, &state_a, &a, &["sync", "--checkpoint-key", &editor]);
    let c1 = note_of(&w, &a, 2);
    // fidh witnesses H1's checkpoint (its memory is user A's).
    ok_as(
        &w,
        &state_a,
        &a,
        &[
            "witness",
            "cosign",
            "--org",
            "fidh",
            "--key",
            &w.key_arg("fidh"),
        ],
    );
    ok_as(&w, &state_a, &a, &["sync"]);
    let receipt = w.path().join("hrw.tlog-proof");
    ok_as(
        &w,
        &state_a,
        &a,
        &["receipt", "icc", "--org", "hrw", "-o", s(&receipt)],
    );

    // History H2, shown through S2 to clone B (another user): the same editor key attests
    // quiet's endorsement instead, and checkpoints a tree of the same size.
    let b = w.path().join("b");
    ok_as(&w, &state_b, &a, &["clone", s(&s2), s(&b), "--trust", &id]);
    let evidence = w.write_file("quiet.eml", "yes\n");
    ok_as(
        &w,
        &state_b,
        &b,
        &[
            "attest",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            &evidence,
            "--key",
            &editor,
        ],
    );
    ok_as(&w, &state_b, &b, &["sync", "--checkpoint-key", &editor]);
    let c2 = note_of(&w, &b, 2);
    assert_eq!(head_of(&c1).0, head_of(&c2).0, "same size");
    assert_ne!(head_of(&c1).1, head_of(&c2).1, "different roots");
    // Each history verifies on its own: only the two checkpoints together show the split.
    assert_eq!(verify(&w, &["--full"]).0, 0);

    // 1. witness cosign: fidh, asked to cosign H2's checkpoint, refuses.
    let out = us_as(
        &w,
        &state_a,
        &b,
        &[
            "witness",
            "cosign",
            "--org",
            "fidh",
            "--key",
            &w.key_arg("fidh"),
        ],
    );
    assert_split("witness cosign", &out, [&c1, &c2]);

    // 2. sync: clone A, told of S2, refuses to take its history.
    git_in(&w, &a, &["remote", "add", "s2", s(&s2)]);
    let before = w.head();
    let out = us_as(&w, &state_a, &a, &["sync", "s2"]);
    assert_split("sync", &out, [&c1, &c2]);
    assert_eq!(w.head(), before, "sync changed nothing");

    // 3. clone: user A cloning S2 keeps nothing.
    let c = w.path().join("c");
    let out = us_as(&w, &state_a, &a, &["clone", s(&s2), s(&c), "--trust", &id]);
    assert_split("clone", &out, [&c1, &c2]);
    assert!(!c.exists(), "a refused clone leaves nothing behind");

    // 4. the pre-receive hook: S1 refuses H2 pushed with plain git, naming both.
    let push = w.git_at(&b, &["push", "-q", "--force", s(&s1), "main"]);
    assert!(!push.status.success());
    let err = stderr(&push);
    assert!(err.contains("split view"), "{err}");
    assert_eq!(
        git_in(&w, &s1, &["rev-parse", "main"]),
        w.head(),
        "the server kept H1"
    );

    // 5. receipt verify --against: hrw's receipt from H1 against H2's checkpoint.
    let c2_file = w.path().join("c2.note");
    std::fs::write(&c2_file, &c2).unwrap();
    let out = us_as(
        &w,
        &state_b,
        &b,
        &[
            "receipt",
            "verify",
            s(&receipt),
            "--trust",
            &id,
            "--against",
            s(&c2_file),
        ],
    );
    assert_split("receipt verify --against", &out, [&c1, &c2]);
}
