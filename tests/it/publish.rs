//! `undersigned publish` and `show --format`: the generated files (escaping, every entry, the
//! count warning, stale and withdrawn sections, version diffs, statement.json read back into the
//! library's own type), and the page in a real browser: headless Debian chromium opens it from
//! `file://` and from a small HTTP server on 127.0.0.1 and must mark every signature ✓; a
//! flipped signature byte or a changed text must show ✗ where it is. The JavaScript payload
//! builder is checked against `signed_data::act_payload` on the same records.
//!
//! Chromium is required (`.ci/run` installs it): a test that needs it fails when it is absent.

use crate::common::{code, s, said, World};
use base64ct::Encoding;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use undersigned::publish::html::json_for_script;
use undersigned::publish::StatementData;
use undersigned::record::ActRecord;

const DEMO: &str = "icc-cooperation";

// ---------------------------------------------------------------------------------------------
// Chromium
// ---------------------------------------------------------------------------------------------

/// The chromium binary. Absent, the test fails and says how to get it: CI installs it, so a
/// silent skip would hide that the browser checks never ran.
fn chromium() -> PathBuf {
    let candidates = [
        std::env::var_os("CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.is_file() {
            return c;
        }
    }
    panic!(
        "chromium is needed for the browser tests and was not found at /usr/bin/chromium \
         (or $CHROMIUM): install Debian's package with `apt-get install -y chromium` \
         (.ci/run does this)"
    );
}

/// Runs headless chromium with a fresh profile and no network features, killing it after
/// `limit`; returns stdout.
fn run_chromium(extra: &[String], url: &str, limit: Duration) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .env("HOME", profile.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).expect("chromium stdout");
        out
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            let out = reader.join().expect("reader");
            assert!(
                status.success() || !out.is_empty(),
                "chromium failed on {url}: {status}"
            );
            return out;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url} within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The DOM of `url` after its scripts ran (virtual time lets the async checks finish).
fn dom(url: &str) -> String {
    run_chromium(
        &[
            "--dump-dom".to_string(),
            "--virtual-time-budget=30000".to_string(),
        ],
        url,
        Duration::from_secs(120),
    )
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `ok`, `bad` or `` for the check mark inside the element with this id.
fn mark_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id} in the page"));
    let rest = &dom[at..];
    let m = rest
        .find("class=\"mark")
        .unwrap_or_else(|| panic!("no mark in {id}"));
    let class = &rest[m + "class=\"".len()..];
    let class = &class[..class.find('"').expect("end of class")];
    class.strip_prefix("mark").unwrap_or(class).trim()
}

/// The summary paragraph's attributes and text.
struct Summary {
    total: usize,
    ok: usize,
    failed: usize,
    ms: u64,
    text: String,
}

