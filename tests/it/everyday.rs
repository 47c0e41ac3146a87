//! The everyday commands git and ssh-keygen users expect. Why these tests matter: each is a
//! place where a new user guessed wrong before — a command run inside a clone that could not
//! find its ledger, an organization that endorsed a revision it was never shown, a `sync` that
//! changed the ids an act had printed without a word, a `key show KEY.pub` that failed, a key
//! written unencrypted by default, `--ledger` offered where it meant nothing, a network failure
//! reported as a usage error, a hook that broke when its binary moved. And the JSON is a
//! contract: every output names its format and reads back into the library's types.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use undersigned::report::{
    formats, Audit, KeyOutput, OrgList, Outcome, Publication, Report, StatementList, Status,
    SyncReport, TextDiff,
};

fn world() -> (World, String) {
    let w = World::new();
    let id = w.standard();
    (w, id)
}

/// `undersigned ARGS` run in `dir` with no ledger named (no --ledger, no UNDERSIGNED_LEDGER).
fn in_dir(w: &World, dir: &Path, args: &[&str]) -> std::process::Output {
    w.cmd()
        .env_remove("UNDERSIGNED_LEDGER")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
}

fn ssh_fingerprint(pubfile: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pubfile)
        .output()
        .expect("ssh-keygen -lf");
    assert!(out.status.success(), "{}", said(&out));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("fingerprint")
        .to_string()
}

