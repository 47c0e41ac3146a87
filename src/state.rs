//! What a ledger says at one commit, as verification rebuilds it: the registry of editors,
//! organizations and keys, the statements with their versions, and every act, each with the
//! commit that added it. Built only from trees and signatures, never from commit messages.

use crate::ids::Principal;
use crate::keys::PublicKeyInfo;
use crate::record::{ActKind, Provenance};
use git2::Oid;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A registered key.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeyEntry {
    /// Position among the principal's keys.
    pub seq: u32,
    /// The key.
    pub key: PublicKeyInfo,
    /// Commit that registered it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// Who registered it (an editor, or the principal itself for a rotation).
    pub added_by: String,
    /// Why it replaced the previous key.
    pub reason: Option<String>,
    /// When it stopped being in force: the commit that rotated or revoked it, or removed its
    /// editor, and that commit's time (which `allowed_signers` writes as `valid-before`).
    #[serde(with = "crate::oid_serde::opt_pair")]
    pub retired: Option<(Oid, i64)>,
    /// Its revocation, if it was revoked (also after a rotation: a stolen old key).
    pub revoked: Option<Revocation>,
}

impl KeyEntry {
    /// True while the key may sign.
    pub fn in_force(&self) -> bool {
        self.retired.is_none()
    }
}

/// A key's revocation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Revocation {
    /// Why.
    pub reason: String,
    /// Who revoked it.
    pub by: String,
    /// Commit.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
}

/// An editor or organization.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PrincipalEntry {
    /// Display name.
    pub name: String,
    /// Web site (organizations).
    pub url: Option<String>,
    /// Country code (organizations).
    pub country: Option<String>,
    /// Keys in registration order; the last one is in force.
    pub keys: Vec<KeyEntry>,
    /// Commit that registered it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// For a removed editor: the removing commit and the reason.
    #[serde(with = "crate::oid_serde::opt_pair")]
    pub removed: Option<(Oid, String)>,
}

impl PrincipalEntry {
    /// The key in force, if any: the latest, unless it was revoked (or the editor removed).
    pub fn current_key(&self) -> Option<&KeyEntry> {
        self.keys
            .last()
            .filter(|k| k.in_force() && self.removed.is_none())
    }

    /// The key with this position.
    pub fn key(&self, seq: u32) -> Option<&KeyEntry> {
        seq.checked_sub(1).and_then(|i| self.keys.get(i as usize))
    }
}

/// One version of a statement.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VersionEntry {
    /// Version number.
    pub n: u32,
    /// Title at this version.
    pub title: String,
    /// sha256 of the exact text.
    pub text_sha256: String,
    /// Editor who wrote it.
    pub editor: String,
    /// Revision note.
    pub note: Option<String>,
    /// Time the editor gave (record).
    pub created_at: String,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// Blob id of the text, to read it back without searching.
    #[serde(with = "crate::oid_serde")]
    pub text_blob: Oid,
}

/// One endorsement or withdrawal, as much as audits need (the full record stays in git).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ActEntry {
    /// Position among this organization's acts on the statement.
    pub seq: u32,
    /// Endorse or withdraw.
    pub kind: ActKind,
    /// Endorsed version.
    pub version: Option<u32>,
    /// Signed or attested.
    pub provenance: Provenance,
    /// Editor who attested (attested records).
    pub attested_by: Option<String>,
    /// Fingerprint of the key that signed the record.
    pub key: String,
    /// The record's own time.
    pub signed_at: String,
    /// Withdrawal reason.
    pub reason: Option<String>,
    /// Commit that added it.
    #[serde(with = "crate::oid_serde")]
    pub commit: Oid,
    /// Path of the record.
    pub path: String,
}

/// A statement: its versions and, per organization, its acts in order.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct StatementEntry {
    /// Versions, index = n - 1.
    pub versions: Vec<VersionEntry>,
    /// Acts per organization, in sequence order.
    pub acts: BTreeMap<String, Vec<ActEntry>>,
}

impl StatementEntry {
    /// The version in force.
    pub fn current(&self) -> Option<&VersionEntry> {
        self.versions.last()
    }

    /// Version `n`.
    pub fn version(&self, n: u32) -> Option<&VersionEntry> {
        n.checked_sub(1).and_then(|i| self.versions.get(i as usize))
    }
}

