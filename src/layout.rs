//! Where each record lives in the ledger tree, and the reverse: what a path in a commit is.
//!
//! ```text
//! ledger.json                                    the genesis record
//! allowed_signers                                derived from the key records (for stock git)
//! editors/<id>/editor.json                       an editor
//! editors/<id>/keys/<seq>.json                   an editor's keys (seq n+1 replaces n: rotation)
//! editors/<id>/revocations/<seq>.json            revocation of the editor's key <seq>
//! editors/<id>/removed.json                      the editor was removed
//! orgs/<ff>/<id>/org.json                        an organization
//! orgs/<ff>/<id>/keys/<seq>.json                 an organization's keys (rotation as for editors)
//! orgs/<ff>/<id>/revocations/<seq>.json          revocation of the organization's key <seq>
//! people/<ff>/<id>/person.json                   an individual signatory (format 2)
//! people/<ff>/<id>/keys/<seq>.json               an individual's keys (rotation as for editors)
//! people/<ff>/<id>/revocations/<seq>.json        revocation of the individual's key <seq>
//! statements/<id>/versions/<n>.txt               the exact text of version n (its original)
//! statements/<id>/versions/<n>.<lang>.txt        a translation of version n (format 2)
//! statements/<id>/versions/<n>.json              who wrote version n, its title and sha256s
//! statements/<id>/acts/<ff>/<org>/<seq>.json     an organization's endorsements and withdrawals
//! statements/<id>/people/<ff>/<person>/<seq>.json an individual's endorsements and withdrawals
//! statements/<id>/signon/<seq>.json              sign-on closed or opened (format 2)
//! log/checkpoints/<bucket>/<seq>.note            checkpoint <seq> of the log, a signed note
//! log/cosignatures/<bucket>/<seq>/<org>.sig      a witness's cosignature of checkpoint <seq>
//! log/quorum/<seq>.json                          the witnesses' quorum the ledger states
//! ```
//!
//! `<ff>` is [`crate::ids::fanout`] of the organization or individual: directories that grow
//! with the number of signatories hold at most a 256th of them, so writing one act rewrites
//! small trees only. Individuals have directories of their own, so that an organization and an
//! individual may share a slug without sharing a path.
//!
//! `<bucket>` is `<seq>` / 1000 in four digits: the directories of the log's notes hold at most
//! a thousand entries, so a checkpoint or cosignature rewrites small trees only.
//! Numbers are written with at least four digits so that listings sort in order.

use crate::ids::{fanout, is_slug, Principal, Role};
use crate::record::is_lang;

/// `ledger.json`
pub const LEDGER_FILE: &str = "ledger.json";
/// `allowed_signers`
pub const ALLOWED_SIGNERS: &str = "allowed_signers";
/// Top-level directory of editors.
pub const EDITORS: &str = "editors";
/// Top-level directory of organizations.
pub const ORGS: &str = "orgs";
/// Top-level directory of statements.
pub const STATEMENTS: &str = "statements";
/// Top-level directory of individuals.
pub const PEOPLE: &str = "people";

/// Top-level directory of the transparency log's notes.
pub const LOG: &str = "log";

/// The bucket directory of checkpoint `seq`.
pub fn log_bucket(seq: u32) -> String {
    format!("{:04}", seq / 1000)
}

/// Path of checkpoint `seq`.
pub fn checkpoint_path(seq: u32) -> String {
    format!(
        "{LOG}/checkpoints/{}/{}.note",
        log_bucket(seq),
        seq_name(seq)
    )
}

/// Directory of the cosignatures of checkpoint `seq`.
pub fn cosignatures_dir(seq: u32) -> String {
    format!("{LOG}/cosignatures/{}/{}", log_bucket(seq), seq_name(seq))
}

/// Path of organization `org`'s cosignature of checkpoint `seq`.
pub fn cosignature_path(seq: u32, org: &str) -> String {
    format!("{}/{org}.sig", cosignatures_dir(seq))
}

/// Path of quorum statement `seq`.
pub fn quorum_path(seq: u32) -> String {
    format!("{LOG}/quorum/{}.json", seq_name(seq))
}

