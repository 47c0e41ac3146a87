//! The exact bytes each signature covers. Every signed payload has its one owner here, so the
//! signer, the verifier and the README's `ssh-keygen -Y verify` recipe cannot drift apart.
//!
//! Commits are signed over the commit object without its `gpgsig` header (git's own rule,
//! namespace `git`); [`crate::commit_object`] owns that payload: it takes a raw commit apart
//! exactly as git does to check it, and refuses commits that readers could split differently. Act records are signed over the text below (namespace `undersigned`): one
//! `field: value` per line, every field a reader of the record will trust, nothing else. Values
//! are slugs, numbers, hex, times or one-line texts checked to hold no line breaks, so the
//! encoding is unambiguous.

use crate::keys::{ParsedSig, SigError};
use crate::record::ActRecord;

/// SSHSIG namespace of commit signatures; git requires exactly this.
pub const COMMIT_NAMESPACE: &str = "git";

/// SSHSIG namespace of act records (endorsements, withdrawals). A signature made for a commit,
/// an e-mail or a file can never pass for an endorsement, and the other way round.
pub const ACT_NAMESPACE: &str = "undersigned";

/// First line of every act payload; names the payload format.
pub const ACT_PAYLOAD_MAGIC: &str = "undersigned act v1";

/// SSHSIG namespace of the editor's signature on a signing request: neither a commit nor an
/// endorsement can pass for a request, nor a request for either.
pub const REQUEST_NAMESPACE: &str = "undersigned-request";

/// First line of every request payload.
pub const REQUEST_PAYLOAD_MAGIC: &str = "undersigned request v1";

/// The bytes an editor's signature on a signing request covers: every field the organization
/// is shown, in one `field: value` line each (the text through its sha256, which the reader
/// checks against the text). The caller checks that no value holds a line break.
pub fn request_payload(r: &crate::mail::Request) -> Vec<u8> {
    let mut s = String::with_capacity(600);
    let mut line = |k: &str, v: &str| {
        s.push_str(k);
        s.push_str(": ");
        s.push_str(v);
        s.push('\n');
    };
    line("ledger", &r.ledger);
    line("ledger-name", &r.ledger_name);
    line("statement", &r.statement);
    line("version", &r.version.to_string());
    line("title", &r.title);
    line("text-sha256", &r.text_sha256);
    if let Some(org) = &r.org {
        line("org", org);
    }
    if let Some(t) = &r.signed_at {
        line("signed-at", t);
    }
    if let Some(k) = &r.org_key {
        line("org-key", k);
    }
    line("editor", &r.editor);
    line("editor-key", &r.editor_key);
    line("requested-at", &r.requested_at);
    let mut out = String::with_capacity(s.len() + 24);
    out.push_str(REQUEST_PAYLOAD_MAGIC);
    out.push('\n');
    out.push_str(&s);
    out.into_bytes()
}

/// The bytes an act record's `signature` covers.
pub fn act_payload(r: &ActRecord) -> Vec<u8> {
    let mut s = String::with_capacity(400);
    let mut line = |k: &str, v: &str| {
        s.push_str(k);
        s.push_str(": ");
        s.push_str(v);
        s.push('\n');
    };
    line("act", r.act.as_str());
    line("ledger", &r.ledger);
    line("statement", &r.statement);
    if let Some(v) = r.version {
        line("version", &v.to_string());
    }
    if let Some(h) = &r.text_sha256 {
        line("text-sha256", h);
    }
    line("org", &r.org);
    line("signed-at", &r.signed_at);
    if let Some(reason) = &r.reason {
        line("reason", reason);
    }
    line("provenance", r.provenance.as_str());
    if let Some(e) = &r.evidence_sha256 {
        line("evidence-sha256", e);
    }
    line("signer", &r.signer);
    let mut out = String::with_capacity(s.len() + 24);
    out.push_str(ACT_PAYLOAD_MAGIC);
    out.push('\n');
    out.push_str(&s);
    out.into_bytes()
}

/// A signature and the exact bytes it must cover, checked later (verification queues these and
/// checks them on every core; a writer checks its own at once).
pub struct SignedData {
    /// The parsed SSHSIG (namespace and algorithm already checked).
    pub sig: ParsedSig,
    /// The exact bytes it covers: a commit without its signature header, or an act payload.
    pub bytes: Vec<u8>,
    /// Who is said to have signed, for the message (`org/hrw`, `editor/alice`).
    pub signer: String,
}

impl SignedData {
    /// Checks the signature over the bytes (`verify_strict`, as ssh-keygen judges it).
    pub fn check(&self) -> Result<(), SigError> {
        self.sig.verify(&self.bytes)
    }

    /// Bytes carried, for batching.
    pub fn weight(&self) -> usize {
        self.bytes.len()
    }
}