fn summary(dom: &str) -> Summary {
    let at = dom.find("id=\"verify-summary\"").expect("summary present");
    let tag_end = at + dom[at..].find('>').expect("end of tag");
    let tag = &dom[at..tag_end];
    let attr = |name: &str| -> u64 {
        let key = format!("data-{name}=\"");
        let i = tag
            .find(&key)
            .unwrap_or_else(|| panic!("summary has no {key}: the script did not finish: {tag}"));
        let v = &tag[i + key.len()..];
        v[..v.find('"').expect("end")].parse().expect("number")
    };
    let text_end = tag_end + dom[tag_end..].find("</p>").expect("end of summary");
    Summary {
        total: attr("total") as usize,
        ok: attr("ok") as usize,
        failed: attr("failed") as usize,
        ms: attr("ms"),
        text: dom[tag_end + 1..text_end].to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny static file server on 127.0.0.1 (std only), as any static host serves the site
// ---------------------------------------------------------------------------------------------

struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn serve(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            // Bounded: a test makes a handful of requests.
            for stream in listener.incoming().take(500) {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let _ = answer(stream, &root);
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let path = request
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let mut file = root.join(&path);
    if path.split('/').any(|p| p == "..") {
        file = root.join("missing");
    }
    if file.is_dir() {
        file = file.join("index.html");
    }
    let mut out = stream;
    match std::fs::read(&file) {
        Ok(body) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body)?;
        }
        Err(_) => {
            write!(
                out,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
        }
    }
    out.flush()
}

// ---------------------------------------------------------------------------------------------
// Ledgers and sites
// ---------------------------------------------------------------------------------------------

/// The demo ledger and its published site (`site/`).
fn demo_site(w: &World) -> PathBuf {
    w.ok(&["demo", "--dir", s(w.path())]);
    let site = w.path().join("site");
    let out = w.ok(&[
        "publish",
        "--out",
        s(&site),
        "--clone-url",
        "https://git.example.org/icc.git",
    ]);
    assert!(out.contains("Published 1 statement"), "{out}");
    site
}

fn page(site: &Path, stmt: &str) -> String {
    std::fs::read_to_string(site.join(stmt).join("index.html")).expect("page written")
}

fn data_of(site: &Path, stmt: &str) -> StatementData {
    let bytes = std::fs::read(site.join(stmt).join("statement.json")).expect("statement.json");
    serde_json::from_slice(&bytes).expect("statement.json reads back as StatementData")
}

const DATA_OPEN: &str = "<script type=\"application/json\" id=\"undersigned-data\">";

/// The JSON embedded in a page.
fn embedded(html: &str) -> Value {
    let at = html.find(DATA_OPEN).expect("data block") + DATA_OPEN.len();
    let end = at + html[at..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[at..end]).expect("embedded JSON parses")
}

/// The page with its embedded JSON replaced by `data` (escaped as publish escapes it).
fn with_embedded(html: &str, data: &Value) -> String {
    let at = html.find(DATA_OPEN).expect("data block") + DATA_OPEN.len();
    let end = at + html[at..].find("</script>").expect("end of data block");
    format!("{}{}{}", &html[..at], json_for_script(data), &html[end..])
}

/// The armored SSHSIG with one byte of the ed25519 signature itself flipped.
fn flip_signature_byte(armored: &str) -> String {
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let mut blob = base64ct::Base64::decode_vec(&body).expect("base64");
    let at = blob.len() - 20; // inside the 64 signature bytes at the end of the blob
    blob[at] ^= 0x01;
    let b64 = base64ct::Base64::encode_string(&blob);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----",
        lines.join("\n")
    )
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

// ---------------------------------------------------------------------------------------------
// The generated files
// ---------------------------------------------------------------------------------------------

#[test]
fn publish_writes_every_entry_the_count_warning_history_and_machine_data() {
    let w = World::new();
    let site = demo_site(&w);
    let d = data_of(&site, DEMO);
    assert_eq!(d.format, "undersigned-statement/2");
    assert_eq!(d.current_version, 2);
    assert_eq!(d.versions.len(), 2);
    assert_eq!(d.signatories.len(), 22);
    assert_eq!(d.stale.len(), 6);
    assert_eq!(d.withdrawn.len(), 1);
    assert_eq!(d.claimed_signatories, Some(28));
    assert_eq!(
        d.ledger.clone_url.as_deref(),
        Some("https://git.example.org/icc.git")
    );
    let v = w.json(&["verify"]);
    assert_eq!(d.ledger.id, v["ledger_id"].as_str().expect("id"));
    assert_eq!(d.ledger.head, v["head"].as_str().expect("head"));
    for (i, e) in d.signatories.iter().enumerate() {
        assert_eq!(e.n, i + 1);
        assert_eq!(e.record.version, Some(2));
        assert_eq!(e.record.org.as_deref(), Some(e.org.as_str()));
        assert!(d.key(&e.record.key).is_some(), "key of {}", e.org);
    }
    assert!(d.stale.iter().all(|e| e.record.version == Some(1)));
    assert_eq!(
        d.withdrawn[0].record.reason.as_deref(),
        Some("Our board did not approve the revised text")
    );
    // The signatories are `show`'s list, in its order.
    let show = w.json(&["show", DEMO]);
    let orgs: Vec<&str> = show["signatories"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| x["org"].as_str().expect("org"))
        .collect();
    assert_eq!(
        orgs,
        d.signatories
            .iter()
            .map(|e| e.org.as_str())
            .collect::<Vec<_>>()
    );
    // Every record on the page is the record in the ledger, byte for byte once encoded.
    for e in d.signatories.iter().chain(&d.stale).chain(&d.withdrawn) {
        let stored = w.git_ok(&["show", &format!("HEAD:{}", e.path)]);
        let rec: ActRecord = serde_json::from_str(&stored).expect("record");
        assert_eq!(rec, e.record, "{}", e.path);
    }

    let html = page(&site, DEMO);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for e in &d.signatories {
        assert!(
            html.contains(&format!("id=\"sig-{}\"", e.n)),
            "entry {}",
            e.n
        );
        assert!(html.contains(&e.record.key), "fingerprint of {}", e.org);
        assert!(html.contains(&e.commit), "commit of {}", e.org);
    }
    assert_eq!(count(&html, "class=\"entry\""), 29);
    assert!(html.contains("Signatories (22)"));
    assert!(html.contains("Endorsing an earlier version only (6)"));
    assert!(html.contains("Withdrawn (1)"));
    assert!(html.contains("“Our board did not approve the revised text”"));
    assert!(html.contains(
        "<strong>Warning:</strong> the text says it speaks for 28 organizations, but 22 organizations endorse this version."
    ));
    assert!(
        html.contains("recorded by the coordinator (Coalition coordinator) from evidence (sha256 ")
    );
    assert!(html.contains("signed with its own key"));
    assert!(html.contains("endorses version 1 only"));
    // The version history: the one-word revision as a word diff, with the editor's note.
    assert!(html.contains("<del>for</del><ins>of</ins>"), "word diff");
    assert!(html.contains("Note: Grammar: &#34;a consequence of implementing&#34; in paragraph 2"));
    assert!(html.contains("Version 2 (current)"));
    assert!(html.contains("First version."));
    // How to verify: the ledger id, head, clone URL, both ways.
    assert!(html.contains(&format!(
        "undersigned clone https://git.example.org/icc.git ledger --trust {}",
        d.ledger.id
    )));
    assert!(html.contains("scripts/audit-with-stock-tools.sh ledger"));
    assert!(html.contains(&d.ledger.head));
    // The exact text, with its sha256.
    let current = d.current().expect("current");
    assert!(html.contains(&format!(
        "<code id=\"text-sha256\">{}</code>",
        current.text_sha256
    )));
    assert_eq!(
        undersigned::record::sha256_hex(current.text.as_bytes()),
        current.text_sha256
    );
    // The page embeds exactly statement.json's data.
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(site.join(DEMO).join("statement.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(embedded(&html), json);
    // Nothing from elsewhere: no external script, style, font, image or frame.
    for banned in [
        "src=",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "<img",
        "https://fonts",
    ] {
        assert!(!html.contains(banned), "page loads something: {banned}");
    }
    assert!(html.contains("default-src 'none'; script-src 'sha256-"));

    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(index.contains(&format!("href=\"{DEMO}/index.html\"")));
    assert!(index.contains("22 signatories"));
    assert!(index.contains("warning: the text claims another number of signatories"));
}

#[test]
fn every_ledger_string_is_escaped_in_the_page_and_its_json() {
    let w = World::new();
    w.init();
    let e = w.key_arg("editor");
    // Names are one line without angle brackets or invisible characters (the rules refuse
    // those); quotes and ampersands remain, and markup goes into the title, a revision note,
    // the URL and the text, which may hold it.
    w.ok(&[
        "org",
        "add",
        "bad",
        "--name",
        "Fish & \"Chips\" 'Org'",
        "--url",
        "https://example.org/?a=1&b=<2>",
        "--country",
        "FR",
        "--key",
        &e,
    ]);
    let sep = w.ssh_keygen("sep");
    w.ok(&[
        "org",
        "add",
        "sep",
        "--name",
        "End & \"quotes\" 'too'",
        "--pubkey",
        &format!("{}.pub", sep.display()),
        "--key",
        &e,
    ]);
    let text = w.write_file(
        "t.txt",
        "We, 3 organizations, say </script><script>alert(2)</script> & <!-- more -->\n",
    );
    w.ok(&[
        "statement",
        "new",
        "esc",
        "--title",
        "Title </script><script>alert(3)</script>",
        "--text",
        &text,
        "--key",
        &e,
    ]);
    let text2 = w.write_file(
        "t2.txt",
        "We, 3 organizations, say\u{2028}</script><script>alert(2)</script> & <!-- more -->\u{2029}\n",
    );
    w.ok(&[
        "statement",
        "revise",
        "esc",
        "--note",
        "<script>alert(1)</script>",
        "--text",
        &text2,
        "--key",
        &e,
    ]);
    let evidence = w.write_file("bad.eml", "We agree.\n");
    w.ok(&[
        "attest",
        "esc",
        "--org",
        "bad",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]);
    w.ok(&["sign", "esc", "--org", "sep", "--key", &w.key_arg("sep")]);
    let site = w.path().join("site");
    w.ok(&["publish", "--out", s(&site)]);
    let html = page(&site, "esc");
    // Two script elements: the data block and the verifier; nothing from the ledger adds one.
    assert_eq!(count(&html, "<script"), 2, "{html}");
    assert_eq!(count(&html, "</script>"), 2);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<!-- more"));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(html.contains(
        "<title>Title &#60;/script&#62;&#60;script&#62;alert(3)&#60;/script&#62;</title>"
    ));
    assert!(html.contains("href=\"https://example.org/?a=1&#38;b=&#60;2&#62;\""));
    assert!(html.contains("<span class=\"country\">(FR)</span>"));
    // The warning: the text claims 3, two signed.
    assert!(html.contains("speaks for 3 organizations, but 2 organizations endorse"));
    // Inside the JSON: no <, >, & or raw U+2028/9, and the values come back exactly.
    let at = html.find(DATA_OPEN).expect("data") + DATA_OPEN.len();
    let block = &html[at..at + html[at..].find("</script>").expect("end")];
    for c in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
        assert!(!block.contains(c), "raw {c:?} in the embedded JSON");
    }
    let data: StatementData = serde_json::from_str(block).expect("embedded JSON reads back");
    assert_eq!(data, data_of(&site, "esc"));
    let names: Vec<&str> = data.signatories.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"Fish & \"Chips\" 'Org'"));
    assert!(names.contains(&"End & \"quotes\" 'too'"));

    // In the browser: the names are text, the script still runs and checks both signatures.
    let dom = dom(&file_url(&site.join("esc").join("index.html")));
    let sum = summary(&dom);
    assert_eq!((sum.total, sum.ok, sum.failed), (2, 2, 0), "{}", sum.text);
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!dom.contains("<script>alert"));
}

