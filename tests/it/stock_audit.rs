//! `scripts/audit-with-stock-tools.sh`, the audit with git, ssh-keygen, jq and sha256sum alone:
//! it passes valid ledgers (keys rotated and revoked, bare clones) with counts that match what
//! they hold, and fails closed — non-zero, naming the commit and the path — outside a
//! repository, on unsigned or wrongly signed commits, merges, tampered records and texts.
//! Also the ssh-keygen command `undersigned payload --command` prints.

use crate::common::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Output;

const TEXT_V1: &str = "statements/icc/versions/0001.txt";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/audit-with-stock-tools.sh")
}

/// Runs the script on `dir` (and `extra` arguments) with the world's isolated environment,
/// from a directory that is no repository.
fn audit_at(w: &World, dir: &Path, extra: &[&str]) -> Output {
    std::process::Command::new(script())
        .arg(dir)
        .args(extra)
        .current_dir(w.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("the script runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts exit 0 and "all good"; returns (commits, records, texts) from the summary line.
fn passes(w: &World, dir: &Path) -> (u64, u64, u64) {
    let out = audit_at(w, dir, &[]);
    assert_eq!(code(&out), 0, "the audit should pass:\n{}", said(&out));
    let text = stdout(&out);
    assert!(!text.contains("FAIL"), "{text}");
    let last = text.lines().last().expect("a summary line");
    assert!(last.ends_with(": all good"), "{last}");
    counts(last)
}

/// `checked N commits, M records, T texts: ...` → (N, M, T).
fn counts(line: &str) -> (u64, u64, u64) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "checked", "{line}");
    let n = |i: usize| words[i].parse::<u64>().expect("a count");
    assert_eq!(
        (words[2], words[4], words[6]),
        ("commits,", "records,", "texts:"),
        "{line}"
    );
    (n(1), n(3), n(5))
}

/// Asserts exit 1 with a `FAIL` line that holds every one of `needles`; returns stdout.
fn fails_with(w: &World, needles: &[&str]) -> String {
    let out = audit_at(w, &w.ledger(), &[]);
    assert_eq!(code(&out), 1, "the audit should fail:\n{}", said(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL ") && needles.iter().all(|n| l.contains(n))),
        "no FAIL line with {needles:?}:\n{text}"
    );
    let last = text.lines().last().expect("a summary line");
    assert!(
        last.starts_with("checked ") && last.ends_with("failed"),
        "{last}"
    );
    text
}

fn sign(w: &World, org: &str, key: &str) {
    w.ok(&["sign", "icc", "--org", org, "--key", &w.key_arg(key)]);
}

fn revise(w: &World) {
    let v2 = w.write_file(
        "v2.txt",
        "On behalf of 3 organizations, we urge all states.\n",
    );
    w.ok(&[
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
}

/// Writes `content` at `rel` in the ledger work tree and stages it.
fn put(w: &World, rel: &str, content: &[u8]) {
    let p = w.ledger().join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, content).expect("write");
    w.git_ok(&["add", "--", rel]);
}

/// The committer time of a commit, in seconds.
fn commit_time(w: &World, commit: &str) -> u64 {
    w.git_ok(&["log", "-1", "--format=%ct", commit])
        .trim()
        .parse()
        .expect("a time")
}

/// Waits until the clock is past second `t`, so that ssh-keygen judging "now" sees a
/// `valid-before` of `t` as the past.
fn wait_past(t: u64) {
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        if now > t {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The standard ledger and a record of `org` made by `undersigned sign` in a clone, so the
/// ledger is unchanged: the bytes to commit by hand, tampered or not.
fn world_with_record(org: &str) -> (World, String, String) {
    let w = World::new();
    w.standard();
    let clone = w.path().join("clone");
    let out = w.git_at(w.path(), &["clone", "-q", s(&w.ledger()), s(&clone)]);
    assert!(out.status.success(), "git clone: {}", stderr(&out));
    let out = w.json(&[
        "--ledger",
        s(&clone),
        "sign",
        "icc",
        "--org",
        org,
        "--key",
        &w.key_arg(org),
    ]);
    let path = out["paths"][0].as_str().expect("path").to_string();
    let content = std::fs::read_to_string(clone.join(&path)).expect("record in clone");
    (w, path, content)
}

#[test]
fn valid_ledger_passes_with_the_counts_it_holds() {
    let w = World::new();
    w.standard(); // init, 3 × org add, statement new: 5 commits, 1 text
    let e = w.key_arg("editor");
    sign(&w, "hrw", "hrw");
    let evidence = w.write_file("mail.eml", "Yes, Quiet Org signs on.\n");
    w.ok(&[
        "attest",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]);
    sign(&w, "fidh", "fidh");
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "fidh",
        "--reason",
        "board did not approve",
        "--key",
        &w.key_arg("fidh"),
    ]);
    revise(&w);
    sign(&w, "hrw", "hrw");
    let evidence = w.write_file("mail2.eml", "Quiet Org withdraws.\n");
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]);
    let (status, report) = verify(&w, &[]);
    assert_eq!(status, 0, "{report:#}");

    // 5 + 7 acts; records: hrw ×2, fidh endorse + withdraw, quiet attested + withdrawn.
    assert_eq!(passes(&w, &w.ledger()), (12, 6, 2));
    // The same numbers as stock git counts them.
    let commits = w.git_ok(&["rev-list", "--count", "refs/heads/main"]);
    let files = w.git_ok(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/main",
        "statements",
    ]);
    let records = files.lines().filter(|p| p.contains("/acts/")).count();
    let texts = files.lines().filter(|p| p.ends_with(".txt")).count();
    assert_eq!(
        (
            commits.trim().parse::<u64>().expect("count"),
            records,
            texts
        ),
        (12, 6, 2)
    );

    // Everything is read from git objects: an edit in the work tree changes nothing.
    std::fs::write(w.ledger().join(TEXT_V1), "Someone else's words.\n").expect("write");
    std::fs::remove_file(w.ledger().join("allowed_signers")).expect("remove");
    assert_eq!(passes(&w, &w.ledger()), (12, 6, 2));

    // Pinned to its ledger id it passes; pinned to another it fails.
    let id = w.git_ok(&["rev-list", "--max-parents=0", "refs/heads/main"]);
    let out = audit_at(&w, &w.ledger(), &[id.trim()]);
    assert_eq!(code(&out), 0, "{}", said(&out));
    let out = audit_at(
        &w,
        &w.ledger(),
        &["0123456789abcdef0123456789abcdef01234567"],
    );
    assert_eq!(code(&out), 1, "{}", said(&out));
    assert!(
        stdout(&out).contains("not the pinned ledger id"),
        "{}",
        said(&out)
    );
}

