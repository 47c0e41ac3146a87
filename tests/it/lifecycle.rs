//! Key lifecycle and pinned trust: rotation, revocation, re-keying and removal through the CLI,
//! cross-checked with stock git (`valid-before` in `allowed_signers`); histories broken with
//! stock git around those acts (retired and revoked keys, keys used in the commit that adds
//! them, organizations overreaching, the last editor removed, records copied between
//! statements); the remembered head that catches rewritten histories; hostile trees.

use crate::common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Output;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYYMMDDHHMMSSZ` (UTC), the form of `valid-before` in `allowed_signers`.
fn compact_utc(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` (UTC), the form of times in records.
fn record_time(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Stock git in `dir` with the isolated environment, extra environment variables and raw
/// arguments.
fn git_in(w: &World, dir: &Path, env: &[(&str, String)], args: &[&OsStr]) -> Output {
    let mut c = std::process::Command::new("git");
    c.current_dir(dir)
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("git runs")
}

fn git_in_ok(w: &World, dir: &Path, env: &[(&str, String)], args: &[&str]) -> String {
    let os: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let out = git_in(w, dir, env, &os);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Committer time (seconds since the epoch) of a commit in the ledger.
fn commit_time(w: &World, commit: &str) -> i64 {
    w.git_ok(&["log", "-1", "--format=%ct", commit])
        .trim()
        .parse()
        .expect("committer time")
}

/// Stock `git verify-commit` of one commit with the ledger's current allowed_signers.
fn stock_verify(w: &World, commit: &str) -> Output {
    let signers = w.ledger().join("allowed_signers");
    w.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!(
            "gpg.ssh.allowedSignersFile={}",
            signers.to_str().expect("utf-8")
        ),
        "verify-commit",
        commit,
    ])
}

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

/// Back to `commit`, dropping the broken commits (the remembered head stays an ancestor).
fn reset(w: &World, commit: &str) {
    w.git_ok(&["reset", "-q", "--hard", commit]);
    w.git_ok(&["clean", "-q", "-fdx"]);
    assert_eq!(w.head(), commit);
}