#[test]
fn show_formats_for_pasting_and_the_added_plain_lines() {
    let w = World::new();
    w.ok(&["demo", "--dir", s(w.path())]);
    let v = w.json(&["verify"]);
    let id = v["ledger_id"].as_str().expect("id").to_string();
    let head = v["head"].as_str().expect("head").to_string();

    let plain = w.ok(&["show", DEMO]);
    assert!(
        plain.contains("Endorsed by 22 organizations (version 2"),
        "{plain}"
    );
    assert!(
        plain.contains(&format!("Ledger: {id} at head {head}\n")),
        "{plain}"
    );
    assert!(
        plain.contains("Statement: JOINT NGO STATEMENT ON COOPERATION"),
        "{plain}"
    );
    assert!(
        plain.contains("WARNING: the text says it speaks for 28 organizations, but 22"),
        "{plain}"
    );

    let md = w.ok(&["show", DEMO, "--format", "markdown"]);
    assert!(md.starts_with("## JOINT NGO STATEMENT"), "{md}");
    assert!(
        md.contains("**Endorsed by 22 organizations** (version 2"),
        "{md}"
    );
    assert!(
        md.contains("\n1. Afghanistan Transitional Justice Coordination Group\n"),
        "{md}"
    );
    assert!(md.contains("\n22. "), "{md}");
    assert!(!md.contains("\n23. "), "{md}");
    assert!(md.contains(" \\*\n"), "attested marked: {md}");
    assert!(
        md.contains("**Warning:** the text says it speaks for 28"),
        "{md}"
    );
    assert!(md.contains(&id));

    let html = w.ok(&["show", DEMO, "--format", "html"]);
    assert!(
        html.starts_with("<section class=\"undersigned-statement\">"),
        "{html}"
    );
    assert_eq!(count(&html, "<li>"), 22);
    assert!(html.contains("Endorsed by 22 organizations"));
    assert!(html.contains(&id));

    // An older version, as pasted: its own list.
    let md1 = w.ok(&["show", DEMO, "--version", "1", "--format", "markdown"]);
    assert!(md1.contains("version 1,"), "{md1}");
    // --json is JSON whatever the format.
    let j = w.json(&["show", DEMO, "--format", "markdown"]);
    assert_eq!(j["count"], 22);
}