fn git_in(w: &World, dir: &Path, args: &[&str]) -> String {
    let out = w.git_at(dir, args);
    assert!(out.status.success(), "git {args:?}: {}", said(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

/// Without --ledger or UNDERSIGNED_LEDGER: the ledger the current directory is in (from any
/// subdirectory of its work tree, or inside a bare clone), else ./ledger; otherwise an error
/// that names each place tried. --ledger after the command (or before it, as earlier versions
/// took it) and UNDERSIGNED_LEDGER still come first.
#[test]
fn commands_find_the_ledger_they_are_run_in() {
    let (w, id) = world();
    let sub = w.ledger().join("statements").join("icc");
    let o = in_dir(&w, &sub, &["--json", "status", "icc"]);
    assert!(o.status.success(), "from a subdirectory: {}", said(&o));
    let st: Status = serde_json::from_slice(&o.stdout).expect("Status");
    assert_eq!(st.ledger_id, id);
    let o = in_dir(&w, w.path(), &["--json", "verify"]);
    assert!(o.status.success(), "./ledger: {}", said(&o));

    // A bare clone, from inside its git directory.
    let bare = w.path().join("bare.git");
    let c = w.json(&["clone", s(&w.ledger()), s(&bare), "--bare", "--trust", &id]);
    assert_eq!(c["ledger_id"], id.as_str());
    let o = in_dir(&w, &bare.join("refs"), &["--json", "verify"]);
    assert!(o.status.success(), "inside a bare clone: {}", said(&o));
    let r: Report = serde_json::from_slice(&o.stdout).expect("Report");
    assert_eq!(r.ledger_id, id);

    // Inside another repository: git stops at the first one, and so does undersigned.
    let other = w.path().join("project");
    std::fs::create_dir_all(other.join("src")).expect("dir");
    git_in(&w, &other, &["init", "-q"]);
    let o = in_dir(&w, &other.join("src"), &["status", "icc"]);
    assert_eq!(code(&o), 2, "{}", said(&o));
    let err = stderr(&o);
    assert!(err.contains("no ledger found"), "{err}");
    assert!(err.contains(s(&other)), "names the repository tried: {err}");
    assert!(
        err.contains(&format!("{}/src/ledger", s(&other))),
        "and ./ledger: {err}"
    );
    assert!(err.contains("--ledger"), "says what to do: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Nowhere near a repository.
    let empty = tempfile::tempdir().expect("tmp");
    let o = in_dir(&w, empty.path(), &["log"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("not inside a git repository"),
        "{}",
        said(&o)
    );

    // Named ledgers win over discovery, after or before the command.
    let o = in_dir(&w, &other, &["status", "icc", "--ledger", s(&w.ledger())]);
    assert!(o.status.success(), "{}", said(&o));
    let o = in_dir(&w, &other, &["--ledger", s(&w.ledger()), "status", "icc"]);
    assert!(o.status.success(), "{}", said(&o));
    let o = w
        .cmd()
        .current_dir(&other)
        .args(["status", "icc"])
        .output()
        .expect("runs");
    assert!(o.status.success(), "UNDERSIGNED_LEDGER: {}", said(&o));
    // init without a name creates ./ledger, as before.
    let fresh = tempfile::tempdir().expect("tmp");
    let key = w.key_arg("editor");
    let o = in_dir(
        &w,
        fresh.path(),
        &["init", "--name", "Fresh", "--key", &key],
    );
    assert!(o.status.success(), "{}", said(&o));
    assert!(fresh.path().join("ledger").join("ledger.json").is_file());
}

/// --ledger is offered only by commands that use a ledger.
#[test]
fn ledger_is_offered_only_where_it_is_used() {
    let w = World::new();
    for cmd in [
        &["verify"][..],
        &["org", "add"],
        &["status"],
        &["statement", "diff"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        assert!(w.ok(&args).contains("--ledger <DIR>"), "{cmd:?}");
    }
    for cmd in [
        &["key", "new"][..],
        &["clone"],
        &["demo"],
        &["man"],
        &["hook", "install"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        assert!(!w.ok(&args).contains("--ledger"), "{cmd:?} offers --ledger");
    }
    let o = w.run(&["key", "show", "x", "--ledger", "y"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("unexpected argument '--ledger'"),
        "{}",
        said(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// Inventory
// ---------------------------------------------------------------------------------------------

/// org list, statement list and status, human and JSON, with counts that add up.
#[test]
fn inventory_lists_orgs_statements_and_who_stands_where() {
    let (w, id) = world();
    let e = w.key_arg("editor");
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    w.ok(&["sign", "icc", "--org", "fidh", "--key", &w.key_arg("fidh")]);
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
    ]);
    let t = w.write_file("other.txt", "Another text.\n");
    w.ok(&[
        "statement",
        "new",
        "other",
        "--title",
        "Other",
        "--text",
        &t,
        "--key",
        &e,
    ]);

    let orgs: OrgList = serde_json::from_value(w.json(&["org", "list"])).expect("OrgList");
    assert_eq!(orgs.format, formats::ORG_LIST);
    assert_eq!(orgs.ledger_id, id);
    let ids: Vec<&str> = orgs.organizations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["fidh", "hrw", "quiet"]);
    let hrw = &orgs.organizations[1];
    assert_eq!(hrw.name, "Org hrw");
    assert_eq!(
        hrw.key.as_deref(),
        Some(ssh_fingerprint(&w.key("hrw.pub")).as_str())
    );
    assert_eq!(orgs.organizations[2].key, None);
    let text = w.ok(&["org", "list"]);
    assert!(
        text.contains("3 organization(s)") && text.contains("Quiet Org"),
        "{text}"
    );

    let list: StatementList =
        serde_json::from_value(w.json(&["statement", "list"])).expect("StatementList");
    assert_eq!(list.format, formats::STATEMENT_LIST);
    let icc = list.statements.iter().find(|s| s.id == "icc").expect("icc");
    assert_eq!(
        (
            icc.counts.current,
            icc.counts.withdrawn,
            icc.counts.pending,
            icc.counts.registered
        ),
        (1, 1, 1, 3)
    );
    let other = list
        .statements
        .iter()
        .find(|s| s.id == "other")
        .expect("other");
    assert_eq!(other.counts.pending, 3);

    let st: Status = serde_json::from_value(w.json(&["status", "icc"])).expect("Status");
    assert_eq!(st.format, formats::STATUS);
    assert_eq!(st.current, ["hrw"]);
    assert_eq!(st.withdrawn, ["fidh"]);
    assert_eq!(st.pending, ["quiet"]);
    assert!(st.stale.is_empty());
    assert_eq!(st.head, w.head());
    let text = w.ok(&["status", "icc"]);
    assert!(text.contains("pending       1  quiet"), "{text}");

    // Unknown statement: exit 2, one line, the ones there are.
    let o = w.run(&["status", "nope"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("icc, other"), "{}", said(&o));
}

// ---------------------------------------------------------------------------------------------
// See before you sign
// ---------------------------------------------------------------------------------------------

/// statement diff prints a word diff (JSON: segments that give both texts back exactly).
#[test]
fn statement_diff_shows_what_changed() {
    let (w, _) = world();
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
        "--key",
        &w.key_arg("editor"),
    ]);
    let text = w.ok(&["statement", "diff", "icc", "1", "2"]);
    assert!(text.contains("[-2-]{+3+}"), "{text}");
    assert!(
        text.contains("{+all +}") || text.contains("{+all+}"),
        "{text}"
    );
    let d: TextDiff =
        serde_json::from_value(w.json(&["statement", "diff", "icc", "1", "2"])).expect("TextDiff");
    assert_eq!(d.format, formats::DIFF);
    let side = |skip: &str| -> String {
        d.segments
            .iter()
            .filter(|s| s.change != skip)
            .map(|s| s.text.as_str())
            .collect()
    };
    assert_eq!(
        side("added"),
        "On behalf of 2 organizations, we urge states.\n"
    );
    assert_eq!(
        side("removed"),
        "On behalf of 3 organizations, we urge all states.\n"
    );
    let o = w.run(&["statement", "diff", "icc", "1", "7"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("icc v7"), "{}", said(&o));
}

/// On a terminal, `sign` shows the text — or, when the organization endorses an earlier
/// version, the word diff from it — and its sha256, and signs only after a yes; --yes skips
/// the question; without a terminal it signs as before and prints the sha256 it signed.
#[test]
fn sign_shows_the_text_or_the_diff_and_asks_on_a_terminal() {
    let (w, _) = world();
    let hrw = w.key_arg("hrw");
    let Some(o) = on_tty(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &hrw],
        "n\n",
        &[],
    ) else {
        return;
    };
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(code(&o), 2, "{screen}");
    assert!(
        screen.contains("we urge states"),
        "the text is shown: {screen}"
    );
    let sha1 = w.json(&["audit", "icc"])["versions"][0]["text_sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    assert!(screen.contains(&sha1), "{screen}");
    assert!(
        screen.contains("Sign version 1 of icc as org/hrw?"),
        "{screen}"
    );
    assert!(screen.contains("nothing was written"), "{screen}");
    assert_eq!(w.json(&["status", "icc"])["counts"]["current"], 0);

    let o = on_tty(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &hrw],
        "y\n",
        &[],
    )
    .expect("tty");
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(
        w.json(&["status", "icc"])["current"],
        serde_json::json!(["hrw"])
    );

    // A revision: hrw is shown what changed since version 1.
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
        "--key",
        &w.key_arg("editor"),
    ]);
    let o = on_tty(
        &w,
        &["sign", "icc", "--org", "hrw", "--key", &hrw],
        "y\n",
        &[],
    )
    .expect("tty");
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(code(&o), 0, "{screen}");
    assert!(
        screen.contains("org/hrw endorses version 1; what changed since"),
        "{screen}"
    );
    assert!(
        screen.contains("[-2-]") && screen.contains("{+3+}"),
        "{screen}"
    );

    // Signing again what it endorses: no question (there is nothing to confirm), a no-op.
    let before = w.snapshot();
    let o = on_tty(&w, &["sign", "icc", "--org", "hrw", "--key", &hrw], "", &[]).expect("tty");
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(code(&o), 0, "{screen}");
    assert!(!screen.contains("Sign version"), "{screen}");
    assert!(screen.contains("already endorses version 2"), "{screen}");
    assert_eq!(w.snapshot(), before);

    // --yes on a terminal: no question.
    let fidh = w.key_arg("fidh");
    let o = on_tty(
        &w,
        &["sign", "icc", "--org", "fidh", "--key", &fidh, "--yes"],
        "",
        &[],
    )
    .expect("tty");
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(code(&o), 0, "{screen}");
    assert!(!screen.contains("Sign version"), "{screen}");

    // No terminal: signs, and says which text.
    let quiet = w.ssh_keygen("quiet");
    let quiet_pub = format!("{}.pub", s(&quiet));
    w.ok(&[
        "org",
        "add-key",
        "quiet",
        "--pubkey",
        &quiet_pub,
        "--key",
        &w.key_arg("editor"),
    ]);
    let out = w.ok(&[
        "sign",
        "icc",
        "--org",
        "quiet",
        "--key",
        &w.key_arg("quiet"),
    ]);
    let sha2 = w.json(&["status", "icc"])["text_sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    assert!(out.contains(&format!("text sha256 {sha2}")), "{out}");
    let v: Outcome = serde_json::from_value(w.json(&[
        "sign",
        "icc",
        "--org",
        "hrw",
        "--version",
        "1",
        "--key",
        &hrw,
    ]))
    .expect("Outcome");
    assert_eq!(v.text_sha256.as_deref(), Some(sha1.as_str()));
}

/// An encrypted key's passphrase is asked after the yes, not before the text is shown.
#[test]
fn the_passphrase_is_asked_after_the_text_is_accepted() {
    let (w, _) = world();
    let enc = w.key("enc");
    let pass = w.write_file("pass.txt", "s3cret phrase\n");
    w.ok(&["key", "new", s(&enc), "--passphrase-file", &pass]);
    w.ok(&[
        "org",
        "add",
        "enc",
        "--name",
        "Encrypted",
        "--pubkey",
        &format!("{}.pub", s(&enc)),
        "--key",
        &w.key_arg("editor"),
    ]);
    let Some(o) = on_tty(
        &w,
        &["sign", "icc", "--org", "enc", "--key", s(&enc)],
        "y\ns3cret phrase\n",
        &[],
    ) else {
        return;
    };
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(code(&o), 0, "{screen}");
    let asked = screen.find("Sign version").expect("the question");
    let pass_at = screen
        .find("Passphrase for")
        .expect("the passphrase prompt");
    assert!(asked < pass_at, "text and question first: {screen}");
    assert_eq!(
        w.json(&["status", "icc"])["current"],
        serde_json::json!(["enc"])
    );
}

/// `accept` of an endorsement of an older version says it will be listed as stale.
#[test]
fn accept_of_an_older_version_warns_it_will_be_stale() {
    let (w, _) = world();
    let e = w.key_arg("editor");
    let req = w.path().join("req.json");
    w.ok(&["request", "icc", "--key", &e, "-o", s(&req)]);
    let v2 = w.write_file("v2.txt", "Version two.\n");
    w.ok(&["statement", "revise", "icc", "--text", &v2, "--key", &e]);
    let end = w.path().join("end.json");
    w.ok(&[
        "sign",
        "--request",
        s(&req),
        "--org",
        "hrw",
        "--key",
        &w.key_arg("hrw"),
        "-o",
        s(&end),
        "--yes",
    ]);
    let o = w.run(&["accept", s(&end), "--key", &e]);
    assert!(o.status.success(), "{}", said(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: version 1 is not the current version of icc")
            && err.contains("listed as stale"),
        "{err}"
    );
    let st = w.json(&["status", "icc"]);
    assert_eq!(st["stale"][0]["org"], "hrw", "{st}");
}

/// sync says what arrived (a new version; the endorsements it made stale) and, for each act of
/// this clone made again on top of the remote, its old and new commit.
#[test]
fn sync_says_what_arrived_and_which_acts_changed_ids() {
    let (w, id) = world();
    let srv = w.path().join("srv.git");
    git_in(
        &w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    w.git_ok(&["remote", "add", "origin", s(&srv)]);
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    w.ok(&["sync"]);
    let b = w.path().join("b");
    w.ok(&["clone", s(&srv), s(&b), "--trust", &id]);
    // B: fidh endorses version 1, not yet published.
    let mine = w.json(&[
        "sign",
        "icc",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
        "--ledger",
        s(&b),
    ]);
    let mine = mine["commit"].as_str().expect("commit").to_string();
    // A: a revision, published.
    let v2 = w.write_file("v2.txt", "On behalf of 3 organizations.\n");
    w.ok(&[
        "statement",
        "revise",
        "icc",
        "--text",
        &v2,
        "--key",
        &w.key_arg("editor"),
    ]);
    w.ok(&["sync"]);
    // B syncs.
    let r: SyncReport =
        serde_json::from_value(w.json(&["sync", "--ledger", s(&b)])).expect("SyncReport");
    assert_eq!(r.format, formats::SYNC);
    assert_eq!(r.new_versions.len(), 1, "{r:?}");
    assert_eq!(
        (
            r.new_versions[0].statement.as_str(),
            r.new_versions[0].version
        ),
        ("icc", 2)
    );
    let stale: Vec<(&str, u32, u32)> = r
        .now_stale
        .iter()
        .map(|s| (s.org.as_str(), s.endorsed, s.current))
        .collect();
    assert_eq!(stale, [("fidh", 1, 2), ("hrw", 1, 2)], "{r:?}");
    assert_eq!(r.republished.len(), 1, "{r:?}");
    assert_eq!(r.republished[0].old, mine);
    assert_eq!(r.republished[0].new, r.head);
    assert_ne!(r.republished[0].new, mine);
    // The human form says the same: fidh endorses version 2, then version 3 arrives.
    w.ok(&[
        "sign",
        "icc",
        "--org",
        "fidh",
        "--key",
        &w.key_arg("fidh"),
        "--ledger",
        s(&b),
    ]);
    w.ok(&["sync", "--ledger", s(&b)]);
    w.ok(&["sync"]);
    let v3 = w.write_file("v3.txt", "On behalf of 4 organizations.\n");
    w.ok(&[
        "statement",
        "revise",
        "icc",
        "--text",
        &v3,
        "--key",
        &w.key_arg("editor"),
    ]);
    w.ok(&["sync"]);
    let out = w.ok(&["sync", "--ledger", s(&b)]);
    assert!(out.contains("arrived: icc version 3"), "{out}");
    assert!(out.contains("statement diff icc 2 3"), "{out}");
    assert!(
        out.contains("now stale: org/fidh endorses version 2 of icc, the current version is 3"),
        "{out}"
    );
    // Nothing arrived: nothing said.
    let again: SyncReport =
        serde_json::from_value(w.json(&["sync", "--ledger", s(&b)])).expect("SyncReport");
    assert!(
        again.new_versions.is_empty() && again.now_stale.is_empty() && again.republished.is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// key show reads public and private key files, from ssh-keygen and from key new, and prints
/// the fingerprint ssh-keygen -lf prints.
#[test]
fn key_show_reads_public_and_private_files_like_ssh_keygen() {
    let w = World::new();
    let stock = w.ssh_keygen("stock");
    let ours = w.new_key("ours");
    for key in [&stock, &ours] {
        let pubfile = PathBuf::from(format!("{}.pub", s(key)));
        let expected = ssh_fingerprint(&pubfile);
        for file in [key.clone(), pubfile.clone()] {
            let out = w.ok(&["key", "show", s(&file)]);
            assert_eq!(
                out.lines().next(),
                Some(expected.as_str()),
                "{}",
                file.display()
            );
            let k: KeyOutput =
                serde_json::from_value(w.json(&["key", "show", s(&file)])).expect("KeyOutput");
            assert_eq!(k.format, formats::KEY);
            assert_eq!(k.fingerprint, expected);
            let line = std::fs::read_to_string(&pubfile).expect("pub");
            assert!(line.starts_with(&k.public_key), "{line} / {}", k.public_key);
        }
    }
    // An encrypted key shows without its passphrase.
    let enc = w.key("enc");
    let pass = w.write_file("p.txt", "pw\n");
    w.ok(&["key", "new", s(&enc), "--passphrase-file", &pass]);
    assert_eq!(
        w.ok(&["key", "show", s(&enc)]).lines().next(),
        Some(ssh_fingerprint(Path::new(&format!("{}.pub", s(&enc)))).as_str())
    );
    // Not a key: exit 2, one line naming the file.
    let junk = w.write_file("junk", "hello\n");
    let o = w.run(&["key", "show", &junk]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains(&junk), "{}", said(&o));
    let o = w.run(&["key", "show", s(&w.path().join("missing"))]);
    assert_eq!(code(&o), 2);
}

/// key new encrypts by default: on a terminal it asks twice; without one it needs
/// --no-passphrase or a passphrase source (file, descriptor, environment), and writes nothing
/// otherwise. The passphrase sources open the key for every command.
#[test]
fn key_new_asks_for_a_passphrase_and_takes_it_from_a_file_or_descriptor() {
    let w = World::new();
    std::fs::create_dir_all(w.path().join("keys")).expect("dir");
    let k = w.key("none");
    let o = w.run(&["key", "new", s(&k)]);
    assert_eq!(code(&o), 2, "{}", said(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--no-passphrase") && err.contains("--passphrase-file"),
        "{err}"
    );
    assert!(!k.exists() && !PathBuf::from(format!("{}.pub", s(&k))).exists());

    let opens = |key: &Path, pass: &str| {
        Command::new("ssh-keygen")
            .args(["-y", "-P", pass, "-f"])
            .arg(key)
            .output()
            .expect("ssh-keygen")
            .status
            .success()
    };
    // From a file (first line), from a descriptor.
    let f = w.key("file");
    let pass = w.write_file("pass.txt", "from a file\nsecond line ignored\n");
    w.ok(&["key", "new", s(&f), "--passphrase-file", &pass]);
    assert!(opens(&f, "from a file") && !opens(&f, ""));
    let d = w.key("fd");
    let o = w
        .cmd()
        .arg("key")
        .arg("new")
        .arg(s(&d))
        .args(["--passphrase-fd", "0"])
        .write_stdin("from fd 0\n")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", said(&o));
    assert!(opens(&d, "from fd 0"));
    // Each opens the key for an act too.
    let o = w.run(&[
        "init",
        "--name",
        "X",
        "--key",
        s(&f),
        "--passphrase-file",
        &pass,
    ]);
    assert!(o.status.success(), "{}", said(&o));
    let o = w.run(&["verify"]);
    assert!(o.status.success());
    // The wrong one: exit 2, nothing written.
    let wrong = w.write_file("wrong.txt", "nope\n");
    let before = w.snapshot();
    let o = w.run(&[
        "org",
        "add",
        "x",
        "--name",
        "X",
        "--key",
        s(&f),
        "--passphrase-file",
        &wrong,
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("wrong passphrase"), "{}", said(&o));
    assert_eq!(w.snapshot(), before);

    // On a terminal: asked twice; two different answers refuse.
    let t = w.key("tty");
    let Some(o) = on_tty(&w, &["key", "new", s(&t)], "typed\ntyped\n", &[]) else {
        return;
    };
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(opens(&t, "typed"));
    let t2 = w.key("tty2");
    let o = on_tty(&w, &["key", "new", s(&t2)], "one\ntwo\n", &[]).expect("tty");
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stdout).contains("differ"));
    assert!(!t2.exists());
}

// ---------------------------------------------------------------------------------------------
// Habits
// ---------------------------------------------------------------------------------------------

/// man writes undersigned.1 and a page per command; completions print scripts that the shells
/// accept; every --help ends with an example; the top help documents every exit status.
#[test]
fn man_pages_completions_examples_and_exit_status() {
    let w = World::new();
    let dir = w.path().join("man");
    let v = w.json(&["man", "--out", s(&dir)]);
    assert_eq!(v["format"], formats::MAN);
    for page in [
        "undersigned.1",
        "undersigned-verify.1",
        "undersigned-org-add.1",
        "undersigned-request.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page} is a man page");
        assert!(text.contains("Example"), "{page} carries its example");
    }
    assert!(
        !dir.join("undersigned-hook-pre-receive.1").exists(),
        "hidden commands have none"
    );
    let verify = std::fs::read_to_string(dir.join("undersigned-verify.1")).expect("page");
    assert!(verify.contains("ledger"), "{verify}");
    if Command::new("man").arg("--version").output().is_ok() {
        let o = Command::new("man")
            .arg("-l")
            .arg(dir.join("undersigned.1"))
            .env("MANPAGER", "cat")
            .output()
            .expect("man");
        assert!(o.status.success(), "man -l: {}", said(&o));
    }

    let bash = w.ok(&["completions", "bash"]);
    assert!(
        bash.contains("undersigned") && bash.contains("statement"),
        "bash completions"
    );
    let file = w.path().join("undersigned.bash");
    std::fs::write(&file, &bash).expect("write");
    let o = Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash");
    assert!(o.status.success(), "bash -n: {}", said(&o));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(!w.ok(&["completions", shell]).is_empty(), "{shell}");
    }
    let o = w.run(&["completions", "tcsh"]);
    assert_eq!(code(&o), 2);

    for cmd in [
        &["verify"][..],
        &["org", "add"],
        &["request"],
        &["key", "new"],
        &["sync"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = w.ok(&args);
        let tail: Vec<&str> = help.trim_end().lines().rev().take(4).collect();
        assert!(
            tail.iter()
                .any(|l| l.trim_start().starts_with("undersigned ")),
            "{cmd:?}: {help}"
        );
        assert!(help.contains("Example:"), "{cmd:?}");
    }
    let top = w.ok(&["--help"]);
    for line in [
        "0  ok",
        "1  verification failed",
        "2  usage or input error",
        "3  network failure",
    ] {
        assert!(top.contains(line), "{top}");
    }
}

/// Progress bars go to a terminal's stderr for verify, and never into --json or a pipe.
#[test]
fn progress_shows_on_a_terminal_only() {
    let (w, _) = world();
    let o = w.run(&["verify", "--full"]);
    assert!(o.status.success());
    assert!(
        stderr(&o).is_empty(),
        "no progress without a terminal: {}",
        stderr(&o)
    );
    let Some(o) = on_tty(&w, &["verify", "--full"], "", &[]) else {
        return;
    };
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(screen.contains("checking commits"), "{screen:?}");
    assert!(screen.contains("OK "), "{screen}");
    let o = on_tty(&w, &["--json", "verify", "--full"], "", &[]).expect("tty");
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(!screen.contains("checking commits"), "{screen:?}");
}

/// Every JSON output names its format and reads back into the library's type: show carries
/// the ledger id and head, audit the evidence hash of an attested endorsement; docs/json.md
/// documents every format.
#[test]
fn json_outputs_name_their_format_and_read_back() {
    let (w, id) = world();
    let e = w.key_arg("editor");
    let evidence = w.write_file("quiet.eml", "From: quiet\nWe sign.\n");
    let o: Outcome = serde_json::from_value(w.json(&[
        "attest",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]))
    .expect("Outcome");
    assert_eq!(o.format, formats::OUTCOME);
    let sha = {
        use sha2::{Digest, Sha256};
        Sha256::digest(std::fs::read(&evidence).expect("evidence"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let a: Audit = serde_json::from_value(w.json(&["audit", "icc"])).expect("Audit");
    assert_eq!(a.format, formats::AUDIT);
    assert_eq!(
        a.versions[0].endorsements[0].evidence_sha256.as_deref(),
        Some(sha.as_str())
    );
    let p: Publication = serde_json::from_value(w.json(&["show", "icc"])).expect("Publication");
    assert_eq!(p.format, formats::PUBLICATION);
    assert_eq!(
        (p.ledger_id.as_str(), p.head.as_str()),
        (id.as_str(), w.head().as_str())
    );
    let r: Report = serde_json::from_value(w.json(&["verify"])).expect("Report");
    assert_eq!(r.format, formats::REPORT);
    for (args, format) in [
        (vec!["payload", "icc", "--org", "quiet"], formats::PAYLOAD),
        (vec!["log"], formats::LOG),
        (vec!["org", "list"], formats::ORG_LIST),
    ] {
        assert_eq!(w.json(&args)["format"], format, "{args:?}");
    }
    let err = w.run(&["--json", "status", "nope"]);
    let v: undersigned::report::ErrorOutput =
        serde_json::from_slice(&err.stdout).expect("ErrorOutput");
    assert_eq!(v.format, formats::ERROR);

    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"))
        .expect("docs/json.md");
    for f in formats::ALL {
        assert!(doc.contains(f), "docs/json.md does not document {f}");
    }
    let _: Value = w.json(&["status", "icc"]);
}

/// The hook looks its binary up when a push arrives: on PATH, else where it was installed
/// from; when neither is there, the push is refused with a message naming what is missing.
#[test]
fn the_hook_finds_its_binary_or_says_it_is_missing() {
    let (w, id) = world();
    let srv = w.path().join("srv.git");
    git_in(
        &w,
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    // Installed from a copy of the binary that is then removed.
    let copy_dir = w.path().join("bin-copy");
    std::fs::create_dir_all(&copy_dir).expect("dir");
    let copy = copy_dir.join("undersigned");
    std::fs::copy(assert_cmd::cargo::cargo_bin("undersigned"), &copy).expect("copy");
    let o = Command::new(&copy)
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["hook", "install", s(&srv), "--trust", &id])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", said(&o));
    let hook = std::fs::read_to_string(srv.join("hooks/pre-receive")).expect("hook");
    assert!(hook.contains("command -v undersigned"), "{hook}");
    std::fs::remove_file(&copy).expect("rm");
    w.git_ok(&["remote", "add", "origin", s(&srv)]);
    let plain_path = "/usr/local/bin:/usr/bin:/bin";
    let push = |path: &str| {
        Command::new("git")
            .current_dir(w.ledger())
            .env("HOME", w.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PATH", path)
            .args(["push", "-q", "origin", "main"])
            .output()
            .expect("git push")
    };
    let o = push(plain_path);
    assert!(!o.status.success(), "pushed without a hook binary");
    let err = stderr(&o);
    assert!(err.contains("the undersigned binary is missing"), "{err}");
    assert!(err.contains(s(&copy)), "names where it was: {err}");
    // On PATH: found, and the push verifies and lands.
    let bin_dir = assert_cmd::cargo::cargo_bin("undersigned");
    let bin_dir = bin_dir.parent().expect("dir");
    let o = push(&format!("{}:{plain_path}", s(bin_dir)));
    assert!(o.status.success(), "{}", said(&o));
    assert_eq!(git_in(&w, &srv, &["rev-parse", "main"]), w.head());
}

/// key new makes missing directories for the user alone (as ssh-keygen keeps ~/.ssh), and a
/// private key others can read is refused before any passphrase is asked or tried: a key that
/// may be someone else's is not opened at all.
#[test]
fn key_files_are_private_and_checked_before_the_passphrase() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    let k = w.path().join("fresh/keys/editor");
    let pass = w.write_file("pass.txt", "right\n");
    w.ok(&["key", "new", s(&k), "--passphrase-file", &pass]);
    for dir in [w.path().join("fresh"), w.path().join("fresh/keys")] {
        let mode = std::fs::metadata(&dir).expect("dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
    }
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let wrong = w.write_file("wrong.txt", "wrong\n");
    let o = w.run(&[
        "init",
        "--name",
        "X",
        "--key",
        s(&k),
        "--passphrase-file",
        &wrong,
    ]);
    assert_eq!(code(&o), 2, "{}", said(&o));
    let err = stderr(&o);
    assert!(
        err.contains("readable by others") && !err.contains("wrong passphrase"),
        "{err}"
    );
}

/// A reader that stops reading (`undersigned log | head -1`) is no error: the command does not
/// panic, says nothing on stderr, and exits as its work decided — 0 for a log, 1 for a verify
/// that failed — whatever it could not print.
#[test]
fn a_closed_pipe_on_stdout_is_not_a_crash() {
    use std::process::Stdio;
    let w = World::new();
    w.standard();
    for (args, expected) in [
        (vec!["log"], 0),
        (vec!["--json", "log"], 0),
        (vec!["audit", "icc"], 0),
        (
            vec![
                "verify",
                "--trust",
                "0123456789abcdef0123456789abcdef01234567",
            ],
            1,
        ),
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("undersigned"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", w.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("UNDERSIGNED_LEDGER", w.ledger())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // The reader goes away before the command has written anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(expected), "{args:?}: {err}");
    }
}
