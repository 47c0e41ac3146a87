//! The acts on the registry: editors added and removed, organizations registered, keys
//! registered, rotated and revoked.

use super::write::Step;
use super::Ledger;
use crate::act::{Act, Needs};
use crate::error::{Error, Result, WrongKeyWhy};
use crate::ids::{check_slug, Principal, Role};
use crate::keys::{PublicKeyInfo, SigningKey};
use crate::record::{
    EditorRecord, KeyRecord, OrgRecord, PersonRecord, RemovalRecord, RevocationRecord,
    FORMAT_SIGNATORIES,
};
use crate::report::Outcome;
use crate::rules::fields::{self, Field};
use crate::state::State;

/// An organization to register.
#[derive(Debug, Clone, Default)]
pub struct NewOrg {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Web site.
    pub url: Option<String>,
    /// ISO 3166 alpha-2 code.
    pub country: Option<String>,
    /// Its public key, when it has one.
    pub key: Option<PublicKeyInfo>,
}

/// An individual to register.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    /// Slug.
    pub id: String,
    /// Name as lists show it.
    pub name: String,
    /// Affiliation, shown for identification only.
    pub affiliation: Option<String>,
    /// ISO 3166 alpha-2 code.
    pub country: Option<String>,
    /// Their public key, when they have one.
    pub key: Option<PublicKeyInfo>,
}

fn bad(field: Field, check: std::result::Result<(), String>) -> Result<()> {
    check.map_err(|why| Error::BadField { field, why })
}

impl Ledger {
    /// Adds an editor with its key.
    pub fn add_editor(
        &self,
        id: &str,
        name: &str,
        public: &PublicKeyInfo,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("editor", id)?;
        bad(
            Field::EditorName,
            fields::check_line(Field::EditorName, name),
        )?;
        self.act(key, |p| {
            let who = Principal::editor(id);
            let state = p.state(&Needs {
                principals: vec![who.clone()],
                key_index: true,
                names: true,
                ..Needs::default()
            })?;
            let editor = signing_editor(state, key)?;
            if state.editors.contains_key(id) {
                return Err(Error::Exists {
                    kind: "editor",
                    id: id.to_string(),
                });
            }
            refuse_look_alike(state, name)?;
            refuse_registered_key(state, public)?;
            let now = p.now.clone();
            Ok(Step::Write {
                act: Act::AddEditor {
                    editor: EditorRecord {
                        id: id.into(),
                        name: name.into(),
                        added_by: Some(editor.to_string()),
                        added_at: now.clone(),
                    },
                    key: first_key(&who, public, &editor, &now),
                },
                actor: editor,
            })
        })
    }

    /// Registers an organization, with or without a key.
    pub fn add_org(&self, org: &NewOrg, key: &SigningKey) -> Result<Outcome> {
        check_slug("organization", &org.id)?;
        bad(
            Field::OrgName,
            fields::check_line(Field::OrgName, &org.name),
        )?;
        if let Some(u) = &org.url {
            bad(Field::Url, fields::check_url(u))?;
        }
        if let Some(c) = &org.country {
            bad(Field::Country, fields::check_country(c))?;
        }
        self.act(key, |p| {
            let who = Principal::org(&org.id);
            let state = p.state(&Needs {
                principals: vec![who.clone()],
                key_index: org.key.is_some(),
                names: true,
                ..Needs::default()
            })?;
            let editor = signing_editor(state, key)?;
            if state.orgs.contains_key(&org.id) {
                return Err(Error::Exists {
                    kind: "organization",
                    id: org.id.clone(),
                });
            }
            refuse_look_alike(state, &org.name)?;
            if let Some(public) = &org.key {
                refuse_registered_key(state, public)?;
            }
            let now = p.now.clone();
            Ok(Step::Write {
                act: Act::AddOrg {
                    org: OrgRecord {
                        id: org.id.clone(),
                        name: org.name.clone(),
                        url: org.url.clone(),
                        country: org.country.clone(),
                        added_by: editor.to_string(),
                        added_at: now.clone(),
                    },
                    key: org.key.as_ref().map(|k| first_key(&who, k, &editor, &now)),
                },
                actor: editor,
            })
        })
    }