#[test]
fn publish_names_statements_replaces_its_own_files_and_refuses_others() {
    let w = World::new();
    w.standard();
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    let e = w.key_arg("editor");
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
    let site = w.path().join("site");
    w.ok(&["publish", "--out", s(&site), "icc"]);
    assert!(site.join("icc").join("index.html").is_file());
    assert!(!site.join("other").exists(), "only the named statement");
    // Again, everything: publish replaces what it wrote.
    let out = w.json(&["publish", "--out", s(&site)]);
    assert_eq!(out["statements"].as_array().expect("list").len(), 2);
    assert!(site.join("other").join("statement.json").is_file());

    // Unknown statement: exit 2, naming the known ones.
    let out = w.run(&["publish", "--out", s(&site), "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        crate::common::stderr(&out).contains("statements here: icc, other"),
        "{}",
        said(&out)
    );

    // Someone else's index.html is never overwritten.
    let foreign = w.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("dir");
    std::fs::write(foreign.join("index.html"), "<html>our homepage</html>").expect("write");
    let out = w.run(&["publish", "--out", s(&foreign)]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("was not written by publish")
            && err.contains("choose another --out directory"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("index.html")).expect("read"),
        "<html>our homepage</html>"
    );

    // A ledger that does not verify is not published (exit 1).
    let unsigned = w.git(&[
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@example.org",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--allow-empty",
        "-q",
        "-m",
        "unsigned",
    ]);
    assert!(unsigned.status.success(), "{}", said(&unsigned));
    let fresh = w.path().join("fresh");
    let out = w.run(&["publish", "--out", s(&fresh)]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("publish refuses to vouch for it")
            && err.contains("run `undersigned verify` to see why"),
        "{err}"
    );
    assert!(!fresh.exists(), "nothing written");
}

// ---------------------------------------------------------------------------------------------
// In the browser
// ---------------------------------------------------------------------------------------------

fn assert_all_verified(dom: &str, n: usize, how: &str) {
    let sum = summary(dom);
    assert_eq!(
        (sum.total, sum.ok, sum.failed),
        (n, n, 0),
        "{how}: {}",
        sum.text
    );
    assert!(
        sum.text.starts_with(&format!("✓ {n} of {n} signatures"))
            && sum.text.contains("checked in your browser"),
        "{how}: {}",
        sum.text
    );
    assert_eq!(count(dom, "class=\"mark ok\""), n, "{how}");
    assert_eq!(count(dom, "class=\"mark bad\""), 0, "{how}");
    assert!(dom.contains("class=\"text-check ok\""), "{how}: text hash");
}

#[test]
fn browser_checks_every_signature_from_file_and_from_http() {
    let w = World::new();
    let site = demo_site(&w);
    let path = site.join(DEMO).join("index.html");

    let from_file = dom(&file_url(&path));
    assert_all_verified(&from_file, 29, "file://");
    // Virtual time: a bound on the script's own pauses, not a benchmark.
    assert!(summary(&from_file)
        .text
        .starts_with("✓ 29 of 29 signatures checked in your browser"));
    let ms = summary(&from_file).ms;
    assert!(
        ms < 10_000,
        "checking 29 signatures took {ms} ms of page time"
    );
    for n in 1..=22 {
        assert_eq!(mark_of(&from_file, &format!("sig-{n}")), "ok");
    }
    for n in 1..=6 {
        assert_eq!(mark_of(&from_file, &format!("stale-{n}")), "ok");
    }
    assert_eq!(mark_of(&from_file, "wd-1"), "ok");

    let server = Server::serve(&site);
    let from_http = dom(&server.url(&format!("{DEMO}/index.html")));
    assert_all_verified(&from_http, 29, "http://127.0.0.1");
    let index = dom(&server.url(""));
    assert!(
        index.contains("<h1>ICC cooperation statement (demo)</h1>"),
        "{index}"
    );
    assert!(index.contains(&format!("href=\"{DEMO}/index.html\"")));
    drop(server);

    // The screenshot the README shows (and a person looks at).
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let shot = target.join("publish-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
            "--virtual-time-budget=30000".to_string(),
        ],
        &file_url(&path),
        Duration::from_secs(120),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    assert!(
        png.len() > 20_000,
        "the screenshot shows a page: {} bytes",
        png.len()
    );
}

#[test]
fn browser_marks_a_flipped_signature_byte_on_exactly_that_entry() {
    let w = World::new();
    let site = demo_site(&w);
    let html = page(&site, DEMO);
    let mut data = embedded(&html);
    let sig = data["signatories"][4]["record"]["signature"]
        .as_str()
        .expect("signature")
        .to_string();
    data["signatories"][4]["record"]["signature"] = Value::String(flip_signature_byte(&sig));
    let broken = site.join(DEMO).join("flipped.html");
    std::fs::write(&broken, with_embedded(&html, &data)).expect("write");

    let dom = dom(&file_url(&broken));
    let sum = summary(&dom);
    assert_eq!((sum.total, sum.ok, sum.failed), (29, 28, 1), "{}", sum.text);
    assert!(sum.text.contains("28 of 29 signatures"), "{}", sum.text);
    assert!(sum.text.contains("1 FAILED"), "{}", sum.text);
    let name = data["signatories"][4]["name"].as_str().expect("name");
    assert!(
        sum.text.contains(name),
        "the summary names it: {}",
        sum.text
    );
    assert_eq!(mark_of(&dom, "sig-5"), "bad");
    for n in (1..=22).filter(|n| *n != 5) {
        assert_eq!(mark_of(&dom, &format!("sig-{n}")), "ok", "sig-{n}");
    }
    assert_eq!(count(&dom, "class=\"mark bad\""), 1);
    assert!(dom.contains("Check failed: the signature does not match the record."));
    // The text itself is still fine.
    assert!(dom.contains("class=\"text-check ok\""));
}

#[test]
fn browser_shows_a_changed_text_as_a_hash_mismatch() {
    let w = World::new();
    let site = demo_site(&w);
    let html = page(&site, DEMO);

    // The embedded text of the current version changed: its hash no longer matches, and no
    // endorsement of that version can be vouched for.
    let mut data = embedded(&html);
    let text = data["versions"][1]["text"]
        .as_str()
        .expect("text")
        .to_string();
    data["versions"][1]["text"] = Value::String(text.replace("On behalf of 28", "On behalf of 22"));
    let changed = site.join(DEMO).join("changed.html");
    std::fs::write(&changed, with_embedded(&html, &data)).expect("write");
    let dom_changed = dom(&file_url(&changed));
    assert!(
        dom_changed.contains("class=\"text-check bad\""),
        "text mismatch shown"
    );
    assert!(dom_changed.contains("MISMATCH"));
    let sum = summary(&dom_changed);
    assert_eq!((sum.total, sum.failed), (29, 22), "{}", sum.text);
    assert!(
        sum.text.contains("does not match its sha256"),
        "{}",
        sum.text
    );
    assert_eq!(mark_of(&dom_changed, "sig-1"), "bad");
    assert_eq!(
        mark_of(&dom_changed, "stale-1"),
        "ok",
        "version 1 is untouched"
    );

    // The visible text changed but not the data: what the reader reads is checked too.
    let visible = html.replacen(
        "On behalf of 28 organizations",
        "On behalf of 30 organizations",
        1,
    );
    assert_ne!(visible, html);
    let shown = site.join(DEMO).join("shown.html");
    std::fs::write(&shown, visible).expect("write");
    let dom_shown = dom(&file_url(&shown));
    assert!(dom_shown.contains("class=\"text-check bad\""));
    let sum = summary(&dom_shown);
    assert!(
        sum.text.contains("does not match its sha256"),
        "{}",
        sum.text
    );
}

#[test]
fn browser_without_ed25519_says_so_and_points_to_the_cli() {
    let w = World::new();
    let site = demo_site(&w);
    let html = page(&site, DEMO);
    // No CSP here, and WebCrypto taken away before the page's script runs.
    let csp_at = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("csp");
    let csp_end = csp_at + html[csp_at..].find('>').expect("end") + 1;
    let stripped = format!(
        "{}<script>Object.defineProperty(globalThis, 'crypto', {{ value: {{}} }});</script>{}",
        &html[..csp_at],
        &html[csp_end..]
    );
    let p = site.join(DEMO).join("no-crypto.html");
    std::fs::write(&p, stripped).expect("write");
    let dom = dom(&file_url(&p));
    assert!(
        dom.contains("Your browser cannot check Ed25519 signatures"),
        "{}",
        &dom[dom.find("verify-summary").unwrap_or(0)..][..400]
    );
    assert!(dom.contains("class=\"verify unknown\""));
}

/// Records for the payload test: the demo's (signed, attested, withdrawal with a reason) and
/// some made up for the payload's optional lines and non-ASCII text.
fn payload_records(d: &StatementData) -> Vec<ActRecord> {
    let mut out: Vec<ActRecord> = d
        .signatories
        .iter()
        .chain(&d.stale)
        .chain(&d.withdrawn)
        .map(|e| e.record.clone())
        .collect();
    let mut w = d.withdrawn[0].record.clone();
    w.reason = Some("Décision du conseil — « non » 😀 \\ \" ' <tag> &amp;".into());
    out.push(w);
    let mut a = d.signatories[0].record.clone();
    a.provenance = undersigned::record::Provenance::Attested;
    a.evidence_sha256 = Some("e".repeat(64));
    a.signer = "editor/coordinator".into();
    a.version = Some(12345);
    out.push(a);
    let mut bare = d.withdrawn[0].record.clone();
    bare.reason = None;
    out.push(bare);
    // An individual's endorsement of a version in two languages (format 2's lines).
    let mut p = d.signatories[0].record.clone();
    p.org = None;
    p.person = Some("ada".into());
    p.signer = "person/ada".into();
    p.texts = vec![
        undersigned::record::TextRef {
            lang: "en".into(),
            text_sha256: "a".repeat(64),
        },
        undersigned::record::TextRef {
            lang: "pt-br".into(),
            text_sha256: "b".repeat(64),
        },
    ];
    out.push(p);
    out
}

/// A ledger with an organization and two individuals endorsing a statement published in
/// English and French, and its site.
fn people_site(w: &World) -> PathBuf {
    w.init();
    let e = w.key_arg("editor");
    for (kind, id, name) in [
        ("org", "hrw", "Human Rights Watch"),
        ("person", "ada", "Ada <Lovelace>"),
        ("person", "bob", "Bob Smith"),
    ] {
        let k = w.ssh_keygen(id);
        let pubkey = format!("{}.pub", k.display());
        let mut args = vec![kind, "add", id, "--name", name, "--pubkey", &pubkey];
        if id == "ada" {
            args.extend(["--affiliation", "University of <London>", "--country", "GB"]);
        }
        args.extend(["--key", &e]);
        let out = w.run(&args);
        if id == "ada" {
            // A name holds no < or >: git refuses them in a commit's author.
            assert_eq!(crate::common::code(&out), 2);
            args[4] = "Ada Lovelace";
            w.ok(&args);
        } else {
            assert!(out.status.success(), "{}", crate::common::said(&out));
        }
    }
    let en = w.write_file("en.txt", "On behalf of 1 organization and 2 individuals.\n");
    let fr = w.write_file("fr.txt", "Au nom d'une organisation & de 2 <individus>.\n");
    w.ok(&[
        "statement",
        "new",
        "icc",
        "--title",
        "ICC",
        "--text",
        &en,
        "--lang",
        "en",
        "--text",
        &fr,
        "--lang",
        "fr",
        "--key",
        &e,
    ]);
    for (flag, id) in [("--org", "hrw"), ("--person", "ada"), ("--person", "bob")] {
        w.ok(&["sign", "icc", flag, id, "--key", &w.key_arg(id), "--yes"]);
    }
    let site = w.path().join("site");
    w.ok(&["publish", "--out", s(&site)]);
    site
}

#[test]
fn browser_checks_individuals_and_every_language_of_the_text() {
    let w = World::new();
    let site = people_site(&w);
    let d = data_of(&site, "icc");
    assert_eq!(d.format, "undersigned-statement/2");
    assert_eq!((d.signatories.len(), d.individuals.len()), (1, 2));
    assert_eq!(d.individuals[0].kind, undersigned::record::Kind::Person);
    assert_eq!(d.versions[0].translations[0].lang, "fr");
    assert_eq!((d.counts.organizations, d.counts.individuals), (1, 2));
    let html = page(&site, "icc");
    assert!(
        html.contains("id=\"h-individuals\">Individuals (2)"),
        "{html}"
    );
    assert!(html.contains("for identification only"));
    assert!(
        html.contains("University of &lt;London&gt;")
            || html.contains("University of &#60;London&#62;"),
        "the affiliation escaped"
    );
    assert!(html.contains("href=\"#text-fr\""), "the language switcher");
    assert!(html.contains("id=\"text-fr\" lang=\"fr\""));
    assert!(!html.contains("<individus>"), "the translation escaped");
    let from_file = dom(&file_url(&site.join("icc").join("index.html")));
    assert_all_verified(&from_file, 3, "people");
    assert_eq!(mark_of(&from_file, "ind-1"), "ok");
    assert_eq!(mark_of(&from_file, "ind-2"), "ok");
    // A translation changed in the page: the hash no longer matches and every endorsement of
    // the version, which signs it too, fails.
    let mut data = embedded(&html);
    data["versions"][0]["translations"][0]["text"] = Value::from("Un autre texte.\n");
    let bad = w.path().join("bad.html");
    std::fs::write(&bad, with_embedded(&html, &data)).expect("write");
    let shown = dom(&file_url(&bad));
    assert!(
        shown.contains("class=\"text-check bad\""),
        "{}",
        summary(&shown).text
    );
    assert_eq!(summary(&shown).failed, 3, "{}", summary(&shown).text);
    // A record that leaves out the French text: that entry alone fails.
    let mut data = embedded(&html);
    let texts = data["individuals"][0]["record"]["texts"]
        .as_array_mut()
        .expect("texts");
    texts.pop();
    let bad = w.path().join("bad2.html");
    std::fs::write(&bad, with_embedded(&html, &data)).expect("write");
    let shown = dom(&file_url(&bad));
    assert_eq!(mark_of(&shown, "ind-1"), "bad");
    assert_eq!(mark_of(&shown, "ind-2"), "ok");
    assert_eq!(mark_of(&shown, "sig-1"), "ok");
}

#[test]
fn javascript_payload_and_sshsig_data_equal_the_rust_ones() {
    let w = World::new();
    let site = demo_site(&w);
    let d = data_of(&site, DEMO);
    let records = payload_records(&d);
    let harness = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><pre id=\"out\"></pre>\
         <script>{js}</script>\
         <script type=\"application/json\" id=\"records\">{data}</script>\
         <script>\
         (async () => {{\
           const records = JSON.parse(document.getElementById('records').textContent);\
           const out = [];\
           for (const r of records) {{\
             const payload = Undersigned.actPayload(r);\
             const digest = await crypto.subtle.digest('SHA-512', payload);\
             const sig = Undersigned.parseSshsig(r.signature);\
             out.push({{ payload: Undersigned.hex(payload), signed: Undersigned.hex(Undersigned.signedData('undersigned', 'sha512', digest)), namespace: sig.namespace, hash: sig.hashAlg, key: Undersigned.hex(sig.publicKey) }});\
           }}\
           document.getElementById('out').textContent = JSON.stringify(out);\
         }})();\
         </script></body></html>",
        js = undersigned::publish::html::VERIFY_JS,
        data = json_for_script(&records),
    );
    let p = w.path().join("harness.html");
    std::fs::write(&p, harness).expect("write");
    let dom = dom(&file_url(&p));
    let at = dom.find("<pre id=\"out\">").expect("out") + "<pre id=\"out\">".len();
    let end = at + dom[at..].find("</pre>").expect("end");
    let text = dom[at..end].replace("&quot;", "\"").replace("&amp;", "&");
    let got: Vec<Value> = serde_json::from_str(&text).expect("harness output is JSON");
    assert_eq!(got.len(), records.len());
    for (r, js) in records.iter().zip(&got) {
        let payload = undersigned::signed_data::act_payload(r);
        assert_eq!(
            js["payload"].as_str(),
            Some(undersigned::record::hex(&payload).as_str()),
            "payload of {r:?}:\nrust: {}",
            String::from_utf8_lossy(&payload)
        );
        let signed =
            ssh_key::SshSig::signed_data("undersigned", ssh_key::HashAlg::Sha512, &payload)
                .expect("signed data");
        assert_eq!(
            js["signed"].as_str(),
            Some(undersigned::record::hex(&signed).as_str()),
            "SSHSIG signed data of {}",
            r.signatory_name()
        );
        assert_eq!(js["namespace"], "undersigned");
        assert_eq!(js["hash"], "sha512");
    }
}

