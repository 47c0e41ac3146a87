//! No writer commits what `verify` would reject (the rules have one home, applied by writers
//! and the verifier alike). A property test drives random sequences of acts through the built
//! binary — endorsements, attestations, withdrawals, revisions, registrations, and above all
//! mailed records with arbitrary field values and times, correctly signed by the organization's
//! key so that only the rules can refuse them — and after each act asserts: either it exited 2
//! and the head did not move, or it exited 0 and the whole ledger still verifies.
//!
//! Also here: a ledger built twice from the same keys and a fixed clock is the same ledger, to
//! the commit id.

use crate::common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::Path;
use std::sync::Arc;
use undersigned::clock::{Clock, FixedClock};
use undersigned::keys::SigningKey;
use undersigned::record::{self, ActKind, ActRecord, Provenance};
use undersigned::signed_data::{act_payload, ACT_NAMESPACE};
use undersigned::verify::{verify, VerifyOptions};
use undersigned::{Ledger, NewLedger, NewOrg, Revision};

/// One change to a mailed record that is otherwise right: each field drawn to values that are
/// wrong or out of range (the record is signed after the change, so its own signature holds).
#[derive(Debug, Clone)]
enum Mutation {
    Withdraw,
    Ledger,
    Statement,
    Version(u8),
    Text(u8),
    Org,
    Time(u8),
    Reason(u8),
    Attested,
    Evidence(u8),
    Signer(u8),
    Key,
    SignedByFidh,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => Just(Mutation::Withdraw),
        1 => Just(Mutation::Ledger),
        1 => Just(Mutation::Statement),
        1 => (0u8..5).prop_map(Mutation::Version),
        1 => (0u8..4).prop_map(Mutation::Text),
        1 => Just(Mutation::Org),
        3 => (0u8..8).prop_map(Mutation::Time),
        2 => (0u8..6).prop_map(Mutation::Reason),
        1 => Just(Mutation::Attested),
        1 => (0u8..2).prop_map(Mutation::Evidence),
        1 => (0u8..3).prop_map(Mutation::Signer),
        1 => Just(Mutation::Key),
        1 => Just(Mutation::SignedByFidh),
    ]
}

/// A mailed endorsement of the current version by hrw, with 0 to 2 changes.
#[derive(Debug, Clone)]
struct Mailed {
    changes: Vec<Mutation>,
}

fn mailed() -> impl Strategy<Value = Mailed> {
    proptest::collection::vec(mutation(), 0..3).prop_map(|changes| Mailed { changes })
}

#[derive(Debug, Clone)]
enum Op {
    Sign { org: u8 },
    Attest { org: u8 },
    Withdraw { org: u8, reason: u8 },
    Revise { n: u8 },
    AddOrg { name: u8 },
    Mail(Box<Mailed>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..3).prop_map(|org| Op::Sign { org }),
        1 => (0u8..3).prop_map(|org| Op::Attest { org }),
        2 => (0u8..3, 0u8..5).prop_map(|(org, reason)| Op::Withdraw { org, reason }),
        1 => (0u8..4).prop_map(|n| Op::Revise { n }),
        1 => (0u8..6).prop_map(|name| Op::AddOrg { name }),
        6 => mailed().prop_map(|m| Op::Mail(Box::new(m))),
    ]
}

const ORGS: [&str; 3] = ["hrw", "fidh", "quiet"];

/// Free texts, from fine to refused: control characters, line breaks, a line separator,
/// padding, far over the limit.
fn text_value(i: u8) -> String {
    match i % 6 {
        0 => "Our board did not approve".into(),
        1 => "two\nlines".into(),
        2 => " padded".into(),
        3 => "x".repeat(5000),
        4 => "bell \u{7} and escape \u{1b}[2J".into(),
        _ => "line\u{2028}separator".into(),
    }
}

/// Record times, from fine to refused or absurd.
fn time_value(i: u8, now: &str) -> String {
    match i {
        0 | 1 => now.to_string(),
        2 => "9999-12-31T23:59:59.999Z".into(),
        3 => "1970-01-01T00:00:00.000Z".into(),
        4 => "yesterday".into(),
        5 => "2026-02-30T00:00:00.000Z".into(),
        6 => "+10000-01-01T00:00:00.000Z".into(),
        _ => "2026-11-28T10:02:43Z".into(),
    }
}

