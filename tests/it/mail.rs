//! Endorsement by mail: `request` → `sign --request` (on the organization's machine, no ledger)
//! → `accept`. Why these tests matter: an organization that never touches git still gets its
//! own signature on the ledger, so the flow must carry that signature intact (stock `ssh-keygen`
//! checks it, `verify` checks it, the commit is the editor's), and the coordinator's inbox is an
//! attack surface: a record for another ledger, for a text that is not the version's, a request
//! whose text was edited on the way, an unregistered organization, a key that is not the
//! organization's, altered signature bytes, a replay after a withdrawal and files that are not
//! records are each refused with exit 2, a message naming what is wrong, and the ledger left
//! exactly as it was.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A path in the world's `mail/` directory (what travels by e-mail).
fn mail(w: &World, name: &str) -> PathBuf {
    let d = w.path().join("mail");
    std::fs::create_dir_all(&d).expect("mail dir");
    d.join(name)
}

/// `undersigned request STMT [extra] -o FILE --key EDITOR` on the world's ledger; returns the
/// file.
fn request(w: &World, stmt: &str, extra: &[&str], name: &str) -> PathBuf {
    let out = mail(w, name);
    let editor = w.key_arg("editor");
    let mut args = vec!["--json", "request", stmt, "-o", s(&out), "--key", &editor];
    args.extend_from_slice(extra);
    let v: Value = serde_json::from_str(&w.ok(&args)).expect("JSON");
    assert_eq!(v["output"], s(&out), "{v}");
    out
}

/// `undersigned sign --request REQ --org ORG --key KEY -o OUT [extra]` as the organization
/// runs it: on its own machine, with no ledger (UNDERSIGNED_LEDGER names a directory that does
/// not exist) and no terminal.
fn sign_run(w: &World, req: &Path, org: &str, key: &str, out: &Path, extra: &[&str]) -> Output {
    let nowhere = w.path().join("no-ledger-here");
    let mut args = vec![
        "--json",
        "sign",
        "--request",
        s(req),
        "--org",
        org,
        "--key",
        key,
        "-o",
        s(out),
    ];
    args.extend_from_slice(extra);
    let o = w
        .cmd()
        .env("UNDERSIGNED_LEDGER", &nowhere)
        .current_dir(w.path())
        .args(&args)
        .output()
        .expect("run undersigned");
    assert!(!nowhere.exists(), "sign --request created a ledger");
    assert!(!stderr(&o).contains("panicked"), "{}", said(&o));
    o
}

