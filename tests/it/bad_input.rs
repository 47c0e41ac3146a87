//! Bad input: every mistake a user can make gives one line naming the thing and what to do,
//! exit status 2, and leaves the ledger (and for `init`, the directory) exactly as it was.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Asserts that `out` is an input error: exit 2, one line on stderr starting with
/// `undersigned: error:` and containing every fragment. Returns the line.
fn assert_input_error(out: &Output, what: &str, fragments: &[&str]) -> String {
    let err = stderr(out);
    assert_eq!(
        code(out),
        2,
        "{what}: expected exit 2, got {:?}\nstdout: {}\nstderr: {err}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout)
    );
    let line = err.trim_end_matches('\n');
    assert!(
        !line.contains('\n'),
        "{what}: error is not one line:\n{err}"
    );
    assert!(
        line.starts_with("undersigned: error: "),
        "{what}: unexpected stderr:\n{err}"
    );
    for f in fragments {
        assert!(
            line.contains(f),
            "{what}: error does not mention {f:?}:\n{err}"
        );
    }
    line.to_string()
}

/// Runs `undersigned ARGS` on a ledger that must stay exactly as it is, and asserts an input
/// error mentioning every fragment. Also checks the `--json` form: `{"ok":false,"error":…}`.
fn refused(w: &World, args: &[&str], fragments: &[&str]) -> String {
    let before = w.snapshot();
    let line = assert_input_error(&w.run(args), &format!("{args:?}"), fragments);
    assert_eq!(w.snapshot(), before, "{args:?} changed the ledger");

    let mut json_args = vec!["--json"];
    json_args.extend_from_slice(args);
    let out = w.run(&json_args);
    assert_input_error(&out, &format!("{json_args:?}"), fragments);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--json error is JSON on stdout");
    assert_eq!(v["ok"], false, "{json_args:?}: {v}");
    let msg = v["error"].as_str().expect("error string");
    for f in fragments {
        assert!(
            msg.contains(f),
            "{json_args:?}: JSON error lacks {f:?}: {msg}"
        );
    }
    assert_eq!(w.snapshot(), before, "{json_args:?} changed the ledger");
    line
}

/// Every path under `dir` (recursively, `.git` included) with the content of regular files.
fn dir_contents(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).expect("read")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The path (relative to the ledger) of an organization's `org.json`, found in the work tree.
fn org_record(w: &World, org: &str) -> String {
    for fan in std::fs::read_dir(w.ledger().join("orgs")).expect("orgs dir") {
        let fan = fan.expect("entry").file_name();
        let fan = fan.to_str().expect("utf-8");
        let p = format!("orgs/{fan}/{org}/org.json");
        if w.ledger().join(&p).is_file() {
            return p;
        }
    }
    panic!("no org.json for {org}");
}

