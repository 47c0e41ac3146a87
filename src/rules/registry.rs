//! The registry's rules: the genesis, editors and organizations, their keys (registration,
//! rotation, revocation), the removal of editors, and which registered key may sign a commit.
//! A key belongs to one principal forever; a retired key signs nothing after the commit that
//! retired it; a ledger never runs out of editors.

use super::commit::{Context, File};
use super::fields::{self, Field};
use super::{decode, needs_format};
use crate::ids::{Principal, Role};
use crate::keys::PublicKeyInfo;
use crate::layout::{self, Entry};
use crate::record::{
    self, EditorRecord, KeyRecord, LedgerRecord, OrgRecord, PersonRecord, RemovalRecord,
    RevocationRecord,
};
use crate::report::{Broken, Rule};
use crate::state::{Change, KeyEntry, PrincipalEntry, State};
use git2::Oid;
use std::collections::{HashMap, HashSet};

fn record_err(why: impl Into<String>) -> Broken {
    Broken::new(Rule::Record, why)
}

/// `ledger.json`: the format this build reads, a name, a time.
pub fn check_ledger(f: &File, ctx: &Context<'_>) -> Result<Change, Broken> {
    let rec: LedgerRecord = decode(f)?;
    if !record::FORMATS.contains(&rec.format) {
        let known: Vec<String> = record::FORMATS.iter().map(u32::to_string).collect();
        return Err(Broken::new(
            Rule::Format,
            format!(
                "ledger format {} is not supported by this build, which reads formats {}; a newer undersigned made this ledger: upgrade undersigned to read it",
                rec.format,
                known.join(" and ")
            ),
        ));
    }
    fields::in_record(
        Field::LedgerName,
        fields::check_line(Field::LedgerName, &rec.name),
    )?;
    fields::record_time("created_at", &rec.created_at, ctx.time)?;
    Ok(Change::Ledger {
        name: rec.name,
        format: rec.format,
    })
}

/// The names registered earlier in the commit being judged, by skeleton.
pub type NewNames = HashMap<String, (Principal, String)>;

/// An editor, organization or individual record: new, at its own path, with a name that looks
/// like no other registered name, added by the signer.
pub fn check_principal(
    state: &State,
    f: &File,
    who: Principal,
    ctx: &Context<'_>,
    (new, new_names): (&mut HashSet<Principal>, &mut NewNames),
) -> Result<Change, Broken> {
    if state.principal(&who).is_some() || new.contains(&who) {
        return Err(Broken::new(
            Rule::AppendOnly,
            format!("{who} is already registered"),
        ));
    }
    let mut affiliation = None;
    let (name, url, country, added_by, added_at, rid) = match who.role {
        Role::Editor => {
            let r: EditorRecord = decode(f)?;
            (r.name, None, None, r.added_by, r.added_at, r.id)
        }
        Role::Org => {
            let r: OrgRecord = decode(f)?;
            if let Some(u) = &r.url {
                fields::record(fields::check_url(u))?;
            }
            if let Some(c) = &r.country {
                fields::record(fields::check_country(c))?;
            }
            (r.name, r.url, r.country, Some(r.added_by), r.added_at, r.id)
        }
        Role::Person => {
            needs_format(state, "an individual (people/)")?;
            let r: PersonRecord = decode(f)?;
            if let Some(c) = &r.country {
                fields::record(fields::check_country(c))?;
            }
            if let Some(a) = &r.affiliation {
                fields::in_record(
                    Field::Affiliation,
                    fields::check_line(Field::Affiliation, a),
                )?;
            }
            affiliation = r.affiliation;
            (r.name, None, r.country, Some(r.added_by), r.added_at, r.id)
        }
    };
    if rid != who.id {
        return Err(record_err(format!(
            "record names id {rid:?} but lies at the path of {who}"
        )));
    }
    let field = match who.role {
        Role::Editor => Field::EditorName,
        Role::Org => Field::OrgName,
        Role::Person => Field::PersonName,
    };
    fields::in_record(field, fields::check_line(field, &name))?;
    let look = crate::state::name_key(who.role, &name, affiliation.as_deref());
    // An individual is also compared with the editors' and organizations' names.
    let plain = (who.role == Role::Person).then(|| fields::skeleton(&name));
    let clash = [Some(&look), plain.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|k| state.names.get(k).or_else(|| new_names.get(k)));
    if let Some((other, other_name)) = clash {
        return Err(record_err(format!(
            "name {name:?} looks like the name of {other} ({other_name:?}); a reader could take one for the other"
        )));
    }
    fields::record_time("added_at", &added_at, ctx.time)?;
    let expected_by = if ctx.genesis && who.role == Role::Editor {
        None
    } else {
        ctx.signer.map(|s| s.to_string())
    };
    if let Some(s) = ctx.signer {
        if added_by != expected_by {
            return Err(record_err(format!(
                "added_by is {:?} but the commit is signed by {s}",
                added_by.as_deref().unwrap_or("(none)")
            )));
        }
    }
    new.insert(who.clone());
    new_names.insert(look, (who.clone(), name.clone()));
    Ok(Change::Principal {
        who,
        entry: PrincipalEntry {
            name,
            url,
            country,
            affiliation,
            keys: Vec::new(),
            commit: Oid::ZERO_SHA1,
            removed: None,
        },
    })
}

