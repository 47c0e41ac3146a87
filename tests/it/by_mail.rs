//! Signing by mail with stock `ssh-keygen` alone, and signed requests. Why these tests matter:
//! an organization that will never install undersigned signs with the key and the tool it has
//! (`request --org ORG -o DIR` hands it the exact payload; `ssh-keygen -Y sign` signs it;
//! `accept --request --signature` files it), so the payload, the signature file and the record
//! built from them must agree byte for byte with what verification and stock tools check. And
//! a request is something that travels by e-mail: the organization must be able to tell a
//! request as its editor signed it from one edited on the way, and to pin the ledger and editor
//! it expects; the coordinator must not file a signature on anything but the ledger's text.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use undersigned::report::{Outcome, RequestSummary, RequestsWritten, SignedSummary};

fn world() -> (World, String) {
    let w = World::new();
    let id = w.standard();
    (w, id)
}

/// `request STMT --org ORG --key editor -o DIR` (JSON), asserting success.
fn request_dir(w: &World, org: &str, dir: &Path) -> RequestSummary {
    let v = w.json(&[
        "request",
        "icc",
        "--org",
        org,
        "--key",
        &w.key_arg("editor"),
        "-o",
        s(dir),
    ]);
    let r: RequestSummary = serde_json::from_value(v).expect("a RequestSummary");
    assert_eq!(r.format, "undersigned-request-summary/1");
    r
}

/// Stock `ssh-keygen -Y sign -n undersigned -f KEY FILE`, run where the file is, as the
/// instructions say; returns FILE.sig.
fn ssh_keygen_sign(key: &Path, file: &Path, namespace: &str) -> PathBuf {
    let out = Command::new("ssh-keygen")
        .current_dir(file.parent().expect("dir"))
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .arg(file.file_name().expect("name"))
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "ssh-keygen -Y sign: {}", said(&out));
    let mut sig = file.as_os_str().to_owned();
    sig.push(".sig");
    PathBuf::from(sig)
}

fn accept_run(w: &World, dir: &Path, sig: &Path) -> std::process::Output {
    w.run(&[
        "--json",
        "accept",
        "--request",
        s(&dir.join("request.json")),
        "--signature",
        s(sig),
        "--key",
        &w.key_arg("editor"),
    ])
}

fn refused(o: &std::process::Output, needles: &[&str]) {
    assert_eq!(code(o), 2, "expected exit 2: {}", said(o));
    let err = stderr(o);
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("undersigned: error:"))
            .count(),
        1,
        "one error line: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr {err:?} does not say {n:?}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The whole ssh-keygen-only path: the directory holds the four files; the payload names the
