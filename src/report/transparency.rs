//! What the transparency log's commands print with `--json`: a witness's cosignature, a
//! witness's key, a receipt written, a receipt checked.

use serde::{Deserialize, Serialize};

/// `witness cosign`: the cosignature made, committed or written for mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignOutput {
    /// `undersigned-cosign/1`.
    pub format: String,
    /// The witness.
    pub org: String,
    /// The checkpoint cosigned.
    pub checkpoint: u32,
    /// Its tree size.
    pub size: u64,
    /// The time the cosignature states (seconds).
    pub time: u64,
    /// The cosignature line.
    pub line: String,
    /// The commit that holds it, when committed.
    #[serde(default)]
    pub commit: Option<String>,
    /// The file written for mail, when exported.
    #[serde(default)]
    pub file: Option<String>,
}

/// `witness key`: a witness's verifier key, for `receipt verify --witness`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessKeyOutput {
    /// `undersigned-witness-key/1`.
    pub format: String,
    /// The organization.
    pub org: String,
    /// The C2SP verifier key (`org/<id>+<key ID>+<base64>`).
    pub vkey: String,
    /// The OpenSSH fingerprint of the same key.
    pub fingerprint: String,
}

/// `receipt` and `receipt update`: the receipt written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptWritten {
    /// `undersigned-receipt-written/1`.
    pub format: String,
    /// Where.
    pub file: String,
    /// The act's leaf index.
    pub index: u64,
    /// The checkpoint's tree size.
    pub size: u64,
    /// Witnesses whose cosignatures it carries.
    pub cosignatures: usize,
    /// Its size in bytes.
    pub bytes: usize,
}

/// `receipt verify`: what the receipt proves, once every part checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptVerdict {
    /// `undersigned-receipt-verify/1`.
    pub format: String,
    /// True: every check passed (a failure exits 1 with the part named).
    pub ok: bool,
    /// The ledger.
    pub ledger_id: String,
    /// The statement.
    pub statement: String,
    /// The organization (empty for an individual's act).
    pub org: String,
    /// The individual, for an individual's act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// `endorse` or `withdraw`.
    pub act: String,
    /// The version endorsed.
    #[serde(default)]
    pub version: Option<u32>,
    /// The endorsed text's sha256.
    #[serde(default)]
    pub text_sha256: Option<String>,
    /// The record's own time (the signer's claim).
    pub signed_at: String,
    /// The fingerprint of the key that signed the record.
    pub key: String,
    /// The act's leaf index.
    pub index: u64,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root, base64.
    pub root: String,
    /// The editor whose key signed the checkpoint.
    pub checkpoint_signer: String,
    /// The given witnesses that cosigned, with their times.
    pub witnessed: Vec<super::Witnessed>,
    /// Cosignatures required.
    pub quorum: u32,
    /// The newer checkpoint it was checked against, when asked.
    #[serde(default)]
    pub against: Option<Against>,
}

/// A newer checkpoint a receipt was checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Against {
    /// Its tree size.
    pub size: u64,
    /// Its root, base64.
    pub root: String,
    /// True when the act is shown to be in it too (an updated receipt's inclusion proof).
    pub still_included: bool,
}
