//! End-to-end tests of the single-machine coalition workflow through the built binary: keys,
//! init, editors, organizations, statements, signing, attesting, revising, withdrawing, and the
//! read commands — each cross-checked with stock `ssh-keygen`, `git` and `sha256sum`.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command as StdCommand, Output, Stdio};

// ---------------------------------------------------------------------------------------------
// Helpers (local to this module)
// ---------------------------------------------------------------------------------------------

/// Runs `undersigned ARGS` with extra environment variables (no assertion).
fn run_env(w: &World, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = w.cmd();
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run undersigned")
}

/// Asserts success of an output and returns its stdout.
fn expect_ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

/// Runs an act with `--json` (and extra env), asserts it changed the ledger, returns the commit.
fn act_env(w: &World, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run_env(w, env, &all);
    let v: Value =
        serde_json::from_str(&expect_ok(&out, &format!("undersigned {all:?}"))).expect("JSON");
    assert_eq!(
        v["changed"],
        Value::Bool(true),
        "act {args:?} did not change the ledger: {v}"
    );
    let commit = v["commit"]
        .as_str()
        .expect("commit in act output")
        .to_string();
    assert_eq!(commit.len(), 40, "commit id {commit}");
    commit
}

/// Runs an act with `--json`, asserts it changed the ledger, returns the commit.
fn act(w: &World, args: &[&str]) -> String {
    act_env(w, &[], args)
}