/// Generates a key of another type with stock ssh-keygen; returns the private key path.
fn ssh_keygen_type(w: &World, name: &str, args: &[&str]) -> String {
    let path = w.key(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("keys dir");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-C", name, "-f"])
        .arg(&path)
        .args(args)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    path.to_str().expect("utf-8").to_string()
}

/// Stock `git commit` in the ledger with a configured identity and no signature.
fn git_commit(w: &World, msg: &str) {
    w.git_ok(&[
        "-c",
        "user.name=Someone",
        "-c",
        "user.email=someone@example.org",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "-a",
        "-m",
        msg,
    ]);
}

// ---------------------------------------------------------------- not a ledger

#[test]
fn missing_ledger_directory_is_not_a_ledger() {
    let w = World::new();
    let hrw = w.ssh_keygen("hrw");
    let hrw = hrw.to_str().expect("utf-8");
    let ledger = w.ledger();
    let shown = ledger.display().to_string();
    for args in [
        vec!["sign", "icc", "--org", "hrw", "--key", hrw],
        vec!["verify"],
        vec!["audit", "icc"],
        vec!["show", "icc"],
        vec!["log"],
        vec!["org", "add", "hrw", "--name", "HRW", "--key", hrw],
    ] {
        let out = w.run(&args);
        assert_input_error(
            &out,
            &format!("{args:?}"),
            &["not an undersigned ledger", &shown, "undersigned init"],
        );
        assert!(!ledger.exists(), "{args:?} created the ledger directory");
    }
}

#[test]
fn plain_git_repository_is_not_a_ledger() {
    let w = World::new();
    let hrw = w.ssh_keygen("hrw");
    let hrw = hrw.to_str().expect("utf-8");
    std::fs::create_dir_all(w.ledger()).expect("mkdir");
    w.git_ok(&["init", "-q", "-b", "main"]);
    let shown = w.ledger().display().to_string();
    let commands = [
        vec!["sign", "icc", "--org", "hrw", "--key", hrw],
        vec!["verify"],
        vec!["audit", "icc"],
    ];
    // An empty repository (no commits), then one with an unrelated commit on main.
    for stage in ["empty", "with a commit"] {
        if stage == "with a commit" {
            std::fs::write(w.ledger().join("README"), "not a ledger\n").expect("write");
            w.git_ok(&["add", "README"]);
            git_commit(&w, "unrelated");
        }
        let before = dir_contents(&w.ledger());
        for args in &commands {
            let out = w.run(args);
            assert_input_error(
                &out,
                &format!("{stage}: {args:?}"),
                &["not an undersigned ledger", &shown],
            );
            assert_eq!(
                dir_contents(&w.ledger()),
                before,
                "{stage}: {args:?} changed the repository"
            );
        }
    }
}

// ---------------------------------------------------------------- init

#[test]
fn init_on_existing_ledger_already_exists() {
    let w = World::new();
    w.init();
    let head = w.head();
    let before = dir_contents(&w.ledger());
    let other = w.ssh_keygen("other");
    for key in [
        w.key_arg("editor"),
        other.to_str().expect("utf-8").to_string(),
    ] {
        let out = w.run(&["init", "--name", "Again", "--key", &key]);
        assert_input_error(
            &out,
            "init again",
            &["already exists", &w.ledger().display().to_string()],
        );
        assert_eq!(w.head(), head);
        assert_eq!(
            dir_contents(&w.ledger()),
            before,
            "init again touched the ledger"
        );
    }
    w.ok(&["verify"]);
}

#[test]
fn init_in_non_empty_directory_is_refused() {
    let w = World::new();
    let editor = w.ssh_keygen("editor");
    let dir = w.ledger();
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("notes.txt"), "my notes\n").expect("write");
    std::fs::write(dir.join("sub").join("a.txt"), "a\n").expect("write");
    let before = dir_contents(&dir);
    let out = w.run(&[
        "init",
        "--name",
        "X",
        "--key",
        editor.to_str().expect("utf-8"),
    ]);
    assert_input_error(
        &out,
        "init non-empty",
        &["not empty", &dir.display().to_string()],
    );
    assert_eq!(dir_contents(&dir), before, "files were touched");
    assert!(!dir.join(".git").exists(), "a .git was created");
    // A lone file where the directory should be is refused as well.
    let file = w.path().join("a-file");
    std::fs::write(&file, "x\n").expect("write");
    let out = w.run(&[
        "init",
        "--ledger",
        file.to_str().expect("utf-8"),
        "--name",
        "X",
        "--key",
        editor.to_str().expect("utf-8"),
    ]);
    assert_input_error(&out, "init on a file", &["not empty"]);
    assert_eq!(std::fs::read(&file).expect("read"), b"x\n");
}

