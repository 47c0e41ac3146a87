//! Helpers shared by the integration tests: a sandboxed environment for the binary and for stock
//! git, key generation with ssh-keygen, and a small ledger builder.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A temporary world: a ledger path, a key directory, and an isolated HOME so that no user or
/// system git configuration leaks into a test.
pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        World {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger")
    }

    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join("keys").join(name)
    }

    pub fn home(&self) -> PathBuf {
        let h = self.dir.path().join("home");
        std::fs::create_dir_all(&h).expect("home dir");
        h
    }

    /// The `undersigned` binary with `--ledger` set and a clean environment.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("undersigned").expect("binary built");
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("UNDERSIGNED_LEDGER", self.ledger());
        c
    }

    /// Runs `undersigned ARGS` and returns the output (no assertion).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run undersigned")
    }

    /// Runs `undersigned ARGS`, asserting exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "undersigned {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs `undersigned --json ARGS`, asserting exit 0; returns parsed JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("valid JSON on stdout")
    }

    /// Makes a key with stock `ssh-keygen -t ed25519 -N ''` (as organizations do) and returns
    /// the private key path.
    pub fn ssh_keygen(&self, name: &str) -> PathBuf {
        let path = self.key(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("keys dir");
        let out = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&path)
            .output()
            .expect("ssh-keygen runs");
        assert!(
            out.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        path
    }

    /// Makes an unencrypted key with `undersigned key new --no-passphrase` (without a
    /// terminal, `key new` needs a passphrase source or `--no-passphrase`).
    pub fn new_key(&self, name: &str) -> PathBuf {
        let path = self.key(name);
        self.ok(&[
            "key",
            "new",
            "--no-passphrase",
            path.to_str().expect("utf-8 path"),
        ]);
        path
    }

    /// Stock git in the ledger, with the isolated environment.
    pub fn git(&self, args: &[&str]) -> Output {
        self.git_at(&self.ledger(), args)
    }

    /// Stock git in `dir` (another clone, a bare repository), with the isolated environment.
    pub fn git_at(&self, dir: &Path, args: &[&str]) -> Output {
        std::process::Command::new("git")
            .current_dir(dir)
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args)
            .output()
            .expect("git runs")
    }

    /// Stock git, asserting success; returns stdout.
    pub fn git_ok(&self, args: &[&str]) -> String {
        let out = self.git(args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The head commit id of the ledger.
    pub fn head(&self) -> String {
        self.git_ok(&["rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    }

    /// Creates a ledger with editor `coordinator` (key `editor`), returns the ledger id.
    pub fn init(&self) -> String {
        let editor = self.new_key("editor");
        let out = self.json(&[
            "init",
            "--name",
            "Test coalition",
            "--key",
            editor.to_str().expect("utf-8"),
        ]);
        out["ledger_id"].as_str().expect("ledger_id").to_string()
    }

    /// A ledger with an editor, organizations `hrw` (keyed, key file `hrw`) and `fidh`
    /// (keyed, key file `fidh`) and `quiet` (no key), and statement `icc` version 1.
    pub fn standard(&self) -> String {
        let id = self.init();
        let e = self.key_arg("editor");
        for org in ["hrw", "fidh"] {
            let k = self.ssh_keygen(org);
            let pubkey = format!("{}.pub", k.display());
            self.ok(&[
                "org",
                "add",
                org,
                "--name",
                &format!("Org {org}"),
                "--pubkey",
                &pubkey,
                "--key",
                &e,
            ]);
        }
        self.ok(&["org", "add", "quiet", "--name", "Quiet Org", "--key", &e]);
        let text = self.write_file("v1.txt", "On behalf of 2 organizations, we urge states.\n");
        self.ok(&[
            "statement",
            "new",
            "icc",
            "--title",
            "ICC",
            "--text",
            &text,
            "--key",
            &e,
        ]);
        id
    }

    /// The path of key `name` as a string, for `--key`.
    pub fn key_arg(&self, name: &str) -> String {
        self.key(name).to_str().expect("utf-8").to_string()
    }

    /// Writes a file in the world (outside the ledger) and returns its path.
    pub fn write_file(&self, name: &str, content: &str) -> String {
        let p = self.dir.path().join("files").join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("files dir");
        std::fs::write(&p, content).expect("write file");
        p.to_str().expect("utf-8").to_string()
    }

    /// Every commit in the ledger passes stock `git verify-commit` with the ledger's own
    /// allowed_signers, and `git fsck --strict` is clean.
    pub fn assert_stock_git_agrees(&self) {
        let signers = self.ledger().join("allowed_signers");
        let signers = signers.to_str().expect("utf-8");
        let list = self.git_ok(&["rev-list", "refs/heads/main"]);
        for c in list.lines() {
            let out = self.git(&[
                "-c",
                "gpg.format=ssh",
                "-c",
                &format!("gpg.ssh.allowedSignersFile={signers}"),
                "verify-commit",
                c,
            ]);
            assert!(
                out.status.success(),
                "git verify-commit {c}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let fsck = self.git(&["fsck", "--strict"]);
        assert!(
            fsck.status.success(),
            "git fsck --strict: {}",
            String::from_utf8_lossy(&fsck.stderr)
        );
    }

    /// A snapshot of the ledger's state for "nothing changed" assertions: head and work tree status.
    pub fn snapshot(&self) -> (String, String) {
        (
            self.head(),
            self.git_ok(&["status", "--porcelain", "--untracked-files=all"]),
        )
    }
}

/// A path as the `&str` an argument list takes.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// An output described for assertion messages.
pub fn said(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    )
}

/// Exit code of an output.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Stderr of an output as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// Helpers of the tamper tests: run verify, and pick failures out of its report.

/// The command was refused as bad input (exit 2) with `fragment` in its message.
pub fn assert_refused(out: &Output, fragment: &str) {
    assert_eq!(code(out), 2, "{}", said(out));
    assert!(stderr(out).contains(fragment), "{}", said(out));
}

pub fn is_hex40(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// `undersigned --json verify ARGS`: exit code and parsed report.
pub fn verify(w: &World, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json", "verify"];
    all.extend_from_slice(args);
    let out = w.run(&all);
    assert!(
        !stderr(&out).contains("panicked"),
        "verify panicked: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify --json printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (code(&out), v)
}

/// Every failure entry has the documented shape.
pub fn assert_shape(report: &Value) {
    for f in report["failures"].as_array().expect("failures is a list") {
        let c = f["commit"].as_str().expect("commit is a string");
        assert!(is_hex40(c), "commit {c:?} is not 40 lowercase hex digits");
        assert!(f["path"].is_null() || f["path"].is_string(), "path: {f}");
        assert!(f["rule"].is_string(), "rule: {f}");
        assert!(!f["reason"].as_str().expect("reason is a string").is_empty());
    }
}

/// Verifies, expecting exit 1 and only failures in `commit`; returns those failures.
pub fn broken(w: &World, commit: &str) -> Vec<Value> {
    let (code, report) = verify(w, &[]);
    assert_eq!(code, 1, "verify should fail: {report:#}");
    assert_eq!(report["ok"], false);
    assert_eq!(report["head"], w.head());
    assert_shape(&report);
    let failures = report["failures"].as_array().expect("failures").clone();
    assert!(!failures.is_empty());
    assert_same_failures_every_way(w, commit, &report);
    for f in &failures {
        assert_eq!(
            f["commit"], commit,
            "a failure names another commit than the broken one: {f}"
        );
    }
    failures
}

/// The failure with this path and rule; panics with the whole list when absent.
pub fn find<'a>(failures: &'a [Value], path: Option<&str>, rule: &str) -> &'a Value {
    let path = path.map_or(Value::Null, |p| Value::String(p.into()));
    failures
        .iter()
        .find(|f| f["path"] == path && f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} failure at {path}: {failures:#?}"))
}

pub fn rules(failures: &[Value]) -> Vec<&str> {
    failures
        .iter()
        .map(|f| f["rule"].as_str().expect("rule"))
        .collect()
}

pub fn reason(f: &Value) -> &str {
    f["reason"].as_str().expect("reason")
}

/// A stock `git commit -S` in the ledger, signed with the private key file `key`, author and
/// committer `email`, dated `at` (seconds since the epoch) when given, with `extra` arguments;
/// returns the new head.
pub fn stock_commit_at(
    w: &World,
    key: &Path,
    email: &str,
    at: Option<i64>,
    extra: &[&str],
) -> String {
    let mut c = std::process::Command::new("git");
    c.current_dir(w.ledger())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "gpg.format=ssh", "-c"])
        .arg(format!("user.signingkey={}", key.display()))
        .args(["-c", "user.name=X", "-c"])
        .arg(format!("user.email={email}"))
        .args(["commit", "-q", "-S"])
        .args(extra);
    if let Some(t) = at {
        c.env("GIT_COMMITTER_DATE", format!("@{t} +0000"))
            .env("GIT_AUTHOR_DATE", format!("@{t} +0000"));
    }
    let out = c.output().expect("git runs");
    assert!(
        out.status.success(),
        "git commit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.head()
}

/// The scale issue's promise: resuming from what an earlier run proved, and reading history
/// on one thread instead of many, report exactly the failures of a full run. On a copy of the
/// ledger: prove the parent of the broken commit, then verify the broken history incrementally
/// (from that proof) and fully on one thread, and compare with `full`; and full runs on two and
/// four reader threads give the very report (every field, failures in order) of the serial one.
pub fn assert_same_failures_every_way(w: &World, commit: &str, full: &Value) {
    let copy = w.path().join("ledger-copy");
    let _ = std::fs::remove_dir_all(&copy);
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(w.ledger())
        .arg(&copy)
        .status()
        .expect("cp runs");
    assert!(status.success(), "copying the ledger");
    let copy_arg = copy.to_str().expect("utf-8").to_string();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&copy)
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let head = git(&["rev-parse", "refs/heads/main"]);
    let parent = std::process::Command::new("git")
        .arg("-C")
        .arg(&copy)
        .args(["rev-parse", "--verify", "-q", &format!("{commit}^")])
        .output()
        .expect("git runs");
    if !parent.status.success() {
        let _ = std::fs::remove_dir_all(&copy);
        return; // the genesis itself is broken: nothing before it to prove
    }
    let parent = String::from_utf8_lossy(&parent.stdout).trim().to_string();
    let run = |args: &[&str]| {
        let mut all = vec![
            "--json",
            "--ledger",
            copy_arg.as_str(),
            "verify",
            "--forget",
        ];
        all.extend_from_slice(args);
        let out = w.run(&all);
        let v: Value = serde_json::from_slice(&out.stdout).expect("verify --json prints JSON");
        (code(&out), v)
    };
    git(&["update-ref", "refs/heads/main", &parent]);
    let (c, proved) = run(&[]);
    if c != 0 {
        // The broken commit is not the first broken one on this history (a test that stacks
        // attacks); the comparison needs a clean prefix.
        assert_eq!(c, 1, "{proved:#}");
        let _ = std::fs::remove_dir_all(&copy);
        return;
    }
    git(&["update-ref", "refs/heads/main", &head]);
    let mut all = vec!["--json", "--ledger", copy_arg.as_str(), "verify"];
    all.push("--jobs");
    all.push("2");
    let out = w.run(&all);
    let resumed: Value = serde_json::from_slice(&out.stdout).expect("verify --json prints JSON");
    assert_eq!(
        resumed["resumed_from"], parent,
        "the second run resumed from the proved parent: {resumed:#}"
    );
    let (serial_code, serial) = run(&["--full", "--jobs", "1"]);
    assert!(
        serial.get("resumed_from").is_none(),
        "--full replays from genesis"
    );
    // Many readers on a short history: batches of one or two commits read at once by four
    // threads, decided in order. The whole report is the serial one, failures in the same order.
    for jobs in ["2", "4"] {
        let (c, parallel) = run(&["--full", "--jobs", jobs]);
        assert_eq!(
            (c, &parallel),
            (serial_code, &serial),
            "verify --full --jobs {jobs} reports otherwise than --jobs 1"
        );
    }
    // A rewrite is judged against the memory of the original ledger, which the copy forgot.
    let history_failures = |r: &Value| -> Vec<Value> {
        r["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .filter(|f| f["rule"] != "rewrite")
            .cloned()
            .collect()
    };
    for (what, other) in [("incremental", &resumed), ("serial full", &serial)] {
        assert_eq!(
            history_failures(other),
            history_failures(full),
            "{what} verification reports other failures than the full parallel one"
        );
        assert_eq!(other["commits"], full["commits"], "{what}: commit count");
    }
    let _ = std::fs::remove_dir_all(&copy);
}

/// A `git daemon` serving every repository under `base` (push enabled) on a free port of
/// 127.0.0.1, stopped and waited for when dropped.
///
/// It runs `git-daemon` from `git --exec-path` itself, not `git daemon`: the `git` wrapper runs
/// the daemon as a child of its own and cannot pass a SIGKILL on, so killing the wrapper left a
/// `git-daemon` listening after every test run. Here the child is the daemon. Drop asks it to
/// stop with SIGTERM and waits (a connection still being served ends with its client), and
/// kills it only when it has not stopped within a few seconds.
pub struct Daemon {
    child: std::process::Child,
    port: u16,
}

impl Daemon {
    pub fn start(w: &World, base: &Path) -> Daemon {
        use std::net::{TcpListener, TcpStream};
        use std::process::{Command, Stdio};
        use std::time::{Duration, Instant};
        let exec_path = w.git_at(w.path(), &["--exec-path"]);
        assert!(
            exec_path.status.success(),
            "git --exec-path: {}",
            stderr(&exec_path)
        );
        let program =
            PathBuf::from(String::from_utf8_lossy(&exec_path.stdout).trim()).join("git-daemon");
        let log = w.path().join("daemon.log");
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .expect("bind a free port")
                .local_addr()
                .expect("local addr")
                .port();
            let mut child = Command::new(&program)
                .env("HOME", w.home())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .args([
                    "--reuseaddr",
                    "--listen=127.0.0.1",
                    &format!("--port={port}"),
                    &format!("--base-path={}", s(base)),
                    "--export-all",
                    "--enable=receive-pack",
                    "--informative-errors",
                    s(base),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("daemon log"))
                .spawn()
                .unwrap_or_else(|e| panic!("{} starts: {e}", program.display()));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Daemon { child, port };
                }
                if child.try_wait().expect("daemon status").is_some() {
                    break; // the port was taken in between: another one
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "git daemon did not listen on {port} within 10 s: {}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!(
            "git daemon would not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }

    /// The daemon's process id (the child itself is `git-daemon`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        use std::time::{Duration, Instant};
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let term = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        if matches!(term, Ok(s) if s.success()) {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// Paths and commits the tamper tests build by hand, computed here independently of the library.

/// The e-mail in commits by the editor `coordinator` (the one `World::init` makes).
pub const EDITOR_EMAIL: &str = "coordinator@editor.undersigned.invalid";

/// The e-mail in commits by organization `org`.
pub fn org_email(org: &str) -> String {
    format!("{org}@org.undersigned.invalid")
}

/// The fan-out directory of an organization id: first byte of sha256(id), two hex digits.
pub fn fanout(id: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:02x}", Sha256::digest(id.as_bytes())[0])
}

/// The directory of organization `org`.
pub fn org_dir(org: &str) -> String {
    format!("orgs/{}/{org}", fanout(org))
}

/// The path of act `seq` of `org` on statement `stmt`.
pub fn act_path_of(stmt: &str, org: &str, seq: u32) -> String {
    format!("statements/{stmt}/acts/{}/{org}/{seq:04}.json", fanout(org))
}

/// The path of act `seq` of `org` on statement `icc` (the one `World::standard` makes).
pub fn act_path(org: &str, seq: u32) -> String {
    act_path_of("icc", org, seq)
}

/// A stock commit signed by the editor `coordinator`.
pub fn editor_commit(w: &World, msg: &str) -> String {
    stock_commit_at(w, &w.key("editor"), EDITOR_EMAIL, None, &["-m", msg])
}

/// A stock commit signed by organization `org` (key file of the same name).
pub fn org_commit(w: &World, org: &str, msg: &str) -> String {
    stock_commit_at(w, &w.key(org), &org_email(org), None, &["-m", msg])
}

/// Runs `undersigned ARGS` under a pseudo-terminal (util-linux `script`), typing `input`, with
/// the world's environment plus `env`; stdout and stderr arrive together in the output's
/// stdout, as a terminal shows them. `None` when `script` is not installed.
pub fn on_tty(w: &World, args: &[&str], input: &str, env: &[(&str, &str)]) -> Option<Output> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed (no pseudo-terminal)");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("undersigned");
    let quote = |a: &str| format!("'{}'", a.replace('\'', "'\\''"));
    let mut cmdline = quote(s(&bin));
    for a in args {
        cmdline.push(' ');
        cmdline.push_str(&quote(a));
    }
    let mut c = Command::new("script");
    c.args(["-qec", &cmdline, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("UNDERSIGNED_LEDGER", w.ledger())
        .env("TERM", "dumb")
        .current_dir(w.path());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        // Typed slowly enough that each answer meets its prompt (a terminal discards nothing,
        // but a prompt that reads a password turns echo off first).
        for line in input.split_inclusive('\n') {
            std::thread::sleep(std::time::Duration::from_millis(300));
            stdin.write_all(line.as_bytes()).expect("type");
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    Some(child.wait_with_output().expect("script output"))
}
