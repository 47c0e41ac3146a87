//! Names and texts that could deceive a reader: look-alike names (TR39 confusables), invisible
//! and bidi characters, line separators that forge a list entry, escape sequences that hide
//! lines on a terminal. Writers refuse them (exit 2, nothing written), `verify` refuses records
//! made by hand that hold them (rule `record`), and whatever a ledger holds reaches a terminal
//! escaped.

use crate::common::*;

fn refused(w: &World, args: &[&str], fragments: &[&str]) {
    let before = w.snapshot();
    let out = w.run(args);
    assert_eq!(code(&out), 2, "{args:?}: {}", said(&out));
    for f in fragments {
        assert!(
            stderr(&out).contains(f),
            "{args:?} does not say {f:?}: {}",
            said(&out)
        );
    }
    assert_eq!(w.snapshot(), before, "{args:?} changed the ledger");
}

#[test]
fn look_alike_names_are_refused_naming_the_other() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    w.ok(&[
        "org",
        "add",
        "hrw",
        "--name",
        "Human Rights Watch",
        "--key",
        &e,
    ]);
    // A Cyrillic а, and a Latin capital I for an l: each looks like the first to a reader.
    for name in ["Human Rights W\u{430}tch", "Human Rights Watch\u{34f}"] {
        refused(
            &w,
            &["org", "add", "fake", "--name", name, "--key", &e],
            &["looks like the name of org/hrw", "Human Rights Watch"],
        );
    }
    let k = w.ssh_keygen("second");
    refused(
        &w,
        &[
            "editor",
            "add",
            "second",
            "--name",
            "Human Rights Watch",
            "--pubkey",
            &format!("{}.pub", s(&k)),
            "--key",
            &e,
        ],
        &["looks like the name of org/hrw"],
    );
    w.ok(&[
        "org",
        "add",
        "hrw-fr",
        "--name",
        "Human Rights Watch France",
        "--key",
        &e,
    ]);
}

#[test]
fn invisible_bidi_and_line_breaking_names_are_refused() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    for (name, code) in [
        ("Human Rights\u{200b}Watch", "U+200B"),
        ("Watch \u{202e}hctaW", "U+202E"),
        ("Al Hao\u{2028}30. Forged Org", "U+2028"),
        ("Para\u{2029}graph", "U+2029"),
        ("Evil <b>Org</b>", "< or >"),
    ] {
        refused(
            &w,
            &["org", "add", "x", "--name", name, "--key", &e],
            &["--name", code],
        );
    }
    let text = w.write_file("v1.txt", "A statement.\n");
    refused(
        &w,
        &[
            "statement",
            "new",
            "s",
            "--title",
            "T\u{202e}itle",
            "--text",
            &text,
            "--key",
            &e,
        ],
        &["--title", "U+202E"],
    );
}

#[test]
fn texts_with_escape_sequences_are_refused_and_line_endings_converted() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    for (content, fragment) in [
        (
            "Visible\n\u{1b}[8mhidden from a terminal\u{1b}[0m\n",
            "U+001B",
        ),
        ("Erase \u{1b}[2K this line\n", "U+001B"),
        ("C1 \u{9b}2J\n", "U+009B"),
    ] {
        let text = w.write_file("esc.txt", content);
        refused(
            &w,
            &[
                "statement",
                "new",
                "s",
                "--title",
                "T",
                "--text",
                &text,
                "--key",
                &e,
            ],
            &[fragment],
        );
    }
    let crlf = w.write_file("crlf.txt", "\u{feff}Line one\r\nLine two\r\n");
    let out = w.run(&[
        "--json",
        "statement",
        "new",
        "s",
        "--title",
        "T",
        "--text",
        &crlf,
        "--key",
        &e,
    ]);
    assert_eq!(code(&out), 0, "{}", said(&out));
    let stored = std::fs::read(w.ledger().join("statements/s/versions/0001.txt")).expect("text");
    assert_eq!(stored, b"Line one\nLine two\n");
    let sha = undersigned::record::sha256_hex(&stored);
    assert!(
        stderr(&out).contains("converted") && stderr(&out).contains(&sha),
        "{}",
        said(&out)
    );
}