#[test]
fn init_into_missing_directory_creates_it() {
    let w = World::new();
    let editor = w.ssh_keygen("editor");
    let dir = w.path().join("deep").join("nested").join("ledger");
    let dir_s = dir.to_str().expect("utf-8");
    let out = w.json(&[
        "init",
        "--ledger",
        dir_s,
        "--name",
        "Nested",
        "--key",
        editor.to_str().expect("utf-8"),
    ]);
    let id = out["ledger_id"].as_str().expect("ledger_id");
    assert!(dir.join("ledger.json").is_file());
    let v = w.json(&["verify", "--ledger", dir_s, "--trust", id]);
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn failed_init_leaves_no_directory() {
    let w = World::new();
    let editor = w.ssh_keygen("editor");
    let editor = editor.to_str().expect("utf-8");
    let junk = w.write_file("junk-key", "not a key\n");
    let dir = w.path().join("new-ledger");
    let dir_s = dir.to_str().expect("utf-8");
    for (args, fragment) in [
        (
            vec!["init", "--ledger", dir_s, "--name", "", "--key", editor],
            "--name",
        ),
        (
            vec![
                "init", "--ledger", dir_s, "--name", "X", "--editor", "Bad", "--key", editor,
            ],
            "not valid",
        ),
        (
            vec![
                "init",
                "--ledger",
                dir_s,
                "--name",
                "X",
                "--editor-name",
                "a\nb",
                "--key",
                editor,
            ],
            "--editor-name",
        ),
        (
            vec![
                "init",
                "--ledger",
                dir_s,
                "--name",
                "X",
                "--key",
                junk.as_str(),
            ],
            junk.as_str(),
        ),
    ] {
        let out = w.run(&args);
        assert_input_error(&out, &format!("{args:?}"), &[fragment]);
        assert!(!dir.exists(), "{args:?} left a directory behind");
    }
    // The same directory then takes a ledger.
    w.ok(&["init", "--ledger", dir_s, "--name", "X", "--key", editor]);
}

// ---------------------------------------------------------------- keys (--key)

/// The key file is refused for an editor act and for an organization's act, naming the file.
fn key_refused(w: &World, key: &str, fragment: &str) {
    refused(
        w,
        &["org", "add", "new-org", "--name", "New", "--key", key],
        &[key, fragment],
    );
    refused(
        w,
        &["sign", "icc", "--org", "hrw", "--key", key],
        &[key, fragment],
    );
    refused(
        w,
        &[
            "statement",
            "revise",
            "icc",
            "--text",
            &w.write_file("v2.txt", "Other text.\n"),
            "--key",
            key,
        ],
        &[key, fragment],
    );
}

#[test]
fn key_file_of_random_text_is_refused() {
    let w = World::new();
    w.standard();
    let key = w.write_file("not-a-key", "hello, I am not a key\n");
    key_refused(&w, &key, "not an OpenSSH private key");
    // The advice is the command line's own.
    key_refused(&w, &key, "make one with `undersigned key new FILE`");
}

#[test]
fn key_file_that_is_a_public_key_is_refused() {
    let w = World::new();
    w.standard();
    let key = format!("{}.pub", w.key_arg("hrw"));
    key_refused(&w, &key, "public key");
}

#[test]
fn missing_key_file_is_refused() {
    let w = World::new();
    w.standard();
    let key = w
        .path()
        .join("keys")
        .join("nope")
        .to_str()
        .expect("utf-8")
        .to_string();
    key_refused(&w, &key, "cannot read key file");
}

#[test]
fn rsa_key_is_refused() {
    let w = World::new();
    w.standard();
    let key = ssh_keygen_type(&w, "rsa", &["-t", "rsa", "-b", "2048", "-N", ""]);
    key_refused(&w, &key, "ed25519");
}

#[test]
fn ecdsa_key_is_refused() {
    let w = World::new();
    w.standard();
    let key = ssh_keygen_type(&w, "ecdsa", &["-t", "ecdsa", "-N", ""]);
    key_refused(&w, &key, "ed25519");
}

#[test]
fn key_directory_is_refused() {
    let w = World::new();
    w.standard();
    let key = w.path().join("keys").to_str().expect("utf-8").to_string();
    key_refused(&w, &key, "not an OpenSSH private key");
}

// ---------------------------------------------------------------- public keys (--pubkey)

fn pubkey_refused(w: &World, pubkey: &str, fragments: &[&str]) {
    let e = w.key_arg("editor");
    refused(
        w,
        &[
            "org", "add", "new-org", "--name", "New", "--pubkey", pubkey, "--key", &e,
        ],
        fragments,
    );
    refused(
        w,
        &[
            "editor", "add", "alice", "--name", "Alice", "--pubkey", pubkey, "--key", &e,
        ],
        fragments,
    );
    refused(
        w,
        &["org", "add-key", "quiet", "--pubkey", pubkey, "--key", &e],
        fragments,
    );
}

#[test]
fn rsa_public_key_is_refused() {
    let w = World::new();
    w.standard();
    let rsa = ssh_keygen_type(&w, "rsa", &["-t", "rsa", "-b", "2048", "-N", ""]);
    let file = format!("{rsa}.pub");
    pubkey_refused(&w, &file, &["public key", &file, "ed25519"]);
    let line = std::fs::read_to_string(&file).expect("read pub");
    pubkey_refused(&w, line.trim(), &["public key", "ed25519"]);
}

#[test]
fn private_key_file_as_pubkey_is_refused() {
    let w = World::new();
    w.standard();
    let private = w.ssh_keygen("newcomer");
    let private = private.to_str().expect("utf-8");
    pubkey_refused(&w, private, &["public key", private, "private key", ".pub"]);
}

#[test]
fn garbage_pubkey_is_refused() {
    let w = World::new();
    w.standard();
    pubkey_refused(
        &w,
        "ssh-ed25519 AAAAnotbase64!!",
        &["public key", "not an OpenSSH public key"],
    );
    let file = w.write_file("garbage.pub", "this is not a key at all\n");
    pubkey_refused(&w, &file, &["public key", &file]);
    let missing = w
        .path()
        .join("missing.pub")
        .to_str()
        .expect("utf-8")
        .to_string();
    pubkey_refused(&w, &missing, &[&missing]);
}

// ---------------------------------------------------------------- passphrases

/// A ledger whose editor key is passphrase-protected (`secret`), made by stock ssh-keygen.
fn encrypted_editor(w: &World) -> String {
    let key = ssh_keygen_type(w, "locked", &["-t", "ed25519", "-N", "secret"]);
    let out = w
        .cmd()
        .env("UNDERSIGNED_PASSPHRASE", "secret")
        .args(["init", "--name", "Locked", "--key", &key])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "init with encrypted key: {}", stderr(&out));
    key
}