#[test]
fn browser_enforces_the_pages_content_security_policy_from_file() {
    let w = World::new();
    let site = demo_site(&w);
    let html = page(&site, DEMO);
    // A script the page's policy does not name by its hash must not run; the page's own does.
    let injected = html.replace(
        "</body>",
        "<script>document.body.setAttribute('data-injected', 'ran');</script></body>",
    );
    let p = site.join(DEMO).join("injected.html");
    std::fs::write(&p, injected).expect("write");
    let blocked = dom(&file_url(&p));
    assert!(
        !blocked.contains("data-injected=\"ran\""),
        "an inline script outside the policy ran"
    );
    assert_all_verified(&blocked, 29, "with an injected script");
    // The control: without the policy the same script runs.
    let csp_at = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("csp");
    let csp_end = csp_at + html[csp_at..].find('>').expect("end") + 1;
    let open = format!("{}{}", &html[..csp_at], &html[csp_end..]).replace(
        "</body>",
        "<script>document.body.setAttribute('data-injected', 'ran');</script></body>",
    );
    let p = site.join(DEMO).join("open.html");
    std::fs::write(&p, open).expect("write");
    assert!(dom(&file_url(&p)).contains("data-injected=\"ran\""));
}

#[test]
fn a_long_list_is_split_over_pages_that_each_check_their_own() {
    let w = World::new();
    w.ok(&["demo", "--dir", s(w.path())]);
    let site = w.path().join("site");
    w.ok(&["publish", "--out", s(&site), "--per-page", "10"]);
    let dir = site.join(DEMO);
    let whole = data_of(&site, DEMO);
    assert_eq!(
        whole.signatories.len(),
        22,
        "statement.json holds every entry"
    );
    assert!(whole.part.is_none());
    let mut seen = Vec::new();
    for (page, expect) in [("index.html", 10), ("page-2.html", 10), ("page-3.html", 9)] {
        let html = std::fs::read_to_string(dir.join(page)).expect("page");
        let data: StatementData =
            serde_json::from_value(embedded(&html)).expect("embedded data reads back");
        let part = data.part.clone().expect("a part of the lists");
        assert_eq!(
            (part.pages, part.signatories, part.stale, part.withdrawn),
            (3, 22, 6, 1)
        );
        let n = data.signatories.len() + data.stale.len() + data.withdrawn.len();
        assert_eq!(n, expect, "{page}");
        seen.extend(data.signatories.iter().map(|e| e.n));
        // Only the text's page shows it; every page checks it by its hash.
        assert_eq!(
            html.contains("<div class=\"text\" id=\"text\">"),
            page == "index.html"
        );
        let dom = dom(&file_url(&dir.join(page)));
        assert_all_verified(&dom, expect, page);
        assert!(
            summary(&dom)
                .text
                .contains(&format!("(page {} of 3)", part.page)),
            "{page}"
        );
    }
    assert_eq!(
        seen,
        (1..=22).collect::<Vec<_>>(),
        "each signatory once, in order"
    );
    let third = std::fs::read_to_string(dir.join("page-3.html")).expect("page 3");
    assert!(third.contains("<ol class=\"entries\" start=\"21\">"));
    assert!(third.contains("Signatories (22): 21–22 on this page"));

    // Fewer pages next time: the old ones go, they would show old entries.
    w.ok(&["publish", "--out", s(&site), "--per-page", "20"]);
    assert!(dir.join("page-2.html").is_file());
    assert!(!dir.join("page-3.html").exists());
    w.ok(&["publish", "--out", s(&site)]);
    assert!(!dir.join("page-2.html").exists());
}

