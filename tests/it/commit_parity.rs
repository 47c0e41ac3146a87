//! Differential test: how undersigned reads a commit's signature against how stock git reads it.
//!
//! Why: `undersigned verify` promises the verdict of `git verify-commit` on every commit. It
//! once took signatures with libgit2's `extract_signature`, which scans the message too and
//! keeps later `gpgsig*` headers inside the signed bytes, so a key holder could write commits
//! that undersigned and its pre-receive hook accepted while `git log --format=%G?` said `N` or
//! `B`. The corpus below is crafted commit objects (written with `git hash-object --literally`)
//! on top of a real ledger, signed by `ssh-keygen -Y sign -n git` over the bytes each case
//! means to sign. For each one the library's verdict (`commit_object::read`, then
//! `ParsedSig::parse` and `verify`, and whether the key is the ledger's editor) is compared
//! with `git log -1 --format=%G?`, and `undersigned verify` is run with the ledger's branch on
//! the commit. A table of every case is printed when they disagree (and with `--nocapture`).
//!
//! How git's letters map: `G` is a good signature by a key in allowed_signers (undersigned:
//! signed, good, by a registered key); `N` is unsigned; `U` is a good signature by a key that
//! allowed_signers does not list (undersigned: signed by an unknown key, refused); `B` is bad,
//! and so is git stopping with "bad/incompatible signature" or "bogus commit object" (shown as
//! `fatal`). `E`, `X`, `Y` and `R` are gpg's (cannot check, expired signature, expired key,
//! revoked key); git's SSH verification never gives them (an ssh-keygen `valid-before` that has
//! passed comes out as `B`), and they count as bad. A case may differ from git only in one
//! direction, and only with its reason written in the corpus: undersigned refuses a commit
//! that git calls good (two signatures, a header git leaves unsigned, a NUL, a misplaced
//! signature header), never the other way round.

use crate::common::*;
use git2::Repository;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use undersigned::commit_object::{self, Verdict};
use undersigned::keys::{ParsedSig, SigningKey};

/// The ledger everything is built on, and what the corpus needs from it.
struct Base {
    w: World,
    /// The ledger's head (its genesis), parent of every crafted commit.
    head: String,
    /// `tree`, `parent`, `author` and `committer` lines of a crafted act by the editor.
    header: String,
    /// The stock allowed_signers of the head's tree, for git.
    signers: PathBuf,
    editor_raw: [u8; 32],
    stranger: PathBuf,
}

const MESSAGE: &str = "\nhand-made act\n";

fn base() -> Base {
    let w = World::new();
    w.init();
    let head = w.head();
    let stranger = w.ssh_keygen("stranger");
    let tree = w.git_ok(&["rev-parse", "HEAD^{tree}"]).trim().to_string();
    let time: i64 = w
        .git_ok(&["log", "-1", "--format=%ct", "HEAD"])
        .trim()
        .parse()
        .expect("commit time");
    let who = "Editor <coordinator@editor.undersigned.invalid>";
    let header = format!(
        "tree {tree}\nparent {head}\nauthor {who} {t} +0000\ncommitter {who} {t} +0000\n",
        t = time + 1
    );
    let signers = w.path().join("allowed_signers");
    let text = w.git_ok(&["show", "HEAD:allowed_signers"]);
    std::fs::write(&signers, text).expect("write allowed_signers");
    let editor = SigningKey::load(&w.key("editor"), &mut || Ok(None)).expect("editor key");
    let editor_raw = editor.public().raw;
    Base {
        w,
        head,
        header,
        signers,
        editor_raw,
        stranger,
    }
}