/// A key record: the next in sequence, registered by an editor or rotated by the principal with
/// its key in force, canonical, never registered before to anyone.
pub fn check_key(
    state: &State,
    f: &File,
    (who, seq): (Principal, u32),
    ctx: &Context<'_>,
    new_principals: &HashSet<Principal>,
    new_keys: &mut HashSet<[u8; 32]>,
) -> Result<Change, Broken> {
    let signer = ctx.signer;
    let (existing, in_force) = match state.principal(&who) {
        Some(p) => (p.key_count(), p.current_key().is_some()),
        None if new_principals.contains(&who) => (0, false),
        None => {
            return Err(Broken::new(
                Rule::Reference,
                format!("{who} is not registered"),
            ))
        }
    };
    if state.principal(&who).is_some_and(|p| p.removed.is_some()) {
        return Err(Broken::new(
            Rule::Rights,
            format!("{who} was removed; it gets no new key"),
        ));
    }
    if Some(seq) != existing.checked_add(1) {
        return Err(Broken::new(
            Rule::Sequence,
            format!("key number {seq}, expected {}", existing.saturating_add(1)),
        ));
    }
    // A principal rotates its own key with the key in force; editors register first keys,
    // re-key a principal whose key was revoked, and rotate a lost key on its behalf.
    if let Some(s) = signer {
        if s.role.is_signatory() && (*s != who || !in_force) {
            return Err(Broken::new(
                Rule::Rights,
                format!("{s} may rotate only its own key, signed with its key in force"),
            ));
        }
    }
    let r: KeyRecord = decode(f)?;
    if r.principal != who.to_string() || r.seq != seq {
        return Err(record_err(format!(
            "record is for {} key {}, but lies at the path of {who} key {seq}",
            r.principal, r.seq
        )));
    }
    let key =
        PublicKeyInfo::parse_line(&r.public_key, &f.path).map_err(|e| record_err(e.to_string()))?;
    if key.openssh != r.public_key || key.fingerprint != r.fingerprint {
        return Err(record_err(
            "public_key is not in canonical form or fingerprint does not match it",
        ));
    }
    if let Some(s) = signer {
        if r.added_by != s.to_string() {
            return Err(record_err(format!(
                "added_by is {:?} but the commit is signed by {s}",
                r.added_by
            )));
        }
    }
    fields::record_time("added_at", &r.added_at, ctx.time)?;
    if let Some(reason) = &r.reason {
        fields::in_record(Field::Reason, fields::check_line(Field::Reason, reason))?;
    }
    let on_behalf = signer.is_some_and(|s| s.role == Role::Editor && *s != who);
    if on_behalf && in_force && r.reason.is_none() {
        return Err(record_err(format!(
            "an editor replacing the key in force of {who} must give a reason"
        )));
    }
    if let Some((holder, _)) = state.by_key.get(&key.raw) {
        return Err(record_err(format!(
            "key {} is already registered to {holder}; one key belongs to one principal, forever",
            key.fingerprint
        )));
    }
    if !new_keys.insert(key.raw) {
        return Err(record_err(format!(
            "key {} is registered twice in this commit",
            key.fingerprint
        )));
    }
    Ok(Change::Key {
        who,
        key: KeyEntry {
            seq,
            key,
            added_by: r.added_by,
            reason: r.reason,
            retired: None,
            revoked: None,
            commit: Oid::ZERO_SHA1,
        },
    })
}

