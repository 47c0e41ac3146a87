//! Property tests on the library: random valid act sequences always verify with the counts a
//! model predicts; one flipped bit anywhere in a record, text or signature is found by verify,
//! whether it rewrites an earlier file or arrives in the commit that adds it; and the signed
//! act payload is injective over the fields it covers.
//!
//! The committed case counts are small so that the module stays fast; `PROPTEST_CASES=N`
//! overrides them for a longer run by hand.

use git2::{Oid, Repository};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestError, TestRunner};
use std::collections::BTreeMap;
use std::path::Path;
use undersigned::clock::{Clock, SystemClock};
use undersigned::ids::Principal;
use undersigned::keys::{generate, SigningKey};
use undersigned::record::{self, ActKind, ActRecord, Provenance};
use undersigned::report::Report;
use undersigned::signed_data::{act_payload, ACT_NAMESPACE};
use undersigned::store::{Addition, CommitSpec};
use undersigned::verify::{verify, VerifyOptions};
use undersigned::{layout, timefmt, Ledger, NewLedger, NewOrg, Outcome, Revision};

const BRANCH: &str = "refs/heads/main";
const EDITOR: &str = "ed";
const EDITOR_NAME: &str = "Editor Ed";
const STATEMENTS: [&str; 3] = ["s0", "s1", "s2"];
/// The first two organizations have keys, the last two do not.
const ORGS: [&str; 4] = ["ka", "kb", "la", "lb"];
const KEYED: usize = 2;

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// The case count: `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn runner(default_cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(default_cases),
        // A runner built by hand has no source file to persist regressions next to.
        failure_persistence: None,
        ..Config::default()
    })
}

