//! Rights by path (DESIGN.md, principle 5): which role may add which kind of file. The finer
//! rules (an organization adds only its own records, an attested record only by its editor,
//! a rotation only with the key in force) need the record's content and live with the record
//! rules ([`super::registry`], [`super::endorsement`]).
//!
//! Every pair of role and kind of file is spelled out, with no catch-all arm: a new kind of
//! file or a new role does not compile until its rights are decided here.

use crate::ids::{Principal, Role};
use crate::layout::Entry;

/// Why a principal may not add a file of this kind, or `None` when it may.
pub fn refuse_add(entry: &Entry, signer: &Principal, genesis: bool) -> Option<String> {
    if matches!(entry, Entry::Ledger) && !genesis {
        return Some("ledger.json is written once, by the genesis commit".into());
    }
    match signer.role {
        Role::Editor => match entry {
            Entry::Ledger
            | Entry::AllowedSigners
            | Entry::Editor { .. }
            | Entry::EditorKey { .. }
            | Entry::EditorRevocation { .. }
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
            | Entry::Quorum { .. } => None,
        },
        // Organizations and individuals have the same rights, each over its own records.
        Role::Org | Role::Person => signatory_refuses(entry, signer),
    }
}

/// A signatory (organization or individual) adds its own acts and rotates or revokes its own
/// keys (checked further against its key in force by the registry rules); nothing else.
fn signatory_refuses(entry: &Entry, signer: &Principal) -> Option<String> {
    let own = |who: Principal| who == *signer;
    match entry {
        Entry::Ledger | Entry::AllowedSigners => None,
        Entry::Act { org: id, .. } | Entry::PersonAct { person: id, .. } => {
            let whose = match entry {
                Entry::PersonAct { .. } => Principal::person(id),
                _ => Principal::org(id),
            };
            if own(whose.clone()) {
                None
            } else {
                Some(format!(
                    "{signer} may add only its own endorsements and withdrawals, not those of {whose}"
                ))
            }
        }
        Entry::OrgKey { id, .. } | Entry::OrgRevocation { id, .. } if own(Principal::org(id)) => {
            None
        }
        Entry::PersonKey { id, .. } | Entry::PersonRevocation { id, .. }
            if own(Principal::person(id)) =>
        {
            None
        }
        // A witness (an organization) commits its own cosignature; an editor commits one sent
        // by mail.
        Entry::Cosignature { org, .. } if own(Principal::org(org)) => None,
        Entry::Cosignature { org, .. } => Some(format!(
            "{signer} may add only its own cosignatures, not those of org/{org}"
        )),
        Entry::Checkpoint { .. } | Entry::Quorum { .. } => Some(format!(
            "{signer} is an {}; only editors sign checkpoints of the log and state its quorum",
            signer.role.noun()
        )),
        Entry::OrgKey { .. }
        | Entry::OrgRevocation { .. }
        | Entry::PersonKey { .. }
        | Entry::PersonRevocation { .. }
        | Entry::Editor { .. }
        | Entry::EditorKey { .. }
        | Entry::EditorRevocation { .. }
        | Entry::EditorRemoved { .. }
        | Entry::Org { .. }
        | Entry::Person { .. }
        | Entry::VersionText { .. }
        | Entry::TranslationText { .. }
        | Entry::VersionMeta { .. }
        | Entry::SignOn { .. } => Some(format!(
            "{signer} is an {}; only editors may register organizations, individuals, editors and keys, write statement texts or close and open sign-on",
            signer.role.noun()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(org: &str) -> Entry {
        Entry::Act {
            stmt: "icc".into(),
            org: org.into(),
            seq: 1,
        }
    }

    #[test]
    fn organizations_add_only_their_own_acts() {
        let hrw = Principal::org("hrw");
        assert_eq!(refuse_add(&act("hrw"), &hrw, false), None);
        assert!(refuse_add(&act("fidh"), &hrw, false)
            .unwrap()
            .contains("only its own"));
        for e in [
            Entry::Org { id: "x".into() },
            Entry::OrgKey {
                id: "fidh".into(),
                seq: 2,
            },
            Entry::OrgRevocation {
                id: "fidh".into(),
                seq: 1,
            },
            Entry::EditorRevocation {
                id: "alice".into(),
                seq: 1,
            },
            Entry::EditorRemoved { id: "alice".into() },
            Entry::Editor { id: "x".into() },
            Entry::EditorKey {
                id: "x".into(),
                seq: 1,
            },
            Entry::VersionText {
                stmt: "icc".into(),
                n: 2,
            },
            Entry::VersionMeta {
                stmt: "icc".into(),
                n: 2,
            },
        ] {
            assert!(refuse_add(&e, &hrw, false).is_some(), "{e:?}");
        }
    }

    #[test]
    fn organizations_rotate_and_revoke_their_own_keys() {
        let hrw = Principal::org("hrw");
        let key = Entry::OrgKey {
            id: "hrw".into(),
            seq: 2,
        };
        let revoke = Entry::OrgRevocation {
            id: "hrw".into(),
            seq: 1,
        };
        assert_eq!(refuse_add(&key, &hrw, false), None);
        assert_eq!(refuse_add(&revoke, &hrw, false), None);
    }

    #[test]
    fn individuals_add_only_their_own_acts_and_keys() {
        let ada = Principal::person("ada");
        let own = Entry::PersonAct {
            stmt: "icc".into(),
            person: "ada".into(),
            seq: 1,
        };
        let other = Entry::PersonAct {
            stmt: "icc".into(),
            person: "bob".into(),
            seq: 1,
        };
        assert_eq!(refuse_add(&own, &ada, false), None);
        assert!(refuse_add(&other, &ada, false)
            .unwrap()
            .contains("not those of person/bob"));
        assert!(refuse_add(&act("ada"), &ada, false)
            .unwrap()
            .contains("not those of org/ada"));
        assert!(refuse_add(&own, &Principal::org("ada"), false).is_some());
        for (e, ok) in [
            (
                Entry::PersonKey {
                    id: "ada".into(),
                    seq: 2,
                },
                true,
            ),
            (
                Entry::PersonRevocation {
                    id: "ada".into(),
                    seq: 1,
                },
                true,
            ),
            (
                Entry::PersonKey {
                    id: "bob".into(),
                    seq: 2,
                },
                false,
            ),
            (
                Entry::OrgKey {
                    id: "ada".into(),
                    seq: 2,
                },
                false,
            ),
            (Entry::Person { id: "eve".into() }, false),
            (
                Entry::SignOn {
                    stmt: "icc".into(),
                    seq: 1,
                },
                false,
            ),
            (
                Entry::TranslationText {
                    stmt: "icc".into(),
                    n: 1,
                    lang: "fr".into(),
                },
                false,
            ),
        ] {
            assert_eq!(refuse_add(&e, &ada, false).is_none(), ok, "{e:?}");
        }
    }

    #[test]
    fn editors_do_everything_but_rewrite_genesis() {
        let alice = Principal::editor("alice");
        assert_eq!(refuse_add(&act("hrw"), &alice, false), None);
        assert_eq!(
            refuse_add(&Entry::Org { id: "x".into() }, &alice, false),
            None
        );
        assert!(refuse_add(&Entry::Ledger, &alice, false).is_some());
        assert_eq!(refuse_add(&Entry::Ledger, &alice, true), None);
    }
}