/// A sequence number as a file stem.
pub fn seq_name(n: u32) -> String {
    format!("{n:04}")
}

/// Parses a file stem written by [`seq_name`]; other spellings (`1`, `00001`) are refused so
/// that each number has one path.
pub fn parse_seq(stem: &str) -> Option<u32> {
    let n: u32 = stem.parse().ok()?;
    (n >= 1 && seq_name(n) == stem).then_some(n)
}

/// Directory of an editor.
pub fn editor_dir(id: &str) -> String {
    format!("{EDITORS}/{id}")
}

/// Directory of an organization.
pub fn org_dir(id: &str) -> String {
    format!("{ORGS}/{}/{id}", fanout(id))
}

/// Directory of an individual.
pub fn person_dir(id: &str) -> String {
    format!("{PEOPLE}/{}/{id}", fanout(id))
}

/// The directory of a principal's records.
pub fn principal_dir(who: &Principal) -> String {
    match who.role {
        Role::Editor => editor_dir(&who.id),
        Role::Org => org_dir(&who.id),
        Role::Person => person_dir(&who.id),
    }
}

/// The file that registers a principal, in its directory: `editor.json`, `org.json`,
/// `person.json`.
pub fn principal_file(who: &Principal) -> String {
    let name = match who.role {
        Role::Editor => "editor.json",
        Role::Org => "org.json",
        Role::Person => "person.json",
    };
    format!("{}/{name}", principal_dir(who))
}

/// Directory of a principal's keys.
pub fn keys_dir(principal_dir: &str) -> String {
    format!("{principal_dir}/keys")
}

/// Path of a key record.
pub fn key_path(principal_dir: &str, seq: u32) -> String {
    format!("{principal_dir}/keys/{}.json", seq_name(seq))
}

/// Path of the revocation of key `seq`.
pub fn revocation_path(principal_dir: &str, seq: u32) -> String {
    format!("{principal_dir}/revocations/{}.json", seq_name(seq))
}

/// Directory of a principal's revocations.
pub fn revocations_dir(principal_dir: &str) -> String {
    format!("{principal_dir}/revocations")
}

/// Path of an editor's removal record.
pub fn removal_path(id: &str) -> String {
    format!("{}/removed.json", editor_dir(id))
}

/// Directory of a statement's versions.
pub fn versions_dir(stmt: &str) -> String {
    format!("{STATEMENTS}/{stmt}/versions")
}

/// Path of a version's text.
pub fn version_text(stmt: &str, n: u32) -> String {
    format!("{STATEMENTS}/{stmt}/versions/{}.txt", seq_name(n))
}

/// Path of a translation of a version.
pub fn translation_text(stmt: &str, n: u32, lang: &str) -> String {
    format!("{STATEMENTS}/{stmt}/versions/{}.{lang}.txt", seq_name(n))
}

/// Path of a version's record.
pub fn version_meta(stmt: &str, n: u32) -> String {
    format!("{STATEMENTS}/{stmt}/versions/{}.json", seq_name(n))
}

/// Directory of one organization's acts on one statement.
pub fn acts_dir(stmt: &str, org: &str) -> String {
    format!("{STATEMENTS}/{stmt}/acts/{}/{org}", fanout(org))
}

/// Path of one act record.
pub fn act_path(stmt: &str, org: &str, seq: u32) -> String {
    format!("{}/{}.json", acts_dir(stmt, org), seq_name(seq))
}

/// Directory of one signatory's acts on one statement: an organization's under `acts/`, an
/// individual's under `people/`.
pub fn signatory_acts_dir(stmt: &str, who: &Principal) -> String {
    match who.role {
        Role::Person => format!("{STATEMENTS}/{stmt}/people/{}/{}", fanout(&who.id), who.id),
        Role::Org | Role::Editor => acts_dir(stmt, &who.id),
    }
}

/// Path of one signatory's act record.
pub fn signatory_act_path(stmt: &str, who: &Principal, seq: u32) -> String {
    format!("{}/{}.json", signatory_acts_dir(stmt, who), seq_name(seq))
}