/// Writes `content` at `rel` in the work tree and stages it.
fn put(w: &World, rel: &str, content: &[u8]) {
    let p = w.ledger().join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, content).expect("write");
    w.git_ok(&["add", "--", rel]);
}

/// An org record made by hand with `name` (canonical, as undersigned writes records),
/// committed by the editor with stock git.
fn hand_made_org(w: &World, id: &str, name: &str) -> (String, String) {
    let rec = undersigned::record::OrgRecord {
        id: id.into(),
        name: name.into(),
        url: None,
        country: None,
        added_by: "editor/coordinator".into(),
        added_at: undersigned::timefmt::format_ms(undersigned::clock::Clock::now_ms(
            &undersigned::clock::SystemClock,
        ))
        .expect("now"),
    };
    let path = format!("{}/org.json", org_dir(id));
    put(w, &path, &undersigned::record::encode(&rec));
    (editor_commit(w, &format!("Register {id}")), path)
}

#[test]
fn verify_refuses_deceptive_names_in_records_made_by_hand() {
    for (name, fragment) in [
        ("Org \u{202e}gro", "U+202E"),
        ("Quiet Org\u{2028}3. Forged", "U+2028"),
        ("Qu\u{456}et Org", "looks like the name of org/quiet"),
    ] {
        let w = World::new();
        w.standard();
        let (commit, path) = hand_made_org(&w, "mimic", name);
        let f = broken(&w, &commit);
        assert_eq!(rules(&f), ["record"], "{name:?}: {f:#?}");
        assert!(
            reason(find(&f, Some(&path), "record")).contains(fragment),
            "{f:#?}"
        );
    }
}

#[test]
fn what_a_ledger_holds_reaches_the_terminal_escaped() {
    let w = World::new();
    w.standard();
    // A file whose name clears the screen and sets the window title: verify reports it (rule
    // `path`) and prints its name escaped, never raw.
    let evil = "evil\u{1b}[2J\u{1b}]0;owned\u{7}";
    put(&w, evil, b"x\n");
    let commit = editor_commit(&w, "a file no ledger holds");
    let out = w.run(&["verify"]);
    assert_eq!(code(&out), 1, "{}", said(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains(&commit[..10]) && shown.contains("[path]"),
        "{shown}"
    );
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
        "raw control bytes: {shown:?}"
    );
    assert!(
        shown.contains("evil\\u{1b}[2J"),
        "the name is shown escaped: {shown}"
    );
    for args in [&["audit", "icc"][..], &["show", "icc"], &["log"]] {
        let out = w.run(args);
        assert!(
            !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
            "{args:?}: {}",
            said(&out)
        );
    }
    // Under --json the same name is a JSON string: escaped by JSON itself, and exact.
    let (_, report) = verify(&w, &[]);
    let paths: Vec<&str> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&evil), "{report:#}");
}

#[test]
fn a_signing_request_is_checked_like_a_record_before_anything_is_shown() {
    let w = World::new();
    w.standard();
    let req = w.path().join("request.json");
    let editor = w.key_arg("editor");
    w.ok(&["request", "icc", "--key", &editor, "-o", s(&req)]);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&req).expect("request")).expect("json");
    v["title"] = "Sign this \u{1b}]0;window title\u{7}".into();
    std::fs::write(&req, serde_json::to_string_pretty(&v).expect("json")).expect("write");
    // Signed again by the editor, so that only the title's check stands in the way.
    crate::mail::resign(&w, &req, &editor);
    let end = w.path().join("end.json");
    let out = w.run(&[
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
    assert_refused(&out, "title");
    assert!(
        !out.stderr.contains(&0x1b),
        "the refusal printed the escape raw: {}",
        said(&out)
    );
    assert!(!end.exists(), "nothing is written");
}