/// The shell command that checks an act record's own signature with stock `ssh-keygen` alone
/// (`undersigned payload --command`): `allowed` (the signer's `allowed_signers` lines), the
/// armored signature and the payload travel in quoted here-documents, so the command runs as
/// it is in any POSIX shell, reads no file and expands nothing. ssh-keygen judges the key at
/// the record's `signed_at` (`-Overify-time`, see [`crate::timefmt::verify_time`]), so the
/// record of a key rotated or revoked since still verifies.
///
/// `None` when the record's time is not a record time, or when some text cannot travel in a
/// here-document (a NUL, or a line equal to its terminator), which no valid record holds.
pub fn ssh_keygen_command(r: &ActRecord, allowed: &[&str]) -> Option<String> {
    let verify_time = crate::timefmt::verify_time(&r.signed_at)?;
    let payload = String::from_utf8(act_payload(r)).ok()?;
    let mut allowed_body = allowed.join("\n");
    if !allowed_body.is_empty() {
        allowed_body.push('\n');
    }
    let mut signature = r.signature.trim_end_matches('\n').to_string();
    signature.push('\n');
    let docs = [
        ("ALLOWED_SIGNERS", allowed_body),
        ("SIGNATURE", signature),
        ("PAYLOAD", payload),
    ];
    for (end, body) in &docs {
        if body.contains('\0') || body.lines().any(|l| l == *end) {
            return None;
        }
    }
    let mut out = format!(
        "ssh-keygen -Y verify -f /dev/fd/3 -I {} -n {ACT_NAMESPACE} -s /dev/fd/4 -Overify-time={verify_time} 3<<'{}' 4<<'{}' <<'{}'\n",
        shell_word(&r.signer),
        docs[0].0,
        docs[1].0,
        docs[2].0
    );
    for (end, body) in &docs {
        out.push_str(body);
        out.push_str(end);
        out.push('\n');
    }
    Some(out)
}

/// One shell word: as it is when it holds only characters no shell treats specially, else in
/// single quotes.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/_.,:=@+-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ActKind, Provenance};

    fn endorsement() -> ActRecord {
        ActRecord {
            act: ActKind::Endorse,
            ledger: "a".repeat(40),
            statement: "icc".into(),
            version: Some(2),
            text_sha256: Some("b".repeat(64)),
            org: "hrw".into(),
            signed_at: "2026-11-28T10:00:00.000Z".into(),
            reason: None,
            provenance: Provenance::Signed,
            evidence_sha256: None,
            signer: "org/hrw".into(),
            key: "SHA256:x".into(),
            signature: "sig".into(),
        }
    }

    #[test]
    fn payload_is_the_documented_text() {
        let expected = format!(
            "undersigned act v1\nact: endorse\nledger: {}\nstatement: icc\nversion: 2\ntext-sha256: {}\norg: hrw\nsigned-at: 2026-11-28T10:00:00.000Z\nprovenance: signed\nsigner: org/hrw\n",
            "a".repeat(40),
            "b".repeat(64)
        );
        assert_eq!(
            String::from_utf8(act_payload(&endorsement())).unwrap(),
            expected
        );
    }

    #[test]
    fn ssh_keygen_command_carries_keys_signature_payload_and_time() {
        let r = endorsement();
        let cmd = ssh_keygen_command(&r, &["org/hrw ssh-ed25519 AAAA", "org/hrw x AAAB"])
            .expect("a valid record");
        let payload = String::from_utf8(act_payload(&r)).unwrap();
        assert_eq!(
            cmd,
            format!(
                "ssh-keygen -Y verify -f /dev/fd/3 -I org/hrw -n undersigned -s /dev/fd/4 -Overify-time=20261128100000Z 3<<'ALLOWED_SIGNERS' 4<<'SIGNATURE' <<'PAYLOAD'\n\
                 org/hrw ssh-ed25519 AAAA\norg/hrw x AAAB\nALLOWED_SIGNERS\n\
                 sig\nSIGNATURE\n\
                 {payload}PAYLOAD\n"
            )
        );
    }

    #[test]
    fn ssh_keygen_command_refuses_what_a_here_document_cannot_carry() {
        let mut r = endorsement();
        r.signed_at = "2026-11-28T10:00:00Z".into();
        assert_eq!(ssh_keygen_command(&r, &[]), None, "not a record time");
        let mut r = endorsement();
        r.signature = "-----BEGIN\nSIGNATURE\n-----END".into();
        assert_eq!(ssh_keygen_command(&r, &[]), None, "the terminator inside");
        let mut r = endorsement();
        r.reason = Some("a\0b".into());
        assert_eq!(ssh_keygen_command(&r, &[]), None, "a NUL");
        assert_eq!(
            ssh_keygen_command(&endorsement(), &["ALLOWED_SIGNERS"]),
            None
        );
        let mut r = endorsement();
        r.signer = "org/it's here".into();
        let cmd = ssh_keygen_command(&r, &[]).expect("quoted");
        assert!(cmd.contains(" -I 'org/it'\\''s here' "), "{cmd}");
    }

    #[test]
    fn every_trusted_field_changes_the_payload() {
        let base = act_payload(&endorsement());
        type Edit = Box<dyn Fn(&mut ActRecord)>;
        let edits: Vec<Edit> = vec![
            Box::new(|r| r.act = ActKind::Withdraw),
            Box::new(|r| r.ledger = "c".repeat(40)),
            Box::new(|r| r.statement = "other".into()),
            Box::new(|r| r.version = Some(3)),
            Box::new(|r| r.text_sha256 = Some("c".repeat(64))),
            Box::new(|r| r.org = "fidh".into()),
            Box::new(|r| r.signed_at = "2026-11-28T10:00:00.001Z".into()),
            Box::new(|r| r.reason = Some("x".into())),
            Box::new(|r| r.provenance = Provenance::Attested),
            Box::new(|r| r.evidence_sha256 = Some("d".repeat(64))),
            Box::new(|r| r.signer = "editor/alice".into()),
        ];
        for edit in edits {
            let mut r = endorsement();
            edit(&mut r);
            assert_ne!(act_payload(&r), base);
        }
    }
}