/// A revocation: of a key the principal has, not revoked yet, by the principal itself or an
/// editor.
pub fn check_revocation(
    state: &State,
    f: &File,
    who: Principal,
    seq: u32,
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    let signer = ctx.signer;
    let entry = state.principal(&who).ok_or_else(|| {
        Broken::new(
            Rule::Reference,
            format!("{who} is not registered in the parent commit"),
        )
    })?;
    let key = entry.key(seq).ok_or_else(|| {
        Broken::new(
            Rule::Reference,
            format!("{who} has no key number {seq} in the parent commit"),
        )
    })?;
    if key.revoked.is_some() {
        return Err(Broken::new(
            Rule::AppendOnly,
            format!("key {seq} of {who} is already revoked"),
        ));
    }
    if let Some(s) = signer {
        if s.role.is_signatory() && *s != who {
            return Err(Broken::new(
                Rule::Rights,
                format!("{s} may revoke only its own keys"),
            ));
        }
    }
    let r: RevocationRecord = decode(f)?;
    if r.principal != who.to_string() || r.seq != seq {
        return Err(record_err(format!(
            "record revokes {} key {}, but lies at the path of {who} key {seq}",
            r.principal, r.seq
        )));
    }
    if r.fingerprint != key.key.fingerprint {
        return Err(record_err(format!(
            "fingerprint {} is not that of {who} key {seq} ({})",
            r.fingerprint, key.key.fingerprint
        )));
    }
    fields::in_record(Field::Reason, fields::check_line(Field::Reason, &r.reason))?;
    fields::record_time("revoked_at", &r.revoked_at, ctx.time)?;
    if let Some(s) = signer {
        if r.revoked_by != s.to_string() {
            return Err(record_err(format!(
                "revoked_by is {:?} but the commit is signed by {s}",
                r.revoked_by
            )));
        }
    }
    Ok(Change::Revoke {
        who,
        seq,
        reason: r.reason,
        by: r.revoked_by,
    })
}

/// The removal of an editor registered in the parent and not removed yet.
pub fn check_removal(
    state: &State,
    f: &File,
    id: &str,
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    let signer = ctx.signer;
    let entry = state.editors.get(id).ok_or_else(|| {
        Broken::new(
            Rule::Reference,
            format!("editor/{id} is not registered in the parent commit"),
        )
    })?;
    if entry.removed.is_some() {
        return Err(Broken::new(
            Rule::AppendOnly,
            format!("editor/{id} is already removed"),
        ));
    }
    let r: RemovalRecord = decode(f)?;
    if r.editor != id {
        return Err(record_err(format!(
            "record removes editor {:?}, but lies at the path of editor/{id}",
            r.editor
        )));
    }
    fields::in_record(Field::Reason, fields::check_line(Field::Reason, &r.reason))?;
    fields::record_time("removed_at", &r.removed_at, ctx.time)?;
    if let Some(s) = signer {
        if r.removed_by != s.to_string() {
            return Err(record_err(format!(
                "removed_by is {:?} but the commit is signed by {s}",
                r.removed_by
            )));
        }
    }
    Ok(Change::Remove {
        id: id.to_string(),
        reason: r.reason,
    })
}