/// Panics with proptest's minimal failing input.
fn check<T: std::fmt::Debug>(result: Result<(), TestError<T>>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The editor's key and the two organization keys, generated in-process.
struct Keys {
    _dir: tempfile::TempDir,
    editor: SigningKey,
    orgs: Vec<SigningKey>,
}

fn load(path: &Path) -> SigningKey {
    SigningKey::load(path, &mut || Ok(None)).expect("load key")
}

fn keys() -> Keys {
    let dir = tempfile::tempdir().expect("temp dir");
    let make = |name: &str| {
        let p = dir.path().join(name);
        generate(&p, name, None).expect("generate key");
        load(&p)
    };
    let editor = make("editor");
    let orgs = (0..KEYED).map(|i| make(&format!("org{i}"))).collect();
    Keys {
        _dir: dir,
        editor,
        orgs,
    }
}

fn head(repo: &Repository) -> Oid {
    repo.refname_to_id(BRANCH).expect("branch")
}

fn report(ledger: &Ledger) -> Report {
    verify(ledger.store(), &VerifyOptions::default()).expect("verify runs")
}

/// What `init` is given: a name, and the editor [`EDITOR`].
fn new_ledger_named(name: &str) -> NewLedger {
    NewLedger {
        name: name.into(),
        editor_id: EDITOR.into(),
        editor_name: EDITOR_NAME.into(),
    }
}

/// Creates a ledger with editor `ed` and the four organizations of [`ORGS`].
fn new_ledger(dir: &Path, keys: &Keys) -> Ledger {
    Ledger::init(dir, &new_ledger_named("Property ledger"), &keys.editor).expect("init");
    let ledger = Ledger::open(dir).expect("open");
    for (i, id) in ORGS.iter().enumerate() {
        let org = NewOrg {
            id: id.to_string(),
            name: format!("Organization {id}"),
            key: keys.orgs.get(i).map(SigningKey::public),
            ..NewOrg::default()
        };
        ledger.add_org(&org, &keys.editor).expect("add org");
    }
    ledger
}

// ---------------------------------------------------------------------------------------------
// 1. Random act sequences

/// One step of a plan. Indices are resolved against the model when the step runs, so every
/// plan is meaningful whatever came before it (and shrinks well).
#[derive(Debug, Clone)]
enum Op {
    New {
        s: Stmt,
        words: String,
    },
    Revise {
        s: Stmt,
        words: String,
    },
    /// A revision whose text equals the current version: always refused.
    ReviseSame {
        s: Stmt,
    },
    Sign {
        s: Stmt,
        o: usize,
        v: Option<u32>,
    },
    Attest {
        s: Stmt,
        o: usize,
        v: Option<u32>,
    },
    /// Withdraws a pair with an endorsement in force (picked by `pick`), or tries `(s, o)`
    /// when there is none.
    Withdraw {
        pick: Index,
        s: Stmt,
        o: usize,
        attested: bool,
        reason: Option<String>,
    },
    /// Endorses again the current version of a statement the organization withdrew from.
    Reendorse {
        pick: Index,
        attested: bool,
    },
}

/// A statement: mostly one the act makes sense on (an existing one, or for `New` a new one),
/// sometimes any of the three.
#[derive(Debug, Clone, Copy)]
struct Stmt {
    guided: bool,
    i: Index,
}

fn stmt() -> impl Strategy<Value = Stmt> + Clone {
    (proptest::bool::weighted(0.85), any::<Index>()).prop_map(|(guided, i)| Stmt { guided, i })
}

fn op() -> impl Strategy<Value = Op> {
    let s = stmt();
    // Mostly organizations that can sign; keyless ones are refused.
    let o = prop_oneof![4 => 0..KEYED, 1 => KEYED..ORGS.len()];
    let v = proptest::option::weighted(0.7, 0u32..6);
    let words = "[a-z]{1,8}( [a-z]{1,8}){0,3}";
    prop_oneof![
        2 => (s.clone(), words).prop_map(|(s, words)| Op::New { s, words }),
        2 => (s.clone(), words).prop_map(|(s, words)| Op::Revise { s, words }),
        1 => s.clone().prop_map(|s| Op::ReviseSame { s }),
        4 => (s.clone(), o.clone(), v.clone()).prop_map(|(s, o, v)| Op::Sign { s, o, v }),
        3 => (s.clone(), 0..ORGS.len(), v).prop_map(|(s, o, v)| Op::Attest { s, o, v }),
        3 => (
            any::<Index>(),
            s,
            o,
            any::<bool>(),
            proptest::option::of("[A-Za-z][a-z ,.:]{0,20}[a-z]")
        )
            .prop_map(|(pick, s, o, attested, reason)| Op::Withdraw {
                pick,
                s,
                o,
                attested,
                reason
            }),
        2 => (any::<Index>(), any::<bool>())
            .prop_map(|(pick, attested)| Op::Reendorse { pick, attested }),
    ]
}

/// A plan of 5 to 25 acts. Most plans open with a new statement, so that few acts are spent
/// on a ledger without statements (where every act but `New` is refused).
fn plan() -> impl Strategy<Value = Vec<Op>> {
    (
        proptest::bool::weighted(0.8),
        stmt(),
        proptest::collection::vec(op(), 5..25),
    )
        .prop_map(|(open, s, mut ops)| {
            if open {
                ops[0] = Op::New {
                    s,
                    words: "opening words".into(),
                };
            }
            ops
        })
}

/// What the model says the ledger holds.
#[derive(Default)]
struct Model {
    /// Versions per statement, and the text of the last one.
    versions: [u32; 3],
    last_text: [Vec<u8>; 3],
    /// Acts per (statement, org): `Some(v)` endorses v, `None` withdraws.
    acts: BTreeMap<(usize, usize), Vec<Option<u32>>>,
    texts_written: u32,
    evidence: u32,
    endorsements: u64,
    withdrawals: u64,
    commits: u64,
}

impl Model {
    fn acts(&self, s: usize, o: usize) -> &[Option<u32>] {
        self.acts.get(&(s, o)).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Versions endorsed since the last withdrawal.
    fn endorsed(&self, s: usize, o: usize) -> Vec<u32> {
        let acts = self.acts(s, o);
        let since = acts.iter().rposition(Option::is_none).map_or(0, |i| i + 1);
        acts[since..].iter().flatten().copied().collect()
    }

    fn in_force(&self, s: usize, o: usize) -> bool {
        matches!(self.acts(s, o).last(), Some(Some(_)))
    }

    fn withdrawn(&self, s: usize, o: usize) -> bool {
        matches!(self.acts(s, o).last(), Some(None))
    }

    fn pairs(&self, want: impl Fn(usize, usize) -> bool) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for s in 0..STATEMENTS.len() {
            for o in 0..ORGS.len() {
                if want(s, o) {
                    out.push((s, o));
                }
            }
        }
        out
    }

    /// Resolves a statement: with `existing`, among those created, else among those not yet.
    fn stmt(&self, s: &Stmt, existing: bool) -> usize {
        let candidates: Vec<usize> = (0..STATEMENTS.len())
            .filter(|i| (self.versions[*i] > 0) == existing)
            .collect();
        if s.guided && !candidates.is_empty() {
            *s.i.get(&candidates)
        } else {
            s.i.index(STATEMENTS.len())
        }
    }

    fn next_text(&mut self, s: usize, words: &str) -> Vec<u8> {
        self.texts_written += 1;
        format!(
            "Statement {} text number {}.\n\n{words}\n",
            STATEMENTS[s], self.texts_written
        )
        .into_bytes()
    }

    fn next_evidence(&mut self) -> Vec<u8> {
        self.evidence += 1;
        format!(
            "From: someone@example.org\n\nWe agree ({}).\n",
            self.evidence
        )
        .into_bytes()
    }
}

/// What the model expects of one act.
enum Expect {
    /// A new commit.
    Written,
    /// Ok, nothing changed.
    Nothing,
    /// Refused with one of these fragments.
    Refused(&'static [&'static str]),
}

const UNKNOWN: &str = "is not in this ledger";
const NO_KEY: &str = "has no registered key";