impl Base {
    /// A real SSHSIG over `payload` by the private key file `key`, as `git commit -S` makes it.
    fn sign_with(&self, key: &Path, payload: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut child = std::process::Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "git", "-f"])
            .arg(key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("ssh-keygen runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(payload)
            .expect("write payload");
        let out = child.wait_with_output().expect("ssh-keygen finishes");
        assert!(out.status.success(), "ssh-keygen -Y sign: {}", stderr(&out));
        out.stdout
    }

    /// Signed by the ledger's editor.
    fn sign(&self, payload: &[u8]) -> Vec<u8> {
        self.sign_with(&self.w.key("editor"), payload)
    }

    /// Stores `raw` as a commit object as given (no checks) and returns its id.
    fn write(&self, raw: &[u8]) -> String {
        let file = self.w.path().join("commit.raw");
        std::fs::write(&file, raw).expect("write raw commit");
        self.w
            .git_ok(&["hash-object", "--literally", "-t", "commit", "-w", s(&file)])
            .trim()
            .to_string()
    }

    /// `git log -1 --format=%G?` with the ledger's allowed_signers, or `fatal` when git stops.
    ///
    /// git 2.47 writes the payload to `ssh-keygen -Y check-novalidate` without ignoring
    /// SIGPIPE, so when ssh-keygen stops before reading it (a signature it cannot parse) git
    /// now and then dies of SIGPIPE with no verdict at all; such a run is asked again.
    fn stock_verdict(&self, id: &str) -> (String, String) {
        use std::os::unix::process::ExitStatusExt;
        let run = || {
            self.w.git(&[
                "-c",
                "gpg.format=ssh",
                "-c",
                &format!("gpg.ssh.allowedSignersFile={}", s(&self.signers)),
                "log",
                "-1",
                "--format=%G?",
                id,
            ])
        };
        let mut out = run();
        for _ in 0..20 {
            if out.status.signal() != Some(13) {
                break;
            }
            out = run();
        }
        let err = stderr(&out);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if out.status.success() {
            let letter = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (letter, first.to_string())
        } else {
            ("fatal".into(), first.to_string())
        }
    }

    /// undersigned's verdict from the library alone, and what it says.
    fn our_verdict(&self, raw: &[u8]) -> (Class, String) {
        match commit_object::read(raw) {
            Verdict::Unsigned => (Class::Unsigned, "unsigned".into()),
            Verdict::Refused(why) => (Class::Bad, format!("refused: {why}")),
            Verdict::Signed(signed) => {
                match ParsedSig::parse(signed.armor(), "git")
                    .and_then(|p| p.verify(&signed.payload).map(|()| p))
                {
                    Err(e) => (Class::Bad, format!("bad: {e}")),
                    Ok(p) if p.key_raw == self.editor_raw => (Class::Good, "good".into()),
                    Ok(p) => (
                        Class::UnknownKey,
                        format!("good by unknown key {}", p.key_fingerprint()),
                    ),
                }
            }
        }
    }
}

/// A signature as a header: `gpgsig` and its first line, then one line per continuation line,
/// each after one space (git's `add_header_signature`).
fn field(name: &str, sig: &[u8]) -> Vec<u8> {
    field_indented(name, sig, " ")
}

