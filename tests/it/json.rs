//! The JSON contract: every command's `--json` output parses into the library's own type (the
//! same type the library returns), so the output and the type cannot drift apart, and the
//! README's rule table lists exactly the rules the library can report.

use crate::common::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use undersigned::record::Provenance;
use undersigned::report::{
    ActType, Audit, CloneReport, ErrorOutput, InitOutput, Installed, KeyOutput, Log, Outcome,
    PayloadOutput, Publication, Report, RequestSummary, SignedSummary, SyncReport,
};

/// `undersigned --json ARGS` (exit 0) parsed into `T`; written back, `T` gives the same JSON,
/// so the output has no field the type does not know.
fn typed<T: DeserializeOwned + Serialize>(w: &World, args: &[&str]) -> T {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = w.ok(&all);
    let value: T =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("undersigned {args:?}: {e}\n{out}"));
    let printed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        serde_json::to_value(&value).expect("serializes"),
        printed,
        "undersigned {args:?} printed fields its type does not hold"
    );
    value
}

#[test]
fn act_outputs_are_outcomes_and_init_and_keys_have_their_types() {
    let w = World::new();
    let key = w.key("editor");
    let k: KeyOutput = typed(&w, &["key", "new", "--no-passphrase", s(&key)]);
    assert!(k.fingerprint.starts_with("SHA256:"), "{k:?}");
    assert_eq!(k.file.as_deref(), Some(s(&key)));
    let shown: KeyOutput = typed(&w, &["key", "show", s(&key)]);
    assert_eq!(shown.fingerprint, k.fingerprint);
    assert_eq!(shown.public_key, k.public_key);
    let init: InitOutput = typed(&w, &["init", "--name", "Coalition", "--key", s(&key)]);
    assert!(is_hex40(&init.ledger_id));
    assert_eq!(init.editor, "editor/coordinator");
    let org = w.ssh_keygen("hrw");
    let pubkey = format!("{}.pub", org.display());
    let e = w.key_arg("editor");
    let added: Outcome = typed(
        &w,
        &[
            "org", "add", "hrw", "--name", "HRW", "--pubkey", &pubkey, "--key", &e,
        ],
    );
    assert!(added.changed);
    assert_eq!(added.paths.len(), 3, "org, key, allowed_signers: {added:?}");
    let text = w.write_file("t.txt", "On behalf of 1 organization.\n");
    let _: Outcome = typed(
        &w,
        &[
            "statement",
            "new",
            "icc",
            "--title",
            "T",
            "--text",
            &text,
            "--key",
            &e,
        ],
    );
    let signed: Outcome = typed(&w, &["sign", "icc", "--org", "hrw", "--key", s(&org)]);
    assert_eq!(signed.commit.as_deref(), Some(w.head().as_str()));
    let again: Outcome = typed(&w, &["sign", "icc", "--org", "hrw", "--key", s(&org)]);
    assert!(!again.changed && again.commit.is_none(), "{again:?}");
}

#[test]
fn read_outputs_have_their_types() {
    let w = World::new();
    let id = w.standard();
    w.ok(&["sign", "icc", "--org", "hrw", "--key", &w.key_arg("hrw")]);
    let evidence = w.write_file("mail.eml", "We endorse.\n");
    w.ok(&[
        "attest",
        "icc",
        "--org",
        "quiet",
        "--evidence",
        &evidence,
        "--key",
        &w.key_arg("editor"),
    ]);
    let report: Report = typed(&w, &["verify", "--trust", &id]);
    assert!(report.ok && report.failures.is_empty(), "{report:?}");
    assert_eq!(
        (report.ledger_id.as_str(), report.trusted),
        (id.as_str(), Some(true))
    );
    assert_eq!((report.organizations, report.endorsements), (3, 2));
    let audit: Audit = typed(&w, &["audit", "icc"]);
    assert_eq!(audit.current, ["hrw", "quiet"]);
    let provenance: Vec<Provenance> = audit.versions[0]
        .endorsements
        .iter()
        .map(|e| e.provenance)
        .collect();
    assert!(provenance.contains(&Provenance::Attested), "{audit:?}");
    let show: Publication = typed(&w, &["show", "icc"]);
    assert_eq!(show.count, 2);
    assert_eq!(show.signatories[0].n, 1);
    let log: Log = typed(&w, &["log"]);
    assert_eq!(log.format, "undersigned-log/1");
    let log = log.entries;
    assert_eq!(log.first().map(|e| e.act), Some(ActType::Init));
    assert_eq!(log.last().map(|e| e.act), Some(ActType::Endorse));
    assert_eq!(
        log.last().and_then(|e| e.provenance),
        Some(Provenance::Attested)
    );
    let payload: PayloadOutput = typed(&w, &["payload", "icc", "--org", "hrw"]);
    assert_eq!(payload.namespace, "undersigned");
    assert!(payload.payload.starts_with("undersigned act v1\n"));
}

#[test]
fn errors_under_json_have_their_type() {
    let w = World::new();
    w.standard();
    let out = w.run(&[
        "--json",
        "sign",
        "icc",
        "--org",
        "nope",
        "--key",
        &w.key_arg("hrw"),
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    let e: ErrorOutput = serde_json::from_slice(&out.stdout).expect("an ErrorOutput");
    assert!(
        !e.ok && e.error.contains("nope") && e.failures.is_none(),
        "{e:?}"
    );
}

#[test]
fn coalition_outputs_have_their_types() {
    let w = World::new();
    let id = w.standard();
    let srv = w.path().join("srv.git");
    w.git_at(
        w.path(),
        &["init", "-q", "--bare", "--initial-branch=main", s(&srv)],
    );
    let hook: Installed = typed(&w, &["hook", "install", s(&srv), "--trust", &id]);
    assert_eq!(hook.trust.as_deref(), Some(id.as_str()));
    w.git(&["remote", "add", "origin", s(&srv)]);
    let first: SyncReport = typed(&w, &["sync"]);
    assert_eq!((first.remote.as_str(), first.received), ("origin", 0));
    let dir = w.path().join("clone");
    let cloned: CloneReport = typed(&w, &["clone", s(&srv), s(&dir), "--trust", &id]);
    assert_eq!(
        (cloned.ledger_id.as_str(), cloned.trusted),
        (id.as_str(), Some(true))
    );
    assert_eq!(cloned.head, w.head());
    let req = w.path().join("request.json");
    let summary: RequestSummary = typed(
        &w,
        &[
            "request",
            "icc",
            "--key",
            &w.key_arg("editor"),
            "-o",
            s(&req),
        ],
    );
    assert_eq!((summary.statement.as_str(), summary.version), ("icc", 1));
    let end = w.path().join("endorsement.json");
    let signed: SignedSummary = typed(
        &w,
        &[
            "sign",
            "--request",
            s(&req),
            "--org",
            "fidh",
            "--key",
            &w.key_arg("fidh"),
            "-o",
            s(&end),
            "--yes",
        ],
    );
    assert_eq!(
        signed.text_sha256.as_deref(),
        Some(summary.text_sha256.as_str())
    );
}
