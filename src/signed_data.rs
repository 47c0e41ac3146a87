//! The exact bytes each signature covers. Every signed payload has its one owner here, so the
//! signer, the verifier and the README's `ssh-keygen -Y verify` recipe cannot drift apart.
//!
//! Commits are signed over the commit object without its `gpgsig` header (git's own rule,
//! namespace `git`); [`crate::commit_object`] owns that payload: it takes a raw commit apart
//! exactly as git does to check it, and refuses commits that readers could split differently. Act records are signed over the text below (namespace `undersigned`): one
//! `field: value` per line, every field a reader of the record will trust, nothing else. Values
//! are slugs, numbers, hex, times or one-line texts checked to hold no line breaks, so the
//! encoding is unambiguous.

use crate::record::ActRecord;

/// SSHSIG namespace of commit signatures; git requires exactly this.
pub const COMMIT_NAMESPACE: &str = "git";

/// SSHSIG namespace of act records (endorsements, withdrawals). A signature made for a commit,
/// an e-mail or a file can never pass for an endorsement, and the other way round.
pub const ACT_NAMESPACE: &str = "undersigned";

/// First line of every act payload; names the payload format.
pub const ACT_PAYLOAD_MAGIC: &str = "undersigned act v1";

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