/// ledger, the version and the text's hash, and text.txt hashes to it with stock sha256; the
/// organization signs with stock ssh-keygen; accept builds the record and commits it; verify,
/// audit, stock ssh-keygen (with `payload --command`) and stock git agree.
#[test]
fn an_organization_signs_with_ssh_keygen_alone() {
    let (w, id) = world();
    let dir = w.path().join("mail").join("hrw");
    let r = request_dir(&w, "hrw", &dir);
    assert_eq!(r.org.as_deref(), Some("hrw"));
    assert_eq!(r.editor, "editor/coordinator");
    for f in ["request.json", "payload", "text.txt", "HOW-TO-SIGN.txt"] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let text = std::fs::read(w.ledger().join("statements/icc/versions/0001.txt")).expect("text");
    assert_eq!(std::fs::read(dir.join("text.txt")).expect("text.txt"), text);
    let sha = sha256_hex(&text);
    let payload = std::fs::read_to_string(dir.join("payload")).expect("payload");
    assert!(
        payload.starts_with("undersigned act v1\nact: endorse\n"),
        "{payload}"
    );
    for line in [
        format!("ledger: {id}\n"),
        "statement: icc\n".into(),
        "version: 1\n".into(),
        format!("text-sha256: {sha}\n"),
        "org: hrw\n".into(),
        "provenance: signed\n".into(),
        "signer: org/hrw\n".into(),
    ] {
        assert!(payload.contains(&line), "payload lacks {line:?}: {payload}");
    }
    let how = std::fs::read_to_string(dir.join("HOW-TO-SIGN.txt")).expect("how-to");
    for needle in [
        "ssh-keygen -Y sign -n undersigned -f YOUR_KEY payload",
        &id,
        &sha,
        "payload.sig",
        "sha256sum text.txt",
        "Windows",
    ] {
        assert!(
            how.contains(needle),
            "HOW-TO-SIGN.txt lacks {needle:?}:\n{how}"
        );
    }

    // The organization: stock ssh-keygen, nothing else.
    let before = w.snapshot();
    let sig = ssh_keygen_sign(&w.key("hrw"), &dir.join("payload"), "undersigned");
    assert_eq!(w.snapshot(), before);

    // The coordinator.
    let o = accept_run(&w, &dir, &sig);
    assert!(o.status.success(), "{}", said(&o));
    let out: Outcome = serde_json::from_slice(&o.stdout).expect("an Outcome");
    assert!(out.changed);
    assert_eq!(out.text_sha256.as_deref(), Some(sha.as_str()));
    assert!(out.warning.is_none(), "{out:?}");
    let (c, report) = verify(&w, &["--full"]);
    assert_eq!(c, 0, "{report:#}");
    assert_eq!(report["endorsements"], 1);
    let status = w.json(&["status", "icc"]);
    assert_eq!(status["current"], serde_json::json!(["hrw"]), "{status}");
    // The record's payload is the file the organization signed, byte for byte.
    assert_eq!(w.ok(&["payload", "icc", "--org", "hrw"]), payload);
    let cmd = w.ok(&["payload", "icc", "--org", "hrw", "--command"]);
    let sh = Command::new("sh").arg("-c").arg(&cmd).output().expect("sh");
    assert!(sh.status.success(), "payload --command: {}", said(&sh));
    w.assert_stock_git_agrees();

    // Filing it again changes nothing; a second request for the same directory is refused.
    let before = w.snapshot();
    let again: Outcome = serde_json::from_slice(&accept_run(&w, &dir, &sig).stdout).expect("JSON");
    assert!(!again.changed);
    assert_eq!(w.snapshot(), before);
    let o = w.run(&[
        "request",
        "icc",
        "--org",
        "hrw",
        "--key",
        &w.key_arg("editor"),
        "-o",
        s(&dir),
    ]);
    refused(&o, &["already exists", "request.json"]);
}

