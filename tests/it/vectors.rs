//! Test vectors as files, for an independent implementation to check itself against
//! (`tests/vectors/*.json`, one case per file; `fail_*` must be refused). Each holds what a
//! checker needs: the signer's public key and principal, the SSHSIG namespace, the exact payload
//! (and for act records the record it is built from, for commits the whole commit object), the
//! armored signature, and the expected verdict. This test checks every file three ways — the
//! payload builder, undersigned's own verifier, and stock `ssh-keygen -Y verify` — and that the
//! files are exactly what the code writes from the keys in `tests/vectors/keys/`
//! (`UNDERSIGNED_WRITE_VECTORS=1 cargo test --test it vectors::` rewrites them).

use crate::common::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use undersigned::commit_object::{self, Verdict};
use undersigned::keys::{verify_sshsig, PublicKeyInfo, SigningKey};
use undersigned::record::{self, ActKind, ActRecord, Provenance};
use undersigned::signed_data::{act_payload, ACT_NAMESPACE, COMMIT_NAMESPACE};

/// One vector file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    /// What the case is.
    description: String,
    /// `act` (an endorsement or withdrawal record's own signature) or `commit`.
    kind: String,
    /// SSHSIG namespace to verify with.
    namespace: String,
    /// The principal the signature must be by (`-I` of ssh-keygen).
    principal: String,
    /// The principal's registered key.
    public_key: String,
    /// For acts: the record the payload is built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record: Option<ActRecord>,
    /// For commits: the whole commit object, signature header included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    /// The exact bytes the signature must cover.
    payload: String,
    /// The armored SSHSIG.
    signature: String,
    /// `valid` or `invalid`.
    expect: String,
}

const LEDGER: &str = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c";
const TEXT_V2: &str = "On behalf of 2 organizations, we urge states parties to cooperate.\n";
const SIGNED_AT: &str = "2026-11-28T10:02:43.123Z";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// A key of `tests/vectors/keys/`, copied 0600 to `dir` (git does not keep a file's mode).
fn key(dir: &Path, name: &str) -> SigningKey {
    use std::os::unix::fs::PermissionsExt;
    let to = dir.join(name);
    std::fs::copy(vectors_dir().join("keys").join(name), &to).expect("copy key");
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    SigningKey::load(&to, &mut || Ok(None)).expect("vector key")
}

fn act_vector(description: &str, mut r: ActRecord, key: &SigningKey, expect: &str) -> Vector {
    r.key = key.fingerprint().to_string();
    r.signature = key.sign(ACT_NAMESPACE, &act_payload(&r)).expect("sign");
    Vector {
        description: description.into(),
        kind: "act".into(),
        namespace: ACT_NAMESPACE.into(),
        principal: r.signer.clone(),
        public_key: key.public().openssh,
        payload: String::from_utf8(act_payload(&r)).expect("utf-8"),
        signature: r.signature.clone(),
        record: Some(r),
        commit: None,
        expect: expect.into(),
    }
}

fn endorsement(provenance: Provenance) -> ActRecord {
    let attested = provenance == Provenance::Attested;
    ActRecord {
        act: ActKind::Endorse,
        ledger: LEDGER.into(),
        statement: "icc".into(),
        version: Some(2),
        text_sha256: Some(record::sha256_hex(TEXT_V2.as_bytes())),
        texts: Vec::new(),
        org: Some("hrw".into()),
        person: None,
        signed_at: SIGNED_AT.into(),
        reason: None,
        provenance,
        evidence_sha256: attested.then(|| record::sha256_hex(b"From: hrw\n\nWe endorse.\n")),
        signer: if attested {
            "editor/coordinator"
        } else {
            "org/hrw"
        }
        .into(),
        key: String::new(),
        signature: String::new(),
    }
}

/// An individual's endorsement of a version published in three languages: the payload lists
/// each language with its text's sha256, the original first (format 2).
fn multilingual() -> ActRecord {
    let texts = [
        ("en", TEXT_V2),
        (
            "es",
            "En nombre de 2 organizaciones, instamos a los Estados partes.\n",
        ),
        (
            "fr",
            "Au nom de 2 organisations, nous appelons les États parties.\n",
        ),
    ];
    ActRecord {
        texts: texts
            .iter()
            .map(|(lang, t)| record::TextRef {
                lang: (*lang).into(),
                text_sha256: record::sha256_hex(t.as_bytes()),
            })
            .collect(),
        org: None,
        person: Some("ada".into()),
        signer: "person/ada".into(),
        ..endorsement(Provenance::Signed)
    }
}

fn withdrawal(provenance: Provenance, reason: Option<&str>) -> ActRecord {
    ActRecord {
        act: ActKind::Withdraw,
        version: None,
        text_sha256: None,
        signed_at: "2026-11-29T08:00:00.000Z".into(),
        reason: reason.map(str::to_string),
        ..endorsement(provenance)
    }
}