#[test]
fn rotated_and_revoked_keys_pass_though_plain_ssh_keygen_calls_their_records_forged() {
    let w = World::new();
    w.standard();
    let e = w.key_arg("editor");
    sign(&w, "hrw", "hrw");
    sign(&w, "fidh", "fidh");
    let hrw2 = w.ssh_keygen("hrw2");
    let rotation = w.json(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &format!("{}.pub", hrw2.display()),
        "--key",
        &w.key_arg("hrw"),
    ])["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    let fp = w.json(&["key", "show", &w.key_arg("fidh")])["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let revocation = w.json(&[
        "org",
        "revoke-key",
        "fidh",
        "--fingerprint",
        &fp,
        "--reason",
        "laptop stolen",
        "--key",
        &e,
    ])["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    revise(&w);
    sign(&w, "hrw", "hrw2");
    let (status, report) = verify(&w, &[]);
    assert_eq!(status, 0, "{report:#}");

    // Both retirements lie in the past, as they do for any later auditor.
    wait_past(commit_time(&w, &rotation).max(commit_time(&w, &revocation)));
    // standard 5 + 2 signs + rotation + revocation + revision + sign = 11.
    assert_eq!(passes(&w, &w.ledger()), (11, 3, 2));

    // The case is real: the README's old recipe (the head's allowed_signers, no
    // -Overify-time) rejects both records made before their key was retired.
    let signers = w.ledger().join("allowed_signers");
    let signers = std::fs::read_to_string(&signers).expect("allowed_signers");
    assert_eq!(
        signers.matches("valid-before=").count(),
        2,
        "one rotated and one revoked key:\n{signers}"
    );
    let dir = w.path().join("plain");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("allowed_signers"), &signers).expect("write");
    for org in ["hrw", "fidh"] {
        let rec = w.json(&["payload", "icc", "--org", org, "--seq", "1"]);
        std::fs::write(
            dir.join("payload"),
            rec["payload"].as_str().expect("payload"),
        )
        .expect("write");
        std::fs::write(
            dir.join("sig"),
            format!("{}\n", rec["signature"].as_str().expect("signature")),
        )
        .expect("write");
        let check = |extra: &[String]| {
            let mut c = std::process::Command::new("sh");
            c.current_dir(&dir).arg("-c").arg(format!(
                "ssh-keygen -Y verify -f allowed_signers -I org/{org} -n undersigned -s sig {} < payload",
                extra.join(" ")
            ));
            c.output().expect("sh runs")
        };
        let plain = check(&[]);
        assert!(
            !plain.status.success(),
            "without -Overify-time ssh-keygen should reject org/{org}'s record:\n{}",
            said(&plain)
        );
        let at = rec["verify_time"].as_str().expect("verify_time");
        let judged = check(&[format!("-Overify-time={at}")]);
        assert!(judged.status.success(), "{}", said(&judged));
    }
}