/// A signature file from Windows OpenSSH may come back with CRLF line ends; it reads the same.
/// What does not: a signature over an edited payload, by another key, in another namespace, a
/// file that is no signature, and a request for any organization (it fixed no payload). Each is
/// refused with exit 2, one line naming the thing, and the ledger unchanged.
#[test]
fn accept_request_takes_crlf_and_refuses_what_does_not_sign_the_payload() {
    let (w, _) = world();
    let dir = w.path().join("mail").join("hrw");
    request_dir(&w, "hrw", &dir);
    let before = w.snapshot();

    // Edited payload (another version), signed by hrw: the record is rebuilt from the request,
    // so the signature does not cover it.
    let edited = dir.join("edited");
    std::fs::create_dir_all(&edited).expect("dir");
    let p = std::fs::read_to_string(dir.join("payload"))
        .expect("payload")
        .replace("version: 1", "version: 2");
    std::fs::write(edited.join("payload"), p).expect("write");
    let sig = ssh_keygen_sign(&w.key("hrw"), &edited.join("payload"), "undersigned");
    refused(
        &accept_run(&w, &dir, &sig),
        &["org/hrw's signature", "does not verify"],
    );

    // fidh's key over hrw's payload.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    std::fs::copy(dir.join("payload"), other.join("payload")).expect("copy");
    let sig = ssh_keygen_sign(&w.key("fidh"), &other.join("payload"), "undersigned");
    refused(&accept_run(&w, &dir, &sig), &["org/hrw's key in force"]);

    // The right key in the git namespace.
    let git_ns = dir.join("git-ns");
    std::fs::create_dir_all(&git_ns).expect("dir");
    std::fs::copy(dir.join("payload"), git_ns.join("payload")).expect("copy");
    let sig = ssh_keygen_sign(&w.key("hrw"), &git_ns.join("payload"), "git");
    refused(&accept_run(&w, &dir, &sig), &[s(&sig), "namespace"]);

    // Not a signature.
    let junk = dir.join("junk.sig");
    std::fs::write(&junk, "thanks, signed!\n").expect("write");
    refused(
        &accept_run(&w, &dir, &junk),
        &[s(&junk), "ssh-keygen -Y sign"],
    );

    // A request for any organization fixed no payload.
    let any = w.path().join("mail").join("any.json");
    w.ok(&[
        "request",
        "icc",
        "--key",
        &w.key_arg("editor"),
        "-o",
        s(&any),
    ]);
    let good = ssh_keygen_sign(&w.key("hrw"), &dir.join("payload"), "undersigned");
    let o = w.run(&[
        "accept",
        "--request",
        s(&any),
        "--signature",
        s(&good),
        "--key",
        &w.key_arg("editor"),
    ]);
    refused(&o, &["names no organization", "sign --request"]);
    assert_eq!(w.snapshot(), before, "a refused accept changed the ledger");

    // CRLF, as a Windows editor may save it: accepted, and stored in canonical form.
    let crlf = dir.join("crlf.sig");
    let text = std::fs::read_to_string(&good).expect("sig");
    std::fs::write(&crlf, text.replace('\n', "\r\n")).expect("write");
    let o = accept_run(&w, &dir, &crlf);
    assert!(o.status.success(), "{}", said(&o));
    let (c, report) = verify(&w, &["--full"]);
    assert_eq!(c, 0, "{report:#}");
    w.assert_stock_git_agrees();
}