/// Directory of a statement's sign-on records.
pub fn signon_dir(stmt: &str) -> String {
    format!("{STATEMENTS}/{stmt}/signon")
}

/// Path of a sign-on record (a close or an open).
pub fn signon_path(stmt: &str, seq: u32) -> String {
    format!("{}/{}.json", signon_dir(stmt), seq_name(seq))
}

/// What a path in a ledger tree is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `ledger.json`
    Ledger,
    /// `allowed_signers`
    AllowedSigners,
    /// An editor record.
    Editor { id: String },
    /// An editor's key record.
    EditorKey { id: String, seq: u32 },
    /// Revocation of an editor's key.
    EditorRevocation { id: String, seq: u32 },
    /// Removal of an editor.
    EditorRemoved { id: String },
    /// An organization record.
    Org { id: String },
    /// An organization's key record.
    OrgKey { id: String, seq: u32 },
    /// Revocation of an organization's key.
    OrgRevocation { id: String, seq: u32 },
    /// The text of a version.
    VersionText { stmt: String, n: u32 },
    /// The record of a version.
    VersionMeta { stmt: String, n: u32 },
    /// An act record.
    Act { stmt: String, org: String, seq: u32 },
    /// An individual's record.
    Person { id: String },
    /// An individual's key record.
    PersonKey { id: String, seq: u32 },
    /// Revocation of an individual's key.
    PersonRevocation { id: String, seq: u32 },
    /// A translation of a version.
    TranslationText { stmt: String, n: u32, lang: String },
    /// An individual's act record.
    PersonAct {
        stmt: String,
        person: String,
        seq: u32,
    },
    /// A sign-on record: the statement closed to endorsements, or opened again.
    SignOn { stmt: String, seq: u32 },
    /// A checkpoint of the log.
    Checkpoint { seq: u32 },
    /// A witness's cosignature of a checkpoint.
    Cosignature { seq: u32, org: String },
    /// A statement of the witnesses' quorum.
    Quorum { seq: u32 },
}

impl Entry {
    /// True for the log's own notes (checkpoints and cosignatures): a commit that adds only
    /// these is not a leaf of the log ([`crate::log::leaf`]).
    pub fn is_log_note(&self) -> bool {
        match self {
            Entry::Checkpoint { .. } | Entry::Cosignature { .. } => true,
            Entry::Ledger
            | Entry::AllowedSigners
            | Entry::Editor { .. }
            | Entry::EditorKey { .. }
            | Entry::EditorRevocation { .. }
            | Entry::EditorRemoved { .. }
            | Entry::Org { .. }
            | Entry::OrgKey { .. }
            | Entry::OrgRevocation { .. }
            | Entry::VersionText { .. }
            | Entry::VersionMeta { .. }
            | Entry::Act { .. }
            | Entry::Person { .. }
            | Entry::PersonKey { .. }
            | Entry::PersonRevocation { .. }
            | Entry::TranslationText { .. }
            | Entry::PersonAct { .. }
            | Entry::SignOn { .. }
            | Entry::Quorum { .. } => false,
        }
    }
}