#[test]
fn encrypted_key_without_passphrase_and_no_tty_is_refused() {
    let w = World::new();
    let key = encrypted_editor(&w);
    refused(
        &w,
        &["org", "add", "hrw", "--name", "HRW", "--key", &key],
        &[&key, "UNDERSIGNED_PASSPHRASE"],
    );
    // Positive control: with the passphrase the same act goes through.
    let out = w
        .cmd()
        .env("UNDERSIGNED_PASSPHRASE", "secret")
        .args(["org", "add", "hrw", "--name", "HRW", "--key", &key])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn wrong_passphrase_is_refused() {
    let w = World::new();
    let key = encrypted_editor(&w);
    let before = w.snapshot();
    for wrong in ["wrong", ""] {
        let out = w
            .cmd()
            .env("UNDERSIGNED_PASSPHRASE", wrong)
            .args(["org", "add", "hrw", "--name", "HRW", "--key", &key])
            .output()
            .expect("run");
        assert_input_error(
            &out,
            &format!("passphrase {wrong:?}"),
            &[&key, "wrong passphrase"],
        );
        assert_eq!(w.snapshot(), before);
    }
}

// ---------------------------------------------------------------- organization ids and fields

#[test]
fn org_add_refuses_invalid_slugs() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    let long = "a".repeat(65);
    for id in [
        "Upper",
        "a/b",
        "..",
        "a b",
        "",
        long.as_str(),
        "a_b",
        "../x",
        "é",
    ] {
        let line = refused(
            &w,
            &["org", "add", id, "--name", "Some org", "--key", &e],
            &["not valid", "organization id"],
        );
        assert!(
            line.contains(&format!("{id:?}")),
            "the id is not named: {line}"
        );
    }
    assert!(
        !w.ledger().join("orgs").exists(),
        "an orgs directory appeared"
    );
    // 64 characters is the limit, and is accepted.
    w.ok(&["org", "add", &"a".repeat(64), "--name", "Long", "--key", &e]);
}

#[test]
fn duplicate_org_already_exists() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    refused(
        &w,
        &["org", "add", "hrw", "--name", "Another HRW", "--key", &e],
        &["organization \"hrw\"", "already exists"],
    );
    refused(
        &w,
        &["org", "add", "quiet", "--name", "Quiet Org", "--key", &e],
        &["organization \"quiet\"", "already exists"],
    );
}

#[test]
fn bad_country_is_refused() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    for c in ["Sweden", "se", "S", "SWE"] {
        refused(
            &w,
            &[
                "org",
                "add",
                "x",
                "--name",
                "X",
                "--country",
                c,
                "--key",
                &e,
            ],
            &["--country", c],
        );
    }
    w.ok(&[
        "org",
        "add",
        "x",
        "--name",
        "X",
        "--country",
        "SE",
        "--key",
        &e,
    ]);
}

#[test]
fn bad_url_is_refused() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    for u in ["ftp://x", "example.org", "https://a b"] {
        refused(
            &w,
            &["org", "add", "x", "--name", "X", "--url", u, "--key", &e],
            &["--url", "http"],
        );
    }
    w.ok(&[
        "org",
        "add",
        "x",
        "--name",
        "X",
        "--url",
        "https://example.org",
        "--key",
        &e,
    ]);
}

#[test]
fn bad_org_name_is_refused() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    let long = "a".repeat(5000);
    for n in ["", "   ", "two\nlines", " padded", long.as_str()] {
        refused(
            &w,
            &["org", "add", "x", "--name", n, "--key", &e],
            &["--name"],
        );
    }
}

// ---------------------------------------------------------------- statements

#[test]
fn non_utf8_text_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let file = w.path().join("files").join("latin1.txt");
    std::fs::write(&file, [b'o', b'k', 0xff, 0xfe, b'\n']).expect("write");
    let file = file.to_str().expect("utf-8");
    refused(
        &w,
        &[
            "statement",
            "new",
            "other",
            "--title",
            "Other",
            "--text",
            file,
            "--key",
            &e,
        ],
        &[file, "UTF-8"],
    );
    refused(
        &w,
        &["statement", "revise", "icc", "--text", file, "--key", &e],
        &[file, "UTF-8"],
    );
}

