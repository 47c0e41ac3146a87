//! Cost of acts and of verification as a ledger grows, measured through the library.
//!
//! `cargo bench --bench acts` (sizes 100 and 1000 endorsements; pass other sizes after `--`,
//! e.g. `cargo bench --bench acts -- 100 3000`). For each size it builds a ledger with one
//! statement and N organizations that each sign it, and prints: the mean wall time of one `sign`
//! over the first and the last 50 endorsements, a full `verify` as written (loose objects) and
//! after `git gc` (as a clone arrives), with endorsements/s and commits/s of the latter,
//! and stock `git verify-commit` per commit on a sample of 20 commits.

use std::path::Path;
use std::process::Command;
use std::time::Instant;
use undersigned::keys::{self, SigningKey};
use undersigned::verify::{verify, VerifyOptions};
use undersigned::{Ledger, NewLedger, NewOrg};

fn load(path: &Path) -> SigningKey {
    SigningKey::load(path, &mut || Ok(None)).expect("bench key loads")
}

fn run(n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let kdir = dir.path().join("keys");
    keys::generate(&kdir.join("editor"), "", None).expect("editor key");
    let editor = load(&kdir.join("editor"));
    let ledger_dir = dir.path().join("ledger");
    let new = NewLedger {
        name: "bench".into(),
        editor_id: "editor".into(),
        editor_name: "Editor".into(),
    };
    Ledger::init(&ledger_dir, &new, &editor).expect("init");
    let ledger = Ledger::open(&ledger_dir).expect("open");
    ledger
        .new_statement("s", "Bench", b"On behalf of many organizations.\n", &editor)
        .expect("statement");
    let mut org_keys = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("org-{i}");
        let path = kdir.join(&id);
        let public = keys::generate(&path, "", None).expect("org key");
        ledger
            .add_org(
                &NewOrg {
                    id: id.clone(),
                    name: format!("Organization {i}"),
                    key: Some(public),
                    ..NewOrg::default()
                },
                &editor,
            )
            .expect("org add");
        org_keys.push((id, load(&path)));
    }
    let mut times = Vec::with_capacity(n);
    for (id, key) in &org_keys {
        let t = Instant::now();
        ledger.sign("s", id, None, key).expect("sign");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let window = 50.min(n);
    let first = times[..window].iter().sum::<f64>() / window as f64;
    let last = times[n - window..].iter().sum::<f64>() / window as f64;

    let t = Instant::now();
    let report = verify(ledger.store(), &VerifyOptions::default()).expect("verify");
    let secs = t.elapsed().as_secs_f64();
    assert!(report.ok, "bench ledger verifies");

    // The same after `git gc`: a clone arrives packed; loose objects cost a file each.
    let gc = Command::new("git")
        .arg("-C")
        .arg(&ledger_dir)
        .args(["gc", "-q"])
        .status()
        .expect("git gc");
    assert!(gc.success(), "git gc");
    let t = Instant::now();
    let packed = verify(ledger.store(), &VerifyOptions::default()).expect("verify");
    let packed_secs = t.elapsed().as_secs_f64();
    assert!(packed.ok, "bench ledger verifies after gc");

    let commits: Vec<String> = String::from_utf8_lossy(
        &Command::new("git")
            .arg("-C")
            .arg(&ledger_dir)
            .args(["rev-list", "-n", "20", "main"])
            .output()
            .expect("git")
            .stdout,
    )
    .lines()
    .map(str::to_string)
    .collect();
    let signers = ledger_dir.join("allowed_signers");
    let t = Instant::now();
    for c in &commits {
        let ok = Command::new("git")
            .arg("-C")
            .arg(&ledger_dir)
            .args(["-c", "gpg.format=ssh", "-c"])
            .arg(format!("gpg.ssh.allowedSignersFile={}", signers.display()))
            .args(["verify-commit", c])
            .output()
            .expect("git verify-commit")
            .status
            .success();
        assert!(ok, "stock git verifies {c}");
    }
    let git_ms = t.elapsed().as_secs_f64() * 1000.0 / commits.len() as f64;
    println!(
        "| {n:>6} | {first:>6.2} ms | {last:>6.2} ms | {:>7.3} s | {:>7.3} s | {:>8.0}/s | {:>8.0}/s | {git_ms:>5.1} ms | {:>6.3} ms |",
        secs,
        packed_secs,
        report.endorsements as f64 / packed_secs,
        report.commits as f64 / packed_secs,
        packed_secs * 1000.0 / report.commits as f64,
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000]
    } else {
        sizes
    };
    println!("| endorsements | sign (first 50) | sign (last 50) | full verify (loose objects) | full verify (after git gc) | endorsements/s (gc) | commits/s (gc) | git verify-commit | verify per commit (gc) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for n in sizes {
        run(n);
    }
}
