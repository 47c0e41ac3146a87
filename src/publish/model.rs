//! `statement.json`: what a published page shows and embeds, as data. Its `format` field names
//! the version of this contract ([`FORMAT`]); a reader refuses a format it does not know.
//!
//! Everything here is derived from a verified ledger (DESIGN.md, principle 10): the page can be
//! rebuilt from the ledger at `ledger.head` and must come out the same, `generated_at` aside.

use crate::record::{ActRecord, Kind};
use crate::report::{Counts, SignOnView};
use serde::{Deserialize, Serialize};

/// Format of `statement.json` and of the data embedded in each page.
/// Version 2 adds individuals (their own list, `kind` and `affiliation` on entries),
/// translations, counts by kind and country, and sign-on.
pub const FORMAT: &str = "undersigned-statement/2";

/// One statement as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementData {
    /// [`FORMAT`].
    pub format: String,
    /// The program that made it (`undersigned 0.1.0`).
    pub generator: String,
    /// When the page was made (record time form, UTC).
    pub generated_at: String,
    /// The ledger it comes from.
    pub ledger: LedgerInfo,
    /// Statement slug.
    pub statement: String,
    /// Title of the current version.
    pub title: String,
    /// Current version number.
    pub current_version: u32,
    /// Number of organizations the current text says it speaks for, when it says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_signatories: Option<u32>,
    /// Number of individuals the current text says it speaks for, when it says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_individuals: Option<u32>,
    /// What a publisher and a reader must see: a claimed count that differs from the list, an
    /// endorsement in force made with a key revoked later (from [`crate::audit::Audit`]).
    pub warnings: Vec<String>,
    /// Every version, oldest first (index = version - 1), each with its exact text.
    pub versions: Vec<Version>,
    /// The organizations that endorse the current version now, numbered in order of signing.
    pub signatories: Vec<Entry>,
    /// The individuals who endorse the current version now, numbered apart.
    pub individuals: Vec<Entry>,
    /// The current endorsers counted by kind and country.
    pub counts: Counts,
    /// Whether sign-on is open, its deadline, or the close in force.
    pub signon: SignOnView,
    /// Those whose endorsement in force is of an earlier version only (their latest one).
    pub stale: Vec<Entry>,
    /// Those whose last act is a withdrawal (that withdrawal).
    pub withdrawn: Vec<Entry>,
    /// Every key that signed a record above, as the ledger registered it.
    pub keys: Vec<Key>,
    /// In a page of a long list: which part of the lists this data holds (absent in
    /// `statement.json`, which holds them whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// The ledger's latest checkpoint, with what a receipt needs besides its entry's part:
    /// absent when the ledger has no checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogData>,
}

/// The latest checkpoint of the ledger's transparency log, its cosignatures, and the keys to
/// check them with, as the page embeds them (each entry carries its own [`EntryReceipt`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogData {
    /// Its number.
    pub seq: u32,
    /// Its tree size.
    pub size: u64,
    /// Its root, base64.
    pub root: String,
    /// The signed note with the witnesses' cosignature lines after the editor's.
    pub checkpoint: String,
    /// The editor whose key signed it (`editor/<id>`).
    pub signer: String,
    /// That key, as the ledger registered it (`ssh-ed25519 AAAA…`).
    pub signer_key: String,
    /// The witnesses that cosigned it: each organization, its registered key and the time it
    /// states.
    pub witnesses: Vec<WitnessData>,
    /// The git objects that bind the checkpoint's key to the ledger id (a receipt's anchor).
    pub anchor: Vec<crate::log::anchor::Link>,
}

/// A witness of the page's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessData {
    /// Organization slug.
    pub org: String,
    /// Display name.
    pub name: String,
    /// Its key in force, as registered (`ssh-ed25519 AAAA…`).
    pub public_key: String,
    /// The time its cosignature states (seconds).
    pub time: u64,
}

/// An entry's place in the log: with [`LogData`], its receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryReceipt {
    /// The act's leaf index.
    pub index: u64,
    /// The inclusion path under the checkpoint's root, base64 hashes.
    pub path: Vec<String>,
    /// The leaf's bytes (the act's files), base64.
    pub leaf: String,
    /// The receipt file beside the page (`receipts/<org>.tlog-proof`, or
    /// `receipts/person.<id>.tlog-proof` for an individual).
    pub file: String,
}

/// Which part of a statement's lists one page holds, when they are split over pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// This page's number, from 1.
    pub page: usize,
    /// Number of pages.
    pub pages: usize,
    /// Organizations listed in all.
    pub signatories: usize,
    /// Individuals listed in all.
    pub individuals: usize,
    /// Stale endorsers in all.
    pub stale: usize,
    /// Withdrawn organizations in all.
    pub withdrawn: usize,
}