/// Classifies a path; `None` for anything a ledger may not hold (wrong fan-out directory,
/// non-slug names, unknown files), which verification reports.
pub fn classify(path: &str) -> Option<Entry> {
    let parts: Vec<&str> = path.split('/').collect();
    let json_seq = |name: &str| name.strip_suffix(".json").and_then(parse_seq);
    match parts.as_slice() {
        [LEDGER_FILE] => Some(Entry::Ledger),
        [ALLOWED_SIGNERS] => Some(Entry::AllowedSigners),
        [EDITORS, id, "editor.json"] if is_slug(id) => Some(Entry::Editor { id: id.to_string() }),
        [EDITORS, id, "keys", file] if is_slug(id) => Some(Entry::EditorKey {
            id: id.to_string(),
            seq: json_seq(file)?,
        }),
        [EDITORS, id, "revocations", file] if is_slug(id) => Some(Entry::EditorRevocation {
            id: id.to_string(),
            seq: json_seq(file)?,
        }),
        [EDITORS, id, "removed.json"] if is_slug(id) => {
            Some(Entry::EditorRemoved { id: id.to_string() })
        }
        [ORGS, ff, id, "revocations", file] if is_slug(id) && *ff == fanout(id) => {
            Some(Entry::OrgRevocation {
                id: id.to_string(),
                seq: json_seq(file)?,
            })
        }
        [ORGS, ff, id, "org.json"] if is_slug(id) && *ff == fanout(id) => {
            Some(Entry::Org { id: id.to_string() })
        }
        [ORGS, ff, id, "keys", file] if is_slug(id) && *ff == fanout(id) => Some(Entry::OrgKey {
            id: id.to_string(),
            seq: json_seq(file)?,
        }),
        [PEOPLE, ff, id, "person.json"] if is_slug(id) && *ff == fanout(id) => {
            Some(Entry::Person { id: id.to_string() })
        }
        [PEOPLE, ff, id, "keys", file] if is_slug(id) && *ff == fanout(id) => {
            Some(Entry::PersonKey {
                id: id.to_string(),
                seq: json_seq(file)?,
            })
        }
        [PEOPLE, ff, id, "revocations", file] if is_slug(id) && *ff == fanout(id) => {
            Some(Entry::PersonRevocation {
                id: id.to_string(),
                seq: json_seq(file)?,
            })
        }
        [STATEMENTS, stmt, "signon", file] if is_slug(stmt) => Some(Entry::SignOn {
            stmt: stmt.to_string(),
            seq: json_seq(file)?,
        }),
        [STATEMENTS, stmt, "people", ff, person, file]
            if is_slug(stmt) && is_slug(person) && *ff == fanout(person) =>
        {
            Some(Entry::PersonAct {
                stmt: stmt.to_string(),
                person: person.to_string(),
                seq: json_seq(file)?,
            })
        }
        [STATEMENTS, stmt, "versions", file] if is_slug(stmt) => {
            if let Some(stem) = file.strip_suffix(".txt") {
                if let Some((n, lang)) = stem.split_once('.') {
                    if !is_lang(lang) {
                        return None;
                    }
                    return Some(Entry::TranslationText {
                        stmt: stmt.to_string(),
                        n: parse_seq(n)?,
                        lang: lang.to_string(),
                    });
                }
                Some(Entry::VersionText {
                    stmt: stmt.to_string(),
                    n: parse_seq(stem)?,
                })
            } else {
                Some(Entry::VersionMeta {
                    stmt: stmt.to_string(),
                    n: json_seq(file)?,
                })
            }
        }
        [STATEMENTS, stmt, "acts", ff, org, file]
            if is_slug(stmt) && is_slug(org) && *ff == fanout(org) =>
        {
            Some(Entry::Act {
                stmt: stmt.to_string(),
                org: org.to_string(),
                seq: json_seq(file)?,
            })
        }
        [LOG, "checkpoints", bucket, file] => {
            let seq = parse_seq(file.strip_suffix(".note")?)?;
            (*bucket == log_bucket(seq)).then_some(Entry::Checkpoint { seq })
        }
        [LOG, "cosignatures", bucket, stem, file] => {
            let seq = parse_seq(stem)?;
            let org = file.strip_suffix(".sig").filter(|o| is_slug(o))?;
            (*bucket == log_bucket(seq)).then(|| Entry::Cosignature {
                seq,
                org: org.to_string(),
            })
        }
        [LOG, "quorum", file] => Some(Entry::Quorum {
            seq: json_seq(file)?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_and_classify_agree() {
        assert_eq!(
            classify(&org_dir("hrw")),
            None,
            "a directory is not a record"
        );
        assert_eq!(
            classify(&format!("{}/org.json", org_dir("hrw"))),
            Some(Entry::Org { id: "hrw".into() })
        );
        assert_eq!(
            classify(&key_path(&org_dir("hrw"), 1)),
            Some(Entry::OrgKey {
                id: "hrw".into(),
                seq: 1
            })
        );
        assert_eq!(
            classify(&key_path(&editor_dir("alice"), 12)),
            Some(Entry::EditorKey {
                id: "alice".into(),
                seq: 12
            })
        );
        assert_eq!(
            classify(&version_text("icc", 2)),
            Some(Entry::VersionText {
                stmt: "icc".into(),
                n: 2
            })
        );
        assert_eq!(
            classify(&version_meta("icc", 2)),
            Some(Entry::VersionMeta {
                stmt: "icc".into(),
                n: 2
            })
        );
        assert_eq!(
            classify(&act_path("icc", "hrw", 3)),
            Some(Entry::Act {
                stmt: "icc".into(),
                org: "hrw".into(),
                seq: 3
            })
        );
        assert_eq!(
            classify(&principal_file(&Principal::person("ada"))),
            Some(Entry::Person { id: "ada".into() })
        );
        assert_eq!(
            classify(&key_path(&person_dir("ada"), 2)),
            Some(Entry::PersonKey {
                id: "ada".into(),
                seq: 2
            })
        );
        assert_eq!(
            classify(&revocation_path(&person_dir("ada"), 1)),
            Some(Entry::PersonRevocation {
                id: "ada".into(),
                seq: 1
            })
        );
        assert_eq!(
            classify(&signatory_act_path("icc", &Principal::person("ada"), 1)),
            Some(Entry::PersonAct {
                stmt: "icc".into(),
                person: "ada".into(),
                seq: 1
            })
        );
        assert_eq!(
            signatory_act_path("icc", &Principal::org("hrw"), 3),
            act_path("icc", "hrw", 3)
        );
        assert_eq!(
            classify(&translation_text("icc", 2, "pt-br")),
            Some(Entry::TranslationText {
                stmt: "icc".into(),
                n: 2,
                lang: "pt-br".into()
            })
        );
        assert_eq!(
            classify(&signon_path("icc", 1)),
            Some(Entry::SignOn {
                stmt: "icc".into(),
                seq: 1
            })
        );
        assert_eq!(classify("ledger.json"), Some(Entry::Ledger));
        assert_eq!(checkpoint_path(7), "log/checkpoints/0000/0007.note");
        assert_eq!(checkpoint_path(1234), "log/checkpoints/0001/1234.note");
        assert_eq!(
            classify(&checkpoint_path(1234)),
            Some(Entry::Checkpoint { seq: 1234 })
        );
        assert_eq!(classify("log/checkpoints/0000/1234.note"), None);
        assert_eq!(
            classify(&cosignature_path(3, "hrw")),
            Some(Entry::Cosignature {
                seq: 3,
                org: "hrw".into()
            })
        );
        assert_eq!(classify("log/cosignatures/0000/0003/HRW.sig"), None);
        assert_eq!(classify(&quorum_path(2)), Some(Entry::Quorum { seq: 2 }));
        assert_eq!(classify("allowed_signers"), Some(Entry::AllowedSigners));
    }

    #[test]
    fn foreign_paths_are_refused() {
        let wrong_ff = if fanout("hrw") == "00" { "01" } else { "00" };
        for bad in [
            format!("orgs/{wrong_ff}/hrw/org.json"),
            "orgs/hrw/org.json".to_string(),
            "statements/icc/versions/1.txt".to_string(),
            "statements/icc/versions/00001.txt".to_string(),
            "statements/icc/versions/0000.txt".to_string(),
            "statements/ICC/versions/0001.txt".to_string(),
            "statements/icc/notes.md".to_string(),
            "statements/icc/versions/0001.EN.txt".to_string(),
            "statements/icc/versions/0001.e.txt".to_string(),
            "statements/icc/versions/0001.en.fr.txt".to_string(),
            "people/ada/person.json".to_string(),
            format!("statements/icc/people/{wrong_ff}/hrw/0001.json"),
            "README.md".to_string(),
            "editors/../editor.json".to_string(),
            format!("{}/0001.json.bak", acts_dir("icc", "hrw")),
        ] {
            assert_eq!(classify(&bad), None, "{bad}");
        }
        assert_eq!(seq_name(12345), "12345");
        assert_eq!(parse_seq("12345"), Some(12345));
    }
}