/// Fingerprint of a key file, as `undersigned key show` prints it.
fn fingerprint(w: &World, key: &Path) -> String {
    let out = w.json(&["key", "show", key.to_str().expect("utf-8")]);
    out["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string()
}

/// `ssh-ed25519 AAAA…` of a key file (no comment).
fn public_line(w: &World, key: &Path) -> String {
    let out = w.json(&["key", "show", key.to_str().expect("utf-8")]);
    out["public_key"].as_str().expect("public_key").to_string()
}

fn pubfile(w: &World, name: &str) -> String {
    format!("{}.pub", w.key_arg(name))
}

/// `undersigned sign STMT` by `org` with key file `key`; returns (record path, commit).
fn sign_with(w: &World, stmt: &str, org: &str, key: &str) -> (String, String) {
    let out = w.json(&["sign", stmt, "--org", org, "--key", &w.key_arg(key)]);
    assert_eq!(out["changed"], true, "{out:#}");
    (
        out["paths"][0].as_str().expect("record path").to_string(),
        out["commit"].as_str().expect("commit").to_string(),
    )
}

/// Revises `icc` to a second version (editor).
fn revise(w: &World) -> String {
    let v2 = w.write_file(
        "v2.txt",
        "On behalf of 3 organizations, we urge all states.\n",
    );
    let out = w.json(&[
        "statement",
        "revise",
        "icc",
        "--text",
        &v2,
        "--note",
        "numbers",
        "--key",
        &w.key_arg("editor"),
    ]);
    out["commit"].as_str().expect("commit").to_string()
}

/// A stock clone of the ledger at `name` in the world.
fn clone(w: &World, name: &str) -> PathBuf {
    let dir = w.path().join(name);
    let out = std::process::Command::new("git")
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("clone")
        .arg("-q")
        .arg(w.ledger())
        .arg(&dir)
        .output()
        .expect("git clone");
    assert!(out.status.success(), "git clone: {}", stderr(&out));
    dir
}

/// `undersigned --json --ledger CLONE ARGS`, asserting success.
fn in_clone(w: &World, clone: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--ledger", clone.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    w.json(&all)
}

fn clone_file(clone: &Path, rel: &str) -> String {
    std::fs::read_to_string(clone.join(rel)).expect("file in clone")
}

/// A record for `org` signed with key file `key` by `undersigned sign icc` in a fresh clone,
/// so the ledger itself is unchanged.
fn record_from_clone(w: &World, name: &str, org: &str, key: &str) -> (String, String) {
    let c = clone(w, name);
    let out = in_clone(
        w,
        &c,
        &["sign", "icc", "--org", org, "--key", &w.key_arg(key)],
    );
    let path = out["paths"][0].as_str().expect("path").to_string();
    let content = clone_file(&c, &path);
    (path, content)
}

fn verify_ok(w: &World) -> Value {
    let (code, report) = verify(w, &[]);
    assert_eq!(code, 0, "verify should pass: {report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["failures"], serde_json::json!([]));
    assert_eq!(report["head"], w.head());
    report
}

/// The standard ledger, asserted valid (and so remembered) before anything else.
fn standard() -> World {
    let w = World::new();
    w.standard();
    verify_ok(&w);
    w
}

/// Runs a refused act: exit 2, an error line containing `fragment`, nothing changed.
fn refused(w: &World, args: &[&str], fragment: &str) {
    let before = w.snapshot();
    let out = w.run(args);
    assert_eq!(
        code(&out),
        2,
        "{args:?} should be refused: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("undersigned: error:"), "{err}");
    assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
    assert_eq!(w.snapshot(), before, "a refused act changed the ledger");
}

fn audit(w: &World) -> Value {
    w.json(&["audit", "icc"])
}

/// The audit's key entry for `org` key `seq`.
fn audit_key(a: &Value, org: &str, seq: u64) -> Value {
    a["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["org"] == org && k["seq"] == seq)
        .unwrap_or_else(|| panic!("no key {seq} of {org} in audit: {a:#}"))
        .clone()
}

/// The audit's endorsement of `version` by `org`.
fn audit_endorsement(a: &Value, version: u64, org: &str) -> Value {
    a["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|v| v["version"] == version)
        .and_then(|v| {
            v["endorsements"]
                .as_array()
                .expect("endorsements")
                .iter()
                .find(|e| e["org"] == org)
        })
        .unwrap_or_else(|| panic!("no endorsement of version {version} by {org}: {a:#}"))
        .clone()
}

#[test]
fn organization_rotates_its_own_key_and_stock_git_agrees() {
    let w = standard();
    let k1 = w.key("hrw");
    let k2 = w.ssh_keygen("hrw2");
    let (_, endorsed) = sign_with(&w, "icc", "hrw", "hrw");

    let out = w.json(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--key",
        &w.key_arg("hrw"),
    ]);
    assert_eq!(out["changed"], true);
    let rotation = out["commit"].as_str().expect("commit").to_string();
    assert_eq!(rotation, w.head());
    let key2_path = format!("{}/keys/0002.json", org_dir("hrw"));
    assert_eq!(
        out["paths"],
        serde_json::json!([key2_path.clone(), "allowed_signers"])
    );
    let rec: Value = serde_json::from_str(&read(&w, &key2_path)).expect("key record");
    assert_eq!(rec["principal"], "org/hrw");
    assert_eq!(rec["seq"], 2);
    assert_eq!(rec["added_by"], "org/hrw");
    assert_eq!(rec["fingerprint"], fingerprint(&w, &k2));
    assert!(rec.get("reason").is_none(), "{rec}");
    // The rotation commit is signed by the old key, as the organization itself.
    assert!(w
        .git_ok(&["log", "-1", "--format=%ae", &rotation])
        .contains(&org_email("hrw")));

    revise(&w);
    let (_, v2) = sign_with(&w, "icc", "hrw", "hrw2");
    refused(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
        "is not the key of org/hrw",
    );
    // The old key cannot rotate again either.
    let k3 = w.ssh_keygen("hrw3");
    refused(
        &w,
        &[
            "org",
            "rotate-key",
            "hrw",
            "--pubkey",
            &format!("{}.pub", k3.display()),
            "--key",
            &w.key_arg("hrw"),
        ],
        "org/hrw",
    );

    let report = verify_ok(&w);
    assert_eq!(report["endorsements"], 2);

    // Stock git accepts every commit, including those key 1 signed up to and including the
    // rotation, because its line carries valid-before = the rotation's committer time.
    w.assert_stock_git_agrees();
    let signers = read(&w, "allowed_signers");
    let t = commit_time(&w, &rotation);
    let old_line = format!(
        "org/hrw valid-before=\"{}\" {}",
        compact_utc(t),
        public_line(&w, &k1)
    );
    assert!(
        signers.lines().any(|l| l == old_line),
        "{old_line}\n{signers}"
    );
    let new_line = format!("org/hrw {}", public_line(&w, &k2));
    assert!(signers.lines().any(|l| l == new_line), "{signers}");

    let a = audit(&w);
    let e1 = audit_endorsement(&a, 1, "hrw");
    assert_eq!(e1["commit"], endorsed.as_str());
    assert_eq!(e1["key"], fingerprint(&w, &k1));
    assert_eq!(e1["key_revoked_later"], false);
    let e2 = audit_endorsement(&a, 2, "hrw");
    assert_eq!(e2["commit"], v2.as_str());
    assert_eq!(e2["key"], fingerprint(&w, &k2));
    let a1 = audit_key(&a, "hrw", 1);
    assert_eq!(a1["in_force"], false);
    assert!(a1.get("revoked").is_none(), "{a1}");
    let a2 = audit_key(&a, "hrw", 2);
    assert_eq!(a2["added_by"], "org/hrw");
    assert_eq!(a2["commit"], rotation.as_str());
    assert_eq!(a2["in_force"], true);
    // A rotation is not a revocation: no warning about the endorsement key 1 made.
    assert!(
        !a["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|s| s.contains("revoked"))),
        "{a:#}"
    );
}

#[test]
fn editor_replaces_a_lost_organization_key_only_with_a_reason() {
    let w = standard();
    w.ssh_keygen("hrw2");
    sign_with(&w, "icc", "hrw", "hrw");
    let e = w.key_arg("editor");
    let base = [
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--key",
        &e,
    ];
    refused(&w, &base, "--reason");
    // Another organization's key may not rotate hrw's.
    refused(
        &w,
        &[
            "org",
            "rotate-key",
            "hrw",
            "--pubkey",
            &pubfile(&w, "hrw2"),
            "--key",
            &w.key_arg("fidh"),
        ],
        "org/hrw",
    );
    // A key registered to another principal is refused.
    refused(
        &w,
        &[
            "org",
            "rotate-key",
            "hrw",
            "--pubkey",
            &pubfile(&w, "fidh"),
            "--reason",
            "lost laptop",
            "--key",
            &e,
        ],
        "already registered",
    );

    let mut args = base.to_vec();
    args.extend_from_slice(&["--reason", "lost laptop"]);
    let out = w.json(&args);
    assert_eq!(out["changed"], true);
    let rotation = out["commit"].as_str().expect("commit").to_string();
    let key2_path = format!("{}/keys/0002.json", org_dir("hrw"));
    let rec: Value = serde_json::from_str(&read(&w, &key2_path)).expect("key record");
    assert_eq!(rec["added_by"], "editor/coordinator");
    assert_eq!(rec["reason"], "lost laptop");
    assert!(w
        .git_ok(&["log", "-1", "--format=%ae", &rotation])
        .contains(EDITOR_EMAIL));

    revise(&w);
    refused(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
        "is not the key of org/hrw",
    );
    sign_with(&w, "icc", "hrw", "hrw2");
    verify_ok(&w);
    w.assert_stock_git_agrees();

    let a = audit(&w);
    let a2 = audit_key(&a, "hrw", 2);
    assert_eq!(a2["added_by"], "editor/coordinator");
    assert_eq!(a2["reason"], "lost laptop");
    assert_eq!(a2["commit"], rotation.as_str());
    assert_eq!(a2["in_force"], true);
    assert_eq!(audit_key(&a, "hrw", 1)["in_force"], false);
}

#[test]
fn revoked_key_keeps_earlier_endorsements_and_signs_nothing_more() {
    let w = standard();
    let k1 = w.key("hrw");
    w.ssh_keygen("hrw2");
    let (path, endorsed) = sign_with(&w, "icc", "hrw", "hrw");
    let e = w.key_arg("editor");
    let fp1 = fingerprint(&w, &k1);

    // Registering a key while one is in force is a rotation, which needs a reason.
    refused(
        &w,
        &[
            "org",
            "add-key",
            "hrw",
            "--pubkey",
            &pubfile(&w, "hrw2"),
            "--key",
            &e,
        ],
        "in force",
    );
    refused(
        &w,
        &[
            "org",
            "revoke-key",
            "hrw",
            "--fingerprint",
            "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "--reason",
            "stolen",
            "--key",
            &e,
        ],
        &fp1,
    );

    let out = w.json(&[
        "org",
        "revoke-key",
        "hrw",
        "--fingerprint",
        &fp1,
        "--reason",
        "stolen laptop",
        "--key",
        &e,
    ]);
    assert_eq!(out["changed"], true);
    let revocation = out["commit"].as_str().expect("commit").to_string();
    let rev_path = format!("{}/revocations/0001.json", org_dir("hrw"));
    assert_eq!(
        out["paths"],
        serde_json::json!([rev_path.clone(), "allowed_signers"])
    );
    let rec: Value = serde_json::from_str(&read(&w, &rev_path)).expect("revocation");
    assert_eq!(rec["principal"], "org/hrw");
    assert_eq!(rec["seq"], 1);
    assert_eq!(rec["fingerprint"], fp1.as_str());
    assert_eq!(rec["revoked_by"], "editor/coordinator");
    assert_eq!(rec["reason"], "stolen laptop");
    // Revoking again changes nothing.
    let again = w.json(&[
        "org",
        "revoke-key",
        "hrw",
        "--fingerprint",
        &fp1,
        "--reason",
        "stolen laptop",
        "--key",
        &e,
    ]);
    assert_eq!(again["changed"], false);
    assert_eq!(w.head(), revocation);

    let report = verify_ok(&w);
    assert_eq!(report["endorsements"], 1);
    let a = audit(&w);
    let end = audit_endorsement(&a, 1, "hrw");
    assert_eq!(end["commit"], endorsed.as_str());
    assert_eq!(end["path"], path.as_str());
    assert_eq!(end["in_force"], true);
    assert_eq!(end["key_revoked_later"], true);
    assert_eq!(a["current"], serde_json::json!(["hrw"]));
    assert!(
        a["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|s| s.contains("revoked later"))),
        "{a:#}"
    );
    let k = audit_key(&a, "hrw", 1);
    assert_eq!(k["in_force"], false);
    assert_eq!(k["revoked"]["by"], "editor/coordinator");
    assert_eq!(k["revoked"]["reason"], "stolen laptop");
    assert_eq!(k["revoked"]["commit"], revocation.as_str());
    // An unrelated endorsement by fidh carries no mark.
    sign_with(&w, "icc", "fidh", "fidh");
    assert_eq!(
        audit_endorsement(&audit(&w), 1, "fidh")["key_revoked_later"],
        false
    );

    revise(&w);
    refused(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
        "org/hrw",
    );

    let out = w.json(&[
        "org",
        "add-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--key",
        &e,
    ]);
    assert_eq!(out["changed"], true);
    let added = out["commit"].as_str().expect("commit").to_string();
    let key2_path = format!("{}/keys/0002.json", org_dir("hrw"));
    assert_eq!(out["paths"][0], key2_path.as_str());
    sign_with(&w, "icc", "hrw", "hrw2");
    verify_ok(&w);
    w.assert_stock_git_agrees();
    let a = audit(&w);
    let k2 = audit_key(&a, "hrw", 2);
    assert_eq!(k2["added_by"], "editor/coordinator");
    assert_eq!(k2["commit"], added.as_str());
    assert_eq!(k2["in_force"], true);
    assert!(k2.get("revoked").is_none());
    assert_eq!(audit_endorsement(&a, 2, "hrw")["key_revoked_later"], false);
}

#[test]
fn editors_rotate_are_removed_and_never_run_out() {
    let w = standard();
    let e = w.key_arg("editor");
    let alice = w.ssh_keygen("alice");
    let alice2 = w.ssh_keygen("alice2");
    w.ok(&[
        "editor",
        "add",
        "alice",
        "--name",
        "Alice",
        "--pubkey",
        &pubfile(&w, "alice"),
        "--key",
        &e,
    ]);
    let out = w.json(&[
        "editor",
        "rotate-key",
        "alice",
        "--pubkey",
        &pubfile(&w, "alice2"),
        "--key",
        &w.key_arg("alice"),
    ]);
    let rotation = out["commit"].as_str().expect("commit").to_string();
    assert_eq!(out["paths"][0], "editors/alice/keys/0002.json");
    // The old key no longer acts as an editor.
    refused(
        &w,
        &[
            "org",
            "add",
            "newcomer",
            "--name",
            "N",
            "--key",
            &w.key_arg("alice"),
        ],
        "editor",
    );
    w.ok(&[
        "org",
        "add",
        "newcomer",
        "--name",
        "N",
        "--key",
        &w.key_arg("alice2"),
    ]);
    let out = w.json(&[
        "editor",
        "remove",
        "alice",
        "--reason",
        "left the coalition",
        "--key",
        &e,
    ]);
    let removal = out["commit"].as_str().expect("commit").to_string();
    assert_eq!(
        out["paths"],
        serde_json::json!(["editors/alice/removed.json", "allowed_signers"])
    );
    let rec: Value =
        serde_json::from_str(&read(&w, "editors/alice/removed.json")).expect("removal");
    assert_eq!(rec["editor"], "alice");
    assert_eq!(rec["removed_by"], "editor/coordinator");
    assert_eq!(rec["reason"], "left the coalition");
    refused(
        &w,
        &[
            "org",
            "add",
            "another",
            "--name",
            "A",
            "--key",
            &w.key_arg("alice2"),
        ],
        "editor",
    );

    // The coordinator is now the last editor: it can neither be removed nor revoked.
    refused(
        &w,
        &[
            "editor",
            "remove",
            "coordinator",
            "--reason",
            "bye",
            "--key",
            &e,
        ],
        "last editor",
    );
    let fp = fingerprint(&w, &w.key("editor"));
    refused(
        &w,
        &[
            "editor",
            "revoke-key",
            "coordinator",
            "--fingerprint",
            &fp,
            "--reason",
            "bye",
            "--key",
            &e,
        ],
        "last editor",
    );

    let report = verify_ok(&w);
    assert_eq!(report["editors"], 2);
    w.assert_stock_git_agrees();
    let signers = read(&w, "allowed_signers");
    for (key, at) in [(&alice, &rotation), (&alice2, &removal)] {
        let line = format!(
            "editor/alice valid-before=\"{}\" {}",
            compact_utc(commit_time(&w, at)),
            public_line(&w, key)
        );
        assert!(signers.lines().any(|l| l == line), "{line}\n{signers}");
    }
}

#[test]
fn commit_by_a_rotated_out_key_fails_verify_and_stock_git() {
    let w = standard();
    w.ssh_keygen("hrw2");
    let (_, before) = sign_with(&w, "icc", "hrw", "hrw");
    let out = w.json(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--key",
        &w.key_arg("hrw"),
    ]);
    let rotation = out["commit"].as_str().expect("commit").to_string();
    revise(&w);
    verify_ok(&w);

    // A valid record (signed in a clone by the key in force) committed with the old key, a
    // minute after the rotation: only the commit's signature is wrong.
    let (path, content) = record_from_clone(&w, "clone", "hrw", "hrw2");
    assert_eq!(path, act_path_of("icc", "hrw", 2));
    put(&w, &path, content.as_bytes());
    let t = commit_time(&w, &rotation) + 60;
    let head = stock_commit_at(
        &w,
        &w.key("hrw"),
        &org_email("hrw"),
        Some(t),
        &["-m", "hrw endorses icc version 2"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["signature"], "{f:#?}");
    let r = reason(find(&f, None, "signature"));
    assert!(
        r.contains("retired") && r.contains("rotated") && r.contains(&rotation),
        "{r}"
    );
    assert!(r.contains(&fingerprint(&w, &w.key("hrw"))), "{r}");

    // Stock git agrees: valid-before refuses the late commit, not the earlier ones.
    let late = stock_verify(&w, &head);
    assert!(
        !late.status.success(),
        "stock git accepted a commit by a rotated-out key"
    );
    for ok in [&before, &rotation] {
        let out = stock_verify(&w, ok);
        assert!(out.status.success(), "{ok}: {}", stderr(&out));
    }
}

#[test]
fn commit_by_a_revoked_key_fails_verify_and_stock_git() {
    let w = standard();
    w.ssh_keygen("hrw2");
    let e = w.key_arg("editor");
    let (_, before) = sign_with(&w, "icc", "hrw", "hrw");
    let out = w.json(&[
        "org",
        "revoke-key",
        "hrw",
        "--fingerprint",
        &fingerprint(&w, &w.key("hrw")),
        "--reason",
        "stolen",
        "--key",
        &e,
    ]);
    let revocation = out["commit"].as_str().expect("commit").to_string();
    w.ok(&[
        "org",
        "add-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--key",
        &e,
    ]);
    revise(&w);
    verify_ok(&w);

    let (path, content) = record_from_clone(&w, "clone", "hrw", "hrw2");
    put(&w, &path, content.as_bytes());
    let t = commit_time(&w, &w.head()) + 60;
    let head = stock_commit_at(
        &w,
        &w.key("hrw"),
        &org_email("hrw"),
        Some(t),
        &["-m", "hrw endorses icc version 2"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["signature"], "{f:#?}");
    let r = reason(find(&f, None, "signature"));
    assert!(r.contains("revoked") && r.contains(&revocation), "{r}");

    assert!(
        !stock_verify(&w, &head).status.success(),
        "stock git accepted a commit by a revoked key"
    );
    let out = stock_verify(&w, &before);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn key_used_in_the_commit_that_registers_it_breaks_signature() {
    let w = standard();
    let k2 = w.ssh_keygen("hrw2");
    // The rotation as the CLI writes it, made in a clone: key record and allowed_signers.
    let c = clone(&w, "clone");
    let out = in_clone(
        &w,
        &c,
        &[
            "org",
            "rotate-key",
            "hrw",
            "--pubkey",
            &pubfile(&w, "hrw2"),
            "--key",
            &w.key_arg("hrw"),
        ],
    );
    let clone_commit = out["commit"].as_str().expect("commit").to_string();
    let t: i64 = git_in_ok(
        &w,
        &c,
        &[],
        &["log", "-1", "--format=%ct", clone_commit.as_str()],
    )
    .trim()
    .parse()
    .expect("time");
    let key2_path = format!("{}/keys/0002.json", org_dir("hrw"));
    put(&w, &key2_path, clone_file(&c, &key2_path).as_bytes());
    put(
        &w,
        "allowed_signers",
        clone_file(&c, "allowed_signers").as_bytes(),
    );
    // Same files and time as the valid rotation, but signed by the new key itself.
    let head = stock_commit_at(
        &w,
        &k2,
        &org_email("hrw"),
        Some(t),
        &["-m", "rotate key of org/hrw"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["signature"], "{f:#?}");
    let r = reason(find(&f, None, "signature"));
    assert!(
        r.contains("not a key registered in the parent commit")
            && r.contains(&fingerprint(&w, &k2)),
        "{r}"
    );
}

#[test]
fn organization_key_cannot_add_editors_or_touch_other_organizations_keys() {
    let w = standard();
    let base = w.head();

    // An editor added in a clone by the coordinator, committed here by hrw.
    let x = w.ssh_keygen("x");
    let c = clone(&w, "clone-editor");
    in_clone(
        &w,
        &c,
        &[
            "editor",
            "add",
            "x",
            "--name",
            "X",
            "--pubkey",
            &format!("{}.pub", x.display()),
            "--key",
            &w.key_arg("editor"),
        ],
    );
    for p in ["editors/x/editor.json", "editors/x/keys/0001.json"] {
        put(&w, p, clone_file(&c, p).as_bytes());
    }
    let head = org_commit(&w, "hrw", "add editor x");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["rights", "rights"], "{f:#?}");
    for p in ["editors/x/editor.json", "editors/x/keys/0001.json"] {
        assert!(reason(find(&f, Some(p), "rights")).contains("org/hrw"));
    }
    reset(&w, &base);

    // fidh's own rotation, made in a clone, committed by hrw.
    w.ssh_keygen("fidh2");
    let c = clone(&w, "clone-rotate");
    in_clone(
        &w,
        &c,
        &[
            "org",
            "rotate-key",
            "fidh",
            "--pubkey",
            &pubfile(&w, "fidh2"),
            "--key",
            &w.key_arg("fidh"),
        ],
    );
    let key_path = format!("{}/keys/0002.json", org_dir("fidh"));
    put(&w, &key_path, clone_file(&c, &key_path).as_bytes());
    let head = org_commit(&w, "hrw", "rotate fidh");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["rights"], "{f:#?}");
    assert!(reason(find(&f, Some(&key_path), "rights")).contains("org/hrw"));
    reset(&w, &base);

    // fidh's own revocation, made in a clone, committed by hrw.
    let c = clone(&w, "clone-revoke");
    in_clone(
        &w,
        &c,
        &[
            "org",
            "revoke-key",
            "fidh",
            "--fingerprint",
            &fingerprint(&w, &w.key("fidh")),
            "--reason",
            "gone",
            "--key",
            &w.key_arg("fidh"),
        ],
    );
    let rev_path = format!("{}/revocations/0001.json", org_dir("fidh"));
    put(&w, &rev_path, clone_file(&c, &rev_path).as_bytes());
    let head = org_commit(&w, "hrw", "revoke fidh");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["rights"], "{f:#?}");
    assert!(reason(find(&f, Some(&rev_path), "rights")).contains("org/hrw"));
    reset(&w, &base);
    verify_ok(&w);
}

#[test]
fn removing_the_last_editor_by_hand_breaks_rights() {
    let w = standard();
    let e = w.key_arg("editor");
    refused(
        &w,
        &[
            "editor",
            "remove",
            "coordinator",
            "--reason",
            "bye",
            "--key",
            &e,
        ],
        "last editor",
    );

    let t = commit_time(&w, &w.head()) + 60;
    let removal = format!(
        "{{\n  \"editor\": \"coordinator\",\n  \"reason\": \"bye\",\n  \"removed_by\": \"editor/coordinator\",\n  \"removed_at\": \"{}\"\n}}\n",
        record_time(t)
    );
    put(&w, "editors/coordinator/removed.json", removal.as_bytes());
    let key_line = public_line(&w, &w.key("editor"));
    let signers = read(&w, "allowed_signers");
    let old = format!("editor/coordinator {key_line}");
    assert!(signers.lines().any(|l| l == old), "{signers}");
    let retired = signers.replace(
        &old,
        &format!(
            "editor/coordinator valid-before=\"{}\" {key_line}",
            compact_utc(t)
        ),
    );
    put(&w, "allowed_signers", retired.as_bytes());
    let head = stock_commit_at(
        &w,
        &w.key("editor"),
        EDITOR_EMAIL,
        Some(t),
        &["-m", "Remove editor coordinator"],
    );
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["rights"], "{f:#?}");
    let r = reason(find(&f, Some("editors/coordinator/removed.json"), "rights"));
    assert!(r.contains("no editor"), "{r}");
}

#[test]
fn endorsement_copied_into_another_statement_breaks_record() {
    let w = standard();
    let text = w.write_file("other.txt", "A different statement entirely.\n");
    w.ok(&[
        "statement",
        "new",
        "icc2",
        "--title",
        "ICC 2",
        "--text",
        &text,
        "--key",
        &w.key_arg("editor"),
    ]);
    let (path, _) = sign_with(&w, "icc", "hrw", "hrw");
    let target = act_path_of("icc2", "hrw", 1);
    put(&w, &target, read(&w, &path).as_bytes());
    let head = org_commit(&w, "hrw", "hrw endorses icc2 version 1");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record"], "{f:#?}");
    let r = reason(find(&f, Some(&target), "record"));
    assert!(r.contains("statement icc,") && r.contains("icc2"), "{r}");
}

#[test]
fn rewritten_history_breaks_rewrite_until_forgotten() {
    let w = standard();
    let base = w.head();
    sign_with(&w, "icc", "hrw", "hrw");
    let remembered = w.head();
    let report = verify_ok(&w);
    let pin_file = w.ledger().join(".git/undersigned/verified");
    let pin: Value =
        serde_json::from_str(&std::fs::read_to_string(&pin_file).expect("pin file")).expect("pin");
    assert_eq!(pin["head"], remembered.as_str());
    assert_eq!(pin["ledger_id"], report["ledger_id"]);

    // Rolling back drops the remembered head too.
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(w.head(), base);
    let f = broken(&w, &base);
    assert_eq!(rules(&f), ["rewrite"], "{f:#?}");
    assert!(reason(&f[0]).contains(&remembered), "{f:#?}");

    // Every commit of the new history is valid; only the memory can tell.
    sign_with(&w, "icc", "fidh", "fidh");
    let head = w.head();
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["rewrite"], "{f:#?}");
    let r = reason(find(&f, None, "rewrite"));
    assert!(r.contains("history rewritten"), "{r}");
    assert!(r.contains(&base), "the last common commit {base}: {r}");
    assert!(r.contains(&remembered), "{r}");
    // A failed run does not move the memory.
    let pin: Value =
        serde_json::from_str(&std::fs::read_to_string(&pin_file).expect("pin file")).expect("pin");
    assert_eq!(pin["head"], remembered.as_str());

    let (code, report) = verify(&w, &["--forget"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    let pin: Value =
        serde_json::from_str(&std::fs::read_to_string(&pin_file).expect("pin file")).expect("pin");
    assert_eq!(pin["head"], head.as_str());
    verify_ok(&w);
}

#[test]
fn another_genesis_than_remembered_breaks_rewrite() {
    let a = standard();
    let a_report = verify_ok(&a);
    let b = World::new();
    let b_id = b.init();
    let state = b.ledger().join(".git/undersigned");
    std::fs::create_dir_all(&state).expect("state dir");
    std::fs::copy(
        a.ledger().join(".git/undersigned/verified"),
        state.join("verified"),
    )
    .expect("copy memory");
    let f = broken(&b, &b_id);
    assert_eq!(rules(&f), ["rewrite"], "{f:#?}");
    let r = reason(find(&f, None, "rewrite"));
    let a_id = a_report["ledger_id"].as_str().expect("ledger id");
    assert!(
        r.contains("genesis") && r.contains(a_id) && r.contains(&b_id),
        "{r}"
    );
    // --trust still checks the genesis on its own.
    let (code, report) = verify(&b, &["--forget", "--trust", a_id]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        rules(report["failures"].as_array().expect("failures")),
        ["trust"]
    );
    let (code, report) = verify(&b, &["--trust", &b_id]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["trusted"], true);
}

#[test]
fn hostile_trees_are_reported_without_crashing() {
    let w = standard();
    let base = w.head();

    // A submodule (gitlink) entry.
    w.git_ok(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{base},sub"),
    ]);
    let head = editor_commit(&w, "submodule");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["file-mode"], "{f:#?}");
    assert!(reason(find(&f, Some("sub"), "file-mode")).contains("submodule"));
    reset(&w, &base);

    // A file whose name is not UTF-8.
    add_latin1_name(&w);
    let head = editor_commit(&w, "latin-1 name");
    let f = broken(&w, &head);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0]["rule"] == "file-mode" || f[0]["rule"] == "path",
        "{f:#?}"
    );
    assert!(
        f[0]["path"].as_str().is_some_and(|p| p.starts_with("caf")),
        "{f:#?}"
    );
    reset(&w, &base);

    // A version text over 1 MiB with a record that matches it.
    let mut big = "All states must act now. ".repeat(1024 * 1024 / 25 + 100);
    big.push('\n');
    assert!(big.len() > 1024 * 1024);
    put(&w, "statements/big/versions/0001.txt", big.as_bytes());
    let meta = format!(
        "{{\n  \"statement\": \"big\",\n  \"version\": 1,\n  \"title\": \"Big\",\n  \"text_sha256\": \"{}\",\n  \"editor\": \"coordinator\",\n  \"created_at\": \"{}\"\n}}\n",
        sha256_hex(big.as_bytes()),
        record_time(commit_time(&w, &base) + 1)
    );
    put(&w, "statements/big/versions/0001.json", meta.as_bytes());
    let head = editor_commit(&w, "a long statement");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record"], "{f:#?}");
    let r = reason(find(
        &f,
        Some("statements/big/versions/0001.json"),
        "record",
    ));
    assert!(r.contains("at most"), "{r}");
    reset(&w, &base);

    // Control: the same record shape with a short text verifies, so only the size was wrong.
    let small = "All states must act now.\n";
    put(&w, "statements/big/versions/0001.txt", small.as_bytes());
    let meta = meta.replace(&sha256_hex(big.as_bytes()), &sha256_hex(small.as_bytes()));
    put(&w, "statements/big/versions/0001.json", meta.as_bytes());
    editor_commit(&w, "a short statement");
    verify_ok(&w);
    let base = w.head();

    // A record over 64 KiB: an org.json with a 70,000-character name.
    let org_json = read(&w, &format!("{}/org.json", org_dir("fidh")));
    let huge = org_json
        .replace("\"fidh\"", "\"huge\"")
        .replace("Org fidh", &"N".repeat(70_000));
    assert!(huge.len() > 64 * 1024);
    let huge_path = format!("{}/org.json", org_dir("huge"));
    put(&w, &huge_path, huge.as_bytes());
    let head = editor_commit(&w, "register huge");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record"], "{f:#?}");
    assert!(reason(find(&f, Some(&huge_path), "record")).contains("at most"));
    reset(&w, &base);

    // A deeply nested JSON document as a record.
    let deep = format!("{}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let deep_path = format!("{}/org.json", org_dir("deep"));
    put(&w, &deep_path, deep.as_bytes());
    let head = editor_commit(&w, "register deep");
    let f = broken(&w, &head);
    assert_eq!(rules(&f), ["record"], "{f:#?}");
    find(&f, Some(&deep_path), "record");
    reset(&w, &base);
    verify_ok(&w);
}

#[test]
fn organization_revokes_its_old_and_current_keys_itself() {
    let w = standard();
    let k1 = w.key("hrw");
    let k2 = w.ssh_keygen("hrw2");
    let (_, endorsed) = sign_with(&w, "icc", "hrw", "hrw");
    w.ok(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--key",
        &w.key_arg("hrw"),
    ]);
    let signers_before = read(&w, "allowed_signers");
    // The rotated-out key, revoked later by the organization with its key in force: stock git
    // already refuses it after the rotation, so allowed_signers does not change.
    let out = w.json(&[
        "org",
        "revoke-key",
        "hrw",
        "--fingerprint",
        &fingerprint(&w, &k1),
        "--reason",
        "old laptop stolen",
        "--key",
        &w.key_arg("hrw2"),
    ]);
    let old_revocation = out["commit"].as_str().expect("commit").to_string();
    assert_eq!(
        out["paths"],
        serde_json::json!([format!("{}/revocations/0001.json", org_dir("hrw"))])
    );
    assert_eq!(read(&w, "allowed_signers"), signers_before);
    let a = audit(&w);
    let e = audit_endorsement(&a, 1, "hrw");
    assert_eq!(e["commit"], endorsed.as_str());
    assert_eq!(e["key_revoked_later"], true);
    let k = audit_key(&a, "hrw", 1);
    assert_eq!(k["revoked"]["by"], "org/hrw");
    assert_eq!(k["revoked"]["commit"], old_revocation.as_str());
    assert_eq!(audit_key(&a, "hrw", 2)["in_force"], true);

    // Then its current key, signed by that very key (the last thing it signs).
    let out = w.json(&[
        "org",
        "revoke-key",
        "hrw",
        "--fingerprint",
        &fingerprint(&w, &k2),
        "--reason",
        "leaving",
        "--key",
        &w.key_arg("hrw2"),
    ]);
    let revocation = out["commit"].as_str().expect("commit").to_string();
    assert!(w
        .git_ok(&["log", "-1", "--format=%ae", &revocation])
        .contains(&org_email("hrw")));
    revise(&w);
    refused(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw2")],
        "org/hrw",
    );
    verify_ok(&w);
    w.assert_stock_git_agrees();
    let line = format!(
        "org/hrw valid-before=\"{}\" {}",
        compact_utc(commit_time(&w, &revocation)),
        public_line(&w, &k2)
    );
    assert!(
        read(&w, "allowed_signers").lines().any(|l| l == line),
        "{line}"
    );
}

#[test]
fn stock_git_agrees_when_the_retired_key_signed_with_a_clock_ahead() {
    let w = standard();
    w.ssh_keygen("hrw2");
    // hrw's machine runs five minutes ahead: its endorsement commit (valid in every respect)
    // carries a committer date after the editor's rotation that follows it.
    let (path, content) = record_from_clone(&w, "clone", "hrw", "hrw");
    put(&w, &path, content.as_bytes());
    let ahead = commit_time(&w, &w.head()) + 300;
    let endorsed = stock_commit_at(
        &w,
        &w.key("hrw"),
        &org_email("hrw"),
        Some(ahead),
        &["-m", "hrw endorses icc version 1"],
    );
    verify_ok(&w);
    let out = w.json(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &pubfile(&w, "hrw2"),
        "--reason",
        "lost laptop",
        "--key",
        &w.key_arg("editor"),
    ]);
    let rotation = out["commit"].as_str().expect("commit").to_string();
    verify_ok(&w);
    assert!(
        commit_time(&w, &rotation) >= ahead,
        "an act is never dated before its parent, so valid-before covers what the key signed"
    );
    let out = stock_verify(&w, &endorsed);
    assert!(
        out.status.success(),
        "verify accepts {endorsed}, stock git refuses it: {}",
        stderr(&out)
    );
}

/// Adds a non-UTF-8 file name (`caf\xe9.txt`) to the index.
fn add_latin1_name(w: &World) {
    let blob_file = w.write_file("blob.txt", "hello\n");
    let blob = w
        .git_ok(&["hash-object", "-w", &blob_file])
        .trim()
        .to_string();
    let mut info = format!("100644,{blob},caf").into_bytes();
    info.extend_from_slice(b"\xe9.txt");
    let out = git_in(
        w,
        &w.ledger(),
        &[],
        &[
            OsStr::new("update-index"),
            OsStr::new("--add"),
            OsStr::new("--cacheinfo"),
            OsStr::from_bytes(&info),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn hostile_entries_are_blamed_on_the_commit_that_adds_them_only() {
    let w = standard();
    let base = w.head();
    w.git_ok(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{base},sub"),
    ]);
    put(&w, "run.sh", b"#!/bin/sh\n");
    w.git_ok(&["update-index", "--chmod=+x", "run.sh"]);
    let bad = editor_commit(&w, "submodule and script");
    reset(&w, &bad);
    // A valid act after it carries the entries forward unchanged.
    w.ok(&[
        "org",
        "add",
        "later",
        "--name",
        "Later",
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_ne!(w.head(), bad);
    let f = broken(&w, &bad);
    assert_eq!(rules(&f), ["file-mode", "file-mode"], "{f:#?}");
}

#[test]
fn non_utf8_name_is_blamed_on_the_commit_that_adds_it_only() {
    let w = standard();
    add_latin1_name(&w);
    let bad = editor_commit(&w, "latin-1 name");
    reset(&w, &bad);
    w.ok(&[
        "org",
        "add",
        "later",
        "--name",
        "Later",
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_ne!(w.head(), bad);
    // The later act keeps the file (same tree entry) and adds only its own files.
    let listing = w.git_ok(&["ls-tree", "--name-only", "-z", "HEAD"]);
    assert!(
        listing.split('\0').any(|n| n.starts_with("caf")),
        "{listing}"
    );
    let f = broken(&w, &bad);
    assert_eq!(rules(&f), ["file-mode"], "{f:#?}");
}

#[test]
fn add_key_refusal_points_to_rotate_key() {
    let w = standard();
    w.ssh_keygen("hrw2");
    refused(
        &w,
        &[
            "org",
            "add-key",
            "hrw",
            "--pubkey",
            &pubfile(&w, "hrw2"),
            "--key",
            &w.key_arg("editor"),
        ],
        "rotate-key",
    );
}

/// Writes (with libgit2) the head tree plus `z/d/d/…/d/f`, `depth` directories deep; returns
/// the new root tree id.
fn deep_tree(w: &World, depth: usize) -> String {
    let repo = git2::Repository::open(w.ledger()).expect("open ledger");
    let blob = repo.blob(b"x\n").expect("blob");
    let mut tb = repo.treebuilder(None).expect("treebuilder");
    tb.insert("f", blob, 0o100644).expect("insert");
    let mut tree = tb.write().expect("tree");
    for _ in 0..depth {
        let mut tb = repo.treebuilder(None).expect("treebuilder");
        tb.insert("d", tree, 0o040000).expect("insert");
        tree = tb.write().expect("tree");
    }
    let head_tree = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .expect("head tree");
    let mut tb = repo.treebuilder(Some(&head_tree)).expect("treebuilder");
    tb.insert("z", tree, 0o040000).expect("insert");
    let root = tb.write().expect("root tree");
    root.to_string()
}

#[test]
fn deeply_nested_tree_is_reported_without_crashing() {
    let w = standard();
    let root = deep_tree(&w, 30_000);

    let signing = format!("user.signingkey={}", w.key("editor").display());
    let mail = format!("user.email={EDITOR_EMAIL}");
    let commit = w
        .git_ok(&[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing,
            "-c",
            "user.name=X",
            "-c",
            &mail,
            "commit-tree",
            "-S",
            &root,
            "-p",
            "HEAD",
            "-m",
            "deep",
        ])
        .trim()
        .to_string();
    w.git_ok(&["update-ref", "refs/heads/main", &commit]);
    let f = broken(&w, &commit);
    assert!(
        f.iter()
            .any(|x| x["path"].as_str().is_some_and(|p| p.starts_with("z"))),
        "{f:#?}"
    );
}