/// Stock tool, returning its output.
fn stock(program: &str, args: &[&str]) -> Output {
    StdCommand::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

/// Stock tool with stdin.
fn stock_stdin(program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = StdCommand::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// sha256 as lowercase hex, computed by stock `sha256sum`.
fn sha256sum(bytes: &[u8]) -> String {
    let out = stock_stdin("sha256sum", &[], bytes);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

/// The `SHA256:...` fingerprint stock `ssh-keygen -lf` prints for a key file.
fn ssh_fingerprint(file: &str) -> String {
    let out = stock("ssh-keygen", &["-lf", file]);
    assert!(
        out.status.success(),
        "ssh-keygen -lf {file}: {}",
        stderr(&out)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let fp = text
        .split_whitespace()
        .nth(1)
        .expect("fingerprint field")
        .to_string();
    assert!(fp.starts_with("SHA256:"), "{text}");
    fp
}

/// A key made by stock ssh-keygen with a passphrase.
fn ssh_keygen_with_passphrase(w: &World, name: &str, passphrase: &str) -> String {
    let path = w.key(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("keys dir");
    let p = path.to_str().expect("utf-8").to_string();
    let out = stock(
        "ssh-keygen",
        &[
            "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", &p,
        ],
    );
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    p
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("array expected: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn sorted(v: &Value) -> Vec<String> {
    let mut s = strings(v);
    s.sort();
    s
}

/// `undersigned --json ARGS` parsed, whatever the exit status, with the status.
fn json_any(w: &World, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = w.run(&all);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON from {all:?}: {e}; stdout {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code(&out), v)
}

/// The ledger's genesis commit according to stock git.
fn git_root(w: &World) -> String {
    w.git_ok(&["rev-list", "--max-parents=0", "refs/heads/main"])
        .trim()
        .to_string()
}

fn git_commit_count(w: &World) -> u64 {
    w.git_ok(&["rev-list", "--count", "refs/heads/main"])
        .trim()
        .parse()
        .expect("count")
}

/// A std (spawnable) command for the binary with the same sandbox as `World::cmd`.
fn spawnable(w: &World) -> StdCommand {
    let mut c = StdCommand::new(env!("CARGO_BIN_EXE_undersigned"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("UNDERSIGNED_LEDGER", w.ledger())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

// ---------------------------------------------------------------------------------------------
// 1. Keys
// ---------------------------------------------------------------------------------------------

#[test]
fn key_new_writes_0600_private_key_and_pub_with_ssh_keygen_fingerprint() {
    let w = World::new();
    let path = w.key("mine");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("keys dir");
    let p = path_str(&path);
    let out = w.ok(&["key", "new", "--no-passphrase", &p]);
    let printed = out.trim();
    assert!(
        printed.starts_with("SHA256:"),
        "key new prints the fingerprint: {out}"
    );
    assert_eq!(mode(&path), 0o600, "private key is 0600");
    let pubfile = format!("{p}.pub");
    assert!(Path::new(&pubfile).is_file(), "FILE.pub written");
    assert_eq!(
        printed,
        ssh_fingerprint(&pubfile),
        "same fingerprint as ssh-keygen -lf FILE.pub"
    );
    // ssh-keygen reads the private key and derives the same public key.
    let derived = stock("ssh-keygen", &["-y", "-f", &p]);
    assert!(
        derived.status.success(),
        "ssh-keygen -y: {}",
        stderr(&derived)
    );
    let pub_line = std::fs::read_to_string(&pubfile).expect("pub");
    let key_of = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    assert_eq!(
        key_of(&String::from_utf8_lossy(&derived.stdout)),
        key_of(&pub_line)
    );
    assert!(pub_line.starts_with("ssh-ed25519 "), "{pub_line}");

    // --json gives the same facts.
    let q = path_str(&w.key("other"));
    let v = w.json(&["key", "new", "--no-passphrase", &q]);
    assert_eq!(
        v["fingerprint"].as_str().expect("fp"),
        ssh_fingerprint(&format!("{q}.pub"))
    );
    assert_eq!(
        v["public_key"].as_str().expect("pk"),
        key_of(&std::fs::read_to_string(format!("{q}.pub")).expect("pub"))
    );
}

#[test]
fn key_new_never_overwrites_a_key_file() {
    let w = World::new();
    let k = w.new_key("k");
    let p = path_str(&k);
    let before = std::fs::read(&k).expect("key");
    let before_pub = std::fs::read(format!("{p}.pub")).expect("pub");
    let out = w.run(&["key", "new", "--no-passphrase", &p]);
    assert_eq!(code(&out), 2, "refused: {}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&k).expect("key"),
        before,
        "private key untouched"
    );
    assert_eq!(
        std::fs::read(format!("{p}.pub")).expect("pub"),
        before_pub,
        "public key untouched"
    );

    // An ssh-keygen key is not overwritten either.
    let s = w.ssh_keygen("stock");
    let s_before = std::fs::read(&s).expect("key");
    let out = w.run(&["key", "new", "--no-passphrase", &path_str(&s)]);
    assert_eq!(code(&out), 2);
    assert_eq!(std::fs::read(&s).expect("key"), s_before);

    // A lone FILE.pub also blocks: the pair would not match.
    let lone = w.key("lone");
    std::fs::write(format!("{}.pub", lone.display()), "keep me\n").expect("write");
    let out = w.run(&["key", "new", "--no-passphrase", &path_str(&lone)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!lone.exists(), "no private key written");
    assert_eq!(
        std::fs::read_to_string(format!("{}.pub", lone.display())).expect("pub"),
        "keep me\n"
    );
}

#[test]
fn ssh_keygen_keys_work_for_init_org_and_sign() {
    let w = World::new();
    let editor = w.ssh_keygen("editor");
    let e = path_str(&editor);
    let v = w.json(&["init", "--name", "Stock keys", "--key", &e]);
    assert_eq!(v["ledger_id"].as_str().expect("id"), git_root(&w));
    let hrw = w.ssh_keygen("hrw");
    act(
        &w,
        &[
            "org",
            "add",
            "hrw",
            "--name",
            "HRW",
            "--pubkey",
            &format!("{}.pub", hrw.display()),
            "--key",
            &e,
        ],
    );
    let text = w.write_file("t.txt", "We urge states to cooperate.\n");
    act(
        &w,
        &[
            "statement",
            "new",
            "s",
            "--title",
            "S",
            "--text",
            &text,
            "--key",
            &e,
        ],
    );
    act(&w, &["sign", "s", "--org", "hrw", "--key", &path_str(&hrw)]);
    let a = w.json(&["audit", "s"]);
    assert_eq!(strings(&a["current"]), vec!["hrw"]);
    let end = &a["versions"][0]["endorsements"][0];
    assert_eq!(
        end["key"].as_str().expect("key"),
        ssh_fingerprint(&format!("{}.pub", hrw.display()))
    );
    let ver = w.json(&["verify"]);
    assert_eq!(ver["ok"], Value::Bool(true), "{ver}");
    assert_eq!(ver["ledger_id"].as_str().expect("id"), git_root(&w));
    w.assert_stock_git_agrees();
}

#[test]
fn passphrase_protected_ssh_keygen_keys_need_undersigned_passphrase() {
    let w = World::new();
    let editor = ssh_keygen_with_passphrase(&w, "editor", "secret");

    // init without the passphrase: refused, no ledger created.
    let out = w.run(&["init", "--name", "P", "--key", &editor]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("passphrase"), "{}", stderr(&out));
    assert!(
        !w.ledger().join(".git").exists(),
        "no repository after a refused init"
    );

    let pass = [("UNDERSIGNED_PASSPHRASE", "secret")];
    let out = run_env(
        &w,
        &pass,
        &["--json", "init", "--name", "P", "--key", &editor],
    );
    let v: Value = serde_json::from_str(&expect_ok(&out, "init with passphrase")).expect("JSON");
    assert_eq!(v["ledger_id"].as_str().expect("id"), git_root(&w));

    let org = ssh_keygen_with_passphrase(&w, "org", "orgpass");
    act_env(
        &w,
        &[("UNDERSIGNED_PASSPHRASE", "secret")],
        &[
            "org",
            "add",
            "org",
            "--name",
            "Org",
            "--pubkey",
            &format!("{org}.pub"),
            "--key",
            &editor,
        ],
    );
    let text = w.write_file("t.txt", "Text.\n");
    act_env(
        &w,
        &pass,
        &[
            "statement",
            "new",
            "s",
            "--title",
            "S",
            "--text",
            &text,
            "--key",
            &editor,
        ],
    );

    // sign without / with a wrong passphrase: refused, ledger unchanged.
    let before = w.snapshot();
    let out = w.run(&["sign", "s", "--org", "org", "--key", &org]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("passphrase-protected"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.snapshot(), before);
    let out = run_env(
        &w,
        &[("UNDERSIGNED_PASSPHRASE", "wrong")],
        &["sign", "s", "--org", "org", "--key", &org],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("wrong passphrase"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.snapshot(), before);

    act_env(
        &w,
        &[("UNDERSIGNED_PASSPHRASE", "orgpass")],
        &["sign", "s", "--org", "org", "--key", &org],
    );
    let a = w.json(&["audit", "s"]);
    assert_eq!(strings(&a["current"]), vec!["org"]);
    assert_eq!(
        a["versions"][0]["endorsements"][0]["key"]
            .as_str()
            .expect("key"),
        ssh_fingerprint(&format!("{org}.pub"))
    );
    assert_eq!(w.json(&["verify"])["ok"], Value::Bool(true));
    w.assert_stock_git_agrees();
}

#[test]
fn key_new_encrypt_writes_a_key_ssh_keygen_opens_with_the_passphrase() {
    let w = World::new();
    let k = w.key("enc");
    std::fs::create_dir_all(k.parent().expect("parent")).expect("keys dir");
    let p = path_str(&k);
    let out = run_env(
        &w,
        &[("UNDERSIGNED_PASSPHRASE", "secret")],
        &["key", "new", "--encrypt", &p],
    );
    let printed = expect_ok(&out, "key new --encrypt");
    assert_eq!(mode(&k), 0o600);
    assert_eq!(printed.trim(), ssh_fingerprint(&format!("{p}.pub")));

    let ok = stock("ssh-keygen", &["-y", "-P", "secret", "-f", &p]);
    assert!(
        ok.status.success(),
        "ssh-keygen -y -P secret: {}",
        stderr(&ok)
    );
    let pub_line = std::fs::read_to_string(format!("{p}.pub")).expect("pub");
    let key_of = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    assert_eq!(
        key_of(&String::from_utf8_lossy(&ok.stdout)),
        key_of(&pub_line)
    );
    // It really is encrypted: no passphrase and a wrong one fail.
    assert!(
        !stock("ssh-keygen", &["-y", "-P", "", "-f", &p])
            .status
            .success(),
        "key is encrypted"
    );
    assert!(!stock("ssh-keygen", &["-y", "-P", "nope", "-f", &p])
        .status
        .success());

    // Without a passphrase source, --encrypt refuses and writes nothing.
    let k2 = w.key("enc2");
    let out = w.run(&["key", "new", "--encrypt", &path_str(&k2)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!k2.exists() && !Path::new(&format!("{}.pub", k2.display())).exists());

    // The encrypted key works with undersigned itself.
    let out = run_env(
        &w,
        &[("UNDERSIGNED_PASSPHRASE", "secret")],
        &["--json", "init", "--name", "E", "--key", &p],
    );
    expect_ok(&out, "init with encrypted key");
    assert_eq!(w.json(&["verify"])["ok"], Value::Bool(true));
    w.assert_stock_git_agrees();
}

// ---------------------------------------------------------------------------------------------
// 2. The full coalition flow
// ---------------------------------------------------------------------------------------------

const EVIDENCE_ENDORSE: &str = "From: board@quiet.example\nSubject: ICC statement\n\nWe endorse it. EVIDENCE-MARKER-ENDORSE-5c1e\n";
const EVIDENCE_MAIL: &str =
    "From: chair@mail.example\n\nYes, count us in. EVIDENCE-MARKER-MAIL-91b0\n";
const EVIDENCE_WITHDRAW: &str =
    "From: board@quiet.example\n\nPlease remove us. EVIDENCE-MARKER-WITHDRAW-0d7f\n";
const TEXT_V1: &str =
    "We urge all states parties to cooperate fully with the Court.\nTEXT-MARKER-V1\n";
const TEXT_V2: &str =
    "We urge all states parties to cooperate fully and promptly with the Court.\nTEXT-MARKER-V2\n";

/// A ledger built through every act of the workflow, with what the acts reported.
struct Flow {
    w: World,
    root: String,
    init_stdout: String,
    editor_key: String,
    editor_fp: String,
    hrw_fp: String,
    fidh_fp: String,
    amn_fp: String,
    v1: String,
    v2: String,
    hrw1: String,
    fidh1: String,
    quiet1: String,
    hrw2: String,
    amn1: String,
    mail2: String,
    fidh_w: String,
    quiet_w: String,
    fidh3: String,
    ev_endorse: String,
    ev_mail: String,
    ev_withdraw: String,
    commits: Vec<String>,
}

/// Builds the flow:
/// init (key from `key new`), editor `second` (ssh-keygen key), orgs hrw (ssh-keygen, pubkey file),
/// fidh (passphrase key, pubkey line, added by `second`), amn (`key new`), quiet and mail (no key);
/// statement icc v1; hrw and fidh sign, quiet attested; revise to v2 with a note (by `second`);
/// hrw re-signs v2, amn signs v1 with --version 1, mail attested on v2; fidh withdraws (signed,
/// reason), quiet withdrawn by the editor with evidence; fidh re-endorses v2.
fn coalition_flow() -> Flow {
    let w = World::new();
    let editor = w.new_key("editor");
    let e = path_str(&editor);
    let editor_fp = ssh_fingerprint(&format!("{e}.pub"));

    let init_stdout = w.ok(&["init", "--name", "Coalition for the Court", "--key", &e]);
    let root = git_root(&w);
    let mut commits = vec![root.clone()];

    let second = w.ssh_keygen("second");
    let s = path_str(&second);
    commits.push(act(
        &w,
        &[
            "editor",
            "add",
            "second",
            "--name",
            "Second Editor",
            "--pubkey",
            &format!("{s}.pub"),
            "--key",
            &e,
        ],
    ));

    let hrw = w.ssh_keygen("hrw");
    let hrw_pub = format!("{}.pub", hrw.display());
    commits.push(act(
        &w,
        &[
            "org",
            "add",
            "hrw",
            "--name",
            "Human Rights Watch",
            "--pubkey",
            &hrw_pub,
            "--key",
            &e,
        ],
    ));
    let fidh = ssh_keygen_with_passphrase(&w, "fidh", "fidh-secret");
    let fidh_pub = format!("{fidh}.pub");
    let fidh_line = std::fs::read_to_string(&fidh_pub)
        .expect("pub")
        .trim()
        .to_string();
    commits.push(act(
        &w,
        &[
            "org",
            "add",
            "fidh",
            "--name",
            "International Federation for Human Rights",
            "--pubkey",
            &fidh_line,
            "--url",
            "https://www.fidh.org",
            "--country",
            "FR",
            "--key",
            &s,
        ],
    ));
    let amn = w.new_key("amn");
    let amn_pub = format!("{}.pub", amn.display());
    commits.push(act(
        &w,
        &[
            "org", "add", "amn", "--name", "Amnesty", "--pubkey", &amn_pub, "--key", &e,
        ],
    ));
    commits.push(act(
        &w,
        &[
            "org",
            "add",
            "quiet",
            "--name",
            "Quiet Association",
            "--key",
            &e,
        ],
    ));
    commits.push(act(
        &w,
        &[
            "org",
            "add",
            "mail",
            "--name",
            "Mail-Only Group",
            "--key",
            &e,
        ],
    ));

    let t1 = w.write_file("v1.txt", TEXT_V1);
    let v1 = act(
        &w,
        &[
            "statement",
            "new",
            "icc",
            "--title",
            "ICC cooperation",
            "--text",
            &t1,
            "--key",
            &e,
        ],
    );
    commits.push(v1.clone());

    let fidh_pass = [("UNDERSIGNED_PASSPHRASE", "fidh-secret")];
    let hrw1 = act(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &path_str(&hrw)],
    );
    let fidh1 = act_env(
        &w,
        &fidh_pass,
        &["sign", "icc", "--org", "fidh", "--key", &fidh],
    );
    let ev_endorse = w.write_file("quiet-endorse.eml", EVIDENCE_ENDORSE);
    let quiet1 = act(
        &w,
        &[
            "attest",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            &ev_endorse,
            "--key",
            &e,
        ],
    );
    commits.extend([hrw1.clone(), fidh1.clone(), quiet1.clone()]);

    let t2 = w.write_file("v2.txt", TEXT_V2);
    let v2 = act(
        &w,
        &[
            "statement",
            "revise",
            "icc",
            "--text",
            &t2,
            "--note",
            "Add: and promptly",
            "--key",
            &s,
        ],
    );
    commits.push(v2.clone());

    let hrw2 = act(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &path_str(&hrw)],
    );
    let amn1 = act(
        &w,
        &[
            "sign",
            "icc",
            "--org",
            "amn",
            "--version",
            "1",
            "--key",
            &path_str(&amn),
        ],
    );
    let ev_mail = w.write_file("mail-endorse.eml", EVIDENCE_MAIL);
    let mail2 = act(
        &w,
        &[
            "attest",
            "icc",
            "--org",
            "mail",
            "--evidence",
            &ev_mail,
            "--key",
            &e,
        ],
    );
    commits.extend([hrw2.clone(), amn1.clone(), mail2.clone()]);

    let fidh_w = act_env(
        &w,
        &fidh_pass,
        &[
            "withdraw",
            "icc",
            "--org",
            "fidh",
            "--reason",
            "Board did not approve",
            "--key",
            &fidh,
        ],
    );
    let ev_withdraw = w.write_file("quiet-withdraw.eml", EVIDENCE_WITHDRAW);
    let quiet_w = act(
        &w,
        &[
            "withdraw",
            "icc",
            "--org",
            "quiet",
            "--evidence",
            &ev_withdraw,
            "--reason",
            "Asked by e-mail",
            "--key",
            &e,
        ],
    );
    let fidh3 = act_env(
        &w,
        &fidh_pass,
        &["sign", "icc", "--org", "fidh", "--key", &fidh],
    );
    commits.extend([fidh_w.clone(), quiet_w.clone(), fidh3.clone()]);

    Flow {
        root,
        init_stdout,
        editor_key: e,
        editor_fp,
        hrw_fp: ssh_fingerprint(&hrw_pub),
        fidh_fp: ssh_fingerprint(&fidh_pub),
        amn_fp: ssh_fingerprint(&amn_pub),
        v1,
        v2,
        hrw1,
        fidh1,
        quiet1,
        hrw2,
        amn1,
        mail2,
        fidh_w,
        quiet_w,
        fidh3,
        ev_endorse,
        ev_mail,
        ev_withdraw,
        commits,
        w,
    }
}

#[test]
fn flow_init_prints_the_ledger_id_and_acts_form_a_linear_history() {
    let f = coalition_flow();
    let w = &f.w;
    assert_eq!(f.root.len(), 40);
    assert!(f.root.chars().all(|c| c.is_ascii_hexdigit()), "{}", f.root);
    assert!(
        f.init_stdout.contains(&f.root),
        "init prints the ledger id {}: {}",
        f.root,
        f.init_stdout
    );
    // One commit per act, in the order the acts ran, on one line of history.
    let listed: Vec<String> = w
        .git_ok(&["rev-list", "--reverse", "refs/heads/main"])
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(listed, f.commits);
    assert_eq!(
        w.git_ok(&["rev-list", "--min-parents=2", "refs/heads/main"]),
        "",
        "no merges"
    );
    assert_eq!(w.head(), f.fidh3);
    // A second init on the same ledger is refused and changes nothing.
    let before = w.snapshot();
    let out = w.run(&["init", "--name", "Again", "--key", &f.editor_key]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(w.snapshot(), before);
    // Nothing left uncommitted in the work tree.
    assert_eq!(before.1, "");
}

#[test]
fn flow_audit_json_reports_versions_endorsements_and_standing() {
    let f = coalition_flow();
    let a = f.w.json(&["audit", "icc"]);
    assert_eq!(a["statement"], "icc");
    assert_eq!(a["title"], "ICC cooperation");
    assert_eq!(a["current_version"], 2);
    let versions = a["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);

    let v1 = &versions[0];
    assert_eq!(v1["version"], 1);
    assert_eq!(
        v1["text_sha256"].as_str().expect("sha"),
        sha256sum(TEXT_V1.as_bytes())
    );
    assert_eq!(v1["author"], "editor/coordinator");
    assert_eq!(v1["commit"].as_str().expect("commit"), f.v1);
    assert!(v1.get("note").is_none(), "no note on v1: {v1}");
    assert!(
        v1.get("claimed_signatories").is_none(),
        "the text claims no count: {v1}"
    );

    let v2 = &versions[1];
    assert_eq!(v2["version"], 2);
    assert_eq!(
        v2["text_sha256"].as_str().expect("sha"),
        sha256sum(TEXT_V2.as_bytes())
    );
    assert_eq!(v2["author"], "editor/second");
    assert_eq!(v2["commit"].as_str().expect("commit"), f.v2);
    assert_eq!(v2["note"], "Add: and promptly");

    // Endorsements of v1, in ledger order, with provenance, keys, commits, paths and in_force.
    let e1 = v1["endorsements"].as_array().expect("endorsements");
    let rows: Vec<(&str, &str, &str, &str, &str, bool)> = e1
        .iter()
        .map(|e| {
            (
                e["org"].as_str().expect("org"),
                e["provenance"].as_str().expect("provenance"),
                e["key"].as_str().expect("key"),
                e["commit"].as_str().expect("commit"),
                e["path"].as_str().expect("path"),
                e["in_force"].as_bool().expect("in_force"),
            )
        })
        .collect();
    let (p_hrw1, p_fidh1, p_quiet1, p_amn1) = (
        act_path("hrw", 1),
        act_path("fidh", 1),
        act_path("quiet", 1),
        act_path("amn", 1),
    );
    assert_eq!(
        rows,
        vec![
            (
                "hrw",
                "signed",
                f.hrw_fp.as_str(),
                f.hrw1.as_str(),
                p_hrw1.as_str(),
                true
            ),
            (
                "fidh",
                "signed",
                f.fidh_fp.as_str(),
                f.fidh1.as_str(),
                p_fidh1.as_str(),
                false
            ),
            (
                "quiet",
                "attested",
                f.editor_fp.as_str(),
                f.quiet1.as_str(),
                p_quiet1.as_str(),
                false
            ),
            (
                "amn",
                "signed",
                f.amn_fp.as_str(),
                f.amn1.as_str(),
                p_amn1.as_str(),
                true
            ),
        ]
    );
    assert_eq!(e1[2]["attested_by"], "editor/coordinator");
    assert!(
        e1[0].get("attested_by").is_none(),
        "signed endorsements have no attested_by"
    );
    assert_eq!(e1[0]["name"], "Human Rights Watch");

    let e2 = v2["endorsements"].as_array().expect("endorsements");
    let rows: Vec<(&str, &str, &str, &str, bool)> = e2
        .iter()
        .map(|e| {
            (
                e["org"].as_str().expect("org"),
                e["provenance"].as_str().expect("provenance"),
                e["commit"].as_str().expect("commit"),
                e["path"].as_str().expect("path"),
                e["in_force"].as_bool().expect("in_force"),
            )
        })
        .collect();
    let (p_hrw2, p_mail1, p_fidh3) = (act_path("hrw", 2), act_path("mail", 1), act_path("fidh", 3));
    assert_eq!(
        rows,
        vec![
            ("hrw", "signed", f.hrw2.as_str(), p_hrw2.as_str(), true),
            ("mail", "attested", f.mail2.as_str(), p_mail1.as_str(), true),
            ("fidh", "signed", f.fidh3.as_str(), p_fidh3.as_str(), true),
        ]
    );
    assert_eq!(e2[1]["attested_by"], "editor/coordinator");
    assert_eq!(e2[2]["key"].as_str().expect("key"), f.fidh_fp);

    // Standing: fidh re-endorsed after withdrawing; amn only signed v1; quiet withdrew last.
    assert_eq!(sorted(&a["current"]), vec!["fidh", "hrw", "mail"]);
    assert_eq!(sorted(&a["stale"]), vec!["amn"]);
    assert_eq!(sorted(&a["withdrawn"]), vec!["quiet"]);
    let wd = a["withdrawals"].as_array().expect("withdrawals");
    assert_eq!(wd.len(), 1, "{wd:?}");
    assert_eq!(wd[0]["org"], "quiet");
    assert_eq!(wd[0]["provenance"], "attested");
    assert_eq!(wd[0]["attested_by"], "editor/coordinator");
    assert_eq!(wd[0]["reason"], "Asked by e-mail");
    assert_eq!(wd[0]["commit"].as_str().expect("commit"), f.quiet_w);
    assert_eq!(
        a["warnings"].as_array().expect("warnings").len(),
        0,
        "{}",
        a["warnings"]
    );

    // Every record path the audit names is in the head tree.
    for e in e1.iter().chain(e2) {
        let path = e["path"].as_str().expect("path");
        f.w.git_ok(&["cat-file", "-e", &format!("HEAD:{path}")]);
    }
}

#[test]
fn flow_records_withdrawals_with_reason_and_provenance() {
    let f = coalition_flow();
    let w = &f.w;
    let read = |path: &str| -> Value {
        serde_json::from_str(&w.git_ok(&["show", &format!("HEAD:{path}")])).expect("record JSON")
    };
    let fw = read(&act_path("fidh", 2));
    assert_eq!(fw["act"], "withdraw");
    assert_eq!(fw["org"], "fidh");
    assert_eq!(fw["provenance"], "signed");
    assert_eq!(fw["signer"], "org/fidh");
    assert_eq!(fw["key"].as_str().expect("key"), f.fidh_fp);
    assert_eq!(fw["reason"], "Board did not approve");
    assert_eq!(fw["ledger"].as_str().expect("ledger"), f.root);
    assert!(
        fw.get("evidence_sha256").is_none(),
        "a signed withdrawal has no evidence: {fw}"
    );
    // The commit that added it is the one withdraw reported, committed by the organization.
    let added = w.git_ok(&[
        "log",
        "--format=%H %ae",
        "--diff-filter=A",
        "refs/heads/main",
        "--",
        &act_path("fidh", 2),
    ]);
    assert_eq!(
        added.trim(),
        format!("{} fidh@org.undersigned.invalid", f.fidh_w)
    );

    let qw = read(&act_path("quiet", 2));
    assert_eq!(qw["act"], "withdraw");
    assert_eq!(qw["provenance"], "attested");
    assert_eq!(qw["signer"], "editor/coordinator");
    assert_eq!(qw["key"].as_str().expect("key"), f.editor_fp);
    assert_eq!(qw["reason"], "Asked by e-mail");
    assert_eq!(
        qw["evidence_sha256"].as_str().expect("evidence"),
        sha256sum(EVIDENCE_WITHDRAW.as_bytes())
    );
    let added = w.git_ok(&[
        "log",
        "--format=%H %ae",
        "--diff-filter=A",
        "refs/heads/main",
        "--",
        &act_path("quiet", 2),
    ]);
    assert_eq!(
        added.trim(),
        format!("{} coordinator@editor.undersigned.invalid", f.quiet_w)
    );

    // The re-endorsement after the withdrawal is a new record, numbered 3; 1 and 2 are intact.
    let re = read(&act_path("fidh", 3));
    assert_eq!(re["act"], "endorse");
    assert_eq!(re["version"], 2);
    let first = read(&act_path("fidh", 1));
    assert_eq!(first["version"], 1);
    assert_eq!(
        first["text_sha256"].as_str().expect("sha"),
        sha256sum(TEXT_V1.as_bytes())
    );
}

#[test]
fn flow_attested_evidence_is_hashed_but_never_stored() {
    let f = coalition_flow();
    let w = &f.w;
    for (org, seq, file, text) in [
        ("quiet", 1, &f.ev_endorse, EVIDENCE_ENDORSE),
        ("mail", 1, &f.ev_mail, EVIDENCE_MAIL),
        ("quiet", 2, &f.ev_withdraw, EVIDENCE_WITHDRAW),
    ] {
        let rec: Value =
            serde_json::from_str(&w.git_ok(&["show", &format!("HEAD:{}", act_path(org, seq))]))
                .expect("JSON");
        let file_sha = sha256sum(&std::fs::read(file).expect("evidence"));
        assert_eq!(file_sha, sha256sum(text.as_bytes()));
        assert_eq!(
            rec["evidence_sha256"].as_str().expect("evidence_sha256"),
            file_sha,
            "{org} {seq}"
        );
        assert_eq!(rec["provenance"], "attested");
        assert_eq!(rec["signer"], "editor/coordinator");
    }

    // Every object in the repository, as stock git prints it.
    let dump = w.git(&["cat-file", "--batch-all-objects", "--batch"]);
    assert!(dump.status.success(), "{}", stderr(&dump));
    let all = String::from_utf8_lossy(&dump.stdout);
    // The dump does hold what the ledger stores (so the absence checks below can fail).
    assert!(all.contains("TEXT-MARKER-V1") && all.contains("TEXT-MARKER-V2"));
    assert!(
        all.contains(&sha256sum(EVIDENCE_ENDORSE.as_bytes())),
        "the evidence hash is stored"
    );
    for marker in [
        "EVIDENCE-MARKER-ENDORSE-5c1e",
        "EVIDENCE-MARKER-MAIL-91b0",
        "EVIDENCE-MARKER-WITHDRAW-0d7f",
        "board@quiet.example",
    ] {
        assert!(
            !all.contains(marker),
            "evidence text {marker} is in the repository"
        );
        // git grep over every commit finds nothing (exit 1 = no match).
        let commits: Vec<&str> = f.commits.iter().map(String::as_str).collect();
        let mut args = vec!["grep", "-F", "-q", marker];
        args.extend(commits.iter());
        assert_eq!(code(&w.git(&args)), 1, "git grep {marker}");
    }
    // Positive control for git grep.
    let mut args = vec!["grep", "-F", "-q", "TEXT-MARKER-V2"];
    args.push(f.fidh3.as_str());
    assert_eq!(code(&w.git(&args)), 0);
}

#[test]
fn flow_show_publishes_a_numbered_list_of_current_endorsers() {
    let f = coalition_flow();
    let s = f.w.json(&["show", "icc"]);
    assert_eq!(s["statement"], "icc");
    assert_eq!(s["version"], 2);
    assert_eq!(s["title"], "ICC cooperation");
    assert_eq!(s["text"], TEXT_V2);
    assert_eq!(
        s["text_sha256"].as_str().expect("sha"),
        sha256sum(TEXT_V2.as_bytes())
    );
    assert_eq!(s["count"], 3);
    let sig = s["signatories"].as_array().expect("signatories");
    let rows: Vec<(u64, &str, &str, &str)> = sig
        .iter()
        .map(|x| {
            (
                x["n"].as_u64().expect("n"),
                x["org"].as_str().expect("org"),
                x["name"].as_str().expect("name"),
                x["provenance"].as_str().expect("provenance"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, "hrw", "Human Rights Watch", "signed"),
            (2, "mail", "Mail-Only Group", "attested"),
            (
                3,
                "fidh",
                "International Federation for Human Rights",
                "signed"
            ),
        ]
    );

    // Plain text: the text, the count, lines 1..N, the attested one marked.
    let plain = f.w.ok(&["show", "icc"]);
    assert!(plain.starts_with(TEXT_V2.trim_end()), "{plain}");
    assert!(
        plain.contains("Endorsed by 3 organizations (version 2"),
        "{plain}"
    );
    let numbered: Vec<&str> = plain
        .lines()
        .filter(|l| {
            l.trim_start()
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(
        numbered,
        vec![
            "1. Human Rights Watch",
            "2. Mail-Only Group *",
            "3. International Federation for Human Rights"
        ],
        "{plain}"
    );
    assert!(
        plain.contains("* endorsement recorded by the coordinator"),
        "{plain}"
    );

    // Version 1 as it stands now: hrw and amn (fidh and quiet withdrew after signing it).
    let s1 = f.w.json(&["show", "icc", "--version", "1"]);
    assert_eq!(s1["version"], 1);
    assert_eq!(s1["text"], TEXT_V1);
    assert_eq!(s1["count"], 2);
    let orgs: Vec<&str> = s1["signatories"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| x["org"].as_str().expect("org"))
        .collect();
    assert_eq!(orgs, vec!["hrw", "amn"]);
    let plain1 = f.w.ok(&["show", "icc", "--version", "1"]);
    assert!(
        plain1.contains("1. Human Rights Watch\n2. Amnesty\n"),
        "{plain1}"
    );
    assert!(
        !plain1.contains('*'),
        "no attested signatory in v1's list: {plain1}"
    );
}

#[test]
fn flow_log_json_lists_every_act_in_order() {
    let f = coalition_flow();
    let log = f.w.json(&["log"]);
    // The log reads back into the library's type; every entry has the same fields.
    let typed: undersigned::report::Log = serde_json::from_value(log.clone()).expect("a Log");
    assert_eq!(typed.format, "undersigned-log/1");
    assert_eq!(typed.ledger_id, f.root);
    assert_eq!(typed.head, f.w.head());
    let entries = log["entries"].as_array().expect("log entries");
    let shape = |e: &Value| {
        let mut keys: Vec<&String> = e.as_object().expect("entry").keys().collect();
        keys.sort();
        keys.into_iter().cloned().collect::<Vec<_>>()
    };
    assert!(
        entries.iter().all(|e| shape(e) == shape(&entries[0])),
        "one shape for every entry: {log:#}"
    );
    // Every entry names a commit of the ledger, in history order.
    let order: Vec<&str> = f.commits.iter().map(String::as_str).collect();
    let positions: Vec<usize> = entries
        .iter()
        .map(|e| {
            let c = e["commit"].as_str().expect("commit");
            order
                .iter()
                .position(|x| *x == c)
                .unwrap_or_else(|| panic!("unknown commit {c}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|p| p[0] <= p[1]),
        "log is in history order: {positions:?}"
    );

    let acts: Vec<(String, String, String, String)> = entries
        .iter()
        .filter(|e| e["act"] != "key-add")
        .map(|e| {
            let s = |k: &str| {
                e.get(k)
                    .filter(|v| !v.is_null())
                    .map(|v| {
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .unwrap_or_default()
            };
            (s("act"), s("actor"), s("subject"), s("commit"))
        })
        .collect();
    let x = |a: &str, actor: &str, subj: &str, c: &str| {
        (
            a.to_string(),
            actor.to_string(),
            subj.to_string(),
            c.to_string(),
        )
    };
    let ed = "editor/coordinator";
    assert_eq!(
        acts,
        vec![
            x("init", ed, "Coalition for the Court", &f.root),
            x("editor-add", ed, "editor/second", &f.commits[1]),
            x("org-add", ed, "org/hrw", &f.commits[2]),
            x("org-add", "editor/second", "org/fidh", &f.commits[3]),
            x("org-add", ed, "org/amn", &f.commits[4]),
            x("org-add", ed, "org/quiet", &f.commits[5]),
            x("org-add", ed, "org/mail", &f.commits[6]),
            x("statement-new", ed, "", &f.v1),
            x("endorse", "org/hrw", "org/hrw", &f.hrw1),
            x("endorse", "org/fidh", "org/fidh", &f.fidh1),
            x("endorse", ed, "org/quiet", &f.quiet1),
            x("statement-revise", "editor/second", "", &f.v2),
            x("endorse", "org/hrw", "org/hrw", &f.hrw2),
            x("endorse", "org/amn", "org/amn", &f.amn1),
            x("endorse", ed, "org/mail", &f.mail2),
            x("withdraw", "org/fidh", "org/fidh", &f.fidh_w),
            x("withdraw", ed, "org/quiet", &f.quiet_w),
            x("endorse", "org/fidh", "org/fidh", &f.fidh3),
        ]
    );
    // Versions and provenance of statement acts.
    let on_stmt: Vec<(String, Option<u64>, String)> = entries
        .iter()
        .filter(|e| !e["statement"].is_null())
        .map(|e| {
            assert_eq!(e["statement"], "icc");
            (
                e["act"].as_str().expect("act").to_string(),
                e.get("version").and_then(Value::as_u64),
                e.get("provenance")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    let y = |a: &str, v: Option<u64>, p: &str| (a.to_string(), v, p.to_string());
    assert_eq!(
        on_stmt,
        vec![
            y("statement-new", Some(1), ""),
            y("endorse", Some(1), "signed"),
            y("endorse", Some(1), "signed"),
            y("endorse", Some(1), "attested"),
            y("statement-revise", Some(2), ""),
            y("endorse", Some(2), "signed"),
            y("endorse", Some(1), "signed"),
            y("endorse", Some(2), "attested"),
            y("withdraw", None, "signed"),
            y("withdraw", None, "attested"),
            y("endorse", Some(2), "signed"),
        ]
    );
    // Key registrations are logged for keyed principals only.
    let keyed: BTreeSet<String> = entries
        .iter()
        .filter(|e| e["act"] == "key-add")
        .map(|e| {
            e["subject"]
                .as_str()
                .expect("subject")
                .split(' ')
                .next()
                .expect("principal")
                .to_string()
        })
        .collect();
    let expect: BTreeSet<String> = [
        "editor/coordinator",
        "editor/second",
        "org/hrw",
        "org/fidh",
        "org/amn",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(keyed, expect);
    // `log icc` keeps only the statement's acts.
    let only = f.w.json(&["log", "icc"]);
    assert_eq!(
        only["entries"].as_array().expect("list").len(),
        on_stmt.len()
    );
    assert_eq!(only["statement"], "icc");
}

#[test]
fn flow_verify_counts_everything_and_pins_the_ledger_id() {
    let f = coalition_flow();
    let w = &f.w;
    let v = w.json(&["verify"]);
    assert_eq!(v["ok"], Value::Bool(true), "{v}");
    assert_eq!(v["ledger_id"].as_str().expect("id"), f.root);
    assert_eq!(v["head"].as_str().expect("head"), w.head());
    assert_eq!(v["name"], "Coalition for the Court");
    assert_eq!(v["commits"].as_u64(), Some(git_commit_count(w)));
    assert_eq!(v["commits"], 18);
    assert_eq!(v["editors"], 2);
    assert_eq!(v["organizations"], 5);
    assert_eq!(v["statements"], 1);
    assert_eq!(v["versions"], 2);
    assert_eq!(v["endorsements"], 7);
    assert_eq!(v["withdrawals"], 2);
    assert_eq!(v["failures"].as_array().expect("failures").len(), 0);

    let t = w.json(&["verify", "--trust", &f.root]);
    assert_eq!(t["ok"], Value::Bool(true), "{t}");
    assert_eq!(t["trusted"], Value::Bool(true), "{t}");
    assert!(w.ok(&["verify", "--trust", &f.root]).contains("OK"));

    // Another ledger id: exit 1 with rule "trust".
    let other = if f.root.starts_with('0') {
        "1".repeat(40)
    } else {
        "0".repeat(40)
    };
    let (c, t) = json_any(w, &["verify", "--trust", &other]);
    assert_eq!(c, 1, "{t}");
    assert_eq!(t["ok"], Value::Bool(false));
    assert_eq!(t["trusted"], Value::Bool(false));
    let rules: Vec<&str> = t["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|x| x["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(rules, vec!["trust"], "{t}");
    let reason = t["failures"][0]["reason"].as_str().expect("reason");
    assert!(
        reason.contains(&other) && reason.contains(&f.root),
        "{reason}"
    );
    let plain = w.run(&["verify", "--trust", &other]);
    assert_eq!(code(&plain), 1);
    // Another ledger's real id is refused too.
    let w2 = World::new();
    let other_real = w2.init();
    let (c, _) = json_any(w, &["verify", "--trust", &other_real]);
    assert_eq!(c, 1);
}

// ---------------------------------------------------------------------------------------------
// 3. Stock tools agree
// ---------------------------------------------------------------------------------------------

#[test]
fn flow_stock_git_verifies_every_commit_signature() {
    let f = coalition_flow();
    let w = &f.w;
    w.assert_stock_git_agrees();
    let n = git_commit_count(w) as usize;
    assert_eq!(n, f.commits.len());
    let signers = format!(
        "gpg.ssh.allowedSignersFile={}",
        path_str(&w.ledger().join("allowed_signers"))
    );

    // %G? is G (good, trusted signer) for every commit.
    let out = w.git_ok(&["-c", &signers, "log", "--format=%G? %H", "refs/heads/main"]);
    let marks: Vec<&str> = out
        .lines()
        .map(|l| l.split(' ').next().expect("mark"))
        .collect();
    assert_eq!(marks.len(), n);
    assert!(marks.iter().all(|m| *m == "G"), "{out}");
    // The signer git names (%GS) is the principal that acted.
    let out = w.git_ok(&[
        "-c",
        &signers,
        "log",
        "--reverse",
        "--format=%GS",
        "refs/heads/main",
    ]);
    let by: Vec<&str> = out.lines().collect();
    assert_eq!(by[0], "editor/coordinator");
    assert_eq!(
        by[3], "editor/second",
        "fidh was registered by the second editor"
    );
    assert_eq!(*by.last().expect("last"), "org/fidh");

    // --show-signature says Good "git" signature once per commit.
    let out = w.git_ok(&["-c", &signers, "log", "--show-signature", "refs/heads/main"]);
    assert_eq!(
        out.matches("Good \"git\" signature for ").count(),
        n,
        "{out}"
    );

    // Without the allowed signers file, git cannot vouch for the signers: the check is real.
    let out = w.git_ok(&[
        "-c",
        "gpg.ssh.allowedSignersFile=/dev/null",
        "log",
        "--format=%G?",
        "refs/heads/main",
    ]);
    assert!(out.lines().all(|m| m != "G"), "{out}");
}

/// Writes payload and signature of an org's act to files and verifies them with ssh-keygen.
fn ssh_keygen_verify(w: &World, principal: &str, payload: &[u8], sig: &str) -> Output {
    let dir = w.path().join("sigcheck");
    std::fs::create_dir_all(&dir).expect("dir");
    let sig_file = dir.join("sig");
    std::fs::write(&sig_file, sig).expect("write sig");
    let signers = path_str(&w.ledger().join("allowed_signers"));
    stock_stdin(
        "ssh-keygen",
        &[
            "-Y",
            "verify",
            "-f",
            &signers,
            "-I",
            principal,
            "-n",
            "undersigned",
            "-s",
            &path_str(&sig_file),
        ],
        payload,
    )
}

#[test]
fn flow_stock_ssh_keygen_verifies_record_signatures() {
    let f = coalition_flow();
    let w = &f.w;

    // hrw's latest record (its endorsement of v2).
    let payload = w.ok(&["payload", "icc", "--org", "hrw"]);
    let sig = w.ok(&["payload", "icc", "--org", "hrw", "--signature"]);
    assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"), "{sig}");
    assert!(
        payload.contains(&format!("ledger: {}\n", f.root)),
        "{payload}"
    );
    assert!(payload.contains("version: 2\n"), "{payload}");
    assert!(
        payload.contains(&format!("text-sha256: {}\n", sha256sum(TEXT_V2.as_bytes()))),
        "{payload}"
    );
    assert!(payload.contains("org: hrw\n"), "{payload}");
    let good = ssh_keygen_verify(w, "org/hrw", payload.as_bytes(), &sig);
    assert!(
        good.status.success(),
        "ssh-keygen -Y verify: {}{}",
        String::from_utf8_lossy(&good.stdout),
        stderr(&good)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains(&f.hrw_fp));

    // One byte changed: refused.
    let mut bad = payload.clone().into_bytes();
    let i = payload.find("version: 2").expect("version line") + "version: ".len();
    bad[i] = b'1';
    assert!(
        !ssh_keygen_verify(w, "org/hrw", &bad, &sig).status.success(),
        "a changed payload must not verify"
    );
    let mut flipped = payload.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] ^= 0x01;
    assert!(!ssh_keygen_verify(w, "org/hrw", &flipped, &sig)
        .status
        .success());
    // Another principal: refused.
    assert!(!ssh_keygen_verify(w, "org/fidh", payload.as_bytes(), &sig)
        .status
        .success());

    // hrw's first record by --seq, and the payload JSON agrees with the plain one.
    let p1 = w.ok(&["payload", "icc", "--org", "hrw", "--seq", "1"]);
    let s1 = w.ok(&[
        "payload",
        "icc",
        "--org",
        "hrw",
        "--seq",
        "1",
        "--signature",
    ]);
    assert!(p1.contains("version: 1\n"));
    assert!(ssh_keygen_verify(w, "org/hrw", p1.as_bytes(), &s1)
        .status
        .success());
    let j = w.json(&["payload", "icc", "--org", "hrw", "--seq", "1"]);
    assert_eq!(j["payload"].as_str().expect("payload"), p1);
    assert_eq!(j["principal"], "org/hrw");
    assert_eq!(j["namespace"], "undersigned");
    assert_eq!(j["path"].as_str().expect("path"), act_path("hrw", 1));

    // The signed withdrawal of fidh (seq 2) verifies as org/fidh.
    let pw = w.ok(&["payload", "icc", "--org", "fidh", "--seq", "2"]);
    let sw = w.ok(&[
        "payload",
        "icc",
        "--org",
        "fidh",
        "--seq",
        "2",
        "--signature",
    ]);
    assert!(
        pw.contains("act: withdraw\n") && pw.contains("reason: Board did not approve\n"),
        "{pw}"
    );
    assert!(ssh_keygen_verify(w, "org/fidh", pw.as_bytes(), &sw)
        .status
        .success());

    // The attested record of quiet is signed by the editor, and binds the evidence hash.
    let pa = w.ok(&["payload", "icc", "--org", "quiet", "--seq", "1"]);
    let sa = w.ok(&[
        "payload",
        "icc",
        "--org",
        "quiet",
        "--seq",
        "1",
        "--signature",
    ]);
    assert!(pa.contains("provenance: attested\n"), "{pa}");
    assert!(
        pa.contains(&format!(
            "evidence-sha256: {}\n",
            sha256sum(EVIDENCE_ENDORSE.as_bytes())
        )),
        "{pa}"
    );
    let ok = ssh_keygen_verify(w, "editor/coordinator", pa.as_bytes(), &sa);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains(&f.editor_fp));
    assert!(
        !ssh_keygen_verify(w, "org/quiet", pa.as_bytes(), &sa)
            .status
            .success(),
        "quiet has no key"
    );
    let tampered = pa.replace("provenance: attested", "provenance: signed");
    assert!(
        !ssh_keygen_verify(w, "editor/coordinator", tampered.as_bytes(), &sa)
            .status
            .success()
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Claimed counts
// ---------------------------------------------------------------------------------------------

#[test]
fn audit_warns_when_the_text_claims_more_organizations_than_endorse_it() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    for org in ["hrw", "fidh"] {
        let k = w.ssh_keygen(org);
        act(
            &w,
            &[
                "org",
                "add",
                org,
                "--name",
                org,
                "--pubkey",
                &format!("{}.pub", k.display()),
                "--key",
                &e,
            ],
        );
    }
    act(&w, &["org", "add", "third", "--name", "Third", "--key", &e]);
    let text = w.write_file(
        "t.txt",
        "On behalf of 3 organizations, we urge states to act.\n",
    );
    act(
        &w,
        &[
            "statement",
            "new",
            "s",
            "--title",
            "S",
            "--text",
            &text,
            "--key",
            &e,
        ],
    );
    for org in ["hrw", "fidh"] {
        act(&w, &["sign", "s", "--org", org, "--key", &w.key_arg(org)]);
    }
    let a = w.json(&["audit", "s"]);
    assert_eq!(a["versions"][0]["claimed_signatories"], 3);
    let warnings = strings(&a["warnings"]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains('3') && warnings[0].contains('2'),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("claims 3"), "{warnings:?}");
    let plain = w.ok(&["audit", "s"]);
    assert!(
        plain.contains("WARNING") && plain.contains("claims 3"),
        "{plain}"
    );

    // The third organization's consent makes the claim true: no warning.
    let ev = w.write_file("third.eml", "Third agrees.\n");
    act(
        &w,
        &[
            "attest",
            "s",
            "--org",
            "third",
            "--evidence",
            &ev,
            "--key",
            &e,
        ],
    );
    let a = w.json(&["audit", "s"]);
    assert_eq!(strings(&a["warnings"]), Vec::<String>::new());
    assert_eq!(a["current"].as_array().expect("current").len(), 3);
}

// ---------------------------------------------------------------------------------------------
// 5. The demo
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_builds_a_verifying_ledger_of_the_seed_statement() {
    let w = World::new();
    let d = path_str(w.path());
    let out = w.ok(&["demo", "--dir", &d]);
    assert!(out.contains("OK"), "demo prints the verify verdict: {out}");

    let v = w.json(&["verify"]);
    assert_eq!(v["ok"], Value::Bool(true), "{v}");
    assert_eq!(v["organizations"], 29);
    assert_eq!(v["commits"].as_u64(), Some(git_commit_count(&w)));
    let first_id = v["ledger_id"].as_str().expect("id").to_string();
    assert_eq!(first_id, git_root(&w));

    let a = w.json(&["audit", "icc-cooperation"]);
    assert_eq!(
        a["withdrawn"].as_array().expect("withdrawn").len(),
        1,
        "{}",
        a["withdrawn"]
    );
    let warnings = strings(&a["warnings"]);
    assert!(
        warnings.iter().any(|x| x.contains("claims 28")),
        "{warnings:?}"
    );

    // Every key pair: the private key is 0600 and ssh-keygen derives the public key beside it.
    let mut private = 0;
    for entry in std::fs::read_dir(w.path().join("keys")).expect("keys dir") {
        let pub_path = entry.expect("entry").path();
        let Some(priv_path) = pub_path.to_str().and_then(|s| s.strip_suffix(".pub")) else {
            continue;
        };
        private += 1;
        assert_eq!(mode(Path::new(priv_path)), 0o600, "{priv_path}");
        let derived = stock("ssh-keygen", &["-y", "-f", priv_path]);
        assert!(
            derived.status.success(),
            "{priv_path}: {}",
            stderr(&derived)
        );
        let pub_line = std::fs::read_to_string(&pub_path).expect("pub");
        assert_eq!(
            String::from_utf8_lossy(&derived.stdout)
                .split_whitespace()
                .nth(1),
            pub_line.split_whitespace().nth(1),
            "{priv_path}"
        );
    }
    assert!(private >= 2, "demo wrote keys: {private}");
    w.assert_stock_git_agrees();

    // A second run replaces the previous demo: a new ledger, not one appended to the old.
    let commits = git_commit_count(&w);
    w.ok(&["demo", "--dir", &d]);
    let v2 = w.json(&["verify"]);
    assert_eq!(v2["ok"], Value::Bool(true));
    assert_eq!(v2["organizations"], 29);
    assert_eq!(
        git_commit_count(&w),
        commits,
        "same number of acts, not appended"
    );
    assert_ne!(
        v2["ledger_id"].as_str().expect("id"),
        first_id,
        "a fresh genesis"
    );
    w.assert_stock_git_agrees();
}

#[test]
fn demo_refuses_a_directory_holding_an_unrelated_ledger_dir() {
    let w = World::new();
    let x = w.path().join("x");
    std::fs::create_dir_all(x.join("ledger")).expect("dir");
    let note = x.join("ledger").join("notes.txt");
    std::fs::write(&note, "my own notes\n").expect("write");
    let out = w.run(&["demo", "--dir", &path_str(&x)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--dir"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&note).expect("note kept"),
        "my own notes\n"
    );
    assert!(
        !x.join("ledger").join(".git").exists(),
        "no repository written"
    );
    assert!(!x.join("keys").exists(), "no keys written");

    // Same with an unrelated keys directory.
    let y = w.path().join("y");
    std::fs::create_dir_all(y.join("keys")).expect("dir");
    std::fs::write(y.join("keys").join("id_ed25519"), "not a demo key\n").expect("write");
    let out = w.run(&["demo", "--dir", &path_str(&y)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(y.join("keys").join("id_ed25519")).expect("kept"),
        "not a demo key\n"
    );
    assert!(!y.join("ledger").exists());
}

// ---------------------------------------------------------------------------------------------
// 6. Concurrency
// ---------------------------------------------------------------------------------------------

#[test]
fn concurrent_sign_processes_all_land_in_a_linear_verified_history() {
    const N: usize = 6;
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    let orgs: Vec<String> = (1..=N).map(|i| format!("org-{i}")).collect();
    for org in &orgs {
        let k = w.ssh_keygen(org);
        act(
            &w,
            &[
                "org",
                "add",
                org,
                "--name",
                org,
                "--pubkey",
                &format!("{}.pub", k.display()),
                "--key",
                &e,
            ],
        );
    }
    let text = w.write_file("t.txt", "Together.\n");
    act(
        &w,
        &[
            "statement",
            "new",
            "s",
            "--title",
            "S",
            "--text",
            &text,
            "--key",
            &e,
        ],
    );
    let before = git_commit_count(&w);

    // Start every signer before waiting for any.
    let children: Vec<_> = orgs
        .iter()
        .map(|org| {
            spawnable(&w)
                .args([
                    "--json",
                    "sign",
                    "s",
                    "--org",
                    org,
                    "--key",
                    &w.key_arg(org),
                ])
                .spawn()
                .expect("spawn sign")
        })
        .collect();
    let mut commits = BTreeSet::new();
    for (org, child) in orgs.iter().zip(children) {
        let out = child.wait_with_output().expect("wait");
        let stdout = expect_ok(&out, &format!("concurrent sign --org {org}"));
        let v: Value = serde_json::from_str(&stdout).expect("JSON");
        assert_eq!(v["changed"], Value::Bool(true), "{org}: {v}");
        commits.insert(v["commit"].as_str().expect("commit").to_string());
    }
    assert_eq!(commits.len(), N, "each signer made its own commit");

    assert_eq!(git_commit_count(&w), before + N as u64);
    assert_eq!(
        w.git_ok(&["rev-list", "--min-parents=2", "refs/heads/main"]),
        "",
        "linear history"
    );
    let on_main: BTreeSet<String> = w
        .git_ok(&["rev-list", "refs/heads/main"])
        .lines()
        .map(String::from)
        .collect();
    assert!(
        commits.is_subset(&on_main),
        "every reported commit is on main"
    );
    for org in &orgs {
        let path = format!("statements/s/acts/{}/{org}/0001.json", fanout(org));
        w.git_ok(&["cat-file", "-e", &format!("HEAD:{path}")]);
    }
    assert_eq!(w.snapshot().1, "", "clean work tree");
    let a = w.json(&["audit", "s"]);
    assert_eq!(sorted(&a["current"]), orgs);
    let v = w.json(&["verify"]);
    assert_eq!(v["ok"], Value::Bool(true), "{v}");
    assert_eq!(v["endorsements"].as_u64(), Some(N as u64));
    w.assert_stock_git_agrees();
}

/// Writes loose objects until `objects/17` holds `n` of them (git's sample directory for its
/// estimate of how many loose objects a repository has).
fn fill_sample_dir(w: &World, n: usize) {
    let dir = w.ledger().join(".git").join("objects").join("17");
    let mut i = 0u64;
    while std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0) < n {
        i += 1;
        let content = format!("filler {i}\n");
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, content.as_bytes()).expect("hash");
        if id.to_string().starts_with("17") {
            let path = w.write_file("filler.txt", &content);
            w.git_ok(&["hash-object", "-w", &path]);
        }
    }
}

/// libgit2 never packs a repository; after an act undersigned starts git's own housekeeping
/// when git would (`git gc --auto`, as after `git commit`), so a ledger does not keep every
/// object as a file of its own. `gc.auto=0` turns it off, as it does for git.
#[test]
fn acts_start_gits_housekeeping_when_it_is_due() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    let packs = |w: &World| {
        std::fs::read_dir(w.ledger().join(".git").join("objects").join("pack"))
            .map(|d| {
                d.filter(|x| {
                    x.as_ref()
                        .is_ok_and(|x| x.file_name().to_string_lossy().ends_with(".pack"))
                })
                .count()
            })
            .unwrap_or(0)
    };
    // Synchronous for the test; a threshold of 256 loose objects means 2 in objects/17.
    w.git_ok(&["config", "gc.autoDetach", "false"]);
    w.git_ok(&["config", "gc.auto", "0"]);
    fill_sample_dir(&w, 2);
    w.ok(&["org", "add", "quiet-1", "--name", "Q1", "--key", &e]);
    assert_eq!(packs(&w), 0, "gc.auto=0: nothing packed");

    let loose = |w: &World| {
        let out = w.git_ok(&["count-objects"]);
        out.split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("count-objects: {out}"))
    };
    let before = loose(&w);
    w.git_ok(&["config", "gc.auto", "256"]);
    w.ok(&["org", "add", "quiet-2", "--name", "Q2", "--key", &e]);
    assert!(packs(&w) >= 1, "git gc --auto packed the ledger");
    // What stays loose is the unreachable filler, kept by git's prune grace period.
    assert!(
        loose(&w) <= 2,
        "{before} loose objects before, {} after",
        loose(&w)
    );
    assert!(before >= 20, "the ledger had objects to pack: {before}");
    let v = w.json(&["verify", "--full"]);
    assert_eq!(v["ok"], true, "{v}");
    w.git_ok(&["fsck", "--strict"]);
}
