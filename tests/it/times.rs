//! Times a ledger cannot hold, and acts that must not build on them: commits dated near the
//! 64-bit limit, in the year 10000, with a twenty-digit date, a century after their parent or
//! far ahead of the clock, and mailed records dated at the end of time. Each is refused by
//! name (`verify`: rule `time`, exit 1; an act: exit 2 and the head unmoved), never wrapped,
//! truncated or turned into a ledger that no later act can extend.

use crate::common::*;
use git2::Repository;
use undersigned::clock::{Clock, SystemClock};
use undersigned::keys::SigningKey;
use undersigned::record::{self, ActKind, ActRecord, Provenance};
use undersigned::signed_data::{act_payload, ACT_NAMESPACE};

/// An empty act on main, signed by the editor exactly as undersigned signs, whose author and
/// committer dates read `date` (any text: libgit2 writes a placeholder that is replaced).
fn editor_commit_dated(w: &World, date: &str) -> String {
    let repo = Repository::open(w.ledger()).expect("repo");
    let parent = repo
        .find_commit(repo.refname_to_id("refs/heads/main").expect("main"))
        .expect("head");
    let sig = git2::Signature::new(
        "Editor",
        "coordinator@editor.undersigned.invalid",
        &git2::Time::new(1_111_111_111, 0),
    )
    .expect("signature");
    let tree = parent.tree().expect("tree");
    let buf = repo
        .commit_create_buffer(&sig, &sig, "dated\n", &tree, &[&parent])
        .expect("buffer");
    let content = std::str::from_utf8(&buf)
        .expect("utf-8")
        .replace("1111111111 +0000", &format!("{date} +0000"));
    let key = SigningKey::load(&w.key("editor"), &mut || Ok(None)).expect("editor key");
    let armor = key.sign("git", content.as_bytes()).expect("sign");
    // Written as raw bytes: libgit2 refuses to write a commit it cannot parse.
    let (head, body) = content.split_once("\n\n").expect("header and message");
    let signed = format!("{head}\ngpgsig {}\n\n{body}", armor.replace('\n', "\n "));
    let id = repo
        .odb()
        .expect("odb")
        .write(git2::ObjectType::Commit, signed.as_bytes())
        .expect("commit");
    repo.reference("refs/heads/main", id, true, "test")
        .expect("move main");
    id.to_string()
}

/// `verify --json`: exit 1 with a `time` failure naming `commit`.
fn time_failure(w: &World, commit: &str) -> String {
    let (code, report) = verify(w, &["--full"]);
    assert_eq!(code, 1, "verify must fail, not stop: {report:#}");
    let failures = report["failures"].as_array().expect("failures");
    let f = failures
        .iter()
        .find(|f| f["rule"] == "time" && f["commit"] == commit)
        .unwrap_or_else(|| panic!("no time failure for {commit}: {failures:#?}"));
    f["reason"].as_str().expect("reason").to_string()
}

