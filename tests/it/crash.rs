//! SIGKILL at random points never breaks a ledger and never loses an act that was reported
//! done. Why: people run `undersigned` on laptops that sleep, lose power and get their terminal
//! closed mid-command, and a coalition's only copy of who signed what must survive that. The
//! tests kill real processes of the built binary at pseudo-random delays (deterministic
//! SplitMix64, spread over an act's measured duration so kills land before, during and after the
//! commit) and then demand: the next act works (no stale lock wedges the ledger), `verify --full`
//! and `git fsck --strict` pass, and every act that exited 0 is in the ledger exactly once —
//! during local acts, during `sync` with a bare remote that another clone keeps moving, and
//! with two processes acting on one ledger at once. Where a random kill found a weak point,
//! a deterministic test makes the exact state that kill leaves (a stale lock file, an index
//! behind the work tree, a sync killed just before or just after its push), so the finding
//! does not depend on timing.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A tiny deterministic generator (SplitMix64): the same acts and delays every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The built binary on ledger `dir`, in the world's isolated environment (as `World::cmd`),
/// in a process group of its own so that the git processes it starts can be waited for.
fn command(w: &World, dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("undersigned"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("UNDERSIGNED_LEDGER", dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    c
}

/// Runs to the end (no kill); returns the output.
fn run_in(w: &World, dir: &Path, args: &[&str]) -> Output {
    let out = command(w, dir, args).output().expect("run undersigned");
    assert!(
        !stderr(&out).contains("panicked"),
        "{args:?}: {}",
        said(&out)
    );
    out
}

/// Runs `--json ARGS` to the end, asserting exit 0; the JSON.
fn json_in(w: &World, dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run_in(w, dir, &all);
    assert!(
        out.status.success(),
        "undersigned {args:?} on {}: {}",
        dir.display(),
        said(&out)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// How a killed run ended.
enum Ended {
    /// It exited 0 before the kill arrived: the act was reported done.
    Done(Value),
    /// SIGKILL ended it.
    Killed,
}

/// Starts `--json ARGS` on `dir`, sends SIGKILL after `delay` (the process only, as a crash
/// would: git processes it started run on and are waited for), and says how it ended. Any
/// other end (an error exit) fails the test: nothing but the kill should stop an act here.
fn kill_after(w: &World, dir: &Path, args: &[&str], delay: Duration) -> Ended {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let child: Child = command(w, dir, &all).spawn().expect("spawn undersigned");
    let group = child.id();
    std::thread::sleep(delay);
    let mut child = child;
    // SIGKILL on unix; harmless when the process has already exited (it is not reaped yet).
    child.kill().expect("kill");
    let out = child.wait_with_output().expect("wait");
    wait_for_group(group);
    if out.status.signal() == Some(9) {
        return Ended::Killed;
    }
    assert!(
        out.status.success(),
        "undersigned {all:?} failed on its own (not killed): {}",
        said(&out)
    );
    Ended::Done(serde_json::from_slice(&out.stdout).expect("JSON of a finished act"))
}

/// Waits until no process of the group `pgid` is left (git children of a killed process
/// finish on their own), so the next step does not race them.
fn wait_for_group(pgid: u32) {
    let start = Instant::now();
    loop {
        let alive = Command::new("kill")
            .args(["-0", "--", &format!("-{pgid}")])
            .stderr(Stdio::null())
            .status()
            .map(|st| st.success())
            .unwrap_or(false);
        if !alive {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "processes of group {pgid} still running after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Stock git in `dir`, asserting success; stdout.
fn git_in(w: &World, dir: &Path, args: &[&str]) -> String {
    let out = w.git_at(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        stderr(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git fsck --strict` of `dir` is clean: exit 0 and no error or warning line.
fn fsck_clean(w: &World, dir: &Path) {
    let out = w.git_at(dir, &["fsck", "--strict", "--no-progress"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        out.status.success(),
        "git fsck --strict in {}: {text}",
        dir.display()
    );
    for line in text.lines() {
        let l = line.to_ascii_lowercase();
        assert!(
            !(l.starts_with("error") || l.starts_with("warning") || l.contains("missing")),
            "git fsck --strict in {}: {text}",
            dir.display()
        );
    }
}

/// `verify --full` of `dir` passes (against `id` when given).
fn verifies(w: &World, dir: &Path, id: Option<&str>) -> Value {
    let mut args = vec!["verify", "--full"];
    if let Some(id) = id {
        args.extend_from_slice(&["--trust", id]);
    }
    let v = json_in(w, dir, &args);
    assert_eq!(v["ok"], true, "{v:#}");
    v
}

/// The ledger's acts and versions at `main` of `dir`: act records per (statement, org) as
/// (act, version) in order, and version counts per statement.
#[derive(Debug, Default, PartialEq, Eq, Clone)]
struct Tally {
    acts: BTreeMap<(String, String), Vec<String>>,
    versions: BTreeMap<String, usize>,
}

fn tally(w: &World, dir: &Path) -> Tally {
    let list = git_in(
        w,
        dir,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/main",
            "--",
            "statements",
        ],
    );
    let mut t = Tally::default();
    let mut records: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for path in list.lines() {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["statements", stmt, "acts", _ff, org, file] => records
                .entry((stmt.to_string(), org.to_string()))
                .or_default()
                .push(file.to_string()),
            ["statements", stmt, "versions", file] if file.ends_with(".json") => {
                *t.versions.entry(stmt.to_string()).or_default() += 1
            }
            _ => {}
        }
    }
    for (key, mut files) in records {
        files.sort();
        // Numbered 0001, 0002, … without gaps or repeats.
        for (i, f) in files.iter().enumerate() {
            assert_eq!(
                *f,
                format!("{:04}.json", i + 1),
                "records of {key:?}: {files:?}"
            );
        }
        let kinds = files
            .iter()
            .map(|f| {
                let path = format!("statements/{}/acts/{}/{}/{f}", key.0, fanout(&key.1), key.1);
                let text = git_in(w, dir, &["show", &format!("refs/heads/main:{path}")]);
                let v: Value = serde_json::from_str(&text).expect("record JSON");
                v["act"].as_str().expect("act").to_string()
            })
            .collect();
        t.acts.insert(key, kinds);
    }
    t
}

/// Registers `org` with a key made by ssh-keygen (file `org`), on `dir`.
fn add_org(w: &World, dir: &Path, org: &str) {
    let k = w.ssh_keygen(org);
    json_in(
        w,
        dir,
        &[
            "org",
            "add",
            org,
            "--name",
            &format!("Org {org}"),
            "--pubkey",
            &format!("{}.pub", k.display()),
            "--key",
            &w.key_arg("editor"),
        ],
    );
}

/// What an organization does next on a statement, from what the model says is in force: each
/// act always changes the ledger, so each one lands exactly one record.
struct Model {
    /// Per (statement, org): the kinds of its records, in order.
    acts: BTreeMap<(String, String), Vec<String>>,
    versions: BTreeMap<String, usize>,
}

impl Model {
    fn new(stmts: &[&str]) -> Model {
        Model {
            acts: BTreeMap::new(),
            versions: stmts.iter().map(|s| (s.to_string(), 1)).collect(),
        }
    }

    fn endorsing(&self, stmt: &str, org: &str) -> bool {
        self.acts
            .get(&(stmt.into(), org.into()))
            .and_then(|v| v.last())
            .is_some_and(|k| k == "endorse")
    }

    /// The act `org` does next on `stmt`: sign when not endorsing, else withdraw.
    fn act_args(&self, w: &World, stmt: &str, org: &str, n: usize) -> (Vec<String>, &'static str) {
        let key = w.key_arg(org);
        if self.endorsing(stmt, org) {
            (
                vec![
                    "withdraw".into(),
                    stmt.into(),
                    "--org".into(),
                    org.into(),
                    "--reason".into(),
                    format!("reason {n}"),
                    "--key".into(),
                    key,
                ],
                "withdraw",
            )
        } else {
            (
                vec![
                    "sign".into(),
                    stmt.into(),
                    "--org".into(),
                    org.into(),
                    "--key".into(),
                    key,
                ],
                "endorse",
            )
        }
    }

    fn record(&mut self, stmt: &str, org: &str, kind: &str) {
        self.acts
            .entry((stmt.into(), org.into()))
            .or_default()
            .push(kind.into());
    }

    fn tally(&self) -> Tally {
        Tally {
            acts: self.acts.clone(),
            versions: self.versions.clone(),
        }
    }
}

/// One act to try: an organization's sign/withdraw, or an editor's revision.
enum Act {
    Org {
        stmt: String,
        org: String,
        kind: &'static str,
        args: Vec<String>,
    },
    Revise {
        stmt: String,
        args: Vec<String>,
    },
}

fn pick_act(
    w: &World,
    model: &Model,
    mix: &mut Mix,
    stmts: &[&str],
    orgs: &[&str],
    revisions: bool,
    n: usize,
) -> Act {
    let stmt = stmts[mix.below(stmts.len() as u64) as usize].to_string();
    if revisions && mix.below(8) == 0 {
        let v = model.versions[&stmt] + 1;
        let text = w.write_file(
            &format!("{stmt}-{v}-{n}.txt"),
            &format!("Statement {stmt}, version {v} (act {n}).\n"),
        );
        return Act::Revise {
            args: vec![
                "statement".into(),
                "revise".into(),
                stmt.clone(),
                "--text".into(),
                text,
                "--note".into(),
                format!("revision {n}"),
                "--key".into(),
                w.key_arg("editor"),
            ],
            stmt,
        };
    }
    let org = orgs[mix.below(orgs.len() as u64) as usize].to_string();
    let (args, kind) = model.act_args(w, &stmt, &org, n);
    Act::Org {
        stmt,
        org,
        kind,
        args,
    }
}

impl Act {
    fn args(&self) -> Vec<&str> {
        match self {
            Act::Org { args, .. } | Act::Revise { args, .. } => {
                args.iter().map(String::as_str).collect()
            }
        }
    }

    /// Whether the act is in `t` given the model before it.
    fn landed(&self, model: &Model, t: &Tally) -> bool {
        match self {
            Act::Org { stmt, org, .. } => {
                let key = (stmt.clone(), org.clone());
                let before = model.acts.get(&key).map_or(0, Vec::len);
                let now = t.acts.get(&key).map_or(0, Vec::len);
                assert!(
                    now <= before + 1,
                    "one act landed twice: {key:?} {now} > {before} + 1"
                );
                now == before + 1
            }
            Act::Revise { stmt, .. } => {
                let before = model.versions[stmt];
                let now = t.versions[stmt];
                assert!(now <= before + 1, "one revision landed twice: {stmt}");
                now == before + 1
            }
        }
    }

    fn apply(&self, model: &mut Model) {
        match self {
            Act::Org {
                stmt, org, kind, ..
            } => model.record(stmt, org, kind),
            Act::Revise { stmt, .. } => *model.versions.get_mut(stmt).expect("stmt") += 1,
        }
    }
}

/// A ledger with the editor, `orgs` (keyed) and statements `stmts` at version 1.
fn ledger_with(w: &World, orgs: &[&str], stmts: &[&str]) -> String {
    let id = w.init();
    for org in orgs {
        add_org(w, &w.ledger(), org);
    }
    for st in stmts {
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
            &w.key_arg("editor"),
        ]);
    }
    id
}

/// The median wall time of running `args` to the end (used only to spread kill delays over
/// the length of a run; no assertion depends on it).
fn median_duration(runs: &mut [Duration]) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// An act reported done: its commit and record path, to find again at the end.
struct Reported {
    commit: String,
    paths: Vec<String>,
}

/// Every act reported done is in `dir`'s main: its commit is in the history (local acts are
/// never rewritten) and its files hold the same blobs at main.
fn assert_reported_present(w: &World, dir: &Path, reported: &[Reported]) {
    for r in reported {
        let out = Command::new("git")
            .current_dir(dir)
            .env("HOME", w.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["merge-base", "--is-ancestor", &r.commit, "refs/heads/main"])
            .status()
            .expect("git runs");
        assert!(out.success(), "reported commit {} is not in main", r.commit);
        for p in &r.paths {
            let then = git_in(w, dir, &["rev-parse", &format!("{}:{p}", r.commit)]);
            let now = git_in(w, dir, &["rev-parse", &format!("refs/heads/main:{p}")]);
            assert_eq!(then, now, "{p} changed after it was reported");
        }
    }
}

fn reported_of(v: &Value) -> Reported {
    Reported {
        commit: v["commit"].as_str().expect("commit").to_string(),
        paths: v["paths"]
            .as_array()
            .expect("paths")
            .iter()
            .map(|p| p.as_str().expect("path").to_string())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Kills during local acts
// ---------------------------------------------------------------------------------------------

const LOCAL_ROUNDS: usize = 60;

/// Acts killed at every point of their run: after each kill the ledger still takes the next
/// act, every few rounds and at the end `verify --full` and `git fsck --strict` pass, each act
/// lands exactly once (a killed one that did not land is redone), and every act that exited 0
/// is there with its files unchanged.
#[test]
fn sigkill_during_local_acts_never_breaks_the_ledger_or_loses_a_reported_act() {
    let w = World::new();
    let orgs = ["o1", "o2", "o3"];
    let stmts = ["s1", "s2"];
    ledger_with(&w, &orgs, &stmts);
    let dir = w.ledger();
    let mut model = Model::new(&stmts);
    let mut mix = Mix(0x5EED_0001);
    let mut reported: Vec<Reported> = Vec::new();

    // Calibrate: how long an act takes here, run to the end.
    let mut runs = Vec::new();
    for (n, org) in orgs.iter().enumerate() {
        let act = pick_act(&w, &model, &mut mix, &["s1"], &[org], false, n);
        let start = Instant::now();
        let v = json_in(&w, &dir, &act.args());
        runs.push(start.elapsed());
        assert_eq!(v["changed"], true, "{v}");
        reported.push(reported_of(&v));
        act.apply(&mut model);
    }
    let span = median_duration(&mut runs)
        .mul_f64(1.3)
        .as_micros()
        .max(2000) as u64;

    let (mut killed, mut finished, mut killed_after_landing) = (0, 0, 0);
    for n in 0..LOCAL_ROUNDS {
        let act = pick_act(&w, &model, &mut mix, &stmts, &orgs, true, 100 + n);
        let delay = Duration::from_micros(mix.below(span + 1));
        match kill_after(&w, &dir, &act.args(), delay) {
            Ended::Done(v) => {
                finished += 1;
                assert_eq!(v["changed"], true, "{v}");
                reported.push(reported_of(&v));
                assert!(
                    act.landed(&model, &tally(&w, &dir)),
                    "reported but not landed"
                );
                act.apply(&mut model);
            }
            Ended::Killed => {
                killed += 1;
                if act.landed(&model, &tally(&w, &dir)) {
                    killed_after_landing += 1;
                    act.apply(&mut model);
                } else {
                    // Not in the ledger: the same act, run to the end, must work now (a
                    // stale lock or a half-written work tree must not wedge the ledger).
                    let v = json_in(&w, &dir, &act.args());
                    assert_eq!(v["changed"], true, "redo after a kill: {v}");
                    reported.push(reported_of(&v));
                    act.apply(&mut model);
                }
            }
        }
        assert_eq!(tally(&w, &dir), model.tally(), "after round {n}");
        if n % 15 == 14 {
            verifies(&w, &dir, None);
            fsck_clean(&w, &dir);
        }
    }
    eprintln!(
        "crash/local: {LOCAL_ROUNDS} rounds, kill delays 0..{span} µs: {killed} killed ({killed_after_landing} after the act landed), {finished} finished first"
    );
    assert!(
        killed > 0,
        "no act was killed in {LOCAL_ROUNDS} rounds (delays 0..{span} µs): the test did not test a crash"
    );

    // One more act to the end brings the work tree to the head, whatever the last kill left.
    let act = pick_act(&w, &model, &mut mix, &stmts, &orgs, false, 999);
    let v = json_in(&w, &dir, &act.args());
    assert_eq!(v["changed"], true, "{v}");
    reported.push(reported_of(&v));
    act.apply(&mut model);

    assert_eq!(tally(&w, &dir), model.tally());
    verifies(&w, &dir, None);
    fsck_clean(&w, &dir);
    w.assert_stock_git_agrees();
    assert_reported_present(&w, &dir, &reported);
    assert_eq!(
        git_in(
            &w,
            &dir,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        "",
        "the work tree holds the head after a completed act"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Kills during sync
// ---------------------------------------------------------------------------------------------

const SYNC_ROUNDS: usize = 24;

/// Syncs killed at every point (fetch, verify, rebuild on the other clone's acts, push, moving
/// the branch) between local acts: local acts keep working, the next sync to the end succeeds,
/// both clones and the remote converge on one history that a fresh pinned clone verifies, and
/// every act — each reported done by its local run — is there exactly once.
#[test]
fn sigkill_during_sync_never_breaks_the_ledger_or_loses_an_act() {
    let w = World::new();
    let a_orgs = ["a1", "a2"];
    let b_orgs = ["b1", "b2"];
    let stmts = ["s1", "s2"];
    let all_orgs: Vec<&str> = a_orgs.iter().chain(b_orgs.iter()).copied().collect();
    let id = ledger_with(&w, &all_orgs, &stmts);
    let a = w.ledger();

    // The shared copy, and a second clone (clone B) that keeps moving it.
    let srv = w.path().join("srv.git");
    git_in(
        &w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    git_in(&w, &a, &["remote", "add", "origin", s(&srv)]);
    json_in(&w, &a, &["sync"]);
    let b = w.path().join("clone-b");
    let c = json_in(&w, &a, &["clone", s(&srv), s(&b), "--trust", &id]);
    assert_eq!(c["trusted"], true, "{c}");

    let mut model = Model::new(&stmts);
    let mut mix = Mix(0x5EED_0002);
    let mut n = 0usize;
    // Acts run to the end on a clone; each must change its ledger (reported done).
    let mut act_on =
        |dir: &Path, orgs: &[&str], revisions: bool, model: &mut Model, mix: &mut Mix| {
            n += 1;
            let act = pick_act(&w, model, mix, &stmts, orgs, revisions, n);
            let v = json_in(&w, dir, &act.args());
            assert_eq!(v["changed"], true, "{v}");
            act.apply(model);
        };

    // Calibrate: a sync that publishes one act, run to the end.
    let mut runs = Vec::new();
    for _ in 0..3 {
        act_on(&a, &a_orgs, false, &mut model, &mut mix);
        let start = Instant::now();
        let r = json_in(&w, &a, &["sync"]);
        runs.push(start.elapsed());
        assert_eq!(r["published"], 1, "{r}");
    }
    let span = median_duration(&mut runs)
        .mul_f64(2.5)
        .as_micros()
        .max(5000) as u64;

    let (mut killed, mut finished) = (0, 0);
    for round in 0..SYNC_ROUNDS {
        // Clone A acts (the editor revises now and then), clone B acts and publishes.
        act_on(&a, &a_orgs, true, &mut model, &mut mix);
        if mix.below(3) == 0 {
            act_on(&a, &a_orgs, false, &mut model, &mut mix);
        }
        if round % 2 == 0 {
            act_on(&b, &b_orgs, false, &mut model, &mut mix);
            let r = json_in(&w, &b, &["sync"]);
            assert_eq!(r["dropped"], serde_json::json!([]), "{r}");
        }
        let delay = Duration::from_micros(mix.below(span + 1));
        match kill_after(&w, &a, &["sync"], delay) {
            Ended::Done(r) => {
                finished += 1;
                assert_eq!(r["dropped"], serde_json::json!([]), "{r}");
            }
            Ended::Killed => killed += 1,
        }
        if round % 8 == 7 {
            verifies(&w, &a, Some(&id));
            fsck_clean(&w, &a);
            fsck_clean(&w, &srv);
        }
    }
    eprintln!(
        "crash/sync: {SYNC_ROUNDS} rounds, kill delays 0..{span} µs: {killed} syncs killed, {finished} finished first"
    );
    assert!(
        killed > 0,
        "no sync was killed in {SYNC_ROUNDS} rounds (delays 0..{span} µs): the test did not test a crash"
    );

    // A local act after the last kill, then syncs to the end: everything converges.
    act_on(&a, &a_orgs, false, &mut model, &mut mix);
    let r = json_in(&w, &a, &["sync"]);
    assert_eq!(r["dropped"], serde_json::json!([]), "{r}");
    let r = json_in(&w, &b, &["sync"]);
    assert_eq!(r["dropped"], serde_json::json!([]), "{r}");
    let head = git_in(&w, &srv, &["rev-parse", "refs/heads/main"]);
    for dir in [&a, &b] {
        assert_eq!(
            git_in(&w, dir, &["rev-parse", "refs/heads/main"]),
            head,
            "{} did not converge on the remote's head",
            dir.display()
        );
        verifies(&w, dir, Some(&id));
        fsck_clean(&w, dir);
        assert_eq!(tally(&w, dir), model.tally(), "{}", dir.display());
    }
    fsck_clean(&w, &srv);

    // An auditor's fresh clone, pinned: verifies from genesis and holds every act once.
    let auditor = w.path().join("auditor");
    let c = json_in(&w, &a, &["clone", s(&srv), s(&auditor), "--trust", &id]);
    assert_eq!(c["head"], head.trim(), "{c}");
    verifies(&w, &auditor, Some(&id));
    assert_eq!(tally(&w, &auditor), model.tally());
    fsck_clean(&w, &auditor);
}

// ---------------------------------------------------------------------------------------------
// 3. The states a kill during the work-tree checkout leaves, made on purpose
// ---------------------------------------------------------------------------------------------

/// The random runs above land, now and then, in the checkout that follows a commit. These two
/// tests make exactly what such a kill leaves, so the outcome does not depend on timing.
///
/// A kill while libgit2 holds the index lock leaves `.git/index.lock` behind (git's own
/// crash leftover). The ledger must keep taking acts — or refuse with a message that names the
/// lock file, after whose removal acts work again — never fail forever with a bare libgit2
/// error.
#[test]
fn a_stale_index_lock_left_by_a_killed_checkout_does_not_wedge_the_ledger() {
    let w = World::new();
    w.standard();
    let dir = w.ledger();
    let lock = dir.join(".git").join("index.lock");
    std::fs::write(&lock, b"").expect("plant index.lock");
    let acts: [&[&str]; 3] = [
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
        &[
            "withdraw",
            "icc",
            "--org",
            "hrw",
            "--reason",
            "r",
            "--key",
            &w.key_arg("hrw"),
        ],
    ];
    for args in acts {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = run_in(&w, &dir, &all);
        if !out.status.success() {
            // The acceptable refusal: exit 2, the lock file named, nothing changed; the
            // user removes it as told and the act works.
            assert_eq!(code(&out), 2, "{}", said(&out));
            let err = stderr(&out);
            assert!(
                err.contains(s(&lock)),
                "the refusal does not name {}: {err}",
                lock.display()
            );
            std::fs::remove_file(&lock).expect("remove the stale lock as told");
            let v = json_in(&w, &dir, args);
            assert_eq!(v["changed"], true, "{v}");
        } else {
            let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
            assert_eq!(v["changed"], true, "{v}");
        }
    }
    let _ = std::fs::remove_file(&lock);
    let v = json_in(
        &w,
        &dir,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
    );
    assert_eq!(v["changed"], true, "{v}");
    let t = tally(&w, &dir);
    assert_eq!(t.acts[&("icc".to_string(), "hrw".to_string())].len(), 3);
    assert_eq!(t.acts[&("icc".to_string(), "fidh".to_string())].len(), 1);
    verifies(&w, &dir, None);
    fsck_clean(&w, &dir);
    assert_eq!(
        git_in(
            &w,
            &dir,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        "",
        "the work tree holds the head after a completed act"
    );
}

/// A kill while libgit2 moves the branch leaves `.git/refs/heads/main.lock` behind. The ledger
/// must keep taking acts, or refuse with a message that names the lock file (after whose
/// removal acts work) — not report "the branch kept moving … try again" forever.
#[test]
fn a_stale_branch_lock_left_by_a_killed_act_does_not_wedge_the_ledger() {
    let w = World::new();
    w.standard();
    let dir = w.ledger();
    let lock = dir
        .join(".git")
        .join("refs")
        .join("heads")
        .join("main.lock");
    std::fs::write(&lock, b"").expect("plant main.lock");
    let before = w.snapshot();
    let args = ["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")];
    let out = run_in(&w, &dir, &args);
    if !out.status.success() {
        assert_eq!(code(&out), 2, "{}", said(&out));
        let err = stderr(&out);
        assert!(
            err.contains(s(&lock)),
            "the refusal does not name {}: {err}",
            lock.display()
        );
        assert_eq!(w.snapshot(), before);
        std::fs::remove_file(&lock).expect("remove the stale lock as told");
    }
    let _ = std::fs::remove_file(&lock);
    let v = json_in(&w, &dir, &args);
    let v2 = json_in(
        &w,
        &dir,
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
    );
    assert_eq!(v2["changed"], true, "{v2}");
    let t = tally(&w, &dir);
    assert_eq!(
        t.acts[&("icc".to_string(), "hrw".to_string())].len(),
        1,
        "{v}"
    );
    assert_eq!(t.acts[&("icc".to_string(), "fidh".to_string())].len(), 1);
    verifies(&w, &dir, None);
    fsck_clean(&w, &dir);
}

/// What a process killed while holding the ledger lock leaves: undersigned's lock file still
/// names it (a holder empties it when done), and git's lock files it took since. The next act
/// removes those — only a holder of the ledger lock writes them — and needs no help; a git lock
/// file older than the killed holder is not explained by it and is refused by name.
#[test]
fn git_locks_left_by_a_killed_holder_of_the_ledger_lock_are_cleared_by_the_next_act() {
    let w = World::new();
    w.standard();
    let dir = w.ledger();
    let git = dir.join(".git");
    let index_lock = git.join("index.lock");
    let branch_lock = git.join("refs").join("heads").join("main.lock");
    std::fs::write(git.join("undersigned").join("lock"), b"pid 4194303\n").expect("marker");
    std::fs::write(&index_lock, b"").expect("plant index.lock");
    std::fs::write(&branch_lock, b"").expect("plant main.lock");
    let v = json_in(
        &w,
        &dir,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
    );
    assert_eq!(v["changed"], true, "{v}");
    assert!(!index_lock.exists() && !branch_lock.exists());
    assert_eq!(
        std::fs::read(git.join("undersigned").join("lock")).expect("lock file"),
        b"",
        "a finished holder leaves the lock file empty"
    );

    // A holder killed now, but a lock file from an hour before it: not its doing.
    std::fs::write(git.join("undersigned").join("lock"), b"pid 4194303\n").expect("marker");
    let old = std::fs::File::create(&branch_lock).expect("plant main.lock");
    old.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .expect("age it");
    drop(old);
    let before = w.snapshot();
    let out = run_in(
        &w,
        &dir,
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
    );
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert!(stderr(&out).contains(s(&branch_lock)), "{}", said(&out));
    assert_eq!(w.snapshot(), before);
    assert!(
        branch_lock.exists(),
        "a lock it cannot explain is left alone"
    );
    std::fs::remove_file(&branch_lock).expect("remove as told");
    act_ok(
        &w,
        &dir,
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
    );
    let t = tally(&w, &dir);
    assert_eq!(t.acts[&("icc".to_string(), "hrw".to_string())].len(), 1);
    assert_eq!(t.acts[&("icc".to_string(), "fidh".to_string())].len(), 1);
    verifies(&w, &dir, None);
    fsck_clean(&w, &dir);
    assert_eq!(
        git_in(
            &w,
            &dir,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        ""
    );
}

/// A kill after the checkout wrote the act's file into the work tree but before it wrote the
/// index leaves an index that lacks the file, a work tree that has it, and undersigned's
/// marker on the previous head. The next acts must repair that (it is undersigned's own
/// writing), not refuse every act from the second one on as "uncommitted changes".
#[test]
fn an_index_left_behind_by_a_killed_checkout_does_not_wedge_the_ledger() {
    index_left_behind(None);
}

/// The same kill, while the checkout was writing the act's file: it is there but cut short
/// (empty, or its first bytes). It is undersigned's own file of a newer commit than the work
/// tree was brought to, so the next act rewrites it instead of calling it a user's edit.
#[test]
fn a_file_cut_short_by_a_killed_checkout_does_not_wedge_the_ledger() {
    index_left_behind(Some(0));
    index_left_behind(Some(10));
}

/// Makes the state a kill during the checkout after an act leaves (the act's file out of the
/// index, the marker on the parent, the file cut to `cut` bytes when given), then acts on.
fn index_left_behind(cut: Option<usize>) {
    let w = World::new();
    w.standard();
    let dir = w.ledger();
    let v = json_in(
        &w,
        &dir,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
    );
    let file = v["paths"][0].as_str().expect("path").to_string();
    // What the kill leaves: the file in the work tree, not in the index, marker on the parent.
    git_in(&w, &dir, &["update-index", "--force-remove", &file]);
    let parent = git_in(&w, &dir, &["rev-parse", "refs/heads/main~1"]);
    std::fs::write(dir.join(".git/undersigned/worktree"), &parent).expect("marker");
    assert!(dir.join(&file).exists());
    if let Some(n) = cut {
        let bytes = std::fs::read(dir.join(&file)).expect("read the act's file");
        std::fs::write(dir.join(&file), &bytes[..n]).expect("cut it short");
    }

    let acts: [&[&str]; 3] = [
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
        &[
            "withdraw",
            "icc",
            "--org",
            "hrw",
            "--reason",
            "r",
            "--key",
            &w.key_arg("hrw"),
        ],
        &[
            "withdraw",
            "icc",
            "--org",
            "fidh",
            "--reason",
            "r",
            "--key",
            &w.key_arg("fidh"),
        ],
    ];
    for args in acts {
        let v = json_in(&w, &dir, args);
        assert_eq!(v["changed"], true, "{v}");
    }
    verifies(&w, &dir, None);
    fsck_clean(&w, &dir);
    assert_eq!(
        git_in(
            &w,
            &dir,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        "",
        "the work tree holds the head after completed acts"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Syncs killed at chosen points: just after the push landed, just before it
// ---------------------------------------------------------------------------------------------

/// A `git` first on PATH that runs the real one, except `push`: in mode `after` it pushes, then
/// touches the mark file and waits; in mode `before` it touches the mark and waits without
/// pushing. The test kills `undersigned` once the mark exists: a kill at exactly that point of
/// a sync, whatever the timing.
fn git_wrapper(w: &World) -> (PathBuf, String) {
    let dir = w.path().join("wrap");
    std::fs::create_dir_all(&dir).expect("wrap dir");
    let real = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("sh runs");
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    assert!(!real.is_empty(), "git is on PATH");
    let script = r#"#!/bin/sh
is_push=
for a in "$@"; do [ "$a" = push ] && is_push=1; done
if [ -n "$is_push" ] && [ "$CRASH_GIT_MODE" = after ]; then
  "$REAL_GIT" "$@"; st=$?; : > "$CRASH_GIT_MARK"
  while [ ! -e "$CRASH_GIT_RELEASE" ]; do sleep 0.01; done; exit $st
fi
if [ -n "$is_push" ] && [ "$CRASH_GIT_MODE" = before ]; then
  : > "$CRASH_GIT_MARK"
  while [ ! -e "$CRASH_GIT_RELEASE" ]; do sleep 0.01; done; exit 1
fi
exec "$REAL_GIT" "$@"
"#;
    let path = dir.join("git");
    std::fs::write(&path, script).expect("write wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (dir, real)
}

/// Runs `sync` on `dir` and SIGKILLs it at `mode` ("after": its push has landed on the remote
/// and nothing after it ran; "before": it is about to push).
fn kill_sync_at(w: &World, dir: &Path, mode: &str) {
    let (wrap, real) = git_wrapper(w);
    let mark = w.path().join("wrap-mark");
    let release = w.path().join("wrap-release");
    let _ = std::fs::remove_file(&mark);
    let _ = std::fs::remove_file(&release);
    let path = format!("{}:{}", s(&wrap), std::env::var("PATH").unwrap_or_default());
    let mut child = command(w, dir, &["--json", "sync"])
        .env("PATH", path)
        .env("REAL_GIT", real)
        .env("CRASH_GIT_MODE", mode)
        .env("CRASH_GIT_MARK", &mark)
        .env("CRASH_GIT_RELEASE", &release)
        .spawn()
        .expect("spawn sync");
    let group = child.id();
    let start = Instant::now();
    while !mark.exists() {
        if let Some(st) = child.try_wait().expect("try_wait") {
            let out = child.wait_with_output().expect("output");
            panic!("sync ended ({st}) before reaching its push: {}", said(&out));
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "sync did not reach its push in 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.signal(), Some(9), "{}", said(&out));
    std::fs::write(&release, b"").expect("release the wrapper");
    wait_for_group(group);
}

/// Two clones of one published ledger (A = the world's ledger with the editor, B a clone),
/// organizations a1 (acts in A) and b1 (acts in B), statement s1; returns (ledger id, remote,
/// clone B).
fn two_clones(w: &World) -> (String, PathBuf, PathBuf) {
    let id = ledger_with(w, &["a1", "b1"], &["s1"]);
    let a = w.ledger();
    let srv = w.path().join("srv.git");
    git_in(
        w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    git_in(w, &a, &["remote", "add", "origin", s(&srv)]);
    json_in(w, &a, &["sync"]);
    let b = w.path().join("clone-b");
    json_in(w, &a, &["clone", s(&srv), s(&b), "--trust", &id]);
    (id, srv, b)
}

fn act_ok(w: &World, dir: &Path, args: &[&str]) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let v: Value = serde_json::from_slice(&run_in(w, dir, &all).stdout).expect("JSON");
    assert_eq!(v["changed"], true, "{args:?}: {v}");
}

/// The kinds of `org`'s records on s1 at the remote's main.
fn remote_kinds(w: &World, srv: &Path, org: &str) -> Vec<String> {
    tally(w, srv)
        .acts
        .get(&("s1".to_string(), org.to_string()))
        .cloned()
        .unwrap_or_default()
}

/// Syncs both clones to the end and checks they converge on the remote, verify pinned, and
/// hold `a1` and `b1` records of exactly these kinds.
fn converge(w: &World, id: &str, srv: &Path, b: &Path, a1: &[&str], b1: &[&str]) {
    let a = w.ledger();
    for dir in [&a, b, &a] {
        let r = json_in(w, dir, &["sync"]);
        assert_eq!(r["dropped"], serde_json::json!([]), "{r}");
    }
    let head = git_in(w, srv, &["rev-parse", "refs/heads/main"]);
    for dir in [&a, b] {
        assert_eq!(git_in(w, dir, &["rev-parse", "refs/heads/main"]), head);
        verifies(w, dir, Some(id));
        fsck_clean(w, dir);
        assert_eq!(
            git_in(w, dir, &["status", "--porcelain", "--untracked-files=all"]),
            ""
        );
    }
    fsck_clean(w, srv);
    assert_eq!(remote_kinds(w, srv, "a1"), a1, "a1's records on the remote");
    assert_eq!(remote_kinds(w, srv, "b1"), b1, "b1's records on the remote");
}

/// Killed after its push landed (the rebuilt acts are on the remote, the clone's branch has
/// not moved): the next sync recognises its own push and publishes only what is new; nothing
/// twice.
#[test]
fn a_sync_killed_right_after_its_push_landed_publishes_nothing_twice() {
    let w = World::new();
    let (id, srv, b) = two_clones(&w);
    let a = w.ledger();
    let (ka, kb) = (w.key_arg("a1"), w.key_arg("b1"));
    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    act_ok(
        &w,
        &a,
        &[
            "withdraw", "s1", "--org", "a1", "--reason", "one", "--key", &ka,
        ],
    );
    act_ok(&w, &b, &["sign", "s1", "--org", "b1", "--key", &kb]);
    json_in(&w, &b, &["sync"]);
    let local = git_in(&w, &a, &["rev-parse", "refs/heads/main"]);
    kill_sync_at(&w, &a, "after");
    // The push landed; A's branch is where it was.
    assert_eq!(remote_kinds(&w, &srv, "a1"), ["endorse", "withdraw"]);
    assert_eq!(git_in(&w, &a, &["rev-parse", "refs/heads/main"]), local);
    verifies(&w, &a, Some(&id));
    // A acts again, then syncs to the end.
    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    converge(
        &w,
        &id,
        &srv,
        &b,
        &["endorse", "withdraw", "endorse"],
        &["endorse"],
    );
}

/// Killed after its push landed; the next sync finishes that push, rebuilds a newer act on
/// another clone's commit and publishes it, and is itself killed after moving the branch but
/// before clearing its journal (simulated by writing back the journal it cleared). The record
/// of the first push is then older than the branch: the sync after must start from where the
/// branch and the remote meet, not from that record — else it takes the other clone's commit
/// and its own rebuilt act for unpublished ones (and asks for a key it never had). Found by
/// the random kills of `sigkill_during_sync_never_breaks_the_ledger_or_loses_an_act`.
#[test]
fn a_journal_older_than_the_branch_is_not_taken_for_unpublished_acts() {
    let w = World::new();
    let (id, srv, b) = two_clones(&w);
    let a = w.ledger();
    let (ka, kb) = (w.key_arg("a1"), w.key_arg("b1"));
    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    let first = git_in(&w, &a, &["rev-parse", "refs/heads/main"]);
    let first = first.trim();
    kill_sync_at(&w, &a, "after");
    act_ok(&w, &b, &["sign", "s1", "--org", "b1", "--key", &kb]);
    json_in(&w, &b, &["sync"]);
    act_ok(
        &w,
        &a,
        &[
            "withdraw", "s1", "--org", "a1", "--reason", "one", "--key", &ka,
        ],
    );
    let r = json_in(&w, &a, &["sync"]);
    assert_eq!(r["published"], 1, "{r}");
    let journal = a
        .join(".git")
        .join("undersigned")
        .join("remotes")
        .join("origin.json");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&journal).expect("journal")).expect("json");
    state["published"] = serde_json::json!({ "local": first, "tip": first });
    std::fs::write(&journal, state.to_string()).expect("write journal");

    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    converge(
        &w,
        &id,
        &srv,
        &b,
        &["endorse", "withdraw", "endorse"],
        &["endorse"],
    );
}

/// Killed just before its push: nothing reached the remote; the next sync publishes every act
/// once.
#[test]
fn a_sync_killed_right_before_its_push_loses_nothing() {
    let w = World::new();
    let (id, srv, b) = two_clones(&w);
    let a = w.ledger();
    let (ka, kb) = (w.key_arg("a1"), w.key_arg("b1"));
    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    act_ok(&w, &b, &["sign", "s1", "--org", "b1", "--key", &kb]);
    json_in(&w, &b, &["sync"]);
    let remote = git_in(&w, &srv, &["rev-parse", "refs/heads/main"]);
    kill_sync_at(&w, &a, "before");
    assert_eq!(git_in(&w, &srv, &["rev-parse", "refs/heads/main"]), remote);
    act_ok(
        &w,
        &a,
        &[
            "withdraw", "s1", "--org", "a1", "--reason", "one", "--key", &ka,
        ],
    );
    converge(&w, &id, &srv, &b, &["endorse", "withdraw"], &["endorse"]);
}

/// Killed after a push landed, then (after a new act and another clone's push) killed again
/// just before the next push: the third sync must still know that the first push landed.
/// Today the second sync overwrites the record of the first push, and the third republishes
/// the acts the first one already published: a1's endorsement and withdrawal appear twice.
#[test]
fn two_syncs_killed_in_a_row_publish_nothing_twice() {
    let w = World::new();
    let (id, srv, b) = two_clones(&w);
    let a = w.ledger();
    let (ka, kb) = (w.key_arg("a1"), w.key_arg("b1"));
    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    act_ok(
        &w,
        &a,
        &[
            "withdraw", "s1", "--org", "a1", "--reason", "one", "--key", &ka,
        ],
    );
    act_ok(&w, &b, &["sign", "s1", "--org", "b1", "--key", &kb]);
    json_in(&w, &b, &["sync"]);
    kill_sync_at(&w, &a, "after");
    act_ok(&w, &a, &["sign", "s1", "--org", "a1", "--key", &ka]);
    act_ok(
        &w,
        &b,
        &[
            "withdraw", "s1", "--org", "b1", "--reason", "two", "--key", &kb,
        ],
    );
    json_in(&w, &b, &["sync"]);
    kill_sync_at(&w, &a, "before");
    converge(
        &w,
        &id,
        &srv,
        &b,
        &["endorse", "withdraw", "endorse"],
        &["endorse", "withdraw"],
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Two processes on one ledger
// ---------------------------------------------------------------------------------------------

/// Two processes acting on the same ledger at once (each for its own organizations) queue on
/// the ledger's lock instead of losing each other's acts: all 20 land, each once.
#[test]
fn two_processes_acting_at_once_on_one_ledger_lose_nothing() {
    let w = World::new();
    let orgs = ["p1", "p2", "q1", "q2"];
    let stmts = ["s1", "s2"];
    ledger_with(&w, &orgs, &stmts);
    let dir = w.ledger();
    let run = |mine: [&str; 2], seed: u64| -> (Model, Vec<Reported>) {
        let mut model = Model::new(&stmts);
        let mut mix = Mix(seed);
        let mut reported = Vec::new();
        for n in 0..10 {
            let act = pick_act(&w, &model, &mut mix, &stmts, &mine, false, n);
            let v = json_in(&w, &dir, &act.args());
            assert_eq!(v["changed"], true, "{v}");
            reported.push(reported_of(&v));
            act.apply(&mut model);
        }
        (model, reported)
    };
    let ((mp, rp), (mq, rq)) = std::thread::scope(|scope| {
        let p = scope.spawn(|| run(["p1", "p2"], 11));
        let q = scope.spawn(|| run(["q1", "q2"], 22));
        (p.join().expect("thread p"), q.join().expect("thread q"))
    });
    let mut expected = mp.tally();
    expected.acts.extend(mq.tally().acts);
    assert_eq!(tally(&w, &dir), expected);
    assert_eq!(
        expected.acts.values().map(Vec::len).sum::<usize>(),
        20,
        "{expected:?}"
    );
    let commits = git_in(&w, &dir, &["rev-list", "--count", "refs/heads/main"]);
    // genesis + 4 orgs + 2 statements + 20 acts
    assert_eq!(commits.trim(), "27");
    assert_reported_present(&w, &dir, &rp);
    assert_reported_present(&w, &dir, &rq);
    verifies(&w, &dir, None);
    fsck_clean(&w, &dir);
    w.assert_stock_git_agrees();
    assert_eq!(
        git_in(
            &w,
            &dir,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        "",
        "the work tree holds the head"
    );
}

/// A sync that rebuilt this clone's act on the remote's head writes that act's record again,
/// at the same path with other bytes (a new time, a new signature). Killed while its checkout
/// was writing that file, it leaves the file cut short, the index and the marker on the old
/// local head. That file is undersigned's own writing of the head, not a user's edit: the next
/// act rewrites it (a full run met this about once in four).
#[test]
fn a_rebuilt_record_cut_short_by_a_killed_sync_does_not_wedge_the_ledger() {
    let w = World::new();
    let id = w.standard();
    let a = w.ledger();
    let srv = w.path().join("srv.git");
    git_in(
        &w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    git_in(&w, &a, &["remote", "add", "origin", s(&srv)]);
    json_in(&w, &a, &["sync"]);
    let b = w.path().join("clone-b");
    json_in(&w, &a, &["clone", s(&srv), s(&b), "--trust", &id]);
    json_in(
        &w,
        &b,
        &["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")],
    );
    json_in(&w, &b, &["sync"]);
    let v = json_in(
        &w,
        &a,
        &["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")],
    );
    let old = v["commit"].as_str().expect("commit").to_string();
    let file = v["paths"][0].as_str().expect("path").to_string();
    let r = json_in(&w, &a, &["sync"]);
    assert_eq!(r["republished"][0]["old"], old.as_str(), "{r}");
    let before = std::fs::read(a.join(&file)).expect("rebuilt record");
    assert_ne!(
        git_in(&w, &a, &["show", &format!("{old}:{file}")]).as_bytes(),
        &before[..],
        "the rebuilt record has other bytes"
    );
    // What the kill leaves: index and marker on the old head, the record cut short.
    git_in(&w, &a, &["read-tree", &old]);
    std::fs::write(a.join(".git/undersigned/worktree"), format!("{old}\n")).expect("marker");
    std::fs::write(a.join(&file), &before[..10]).expect("cut it short");

    let v = json_in(
        &w,
        &a,
        &[
            "withdraw",
            "icc",
            "--org",
            "hrw",
            "--reason",
            "r",
            "--key",
            &w.key_arg("hrw"),
        ],
    );
    assert_eq!(v["changed"], true, "{v}");
    verifies(&w, &a, Some(&id));
    fsck_clean(&w, &a);
    assert_eq!(
        git_in(&w, &a, &["status", "--porcelain", "--untracked-files=all"]),
        "",
        "the work tree holds the head after the act"
    );
}