/// Runs one step against the ledger and the model, asserting the library agrees with the model.
fn step(ledger: &Ledger, keys: &Keys, m: &mut Model, op: &Op) {
    let editor = &keys.editor;
    let (expect, result, label): (Expect, undersigned::Result<Outcome>, String) = match op {
        Op::New { s, words } => {
            let s = &m.stmt(s, false);
            let text = m.next_text(*s, words);
            let expect = if m.versions[*s] == 0 {
                Expect::Written
            } else {
                Expect::Refused(&["already exists"])
            };
            let r = ledger.new_statement(STATEMENTS[*s], "A title", &text, editor);
            if matches!(expect, Expect::Written) {
                m.versions[*s] = 1;
                m.last_text[*s] = text;
            }
            (expect, r, format!("{op:?}"))
        }
        Op::Revise { s, words } => {
            let s = &m.stmt(s, true);
            let text = m.next_text(*s, words);
            let expect = if m.versions[*s] > 0 {
                Expect::Written
            } else {
                Expect::Refused(&[UNKNOWN])
            };
            let revision = Revision {
                text: &text,
                note: Some("a revision"),
                ..Revision::default()
            };
            let r = ledger.revise_statement(STATEMENTS[*s], &revision, editor);
            if matches!(expect, Expect::Written) {
                m.versions[*s] += 1;
                m.last_text[*s] = text;
            }
            (expect, r, format!("{op:?}"))
        }
        Op::ReviseSame { s } => {
            let s = &m.stmt(s, true);
            let (expect, text) = if m.versions[*s] > 0 {
                (Expect::Refused(&["identical"]), m.last_text[*s].clone())
            } else {
                (Expect::Refused(&[UNKNOWN]), b"Some text.\n".to_vec())
            };
            let revision = Revision {
                text: &text,
                ..Revision::default()
            };
            let r = ledger.revise_statement(STATEMENTS[*s], &revision, editor);
            (expect, r, format!("{op:?}"))
        }
        Op::Sign { s, o, v } | Op::Attest { s, o, v } => {
            let attest = matches!(op, Op::Attest { .. });
            let s = &m.stmt(s, true);
            let count = m.versions[*s];
            // Explicit versions are drawn in range when the statement exists.
            let version = v.map(|v| if count > 0 { 1 + v % count } else { v + 1 });
            let target = version.unwrap_or(count);
            let expect = match (attest, *o < KEYED, count) {
                (false, false, 0) => Expect::Refused(&[NO_KEY, UNKNOWN]),
                (false, false, _) => Expect::Refused(&[NO_KEY]),
                (_, _, 0) => Expect::Refused(&[UNKNOWN]),
                _ if m.endorsed(*s, *o).contains(&target) => Expect::Nothing,
                _ => Expect::Written,
            };
            let r = if attest {
                let evidence = m.next_evidence();
                ledger.attest(STATEMENTS[*s], ORGS[*o], version, &evidence, editor)
            } else {
                let key = keys.orgs.get(*o).unwrap_or(editor);
                ledger.sign(STATEMENTS[*s], ORGS[*o], version, key)
            };
            if matches!(expect, Expect::Written) {
                m.acts.entry((*s, *o)).or_default().push(Some(target));
                m.endorsements += 1;
            }
            (expect, r, format!("{op:?} -> version {target}"))
        }
        Op::Withdraw {
            pick,
            s,
            o,
            attested,
            reason,
        } => {
            let candidates = m.pairs(|s, o| m.in_force(s, o));
            let (s, o) = if candidates.is_empty() {
                (m.stmt(s, true), *o)
            } else {
                *pick.get(&candidates)
            };
            // A keyless organization withdraws through an editor's attestation.
            let attested = *attested || o >= KEYED;
            let expect = if m.versions[s] == 0 {
                Expect::Refused(&[UNKNOWN])
            } else if m.in_force(s, o) {
                Expect::Written
            } else {
                Expect::Refused(&["nothing to withdraw"])
            };
            let r = if attested {
                let evidence = m.next_evidence();
                ledger.withdraw(
                    STATEMENTS[s],
                    ORGS[o],
                    reason.as_deref(),
                    Some(&evidence),
                    editor,
                )
            } else {
                ledger.withdraw(
                    STATEMENTS[s],
                    ORGS[o],
                    reason.as_deref(),
                    None,
                    &keys.orgs[o],
                )
            };
            if matches!(expect, Expect::Written) {
                m.acts.entry((s, o)).or_default().push(None);
                m.withdrawals += 1;
            }
            (
                expect,
                r,
                format!("{op:?} -> {} {}", STATEMENTS[s], ORGS[o]),
            )
        }
        Op::Reendorse { pick, attested } => {
            let candidates = m.pairs(|s, o| m.withdrawn(s, o));
            if candidates.is_empty() {
                return;
            }
            let (s, o) = *pick.get(&candidates);
            let attested = *attested || o >= KEYED;
            let r = if attested {
                let evidence = m.next_evidence();
                ledger.attest(STATEMENTS[s], ORGS[o], None, &evidence, editor)
            } else {
                ledger.sign(STATEMENTS[s], ORGS[o], None, &keys.orgs[o])
            };
            let v = m.versions[s];
            m.acts.entry((s, o)).or_default().push(Some(v));
            m.endorsements += 1;
            (
                Expect::Written,
                r,
                format!("{op:?} -> {} {} v{v}", STATEMENTS[s], ORGS[o]),
            )
        }
    };
    let repo = ledger.store().repo();
    // The head before the act is the parent of a new commit, or the head now otherwise.
    match (expect, result) {
        (Expect::Written, Ok(out)) => {
            assert!(out.changed, "{label}: expected a new commit, got {out:?}");
            assert_eq!(
                out.commit.as_deref(),
                Some(head(repo).to_string().as_str()),
                "{label}: the outcome names the new head"
            );
            m.commits += 1;
        }
        (Expect::Nothing, Ok(out)) => {
            assert!(!out.changed, "{label}: expected no change, got {out:?}");
            assert!(
                out.message.contains("already endorses"),
                "{label}: {}",
                out.message
            );
        }
        (Expect::Refused(fragments), Err(e)) => {
            let text = e.to_string();
            assert!(
                fragments.iter().any(|f| text.contains(f)),
                "{label}: refused with {text:?}, expected one of {fragments:?}"
            );
        }
        (Expect::Written, Err(e)) => panic!("{label}: a valid act was refused: {e}"),
        (Expect::Nothing, Err(e)) => panic!("{label}: expected no change, got error: {e}"),
        (Expect::Refused(f), Ok(out)) => {
            panic!("{label}: expected a refusal ({f:?}), got {out:?}")
        }
    }
    let commits = {
        let mut walk = repo.revwalk().expect("revwalk");
        walk.push(head(repo)).expect("push head");
        walk.count() as u64
    };
    assert_eq!(
        commits, m.commits,
        "{label}: the branch holds one commit per act that changed something"
    );
}