/// An act on top of the head must refuse (exit 2), name the head and leave it where it is.
fn act_refuses_naming(w: &World, commit: &str) {
    let before = w.head();
    let out = w.run(&[
        "org",
        "add",
        "late",
        "--name",
        "Late",
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert!(
        stderr(&out).contains(commit),
        "the error names the head: {}",
        said(&out)
    );
    assert_eq!(w.head(), before, "a refused act moved the head");
}

#[test]
fn a_commit_dated_at_the_64_bit_limit_fails_and_no_act_builds_on_it() {
    let w = World::new();
    w.standard();
    let c = editor_commit_dated(&w, "9223372036854775807");
    assert!(time_failure(&w, &c).contains("outside the years 1970 to 9999"));
    act_refuses_naming(&w, &c);
}

#[test]
fn a_commit_in_the_year_10000_fails_and_no_act_builds_on_it() {
    let w = World::new();
    w.standard();
    let c = editor_commit_dated(&w, "253402300800");
    time_failure(&w, &c);
    act_refuses_naming(&w, &c);
    // Stock git's own verdict on the commits before it is untouched: no act wrote a
    // valid-before it cannot parse.
    let signers = format!(
        "gpg.ssh.allowedSignersFile={}",
        s(&w.ledger().join("allowed_signers"))
    );
    let out = w.git_ok(&["-c", &signers, "log", "--format=%G?", &format!("{c}~1")]);
    assert!(out.lines().all(|l| l == "G"), "{out}");
}

#[test]
fn a_twenty_digit_date_is_a_time_failure_naming_the_commit_not_an_error() {
    let w = World::new();
    w.standard();
    let c = editor_commit_dated(&w, "99999999999999999999");
    let reason = time_failure(&w, &c);
    assert!(reason.contains("99999999999999999999"), "{reason}");
    act_refuses_naming(&w, &c);
}

#[test]
fn a_commit_a_century_after_its_parent_fails() {
    let w = World::new();
    w.standard();
    let later = SystemClock.now_ms() / 1000 + 101 * 366 * 24 * 3600;
    let c = editor_commit_dated(&w, &later.to_string());
    assert!(time_failure(&w, &c).contains("hundred years"));
}

#[test]
fn a_head_far_ahead_of_the_clock_verifies_but_no_act_builds_on_it_and_the_hook_refuses_it() {
    let w = World::new();
    let id = w.standard();
    let srv = w.path().join("srv.git");
    w.git_at(
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    w.ok(&["hook", "install", s(&srv), "--trust", &id]);
    w.git(&["remote", "add", "origin", s(&srv)]);
    w.ok(&["sync"]);
    let ahead = SystemClock.now_ms() / 1000 + 50 * 366 * 24 * 3600;
    let c = editor_commit_dated(&w, &ahead.to_string());
    let (code, report) = verify(&w, &[]);
    assert_eq!(
        code, 0,
        "fifty years after its parent is a valid history: {report:#}"
    );
    act_refuses_naming(&w, &c);
    let push = w.git(&["push", "origin", "main"]);
    assert!(!push.status.success(), "the hook let it through");
    let said = stderr(&push);
    assert!(
        said.contains(&c) && said.contains("[time]") && said.contains("server's clock"),
        "{said}"
    );
}

/// A mailed endorsement of icc version 1 by hrw, dated `signed_at`, signed over its payload.
fn mailed(w: &World, ledger_id: &str, signed_at: &str, reason: Option<&str>) -> std::path::PathBuf {
    let audit = w.json(&["audit", "icc"]);
    let key = SigningKey::load(&w.key("hrw"), &mut || Ok(None)).expect("hrw key");
    let mut r = ActRecord {
        act: ActKind::Endorse,
        ledger: ledger_id.into(),
        statement: "icc".into(),
        version: Some(1),
        text_sha256: Some(
            audit["versions"][0]["text_sha256"]
                .as_str()
                .expect("sha")
                .into(),
        ),
        texts: Vec::new(),
        org: Some("hrw".into()),
        person: None,
        signed_at: signed_at.into(),
        reason: reason.map(str::to_string),
        provenance: Provenance::Signed,
        evidence_sha256: None,
        signer: "org/hrw".into(),
        key: key.fingerprint().into(),
        signature: String::new(),
    };
    r.signature = key.sign(ACT_NAMESPACE, &act_payload(&r)).expect("sign");
    let file = w.path().join(format!(
        "mailed-{}.json",
        record::sha256_hex(signed_at.as_bytes())
    ));
    std::fs::write(&file, record::encode(&r)).expect("write");
    file
}

fn accept_refused(w: &World, file: &std::path::Path, fragment: &str) {
    let before = w.head();
    let out = w.run(&["accept", s(file), "--key", &w.key_arg("editor")]);
    assert_refused(&out, fragment);
    assert_eq!(w.head(), before);
}

#[test]
fn mailed_records_dated_at_the_end_of_time_or_ahead_of_their_commit_are_refused() {
    let w = World::new();
    let id = w.standard();
    accept_refused(
        &w,
        &mailed(&w, &id, "9999-12-31T23:59:59.999Z", None),
        "years 1970 to 9999",
    );
    let three_days = SystemClock.now_ms() + 3 * 24 * 3600 * 1000;
    let ahead = undersigned::timefmt::format_ms(three_days).expect("in range");
    accept_refused(
        &w,
        &mailed(&w, &id, &ahead, None),
        "more than a day after the commit",
    );
    // A field the rules refuse, correctly signed: refused too, and the ledger still verifies.
    let now = undersigned::timefmt::format_ms(SystemClock.now_ms()).expect("now");
    accept_refused(
        &w,
        &mailed(&w, &id, &now, Some("with a reason")),
        "an endorsement carries no reason",
    );
    assert_eq!(verify(&w, &[]).0, 0);
    // The same record, right, is accepted; the organization's next act can follow it.
    w.ok(&[
        "accept",
        s(&mailed(&w, &id, &now, None)),
        "--key",
        &w.key_arg("editor"),
    ]);
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "hrw",
        "--key",
        &w.key_arg("hrw"),
    ]);
    assert_eq!(verify(&w, &[]).0, 0);
}