#[test]
fn payload_command_runs_as_is_and_needs_its_verify_time() {
    let w = World::new();
    w.standard();
    sign(&w, "hrw", "hrw");
    let hrw2 = w.ssh_keygen("hrw2");
    let rotation = w.json(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &format!("{}.pub", hrw2.display()),
        "--key",
        &w.key_arg("hrw"),
    ])["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    wait_past(commit_time(&w, &rotation));

    let args = ["payload", "icc", "--org", "hrw", "--seq", "1"];
    let command = w.ok(&[&args[..], &["--command"]].concat());
    assert!(command.starts_with("ssh-keygen -Y verify "), "{command}");
    let json = w.json(&args);
    assert_eq!(json["ssh_keygen"], command.as_str());
    let at = json["verify_time"].as_str().expect("verify_time");
    assert!(
        command.contains(&format!(" -Overify-time={at} ")),
        "{command}"
    );
    // Plain payload and --signature print what they always printed.
    assert_eq!(w.ok(&args), json["payload"].as_str().expect("payload"));
    assert_eq!(
        w.ok(&[&args[..], &["--signature"]].concat()),
        format!("{}\n", json["signature"].as_str().expect("signature"))
    );

    let run = |cmd: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(w.path())
            .output()
            .expect("sh runs")
    };
    let out = run(&command);
    assert!(out.status.success(), "{command}\n{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Good \"undersigned\" signature for org/hrw"),
        "{}",
        said(&out)
    );
    // The key's valid-before is past: the same command judged today fails.
    let today = command.replace(&format!(" -Overify-time={at}"), "");
    assert!(!run(&today).status.success(), "{today}");
}

#[test]
fn outside_a_repository_it_refuses() {
    let w = World::new();
    w.standard();
    let plain = w.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    std::fs::write(plain.join("allowed_signers"), "nothing\n").expect("write");
    // A directory inside a ledger is not a ledger either: no looking upwards.
    for dir in [plain, w.ledger().join("statements")] {
        let out = audit_at(&w, &dir, &[]);
        assert_refused(&out, "not a git repository");
        assert!(!stdout(&out).contains("all good"), "{}", said(&out));
    }
}

#[test]
fn empty_or_missing_directory_and_bad_arguments_are_usage_errors() {
    let w = World::new();
    let empty = w.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    for (dir, says) in [
        (empty, "not a git repository"),
        (w.path().join("missing"), "no such directory"),
    ] {
        let out = audit_at(&w, &dir, &[]);
        assert_refused(&out, says);
    }
    let out = std::process::Command::new(script())
        .output()
        .expect("the script runs");
    assert_refused(&out, "usage");
    let out = audit_at(&w, w.path(), &["not-an-id"]);
    assert_eq!(code(&out), 2, "{}", said(&out));

    // A git repository without main is no ledger.
    let repo = w.path().join("repo");
    let out = w.git_at(w.path(), &["init", "-q", "-b", "other", s(&repo)]);
    assert!(out.status.success(), "{}", said(&out));
    let out = audit_at(&w, &repo, &[]);
    assert_refused(&out, "no branch main");
}