fn field_indented(name: &str, sig: &[u8], indent: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in sig.split_inclusive(|&b| b == b'\n').enumerate() {
        if i == 0 {
            out.extend_from_slice(name.as_bytes());
            out.push(b' ');
        } else {
            out.extend_from_slice(indent.as_bytes());
        }
        out.extend_from_slice(line);
    }
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Every line of `sig` rewritten by `f` (line without its line feed → new line).
fn map_lines(sig: &[u8], f: impl Fn(&str) -> String) -> Vec<u8> {
    let text = std::str::from_utf8(sig).expect("armor is text");
    text.lines()
        .map(|l| f(l) + "\n")
        .collect::<String>()
        .into_bytes()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Good,
    Unsigned,
    UnknownKey,
    Bad,
}

fn class_of_git(letter: &str) -> Class {
    match letter {
        "G" => Class::Good,
        "N" => Class::Unsigned,
        "U" => Class::UnknownKey,
        // B, gpg's E/X/Y/R, and git stopping on the commit or the signature.
        _ => Class::Bad,
    }
}

struct Case {
    name: &'static str,
    raw: Vec<u8>,
    /// Why undersigned refuses a commit that git judges otherwise, when it does.
    differs: Option<&'static str>,
    /// Whether `undersigned verify` can judge it as one commit of a ledger: libgit2 cannot read
    /// a commit whose headers are out of git's order at all, and verify then stops on the
    /// object (it is still refused, exit 2, but names no rule).
    readable: bool,
}

fn case(name: &'static str, raw: Vec<u8>) -> Case {
    Case {
        name,
        raw,
        differs: None,
        readable: true,
    }
}

fn differs(name: &'static str, raw: Vec<u8>, why: &'static str) -> Case {
    Case {
        differs: Some(why),
        ..case(name, raw)
    }
}

/// The corpus. `h` is the header of an act by the editor, `m` its message, `p` = h + m the
/// payload of a correctly signed act.
fn corpus(b: &Base) -> Vec<Case> {
    let h = b.header.as_bytes();
    let m = MESSAGE.as_bytes();
    let p = cat(&[h, m]);
    let good = b.sign(&p);
    let junk = b.sign(b"some other bytes\n");
    let stranger = b.sign_with(&b.stranger, &p);
    let mut cases = Vec::new();

    // As undersigned itself writes an act (git2's commit_signed with its own SSHSIG).
    let repo = Repository::open(b.w.ledger()).expect("open ledger");
    let key = SigningKey::load(&b.w.key("editor"), &mut || Ok(None)).expect("editor key");
    let content = String::from_utf8(p.clone()).expect("utf-8 payload");
    let armor = key.sign("git", content.as_bytes()).expect("sign");
    let id = repo
        .commit_signed(&content, &armor, Some("gpgsig"))
        .expect("commit_signed");
    let written = repo
        .odb()
        .expect("odb")
        .read(id)
        .expect("read")
        .data()
        .to_vec();
    cases.push(case("as undersigned writes", written));
    let genesis = b.w.git(&["cat-file", "commit", &b.head]).stdout;
    cases.push(case("the ledger's genesis", genesis));
    cases.push(case(
        "as git commit -S writes",
        cat(&[h, &field("gpgsig", &good), m]),
    ));
    cases.push(case("unsigned", p.clone()));
    // What libgit2 read as signed: the commit without the signature lines, i.e. p.
    cases.push(case(
        "signature only in the message",
        cat(&[&p, &field("gpgsig", &good)]),
    ));
    {
        let with_line = cat(&[h, m, &field("gpgsig", &junk)]);
        let sig = b.sign(&with_line);
        cases.push(case(
            "signed, and a gpgsig line in the message",
            cat(&[h, &field("gpgsig", &sig), m, &field("gpgsig", &junk)]),
        ));
    }
    cases.push(differs(
        "two gpgsig headers, the same signature",
        cat(&[h, &field("gpgsig", &good), &field("gpgsig", &good), m]),
        "git joins both into one signature and ssh-keygen reads its first armor only; a second signature is bytes no one checks",
    ));
    {
        // libgit2 kept the second header in the bytes it called signed.
        let second = field("gpgsig", &junk);
        let sig = b.sign(&cat(&[h, &second, m]));
        cases.push(case(
            "two gpgsig headers, signed as libgit2 read them",
            cat(&[h, &field("gpgsig", &sig), &second, m]),
        ));
    }
    cases.push(differs(
        "two gpgsig headers, the first good, the second another key's",
        cat(&[h, &field("gpgsig", &good), &field("gpgsig", &stranger), m]),
        "ssh-keygen checks only the first armor of the joined signature",
    ));
    cases.push(case(
        "two gpgsig headers, the second good",
        cat(&[h, &field("gpgsig", &junk), &field("gpgsig", &good), m]),
    ));
    {
        let other = field("gpgsig-sha256", &junk);
        let sig = b.sign(&cat(&[h, &other, m]));
        cases.push(case(
            "gpgsig and gpgsig-sha256, signed as libgit2 read them",
            cat(&[h, &field("gpgsig", &sig), &other, m]),
        ));
        cases.push(differs(
            "gpgsig and gpgsig-sha256, signed as git reads them",
            cat(&[h, &field("gpgsig", &good), &other, m]),
            "a SHA-1 repository checks no gpgsig-sha256 and leaves it out of the payload: a second, unchecked signature",
        ));
    }
    cases.push(case(
        "continuation lines with two leading spaces",
        cat(&[h, &field_indented("gpgsig", &good, "  "), m]),
    ));
    cases.push(Case {
        readable: false,
        ..case("gpgsig before tree", cat(&[&field("gpgsig", &good), h, m]))
    });
    {
        let (tree_line, rest) = b
            .header
            .split_at(b.header.find('\n').expect("tree line") + 1);
        cases.push(Case {
            readable: false,
            ..differs(
                "gpgsig between tree and parent",
                cat(&[tree_line.as_bytes(), &field("gpgsig", &good), rest.as_bytes(), m]),
                "git then reads the parent line as an unknown header (a root commit) and libgit2 cannot read the commit",
            )
        });
        let at = b.header.find("committer ").expect("committer line");
        let (before, committer) = b.header.split_at(at);
        cases.push(Case {
            readable: false,
            ..differs(
                "gpgsig between author and committer",
                cat(&[before.as_bytes(), &field("gpgsig", &good), committer.as_bytes(), m]),
                "git and libgit2 write the signature after every other header; libgit2 cannot read this commit",
            )
        });
    }
    cases.push(differs(
        "a gpgsigx header, signed as git reads it",
        cat(&[h, &field("gpgsig", &good), b"gpgsigx unsigned words\n", m]),
        "git leaves every header line starting with gpgsig out of the payload, so no signature covers what it says",
    ));
    {
        let extra: &[u8] = b"gpgsigx unsigned words\n";
        let sig = b.sign(&cat(&[h, extra, m]));
        cases.push(case(
            "a gpgsigx header, signed with it",
            cat(&[h, &field("gpgsig", &sig), extra, m]),
        ));
    }
    {
        let enc: &[u8] = b"encoding ISO-8859-1\n";
        let sig = b.sign(&cat(&[h, enc, m]));
        cases.push(case(
            "an encoding header",
            cat(&[h, enc, &field("gpgsig", &sig), m]),
        ));
    }
    cases.push(case(
        "a space after the armor's END line",
        cat(&[
            h,
            &field(
                "gpgsig",
                &map_lines(&good, |l| {
                    if l.starts_with("-----END") {
                        format!("{l} ")
                    } else {
                        l.to_string()
                    }
                }),
            ),
            m,
        ]),
    ));
    cases.push(case(
        "a space after every armor line",
        cat(&[
            h,
            &field("gpgsig", &map_lines(&good, |l| format!("{l} "))),
            m,
        ]),
    ));
    cases.push(case(
        "an empty continuation line after the armor",
        cat(&[h, &field("gpgsig", &good), b" \n", m]),
    ));
    cases.push(differs(
        "text after the armor",
        cat(&[h, &field("gpgsig", &cat(&[&good, b"more words\n"])), m]),
        "ssh-keygen ignores what follows the END line; undersigned takes only a signature in its one canonical armor",
    ));
    {
        let msg: &[u8] = b"\nhand-made act  \n\t\n\n";
        let sig = b.sign(&cat(&[h, msg]));
        cases.push(case(
            "trailing whitespace in the message",
            cat(&[h, &field("gpgsig", &sig), msg]),
        ));
    }
    cases.push(case(
        "signature over other bytes",
        cat(&[h, &field("gpgsig", &good), b"\nanother act\n"]),
    ));
    cases.push(case(
        "signature by a key not in allowed_signers",
        cat(&[h, &field("gpgsig", &stranger), m]),
    ));
    {
        let msg: &[u8] = b"\nhand-made act\0hidden words\n";
        let sig = b.sign(&cat(&[h, msg]));
        cases.push(differs(
            "a NUL in the message, signed with it",
            cat(&[h, &field("gpgsig", &sig), msg]),
            "libgit2 reads a commit's bytes only up to a NUL in places; no reader should see less than git signed",
        ));
    }
    cases.push(case(
        "bytes after a NUL appended after signing",
        cat(&[h, &field("gpgsig", &good), m, b"\0smuggled bytes\n"]),
    ));
    cases.push(case(
        "CRLF armor",
        cat(&[
            h,
            &field("gpgsig", &map_lines(&good, |l| format!("{l}\r"))),
            m,
        ]),
    ));
    cases.push(case("an empty gpgsig header", cat(&[h, b"gpgsig \n", m])));
    cases.push(differs(
        "a PGP armor",
        cat(&[
            h,
            b"gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n",
            m,
        ]),
        "git hands it to gpg, which finds nothing to check, and reports no signature (N); undersigned reads every signature as SSHSIG and calls this one bad; both refuse it",
    ));
    cases
}

/// One row of the table.
struct Row {
    name: &'static str,
    id: String,
    git: String,
    git_said: String,
    ours: Class,
    ours_said: String,
    verify: String,
    problem: Option<String>,
}

/// `undersigned --json verify --forget --full` with main at `id`: exit code and report.
fn verify_at(b: &Base, id: &str) -> (i32, Value) {
    // git's update-ref will not point a branch at a commit it cannot parse; libgit2 will.
    let repo = Repository::open(b.w.ledger()).expect("open ledger");
    let oid = git2::Oid::from_str(id).expect("object id");
    repo.reference("refs/heads/main", oid, true, "commit parity")
        .expect("point main at the case");
    let out = b.w.run(&["--json", "verify", "--forget", "--full"]);
    assert!(!stderr(&out).contains("panicked"), "{}", said(&out));
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    b.w.git_ok(&["update-ref", "refs/heads/main", &b.head]);
    (code(&out), report)
}

/// Whether the report refuses `id` by the `signature` rule.
fn refused_by_signature(report: &Value, id: &str) -> bool {
    report["failures"].as_array().is_some_and(|f| {
        f.iter()
            .any(|f| f["commit"] == id && f["rule"] == "signature")
    })
}

fn table(rows: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<58} {:<6} {:<11} {:<9} undersigned says / git says / problem",
        "case", "git", "ours", "verify"
    );
    for r in rows {
        let _ = writeln!(
            t,
            "{:<58} {:<6} {:<11} {:<9} {} | {}{}  [{}]",
            r.name,
            r.git,
            format!("{:?}", r.ours),
            r.verify,
            r.ours_said,
            r.git_said,
            r.problem
                .as_ref()
                .map(|p| format!("  <<< {p}"))
                .unwrap_or_default(),
            &r.id[..12]
        );
    }
    t
}