/// `sign --request` on a request made for one organization signs its fixed payload (the
/// same bytes ssh-keygen would sign) as that organization only; the organization can pin the
/// ledger id and the editor's fingerprint, and a request that differs is refused with nothing
/// written.
#[test]
fn sign_request_of_a_request_for_one_org_and_the_pins() {
    let (w, id) = world();
    let dir = w.path().join("mail").join("hrw");
    request_dir(&w, "hrw", &dir);
    let req = dir.join("request.json");
    let out = w.path().join("mail").join("endorsement.json");
    let editor_fp = w.json(&["key", "show", &format!("{}.pub", w.key_arg("editor"))])
        ["fingerprint"]
        .as_str()
        .expect("fp")
        .to_string();
    let nowhere = w.path().join("no-ledger-here");
    let sign = |extra: &[&str]| {
        let mut args = vec!["--json", "sign", "--request", s(&req), "-o", s(&out)];
        args.extend_from_slice(extra);
        w.cmd()
            .env("UNDERSIGNED_LEDGER", &nowhere)
            .args(&args)
            .output()
            .expect("runs")
    };
    let hrw = w.key_arg("hrw");
    let fidh = w.key_arg("fidh");
    // As another organization: refused.
    let o = sign(&["--org", "fidh", "--key", &fidh, "--yes"]);
    refused(&o, &["made for org/hrw", "not org/fidh"]);
    // Pinned to another ledger or editor: refused, nothing written.
    let o = sign(&["--key", &hrw, "--yes", "--trust", &"a".repeat(40)]);
    refused(&o, &["for ledger", &id, "nothing was signed"]);
    let o = sign(&[
        "--key",
        &hrw,
        "--yes",
        "--editor-fingerprint",
        "SHA256:nope",
    ]);
    refused(&o, &["signed by editor key", &editor_fp]);
    assert!(!out.exists());
    // Another key than the one the request names: refused before anything is asked.
    let o = sign(&["--key", &fidh, "--yes"]);
    refused(
        &o,
        &["org/hrw's key in force", "which the request names", &fidh],
    );
    assert!(!out.exists());
    // The right pins, no --org: the request's organization signs, at the time it fixed.
    let o = sign(&[
        "--key",
        &hrw,
        "--yes",
        "--trust",
        &id,
        "--editor-fingerprint",
        &editor_fp,
    ]);
    assert!(o.status.success(), "{}", said(&o));
    let shown = stderr(&o);
    assert!(
        shown.contains(&format!(
            "Requested by editor/coordinator ({editor_fp}) for ledger {id}"
        )),
        "{shown}"
    );
    let summary: SignedSummary = serde_json::from_slice(&o.stdout).expect("SignedSummary");
    assert_eq!(summary.org, "hrw");
    assert!(!nowhere.exists());
    let rec: Value = serde_json::from_slice(&std::fs::read(&out).expect("record")).expect("JSON");
    let payload = std::fs::read_to_string(dir.join("payload")).expect("payload");
    assert!(
        payload.contains(&format!(
            "signed-at: {}\n",
            rec["signed_at"].as_str().expect("t")
        )),
        "the request's fixed time: {payload}"
    );
    // Signing again to the same file (or to a key file) replaces nothing.
    let written = std::fs::read(&out).expect("record");
    let o = sign(&["--key", &hrw, "--yes"]);
    refused(&o, &["already exists", "nothing was written"]);
    let o = w
        .cmd()
        .env("UNDERSIGNED_LEDGER", &nowhere)
        .args([
            "sign",
            "--request",
            s(&req),
            "-o",
            &hrw,
            "--key",
            &hrw,
            "--yes",
        ])
        .output()
        .expect("runs");
    refused(&o, &["already exists"]);
    assert!(std::fs::read_to_string(&hrw)
        .expect("key")
        .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    assert_eq!(std::fs::read(&out).expect("record"), written);
    let o = w.run(&["--json", "accept", s(&out), "--key", &w.key_arg("editor")]);
    assert!(o.status.success(), "{}", said(&o));
    assert_eq!(w.ok(&["payload", "icc", "--org", "hrw"]), payload);
}

/// `accept --request` checks that the request's editor is an editor of this ledger: a request
/// signed by a key the ledger does not know as that editor's is refused, even when the
/// organization's signature on the payload is good.
#[test]
fn accept_request_refuses_a_request_not_made_by_this_ledgers_editor() {
    let (w, _) = world();
    let dir = w.path().join("mail").join("hrw");
    request_dir(&w, "hrw", &dir);
    // Re-signed by fidh's key, named as its own editor key: a valid request, not ours.
    let req_path = dir.join("request.json");
    let mut req: Value = serde_json::from_slice(&std::fs::read(&req_path).expect("r")).expect("j");
    let fidh_pub = std::fs::read_to_string(format!("{}.pub", w.key_arg("fidh"))).expect("pub");
    req["editor_key"] = fidh_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .into();
    let fields = [
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
    ];
    let mut p = String::from("undersigned request v1\n");
    for (k, f) in fields {
        match &req[f] {
            Value::String(s) => p.push_str(&format!("{k}: {s}\n")),
            Value::Null => {}
            other => p.push_str(&format!("{k}: {other}\n")),
        }
    }
    let forged = w.path().join("mail").join("forged");
    std::fs::create_dir_all(&forged).expect("dir");
    std::fs::write(forged.join("request-payload"), p).expect("write");
    let sig = ssh_keygen_sign(
        &w.key("fidh"),
        &forged.join("request-payload"),
        "undersigned-request",
    );
    req["signature"] = std::fs::read_to_string(sig).expect("sig").trim_end().into();
    std::fs::write(
        forged.join("request.json"),
        serde_json::to_vec_pretty(&req).expect("j"),
    )
    .expect("write");
    let good = ssh_keygen_sign(&w.key("hrw"), &dir.join("payload"), "undersigned");
    let before = w.snapshot();
    let o = accept_run(&w, &forged, &good);
    refused(&o, &["not a key of editor/coordinator in this ledger"]);
    assert_eq!(w.snapshot(), before);
}

/// `request --stale -o DIR`: after a revision, one signed request per organization whose
/// endorsement is of the older version, each signable by ssh-keygen; an organization without a
/// key is named, not written for. Filing them brings everyone back to current.
#[test]
fn request_stale_writes_one_request_per_stale_organization() {
    let (w, _) = world();
    let e = w.key_arg("editor");
    for org in ["hrw", "fidh"] {
        w.ok(&["sign", "icc", "--org", org, "--key", &w.key_arg(org)]);
    }
    let ev = w.write_file("quiet.eml", "yes\n");
    w.ok(&[
        "attest",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &ev,
        "--key",
        &e,
    ]);
    let v2 = w.write_file(
        "v2.txt",
        "On behalf of 3 organizations, we urge all states.\n",
    );
    w.ok(&["statement", "revise", "icc", "--text", &v2, "--key", &e]);
    let status = w.json(&["status", "icc"]);
    assert_eq!(status["counts"]["stale"], 3, "{status}");

    let out = w.path().join("requests");
    let v = w.json(&["request", "icc", "--stale", "--key", &e, "-o", s(&out)]);
    let written: RequestsWritten = serde_json::from_value(v).expect("RequestsWritten");
    assert_eq!(written.format, "undersigned-requests/1");
    assert_eq!(written.version, 2);
    let orgs: Vec<&str> = written
        .requests
        .iter()
        .filter_map(|r| r.org.as_deref())
        .collect();
    assert_eq!(orgs, ["fidh", "hrw"]);
    assert_eq!(written.without_key, ["quiet"]);
    for org in ["fidh", "hrw"] {
        let dir = out.join(org);
        let sig = ssh_keygen_sign(&w.key(org), &dir.join("payload"), "undersigned");
        let o = accept_run(&w, &dir, &sig);
        assert!(o.status.success(), "{}", said(&o));
    }
    let status = w.json(&["status", "icc"]);
    assert_eq!(
        status["current"],
        serde_json::json!(["fidh", "hrw"]),
        "{status}"
    );
    assert_eq!(status["stale"][0]["org"], "quiet", "{status}");
    let (c, report) = verify(&w, &["--full"]);
    assert_eq!(c, 0, "{report:#}");
    // --stale without -o is a usage error.
    let o = w.run(&["request", "icc", "--stale", "--key", &e]);
    assert_eq!(code(&o), 2, "{}", said(&o));
}

/// A request needs an editor's key, and a registered organization with a key for --org; each
/// refusal is one line naming what is wrong, and nothing is written.
#[test]
fn request_refuses_a_non_editor_key_and_an_org_that_cannot_sign() {
    let (w, _) = world();
    let dir = w.path().join("mail").join("x");
    let o = w.run(&["request", "icc", "--key", &w.key_arg("hrw"), "-o", s(&dir)]);
    refused(&o, &["is not the key of an editor of this ledger", "--key"]);
    let e = w.key_arg("editor");
    let o = w.run(&[
        "request",
        "icc",
        "--org",
        "nobody",
        "--key",
        &e,
        "-o",
        s(&dir),
    ]);
    refused(&o, &["organization \"nobody\"", "org add"]);
    let o = w.run(&[
        "request",
        "icc",
        "--org",
        "quiet",
        "--key",
        &e,
        "-o",
        s(&dir),
    ]);
    refused(&o, &["org/quiet has no registered key"]);
    let o = w.run(&["request", "icc"]);
    assert_eq!(code(&o), 2, "--key is required: {}", said(&o));
    assert!(!dir.exists());
}