/// A commit as undersigned writes it, signed by `key`; `edit` changes it after signing.
fn commit_vector(description: &str, key: &SigningKey, edit: Option<(&str, &str)>) -> Vector {
    let unsigned = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c\nauthor Coalition coordinator <coordinator@editor.undersigned.invalid> 1795860163 +0000\ncommitter Coalition coordinator <coordinator@editor.undersigned.invalid> 1795860163 +0000\n\nRevise icc to version 2\n\nUndersigned-Act: statement-revise\nUndersigned-Statement: icc\nUndersigned-Version: 2\nUndersigned-Actor: editor/coordinator\n";
    let signature = key
        .sign(COMMIT_NAMESPACE, unsigned.as_bytes())
        .expect("sign");
    let (head, body) = unsigned.split_once("\n\n").expect("header and message");
    let header = format!("gpgsig {}\n", signature.replace('\n', "\n "));
    let mut commit = format!("{head}\n{header}\n{body}");
    let mut payload = unsigned.to_string();
    if let Some((from, to)) = edit {
        commit = commit.replace(from, to);
        payload = payload.replace(from, to);
    }
    Vector {
        description: description.into(),
        kind: "commit".into(),
        namespace: COMMIT_NAMESPACE.into(),
        principal: "editor/coordinator".into(),
        public_key: key.public().openssh,
        record: None,
        commit: Some(commit),
        payload,
        signature,
        expect: if edit.is_some() { "invalid" } else { "valid" }.into(),
    }
}

/// Flips one character of the armor's body, in the signature bytes near its end.
fn flip(armor: &str) -> String {
    let mut lines: Vec<String> = armor.lines().map(str::to_string).collect();
    let at = lines.len() - 3;
    let line = &mut lines[at];
    let mid = line.len() / 2;
    let c = line.as_bytes()[mid];
    let other = if c == b'A' { 'B' } else { 'A' };
    line.replace_range(mid..mid + 1, &other.to_string());
    lines.join("\n")
}

/// Every vector, by file name.
fn build(dir: &Path) -> Vec<(String, Vector)> {
    let org = key(dir, "org-hrw");
    let editor = key(dir, "editor-coordinator");
    let person = key(dir, "person-ada");
    let many = act_vector(
        "an individual's endorsement of a version in three languages: each text's sha256 signed, the original first",
        multilingual(),
        &person,
        "valid",
    );
    let mut dropped = many.clone();
    let mut r = dropped.record.clone().expect("record");
    r.texts.retain(|t| t.lang != "es");
    dropped.payload = String::from_utf8(act_payload(&r)).expect("utf-8");
    dropped.record = Some(r);
    dropped.description =
        "a multilingual endorsement with one language's hash taken out after it was signed".into();
    dropped.expect = "invalid".into();
    let signed = act_vector(
        "an endorsement signed by the organization itself",
        endorsement(Provenance::Signed),
        &org,
        "valid",
    );
    let mut edited = signed.clone();
    let mut r = edited.record.clone().expect("record");
    r.version = Some(3);
    edited.payload = String::from_utf8(act_payload(&r)).expect("utf-8");
    edited.record = Some(r);
    edited.description = "the record's version changed after it was signed".into();
    edited.expect = "invalid".into();
    let mut flipped = signed.clone();
    flipped.signature = flip(&signed.signature);
    flipped.record.as_mut().expect("record").signature = flipped.signature.clone();
    flipped.description = "one character of the signature changed".into();
    flipped.expect = "invalid".into();
    let mut wrong_key = signed.clone();
    wrong_key.public_key = editor.public().openssh;
    wrong_key.description = "a good signature by another key than the organization's".into();
    wrong_key.expect = "invalid".into();
    let mut r = endorsement(Provenance::Signed);
    r.key = org.fingerprint().to_string();
    r.signature = org.sign(COMMIT_NAMESPACE, &act_payload(&r)).expect("sign");
    let other_namespace = Vector {
        description: "the payload signed in the namespace of commits (git), not of records".into(),
        payload: String::from_utf8(act_payload(&r)).expect("utf-8"),
        signature: r.signature.clone(),
        record: Some(r),
        expect: "invalid".into(),
        ..signed.clone()
    };
    vec![
        ("endorse_signed".into(), signed),
        ("endorse_multilingual_person".into(), many),
        ("fail_multilingual_text_dropped".into(), dropped),
        (
            "endorse_attested".into(),
            act_vector(
                "an endorsement an editor attests from evidence (only its sha256 is signed)",
                endorsement(Provenance::Attested),
                &editor,
                "valid",
            ),
        ),
        (
            "withdraw_signed".into(),
            act_vector(
                "a withdrawal with a reason, signed by the organization",
                withdrawal(
                    Provenance::Signed,
                    Some("Our board did not approve the revision"),
                ),
                &org,
                "valid",
            ),
        ),
        (
            "withdraw_attested".into(),
            act_vector(
                "a withdrawal an editor attests, without a reason",
                withdrawal(Provenance::Attested, None),
                &editor,
                "valid",
            ),
        ),
        (
            "commit_signed".into(),
            commit_vector("a commit as undersigned writes it", &editor, None),
        ),
        ("fail_record_edited".into(), edited),
        ("fail_signature_flipped".into(), flipped),
        ("fail_wrong_key".into(), wrong_key),
        ("fail_namespace".into(), other_namespace),
        (
            "fail_commit_edited".into(),
            commit_vector(
                "a commit whose message changed after it was signed",
                &editor,
                Some(("version 2\n", "version 3\n")),
            ),
        ),
    ]
}