/// Where the data comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerInfo {
    /// Ledger id: the genesis commit, which a verifier pins with `--trust`.
    pub id: String,
    /// The ledger's name.
    pub name: String,
    /// The head commit the page was made from.
    pub head: String,
    /// The head commit's time (its committer's clock).
    pub head_time: String,
    /// Where the ledger can be cloned, as the publisher said (`--clone-url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_url: Option<String>,
}

/// One version of the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// Version number, from 1.
    pub version: u32,
    /// Title at this version.
    pub title: String,
    /// The exact text.
    pub text: String,
    /// sha256 of the exact text (lowercase hex), as the ledger records it.
    pub text_sha256: String,
    /// The original's language, when the version names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The translations, each with its exact text: every endorsement of the version signs
    /// their sha256 as well.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<TranslatedText>,
    /// Revision note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Editor slug.
    pub editor: String,
    /// Editor's display name.
    pub editor_name: String,
    /// The time the editor gave.
    pub created_at: String,
    /// Commit that added it.
    pub commit: String,
}

/// A translation of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslatedText {
    /// Language tag.
    pub lang: String,
    /// The exact text.
    pub text: String,
    /// Its sha256.
    pub text_sha256: String,
}

/// One signatory on the page: an organization or an individual, current, stale or withdrawn,
/// with the record that puts it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Position in its list, from 1.
    pub n: usize,
    /// The signatory's slug.
    pub org: String,
    /// `org` or `person` (absent: `org`).
    #[serde(default, skip_serializing_if = "Kind::is_org")]
    pub kind: Kind,
    /// Display name.
    pub name: String,
    /// An individual's affiliation, for identification only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// Web site, when registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// ISO 3166 alpha-2 country code, when registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Display name of the editor who recorded an attested act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested_by_name: Option<String>,
    /// Commit that added the record.
    pub commit: String,
    /// Path of the record in the ledger.
    pub path: String,
    /// True when the key that signed the record was revoked later.
    pub key_revoked_later: bool,
    /// The record itself, as stored: every field its signature covers, and the signature.
    pub record: ActRecord,
    /// Its receipt's parts, when a checkpoint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<EntryReceipt>,
}

/// A key that signed a record on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// `org/<id>` or `editor/<id>`.
    pub principal: String,
    /// `SHA256:…`.
    pub fingerprint: String,
    /// `ssh-ed25519 AAAA…`.
    pub public_key: String,
    /// Who registered it in the ledger (an editor, or the principal itself for a rotation).
    pub added_by: String,
    /// Commit that registered it.
    pub commit: String,
    /// True while it may sign.
    pub in_force: bool,
    /// Its revocation, if revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<KeyRevocation>,
}

/// A key's revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevocation {
    /// Who revoked it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// Commit.
    pub commit: String,
}

impl StatementData {
    /// The receipt of entry `e` (C2SP tlog-proof text), when the page has a checkpoint that
    /// includes it.
    pub fn receipt_text(&self, e: &Entry) -> Option<String> {
        let log = self.log.as_ref()?;
        let r = e.receipt.as_ref()?;
        let receipt = crate::log::receipt::Receipt {
            extra: crate::log::receipt::Extra {
                format: crate::log::receipt::EXTRA_FORMAT.into(),
                leaf: r.leaf.clone(),
                anchor: log.anchor.clone(),
                previous: None,
            },
            index: r.index,
            path: crate::log::receipt::hashes(&r.path)?,
            note: log.checkpoint.clone(),
        };
        Some(receipt.to_text())
    }

    /// The current version.
    pub fn current(&self) -> Option<&Version> {
        self.current_version
            .checked_sub(1)
            .and_then(|i| self.versions.get(i as usize))
    }

    /// The key with this fingerprint.
    pub fn key(&self, fingerprint: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.fingerprint == fingerprint)
    }

    /// The warning a publisher must not miss: the current text claims a number of signatories
    /// that differs from the list.
    pub fn count_warning(&self) -> Option<String> {
        count_warning(self.claimed_signatories, self.signatories.len())
    }

    /// The same for individuals ("and 112 individuals").
    pub fn individual_count_warning(&self) -> Option<String> {
        let claim = self.claimed_individuals?;
        let listed = self.individuals.len();
        (claim as usize != listed).then(|| {
            format!(
                "the text says it speaks for {claim} individuals, but {listed} individual{} endorse{} this version.",
                if listed == 1 { "" } else { "s" },
                if listed == 1 { "s" } else { "" },
            )
        })
    }
}

/// "The text says it speaks for 28 organizations, but 22 …": `None` when the text claims no
/// number or the number it claims is `listed`.
pub fn count_warning(claimed: Option<u32>, listed: usize) -> Option<String> {
    let claim = claimed?;
    (claim as usize != listed).then(|| {
        format!(
            "the text says it speaks for {claim} organizations, but {listed} organization{} endorse{} this version.",
            if listed == 1 { "" } else { "s" },
            if listed == 1 { "s" } else { "" },
        )
    })
}