#[test]
fn a_missing_tool_is_named() {
    let w = World::new();
    w.standard();
    let bin = w.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    for tool in ["bash", "git", "ssh-keygen", "sha256sum", "mktemp", "rm"] {
        let found = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .expect("sh runs");
        let at = String::from_utf8_lossy(&found.stdout).trim().to_string();
        assert!(!at.is_empty(), "{tool} is installed");
        std::os::unix::fs::symlink(&at, bin.join(tool)).expect("symlink");
    }
    let out = std::process::Command::new(script())
        .arg(w.ledger())
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", w.home())
        .output()
        .expect("the script runs");
    assert_refused(&out, "missing tools: jq");
}

#[test]
fn unsigned_commit_fails_naming_it() {
    let w = World::new();
    w.standard();
    let out = w.git(&[
        "-c",
        "user.name=X",
        "-c",
        "user.email=x@example.org",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "unsigned",
    ]);
    assert!(out.status.success(), "{}", said(&out));
    let head = w.head();
    fails_with(&w, &[&format!("commit {head}:"), "not signed"]);
}

#[test]
fn commit_signed_by_an_unregistered_key_fails() {
    let w = World::new();
    w.standard();
    let stranger = w.ssh_keygen("stranger");
    let head = stock_commit_at(
        &w,
        &stranger,
        "stranger@example.org",
        None,
        &["--allow-empty", "-m", "who am I"],
    );
    fails_with(&w, &[&format!("commit {head}:"), "not in force"]);
}