/// `sign --request … --yes`, asserting success; returns the endorsement file.
fn sign(w: &World, req: &Path, org: &str, key_name: &str, name: &str) -> PathBuf {
    let out = mail(w, name);
    let o = sign_run(w, req, org, &w.key_arg(key_name), &out, &["--yes"]);
    assert!(o.status.success(), "sign --request: {}", said(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["output"], s(&out), "{v}");
    assert_eq!(v["org"], org, "{v}");
    out
}

/// `undersigned --json accept FILE --key KEY` (no assertion).
fn accept_run(w: &World, file: &Path, key_name: &str) -> Output {
    w.run(&["--json", "accept", s(file), "--key", &w.key_arg(key_name)])
}

/// `accept` with the editor's key, asserting it committed; returns the JSON.
fn accept(w: &World, file: &Path) -> Value {
    let o = accept_run(w, file, "editor");
    assert!(o.status.success(), "accept: {}", said(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["changed"], true, "{v}");
    v
}

/// Asserts an output is a refusal: exit 2, the JSON error and stderr both carry every one of
/// `needles`, no panic.
fn assert_refused(o: &Output, needles: &[&str]) -> String {
    assert_eq!(code(o), 2, "expected a refusal (exit 2): {}", said(o));
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{}", said(o));
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON on stdout ({e}): {}", said(o)));
    assert_eq!(v["ok"], false, "{v}");
    let msg = v["error"].as_str().expect("error message").to_string();
    for n in needles {
        assert!(msg.contains(n), "error {msg:?} does not say {n:?}");
        assert!(err.contains(n), "stderr {err:?} does not say {n:?}");
    }
    msg
}

/// `accept FILE` with the editor's key is refused with every one of `needles` in the message,
/// and the ledger (head, work tree) is exactly as it was.
fn accept_refused(w: &World, file: &Path, needles: &[&str]) -> String {
    let before = w.snapshot();
    let o = accept_run(w, file, "editor");
    let msg = assert_refused(&o, needles);
    assert_eq!(w.snapshot(), before, "a refused accept changed the ledger");
    msg
}

/// `sign --request REQ` is refused with `needles`, and no endorsement file is written.
fn sign_refused(w: &World, req: &Path, org: &str, key: &str, needles: &[&str]) -> String {
    let out = mail(w, "refused-endorsement.json");
    let _ = std::fs::remove_file(&out);
    let o = sign_run(w, req, org, key, &out, &["--yes"]);
    let msg = assert_refused(&o, needles);
    assert!(
        !out.exists(),
        "a refused sign --request wrote {}",
        out.display()
    );
    msg
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read file")).expect("JSON file")
}

/// Writes `v` as pretty JSON with a final newline.
fn write_json(p: &Path, v: &Value) {
    let mut text = serde_json::to_string_pretty(v).expect("serialize");
    text.push('\n');
    std::fs::write(p, text).expect("write file");
}

/// `text` (a pretty-printed JSON object, one field a line) with field `key` set to `value`
/// (`None` removes it), every other byte kept: an edited record stays canonical, so only the
/// edit itself can be what accept objects to.
fn set_field(text: &str, key: &str, value: Option<Value>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let prefix = format!("  {}: ", serde_json::to_string(key).expect("key"));
    let at = lines.iter().position(|l| l.starts_with(&prefix));
    match (at, value) {
        (Some(i), Some(v)) => {
            let comma = if lines[i].ends_with(',') { "," } else { "" };
            lines[i] = format!(
                "{prefix}{}{comma}",
                serde_json::to_string(&v).expect("value")
            );
        }
        (Some(i), None) => {
            let last = !lines[i].ends_with(',');
            lines.remove(i);
            if last {
                let prev = lines[i - 1].trim_end_matches(',').to_string();
                lines[i - 1] = prev;
            }
        }
        (None, Some(v)) => {
            let close = lines.len() - 1;
            lines[close - 1].push(',');
            lines.insert(
                close,
                format!("{prefix}{}", serde_json::to_string(&v).expect("value")),
            );
        }
        (None, None) => panic!("no field {key} to remove"),
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// A copy of the file `from` as `name` in the mail directory with `edits` applied (field,
/// new value or `None` to remove).
fn edited(w: &World, from: &Path, name: &str, edits: &[(&str, Option<Value>)]) -> PathBuf {
    let mut text = std::fs::read_to_string(from).expect("read file");
    for (k, v) in edits {
        text = set_field(&text, k, v.clone());
    }
    let to = mail(w, name);
    std::fs::write(&to, text).expect("write file");
    to
}

/// Shorthand for an edit that sets a field.
fn set(key: &str, v: impl Into<Value>) -> (&str, Option<Value>) {
    (key, Some(v.into()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The audit entry of `org` under version `v` of `stmt`.
fn endorsement_in_audit(w: &World, stmt: &str, v: u64, org: &str) -> Option<Value> {
    let audit = w.json(&["audit", stmt]);
    audit["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|x| x["version"] == v)
        .and_then(|x| {
            x["endorsements"]
                .as_array()
                .expect("endorsements")
                .iter()
                .find(|e| e["org"] == org)
                .cloned()
        })
}

/// The payload of an act record, built by hand from its fields as the README documents it
/// (not by undersigned), so a drift between the two shows.
fn readme_payload(rec: &Value) -> String {
    let mut p = String::from("undersigned act v1\n");
    let field = |p: &mut String, k: &str, v: &Value| match v {
        Value::Null => {}
        Value::String(s) => p.push_str(&format!("{k}: {s}\n")),
        other => p.push_str(&format!("{k}: {other}\n")),
    };
    field(&mut p, "act", &rec["act"]);
    field(&mut p, "ledger", &rec["ledger"]);
    field(&mut p, "statement", &rec["statement"]);
    field(&mut p, "version", &rec["version"]);
    field(&mut p, "text-sha256", &rec["text_sha256"]);
    field(&mut p, "org", &rec["org"]);
    field(&mut p, "signed-at", &rec["signed_at"]);
    field(&mut p, "reason", &rec["reason"]);
    field(&mut p, "provenance", &rec["provenance"]);
    field(&mut p, "evidence-sha256", &rec["evidence_sha256"]);
    field(&mut p, "signer", &rec["signer"]);
    p
}

/// The payload of a signing request's editor signature, built by hand from its fields as the
/// README documents it.
fn request_payload(req: &Value) -> String {
    let mut p = String::from("undersigned request v1\n");
    for (k, f) in [
        ("ledger", "ledger"),
        ("ledger-name", "ledger_name"),
        ("statement", "statement"),
        ("version", "version"),
        ("title", "title"),
        ("text-sha256", "text_sha256"),
        ("org", "org"),
        ("signed-at", "signed_at"),
        ("org-key", "org_key"),
        ("editor", "editor"),
        ("editor-key", "editor_key"),
        ("requested-at", "requested_at"),
    ] {
        match &req[f] {
            Value::Null => {}
            Value::String(s) => p.push_str(&format!("{k}: {s}\n")),
            other => p.push_str(&format!("{k}: {other}\n")),
        }
    }
    p
}

/// Signs the request file `path` again with the key file `key` using stock `ssh-keygen -Y sign
/// -n undersigned-request`, as an editor (or a thief of an editor's key) who edited it would:
/// the request then passes `sign --request`, and only `accept` stands between it and the
/// ledger.
pub(crate) fn resign(w: &World, path: &Path, key: &str) {
    let mut req = read_json(path);
    let payload = path.with_extension("payload");
    let sig = path.with_extension("payload.sig");
    let _ = std::fs::remove_file(&sig);
    std::fs::write(&payload, request_payload(&req)).expect("write payload");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "undersigned-request", "-f", key])
        .arg(&payload)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "ssh-keygen -Y sign: {}", said(&out));
    let armor = std::fs::read_to_string(&sig).expect("signature");
    req["signature"] = armor.trim_end().into();
    write_json(path, &req);
    let _ = w;
}

/// Stock `ssh-keygen -Y verify -f SIGNERS -I PRINCIPAL -n NAMESPACE -s SIG < PAYLOAD`.
fn ssh_keygen_verify(
    w: &World,
    signers: &Path,
    principal: &str,
    namespace: &str,
    signature: &str,
    payload: &[u8],
) -> Output {
    let sig = w.path().join("files").join("record.sig");
    std::fs::create_dir_all(sig.parent().expect("parent")).expect("files dir");
    std::fs::write(&sig, format!("{}\n", signature.trim_end())).expect("write signature");
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f", s(signers), "-I", principal, "-n"])
        .arg(namespace)
        .arg("-s")
        .arg(&sig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh-keygen runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(payload).expect("write payload");
    }
    child.wait_with_output().expect("ssh-keygen output")
}

/// A ledger with the standard cast; returns its id.
fn world() -> (World, String) {
    let w = World::new();
    let id = w.standard();
    (w, id)
}

/// `undersigned verify --full` is ok on the world's ledger.
fn verifies(w: &World) -> Value {
    let (c, report) = verify(w, &["--full"]);
    assert_eq!(c, 0, "verify: {report:#}");
    assert_eq!(report["ok"], true, "{report:#}");
    report
}

// ---------------------------------------------------------------------------------------------
// The happy path
// ---------------------------------------------------------------------------------------------

/// The whole flow carries the organization's own signature into the ledger: the request holds
/// exactly the ledger's text; the organization signs without any ledger; the record verifies
/// with stock ssh-keygen against the organization's registered key (and only in the
/// `undersigned` namespace); accept commits it under the editor's signature; verify, audit and
/// stock git all agree; the record in the ledger is byte for byte the one that was mailed.
#[test]
fn request_sign_without_ledger_accept_verifies_and_stock_tools_agree() {
    let (w, id) = world();
    let text_path = w.ledger().join("statements/icc/versions/0001.txt");
    let text = std::fs::read(&text_path).expect("version text in the work tree");

    // Coordinator: the request.
    let req_path = request(&w, "icc", &[], "request.json");
    let req = read_json(&req_path);
    assert_eq!(req["format"], "undersigned-request/2", "{req}");
    // Signed by the editor, whose key it carries.
    assert_eq!(req["editor"], "editor/coordinator", "{req}");
    let editor_pub = std::fs::read_to_string(format!("{}.pub", w.key_arg("editor"))).expect("pub");
    assert_eq!(
        req["editor_key"].as_str().expect("editor_key"),
        editor_pub
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(
        req["org"].is_null(),
        "a request for any organization: {req}"
    );
    // Stock ssh-keygen verifies the editor's signature over the documented payload.
    let signers = w.path().join("files").join("editor_signers");
    std::fs::create_dir_all(signers.parent().expect("parent")).expect("files dir");
    std::fs::write(
        &signers,
        format!(
            "editor/coordinator {}\n",
            req["editor_key"].as_str().expect("key")
        ),
    )
    .expect("write");
    let ok = ssh_keygen_verify(
        &w,
        &signers,
        "editor/coordinator",
        "undersigned-request",
        req["signature"].as_str().expect("signature"),
        request_payload(&req).as_bytes(),
    );
    assert!(
        ok.status.success(),
        "ssh-keygen -Y verify of the request: {}",
        said(&ok)
    );
    assert_eq!(req["ledger"], id.as_str(), "{req}");
    assert_eq!(req["ledger_name"], "Test coalition", "{req}");
    assert_eq!(req["statement"], "icc", "{req}");
    assert_eq!(req["version"], 1, "{req}");
    assert_eq!(req["title"], "ICC", "{req}");
    assert_eq!(req["text"].as_str().expect("text").as_bytes(), &text[..]);
    assert_eq!(req["text_sha256"], sha256_hex(&text), "{req}");
    // Without -o the request goes to stdout, the same document (made and signed again, at
    // another time).
    let mut stdout: Value =
        serde_json::from_str(&w.ok(&["request", "icc", "--key", &w.key_arg("editor")]))
            .expect("JSON");
    let mut same = req.clone();
    for v in [&mut stdout, &mut same] {
        v["requested_at"] = Value::Null;
        v["signature"] = Value::Null;
    }
    assert_eq!(stdout, same);

    // Organization: no ledger, shows the text and its hash, writes the record.
    let before = w.snapshot();
    let end_out = mail(&w, "endorsement.json");
    let o = sign_run(
        &w,
        &req_path,
        "hrw",
        &w.key_arg("hrw"),
        &end_out,
        &["--yes"],
    );
    assert!(o.status.success(), "{}", said(&o));
    let shown = stderr(&o);
    assert!(
        shown.contains("On behalf of 2 organizations, we urge states."),
        "the text is shown before signing: {shown}"
    );
    assert!(
        shown.contains(&sha256_hex(&text)),
        "the sha256 is shown: {shown}"
    );
    assert!(shown.contains(&id), "the ledger id is shown: {shown}");
    assert_eq!(w.snapshot(), before, "signing touched the ledger");
    let mailed = std::fs::read(&end_out).expect("endorsement written");
    let rec: Value = serde_json::from_slice(&mailed).expect("record JSON");
    assert_eq!(rec["act"], "endorse", "{rec}");
    assert_eq!(rec["ledger"], id.as_str(), "{rec}");
    assert_eq!(rec["statement"], "icc", "{rec}");
    assert_eq!(rec["version"], 1, "{rec}");
    assert_eq!(rec["text_sha256"], sha256_hex(&text), "{rec}");
    assert_eq!(rec["org"], "hrw", "{rec}");
    assert_eq!(rec["provenance"], "signed", "{rec}");
    assert_eq!(rec["signer"], "org/hrw", "{rec}");
    let fp = String::from_utf8(
        Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(format!("{}.pub", w.key_arg("hrw")))
            .output()
            .expect("ssh-keygen -l")
            .stdout,
    )
    .expect("utf-8");
    assert!(
        fp.contains(rec["key"].as_str().expect("key")),
        "record key {} is hrw's: {fp}",
        rec["key"]
    );

    // Stock ssh-keygen verifies the organization's signature on the mailed record, with the
    // ledger's own allowed_signers and the README's payload; the namespace is binding.
    let signers = w.ledger().join("allowed_signers");
    let payload = readme_payload(&rec);
    let sig = rec["signature"].as_str().expect("signature");
    let ok = ssh_keygen_verify(
        &w,
        &signers,
        "org/hrw",
        "undersigned",
        sig,
        payload.as_bytes(),
    );
    assert!(ok.status.success(), "ssh-keygen -Y verify: {}", said(&ok));
    let wrong_ns = ssh_keygen_verify(&w, &signers, "org/hrw", "git", sig, payload.as_bytes());
    assert!(
        !wrong_ns.status.success(),
        "the signature passed in namespace git"
    );
    let other_org = ssh_keygen_verify(
        &w,
        &signers,
        "org/fidh",
        "undersigned",
        sig,
        payload.as_bytes(),
    );
    assert!(
        !other_org.status.success(),
        "the signature passed as fidh's"
    );

    // Coordinator: accept.
    let v = accept(&w, &end_out);
    let commit = v["commit"].as_str().expect("commit").to_string();
    assert_eq!(commit, w.head());
    let path = v["paths"][0].as_str().expect("path").to_string();
    assert!(path.starts_with("statements/icc/acts/"), "{v}");
    assert!(path.ends_with("/hrw/0001.json"), "{v}");
    // The record in the ledger is exactly the mailed bytes (the org's signature is kept).
    let in_ledger = w.git_ok(&["show", &format!("{commit}:{path}")]);
    assert_eq!(in_ledger.as_bytes(), &mailed[..]);
    // The commit is the editor's: author, and stock git's signer principal.
    let who = w.git_ok(&[
        "-c",
        &format!("gpg.ssh.allowedSignersFile={}", s(&signers)),
        "log",
        "-1",
        "--format=%an|%G?|%GS",
        &commit,
    ]);
    assert_eq!(who.trim(), "coordinator|G|editor/coordinator", "{who}");
    // `undersigned payload` prints the README's payload for it.
    assert_eq!(w.ok(&["payload", "icc", "--org", "hrw"]), payload);

    let report = verifies(&w);
    assert_eq!(report["endorsements"], 1, "{report:#}");
    let e = endorsement_in_audit(&w, "icc", 1, "hrw").expect("hrw in the audit");
    assert_eq!(e["provenance"], "signed", "{e}");
    assert_eq!(e["commit"], commit.as_str(), "{e}");
    assert_eq!(e["key"], rec["key"], "{e}");
    assert_eq!(e["in_force"], true, "{e}");
    let audit = w.json(&["audit", "icc"]);
    assert_eq!(audit["current"], serde_json::json!(["hrw"]), "{audit}");
    w.assert_stock_git_agrees();

    // Accepting the same record again is a no-op that says so.
    let before = w.snapshot();
    let again = w.json(&["accept", s(&end_out), "--key", &w.key_arg("editor")]);
    assert_eq!(again["changed"], false, "{again}");
    assert!(
        again["message"]
            .as_str()
            .expect("message")
            .contains("already endorses version 1"),
        "{again}"
    );
    assert_eq!(w.snapshot(), before);
}

/// Without `--yes` and without a terminal nobody can have read the text, so nothing is signed:
/// exit 2, a message saying to pass --yes, no file.
#[test]
fn sign_request_without_yes_and_without_terminal_writes_nothing() {
    let (w, _) = world();
    let req = request(&w, "icc", &[], "request.json");
    let out = mail(&w, "endorsement.json");
    let o = sign_run(&w, &req, "hrw", &w.key_arg("hrw"), &out, &[]);
    let msg = assert_refused(&o, &["no terminal", "--yes", "nothing was written"]);
    assert!(!out.exists(), "{msg}: but {} was written", out.display());
    // The text was still shown, so the person knows what --yes would sign.
    assert!(stderr(&o).contains("we urge states"), "{}", said(&o));
}

/// On a terminal the question is asked and only a yes signs (run under a pseudo-terminal made
/// by util-linux `script`).
#[test]
fn sign_request_on_a_terminal_signs_only_after_yes() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed (no pseudo-terminal)");
        return;
    }
    let (w, _) = world();
    let req = request(&w, "icc", &[], "request.json");
    let bin = assert_cmd::cargo::cargo_bin("undersigned");
    let on_tty = |answer: &str, out: &Path| -> Output {
        let cmdline = format!(
            "'{}' sign --request '{}' --org hrw --key '{}' -o '{}'",
            s(&bin),
            s(&req),
            w.key_arg("hrw"),
            s(out)
        );
        let mut child = Command::new("script")
            .args(["-qec", &cmdline, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", w.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("UNDERSIGNED_LEDGER", w.path().join("no-ledger-here"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(answer.as_bytes()).expect("answer");
        }
        child.wait_with_output().expect("script output")
    };
    let no = mail(&w, "no.json");
    let o = on_tty("n\n", &no);
    let screen = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(code(&o), 2, "{}", said(&o));
    assert!(
        screen.contains("Sign this exact text as org/hrw"),
        "{screen}"
    );
    assert!(screen.contains("nothing was written"), "{screen}");
    assert!(!no.exists(), "answering n wrote {}", no.display());

    let yes = mail(&w, "yes.json");
    let o = on_tty("y\n", &yes);
    assert_eq!(code(&o), 0, "{}", said(&o));
    assert!(yes.exists(), "answering y wrote nothing: {}", said(&o));
    accept(&w, &yes);
    verifies(&w);
}

/// `request --version N` asks for an older version: the organization signs that text, accept
/// files it under that version (stale in the audit), and a version that does not exist is
/// refused with the range that does.
#[test]
fn request_for_a_specific_version() {
    let (w, _) = world();
    let e = w.key_arg("editor");
    let v2 = w.write_file("v2.txt", "Version two, revised.\n");
    w.ok(&["statement", "revise", "icc", "--text", &v2, "--key", &e]);

    let req = request(&w, "icc", &["--version", "1"], "request-v1.json");
    let r = read_json(&req);
    assert_eq!(r["version"], 1, "{r}");
    assert_eq!(
        r["text"], "On behalf of 2 organizations, we urge states.\n",
        "{r}"
    );
    let current = read_json(&request(&w, "icc", &[], "request-current.json"));
    assert_eq!(current["version"], 2, "{current}");
    assert_eq!(current["text"], "Version two, revised.\n", "{current}");

    let end = sign(&w, &req, "hrw", "hrw", "e-v1.json");
    let v = accept(&w, &end);
    assert!(
        v["message"]
            .as_str()
            .expect("message")
            .contains("version 1"),
        "{v}"
    );
    assert!(endorsement_in_audit(&w, "icc", 1, "hrw").is_some());
    assert!(endorsement_in_audit(&w, "icc", 2, "hrw").is_none());
    let audit = w.json(&["audit", "icc"]);
    assert_eq!(audit["stale"], serde_json::json!(["hrw"]), "{audit}");

    // fidh signs the current version from the other request.
    let end2 = sign(
        &w,
        &mail(&w, "request-current.json"),
        "fidh",
        "fidh",
        "e-v2.json",
    );
    accept(&w, &end2);
    assert!(endorsement_in_audit(&w, "icc", 2, "fidh").is_some());
    verifies(&w);
    w.assert_stock_git_agrees();

    // No version 3, no statement "nope": refused, nothing written.
    let before = w.snapshot();
    let nowhere = mail(&w, "never.json");
    let o = w.run(&[
        "--json",
        "request",
        "icc",
        "--version",
        "3",
        "-o",
        s(&nowhere),
        "--key",
        &e,
    ]);
    assert_refused(&o, &["icc v3", "versions 1 to 2"]);
    let o = w.run(&["--json", "request", "nope", "-o", s(&nowhere), "--key", &e]);
    assert_refused(&o, &["nope", "not in this ledger"]);
    assert!(!nowhere.exists());
    assert_eq!(w.snapshot(), before);
}

// ---------------------------------------------------------------------------------------------
// Refusals at accept
// ---------------------------------------------------------------------------------------------

/// A record signed from another ledger's request cannot be filed here, even when that other
/// ledger has the same statement, text and organization names: the ledger id is signed.
#[test]
fn accept_refuses_a_record_for_another_ledger() {
    let (w, id) = world();
    let other = World::new();
    let other_id = other.standard();
    assert_ne!(id, other_id);
    // Same statement slug and the very same text in both ledgers.
    let req = request(&other, "icc", &[], "request.json");
    assert_eq!(
        read_json(&req)["text_sha256"],
        read_json(&request(&w, "icc", &[], "own.json"))["text_sha256"]
    );
    // Signed with this world's hrw key, so only the ledger id is wrong.
    let end = sign(&w, &req, "hrw", "hrw", "other-ledger.json");
    accept_refused(&w, &end, &[&other_id, &id, "another ledger"]);
    // Editing the ledger id in the record breaks the organization's signature.
    let forged = edited(&w, &end, "forged-ledger.json", &[set("ledger", id.clone())]);
    accept_refused(&w, &forged, &["org/hrw", "does not verify"]);
    verifies(&w);
}

/// What the organization signed must be the version's exact text. A request whose text was
/// replaced along with its sha256 passes `sign --request` (it is self-consistent), but accept
/// compares with the ledger and refuses; so does a request whose version number was changed.
#[test]
fn accept_refuses_a_record_for_a_text_that_is_not_the_versions() {
    let (w, _) = world();
    let e = w.key_arg("editor");
    let v2 = w.write_file("v2.txt", "Version two, revised.\n");
    w.ok(&["statement", "revise", "icc", "--text", &v2, "--key", &e]);
    let req = request(&w, "icc", &["--version", "1"], "request.json");

    let forged_text = "On behalf of 2 organizations, we urge nobody.\n";
    let swapped = edited(
        &w,
        &req,
        "swapped-text.json",
        &[
            set("text", forged_text),
            set("text_sha256", sha256_hex(forged_text.as_bytes())),
        ],
    );
    // The request's own signature stops this at the organization (see the tamper test), so
    // here the edited request is signed again with the editor's key: accept must still refuse.
    let e_key = w.key_arg("editor");
    resign(&w, &swapped, &e_key);
    let end = sign(&w, &swapped, "hrw", "hrw", "e-swapped.json");
    accept_refused(
        &w,
        &end,
        &[
            &sha256_hex(forged_text.as_bytes()),
            "version 1 of icc",
            "signed a different text",
        ],
    );

    // Version 1's text, but the request claims version 2.
    let renumbered = edited(&w, &req, "renumbered.json", &[set("version", 2)]);
    resign(&w, &renumbered, &e_key);
    let end = sign(&w, &renumbered, "hrw", "hrw", "e-renumbered.json");
    accept_refused(&w, &end, &["version 2 of icc", "signed a different text"]);

    // A version that does not exist.
    let v9 = edited(&w, &req, "v9.json", &[set("version", 9)]);
    resign(&w, &v9, &e_key);
    let end = sign(&w, &v9, "hrw", "hrw", "e-v9.json");
    accept_refused(&w, &end, &["icc v9", "versions 1 to 2"]);

    // A statement that does not exist (text and hash consistent).
    let nostmt = edited(&w, &req, "nostmt.json", &[set("statement", "other")]);
    resign(&w, &nostmt, &e_key);
    let end = sign(&w, &nostmt, "hrw", "hrw", "e-nostmt.json");
    accept_refused(&w, &end, &["other", "not in this ledger"]);

    // Editing the record's text hash to the version's after signing breaks the signature.
    let real_sha = read_json(&req)["text_sha256"].clone();
    let end = sign(&w, &swapped, "hrw", "hrw", "e-swapped-2.json");
    let patched = edited(&w, &end, "e-patched.json", &[set("text_sha256", real_sha)]);
    accept_refused(&w, &patched, &["org/hrw", "does not verify"]);
    verifies(&w);
    assert!(endorsement_in_audit(&w, "icc", 1, "hrw").is_none());
}

/// Only registered organizations, with their key in force, can be filed; the key named in the
/// record must also be the one that signed it.
#[test]
fn accept_refuses_unregistered_orgs_and_keys_that_are_not_the_orgs() {
    let (w, _) = world();
    let req = request(&w, "icc", &[], "request.json");

    // Not registered at all (a key of its own, so the signature itself is fine).
    w.ssh_keygen("stranger");
    let end = sign(&w, &req, "stranger", "stranger", "e-stranger.json");
    accept_refused(
        &w,
        &end,
        &["organization \"stranger\"", "not in this ledger", "org add"],
    );

    // Registered without a key: its signature cannot be checked against anything.
    let end = sign(&w, &req, "quiet", "stranger", "e-quiet.json");
    accept_refused(&w, &end, &["org/quiet has no registered key", "add-key"]);

    // hrw's name, fidh's key: the record says so, and accept names both keys.
    let end = sign(&w, &req, "hrw", "fidh", "e-hrw-by-fidh.json");
    let rec = read_json(&end);
    let fidh_fp = rec["key"].as_str().expect("key").to_string();
    let hrw_fp = read_json(&sign(&w, &req, "hrw", "hrw", "e-hrw.json"))["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert_ne!(fidh_fp, hrw_fp);
    accept_refused(&w, &end, &[&fidh_fp, &hrw_fp, "org/hrw's key in force"]);
    // …and claiming hrw's key in the record does not make fidh's signature hrw's.
    let lied = edited(&w, &end, "e-hrw-lied.json", &[set("key", hrw_fp.clone())]);
    accept_refused(&w, &lied, &["org/hrw", "does not verify"]);

    // A stranger's key under hrw's name.
    let end = sign(&w, &req, "hrw", "stranger", "e-hrw-by-stranger.json");
    accept_refused(&w, &end, &["org/hrw's key in force", &hrw_fp]);
    verifies(&w);
    assert!(endorsement_in_audit(&w, "icc", 1, "hrw").is_none());
}

/// The organization's signature covers every field a reader trusts: flipping signature bytes,
/// moving the time, or turning the record into another organization's is refused.
#[test]
fn accept_refuses_altered_signatures_and_fields() {
    let (w, _) = world();
    let req = request(&w, "icc", &[], "request.json");
    let end = sign(&w, &req, "hrw", "hrw", "endorsement.json");
    let rec = read_json(&end);
    let sig = rec["signature"].as_str().expect("signature").to_string();

    // One base64 character of the signature blob changed (inside the ed25519 signature, which
    // is the end of the blob, so the armor still parses).
    let lines: Vec<&str> = sig.lines().collect();
    let last_data = lines.len() - 2;
    let mut flipped_lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let l = &mut flipped_lines[last_data];
    let c = l.as_bytes()[4];
    let replacement = if c == b'A' { "B" } else { "A" };
    l.replace_range(4..5, replacement);
    let flipped = flipped_lines.join("\n");
    assert_ne!(flipped, sig);
    let bad = edited(&w, &end, "flipped.json", &[set("signature", flipped)]);
    accept_refused(
        &w,
        &bad,
        &["org/hrw's signature on the endorsement does not verify"],
    );

    // The signature replaced by garbage.
    let bad = edited(
        &w,
        &end,
        "garbage.json",
        &[set("signature", "not a signature")],
    );
    accept_refused(
        &w,
        &bad,
        &["org/hrw's signature on the endorsement does not verify"],
    );

    // A later signing time (e.g. to get past a withdrawal).
    let bad = edited(
        &w,
        &end,
        "later.json",
        &[set("signed_at", "2099-01-01T00:00:00.000Z")],
    );
    accept_refused(
        &w,
        &bad,
        &["org/hrw's signature on the endorsement does not verify"],
    );

    // Another organization's name on hrw's record (fidh is registered, with its own key):
    // the key check catches it first.
    let bad = edited(
        &w,
        &end,
        "as-fidh.json",
        &[set("org", "fidh"), set("signer", "org/fidh")],
    );
    accept_refused(&w, &bad, &["org/fidh's key in force"]);

    // Provenance "attested" on an org-signed record, and a withdrawal: accept takes only an
    // endorsement the organization signed itself.
    let bad = edited(&w, &end, "attested.json", &[set("provenance", "attested")]);
    accept_refused(
        &w,
        &bad,
        &["accept takes an endorsement signed by the organization itself"],
    );
    let bad = edited(
        &w,
        &end,
        "withdraw.json",
        &[
            set("act", "withdraw"),
            ("version", None),
            ("text_sha256", None),
        ],
    );
    accept_refused(
        &w,
        &bad,
        &["accept takes an endorsement signed by the organization itself"],
    );

    // The untouched record still goes in, and verifies.
    accept(&w, &end);
    verifies(&w);
}

/// Records that are valid but not acceptable here: one an editor attested (copied out of the
/// ledger), an old endorsement replayed after the organization withdrew, and an accept signed
/// with a key that is not an editor's.
#[test]
fn accept_refuses_attested_records_replays_after_withdrawal_and_non_editors() {
    let (w, _) = world();
    let e = w.key_arg("editor");
    let req = request(&w, "icc", &[], "request.json");
    let end = sign(&w, &req, "hrw", "hrw", "endorsement.json");

    // The organization's own key cannot accept (it is not an editor).
    let before = w.snapshot();
    let o = accept_run(&w, &end, "hrw");
    assert_refused(&o, &["is not the key of an editor of this ledger"]);
    assert_eq!(w.snapshot(), before);

    // An attested record taken from the ledger.
    let evidence = w.write_file("evidence.eml", "From: fidh\nYes, sign us on.\n");
    let v = w.json(&[
        "attest",
        "icc",
        "--org",
        "fidh",
        "--evidence",
        &evidence,
        "--key",
        &e,
    ]);
    let path = v["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .filter_map(Value::as_str)
        .find(|p| p.contains("/acts/"))
        .expect("record path")
        .to_string();
    let copy = mail(&w, "attested-copy.json");
    std::fs::copy(w.ledger().join(&path), &copy).expect("copy record");
    accept_refused(
        &w,
        &copy,
        &[
            "accept takes an endorsement signed by the organization itself",
            "attested",
        ],
    );

    // Accept, withdraw, then the same record again: a replay, refused.
    accept(&w, &end);
    w.ok(&[
        "withdraw",
        "icc",
        "--org",
        "hrw",
        "--reason",
        "changed our mind",
        "--key",
        &w.key_arg("hrw"),
    ]);
    let msg = accept_refused(
        &w,
        &end,
        &["not after org/hrw's latest act on icc", "new signature"],
    );
    assert!(msg.contains("signed at"), "{msg}");
    let audit = w.json(&["audit", "icc"]);
    assert_eq!(audit["withdrawn"], serde_json::json!(["hrw"]), "{audit}");
    // A new signature from a new request puts hrw back.
    let end2 = sign(&w, &req, "hrw", "hrw", "endorsement-2.json");
    accept(&w, &end2);
    let audit = w.json(&["audit", "icc"]);
    assert!(
        audit["current"]
            .as_array()
            .expect("current")
            .contains(&"hrw".into()),
        "{audit}"
    );
    verifies(&w);
    w.assert_stock_git_agrees();
}

/// Whatever arrives in the inbox that is not an endorsement record is refused with the file's
/// name and what is wrong with it: missing, not JSON, too large, a record with an unknown field,
/// a signing request instead of an endorsement, a record not in canonical form.
#[test]
fn accept_refuses_files_that_are_not_endorsement_records() {
    let (w, _) = world();
    let req = request(&w, "icc", &[], "request.json");
    let end = sign(&w, &req, "hrw", "hrw", "endorsement.json");
    let end_s = s(&end).to_string();

    let missing = mail(&w, "missing.json");
    accept_refused(&w, &missing, &[s(&missing)]);

    let not_json = mail(&w, "not-json.json");
    std::fs::write(&not_json, "Dear coordinator, we sign.\n").expect("write");
    accept_refused(&w, &not_json, &[s(&not_json), "not an endorsement record"]);

    let huge = mail(&w, "huge.json");
    std::fs::write(&huge, vec![b' '; 2 * 1024 * 1024]).expect("write");
    accept_refused(&w, &huge, &[s(&huge), "bytes"]);

    let big = mail(&w, "big.json");
    let mut v = read_json(&end);
    v["org"] = "x".repeat(100 * 1024).into();
    write_json(&big, &v);
    accept_refused(&w, &big, &[s(&big), "at most 65536"]);

    let extra = edited(
        &w,
        &end,
        "extra-field.json",
        &[set("format", "undersigned-endorsement/1")],
    );
    accept_refused(&w, &extra, &[s(&extra), "format"]);

    accept_refused(&w, &req, &[s(&req), "not an endorsement record"]);

    let compact = mail(&w, "compact.json");
    std::fs::write(
        &compact,
        serde_json::to_vec(&read_json(&end)).expect("json"),
    )
    .expect("write");
    accept_refused(&w, &compact, &[s(&compact), "canonical"]);

    // A directory is not a file.
    accept_refused(&w, &mail(&w, ""), &["regular file"]);

    // The genuine record is still accepted afterwards.
    accept(&w, Path::new(&end_s));
    verifies(&w);
}

// ---------------------------------------------------------------------------------------------
// Refusals at sign --request
// ---------------------------------------------------------------------------------------------

/// The organization's side refuses a request it cannot trust to be what the coordinator sent:
/// a text edited on the way (hash mismatch), a wrong format, an impossible version or ledger
/// id, a file that is not a request or is too large. Nothing is written in any case.
#[test]
fn sign_request_refuses_tampered_and_malformed_requests() {
    let (w, _) = world();
    let req = request(&w, "icc", &[], "request.json");
    let key = w.key_arg("hrw");
    let sha = read_json(&req)["text_sha256"]
        .as_str()
        .expect("sha")
        .to_string();

    let tampered = edited(
        &w,
        &req,
        "tampered.json",
        &[set(
            "text",
            "On behalf of 2 organizations, we urge nobody.\n",
        )],
    );
    let msg = sign_refused(
        &w,
        &tampered,
        "hrw",
        &key,
        &[
            s(&tampered),
            &sha,
            "the text was changed after the request was written",
        ],
    );
    assert!(msg.contains("new one"), "says what to do: {msg}");

    // The text edited on the way with its sha256 recomputed: the editor's signature no longer
    // covers the hash, so the request is refused before anything of it is shown.
    let forged = "On behalf of 2 organizations, we urge nobody.\n";
    let rehashed = edited(
        &w,
        &req,
        "rehashed.json",
        &[
            set("text", forged),
            set("text_sha256", sha256_hex(forged.as_bytes())),
        ],
    );
    let o = sign_run(
        &w,
        &rehashed,
        "hrw",
        &key,
        &mail(&w, "never.json"),
        &["--yes"],
    );
    let msg = assert_refused(
        &o,
        &[
            s(&rehashed),
            "editor/coordinator's signature on the request does not verify",
        ],
    );
    assert!(msg.contains("new one"), "{msg}");
    assert!(
        !stderr(&o).contains("urge nobody"),
        "the forged text was shown: {}",
        said(&o)
    );
    assert!(!mail(&w, "never.json").exists());
    // Every signed field counts: the title, the ledger name, the version, the editor.
    for (field, value) in [
        ("title", Value::from("Another title")),
        ("ledger_name", Value::from("Another coalition")),
        ("requested_at", Value::from("2030-01-01T00:00:00.000Z")),
        ("editor", Value::from("editor/someone")),
    ] {
        let f = edited(
            &w,
            &req,
            &format!("edited-{field}.json"),
            &[(field, Some(value))],
        );
        sign_refused(&w, &f, "hrw", &key, &[s(&f), "does not verify"]);
    }
    // Signed again by a key that is not the one it names.
    let other = edited(&w, &req, "other-signer.json", &[]);
    resign(&w, &other, &w.key_arg("fidh"));
    sign_refused(&w, &other, "hrw", &key, &[s(&other), "does not verify"]);
    // Without its signature, or with a commented editor key.
    let bare = edited(&w, &req, "unsigned.json", &[("signature", None)]);
    sign_refused(&w, &bare, "hrw", &key, &[s(&bare), "signature"]);
    let commented = edited(
        &w,
        &req,
        "commented.json",
        &[set(
            "editor_key",
            format!(
                "{} me@example",
                read_json(&req)["editor_key"].as_str().expect("key")
            ),
        )],
    );
    sign_refused(
        &w,
        &commented,
        "hrw",
        &key,
        &[s(&commented), "without comment"],
    );

    let fmt = edited(
        &w,
        &req,
        "format.json",
        &[set("format", "undersigned-request/3")],
    );
    sign_refused(
        &w,
        &fmt,
        "hrw",
        &key,
        &[s(&fmt), "undersigned-request/3", "undersigned-request/2"],
    );
    // An unsigned request of an earlier version is named as such.
    let old = edited(
        &w,
        &req,
        "format-1.json",
        &[set("format", "undersigned-request/1")],
    );
    sign_refused(
        &w,
        &old,
        "hrw",
        &key,
        &[s(&old), "unsigned request", "new one"],
    );

    let v0 = edited(&w, &req, "v0.json", &[set("version", 0)]);
    sign_refused(&w, &v0, "hrw", &key, &[s(&v0), "version 0"]);

    let lid = edited(&w, &req, "ledger-id.json", &[set("ledger", "main")]);
    sign_refused(&w, &lid, "hrw", &key, &[s(&lid), "not a commit id"]);

    let extra = edited(&w, &req, "extra.json", &[set("signers", "everyone")]);
    sign_refused(
        &w,
        &extra,
        "hrw",
        &key,
        &[s(&extra), "not a signing request", "signers"],
    );

    let not_json = mail(&w, "not-json.txt");
    std::fs::write(&not_json, "Please sign the attached.\n").expect("write");
    sign_refused(
        &w,
        &not_json,
        "hrw",
        &key,
        &[s(&not_json), "not a signing request"],
    );

    // An endorsement handed back as a request.
    let end = sign(&w, &req, "hrw", "hrw", "endorsement.json");
    sign_refused(&w, &end, "hrw", &key, &[s(&end), "not a signing request"]);

    // Too large: over what a request can hold, and over what is read at all.
    let big_text = "a".repeat(3 * 1024 * 1024);
    let big = edited(
        &w,
        &req,
        "big.json",
        &[
            set("text_sha256", sha256_hex(big_text.as_bytes())),
            set("text", big_text.clone()),
        ],
    );
    sign_refused(&w, &big, "hrw", &key, &[s(&big), "too large"]);
    let huge = mail(&w, "huge.json");
    std::fs::write(&huge, vec![b' '; 5 * 1024 * 1024]).expect("write");
    sign_refused(&w, &huge, "hrw", &key, &[s(&huge), "bytes"]);

    // A bad organization slug and a missing key file.
    sign_refused(&w, &req, "Not An Org", &key, &["Not An Org"]);
    let nokey = w.path().join("keys").join("nokey");
    sign_refused(&w, &req, "hrw", s(&nokey), &[s(&nokey)]);
}

/// An accepted endorsement is an ordinary act for the coalition: it is published by `sync`
/// and a fresh clone pinned to the ledger id verifies it as the organization's.
#[test]
fn accepted_endorsement_survives_sync_and_a_fresh_clone_verifies_it() {
    let (w, id) = world();
    let srv = w.path().join("srv.git");
    let out = Command::new("git")
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["init", "-q", "--bare", "--initial-branch=main"])
        .arg(&srv)
        .output()
        .expect("git init");
    assert!(out.status.success(), "{}", said(&out));
    w.git_ok(&["remote", "add", "origin", s(&srv)]);
    w.ok(&["sync"]);

    let req = request(&w, "icc", &[], "request.json");
    let end = sign(&w, &req, "hrw", "hrw", "endorsement.json");
    let v = accept(&w, &end);
    let r = w.json(&["sync"]);
    assert_eq!(r["head"], w.head(), "{r}");
    assert_eq!(r["dropped"], serde_json::json!([]), "{r}");

    let clone = w.path().join("auditor");
    let c = w.json(&["clone", s(&srv), s(&clone), "--trust", &id]);
    assert_eq!(c["head"], v["commit"], "{c}");
    let audit: Value = serde_json::from_slice(
        &w.cmd()
            .env("UNDERSIGNED_LEDGER", &clone)
            .args(["--json", "audit", "icc"])
            .output()
            .expect("audit")
            .stdout,
    )
    .expect("JSON");
    assert_eq!(audit["current"], serde_json::json!(["hrw"]), "{audit}");
    let o = w
        .cmd()
        .env("UNDERSIGNED_LEDGER", &clone)
        .args(["--json", "verify", "--full", "--trust", &id])
        .output()
        .expect("verify");
    assert!(o.status.success(), "{}", said(&o));
}