    /// Registers an individual signatory, with or without a key (format-2 ledgers). Their
    /// name with their affiliation must not look like another individual's, nor their name
    /// like an organization's or editor's.
    pub fn add_person(&self, person: &NewPerson, key: &SigningKey) -> Result<Outcome> {
        check_slug("individual", &person.id)?;
        bad(
            Field::PersonName,
            fields::check_line(Field::PersonName, &person.name),
        )?;
        if let Some(a) = &person.affiliation {
            bad(
                Field::Affiliation,
                fields::check_line(Field::Affiliation, a),
            )?;
        }
        if let Some(c) = &person.country {
            bad(Field::Country, fields::check_country(c))?;
        }
        self.act(key, |p| {
            let who = Principal::person(&person.id);
            let state = p.state(&Needs {
                principals: vec![who.clone()],
                key_index: person.key.is_some(),
                names: true,
                ..Needs::default()
            })?;
            if state.format < FORMAT_SIGNATORIES {
                return Err(Error::OldFormat {
                    format: state.format,
                    what: "individuals",
                });
            }
            let editor = signing_editor(state, key)?;
            if state.people.contains_key(&person.id) {
                return Err(Error::Exists {
                    kind: "individual",
                    id: person.id.clone(),
                });
            }
            let composite =
                crate::state::name_key(Role::Person, &person.name, person.affiliation.as_deref());
            if let Some((other, other_name)) = state.names.get(&composite) {
                return Err(Error::NameLooksLike {
                    name: person.name.clone(),
                    other: other.to_string(),
                    other_name: other_name.clone(),
                });
            }
            refuse_look_alike(state, &person.name)?;
            if let Some(public) = &person.key {
                refuse_registered_key(state, public)?;
            }
            let now = p.now.clone();
            Ok(Step::Write {
                act: Act::AddPerson {
                    person: PersonRecord {
                        id: person.id.clone(),
                        name: person.name.clone(),
                        affiliation: person.affiliation.clone(),
                        country: person.country.clone(),
                        added_by: editor.to_string(),
                        added_at: now.clone(),
                    },
                    key: person
                        .key
                        .as_ref()
                        .map(|k| first_key(&who, k, &editor, &now)),
                },
                actor: editor,
            })
        })
    }

    /// Registers the first key of an organization that was registered without one (or whose
    /// key was revoked). Same as [`Ledger::add_key`] signed by an editor.
    pub fn add_org_key(
        &self,
        org: &str,
        public: &PublicKeyInfo,
        key: &SigningKey,
    ) -> Result<Outcome> {
        self.add_key(&Principal::org(org), public, None, key)
    }

    /// Registers a new key of an editor or organization: a first key (by an editor), a
    /// rotation signed by the principal's own key in force, or a replacement an editor makes on
    /// its behalf (a lost key: `reason` is then required). The key in force is retired: its
    /// `allowed_signers` line gets `valid-before`, so stock git refuses what it signs later.
    pub fn add_key(
        &self,
        who: &Principal,
        public: &PublicKeyInfo,
        reason: Option<&str>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug(role_kind(who), &who.id)?;
        if let Some(r) = reason {
            bad(Field::Reason, fields::check_line(Field::Reason, r))?;
        }
        self.act(key, |p| {
            let now = p.now.clone();
            let state = p.state(&Needs {
                principals: vec![who.clone()],
                key_index: true,
                ..Needs::default()
            })?;
            let entry = state.principal(who).ok_or_else(|| unknown(who))?;
            let current = entry.current_key();
            let signer = match current {
                Some(k) if k.key.fingerprint == key.fingerprint() => who.clone(),
                _ => signing_editor(state, key).map_err(|_| Error::WrongKey {
                    path: key.path().to_path_buf(),
                    fingerprint: key.fingerprint().to_string(),
                    expected: format!("the key in force of {who} or an editor's key"),
                    why: WrongKeyWhy::NeitherOwnNorEditor,
                })?,
            };
            if signer.role.is_signatory() && signer != *who {
                return Err(Error::NotOwnKey {
                    signer: signer.to_string(),
                });
            }
            if let (Some(c), None) = (current, reason) {
                if signer != *who {
                    return Err(Error::ReasonNeeded {
                        who: who.to_string(),
                        fingerprint: c.key.fingerprint.clone(),
                    });
                }
            }
            refuse_registered_key(state, public)?;
            let record = KeyRecord {
                principal: who.to_string(),
                seq: entry.key_count().saturating_add(1),
                public_key: public.openssh.clone(),
                fingerprint: public.fingerprint.clone(),
                added_by: signer.to_string(),
                added_at: now,
                reason: reason.map(str::to_string),
            };
            Ok(Step::Write {
                act: Act::AddKey(record),
                actor: signer,
            })
        })
    }