#[test]
fn undersigned_reads_every_crafted_commit_as_stock_git_does() {
    let b = base();
    let mut rows = Vec::new();
    // The fuzz target commit_git_parity is seeded from this corpus (fuzz/README.md).
    let seeds = std::env::var_os("COMMIT_PARITY_SEEDS").map(PathBuf::from);
    for (i, c) in corpus(&b).into_iter().enumerate() {
        if let Some(dir) = &seeds {
            std::fs::create_dir_all(dir).expect("seed dir");
            let name: String = c
                .name
                .chars()
                .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
                .collect();
            std::fs::write(dir.join(format!("{i:02}-{name}")), &c.raw).expect("write seed");
        }
        let id = b.write(&c.raw);
        let (git, git_said) = b.stock_verdict(&id);
        let (ours, ours_said) = b.our_verdict(&c.raw);
        let theirs = class_of_git(&git);
        let mut problem = match (c.differs, theirs == ours) {
            _ if ours == Class::Good && git != "G" => {
                Some("undersigned accepts what git does not".to_string())
            }
            (None, false) => Some("verdicts differ".to_string()),
            (Some(_), true) => Some("documented as differing, but they agree".to_string()),
            (Some(_), false) if ours != Class::Bad => {
                Some("differs, but undersigned does not refuse it".to_string())
            }
            _ => None,
        };
        let verify = if c.readable {
            let (code, report) = verify_at(&b, &id);
            let refused = code == 1 && refused_by_signature(&report, &id);
            match ours {
                Class::Good if code != 0 => {
                    problem.get_or_insert(format!("verify refuses a good commit: {report}"));
                }
                Class::Good => {}
                _ if !refused => {
                    problem.get_or_insert(format!(
                        "verify does not refuse it by the signature rule: exit {code}, {report}"
                    ));
                }
                _ => {}
            }
            if code == 0 {
                "ok".to_string()
            } else if refused {
                "signature".to_string()
            } else {
                format!("exit {code}")
            }
        } else {
            let (code, report) = verify_at(&b, &id);
            if code == 0 || ours == Class::Good {
                problem.get_or_insert(format!(
                    "an unreadable commit must be refused: exit {code}, {report}"
                ));
            }
            format!("exit {code}")
        };
        rows.push(Row {
            name: c.name,
            id,
            git,
            git_said: c
                .differs
                .map(|why| format!("{git_said} (differs: {why})"))
                .unwrap_or(git_said),
            ours,
            ours_said,
            verify,
            problem,
        });
    }
    let t = table(&rows);
    eprintln!("{t}");
    assert!(
        rows.iter().all(|r| r.problem.is_none()),
        "undersigned and stock git disagree:\n{t}"
    );
}