#[test]
fn random_valid_act_sequences_verify_with_the_models_counts() {
    let keys = keys();
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut runner = runner(12);
    check(runner.run(&plan(), |plan| {
        let case = tempfile::tempdir_in(scratch.path()).expect("case dir");
        let ledger = new_ledger(&case.path().join("ledger"), &keys);
        let mut m = Model {
            commits: 1 + ORGS.len() as u64,
            ..Model::default()
        };
        for op in &plan {
            step(&ledger, &keys, &mut m, op);
        }
        let r = report(&ledger);
        assert!(r.ok, "verify failed: {:?}", r.failures);
        assert!(r.failures.is_empty());
        assert_eq!(r.commits, m.commits, "commits");
        assert_eq!(r.editors, 1, "editors");
        assert_eq!(r.organizations, ORGS.len() as u64, "organizations");
        let statements = m.versions.iter().filter(|v| **v > 0).count() as u64;
        assert_eq!(r.statements, statements, "statements");
        let versions: u32 = m.versions.iter().sum();
        assert_eq!(r.versions, u64::from(versions), "versions");
        assert_eq!(r.endorsements, m.endorsements, "endorsements");
        assert_eq!(r.withdrawals, m.withdrawals, "withdrawals");
        Ok(())
    }));
}

// ---------------------------------------------------------------------------------------------
// 2. Flipped bits

/// A small ledger with every kind of record: editor, keyed and keyless organizations, a
/// statement in two versions, signed and attested endorsements and an attested withdrawal.
fn small_ledger(dir: &Path, keys: &Keys) -> Ledger {
    Ledger::init(dir, &new_ledger_named("Flip ledger"), &keys.editor).expect("init");
    let ledger = Ledger::open(dir).expect("open");
    let ed = &keys.editor;
    for (id, key) in [("ka", Some(keys.orgs[0].public())), ("la", None)] {
        let org = NewOrg {
            id: id.into(),
            name: format!("Organization {id}"),
            url: Some(format!("https://{id}.example.org")),
            country: Some("SE".into()),
            key,
        };
        ledger.add_org(&org, ed).expect("add org");
    }
    ledger
        .new_statement("s", "Title", b"First text.\n", ed)
        .expect("new");
    let revision = Revision {
        text: b"Second text.\n",
        note: Some("typo"),
        ..Revision::default()
    };
    ledger.revise_statement("s", &revision, ed).expect("revise");
    ledger
        .sign("s", "ka", Some(1), &keys.orgs[0])
        .expect("sign");
    ledger
        .sign("s", "ka", Some(2), &keys.orgs[0])
        .expect("sign");
    ledger
        .attest("s", "la", Some(1), b"evidence one", ed)
        .expect("attest");
    ledger
        .withdraw(
            "s",
            "la",
            Some("changed its mind"),
            Some(b"evidence two"),
            ed,
        )
        .expect("withdraw");
    let r = report(&ledger);
    assert!(r.ok, "the small ledger verifies: {:?}", r.failures);
    assert_eq!((r.endorsements, r.withdrawals, r.versions), (3, 1, 2));
    ledger
}

/// Every blob path in `tree` except the derived `allowed_signers`.
fn record_paths(tree: &git2::Tree<'_>) -> Vec<String> {
    let mut out = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            let path = format!("{dir}{}", entry.name().unwrap_or_default());
            if path != layout::ALLOWED_SIGNERS {
                out.push(path);
            }
        }
        git2::TreeWalkResult::Ok
    })
    .expect("walk");
    out
}

/// Commits `tree` on top of `parent`, signed by `key` as `who` exactly as the store signs, and
/// moves the branch to it.
fn commit_tree(
    repo: &Repository,
    parent: Oid,
    tree: Oid,
    who: &Principal,
    name: &str,
    key: &SigningKey,
) -> Oid {
    let parent = repo.find_commit(parent).expect("parent");
    let tree = repo.find_tree(tree).expect("tree");
    let when = git2::Time::new(SystemClock.now_ms() / 1000, 0);
    let ident = git2::Signature::new(name, &who.email(), &when).expect("signature");
    let message = format!("Tamper\n\nUndersigned-Actor: {who}\n");
    let buf = repo
        .commit_create_buffer(&ident, &ident, &message, &tree, &[&parent])
        .expect("buffer");
    let content = std::str::from_utf8(&buf).expect("utf-8 commit");
    let armor = key.sign("git", content.as_bytes()).expect("sign commit");
    let oid = repo
        .commit_signed(content, &armor, Some("gpgsig"))
        .expect("commit");
    repo.reference(BRANCH, oid, true, "test: tamper")
        .expect("move branch");
    oid
}

fn flip(bytes: &mut [u8], offset: &Index, bit: u8) -> usize {
    let at = offset.index(bytes.len());
    bytes[at] ^= 1 << bit;
    at
}

