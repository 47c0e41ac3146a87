//! Reading what an act needs from the tree at the head: one organization, one statement's
//! versions, one organization's acts on one statement. Each read is a handful of tree lookups,
//! never a walk of history or of every record, so an act costs the same in any ledger.

use crate::error::{Error, Result};
use crate::layout;
use crate::record::{self, ActRecord, EditorRecord, KeyRecord, OrgRecord, VersionRecord};
use crate::store::{list_dir, read_blob};
use git2::{Oid, Repository, Tree};

/// The ledger at one commit, read lazily.
pub struct View<'a> {
    /// Repository.
    pub repo: &'a Repository,
    /// Tree of the commit.
    pub tree: &'a Tree<'a>,
    /// Commit id.
    pub commit: Oid,
    /// The time an act built on this commit takes, in milliseconds: now, but never before the
    /// commit's own time, so that history's times never go backwards (a `valid-before` written
    /// from an act's time then covers everything the retired key signed).
    pub now_ms: i64,
}

impl<'a> View<'a> {
    /// Reads and decodes the record at `path`, or `None` when absent.
    pub fn record<T: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>> {
        match read_blob(self.repo, self.tree, path)? {
            None => Ok(None),
            Some(bytes) => record::decode(&bytes)
                .map(Some)
                .map_err(|why| Error::DamagedRecord {
                    commit: self.commit.to_string(),
                    path: path.to_string(),
                    why,
                }),
        }
    }

    /// Raw bytes at `path`.
    pub fn bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        read_blob(self.repo, self.tree, path)
    }

    /// Names in a directory.
    pub fn list(&self, path: &str) -> Result<Vec<String>> {
        list_dir(self.repo, self.tree, path)
    }

    /// The numbers of the `<n>.json` records in a directory, in order.
    fn seqs(&self, dir: &str) -> Result<Vec<u32>> {
        let mut seqs: Vec<u32> = self
            .list(dir)?
            .iter()
            .filter_map(|n| n.strip_suffix(".json").and_then(layout::parse_seq))
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// The key in force of the principal whose directory is `dir`: the latest key, unless it
    /// was revoked or its editor removed.
    pub fn current_key(&self, dir: &str) -> Result<Option<KeyRecord>> {
        let last = self.seqs(&layout::keys_dir(dir))?.last().copied();
        let Some(seq) = last else { return Ok(None) };
        if self.is_revoked(dir, seq)? || self.bytes(&format!("{dir}/removed.json"))?.is_some() {
            return Ok(None);
        }
        self.record(&layout::key_path(dir, seq))
    }

    /// Every key of a principal, in order.
    pub fn keys(&self, dir: &str) -> Result<Vec<KeyRecord>> {
        let seqs = self.seqs(&layout::keys_dir(dir))?;
        let mut out = Vec::with_capacity(seqs.len());
        for seq in seqs {
            if let Some(k) = self.record(&layout::key_path(dir, seq))? {
                out.push(k);
            }
        }
        Ok(out)
    }

    /// True when key `seq` of the principal in `dir` is revoked.
    pub fn is_revoked(&self, dir: &str, seq: u32) -> Result<bool> {
        Ok(self.bytes(&layout::revocation_path(dir, seq))?.is_some())
    }

    /// Editors that can still act (not removed, key in force). Editors are few.
    pub fn active_editors(&self) -> Result<usize> {
        let mut n = 0;
        for id in self.list(layout::EDITORS)? {
            if self.current_key(&layout::editor_dir(&id))?.is_some() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The lines of `allowed_signers` as they stand.
    pub fn signer_lines(&self) -> Result<std::collections::BTreeSet<String>> {
        let text = self.bytes(layout::ALLOWED_SIGNERS)?.unwrap_or_default();
        Ok(crate::state::parse_allowed_signers(
            &String::from_utf8_lossy(&text),
        ))
    }

    /// The editor holding the key with this fingerprint, if any (editors are few).
    pub fn editor_by_key(&self, fingerprint: &str) -> Result<Option<EditorRecord>> {
        for id in self.list(layout::EDITORS)? {
            let dir = layout::editor_dir(&id);
            if let Some(k) = self.current_key(&dir)? {
                if k.fingerprint == fingerprint {
                    return self.record(&format!("{dir}/editor.json"));
                }
            }
        }
        Ok(None)
    }

    /// An organization's record.
    pub fn org(&self, id: &str) -> Result<Option<OrgRecord>> {
        self.record(&format!("{}/org.json", layout::org_dir(id)))
    }

    /// An editor's record.
    pub fn editor(&self, id: &str) -> Result<Option<EditorRecord>> {
        self.record(&format!("{}/editor.json", layout::editor_dir(id)))
    }

    /// Statement ids.
    pub fn statements(&self) -> Result<Vec<String>> {
        self.list(layout::STATEMENTS)
    }

    /// Number of versions of a statement (0 when it does not exist).
    pub fn version_count(&self, stmt: &str) -> Result<u32> {
        Ok(self
            .seqs(&layout::versions_dir(stmt))?
            .last()
            .copied()
            .unwrap_or(0))
    }

    /// Version `n` of a statement: its record and exact text.
    pub fn version(&self, stmt: &str, n: u32) -> Result<Option<(VersionRecord, Vec<u8>)>> {
        let Some(rec) = self.record::<VersionRecord>(&layout::version_meta(stmt, n))? else {
            return Ok(None);
        };
        let text =
            self.bytes(&layout::version_text(stmt, n))?
                .ok_or_else(|| Error::DamagedRecord {
                    commit: self.commit.to_string(),
                    path: layout::version_text(stmt, n),
                    why: "the text of this version is missing".into(),
                })?;
        Ok(Some((rec, text)))
    }

    /// An organization's acts on a statement, in order.
    pub fn acts(&self, stmt: &str, org: &str) -> Result<Vec<ActRecord>> {
        let dir = layout::acts_dir(stmt, org);
        let seqs = self.seqs(&dir)?;
        let mut out = Vec::with_capacity(seqs.len());
        for seq in seqs {
            let path = layout::act_path(stmt, org, seq);
            if let Some(r) = self.record::<ActRecord>(&path)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// True when a key with this OpenSSH text is already registered to anyone. The derived
    /// `allowed_signers` lists every key, so one read answers it.
    pub fn key_registered(&self, openssh: &str) -> Result<bool> {
        let text = self.bytes(layout::ALLOWED_SIGNERS)?.unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        Ok(crate::state::parse_allowed_signers(&text)
            .iter()
            .any(|l| l.ends_with(&format!(" {openssh}"))))
    }

    /// `allowed_signers` with one more line.
    pub fn allowed_signers_with(&self, principal: &str, openssh: &str) -> Result<Vec<u8>> {
        let text = self.bytes(layout::ALLOWED_SIGNERS)?.unwrap_or_default();
        let mut lines = crate::state::parse_allowed_signers(&String::from_utf8_lossy(&text));
        lines.insert(crate::state::signer_line(principal, openssh, None));
        Ok(crate::state::render_allowed_signers(lines).into_bytes())
    }
}