/// The commits of issue 16 that libgit2's reading let through while stock git calls them
/// unsigned or bad: a signature in the message and none in the header, two `gpgsig` headers,
/// and an extra `gpgsig-sha256` header, each signed over what libgit2 called signed.
const ATTACKS: [&str; 3] = [
    "signature only in the message",
    "two gpgsig headers, signed as libgit2 read them",
    "gpgsig and gpgsig-sha256, signed as libgit2 read them",
];

#[test]
fn the_attack_commits_fail_verify_and_the_hook_refuses_them_over_git_daemon() {
    let b = base();
    let w = &b.w;
    let srv = w.path().join("srv");
    std::fs::create_dir_all(&srv).expect("srv dir");
    let bare = srv.join("x.git");
    w.git_ok(&["init", "-q", "--bare", "--initial-branch=main", s(&bare)]);
    let out = w
        .cmd()
        .env("UNDERSIGNED_LEDGER", &bare)
        .args(["--json", "hook", "install", s(&bare), "--trust", &b.head])
        .output()
        .expect("run undersigned");
    assert!(out.status.success(), "hook install: {}", said(&out));
    let daemon = Daemon::start(w, &srv);
    let url = daemon.url("x.git");
    let pushed = w.git(&["push", "-q", &url, "main"]);
    assert!(
        pushed.status.success(),
        "a valid ledger lands: {}",
        said(&pushed)
    );
    let published = w.git_at(&bare, &["rev-parse", "refs/heads/main"]);
    let published = String::from_utf8_lossy(&published.stdout)
        .trim()
        .to_string();
    assert_eq!(published, b.head);

    let corpus = corpus(&b);
    for name in ATTACKS {
        let c = corpus
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case {name:?} in the corpus"));
        let id = b.write(&c.raw);
        // What stock git says of it: never a good signature.
        let (git, _) = b.stock_verdict(&id);
        assert!(git == "N" || git == "B", "{name}: git says {git}");

        w.git_ok(&["update-ref", "refs/heads/main", &id]);
        let failures = broken(w, &id);
        let f = find(&failures, None, "signature");
        assert!(!reason(f).is_empty(), "{name}: {f}");

        let out = w.git(&["push", &url, "main"]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: the push landed: {err}");
        assert!(
            err.contains("remote: undersigned: push refused"),
            "{name}: the hook's reason did not reach the pusher:\n{err}"
        );
        assert!(
            err.lines()
                .any(|l| l.starts_with("remote: ") && l.contains(&id) && l.contains("[signature]")),
            "{name}: no remote line names {id} and the signature rule:\n{err}"
        );
        let now = w.git_at(&bare, &["rev-parse", "refs/heads/main"]);
        assert_eq!(
            String::from_utf8_lossy(&now.stdout).trim(),
            published,
            "{name}: the server's main moved"
        );
        w.git_ok(&["update-ref", "refs/heads/main", &b.head]);
    }
    drop(daemon);
}