/// The mailed record `m` describes, signed over its own payload by hrw's (or fidh's) key.
fn build_mailed(w: &World, m: &Mailed, ledger_id: &str, now: &str) -> ActRecord {
    let out = w.run(&["--json", "audit", "icc"]);
    let audit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let current = audit["current_version"].as_u64().unwrap_or(1) as u32;
    let sha = |v: u32| {
        audit["versions"][v.saturating_sub(1) as usize]["text_sha256"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let hrw = SigningKey::load(&w.key("hrw"), &mut || Ok(None)).expect("hrw key");
    let fidh = SigningKey::load(&w.key("fidh"), &mut || Ok(None)).expect("fidh key");
    let mut r = ActRecord {
        act: ActKind::Endorse,
        ledger: ledger_id.to_string(),
        statement: "icc".into(),
        version: Some(current),
        text_sha256: Some(sha(current)),
        texts: Vec::new(),
        org: Some("hrw".into()),
        person: None,
        signed_at: now.to_string(),
        reason: None,
        provenance: Provenance::Signed,
        evidence_sha256: None,
        signer: "org/hrw".into(),
        key: hrw.fingerprint().to_string(),
        signature: String::new(),
    };
    let mut key = &hrw;
    for c in &m.changes {
        match c {
            Mutation::Withdraw => {
                r.act = ActKind::Withdraw;
                r.version = None;
                r.text_sha256 = None;
            }
            Mutation::Ledger => r.ledger = "0123456789abcdef0123456789abcdef01234567".into(),
            Mutation::Statement => r.statement = "other".into(),
            Mutation::Version(v) => {
                r.version = [Some(1), None, Some(0), Some(u32::MAX), Some(7)][*v as usize]
            }
            Mutation::Text(t) => {
                r.text_sha256 = [
                    Some(sha(1)),
                    None,
                    Some("0".repeat(64)),
                    Some("NOT-HEX".into()),
                ][*t as usize]
                    .clone()
            }
            Mutation::Org => r.org = Some("ghost".into()),
            Mutation::Time(t) => r.signed_at = time_value(*t, now),
            Mutation::Reason(t) => r.reason = Some(text_value(*t)),
            Mutation::Attested => r.provenance = Provenance::Attested,
            Mutation::Evidence(e) => {
                r.evidence_sha256 = Some(if *e == 0 {
                    record::sha256_hex(b"mail")
                } else {
                    "nothex".into()
                })
            }
            Mutation::Signer(x) => {
                r.signer = ["editor/coordinator", "nobody", "org/fidh"][*x as usize].into()
            }
            Mutation::Key => r.key = "SHA256:bogus".into(),
            Mutation::SignedByFidh => {
                key = &fidh;
                r.key = fidh.fingerprint().to_string();
            }
        }
    }
    r.signature = key.sign(ACT_NAMESPACE, &act_payload(&r)).expect("sign");
    r
}

/// Runs one act through the binary; returns its exit code.
fn run_op(w: &World, op: &Op, ledger_id: &str, step: usize) -> i32 {
    let e = w.key_arg("editor");
    let out = match op {
        Op::Sign { org } => {
            let o = ORGS[*org as usize];
            w.run(&[
                "sign",
                "icc",
                "--org",
                o,
                "--key",
                &w.key_arg(if o == "quiet" { "hrw" } else { o }),
            ])
        }
        Op::Attest { org } => {
            let evidence = w.write_file(&format!("e{step}.eml"), &format!("We agree ({step}).\n"));
            w.run(&[
                "attest",
                "icc",
                "--org",
                ORGS[*org as usize],
                "--evidence",
                &evidence,
                "--key",
                &e,
            ])
        }
        Op::Withdraw { org, reason } => {
            let o = ORGS[*org as usize];
            let reason = text_value(*reason);
            match o {
                "quiet" => {
                    let evidence = w.write_file(&format!("w{step}.eml"), "We withdraw.\n");
                    w.run(&[
                        "withdraw",
                        "icc",
                        "--org",
                        o,
                        "--reason",
                        &reason,
                        "--evidence",
                        &evidence,
                        "--key",
                        &e,
                    ])
                }
                _ => w.run(&[
                    "withdraw",
                    "icc",
                    "--org",
                    o,
                    "--reason",
                    &reason,
                    "--key",
                    &w.key_arg(o),
                ]),
            }
        }
        Op::Revise { n } => {
            let text = w.write_file(
                &format!("r{step}.txt"),
                &format!("Revised text {n} at step {step}.\n"),
            );
            w.run(&["statement", "revise", "icc", "--text", &text, "--key", &e])
        }
        Op::AddOrg { name } => {
            let id = format!("org-{step}");
            w.run(&["org", "add", &id, "--name", &text_value(*name), "--key", &e])
        }
        Op::Mail(m) => {
            let now = undersigned::timefmt::format_ms(undersigned::clock::SystemClock.now_ms())
                .expect("now");
            let rec = build_mailed(w, m, ledger_id, &now);
            let file = w.path().join(format!("mailed-{step}.json"));
            std::fs::write(&file, record::encode(&rec)).expect("write record");
            w.run(&["accept", s(&file), "--key", &e])
        }
    };
    assert!(
        !stderr(&out).contains("panicked"),
        "{op:?} panicked: {}",
        said(&out)
    );
    code(&out)
}

#[test]
fn no_act_commits_what_verify_rejects() {
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
        failure_persistence: None,
        ..Config::default()
    });
    let (refused, written) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    let result = runner.run(&proptest::collection::vec(op(), 4..14), |ops| {
        let w = World::new();
        let ledger_id = w.standard();
        for (step, op) in ops.iter().enumerate() {
            let before = w.head();
            match run_op(&w, op, &ledger_id, step) {
                0 => {
                    written.set(written.get() + 1);
                    let ledger = Ledger::open(&w.ledger()).expect("open");
                    let report =
                        verify(ledger.store(), &VerifyOptions::default()).expect("verify runs");
                    prop_assert!(
                        report.ok,
                        "{op:?} at step {step} left a ledger that fails: {:?}",
                        report.failures
                    );
                }
                2 => {
                    refused.set(refused.get() + 1);
                    prop_assert_eq!(w.head(), before, "{:?} exited 2 but moved the head", op);
                }
                other => prop_assert!(false, "{op:?} exited {other}"),
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The plans must exercise both outcomes, or the property says nothing.
    let (refused, written) = (refused.get(), written.get());
    eprintln!("writers: {refused} acts refused, {written} written");
    assert!(
        refused > 0 && written > 0,
        "refused {refused}, written {written}"
    );
}

/// A small ledger built through the library with `clock` and the vector keys.
fn build_with(dir: &Path, keys: &Path, clock: Arc<FixedClock>) -> String {
    use std::os::unix::fs::PermissionsExt;
    let load = |name: &str| {
        let to = keys.join(name);
        if !to.exists() {
            let from = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/vectors/keys")
                .join(name);
            std::fs::copy(from, &to).expect("copy key");
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        SigningKey::load(&to, &mut || Ok(None)).expect("key")
    };
    let editor = load("editor-coordinator");
    let org = load("org-hrw");
    let new = NewLedger {
        name: "Reproducible".into(),
        editor_id: "coordinator".into(),
        editor_name: "Coordinator".into(),
    };
    Ledger::init_with_clock(dir, &new, &editor, clock.as_ref()).expect("init");
    let ticking: Arc<dyn Clock> = clock.clone();
    let ledger = Ledger::open_with_clock(dir, ticking).expect("open");
    let hrw = NewOrg {
        id: "hrw".into(),
        name: "Human Rights Watch".into(),
        key: Some(org.public()),
        ..NewOrg::default()
    };
    ledger.add_org(&hrw, &editor).expect("org");
    clock.advance(1500);
    ledger
        .new_statement("icc", "Title", b"Version one.\n", &editor)
        .expect("new");
    ledger.sign("icc", "hrw", None, &org).expect("sign");
    clock.advance(86_400_000);
    let revision = Revision {
        text: b"Version two.\n",
        note: Some("typo"),
        ..Revision::default()
    };
    ledger
        .revise_statement("icc", &revision, &editor)
        .expect("revise");
    ledger.sign("icc", "hrw", None, &org).expect("re-sign");
    ledger
        .withdraw("icc", "hrw", Some("changed our mind"), None, &org)
        .expect("withdraw");
    ledger
        .store()
        .head()
        .expect("head")
        .expect("a head")
        .to_string()
}

#[test]
fn the_same_keys_and_clock_build_the_same_ledger_to_the_commit_id() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let keys = scratch.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys dir");
    let start = 1_795_860_163_123;
    let a = build_with(
        &scratch.path().join("a"),
        &keys,
        Arc::new(FixedClock::at(start)),
    );
    let b = build_with(
        &scratch.path().join("b"),
        &keys,
        Arc::new(FixedClock::at(start)),
    );
    assert_eq!(a, b, "two builds from the same keys and clock differ");
    let later = build_with(
        &scratch.path().join("c"),
        &keys,
        Arc::new(FixedClock::at(start + 1000)),
    );
    assert_ne!(a, later, "the clock must matter, or the test shows nothing");
}