/// The whole ledger at one commit.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// Genesis commit id.
    #[serde(with = "crate::oid_serde::opt")]
    pub ledger_id: Option<Oid>,
    /// Ledger name.
    pub name: String,
    /// Editors by id.
    pub editors: BTreeMap<String, PrincipalEntry>,
    /// Organizations by id.
    pub orgs: BTreeMap<String, PrincipalEntry>,
    /// Which principal holds each key ever registered (raw ed25519 bytes), and the key's
    /// position; a key belongs to one principal forever.
    /// Derived from the keys above, so a proof does not store it ([`State::rebuild_indexes`]).
    #[serde(skip)]
    pub by_key: HashMap<[u8; 32], (Principal, u32)>,
    /// Statements by id.
    pub statements: BTreeMap<String, StatementEntry>,
    /// The lines `allowed_signers` must hold, kept up to date as keys change (derived as well).
    #[serde(skip)]
    pub signer_lines: BTreeSet<String>,
}

impl State {
    /// Editors that can still act: not removed, with a key in force.
    pub fn active_editors(&self) -> usize {
        self.editors
            .values()
            .filter(|e| e.current_key().is_some())
            .count()
    }

    /// Rebuilds [`State::by_key`] and [`State::signer_lines`] from the principals' keys, for a
    /// state read back without them.
    pub fn rebuild_indexes(&mut self) {
        let principals: Vec<Principal> = self
            .editors
            .keys()
            .map(|id| Principal::editor(id))
            .chain(self.orgs.keys().map(|id| Principal::org(id)))
            .collect();
        self.by_key.clear();
        self.signer_lines.clear();
        for who in principals {
            let keys: Vec<([u8; 32], u32)> = self
                .principal(&who)
                .map(|p| p.keys.iter().map(|k| (k.key.raw, k.seq)).collect())
                .unwrap_or_default();
            for (raw, seq) in keys {
                self.by_key.insert(raw, (who.clone(), seq));
            }
            let lines = self.lines_of(&who);
            self.signer_lines.extend(lines);
        }
    }

    /// Mutable access to a principal's entry.
    pub fn principal_mut(&mut self, p: &Principal) -> Option<&mut PrincipalEntry> {
        match p.role {
            crate::ids::Role::Editor => self.editors.get_mut(&p.id),
            crate::ids::Role::Org => self.orgs.get_mut(&p.id),
        }
    }

    /// The editor or organization entry of a principal.
    pub fn principal(&self, p: &Principal) -> Option<&PrincipalEntry> {
        match p.role {
            crate::ids::Role::Editor => self.editors.get(&p.id),
            crate::ids::Role::Org => self.orgs.get(&p.id),
        }
    }

    /// The `allowed_signers` lines of one principal's keys.
    pub fn lines_of(&self, who: &Principal) -> Vec<String> {
        let name = who.to_string();
        self.principal(who)
            .map(|e| {
                e.keys
                    .iter()
                    .map(|k| signer_line(&name, &k.key.openssh, k.retired.map(|(_, t)| t)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Replaces one principal's lines in [`State::signer_lines`] after its keys changed, so the
    /// file is never rebuilt from every key (that made verification quadratic in the number of
    /// organizations).
    pub fn refresh_lines(&mut self, who: &Principal, before: Vec<String>) {
        for l in before {
            self.signer_lines.remove(&l);
        }
        for l in self.lines_of(who) {
            self.signer_lines.insert(l);
        }
    }

    /// The `allowed_signers` file these keys imply.
    pub fn allowed_signers(&self) -> String {
        let mut out = String::with_capacity(
            ALLOWED_SIGNERS_HEADER.len()
                + self.signer_lines.iter().map(|l| l.len() + 1).sum::<usize>(),
        );
        out.push_str(ALLOWED_SIGNERS_HEADER);
        for l in &self.signer_lines {
            out.push_str(l);
            out.push('\n');
        }
        out
    }
}

/// Header of `allowed_signers`: tells a reader where the file comes from.
pub const ALLOWED_SIGNERS_HEADER: &str = "# Generated by undersigned from the key records in this ledger; do not edit.\n# Use: git -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit <commit>\n";

/// One `allowed_signers` line. A retired key carries `valid-before` (the retiring commit's
/// time, inclusive, as ssh-keygen compares it with the committer date git passes), so stock git
/// still accepts the commits the key made while it was in force and refuses later ones.
pub fn signer_line(principal: &str, openssh: &str, retired_at: Option<i64>) -> String {
    match retired_at {
        Some(t) => format!(
            "{principal} valid-before=\"{}\" {openssh}",
            crate::timefmt::format_compact(t)
        ),
        None => format!("{principal} {openssh}"),
    }
}

/// Renders lines in their one order (sorted), so the file is a pure function of the registry.
pub fn render_allowed_signers(lines: BTreeSet<String>) -> String {
    let mut out = String::from(ALLOWED_SIGNERS_HEADER);
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Parses the lines of an `allowed_signers` file written by [`render_allowed_signers`].
pub fn parse_allowed_signers(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}