#[test]
fn empty_text_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    for (name, content) in [("empty.txt", ""), ("blank.txt", " \n\n\t\n")] {
        let file = w.write_file(name, content);
        refused(
            &w,
            &[
                "statement",
                "new",
                "other",
                "--title",
                "Other",
                "--text",
                &file,
                "--key",
                &e,
            ],
            &[&file, "empty"],
        );
        refused(
            &w,
            &["statement", "revise", "icc", "--text", &file, "--key", &e],
            &[&file, "empty"],
        );
    }
    let nul = w.write_file("nul.txt", "a\0b\n");
    refused(
        &w,
        &[
            "statement",
            "new",
            "other",
            "--title",
            "Other",
            "--text",
            &nul,
            "--key",
            &e,
        ],
        &[&nul, "NUL"],
    );
    let ok_text = w.write_file("ok.txt", "Fine text.\n");
    for title in ["", "two\nlines"] {
        refused(
            &w,
            &[
                "statement",
                "new",
                "other",
                "--title",
                title,
                "--text",
                &ok_text,
                "--key",
                &e,
            ],
            &["--title"],
        );
    }
    let missing = w
        .path()
        .join("files")
        .join("missing.txt")
        .to_str()
        .expect("utf-8")
        .to_string();
    refused(
        &w,
        &[
            "statement",
            "new",
            "other",
            "--title",
            "Other",
            "--text",
            &missing,
            "--key",
            &e,
        ],
        &[&missing],
    );
}

#[test]
fn revise_with_identical_text_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    // The same bytes as version 1 (see `World::standard`).
    let same = w.write_file(
        "same.txt",
        "On behalf of 2 organizations, we urge states.\n",
    );
    refused(
        &w,
        &["statement", "revise", "icc", "--text", &same, "--key", &e],
        &["identical", "icc"],
    );
}

#[test]
fn revise_unknown_statement_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let text = w.write_file("t.txt", "Some text.\n");
    let line = refused(
        &w,
        &["statement", "revise", "nope", "--text", &text, "--key", &e],
        &["statement \"nope\"", "not in this ledger"],
    );
    assert!(
        line.contains("icc"),
        "the known statements are listed: {line}"
    );
    refused(
        &w,
        &[
            "statement",
            "revise",
            "Bad/Id",
            "--text",
            &text,
            "--key",
            &e,
        ],
        &["not valid"],
    );
}

#[test]
fn new_statement_that_exists_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let text = w.write_file("t.txt", "A different text.\n");
    refused(
        &w,
        &[
            "statement",
            "new",
            "icc",
            "--title",
            "ICC again",
            "--text",
            &text,
            "--key",
            &e,
        ],
        &["\"icc\"", "already exists", "statement revise"],
    );
}

#[test]
fn statement_text_from_stdin_works() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let text = "Read from standard input.\nSecond line.\n";
    let out = w
        .cmd()
        .args([
            "--json",
            "statement",
            "new",
            "piped",
            "--title",
            "Piped",
            "--text",
            "-",
            "--key",
            &e,
        ])
        .write_stdin(text)
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["changed"], true, "{v}");
    let show = w.json(&["show", "piped"]);
    assert_eq!(show["text"], text, "{show}");
    assert_eq!(show["version"], 1);
    // An empty standard input is refused like an empty file.
    let before = w.snapshot();
    let out = w
        .cmd()
        .args(["statement", "revise", "piped", "--text", "-", "--key", &e])
        .write_stdin("")
        .output()
        .expect("run");
    assert_input_error(&out, "empty stdin", &["empty"]);
    assert_eq!(w.snapshot(), before);
}

/// `log STMT` names the unknown statement and the known ones, from the head's tree (before the
/// replay of the whole history, which is what a log otherwise costs).
#[test]
fn log_of_an_unknown_statement_is_refused_with_the_known_ones() {
    let w = World::new();
    w.standard();
    refused(
        &w,
        &["log", "nope"],
        &[
            "statement \"nope\"",
            "not in this ledger",
            "statements here: icc",
        ],
    );
}

// ---------------------------------------------------------------- sign

#[test]
fn sign_unknown_statement_is_refused() {
    let w = World::new();
    w.standard();
    refused(
        &w,
        &["sign", "nope", "--org", "hrw", "--key", &w.key_arg("hrw")],
        &["statement \"nope\"", "not in this ledger"],
    );
}

#[test]
fn sign_unknown_org_is_refused() {
    let w = World::new();
    w.standard();
    refused(
        &w,
        &["sign", "icc", "--org", "nope", "--key", &w.key_arg("hrw")],
        &["organization \"nope\"", "not in this ledger", "org add"],
    );
}

