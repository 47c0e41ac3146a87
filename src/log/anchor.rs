//! What binds a checkpoint's key to a ledger id offline: the git objects that show the key
//! registered in the ledger, from the genesis on. The ledger id is the genesis commit's id, so
//! the genesis commit object, the trees on the path to its first editor's key record and that
//! record (each object checked against the id that names it) bind the first editor's key to
//! the ledger id. A key registered later is bound by the commit that registered it — signed,
//! as stock git reads it, by a key already bound — and the objects on the path to its record.
//! A chain of such links ends at the key that signed the checkpoint.
//!
//! What the chain does not show: that the key was still in force when it signed (a revoked
//! editor key still has its chain). Witnesses cover that: a witness cosigns only a checkpoint
//! of a history it verified whole, so a receipt checked with a quorum of witnesses does not
//! rest on the chain alone.

use crate::commit_object::{self, Verdict};
use crate::keys::{ParsedSig, PublicKeyInfo};
use crate::layout::{self, Entry};
use crate::record::KeyRecord;
use crate::signed_data::COMMIT_NAMESPACE;
use crate::state::State;
use base64ct::{Base64, Encoding};
use git2::{ObjectType, Oid, Repository};

/// One link: a commit, and the trees and blob on the path from it to a key record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The key record's path.
    pub path: String,
    /// The commit object's content, base64.
    pub commit: String,
    /// The tree objects from the commit's root tree down, then the record's blob, base64.
    pub objects: Vec<String>,
}

/// A key the chain binds to the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// `editor/<id>`.
    pub principal: String,
    /// The key.
    pub key: PublicKeyInfo,
}

/// The links that bind `raw` (a key an editor registered) to the ledger, oldest first; `None`
/// when the state does not show how it was registered.
pub fn build(repo: &Repository, state: &State, raw: &[u8; 32]) -> Option<Vec<Link>> {
    let mut links = Vec::new();
    let mut want = *raw;
    for _ in 0..1000 {
        let (who, seq) = state.by_key.get(&want)?.clone();
        let entry = state.principal(&who)?.key(seq)?;
        let path = layout::key_path(&layout::principal_dir(&who), seq);
        let commit = entry.commit;
        links.push(link(repo, commit, &path)?);
        if Some(commit) == state.ledger_id {
            links.reverse();
            return Some(links);
        }
        let raw_commit = repo.odb().ok()?.read(commit).ok()?.data().to_vec();
        let Verdict::Signed(signed) = commit_object::read(&raw_commit) else {
            return None;
        };
        want = ParsedSig::parse(signed.armor(), COMMIT_NAMESPACE)
            .ok()?
            .key_raw;
    }
    None
}

fn link(repo: &Repository, commit: Oid, path: &str) -> Option<Link> {
    let odb = repo.odb().ok()?;
    let raw = odb.read(commit).ok()?.data().to_vec();
    let mut objects = Vec::new();
    let mut tree = repo.find_commit(commit).ok()?.tree_id();
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let data = odb.read(tree).ok()?.data().to_vec();
        let next = tree_entry(&data, part)?;
        objects.push(Base64::encode_string(&data));
        if i + 1 == parts.len() {
            objects.push(Base64::encode_string(odb.read(next).ok()?.data()));
        }
        tree = next;
    }
    Some(Link {
        path: path.to_string(),
        commit: Base64::encode_string(&raw),
        objects,
    })
}

/// The id of entry `name` of a raw tree object.
fn tree_entry(data: &[u8], name: &str) -> Option<Oid> {
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest.iter().position(|&b| b == b' ')?;
        let nul = rest.iter().position(|&b| b == 0)?;
        let id = rest.get(nul + 1..nul + 21)?;
        if rest.get(sp + 1..nul)? == name.as_bytes() {
            return Oid::from_bytes(id).ok();
        }
        rest = &rest[nul + 21..];
    }
    None
}

/// Checks the links against the ledger id; returns the keys they bind, or why not.
pub fn verify(ledger_id: &str, links: &[Link]) -> Result<Vec<Bound>, String> {
    let mut bound: Vec<Bound> = Vec::new();
    for (i, l) in links.iter().enumerate() {
        let raw = Base64::decode_vec(&l.commit)
            .map_err(|_| format!("link {i}: the commit is not base64"))?;
        let id = Oid::hash_object(ObjectType::Commit, &raw).map_err(|e| e.to_string())?;
        let Some(Entry::EditorKey { id: editor, .. }) = layout::classify(&l.path) else {
            return Err(format!(
                "link {i}: {} is not the path of an editor's key record",
                l.path
            ));
        };
        let record =
            follow(&raw, &l.path, &l.objects).map_err(|e| format!("link {i} ({}): {e}", l.path))?;
        let rec: KeyRecord =
            crate::record::decode(&record).map_err(|e| format!("link {i}: {e}"))?;
        let key = PublicKeyInfo::parse_line(&rec.public_key, &l.path)
            .map_err(|e| format!("link {i}: {e}"))?;
        let principal = format!("editor/{editor}");
        if rec.principal != principal || key.fingerprint != rec.fingerprint {
            return Err(format!(
                "link {i}: the key record at {} is not {principal}'s",
                l.path
            ));
        }
        let Verdict::Signed(signed) = commit_object::read(&raw) else {
            return Err(format!(
                "link {i}: commit {id} is not signed as git reads signatures"
            ));
        };
        let sig = ParsedSig::parse(signed.armor(), COMMIT_NAMESPACE)
            .map_err(|e| format!("link {i}: commit {id}: {e}"))?;
        // The genesis is signed by the key it names; every later link by a key bound before.
        let signer_ok = if i == 0 {
            if id.to_string() != ledger_id {
                return Err(format!("the first link is commit {id}, not the genesis {ledger_id} the ledger id names"));
            }
            sig.key_raw == key.raw
        } else {
            bound.iter().any(|b| b.key.raw == sig.key_raw)
        };
        if !signer_ok {
            return Err(format!(
                "link {i}: commit {id} is signed by {}, a key this chain does not bind",
                sig.key_fingerprint()
            ));
        }
        sig.verify(&signed.payload)
            .map_err(|e| format!("link {i}: commit {id}: {e}"))?;
        bound.push(Bound { principal, key });
    }
    Ok(bound)
}

/// The blob at `path` in the commit `raw`, each object checked against the id that names it.
fn follow(raw: &[u8], path: &str, objects: &[String]) -> Result<Vec<u8>, String> {
    let tree = commit_object::header_values(raw, b"tree")
        .first()
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| Oid::from_str(t).ok())
        .ok_or("the commit names no tree")?;
    let parts: Vec<&str> = path.split('/').collect();
    if objects.len() != parts.len() + 1 {
        return Err(format!(
            "{} objects for a path of {} parts",
            objects.len(),
            parts.len()
        ));
    }
    let mut want = tree;
    for (i, obj) in objects.iter().enumerate() {
        let data = Base64::decode_vec(obj).map_err(|_| "an object is not base64")?;
        let last = i == parts.len();
        let kind = if last {
            ObjectType::Blob
        } else {
            ObjectType::Tree
        };
        let id = Oid::hash_object(kind, &data).map_err(|e| e.to_string())?;
        if id != want {
            return Err(format!("object {i} is {id}, not {want}"));
        }
        if last {
            return Ok(data);
        }
        want = tree_entry(&data, parts[i])
            .ok_or_else(|| format!("no entry {} in tree {id}", parts[i]))?;
    }
    Err("the path ends in no blob".into())
}