#[test]
fn a_flipped_bit_in_any_earlier_file_fails_append_only() {
    let keys = keys();
    let scratch = tempfile::tempdir().expect("temp dir");
    let ledger = small_ledger(&scratch.path().join("ledger"), &keys);
    let repo = ledger.store().repo();
    let original = head(repo);
    let tree = repo
        .find_commit(original)
        .and_then(|c| c.tree())
        .expect("tree");
    let paths = record_paths(&tree);
    // Every kind of file the brief names is a candidate.
    for want in [
        "ledger.json",
        "editors/ed/editor.json",
        "editors/ed/keys/0001.json",
        "statements/s/versions/0001.txt",
        "statements/s/versions/0002.json",
        "/org.json",
        "/keys/0001.json",
    ] {
        assert!(
            paths.iter().any(|p| p.ends_with(want)),
            "{want} in {paths:?}"
        );
    }
    assert!(paths.iter().any(|p| p.contains("/acts/")), "{paths:?}");
    let editor = Principal::editor(EDITOR);
    let mut runner = runner(24);
    check(runner.run(
        &(any::<Index>(), any::<Index>(), 0u8..8),
        |(which, offset, bit)| {
            let path = which.get(&paths).clone();
            let blob = tree
                .get_path(Path::new(&path))
                .and_then(|e| repo.find_blob(e.id()))
                .expect("blob");
            let mut bytes = blob.content().to_vec();
            let at = flip(&mut bytes, &offset, bit);
            let new_blob = repo.blob(&bytes).expect("write blob");
            let mut update = git2::build::TreeUpdateBuilder::new();
            update.upsert(&path, new_blob, git2::FileMode::Blob);
            let new_tree = update.create_updated(repo, &tree).expect("tree");
            let tampered =
                commit_tree(repo, original, new_tree, &editor, EDITOR_NAME, &keys.editor);
            let r = report(&ledger);
            repo.reference(BRANCH, original, true, "test: restore")
                .expect("restore branch");
            assert!(!r.ok, "{path} byte {at} bit {bit}: verify passed");
            assert!(
                r.failures
                    .iter()
                    .any(|f| f.path.as_deref() == Some(path.as_str())
                        && f.rule.as_str() == "append-only"
                        && f.commit == tampered.to_string()),
                "{path} byte {at} bit {bit}: no append-only failure naming it: {:?}",
                r.failures
            );
            Ok(())
        },
    ));
    assert!(report(&ledger).ok, "the restored ledger verifies again");
}

/// The next act of the small ledger, valid as built: `ka` withdraws with its own key (act 3),
/// or `la` endorses version 2 again through the editor's attestation (act 3).
fn next_act(ledger: &Ledger, keys: &Keys, attested: bool) -> (String, ActRecord) {
    let repo = ledger.store().repo();
    let tree = repo
        .find_commit(head(repo))
        .and_then(|c| c.tree())
        .expect("tree");
    let org = if attested { "la" } else { "ka" };
    let previous = layout::act_path("s", org, 2);
    let prev: ActRecord = {
        let blob = tree
            .get_path(Path::new(&previous))
            .and_then(|e| repo.find_blob(e.id()))
            .expect("previous act");
        record::decode(blob.content()).expect("previous act decodes")
    };
    let after = timefmt::parse_ms(&prev.signed_at).expect("time") + 1;
    let text_sha = record::sha256_hex(b"Second text.\n");
    let ledger_id = ledger.ledger_id().expect("ledger id").to_string();
    let (key, signer) = if attested {
        (&keys.editor, Principal::editor(EDITOR))
    } else {
        (&keys.orgs[0], Principal::org("ka"))
    };
    let mut rec = ActRecord {
        act: if attested {
            ActKind::Endorse
        } else {
            ActKind::Withdraw
        },
        ledger: ledger_id,
        statement: "s".into(),
        version: attested.then_some(2),
        text_sha256: attested.then_some(text_sha),
        texts: Vec::new(),
        org: Some(org.into()),
        person: None,
        signed_at: timefmt::format_ms(SystemClock.now_ms().max(after)).expect("in range"),
        reason: (!attested).then(|| "We no longer agree".to_string()),
        provenance: if attested {
            Provenance::Attested
        } else {
            Provenance::Signed
        },
        evidence_sha256: attested.then(|| record::sha256_hex(b"a letter")),
        signer: signer.to_string(),
        key: key.fingerprint().to_string(),
        signature: String::new(),
    };
    rec.signature = key
        .sign(ACT_NAMESPACE, &act_payload(&rec))
        .expect("sign act");
    (layout::act_path("s", org, 3), rec)
}

/// Adds `bytes` at `path` in a commit by the record's signer, and moves the branch.
fn add_act(ledger: &Ledger, keys: &Keys, attested: bool, path: &str, bytes: Vec<u8>) -> Oid {
    let store = ledger.store();
    let repo = store.repo();
    let parent = repo.find_commit(head(repo)).expect("head commit");
    let (who, name, key) = if attested {
        (Principal::editor(EDITOR), EDITOR_NAME, &keys.editor)
    } else {
        (Principal::org("ka"), "Organization ka", &keys.orgs[0])
    };
    let email = who.email();
    let message = format!("Act\n\nUndersigned-Actor: {who}\n");
    let spec = CommitSpec {
        name,
        email: &email,
        time: SystemClock.now_ms() / 1000,
        message: &message,
    };
    let addition = Addition {
        path: path.to_string(),
        bytes,
    };
    let oid = store
        .write_commit(Some(&parent), &[addition], &[], key, &spec)
        .expect("write commit");
    repo.reference(BRANCH, oid, true, "test: add act")
        .expect("move branch");
    oid
}

/// The byte range of the base64 body of the record's signature armor (between the BEGIN and
/// END lines, as it appears in the JSON encoding).
fn armor_body(bytes: &[u8]) -> std::ops::Range<usize> {
    let text = String::from_utf8_lossy(bytes);
    let begin = "-----BEGIN SSH SIGNATURE-----\\n";
    let start = text.find(begin).expect("armor begins") + begin.len();
    let end = text
        .find("\\n-----END SSH SIGNATURE-----")
        .expect("armor ends");
    start..end
}