    /// Revokes a key of an editor or organization from this commit on. Acts it signed before
    /// stay valid (audit marks them); acts it signs later fail verification.
    pub fn revoke_key(
        &self,
        who: &Principal,
        fingerprint: &str,
        reason: &str,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug(role_kind(who), &who.id)?;
        bad(Field::Reason, fields::check_line(Field::Reason, reason))?;
        self.act(key, |p| {
            let now = p.now.clone();
            let state = p.state(&Needs {
                principals: vec![who.clone()],
                key_index: true,
                ..Needs::default()
            })?;
            let entry = state.principal(who).ok_or_else(|| unknown(who))?;
            let Some(target) = entry.keys.iter().find(|k| k.key.fingerprint == fingerprint) else {
                return Err(Error::Unknown {
                    kind: "key",
                    id: format!("{fingerprint} of {who}"),
                    known: entry
                        .keys
                        .iter()
                        .map(|k| k.key.fingerprint.clone())
                        .collect(),
                });
            };
            if target.revoked.is_some() {
                return Ok(Step::Nothing(format!(
                    "key {fingerprint} of {who} is already revoked; nothing was changed"
                )));
            }
            let current = entry.current_key();
            let signer = match current {
                Some(k) if k.key.fingerprint == key.fingerprint() => who.clone(),
                _ => signing_editor(state, key)?,
            };
            let revokes_current = current.is_some_and(|c| c.seq == target.seq);
            if who.role == Role::Editor && revokes_current && state.active_editors() <= 1 {
                return Err(Error::LastEditor {
                    who: who.to_string(),
                });
            }
            Ok(Step::Write {
                act: Act::RevokeKey(RevocationRecord {
                    principal: who.to_string(),
                    seq: target.seq,
                    fingerprint: fingerprint.to_string(),
                    reason: reason.to_string(),
                    revoked_by: signer.to_string(),
                    revoked_at: now,
                }),
                actor: signer,
            })
        })
    }

    /// Removes an editor; its key is retired. The last editor cannot be removed.
    pub fn remove_editor(&self, id: &str, reason: &str, key: &SigningKey) -> Result<Outcome> {
        check_slug("editor", id)?;
        bad(Field::Reason, fields::check_line(Field::Reason, reason))?;
        self.act(key, |p| {
            let now = p.now.clone();
            let who = Principal::editor(id);
            let state = p.state(&Needs {
                principals: vec![who.clone()],
                key_index: true,
                ..Needs::default()
            })?;
            let editor = signing_editor(state, key)?;
            let entry = state.editors.get(id).ok_or_else(|| unknown(&who))?;
            if entry.removed.is_some() {
                return Ok(Step::Nothing(format!(
                    "{who} is already removed; nothing was changed"
                )));
            }
            if entry.current_key().is_some() && state.active_editors() <= 1 {
                return Err(Error::LastEditor {
                    who: who.to_string(),
                });
            }
            Ok(Step::Write {
                act: Act::RemoveEditor(RemovalRecord {
                    editor: id.to_string(),
                    reason: reason.to_string(),
                    removed_by: editor.to_string(),
                    removed_at: now,
                }),
                actor: editor,
            })
        })
    }
}

fn first_key(who: &Principal, public: &PublicKeyInfo, editor: &Principal, now: &str) -> KeyRecord {
    KeyRecord {
        principal: who.to_string(),
        seq: 1,
        public_key: public.openssh.clone(),
        fingerprint: public.fingerprint.clone(),
        added_by: editor.to_string(),
        added_at: now.to_string(),
        reason: None,
    }
}

fn role_kind(who: &Principal) -> &'static str {
    who.role.noun()
}

/// The principal is not registered.
pub(super) fn unknown(who: &Principal) -> Error {
    Error::Unknown {
        kind: role_kind(who),
        id: who.id.clone(),
        known: Vec::new(),
    }
}

/// The editor whose key in force `key` is, or a clear refusal.
pub(super) fn signing_editor(state: &State, key: &SigningKey) -> Result<Principal> {
    state
        .editors
        .iter()
        .find(|(_, e)| {
            e.current_key()
                .is_some_and(|k| k.key.fingerprint == key.fingerprint())
        })
        .map(|(id, _)| Principal::editor(id))
        .ok_or_else(|| Error::WrongKey {
            path: key.path().to_path_buf(),
            fingerprint: key.fingerprint().to_string(),
            expected: "the key of an editor of this ledger".into(),
            why: WrongKeyWhy::NotAnEditor,
        })
}

/// No two registered names look alike to a reader.
fn refuse_look_alike(state: &State, name: &str) -> Result<()> {
    match state.names.get(&crate::text::skeleton(name)) {
        Some((other, other_name)) => Err(Error::NameLooksLike {
            name: name.to_string(),
            other: other.to_string(),
            other_name: other_name.clone(),
        }),
        None => Ok(()),
    }
}

/// A key is registered to one principal, forever.
fn refuse_registered_key(state: &State, public: &PublicKeyInfo) -> Result<()> {
    if state.by_key.contains_key(&public.raw) {
        return Err(Error::KeyRegistered {
            fingerprint: public.fingerprint.clone(),
        });
    }
    Ok(())
}