fn encode(v: &Vector) -> String {
    let mut text = serde_json::to_string_pretty(v).expect("serializes");
    text.push('\n');
    text
}

/// undersigned's verdict on a vector.
fn verdict(v: &Vector) -> bool {
    let Ok(key) = PublicKeyInfo::parse_line(&v.public_key, "vector") else {
        return false;
    };
    verify_sshsig(
        v.signature.as_bytes(),
        &v.namespace,
        v.payload.as_bytes(),
        &key,
    )
    .is_ok()
}

/// Stock ssh-keygen's verdict on a vector.
fn ssh_keygen_verdict(dir: &Path, v: &Vector) -> bool {
    let allowed = dir.join("allowed");
    let sig = dir.join("sig");
    std::fs::write(&allowed, format!("{} {}\n", v.principal, v.public_key)).expect("write");
    std::fs::write(&sig, format!("{}\n", v.signature.trim_end())).expect("write");
    let mut child = std::process::Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-f",
            s(&allowed),
            "-I",
            &v.principal,
            "-n",
            &v.namespace,
            "-s",
            s(&sig),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ssh-keygen runs");
    use std::io::Write as _;
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(v.payload.as_bytes()).expect("payload");
    drop(stdin);
    child.wait().expect("ssh-keygen ends").success()
}

/// Stock git's verdict on a commit vector: the object written as it is, then `verify-commit`.
fn git_verdict(w: &World, dir: &Path, v: &Vector) -> bool {
    let repo = dir.join("repo");
    if !repo.exists() {
        w.git_at(dir, &["init", "-q", s(&repo)]);
    }
    let object = dir.join("commit");
    std::fs::write(&object, v.commit.as_deref().unwrap_or_default()).expect("write");
    let out = w.git_at(
        &repo,
        &[
            "hash-object",
            "-t",
            "commit",
            "--literally",
            "-w",
            s(&object),
        ],
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let allowed = dir.join("allowed");
    std::fs::write(&allowed, format!("{} {}\n", v.principal, v.public_key)).expect("write");
    let signers = format!("gpg.ssh.allowedSignersFile={}", s(&allowed));
    w.git_at(
        &repo,
        &["-c", "gpg.format=ssh", "-c", &signers, "verify-commit", &id],
    )
    .status
    .success()
}

#[test]
fn vectors_are_what_the_code_writes_and_every_checker_agrees_on_them() {
    let w = World::new();
    let scratch = tempfile::tempdir().expect("temp dir");
    let built = build(scratch.path());
    let write = std::env::var_os("UNDERSIGNED_WRITE_VECTORS").is_some();
    for (name, v) in &built {
        let path = vectors_dir().join(format!("{name}.json"));
        if write {
            std::fs::write(&path, encode(v)).expect("write vector");
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (write the vectors: UNDERSIGNED_WRITE_VECTORS=1)",
                path.display()
            )
        });
        assert_eq!(
            stored,
            encode(v),
            "{name}: the file differs from what the code writes"
        );
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("vectors dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        built.len(),
        "a vector file the code does not write: {files:?}"
    );
    for path in files {
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let v: Vector = serde_json::from_str(&std::fs::read_to_string(&path).expect("read"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            name.starts_with("fail_"),
            v.expect == "invalid",
            "{name}: naming"
        );
        if let Some(r) = &v.record {
            assert_eq!(
                act_payload(r),
                v.payload.as_bytes(),
                "{name}: the payload builder"
            );
        }
        if let Some(c) = &v.commit {
            match commit_object::read(c.as_bytes()) {
                Verdict::Signed(signed) => {
                    assert_eq!(
                        signed.payload,
                        v.payload.as_bytes(),
                        "{name}: commit payload"
                    );
                    assert_eq!(
                        signed.armor(),
                        v.signature.as_bytes(),
                        "{name}: commit signature"
                    );
                }
                other => panic!("{name}: commit not read as signed: {other:?}"),
            }
        }
        let valid = v.expect == "valid";
        assert_eq!(verdict(&v), valid, "{name}: undersigned's verdict");
        assert_eq!(
            ssh_keygen_verdict(scratch.path(), &v),
            valid,
            "{name}: ssh-keygen's verdict"
        );
        if v.commit.is_some() {
            assert_eq!(
                git_verdict(&w, scratch.path(), &v),
                valid,
                "{name}: git's verdict"
            );
        }
    }
}