/// Adds the next act record of the small ledger with one bit flipped, at an offset drawn
/// inside (`in_armor`) or outside the base64 body of its signature armor, and checks that
/// verify names the record in the commit that adds it.
fn flipped_new_act_fails(in_armor: bool, default_cases: u32) {
    let keys = keys();
    let scratch = tempfile::tempdir().expect("temp dir");
    let ledger = small_ledger(&scratch.path().join("ledger"), &keys);
    let repo = ledger.store().repo();
    let original = head(repo);
    // Control: the uncorrupted records are accepted, so every failure below is the flip's.
    for attested in [false, true] {
        let (path, rec) = next_act(&ledger, &keys, attested);
        add_act(&ledger, &keys, attested, &path, record::encode(&rec));
        let r = report(&ledger);
        assert!(r.ok, "control act (attested: {attested}): {:?}", r.failures);
        repo.reference(BRANCH, original, true, "test: restore")
            .expect("restore");
    }
    let mut runner = runner(default_cases);
    check(runner.run(
        &(any::<bool>(), any::<Index>(), 0u8..8),
        |(attested, offset, bit)| {
            let (path, rec) = next_act(&ledger, &keys, attested);
            let clean = record::encode(&rec);
            let body = armor_body(&clean);
            let at = if in_armor {
                body.start + offset.index(body.len())
            } else {
                let i = offset.index(clean.len() - body.len());
                if i < body.start {
                    i
                } else {
                    i + body.len()
                }
            };
            let mut bytes = clean.clone();
            bytes[at] ^= 1 << bit;
            let what = format!(
                "attested {attested}, byte {at} ({:?} -> {:?}) bit {bit}",
                clean[at] as char, bytes[at] as char
            );
            let commit = add_act(&ledger, &keys, attested, &path, bytes);
            let r = report(&ledger);
            repo.reference(BRANCH, original, true, "test: restore")
                .expect("restore");
            assert!(!r.ok, "{what}: verify passed");
            let named: Vec<_> = r
                .failures
                .iter()
                .filter(|f| f.path.as_deref() == Some(path.as_str()))
                .collect();
            assert!(
                !named.is_empty(),
                "{what}: no failure names {path}: {:?}",
                r.failures
            );
            assert!(
                named.iter().all(|f| f.commit == commit.to_string()
                    // A flip in an attesting editor's id names another editor: a rights
                    // failure, since only the attesting editor may commit its attestation. A flip
                    // in a signing time can move it past its commit's: a time failure.
                    && ["record", "record-signature", "sequence", "reference", "rights", "time"]
                        .contains(&f.rule.as_str())),
                "{what}: {named:?}"
            );
            Ok(())
        },
    ));
    assert!(report(&ledger).ok, "the restored ledger verifies again");
}

#[test]
fn a_flipped_bit_in_a_new_act_records_fields_fails_in_the_commit_that_adds_it() {
    flipped_new_act_fails(false, 24);
}

#[test]
fn a_flipped_bit_in_a_new_act_records_signature_armor_fails_in_the_commit_that_adds_it() {
    flipped_new_act_fails(true, 64);
}

// ---------------------------------------------------------------------------------------------
// 2b. Non-canonical signature armor (deterministic cases of what the armor property finds)

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = B64.iter().position(|b| *b == c).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Re-armors an SSHSIG blob the way ssh-keygen does (70 columns, LF, no final newline).
fn armor(blob: &[u8]) -> String {
    let body = b64_encode(blob);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----",
        lines.join("\n")
    )
}

fn unarmor(armored: &str) -> Vec<u8> {
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    b64_decode(&body)
}

/// Variants of a valid SSHSIG blob that stock `ssh-keygen -Y verify` refuses: the length
/// prefix of the embedded public key, and of the signature, made larger than what follows.
/// Neither field is covered by the signature itself.
fn non_canonical(blob: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    assert_eq!(&blob[..6], b"SSHSIG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    // magic(6) version(4) then string publickey
    let key_len_at = 10;
    let key_len = be(&blob[key_len_at..]);
    let mut at = key_len_at + 4 + key_len;
    for _field in ["namespace", "reserved", "hash_algorithm"] {
        at += 4 + be(&blob[at..]);
    }
    let sig_len_at = at;
    let grow = |at: usize| {
        let mut b = blob.to_vec();
        let n = be(&b[at..]) + 0x100;
        b[at..at + 4].copy_from_slice(&(n as u32).to_be_bytes());
        b
    };
    vec![
        ("public key length enlarged", grow(key_len_at)),
        ("signature length enlarged", grow(sig_len_at)),
    ]
}

/// `ssh-keygen -Y verify` of `armored` over `msg` by `principal` in `allowed_signers`.
fn stock_verify(
    dir: &Path,
    allowed: &Path,
    principal: &str,
    ns: &str,
    armored: &str,
    msg: &[u8],
) -> bool {
    use std::io::Write;
    let sig = dir.join("sig");
    std::fs::write(&sig, format!("{armored}\n")).expect("write sig");
    let mut child = std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(allowed)
        .args(["-I", principal, "-n", ns, "-s"])
        .arg(&sig)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ssh-keygen runs");
    // ssh-keygen may refuse the signature before it reads the payload: a broken pipe here is
    // not a failure of the test, the exit status is the verdict.
    let _ = child.stdin.take().expect("stdin").write_all(msg);
    child.wait().expect("ssh-keygen exits").success()
}

#[test]
fn an_act_record_with_non_canonical_signature_armor_fails_as_with_ssh_keygen() {
    let keys = keys();
    let scratch = tempfile::tempdir().expect("temp dir");
    let ledger = small_ledger(&scratch.path().join("ledger"), &keys);
    let repo = ledger.store().repo();
    let original = head(repo);
    let allowed = scratch.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("org/ka {}\n", keys.orgs[0].public().openssh),
    )
    .expect("allowed signers");
    let (path, rec) = next_act(&ledger, &keys, false);
    let payload = act_payload(&rec);
    let blob = unarmor(&rec.signature);
    assert_eq!(
        armor(&blob),
        rec.signature,
        "the test's armor matches the library's"
    );
    assert!(stock_verify(
        scratch.path(),
        &allowed,
        "org/ka",
        ACT_NAMESPACE,
        &rec.signature,
        &payload
    ));
    for (what, changed) in non_canonical(&blob) {
        let mut bad = rec.clone();
        bad.signature = armor(&changed);
        assert!(
            !stock_verify(
                scratch.path(),
                &allowed,
                "org/ka",
                ACT_NAMESPACE,
                &bad.signature,
                &payload
            ),
            "{what}: ssh-keygen refuses it"
        );
        let commit = add_act(&ledger, &keys, false, &path, record::encode(&bad));
        let r = report(&ledger);
        repo.reference(BRANCH, original, true, "test: restore")
            .expect("restore");
        assert!(
            r.failures
                .iter()
                .any(|f| f.path.as_deref() == Some(path.as_str())
                    && f.rule.as_str() == "record-signature"
                    && f.commit == commit.to_string()),
            "{what}: undersigned verify accepts a signature ssh-keygen refuses: {:?}",
            r.failures
        );
    }
}