#[test]
fn commit_changed_after_it_was_signed_fails() {
    let w = World::new();
    w.standard();
    // The head's own bytes with one more line in its message: the signature no longer covers
    // the commit.
    let raw = w.git_ok(&["cat-file", "commit", "refs/heads/main"]);
    let forged = format!("{raw}Undersigned-Note: added later\n");
    let mut c = std::process::Command::new("git");
    c.current_dir(w.ledger())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["hash-object", "-t", "commit", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().expect("git runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(forged.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("git hash-object");
    assert!(out.status.success(), "{}", said(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    w.git_ok(&["update-ref", "refs/heads/main", &id]);
    fails_with(&w, &[&format!("commit {id}:"), "bad signature"]);
}

#[test]
fn commit_by_a_rotated_key_backdated_into_its_validity_fails() {
    let w = World::new();
    w.standard();
    let hrw2 = w.ssh_keygen("hrw2");
    let rotation = w.json(&[
        "org",
        "rotate-key",
        "hrw",
        "--pubkey",
        &format!("{}.pub", hrw2.display()),
        "--key",
        &w.key_arg("hrw"),
    ])["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    let before = commit_time(&w, &rotation) as i64 - 3600;
    let head = stock_commit_at(
        &w,
        &w.key("hrw"),
        "hrw@org.undersigned.invalid",
        Some(before),
        &["--allow-empty", "-m", "old key, old date"],
    );
    // Stock git with the ledger's allowed_signers accepts it: the committer date lies before
    // the old key's valid-before. Only the keys in force in the parent are good enough.
    let signers = w.ledger().join("allowed_signers");
    let out = w.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("gpg.ssh.allowedSignersFile={}", s(&signers)),
        "verify-commit",
        &head,
    ]);
    assert!(out.status.success(), "{}", said(&out));
    fails_with(&w, &[&format!("commit {head}:"), "not in force"]);
}

#[test]
fn merge_fails_naming_it() {
    let w = World::new();
    w.standard();
    let out = w.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("user.signingkey={}", w.key_arg("editor")),
        "-c",
        "user.name=X",
        "-c",
        &format!("user.email={EDITOR_EMAIL}"),
        "commit-tree",
        "-S",
        "-p",
        "refs/heads/main",
        "-p",
        "refs/heads/main~2",
        "-m",
        "a merge",
        "refs/heads/main^{tree}",
    ]);
    assert!(out.status.success(), "{}", said(&out));
    let merge = String::from_utf8_lossy(&out.stdout).trim().to_string();
    w.git_ok(&["update-ref", "refs/heads/main", &merge]);
    fails_with(&w, &[&format!("commit {merge}:"), "a merge"]);
}

/// The record from [`world_with_record`], edited by `edit`, committed by the editor with stock
/// git at `path_of(original path)`: the commit's signature is good, the record is not.
/// Returns the world and the path it was committed at.
fn commit_record(
    org: &str,
    path_of: impl Fn(&str) -> String,
    edit: impl Fn(&World, &mut serde_json::Value),
) -> (World, String) {
    let (w, path, content) = world_with_record(org);
    let mut rec: serde_json::Value = serde_json::from_str(&content).expect("record JSON");
    edit(&w, &mut rec);
    let at = path_of(&path);
    let bytes = format!("{}\n", serde_json::to_string_pretty(&rec).expect("JSON"));
    put(&w, &at, bytes.as_bytes());
    editor_commit(&w, "a record committed by hand");
    (w, at)
}

#[test]
fn record_committed_by_hand_as_it_was_signed_passes() {
    // The control for the tampering tests below: the same route, nothing changed.
    let (w, _) = commit_record("hrw", |p| p.to_string(), |_, _| {});
    assert_eq!(passes(&w, &w.ledger()), (6, 1, 1));
}

#[test]
fn record_with_a_flipped_signature_byte_fails_naming_its_path() {
    let (w, at) = commit_record(
        "hrw",
        |p| p.to_string(),
        |_, rec| {
            let sig = rec["signature"].as_str().expect("signature").to_string();
            // A character in the middle of the base64 body (the signature bytes sit at its end).
            let lines: Vec<&str> = sig.lines().collect();
            let body = lines[lines.len() - 2];
            let flipped_line: String = body
                .char_indices()
                .map(|(i, ch)| match (i == body.len() / 2, ch) {
                    (true, 'A') => 'B',
                    (true, _) => 'A',
                    (false, c) => c,
                })
                .collect();
            assert_ne!(flipped_line, body);
            rec["signature"] = sig.replace(body, &flipped_line).into();
        },
    );
    fails_with(&w, &[&at, "does not verify"]);
}

#[test]
fn record_with_an_edited_field_fails() {
    let (w, at) = commit_record(
        "hrw",
        |p| p.to_string(),
        |_, rec| {
            let t = rec["signed_at"].as_str().expect("signed_at").to_string();
            // Another millisecond digit: the record says another time than it was signed at.
            let digit = if t.ends_with("9Z") { '8' } else { '9' };
            let later = format!("{}{digit}Z", &t[..t.len() - 2]);
            assert_ne!(later, t);
            rec["signed_at"] = later.into();
        },
    );
    fails_with(&w, &[&at, "does not verify"]);
}

#[test]
fn record_moved_to_another_organizations_place_fails() {
    // hrw's own good signature, filed as fidh's endorsement.
    let (w, at) = commit_record("hrw", |_| act_path("fidh", 1), |_, _| {});
    fails_with(&w, &[&at, "by org/hrw, not org/fidh"]);
}

#[test]
fn record_for_another_ledger_fails() {
    let (w, at) = commit_record(
        "hrw",
        |p| p.to_string(),
        |_, rec| rec["ledger"] = "0123456789abcdef0123456789abcdef01234567".into(),
    );
    fails_with(
        &w,
        &[&at, "for ledger 0123456789abcdef0123456789abcdef01234567"],
    );
}

#[test]
fn record_signed_over_another_text_fails() {
    // A real signature by hrw's key, over a payload whose text-sha256 is not version 1's: the
    // signature verifies, the endorsed text does not match.
    let (w, at) = commit_record(
        "hrw",
        |p| p.to_string(),
        |w, rec| {
            let other = format!("{:x}", Sha256::digest(b"another text\n"));
            rec["text_sha256"] = other.clone().into();
            let field = |k: &str| rec[k].as_str().expect("field").to_string();
            let payload = format!(
                "undersigned act v1\nact: endorse\nledger: {}\nstatement: icc\nversion: 1\ntext-sha256: {other}\norg: hrw\nsigned-at: {}\nprovenance: signed\nsigner: org/hrw\n",
                field("ledger"),
                field("signed_at"),
            );
            let file = w.path().join("other.payload");
            std::fs::write(&file, payload).expect("write");
            let out = std::process::Command::new("ssh-keygen")
                .args(["-q", "-Y", "sign", "-n", "undersigned", "-f"])
                .arg(w.key("hrw"))
                .arg(&file)
                .output()
                .expect("ssh-keygen runs");
            assert!(out.status.success(), "{}", said(&out));
            let sig = std::fs::read_to_string(w.path().join("other.payload.sig")).expect("sig");
            rec["signature"] = sig.trim_end().into();
        },
    );
    let text = fails_with(
        &w,
        &[&at, "is not the sha256 of statements/icc/versions/0001.txt"],
    );
    assert!(
        !text.contains("does not verify"),
        "the signature itself is good:\n{text}"
    );
}

#[test]
fn changed_version_text_fails_naming_it() {
    let w = World::new();
    w.standard();
    put(
        &w,
        TEXT_V1,
        b"On behalf of 2 organizations, we urge no one.\n",
    );
    editor_commit(&w, "a quiet edit");
    fails_with(&w, &[TEXT_V1, "its sha256 is"]);
    fails_with(&w, &[TEXT_V1, "a ledger only adds files"]);
}

#[test]
fn bare_clone_passes_like_its_origin() {
    let w = World::new();
    w.standard();
    sign(&w, "hrw", "hrw");
    let bare = w.path().join("bare.git");
    let out = w.git_at(
        w.path(),
        &["clone", "-q", "--bare", s(&w.ledger()), s(&bare)],
    );
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(passes(&w, &bare), (6, 1, 1));
    assert_eq!(passes(&w, &w.ledger()), (6, 1, 1));
}

#[test]
fn odd_paths_fail_and_cannot_forge_the_summary() {
    let w = World::new();
    w.standard();
    let forged_line = "checked 99 commits, 99 records, 99 texts: all good";
    let odd = format!(
        "statements/icc/acts/{}/hrw/0001.json\n{forged_line}",
        fanout("hrw")
    );
    put(&w, &odd, b"{}\n");
    put(&w, "statements/icc/it's a note.md", b"hello\n");
    let head = editor_commit(&w, "odd names");
    let text = fails_with(
        &w,
        &[&format!("commit {head} "), "neither a record nor a version"],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("ledger ") || l.starts_with("FAIL ")),
        "a path printed a line of its own:\n{text}"
    );
}