/// The key the genesis names for its first editor: the trust anchor `--trust` pins.
pub fn genesis_key(files: &[File]) -> Option<(Principal, [u8; 32])> {
    files.iter().find_map(|f| match &f.entry {
        Entry::EditorKey { id, seq: 1 } => {
            let rec: KeyRecord = decode(f).ok()?;
            let key = PublicKeyInfo::parse_line(&rec.public_key, &f.path).ok()?;
            Some((Principal::editor(id), key.raw))
        }
        _ => None,
    })
}

/// Who signed a commit with the key `raw` (fingerprint `fingerprint` for messages): for the
/// genesis, the first editor it names; otherwise the holder of a key in force in the parent.
pub fn signer_of(
    state: &State,
    raw: &[u8; 32],
    fingerprint: &str,
    genesis: Option<&[File]>,
) -> Result<Principal, Broken> {
    let who = match genesis {
        Some(files) => genesis_key(files)
            .filter(|(_, key)| key == raw)
            .map(|(p, _)| p),
        None => match state.by_key.get(raw) {
            Some((p, seq)) => {
                let retired = state
                    .principal(p)
                    .and_then(|e| e.key(*seq))
                    .and_then(|k| k.retired.map(|(c, _)| (c, k.revoked.is_some())));
                if let Some((c, revoked)) = retired {
                    return Err(Broken::new(
                        Rule::Signature,
                        format!(
                            "commit is signed by key {fingerprint} of {p}, which was {} in commit {c}; a retired key signs nothing after it",
                            if revoked { "revoked" } else { "retired (rotated, or its editor removed)" }
                        ),
                    ));
                }
                Some(p.clone())
            }
            None => None,
        },
    };
    who.ok_or_else(|| {
        let whose = if genesis.is_some() {
            "the first editor's key named in the genesis"
        } else {
            "a key registered in the parent commit"
        };
        Broken::new(
            Rule::Signature,
            format!("commit is signed by key {fingerprint}, which is not {whose}"),
        )
    })
}

/// The genesis creates the ledger and its first editor, nothing else.
pub fn check_genesis_shape(files: &[File]) -> Vec<(Option<String>, Broken)> {
    let count = |want: fn(&Entry) -> bool| files.iter().filter(|f| want(&f.entry)).count();
    let mut out = Vec::new();
    if count(|e| matches!(e, Entry::Ledger)) != 1 {
        out.push((
            Some(layout::LEDGER_FILE.to_string()),
            Broken::new(Rule::Genesis, "the genesis commit must add ledger.json"),
        ));
    }
    if count(|e| matches!(e, Entry::Editor { .. })) != 1 {
        out.push((
            None,
            Broken::new(
                Rule::Genesis,
                "the genesis commit must name exactly one first editor",
            ),
        ));
    }
    for f in files {
        let allowed = match f.entry {
            Entry::Ledger
            | Entry::Editor { .. }
            | Entry::EditorKey { .. }
            | Entry::AllowedSigners => true,
            Entry::EditorRevocation { .. }
            | Entry::EditorRemoved { .. }
            | Entry::Org { .. }
            | Entry::OrgKey { .. }
            | Entry::OrgRevocation { .. }
            | Entry::Person { .. }
            | Entry::PersonKey { .. }
            | Entry::PersonRevocation { .. }
            | Entry::VersionText { .. }
            | Entry::TranslationText { .. }
            | Entry::VersionMeta { .. }
            | Entry::SignOn { .. }
            | Entry::Act { .. }
            | Entry::PersonAct { .. }
            | Entry::Checkpoint { .. }
            | Entry::Cosignature { .. }
            | Entry::Quorum { .. } => false,
        };
        if !allowed {
            out.push((
                Some(f.path.clone()),
                Broken::new(
                    Rule::Genesis,
                    "the genesis commit may only create the ledger and its first editor",
                ),
            ));
        }
    }
    out
}

/// A ledger never runs out of editors: a commit may not take the last editor's key out of force.
pub fn editors_left(before: usize, after: usize) -> Result<(), Broken> {
    if before > 0 && after == 0 {
        Err(Broken::new(
            Rule::Rights,
            "this commit leaves the ledger with no editor whose key is in force",
        ))
    } else {
        Ok(())
    }
}