#[test]
fn a_commit_with_non_canonical_signature_armor_fails_as_with_git() {
    let keys = keys();
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path().join("ledger");
    let ledger = small_ledger(&dir, &keys);
    let repo = ledger.store().repo();
    let original = head(repo);
    let parent = repo.find_commit(original).expect("head commit");
    let tree = parent.tree().expect("tree");
    let who = Principal::editor(EDITOR);
    let when = git2::Time::new(SystemClock.now_ms() / 1000, 0);
    let ident = git2::Signature::new(EDITOR_NAME, &who.email(), &when).expect("ident");
    // An empty act: the tree is unchanged, so only the signature can be at fault.
    let buf = repo
        .commit_create_buffer(&ident, &ident, "Nothing\n", &tree, &[&parent])
        .expect("buffer");
    let content = std::str::from_utf8(&buf).expect("utf-8").to_string();
    let armored = keys.editor.sign("git", content.as_bytes()).expect("sign");
    let git_verifies = |oid: Oid| {
        std::process::Command::new("git")
            .current_dir(&dir)
            .env("HOME", scratch.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["-c", "gpg.format=ssh", "-c"])
            .arg(format!(
                "gpg.ssh.allowedSignersFile={}",
                dir.join(layout::ALLOWED_SIGNERS).display()
            ))
            .args(["verify-commit", &oid.to_string()])
            .output()
            .expect("git runs")
            .status
            .success()
    };
    let good = repo
        .commit_signed(&content, &armored, Some("gpgsig"))
        .expect("commit");
    repo.reference(BRANCH, good, true, "test").expect("move");
    assert!(git_verifies(good), "control: git accepts the commit");
    assert!(report(&ledger).ok, "control: verify accepts the commit");
    for (what, changed) in non_canonical(&unarmor(&armored)) {
        let oid = repo
            .commit_signed(&content, &armor(&changed), Some("gpgsig"))
            .expect("commit");
        repo.reference(BRANCH, oid, true, "test").expect("move");
        let r = report(&ledger);
        assert!(!git_verifies(oid), "{what}: git refuses the commit");
        assert!(
            r.failures
                .iter()
                .any(|f| f.commit == oid.to_string() && f.rule.as_str() == "signature"),
            "{what}: undersigned verify accepts a commit git refuses: {:?}",
            r.failures
        );
    }
    repo.reference(BRANCH, original, true, "test: restore")
        .expect("restore");
}

// ---------------------------------------------------------------------------------------------
// 3. Payload injectivity

fn slug() -> impl Strategy<Value = String> {
    "[a-z0-9-]{1,12}"
}

fn hex(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..16, n)
        .prop_map(|v| v.iter().map(|d| format!("{d:x}")).collect::<String>())
}

fn one_line() -> impl Strategy<Value = String> {
    // No control characters, no surrounding spaces: what `check_line` accepts.
    "[^\\p{Cc}\\s]([^\\p{Cc}]{0,20}[^\\p{Cc}\\s])?"
}

fn time() -> impl Strategy<Value = String> {
    (1_700_000_000_000i64..1_900_000_000_000)
        .prop_map(|ms| timefmt::format_ms(ms).expect("in range"))
}

fn signer() -> impl Strategy<Value = String> {
    (any::<bool>(), slug()).prop_map(|(editor, id)| {
        if editor {
            format!("editor/{id}")
        } else {
            format!("org/{id}")
        }
    })
}

/// An organization's slug, an individual's, or (for the payload alone) both or neither.
fn signatory() -> impl Strategy<Value = (Option<String>, Option<String>)> {
    prop_oneof![
        4 => slug().prop_map(|o| (Some(o), None)),
        4 => slug().prop_map(|p| (None, Some(p))),
        1 => (slug(), slug()).prop_map(|(o, p)| (Some(o), Some(p))),
        1 => Just((None, None)),
    ]
}

/// The texts of a multilingual endorsement: none (format 1) or a few languages.
fn texts() -> impl Strategy<Value = Vec<undersigned::record::TextRef>> {
    proptest::collection::vec(
        ("[a-z]{2,3}(-[a-z0-9]{1,8})?", hex(64))
            .prop_map(|(lang, text_sha256)| undersigned::record::TextRef { lang, text_sha256 }),
        0..4,
    )
}