#[test]
fn the_site_is_a_function_of_the_ledger_head_and_source_date_epoch() {
    let w = World::new();
    w.ok(&["demo", "--dir", s(w.path())]);
    let run = |out: &str| {
        let o = w
            .cmd()
            .env("SOURCE_DATE_EPOCH", "1800000000")
            .args(["publish", "--out", out])
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", said(&o));
    };
    let (a, b) = (w.path().join("a"), w.path().join("b"));
    run(s(&a));
    run(s(&b));
    for f in [
        "index.html",
        "icc-cooperation/index.html",
        "icc-cooperation/statement.json",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).expect("a"),
            std::fs::read(b.join(f)).expect("b"),
            "{f}"
        );
    }
    assert_eq!(data_of(&a, DEMO).generated_at, "2027-01-15T08:00:00.000Z");
}

// ---------------------------------------------------------------------------------------------
// The transparency log on the page
// ---------------------------------------------------------------------------------------------

/// `log`, `bad` or `` for the log mark inside the element with this id.
fn log_mark_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id} in the page"));
    let rest = &dom[at..];
    let end = rest.find("</li>").unwrap_or(rest.len());
    let rest = &rest[..end];
    let Some(m) = rest.find("class=\"logmark") else {
        return "";
    };
    let class = &rest[m + "class=\"".len()..];
    let class = &class[..class.find('"').expect("end of class")];
    class.strip_prefix("logmark").unwrap_or(class).trim()
}