#[test]
fn sign_unknown_version_is_refused() {
    let w = World::new();
    w.standard();
    refused(
        &w,
        &[
            "sign",
            "icc",
            "--org",
            "hrw",
            "--version",
            "9",
            "--key",
            &w.key_arg("hrw"),
        ],
        &["icc v9", "not in this ledger", "versions 1 to 1"],
    );
    refused(
        &w,
        &[
            "sign",
            "icc",
            "--org",
            "hrw",
            "--version",
            "0",
            "--key",
            &w.key_arg("hrw"),
        ],
        &["icc v0"],
    );
}

#[test]
fn sign_with_another_orgs_key_is_refused() {
    let w = World::new();
    w.standard();
    let fidh = w.key_arg("fidh");
    refused(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &fidh],
        &[&fidh, "not the key of org/hrw"],
    );
}

#[test]
fn sign_with_editor_key_points_to_attest() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    refused(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &e],
        &[&e, "not the key of org/hrw", "attest"],
    );
}

#[test]
fn keyless_org_signing_points_to_attest() {
    let w = World::new();
    w.standard();
    for key in [w.key_arg("editor"), w.key_arg("hrw")] {
        refused(
            &w,
            &["sign", "icc", "--org", "quiet", "--key", &key],
            &["org/quiet", "no registered key", "attest"],
        );
    }
}

#[test]
fn signing_an_endorsed_version_again_changes_nothing() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    let first = w.json(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    assert_eq!(first["changed"], true, "{first}");
    let before = w.snapshot();
    let again = w.json(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    assert_eq!(again["changed"], false, "{again}");
    assert!(again.get("commit").is_none(), "{again}");
    assert_eq!(again["paths"], serde_json::json!([]), "{again}");
    let again = w.json(&[
        "sign",
        "icc",
        "--org",
        "hrw",
        "--version",
        "1",
        "--key",
        &hrw,
    ]);
    assert_eq!(again["changed"], false, "{again}");
    assert_eq!(w.snapshot(), before, "signing again wrote something");
}

// ---------------------------------------------------------------- withdraw

#[test]
fn withdraw_without_endorsement_is_refused() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    refused(
        &w,
        &["withdraw", "icc", "--org", "hrw", "--key", &hrw],
        &["org/hrw", "nothing to withdraw"],
    );
    // After an endorsement and a withdrawal, nothing is in force again.
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &hrw]);
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "hrw",
        "--reason",
        "changed our mind",
        "--key",
        &hrw,
    ]);
    refused(
        &w,
        &["withdraw", "icc", "--org", "hrw", "--key", &hrw],
        &["nothing to withdraw"],
    );
}

#[test]
fn editor_withdrawing_without_evidence_is_refused() {
    let w = World::new();
    w.standard();
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    let e = w.key_arg("editor");
    refused(
        &w,
        &["withdraw", "icc", "--org", "hrw", "--key", &e],
        &[&e, "not the key of org/hrw", "--evidence"],
    );
    // With evidence the editor may record it.
    let evidence = w.write_file("mail.eml", "From: hrw\n\nPlease withdraw us.\n");
    let v = w.json(&[
        "withdraw",
        "icc",
        "--org",
        "hrw",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]);
    assert_eq!(v["changed"], true, "{v}");
}

// ---------------------------------------------------------------- org key for editor acts

#[test]
fn org_key_cannot_do_editor_acts() {
    let w = World::new();
    w.standard();
    let hrw = w.key_arg("hrw");
    let expected = [hrw.as_str(), "not the key of an editor"];
    refused(
        &w,
        &["org", "add", "new-org", "--name", "New", "--key", &hrw],
        &expected,
    );
    let text = w.write_file("v2.txt", "On behalf of 3 organizations, we urge states.\n");
    refused(
        &w,
        &["statement", "revise", "icc", "--text", &text, "--key", &hrw],
        &expected,
    );
    refused(
        &w,
        &[
            "statement",
            "new",
            "other",
            "--title",
            "Other",
            "--text",
            &text,
            "--key",
            &hrw,
        ],
        &expected,
    );
    let alice = w.ssh_keygen("alice");
    let alice_pub = format!("{}.pub", alice.display());
    refused(
        &w,
        &[
            "editor", "add", "alice", "--name", "Alice", "--pubkey", &alice_pub, "--key", &hrw,
        ],
        &expected,
    );
    let evidence = w.write_file("mail.eml", "yes\n");
    refused(
        &w,
        &[
            "attest",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            &evidence,
            "--key",
            &hrw,
        ],
        &expected,
    );
}

// ---------------------------------------------------------------- damaged record