fn kind() -> impl Strategy<Value = ActKind> {
    prop_oneof![Just(ActKind::Endorse), Just(ActKind::Withdraw)]
}

fn provenance() -> impl Strategy<Value = Provenance> {
    prop_oneof![Just(Provenance::Signed), Just(Provenance::Attested)]
}

prop_compose! {
    fn act_record()(
        act in kind(),
        ledger in hex(40),
        statement in slug(),
        version in proptest::option::of(1u32..10_000),
        text_sha256 in proptest::option::of(hex(64)),
        texts in texts(),
        (org, person) in signatory(),
        signed_at in time(),
        reason in proptest::option::of(one_line()),
        provenance in provenance(),
        evidence_sha256 in proptest::option::of(hex(64)),
        signer in signer(),
        key in "SHA256:[A-Za-z0-9+/]{43}",
        signature in "[A-Za-z0-9+/=\n-]{10,40}",
    ) -> ActRecord {
        ActRecord {
            act, ledger, statement, version, text_sha256, texts, org, person, signed_at, reason,
            provenance, evidence_sha256, signer, key, signature,
        }
    }
}

/// A replacement for some fields of a record: each field is kept or drawn anew.
#[derive(Debug, Clone)]
struct Edit {
    fields: Vec<Option<Field>>,
}

#[derive(Debug, Clone)]
enum Field {
    Act(ActKind),
    Ledger(String),
    Statement(String),
    Version(Option<u32>),
    Text(Option<String>),
    Texts(Vec<undersigned::record::TextRef>),
    Org(Option<String>),
    Person(Option<String>),
    SignedAt(String),
    Reason(Option<String>),
    Provenance(Provenance),
    Evidence(Option<String>),
    Signer(String),
    Key(String),
    Signature(String),
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        kind().prop_map(Field::Act),
        hex(40).prop_map(Field::Ledger),
        slug().prop_map(Field::Statement),
        proptest::option::of(1u32..10_000).prop_map(Field::Version),
        proptest::option::of(hex(64)).prop_map(Field::Text),
        texts().prop_map(Field::Texts),
        proptest::option::of(slug()).prop_map(Field::Org),
        proptest::option::of(slug()).prop_map(Field::Person),
        time().prop_map(Field::SignedAt),
        proptest::option::of(one_line()).prop_map(Field::Reason),
        provenance().prop_map(Field::Provenance),
        proptest::option::of(hex(64)).prop_map(Field::Evidence),
        signer().prop_map(Field::Signer),
        "SHA256:[A-Za-z0-9+/]{43}".prop_map(Field::Key),
        "[A-Za-z0-9+/=\n-]{10,40}".prop_map(Field::Signature),
    ]
}

fn apply(r: &ActRecord, edit: &Edit) -> ActRecord {
    let mut r = r.clone();
    for f in edit.fields.iter().flatten() {
        match f.clone() {
            Field::Act(v) => r.act = v,
            Field::Ledger(v) => r.ledger = v,
            Field::Statement(v) => r.statement = v,
            Field::Version(v) => r.version = v,
            Field::Text(v) => r.text_sha256 = v,
            Field::Texts(v) => r.texts = v,
            Field::Org(v) => r.org = v,
            Field::Person(v) => r.person = v,
            Field::SignedAt(v) => r.signed_at = v,
            Field::Reason(v) => r.reason = v,
            Field::Provenance(v) => r.provenance = v,
            Field::Evidence(v) => r.evidence_sha256 = v,
            Field::Signer(v) => r.signer = v,
            Field::Key(v) => r.key = v,
            Field::Signature(v) => r.signature = v,
        }
    }
    r
}

/// The fields the payload must cover (all but `key` and `signature`).
#[allow(clippy::type_complexity)]
fn covered(
    r: &ActRecord,
) -> (
    ActKind,
    &str,
    &str,
    Option<u32>,
    Option<&str>,
    &[undersigned::record::TextRef],
    (Option<&str>, Option<&str>),
    &str,
    Option<&str>,
    Provenance,
    Option<&str>,
    &str,
) {
    (
        r.act,
        &r.ledger,
        &r.statement,
        r.version,
        r.text_sha256.as_deref(),
        &r.texts,
        (r.org.as_deref(), r.person.as_deref()),
        &r.signed_at,
        r.reason.as_deref(),
        r.provenance,
        r.evidence_sha256.as_deref(),
        &r.signer,
    )
}

fn pair() -> impl Strategy<Value = (ActRecord, ActRecord)> {
    prop_oneof![
        // Two independent records.
        1 => (act_record(), act_record()),
        // A record and a copy with one to three fields redrawn (often to the same value for
        // the small domains, which checks the other direction too).
        3 => (
            act_record(),
            proptest::collection::vec(proptest::option::weighted(0.3, field()), 1..4)
        )
            .prop_map(|(a, fields)| {
                let b = apply(&a, &Edit { fields });
                (a, b)
            }),
    ]
}

proptest! {
    #![proptest_config(Config {
        cases: cases(256),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn act_payload_is_injective_over_the_fields_it_covers((a, b) in pair()) {
        let (pa, pb) = (act_payload(&a), act_payload(&b));
        if covered(&a) == covered(&b) {
            prop_assert_eq!(pa, pb, "key and signature are not part of the payload");
        } else {
            prop_assert_ne!(
                &pa,
                &pb,
                "records differing in a covered field share a payload: {}",
                String::from_utf8_lossy(&pa)
            );
        }
    }
}