#[test]
fn object_that_is_not_what_its_id_says_fails() {
    let w = World::new();
    w.standard();
    // Swap the loose object of a file the other checks never read (an organization record)
    // for another blob: only git fsck can tell.
    let rel = format!("orgs/{}/quiet/org.json", fanout("quiet"));
    let id = w.git_ok(&["rev-parse", &format!("refs/heads/main:{rel}")]);
    let id = id.trim();
    let other = w.write_file("other.json", "{}\n");
    let other = w.git_ok(&["hash-object", "-w", &other]);
    let object = |id: &str| {
        let objects = w.ledger().join(".git/objects");
        objects.join(&id[..2]).join(&id[2..])
    };
    let target = object(id);
    assert!(target.exists(), "a fresh ledger keeps loose objects");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::copy(object(other.trim()), &target).expect("swap the object");
    let text = fails_with(&w, &["FAIL repository: git fsck --strict"]);
    assert_eq!(
        text.matches("FAIL").count(),
        1,
        "only the object check fails:\n{text}"
    );
}

#[test]
fn ledger_without_records_is_not_vouched_for() {
    // Fail closed: nothing checked is no proof. A ledger with a text and no endorsement yet
    // passes every check it has and still does not get "all good".
    let w = World::new();
    w.standard();
    let out = audit_at(&w, &w.ledger(), &[]);
    assert_eq!(code(&out), 1, "{}", said(&out));
    let text = stdout(&out);
    assert!(!text.contains("FAIL"), "{text}");
    let last = text.lines().last().expect("a summary line");
    assert_eq!(counts(last), (5, 0, 1));
    assert!(last.ends_with("NOT verified"), "{last}");
}