/// The log summary's attribute `name`.
fn log_attr(dom: &str, name: &str) -> String {
    let at = dom.find("id=\"log-summary\"").expect("log summary");
    let rest = &dom[at..];
    let rest = &rest[..rest.find('>').expect("end of tag")];
    let key = format!("data-{name}=\"");
    let v = &rest[rest
        .find(&key)
        .unwrap_or_else(|| panic!("no {key} in {rest}"))
        + key.len()..];
    v[..v.find('"').expect("end of value")].to_string()
}

/// The demo with a checkpoint cosigned by one witness, published.
fn demo_site_with_log(w: &World) -> PathBuf {
    w.ok(&["demo", "--dir", s(w.path())]);
    let witness = "international-federation-of-human-rights";
    w.ok(&["checkpoint", "--key", s(&w.path().join("keys/coordinator"))]);
    w.ok(&[
        "witness",
        "cosign",
        "--org",
        witness,
        "--key",
        s(&w.path().join("keys").join(witness)),
    ]);
    let site = w.path().join("site");
    w.ok(&["publish", "--out", s(&site)]);
    site
}

/// `publish --checkpoint-key` signs and commits a checkpoint only when the log grew past the
/// latest one, so the page covers every entry; without the flag `publish` commits nothing.
#[test]
fn publish_with_a_checkpoint_key_signs_one_only_when_the_log_grew() {
    let w = World::new();
    w.ok(&["demo", "--dir", s(w.path())]);
    let editor = w.path().join("keys/coordinator");
    let site = w.path().join("site");
    let checkpoints = |w: &World| {
        w.git_ok(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/main",
            "log/checkpoints",
        ])
        .lines()
        .count()
    };
    let before = w.head();
    w.ok(&["publish", "--out", s(&site)]);
    assert_eq!(w.head(), before, "publish without the flag commits nothing");
    assert!(data_of(&site, DEMO).log.is_none(), "no checkpoint, no log");

    w.ok(&["publish", "--out", s(&site), "--checkpoint-key", s(&editor)]);
    assert_eq!(checkpoints(&w), 1, "the log grew: one checkpoint signed");
    let data = data_of(&site, DEMO);
    let log = data
        .log
        .as_ref()
        .expect("the page carries the new checkpoint");
    assert_eq!(log.seq, 1);
    let first_size = log.size;
    assert!(
        data.signatories.iter().all(|e| e.receipt.is_some()),
        "the checkpoint covers every entry"
    );
    let signed = w.head();
    w.ok(&["publish", "--out", s(&site), "--checkpoint-key", s(&editor)]);
    assert_eq!(
        w.head(),
        signed,
        "nothing new in the log: no second checkpoint"
    );

    w.ok(&[
        "org",
        "add",
        "newcomer",
        "--name",
        "A newcomer",
        "--key",
        s(&editor),
    ]);
    w.ok(&["publish", "--out", s(&site), "--checkpoint-key", s(&editor)]);
    assert_eq!(
        checkpoints(&w),
        2,
        "the log grew again: a second checkpoint"
    );
    let log = data_of(&site, DEMO).log.expect("the page carries it");
    assert_eq!(log.seq, 2);
    assert_eq!(
        log.size,
        first_size + 1,
        "the new checkpoint covers the one new act"
    );
    assert_eq!(code(&w.run(&["verify", "--full"])), 0);
}