#[test]
fn damaged_org_record_is_refused() {
    let w = World::new();
    w.standard();
    let path = org_record(&w, "hrw");
    std::fs::write(w.ledger().join(&path), "{ this is not json\n").expect("write");
    git_commit(&w, "break the record");
    let broken = w.head();
    let before = w.snapshot();
    let out = w.run(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    assert_input_error(
        &out,
        "sign on damaged record",
        &["damaged record", &path, &broken, "undersigned verify"],
    );
    assert_eq!(
        w.snapshot(),
        before,
        "undersigned wrote on top of a damaged record"
    );
    assert_eq!(w.head(), broken);
    // The ledger itself reports the break.
    let out = w.run(&["verify"]);
    assert_eq!(
        code(&out),
        1,
        "verify of the damaged ledger: {}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------- dirty work tree

/// Where `sign icc --org ORG` writes its first act.
fn first_act_path(org: &str) -> String {
    format!(
        "statements/icc/acts/{}/{org}/0001.json",
        undersigned::ids::fanout(org)
    )
}

/// Acts look only at the paths they write (so an act costs the same on a ledger of any size):
/// the user's files and edits elsewhere, staged or not, are left exactly as they were and are
/// not part of the ledger.
#[test]
fn edits_and_files_elsewhere_in_the_work_tree_are_left_alone() {
    let w = World::new();
    w.standard();
    let record = org_record(&w, "hrw");
    let committed = w.git_ok(&["show", &format!("HEAD:{record}")]);
    let edited = std::fs::read_to_string(w.ledger().join(&record))
        .expect("read")
        .replace("Org hrw", "Org hrw (edited by hand)");
    std::fs::write(w.ledger().join(&record), &edited).expect("edit");
    std::fs::write(w.ledger().join("junk.txt"), "junk\n").expect("write");
    std::fs::create_dir_all(w.ledger().join("drafts")).expect("mkdir");
    std::fs::write(w.ledger().join("drafts").join("v2.txt"), "draft\n").expect("write");
    std::fs::write(w.ledger().join("notes.txt"), "my notes\n").expect("write");
    w.git_ok(&["add", "notes.txt"]);
    let status = w.git_ok(&["status", "--porcelain", "--untracked-files=all"]);

    let e = w.key_arg("editor");
    let v = w.json(&["org", "add", "new-org", "--name", "New", "--key", &e]);
    assert_eq!(v["changed"], true, "{v}");
    let v = w.json(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    assert_eq!(v["changed"], true, "{v}");

    assert_eq!(
        std::fs::read_to_string(w.ledger().join(&record)).expect("read"),
        edited,
        "the user's edit is still in the work tree"
    );
    assert_eq!(
        w.git_ok(&["show", &format!("HEAD:{record}")]),
        committed,
        "and it is not part of the ledger"
    );
    for (f, text) in [
        ("junk.txt", "junk\n"),
        ("drafts/v2.txt", "draft\n"),
        ("notes.txt", "my notes\n"),
    ] {
        assert_eq!(
            std::fs::read_to_string(w.ledger().join(f)).expect(f),
            text,
            "{f}"
        );
    }
    assert_eq!(
        w.git_ok(&["status", "--porcelain", "--untracked-files=all"]),
        status,
        "git status shows the user's changes and nothing else"
    );
    let v = w.json(&["verify"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["endorsements"], 1, "{v}");
}

/// An act refuses to overwrite anything of the user's at a path it writes: a stray file where
/// its record goes, an edit (staged or not) of the `allowed_signers` it rewrites, a file where
/// its directory goes. Nothing changes; once the user's file is moved away, the act succeeds.
#[test]
fn an_act_that_would_overwrite_a_users_file_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let hrw = w.key_arg("hrw");
    let sign = ["sign", "icc", "--org", "hrw", "--key", hrw.as_str()];
    let ledger = w.ledger().display().to_string();

    // A stray file where the endorsement goes.
    let act = first_act_path("hrw");
    let stray = w.ledger().join(&act);
    std::fs::create_dir_all(stray.parent().expect("parent")).expect("mkdir");
    std::fs::write(&stray, "{\"mine\": true}\n").expect("write");
    refused(&w, &sign, &["uncommitted changes", &act, &ledger]);
    std::fs::remove_file(&stray).expect("rm");
    assert_eq!(w.json(&sign)["changed"], true);

    // allowed_signers edited by hand, then staged: an org with a key rewrites it.
    let k = w.ssh_keygen("keyed");
    let pubkey = format!("{}.pub", k.display());
    let org_add = [
        "org",
        "add",
        "keyed",
        "--name",
        "Keyed",
        "--pubkey",
        pubkey.as_str(),
        "--key",
        e.as_str(),
    ];
    let signers = w.ledger().join("allowed_signers");
    let mut text = std::fs::read_to_string(&signers).expect("read");
    text.push_str("# my note\n");
    std::fs::write(&signers, &text).expect("edit");
    refused(&w, &org_add, &["uncommitted changes", "allowed_signers"]);
    w.git_ok(&["add", "allowed_signers"]);
    refused(&w, &org_add, &["uncommitted changes", "allowed_signers"]);
    assert_eq!(
        std::fs::read_to_string(&signers).expect("read"),
        text,
        "the edit is kept"
    );
    w.git_ok(&["reset", "-q"]);
    w.git_ok(&["checkout", "--", "allowed_signers"]);
    assert_eq!(w.json(&org_add)["changed"], true);

    // A file where the new organization's directory goes.
    let dir = format!("orgs/{}/late", undersigned::ids::fanout("late"));
    std::fs::create_dir_all(w.ledger().join(&dir).parent().expect("parent")).expect("mkdir");
    std::fs::write(w.ledger().join(&dir), "not a directory\n").expect("write");
    let late = ["org", "add", "late", "--name", "Late", "--key", e.as_str()];
    refused(&w, &late, &["uncommitted changes", &dir]);
    std::fs::remove_file(w.ledger().join(&dir)).expect("rm");
    assert_eq!(w.json(&late)["changed"], true);

    assert_eq!(
        w.git_ok(&["status", "--porcelain", "--untracked-files=all"]),
        "",
        "the work tree equals the head again"
    );
    let v = w.json(&["verify"]);
    assert_eq!(v["ok"], true, "{v}");
}

// ---------------------------------------------------------------- usage errors

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let w = World::new();
    w.init();
    let before = w.snapshot();
    for args in [
        vec!["frobnicate"],
        vec!["org", "frobnicate"],
        vec!["sign", "icc", "--frob"],
    ] {
        let out = w.run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("error:"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(w.snapshot(), before);
}

#[test]
fn missing_required_flag_is_a_usage_error() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let before = w.snapshot();
    for (args, flag) in [
        (vec!["sign", "icc", "--key", e.as_str()], "--org"),
        (vec!["sign", "icc", "--org", "hrw"], "--key"),
        (vec!["org", "add", "x", "--key", e.as_str()], "--name"),
        (
            vec!["statement", "new", "x", "--title", "X", "--key", e.as_str()],
            "--text",
        ),
        (vec!["init", "--name", "X"], "--key"),
        (
            vec!["attest", "icc", "--org", "quiet", "--key", e.as_str()],
            "--evidence",
        ),
    ] {
        let out = w.run(&args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.contains("required") && err.contains(flag),
            "{args:?}: {err}"
        );
    }
    assert_eq!(w.snapshot(), before);
}

#[test]
fn verify_trust_must_be_hex() {
    let w = World::new();
    let id = w.init();
    for bad in ["notahex", "abc", &id[..39], &format!("{id}0")] {
        let line = refused(
            &w,
            &["verify", "--trust", bad],
            &["--trust", "40 hex digits"],
        );
        assert!(line.contains(bad), "{line}");
    }
    let v = w.json(&["verify", "--trust", &id]);
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn non_utf8_argument_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let w = World::new();
    w.init();
    let before = w.snapshot();
    let e = w.key_arg("editor");
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9");
    for (i, args) in [
        vec![
            std::ffi::OsStr::new("org"),
            "add".as_ref(),
            bad,
            "--name".as_ref(),
            "X".as_ref(),
        ],
        vec![
            "org".as_ref(),
            "add".as_ref(),
            "x".as_ref(),
            "--name".as_ref(),
            bad,
        ],
    ]
    .into_iter()
    .enumerate()
    {
        let out = w
            .cmd()
            .args(&args)
            .args(["--key", e.as_str()])
            .output()
            .expect("run");
        assert_eq!(code(&out), 2, "case {i}: {}", stderr(&out));
        assert!(stderr(&out).contains("UTF-8"), "case {i}: {}", stderr(&out));
    }
    assert_eq!(w.snapshot(), before);
}

/// Evidence that holds nothing proves nothing: attest and an attested withdrawal refuse it,
/// naming the file, and the ledger is left as it was.
#[test]
fn empty_evidence_is_refused() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let empty = w.write_file("empty.eml", "");
    let before = w.snapshot();
    for args in [
        vec![
            "attest",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            &empty,
            "--key",
            &e,
        ],
        vec![
            "withdraw",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            &empty,
            "--key",
            &e,
        ],
    ] {
        let out = w.run(&args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.contains("empty.eml") && err.contains("is empty"),
            "{args:?}: {err}"
        );
        assert_eq!(w.snapshot(), before, "{args:?} changed the ledger");
    }
    let some = w.write_file("consent.eml", "From: quiet\n\nWe sign.\n");
    w.ok(&[
        "attest",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &some,
        "--key",
        &e,
    ]);
}
