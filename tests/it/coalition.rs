//! Many hands: clone, sync and the server hook over real git remotes (bare paths, file://, and
//! a `git daemon` on 127.0.0.1 started and stopped by the tests).
//!
//! Transports: the git:// daemon carries the concurrent run (clones and every sync); plain
//! paths carry the rewrite, key-memory and nothing-lost cases and the final auditor's clone;
//! `file://` carries the hook's remote and the clone of another genesis.
//!
//! Why: a ledger shared between organizations is only as trustworthy as what each copy lets in.
//! These tests show that nothing unverified gets in on either side (a clone of another genesis
//! or of a failing history leaves no directory behind; the server's hook refuses a plain `git
//! push` that does not verify, with the reason in the pusher's terminal), that a validly signed
//! rewrite of published history is still refused by name, that concurrent acts are rebuilt and
//! re-signed by the key that made them (or dropped when the remote already says the same), and
//! that a failed sync — unreachable remote, refused push, unknown key — loses nothing local.

use crate::common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Stock git in `dir`, asserting success; returns stdout trimmed.
fn git_in_ok(w: &World, dir: &Path, args: &[&str]) -> String {
    let out = w.git_at(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        stderr(&out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A stock `git commit` in `dir` by a plain git user (no signature).
fn plain_commit(w: &World, dir: &Path, message: &str) {
    git_in_ok(w, dir, &["add", "-A"]);
    git_in_ok(
        w,
        dir,
        &[
            "-c",
            "user.name=Plain",
            "-c",
            "user.email=plain@example.org",
            "commit",
            "-q",
            "-m",
            message,
        ],
    );
}

/// `undersigned ARGS` on the ledger (clone) `dir`.
fn us(w: &World, dir: &Path, args: &[&str]) -> Output {
    w.cmd()
        .env("UNDERSIGNED_LEDGER", dir)
        .args(args)
        .output()
        .expect("run undersigned")
}

/// `undersigned --json ARGS` on `dir`, asserting exit 0; the parsed JSON.
fn us_json(w: &World, dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = us(w, dir, &all);
    assert!(
        out.status.success(),
        "undersigned {args:?} on {}: {}",
        dir.display(),
        said(&out)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// `undersigned --json ARGS` on `dir` expected to fail: exit code, JSON, stderr.
fn us_fails(w: &World, dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = us(w, dir, &all);
    assert!(
        !out.status.success(),
        "{args:?} should fail: {}",
        said(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", said(&out));
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON on stdout ({e}): {}", said(&out)));
    assert_eq!(v["ok"], false, "{v}");
    (code(&out), v, stderr(&out))
}

/// A new bare repository `name` under the world's `srv/` directory.
fn bare(w: &World, name: &str) -> PathBuf {
    let srv = w.path().join("srv");
    std::fs::create_dir_all(&srv).expect("srv dir");
    git_in_ok(
        w,
        &srv,
        &["init", "-q", "--bare", "--initial-branch=main", name],
    );
    srv.join(name)
}

/// `undersigned hook install BARE --trust ID`.
fn install_hook(w: &World, bare: &Path, trust: &str) {
    let v = us_json(w, bare, &["hook", "install", s(bare), "--trust", trust]);
    assert_eq!(v["trust"], trust, "{v}");
}

/// A commit id in `dir` (`refs/heads/main` by default), or None when it does not resolve.
fn rev(w: &World, dir: &Path, what: &str) -> Option<String> {
    let out = w.git_at(dir, &["rev-parse", "--verify", "-q", what]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main_of(w: &World, dir: &Path) -> String {
    rev(w, dir, "refs/heads/main").expect("main exists")
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// Head, work tree status and the list of refs: what a refused sync must leave as it was.
fn state_of(w: &World, dir: &Path) -> (String, String, String) {
    (
        main_of(w, dir),
        git_in_ok(w, dir, &["status", "--porcelain", "--untracked-files=all"]),
        git_in_ok(w, dir, &["for-each-ref", "refs/heads"]),
    )
}

/// `sync --json` on `dir`, asserting success.
fn sync_ok(w: &World, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["sync"];
    args.extend_from_slice(extra);
    us_json(w, dir, &args)
}

/// `verify --json --full --trust ID` on `dir`, asserting ok.
fn verified(w: &World, dir: &Path, id: &str) -> Value {
    let v = us_json(w, dir, &["verify", "--full", "--trust", id]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["trusted"], true, "{v}");
    v
}

/// Every commit on main has a good signature for stock git (`%G?` is `G`) with the ledger's
/// own allowed_signers, and `git fsck --strict` is clean.
fn stock_git_agrees(w: &World, dir: &Path) {
    // From the head's tree, not the work tree: a bare clone has none.
    let signers = w.path().join(format!(
        "allowed_signers-{}",
        dir.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let text = git_in_ok(w, dir, &["show", "refs/heads/main:allowed_signers"]);
    std::fs::write(&signers, format!("{text}\n")).expect("write allowed_signers");
    let log = git_in_ok(
        w,
        dir,
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", s(&signers)),
            "log",
            "--format=%H %G?",
            "refs/heads/main",
        ],
    );
    for line in log.lines() {
        assert!(line.ends_with(" G"), "stock git: {line}");
    }
    git_in_ok(w, dir, &["fsck", "--strict"]);
}

/// Registers `org` (key made with ssh-keygen, file `org`) on the world's ledger.
fn add_org(w: &World, org: &str) {
    let k = w.ssh_keygen(org);
    w.ok(&[
        "org",
        "add",
        org,
        "--name",
        &format!("Org {org}"),
        "--pubkey",
        &format!("{}.pub", k.display()),
        "--key",
        &w.key_arg("editor"),
    ]);
}

/// The world's ledger published to a new bare repository `name` (hooked with the ledger id
/// when `hooked`), with remote origin `url_of(bare)`; returns the bare path.
fn publish(w: &World, name: &str, hooked: Option<&str>, url: &str) -> PathBuf {
    let b = bare(w, name);
    if let Some(id) = hooked {
        install_hook(w, &b, id);
    }
    let url = if url.is_empty() { s(&b) } else { url };
    w.git_ok(&["remote", "add", "origin", url]);
    let r = w.json(&["sync"]);
    assert_eq!(r["head"], w.head(), "{r}");
    assert_eq!(r["received"], 0, "{r}");
    assert_eq!(main_of(w, &b), w.head());
    b
}

/// A tiny deterministic generator (SplitMix64), so the concurrent run is the same mix of acts
/// every time (only the interleaving varies).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The act record `path` as committed in `commit`: (act, version).
fn record_at(w: &World, dir: &Path, commit: &str, path: &str) -> (String, Option<u64>) {
    let text = git_in_ok(w, dir, &["show", &format!("{commit}:{path}")]);
    let v: Value = serde_json::from_str(&text).expect("act record is JSON");
    (
        v["act"].as_str().expect("act").to_string(),
        v["version"].as_u64(),
    )
}

/// Every act record of `org` on `stmt` in the work tree of `dir`, in order: (file name,
/// act, version).
fn records_in_tree(dir: &Path, stmt: &str, org: &str) -> Vec<(String, String, Option<u64>)> {
    let acts = dir.join("statements").join(stmt).join("acts");
    let mut out = Vec::new();
    let Ok(fans) = std::fs::read_dir(&acts) else {
        return out;
    };
    for fan in fans {
        let d = fan.expect("entry").path().join(org);
        let Ok(files) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<PathBuf> = files.map(|f| f.expect("entry").path()).collect();
        names.sort();
        for f in names {
            let v: Value = serde_json::from_slice(&std::fs::read(&f).expect("read record"))
                .expect("record JSON");
            let rel = f
                .strip_prefix(dir)
                .expect("under the clone")
                .to_str()
                .expect("utf-8")
                .to_string();
            out.push((
                rel,
                v["act"].as_str().expect("act").to_string(),
                v["version"].as_u64(),
            ));
        }
    }
    out
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_str().expect("name").to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Eight clones over git://, acting and syncing at once
// ---------------------------------------------------------------------------------------------

const ORGS: usize = 8;
const ACTS: usize = 25;
const STMTS: usize = 5;
/// Each lost round means another clone's push landed, and the whole run lands fewer than 250
/// pushes, so a sync cannot run out of 250 rounds: the test measures contention (the figures it
/// prints) instead of depending on it. (With the default of 20, a few syncs in a run give up.)
const TRIES: &str = "250";

/// What one organization's clone did.
struct OrgRun {
    org: String,
    dir: PathBuf,
    /// The acts that changed the ledger, in order: (record path, act, version).
    changed: Vec<(String, String, Option<u64>)>,
    unchanged: usize,
    published: u64,
    /// Rounds each sync took.
    tries: Vec<u64>,
}

fn org_run(
    w: &World,
    url: &str,
    id: &str,
    n: usize,
    org: &str,
    progress: Option<mpsc::Sender<usize>>,
) -> OrgRun {
    let dir = w.path().join("clones").join(org);
    let c = us_json(w, &dir, &["clone", url, s(&dir), "--trust", id]);
    assert_eq!(c["trusted"], true, "{c}");
    assert_eq!(c["ledger_id"], id, "{c}");
    let key = w.key_arg(org);
    let mut mix = Mix(n as u64 * 7919 + 1);
    let mut endorsing = [false; STMTS];
    let mut run = OrgRun {
        org: org.to_string(),
        dir: dir.clone(),
        changed: Vec::new(),
        unchanged: 0,
        published: 0,
        tries: Vec::new(),
    };
    for j in 0..ACTS {
        let r = mix.next();
        let k = (r % STMTS as u64) as usize;
        let stmt = format!("s{}", k + 1);
        // Endorsing: mostly withdraw, sometimes sign again (a newer version if the editor
        // revised meanwhile, else "already endorses"). Not endorsing: sign (again).
        let withdraw = endorsing[k] && !(r >> 16).is_multiple_of(3);
        let reason = format!("act {j} of {org}");
        let args: Vec<&str> = if withdraw {
            vec![
                "withdraw", &stmt, "--org", org, "--reason", &reason, "--key", &key,
            ]
        } else {
            vec!["sign", &stmt, "--org", org, "--key", &key]
        };
        let out = us_json(w, &dir, &args);
        endorsing[k] = !withdraw;
        if out["changed"] == true {
            let commit = out["commit"].as_str().expect("commit of a changed act");
            let path = out["paths"]
                .as_array()
                .expect("paths")
                .iter()
                .filter_map(Value::as_str)
                .find(|p| p.contains("/acts/"))
                .unwrap_or_else(|| panic!("no act record among {out}"))
                .to_string();
            let (act, version) = record_at(w, &dir, commit, &path);
            assert_eq!(act, if withdraw { "withdraw" } else { "endorse" });
            run.changed.push((path, act, version));
        } else {
            assert!(!withdraw, "a withdrawal in force always changes: {out}");
            run.unchanged += 1;
        }
        let synced = sync_ok(w, &dir, &["--tries", TRIES]);
        assert_eq!(synced["dropped"], serde_json::json!([]), "{org}: {synced}");
        run.published += synced["published"].as_u64().expect("published");
        run.tries.push(synced["tries"].as_u64().expect("tries"));
        if let Some(tx) = &progress {
            let _ = tx.send(j + 1);
        }
    }
    run
}

#[test]
fn eight_clones_over_git_daemon_acting_at_once_converge_and_every_act_lands_once() {
    let started = Instant::now();
    let w = World::new();
    let id = w.init();
    let e = w.key_arg("editor");
    let stmts: Vec<String> = (1..=STMTS).map(|i| format!("s{i}")).collect();
    for st in &stmts {
        let text = w.write_file(&format!("{st}-1.txt"), &format!("Statement {st}.\n"));
        w.ok(&[
            "statement",
            "new",
            st,
            "--title",
            &format!("Statement {st}"),
            "--text",
            &text,
            "--key",
            &e,
        ]);
    }
    let orgs: Vec<String> = (1..=ORGS).map(|i| format!("org-{i}")).collect();
    for org in &orgs {
        add_org(&w, org);
    }
    let genesis_commits = 1 + STMTS + ORGS;
    let srv = w.path().join("srv");
    let x = bare(&w, "x.git");
    install_hook(&w, &x, &id);
    let daemon = Daemon::start(&w, &srv);
    let url = daemon.url("x.git");
    w.git_ok(&["remote", "add", "origin", &url]);
    let first = w.json(&["sync", "--tries", "50"]);
    assert_eq!(first["published"], genesis_commits as u64, "{first}");
    assert_eq!(
        main_of(&w, &x),
        w.head(),
        "the first sync pushed the ledger"
    );
    std::fs::create_dir_all(w.path().join("clones")).expect("clones dir");

    // The editor revises s1, s2, s1, s3 from its own clone while the organizations act: after
    // org-1's 5th, 10th, 15th and 20th act.
    let revisions = [("s1", 2), ("s2", 2), ("s1", 3), ("s3", 2)];
    let (tx, rx) = mpsc::channel::<usize>();
    let (runs, editor_tries) = std::thread::scope(|scope| {
        let (w, url, id, orgs) = (&w, url.as_str(), id.as_str(), &orgs);
        let mut tx = Some(tx);
        let handles: Vec<_> = orgs
            .iter()
            .enumerate()
            .map(|(n, org)| {
                let progress = if n == 0 { tx.take() } else { None };
                scope.spawn(move || org_run(w, url, id, n, org, progress))
            })
            .collect();
        let editor = scope.spawn(move || {
            let dir = w.path().join("clones").join("editor");
            us_json(w, &dir, &["clone", url, s(&dir), "--trust", id]);
            let e = w.key_arg("editor");
            let mut tries = Vec::new();
            let mut next = 5;
            for (st, v) in revisions {
                while let Ok(done) = rx.recv() {
                    if done >= next {
                        break;
                    }
                }
                next += 5;
                let text = w.write_file(
                    &format!("{st}-{v}.txt"),
                    &format!("Statement {st}, revision {v}.\n"),
                );
                let out = us_json(
                    w,
                    &dir,
                    &["statement", "revise", st, "--text", &text, "--key", &e],
                );
                assert_eq!(out["changed"], true, "{out}");
                let synced = sync_ok(w, &dir, &["--tries", TRIES]);
                assert_eq!(synced["published"], 1, "{synced}");
                tries.push(synced["tries"].as_u64().expect("tries"));
            }
            tries
        });
        let runs: Vec<OrgRun> = handles
            .into_iter()
            .map(|h| h.join().expect("an organization's clone failed"))
            .collect();
        (runs, editor.join().expect("the editor's clone failed"))
    });
    let acting = started.elapsed();

    // Every clone converges on the remote's head after one more sync.
    let remote_head = main_of(&w, &x);
    let editor_dir = w.path().join("clones").join("editor");
    for dir in runs.iter().map(|r| &r.dir).chain([&editor_dir]) {
        let r = sync_ok(&w, dir, &[]);
        assert_eq!(r["published"], 0, "{}: {r}", dir.display());
        assert_eq!(r["head"], remote_head.as_str());
        assert_eq!(main_of(&w, dir), remote_head, "{}", dir.display());
        assert_eq!(
            git_in_ok(&w, dir, &["status", "--porcelain", "--untracked-files=all"]),
            "",
            "{}: the work tree follows the branch",
            dir.display()
        );
    }
    let r = w.json(&["sync"]);
    assert_eq!(r["head"], remote_head.as_str(), "{r}");

    // An auditor's clone (a plain path this time) verifies from genesis, and stock git agrees.
    let fresh = w.path().join("auditor");
    let c = us_json(&w, &fresh, &["clone", s(&x), s(&fresh), "--trust", &id]);
    assert_eq!(c["head"], remote_head.as_str());
    let report = verified(&w, &fresh, &id);
    stock_git_agrees(&w, &fresh);
    git_in_ok(&w, &x, &["fsck", "--strict"]);

    // Every act landed exactly once, in order, with the version it endorsed.
    let mut endorsements = 0;
    let mut withdrawals = 0;
    let mut acts = 0;
    let mut last: BTreeMap<(String, String), String> = BTreeMap::new();
    for run in &runs {
        assert_eq!(
            run.published,
            run.changed.len() as u64,
            "{}: acts published by its syncs",
            run.org
        );
        assert_eq!(run.changed.len() + run.unchanged, ACTS);
        for st in &stmts {
            let mine: Vec<(String, String, Option<u64>)> = run
                .changed
                .iter()
                .filter(|(p, _, _)| p.starts_with(&format!("statements/{st}/acts/")))
                .cloned()
                .collect();
            let there = records_in_tree(&fresh, st, &run.org);
            assert_eq!(
                there, mine,
                "{} on {st}: the remote holds exactly the acts its clone made",
                run.org
            );
            if let Some((_, act, _)) = mine.last() {
                last.insert((st.clone(), run.org.clone()), act.clone());
            }
        }
        for (_, act, _) in &run.changed {
            match act.as_str() {
                "endorse" => endorsements += 1,
                _ => withdrawals += 1,
            }
        }
        acts += run.changed.len();
    }
    assert_eq!(report["endorsements"], endorsements, "{report}");
    assert_eq!(report["withdrawals"], withdrawals, "{report}");
    assert_eq!(
        report["commits"],
        (genesis_commits + acts + revisions.len()) as u64,
        "{report}"
    );
    assert_eq!(report["versions"], (STMTS + revisions.len()) as u64);
    for st in &stmts {
        let a = us_json(&w, &fresh, &["audit", st]);
        let want_withdrawn: BTreeSet<String> = last
            .iter()
            .filter(|((t, _), act)| t == st && *act == "withdraw")
            .map(|((_, o), _)| o.clone())
            .collect();
        let want_endorsing: BTreeSet<String> = last
            .iter()
            .filter(|((t, _), act)| t == st && *act == "endorse")
            .map(|((_, o), _)| o.clone())
            .collect();
        assert_eq!(names(&a["withdrawn"]), want_withdrawn, "{st}: {a}");
        let mut endorsing = names(&a["current"]);
        endorsing.extend(names(&a["stale"]));
        assert_eq!(endorsing, want_endorsing, "{st}: {a}");
    }
    let all: Vec<u64> = runs
        .iter()
        .flat_map(|r| r.tries.iter().copied())
        .chain(editor_tries)
        .collect();
    let tries: u64 = all.iter().sum();
    eprintln!(
        "coalition: {ORGS} clones x {ACTS} acts over git://: {acts} acts changed the ledger \
         ({endorsements} endorsements, {withdrawals} withdrawals, {} already said), {} editor \
         revisions; {} syncs took {tries} rounds in all (most {}, {} took more than the \
         default 20); acting phase {:.1} s, whole test {:.1} s",
        runs.iter().map(|r| r.unchanged).sum::<usize>(),
        revisions.len(),
        all.len(),
        all.iter().max().unwrap_or(&0),
        all.iter().filter(|t| **t > 20).count(),
        acting.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop(daemon);
}

/// Processes whose command line names `needle` (other than this test process).
fn processes_naming(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if pid == std::process::id().to_string() {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue; // gone meanwhile
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

#[test]
fn no_git_daemon_started_by_a_test_outlives_it() {
    let w = World::new();
    w.init();
    let srv = w.path().join("srv");
    let b = bare(&w, "x.git");
    w.git_ok(&["push", "-q", s(&b), "main"]);
    let daemon = Daemon::start(&w, &srv);
    let (pid, port, url) = (daemon.pid(), daemon.port(), daemon.url("x.git"));
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).expect("daemon process");
    assert_eq!(
        comm.trim(),
        "git-daemon",
        "the guard's child is the daemon itself"
    );
    // Serve a fetch, so that the daemon has forked a connection handler once.
    let listed = git_in_ok(&w, w.path(), &["ls-remote", &url, "refs/heads/main"]);
    assert!(listed.contains("refs/heads/main"), "{listed}");
    drop(daemon);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "git-daemon {pid} is still there after its guard was dropped"
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something still listens on the daemon's port {port}"
    );
    // Nothing else serves this test's repositories: a daemon left running by a wrapper, or a
    // connection handler, would carry the base path in its command line.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_naming(s(&srv));
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "processes started for this test's daemon outlive it: {left:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Refusals and recoveries, one clone or two at a time
// ---------------------------------------------------------------------------------------------

/// `undersigned clone URL DIR --trust ID` into `w/NAME`, asserting it verified as ledger `id`.
fn clone_as(w: &World, url: &str, name: &str, id: &str) -> PathBuf {
    let dir = w.path().join(name);
    let c = us_json(w, w.path(), &["clone", url, s(&dir), "--trust", id]);
    assert_eq!(c["trusted"], true, "{c}");
    assert_eq!(c["ledger_id"], id, "{c}");
    dir
}

/// `undersigned --json ACT…` on `dir` that must change the ledger; returns the new commit.
fn act(w: &World, dir: &Path, args: &[&str]) -> String {
    let out = us_json(w, dir, args);
    assert_eq!(out["changed"], true, "{args:?}: {out}");
    let commit = out["commit"].as_str().expect("commit").to_string();
    assert_eq!(main_of(w, dir), commit);
    commit
}

fn sign(w: &World, dir: &Path, org: &str) -> String {
    act(
        w,
        dir,
        &["sign", "icc", "--org", org, "--key", &w.key_arg(org)],
    )
}

/// The names in a directory, sorted (what a refused clone must not leave behind).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Whether `ancestor` is on the history of `dir`'s main.
fn has_commit(w: &World, dir: &Path, ancestor: &str) -> bool {
    w.git_at(
        dir,
        &["merge-base", "--is-ancestor", ancestor, "refs/heads/main"],
    )
    .status
    .success()
}

fn keys_used(dir: &Path) -> PathBuf {
    dir.join(".git").join("undersigned").join("keys-used")
}

/// The orgs endorsing version `v` of icc in an audit of `dir`.
fn endorsers(w: &World, dir: &Path, v: u64) -> Vec<String> {
    let a = us_json(w, dir, &["audit", "icc"]);
    let version = a["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|x| x["version"] == v)
        .unwrap_or_else(|| panic!("no version {v}: {a}"));
    let mut orgs: Vec<String> = version["endorsements"]
        .as_array()
        .expect("endorsements")
        .iter()
        .map(|e| e["org"].as_str().expect("org").to_string())
        .collect();
    orgs.sort();
    orgs
}

#[test]
fn sync_refuses_a_rewritten_remote_naming_the_head_it_verified_and_changes_nothing() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "rewritten.git", None, "");
    let verified_head = act(
        &w,
        &w.ledger(),
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
    );
    assert_eq!(w.json(&["sync"])["published"], 1);
    let a = clone_as(&w, s(&b), "a", &id);
    let r = sync_ok(&w, &a, &[]);
    assert_eq!(r["head"], verified_head.as_str(), "{r}");
    let mine = sign(&w, &a, "hrw");

    // Someone with the editor's key and push access rewrites the shared copy: every commit is
    // validly signed, but fidh's published endorsement is gone.
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    let text = w.write_file("v2.txt", "A different second text.\n");
    let forged = act(
        &w,
        &w.ledger(),
        &[
            "statement",
            "revise",
            "icc",
            "--text",
            &text,
            "--key",
            &w.key_arg("editor"),
        ],
    );
    w.git_ok(&["push", "-q", "--force", "origin", "main"]);
    assert_eq!(main_of(&w, &b), forged);
    assert!(!has_commit(&w, &b, &verified_head));

    let before = state_of(&w, &a);
    for _ in 0..2 {
        // Refused every time, not only on the first look.
        let (code, v, err) = us_fails(&w, &a, &["sync"]);
        assert_eq!(code, 1, "{v}\n{err}");
        let failures = v["failures"].as_array().expect("failures");
        assert_eq!(failures.len(), 1, "{v}");
        assert_eq!(failures[0]["rule"], "rewrite", "{v}");
        assert_eq!(failures[0]["commit"], forged.as_str(), "{v}");
        let reason = failures[0]["reason"].as_str().expect("reason");
        assert!(reason.contains(&verified_head), "{reason}");
        assert!(err.contains(&verified_head), "{err}");
        assert_eq!(state_of(&w, &a), before, "a refused sync changed the clone");
    }
    assert_eq!(
        main_of(&w, &a),
        mine,
        "the unpublished act is still the head"
    );
    assert!(has_commit(&w, &a, &verified_head));
    verified(&w, &a, &id);
    assert_eq!(main_of(&w, &b), forged, "nothing was pushed");
}

#[test]
fn clone_refuses_another_genesis_and_a_failing_history_leaving_nothing_behind() {
    let w = World::new();
    let id = w.standard();
    let parent = w.path().join("clones");
    std::fs::create_dir_all(&parent).expect("clones dir");

    // Another ledger (a valid one, made with the same editor key), served over file://.
    let other = w.path().join("other");
    us_json(
        &w,
        &other,
        &["init", "--name", "Other", "--key", &w.key_arg("editor")],
    );
    let ob = bare(&w, "other.git");
    git_in_ok(&w, &other, &["push", "-q", s(&ob), "main"]);
    let target = parent.join("icc");
    let (code, v, err) = us_fails(
        &w,
        &parent,
        &["clone", &file_url(&ob), s(&target), "--trust", &id],
    );
    assert_eq!(code, 1, "{v}\n{err}");
    let failures = v["failures"].as_array().expect("failures");
    assert!(
        failures
            .iter()
            .any(|f| f["rule"] == "trust" && f["reason"].as_str().unwrap_or("").contains(&id)),
        "{v}"
    );
    assert!(
        !target.exists(),
        "a refused clone left {}",
        target.display()
    );
    assert_eq!(
        entries(&parent),
        Vec::<String>::new(),
        "scratch left behind"
    );

    // The right ledger, with an unsigned commit pushed by stock git to an unguarded server.
    let b = publish(&w, "bad.git", None, "");
    let work = w.path().join("work");
    git_in_ok(&w, w.path(), &["clone", "-q", s(&b), s(&work)]);
    std::fs::write(work.join("notes.txt"), "meeting notes\n").expect("write");
    plain_commit(&w, &work, "notes");
    let unsigned = main_of(&w, &work);
    git_in_ok(&w, &work, &["push", "-q", "origin", "main"]);
    assert_eq!(main_of(&w, &b), unsigned);
    let (code, v, err) = us_fails(&w, &parent, &["clone", s(&b), s(&target), "--trust", &id]);
    assert_eq!(code, 1, "{v}\n{err}");
    let failures = v["failures"].as_array().expect("failures");
    assert!(
        failures
            .iter()
            .any(|f| f["rule"] == "signature" && f["commit"] == unsigned.as_str()),
        "{v}"
    );
    assert!(err.contains(&unsigned), "{err}");
    assert!(
        !target.exists(),
        "a refused clone left {}",
        target.display()
    );
    assert_eq!(
        entries(&parent),
        Vec::<String>::new(),
        "scratch left behind"
    );

    // A directory that holds something: usage error, untouched.
    let busy = parent.join("busy");
    std::fs::create_dir_all(&busy).expect("busy dir");
    std::fs::write(busy.join("mine.txt"), "my own file\n").expect("write");
    let (code, v, err) = us_fails(&w, &parent, &["clone", &file_url(&ob), s(&busy)]);
    assert_eq!(code, 2, "{v}\n{err}");
    assert!(err.contains("busy") && err.contains("not empty"), "{err}");
    assert_eq!(entries(&busy), vec!["mine.txt".to_string()]);
    assert_eq!(
        std::fs::read_to_string(busy.join("mine.txt")).expect("read"),
        "my own file\n"
    );
    assert_eq!(
        entries(&parent),
        vec!["busy".to_string()],
        "scratch left behind"
    );
}

/// A stock `git push ARGS` from `work` that the hooked `bare` must refuse with the hook's
/// reason (each of `want`) in the pusher's terminal, leaving the server as it was.
fn refused_push(w: &World, work: &Path, bare: &Path, args: &[&str], want: &[&str]) {
    let refs = git_in_ok(w, bare, &["for-each-ref"]);
    let out = w.git_at(work, args);
    let err = stderr(&out);
    assert!(!out.status.success(), "git {args:?} landed: {err}");
    assert!(
        err.contains("remote: undersigned: push refused"),
        "git {args:?}: the hook's reason did not reach the pusher:\n{err}"
    );
    for needle in want {
        assert!(
            err.lines()
                .any(|l| l.starts_with("remote: ") && l.contains(needle)),
            "git {args:?}: no remote line with {needle:?}:\n{err}"
        );
    }
    assert_eq!(
        git_in_ok(w, bare, &["for-each-ref"]),
        refs,
        "git {args:?}: the server's refs moved"
    );
}

#[test]
fn hook_refuses_plain_git_pushes_that_do_not_verify_and_lets_a_valid_one_land() {
    let w = World::new();
    let id = w.standard();
    let hb = w.path().join("srv").join("guarded.git");
    let b = publish(&w, "guarded.git", Some(&id), &file_url(&hb));
    assert_eq!(b, hb);
    let published = main_of(&w, &b);
    let work = w.path().join("work");
    git_in_ok(&w, w.path(), &["clone", "-q", &file_url(&b), s(&work)]);
    let reset = || git_in_ok(&w, &work, &["reset", "-q", "--hard", &published]);

    // (a) An unsigned commit.
    std::fs::write(work.join("notes.txt"), "meeting notes\n").expect("write");
    plain_commit(&w, &work, "notes");
    let c = main_of(&w, &work);
    refused_push(
        &w,
        &work,
        &b,
        &["push", "origin", "main"],
        &[&c, "[signature]"],
    );
    reset();

    // (b) A validly signed commit by a registered organization that edits the statement's
    // text: stock git agrees the signature is good, the ledger's rules do not.
    let text = work.join("statements/icc/versions/0001.txt");
    let mut t = std::fs::read_to_string(&text).expect("statement text");
    t.push_str("And we endorse nothing.\n");
    std::fs::write(&text, t).expect("write");
    git_in_ok(&w, &work, &["add", "-A"]);
    git_in_ok(
        &w,
        &work,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", w.key_arg("hrw")),
            "-c",
            "user.name=hrw",
            "-c",
            "user.email=hrw@org.undersigned.invalid",
            "commit",
            "-q",
            "-S",
            "-m",
            "hrw improves the text",
        ],
    );
    let c = main_of(&w, &work);
    git_in_ok(
        &w,
        &work,
        &[
            "-c",
            &format!(
                "gpg.ssh.allowedSignersFile={}",
                s(&work.join("allowed_signers"))
            ),
            "verify-commit",
            &c,
        ],
    );
    refused_push(
        &w,
        &work,
        &b,
        &["push", "origin", "main"],
        &[&c, "statements/icc/versions/0001.txt", "[append-only]"],
    );
    reset();

    // (c) A valid history to another branch.
    refused_push(
        &w,
        &work,
        &b,
        &["push", "origin", "main:refs/heads/drafts"],
        &["refs/heads/drafts", "only refs/heads/main", "[push]"],
    );

    // (d) A forced push of a shorter (validly signed) history, and deleting main.
    let parent = rev(&w, &work, "main~1").expect("a parent");
    refused_push(
        &w,
        &work,
        &b,
        &["push", "--force", "origin", "main~1:refs/heads/main"],
        &[&parent, &published, "history rewritten"],
    );
    refused_push(
        &w,
        &work,
        &b,
        &["push", "origin", ":refs/heads/main"],
        &[&published, "deleting", "[push]"],
    );

    // A valid act, pushed with plain git, lands.
    let signed = sign(&w, &w.ledger(), "hrw");
    let out = w.git(&["push", "origin", "main"]);
    assert!(out.status.success(), "valid push refused: {}", stderr(&out));
    assert_eq!(main_of(&w, &b), signed);
    git_in_ok(&w, &b, &["fsck", "--strict"]);

    // Someone else's pre-receive hook is left alone.
    let fb = bare(&w, "foreign.git");
    let hook = fb.join("hooks").join("pre-receive");
    let mine = "#!/bin/sh\necho 'our own checks'\nexit 0\n";
    std::fs::write(&hook, mine).expect("write hook");
    let out = us(
        &w,
        &fb,
        &["--json", "hook", "install", s(&fb), "--trust", &id],
    );
    assert_eq!(code(&out), 2, "{}", said(&out));
    let err = stderr(&out);
    assert!(
        err.contains(s(&hook)) && err.contains("not installed by undersigned"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&hook).expect("hook"), mine);
    assert!(
        !&w.git_at(&fb, &["config", "--get", "receive.denyNonFastForwards"])
            .status
            .success(),
        "a refused install changed the repository's config"
    );
}

#[test]
fn transport_path_and_file_url_each_carry_a_clone_an_act_and_a_sync() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "plain.git", None, "");
    let by_path = clone_as(&w, s(&b), "by-path", &id);
    let url = file_url(&b);
    let by_url = clone_as(&w, &url, "by-url", &id);
    assert_eq!(
        git_in_ok(&w, &by_url, &["remote", "get-url", "origin"]),
        url
    );

    sign(&w, &by_path, "hrw");
    let r = sync_ok(&w, &by_path, &[]);
    assert_eq!(
        (r["received"].as_u64(), r["published"].as_u64()),
        (Some(0), Some(1)),
        "{r}"
    );

    // The second clone acted without knowing: its act is rebuilt on top, with the key it
    // remembers, over file://.
    let local = sign(&w, &by_url, "fidh");
    let r = sync_ok(&w, &by_url, &[]);
    assert_eq!(
        (r["received"].as_u64(), r["published"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["head"], main_of(&w, &b).as_str());
    assert_ne!(
        main_of(&w, &b),
        local,
        "rebuilt on top of the path clone's act"
    );

    let r = sync_ok(&w, &by_path, &[]);
    assert_eq!(r["received"], 1, "{r}");
    let r = w.json(&["sync"]);
    assert_eq!(r["received"], 2, "{r}");
    for dir in [&by_path, &by_url, &w.ledger()] {
        assert_eq!(main_of(&w, dir), main_of(&w, &b));
    }
    assert_eq!(endorsers(&w, &by_url, 1), ["fidh", "hrw"]);
    verified(&w, &by_url, &id);
    stock_git_agrees(&w, &by_url);
}

#[test]
fn sync_loses_nothing_when_the_remote_is_unreachable_or_refuses_the_push() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "shared.git", None, "");
    let a = clone_as(&w, s(&b), "a", &id);
    let mine = sign(&w, &a, "hrw");
    // Meanwhile the shared copy moved on: A's act will have to be rebuilt.
    sign(&w, &w.ledger(), "fidh");
    w.json(&["sync"]);
    let remote = main_of(&w, &b);
    let memory = std::fs::read_to_string(keys_used(&a)).expect("keys-used");

    // Unreachable.
    let nowhere = w.path().join("nowhere.git");
    git_in_ok(&w, &a, &["remote", "set-url", "origin", s(&nowhere)]);
    let before = state_of(&w, &a);
    let (code, v, err) = us_fails(&w, &a, &["sync"]);
    assert_eq!(code, 3, "a network failure exits 3: {v}\n{err}");
    assert!(
        err.contains("git fetch") && err.contains("nowhere.git"),
        "{err}"
    );
    assert_eq!(state_of(&w, &a), before);
    assert_eq!(main_of(&w, &a), mine);
    assert_eq!(
        std::fs::read_to_string(keys_used(&a)).expect("keys-used kept"),
        memory
    );

    // Reachable, but its hook refuses every push (it guards another ledger id).
    git_in_ok(&w, &a, &["remote", "set-url", "origin", s(&b)]);
    install_hook(&w, &b, &mine);
    let (code, v, err) = us_fails(&w, &a, &["sync"]);
    assert_eq!(code, 2, "{v}\n{err}");
    assert!(
        err.contains("refused the push") && err.contains("[trust]"),
        "the hook's reason is relayed: {err}"
    );
    assert_eq!(state_of(&w, &a), before);
    assert_eq!(main_of(&w, &b), remote, "nothing landed");
    assert_eq!(
        std::fs::read_to_string(keys_used(&a)).expect("keys-used kept"),
        memory
    );

    // Fixed: the same sync, with no flags, lands the act.
    install_hook(&w, &b, &id);
    let r = sync_ok(&w, &a, &[]);
    assert_eq!(
        (r["received"].as_u64(), r["published"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(main_of(&w, &b), main_of(&w, &a));
    assert_eq!(endorsers(&w, &a, 1), ["fidh", "hrw"]);
    assert!(
        !keys_used(&a).exists(),
        "published: the key memory starts over"
    );
    verified(&w, &a, &id);
}

#[test]
fn sync_key_covers_an_act_whose_key_file_this_clone_does_not_remember() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "shared.git", None, "");
    let a = clone_as(&w, s(&b), "a", &id);
    let other = clone_as(&w, s(&b), "other", &id);
    let mine = sign(&w, &a, "hrw");
    let memory = std::fs::read_to_string(keys_used(&a)).expect("keys-used");
    assert!(
        memory.contains(&mine) && memory.contains(&w.key_arg("hrw")),
        "{memory}"
    );
    let key_text = std::fs::read_to_string(w.key("hrw")).expect("key file");
    let secret = key_text.lines().nth(1).expect("key body");
    assert!(
        !memory.contains("PRIVATE") && !memory.contains(secret),
        "key material in keys-used: {memory}"
    );

    sign(&w, &other, "fidh");
    sync_ok(&w, &other, &[]);
    let remote = main_of(&w, &b);
    std::fs::remove_file(keys_used(&a)).expect("forget keys");

    let before = state_of(&w, &a);
    for extra in [vec![], vec!["--key".to_string(), w.key_arg("fidh")]] {
        let mut args = vec!["sync"];
        args.extend(extra.iter().map(String::as_str));
        let (code, v, err) = us_fails(&w, &a, &args);
        assert_eq!(code, 2, "{args:?}: {v}\n{err}");
        assert!(err.contains(&mine) && err.contains("--key"), "{err}");
        assert_eq!(state_of(&w, &a), before, "{args:?}");
        assert_eq!(main_of(&w, &b), remote, "{args:?}");
    }

    let r = sync_ok(&w, &a, &["--key", &w.key_arg("hrw")]);
    assert_eq!(
        (r["received"].as_u64(), r["published"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(main_of(&w, &b), main_of(&w, &a));
    assert_eq!(endorsers(&w, &a, 1), ["fidh", "hrw"]);
    verified(&w, &a, &id);
}

#[test]
fn sync_drops_an_act_the_remote_already_has() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "shared.git", None, "");
    let a = clone_as(&w, s(&b), "a", &id);
    let other = clone_as(&w, s(&b), "other", &id);

    // Two people of hrw endorse version 1, each in their own clone.
    sign(&w, &a, "hrw");
    assert_eq!(sync_ok(&w, &a, &[])["published"], 1);
    let remote = main_of(&w, &b);
    sign(&w, &other, "hrw");
    let r = sync_ok(&w, &other, &[]);
    assert_eq!(r["published"], 0, "{r}");
    assert_eq!(r["dropped"].as_array().expect("dropped").len(), 1, "{r}");
    assert_eq!(r["head"], remote.as_str(), "{r}");
    assert_eq!(main_of(&w, &b), remote, "nothing was pushed");
    assert_eq!(main_of(&w, &other), remote);
    assert_eq!(records_in_tree(&other, "icc", "hrw").len(), 1);
    assert_eq!(endorsers(&w, &other, 1), ["hrw"]);

    // And both withdraw.
    let why = ["--reason", "changed our mind", "--key"];
    let withdraw = |dir: &Path| {
        let mut args = vec!["withdraw", "icc", "--org", "hrw"];
        args.extend_from_slice(&why);
        let key = w.key_arg("hrw");
        args.push(&key);
        act(&w, dir, &args);
    };
    withdraw(&a);
    assert_eq!(sync_ok(&w, &a, &[])["published"], 1);
    let remote = main_of(&w, &b);
    withdraw(&other);
    let r = sync_ok(&w, &other, &[]);
    assert_eq!(r["published"], 0, "{r}");
    let dropped = r["dropped"].as_array().expect("dropped");
    assert_eq!(dropped.len(), 1, "{r}");
    assert!(
        dropped[0].as_str().unwrap_or("").contains("withdrawn"),
        "{r}"
    );
    assert_eq!(main_of(&w, &b), remote);
    let records = records_in_tree(&other, "icc", "hrw");
    let acts: Vec<&str> = records.iter().map(|(_, act, _)| act.as_str()).collect();
    assert_eq!(acts, ["endorse", "withdraw"]);
    verified(&w, &other, &id);
}

#[test]
fn sync_rebuilds_endorsements_of_a_version_revised_meanwhile_each_with_its_own_key() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "shared.git", None, "");
    let a = clone_as(&w, s(&b), "a", &id);
    let editor = clone_as(&w, s(&b), "editor", &id);

    // Two organizations endorse version 1 in clone A while the editor revises the statement.
    let hrw = sign(&w, &a, "hrw");
    let fidh = sign(&w, &a, "fidh");
    let text = w.write_file("v2.txt", "A revised text.\n");
    let revision = act(
        &w,
        &editor,
        &[
            "statement",
            "revise",
            "icc",
            "--text",
            &text,
            "--key",
            &w.key_arg("editor"),
        ],
    );
    sync_ok(&w, &editor, &[]);

    let r = sync_ok(&w, &a, &[]);
    assert_eq!(
        (r["received"].as_u64(), r["published"].as_u64()),
        (Some(1), Some(2)),
        "{r}"
    );
    assert_eq!(r["dropped"], serde_json::json!([]), "{r}");
    let head = main_of(&w, &a);
    assert_eq!(main_of(&w, &b), head);
    assert_eq!(rev(&w, &a, "main~2").as_deref(), Some(revision.as_str()));
    assert!(
        !has_commit(&w, &a, &hrw) && !has_commit(&w, &a, &fidh),
        "rebuilt, not moved"
    );

    // Each rebuilt commit is signed by the key that made the act (stock git says so), and
    // each endorsement still endorses version 1, the text its organization read.
    let fingerprint = |org: &str| {
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(format!("{}.pub", w.key_arg(org)))
            .output()
            .expect("ssh-keygen runs");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(1)
            .expect("fingerprint")
            .to_string()
    };
    let signers = git_in_ok(
        &w,
        &a,
        &[
            "-c",
            &format!(
                "gpg.ssh.allowedSignersFile={}",
                s(&a.join("allowed_signers"))
            ),
            "log",
            "-2",
            "--format=%G? %GF",
            "main",
        ],
    );
    assert_eq!(
        signers,
        format!("G {}\nG {}", fingerprint("fidh"), fingerprint("hrw"))
    );
    for org in ["hrw", "fidh"] {
        let records = records_in_tree(&a, "icc", org);
        assert_eq!(records.len(), 1, "{org}: {records:?}");
        assert_eq!(records[0].2, Some(1), "{org}: {records:?}");
    }
    let audit = us_json(&w, &a, &["audit", "icc"]);
    assert_eq!(audit["current_version"], 2, "{audit}");
    assert_eq!(
        names(&audit["stale"]),
        ["fidh", "hrw"].map(String::from).into_iter().collect()
    );
    assert_eq!(endorsers(&w, &a, 1), ["fidh", "hrw"]);
    verified(&w, &a, &id);
    stock_git_agrees(&w, &a);
}

/// `clone --bare` makes a clone without a work tree (what a large ledger wants: no git index
/// to read and write at each act); it acts, is rebuilt by sync after a lost race, publishes
/// and receives like any clone, and keeps its undersigned state in its own git directory.
#[test]
fn a_bare_clone_acts_and_syncs_like_any_clone() {
    let w = World::new();
    let id = w.standard();
    let b = publish(&w, "shared.git", None, "");
    let dir = w.path().join("bare-clone");
    let c = us_json(
        &w,
        w.path(),
        &["clone", s(&b), s(&dir), "--trust", &id, "--bare"],
    );
    assert_eq!(c["trusted"], true, "{c}");
    assert_eq!(
        git_in_ok(&w, &dir, &["rev-parse", "--is-bare-repository"]),
        "true"
    );
    assert!(!dir.join("ledger.json").exists(), "no work tree");
    assert!(
        dir.join("undersigned").is_dir(),
        "state in the git directory"
    );
    let worked = clone_as(&w, s(&b), "worked", &id);

    // The work-tree clone publishes first; the bare clone's act is rebuilt on top.
    sign(&w, &worked, "hrw");
    sync_ok(&w, &worked, &[]);
    let local = sign(&w, &dir, "fidh");
    let r = sync_ok(&w, &dir, &[]);
    assert_eq!(
        (r["received"].as_u64(), r["published"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_ne!(main_of(&w, &b), local, "rebuilt on the other clone's act");
    assert_eq!(main_of(&w, &dir), main_of(&w, &b));
    let r = sync_ok(&w, &worked, &[]);
    assert_eq!(r["received"], 1, "{r}");
    assert_eq!(endorsers(&w, &dir, 1), ["fidh", "hrw"]);
    assert_eq!(endorsers(&w, &worked, 1), ["fidh", "hrw"]);
    verified(&w, &dir, &id);
    stock_git_agrees(&w, &dir);
}