#[test]
fn the_page_checks_the_checkpoint_and_each_entrys_inclusion_and_offers_its_receipt() {
    let w = World::new();
    let site = demo_site_with_log(&w);
    let html = page(&site, DEMO);
    let data = data_of(&site, DEMO);
    let log = data.log.as_ref().expect("the page carries the checkpoint");
    assert_eq!(log.witnesses.len(), 1);
    let id = w
        .git_ok(&["rev-list", "--max-parents=0", "refs/heads/main"])
        .trim()
        .to_string();
    // Every entry has its receipt as a file beside the page, which the CLI verifies offline.
    for e in data
        .signatories
        .iter()
        .chain(&data.stale)
        .chain(&data.withdrawn)
    {
        let r = e.receipt.as_ref().expect("each entry is in the checkpoint");
        let file = site.join(DEMO).join(&r.file);
        assert!(
            html.contains(&format!("href=\"{}\" download", r.file)),
            "{}",
            r.file
        );
        let out = w.run(&["--json", "receipt", "verify", s(&file), "--trust", &id]);
        assert_eq!(code(&out), 0, "{}: {}", r.file, said(&out));
    }
    let dom = dom(&file_url(&site.join(DEMO).join("index.html")));
    assert_eq!(log_attr(&dom, "checkpoint"), "ok", "{dom}");
    let n = data.signatories.len() + data.stale.len() + data.withdrawn.len();
    assert_eq!(log_attr(&dom, "included"), n.to_string());
    assert_eq!(log_attr(&dom, "failed"), "0");
    assert!(
        dom.contains("cosigned by 1 witness"),
        "the witness was checked"
    );
    for i in 1..=data.signatories.len() {
        assert_eq!(log_mark_of(&dom, &format!("sig-{i}")), "ok", "sig-{i}");
    }
    // The signatures' own check is unchanged.
    assert_eq!(summary(&dom).failed, 0);
}

#[test]
fn the_page_marks_a_flipped_inclusion_hash_and_a_damaged_checkpoint() {
    let w = World::new();
    let site = demo_site_with_log(&w);
    let html = page(&site, DEMO);
    let data = embedded(&html);
    // One hash of the third signatory's inclusion path flipped: exactly that entry fails.
    let mut one = data.clone();
    let h = one["signatories"][2]["receipt"]["path"][0]
        .as_str()
        .expect("path")
        .to_string();
    let mut raw = base64ct::Base64::decode_vec(&h).expect("base64");
    raw[0] ^= 1;
    one["signatories"][2]["receipt"]["path"][0] =
        Value::String(base64ct::Base64::encode_string(&raw));
    let broken = site.join(DEMO).join("flipped-path.html");
    std::fs::write(&broken, with_embedded(&html, &one)).expect("write");
    let shown = dom(&file_url(&broken));
    assert_eq!(log_attr(&shown, "checkpoint"), "ok");
    assert_eq!(log_attr(&shown, "failed"), "1", "{shown}");
    assert_eq!(log_mark_of(&shown, "sig-3"), "bad");
    assert_eq!(log_mark_of(&shown, "sig-2"), "ok");
    // A checkpoint whose root was changed fails as a whole, and every entry with it.
    let mut two = data.clone();
    let root = two["log"]["root"].as_str().expect("root").to_string();
    let mut raw = base64ct::Base64::decode_vec(&root).expect("base64");
    raw[5] ^= 1;
    two["log"]["root"] = Value::String(base64ct::Base64::encode_string(&raw));
    let broken = site.join(DEMO).join("flipped-root.html");
    std::fs::write(&broken, with_embedded(&html, &two)).expect("write");
    let shown = dom(&file_url(&broken));
    assert_eq!(log_attr(&shown, "checkpoint"), "bad", "{shown}");
    assert!(shown.contains("The checkpoint FAILED"));
    // A cosignature with one bit flipped: the witness is not counted, the checkpoint fails.
    let mut three = data;
    let note = three["log"]["checkpoint"]
        .as_str()
        .expect("note")
        .to_string();
    let last = note
        .trim_end()
        .rsplit('\n')
        .next()
        .expect("witness line")
        .to_string();
    let (name, sig) = last.rsplit_once(' ').expect("line");
    let mut raw = base64ct::Base64::decode_vec(sig).expect("base64");
    raw[40] ^= 1;
    let flipped = format!("{name} {}", base64ct::Base64::encode_string(&raw));
    three["log"]["checkpoint"] = Value::String(note.replace(&last, &flipped));
    let broken = site.join(DEMO).join("flipped-cosig.html");
    std::fs::write(&broken, with_embedded(&html, &three)).expect("write");
    let shown = dom(&file_url(&broken));
    assert_eq!(log_attr(&shown, "checkpoint"), "bad", "{shown}");
    assert!(shown.contains("does not verify"), "{shown}");
}
