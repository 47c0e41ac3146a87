//! Identifiers: the slugs that name editors, organizations and statements, and the principals
//! (`editor/alice`, `org/hrw`) that stand for them in `allowed_signers` and in records.
//!
//! Slugs become path components in the ledger tree, so they are restricted to a set that cannot
//! escape a directory, collide by case on a case-insensitive file system, or need quoting.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fmt;

/// Longest slug accepted.
pub const MAX_SLUG: usize = 64;

/// Checks that `id` is 1 to 64 of `[a-z0-9-]`.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SLUG
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Returns `id` if it is a slug, else a [`Error::BadId`] naming `kind`.
pub fn check_slug(kind: &'static str, id: &str) -> Result<()> {
    if is_slug(id) {
        Ok(())
    } else {
        Err(Error::BadId {
            kind,
            id: id.to_string(),
        })
    }
}

/// The two hex digits that fan a slug out into one of 256 directories, so that directories which
/// grow with the number of organizations stay small (as git does for loose objects).
pub fn fanout(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    format!("{:02x}", digest[0])
}

/// Who acts: an editor (coordinator), an organization, or an individual (a person signing in
/// their own name). Organizations and individuals are the two kinds of signatory: the same
/// rights, keys and provenance, listed and counted apart.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May create and revise statements, register organizations and keys, add editors, attest.
    Editor,
    /// May add only its own endorsement and withdrawal records.
    Org,
    /// An individual: like an organization, may add only their own records.
    Person,
}

impl Role {
    /// The word used in principals and paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Org => "org",
            Role::Person => "person",
        }
    }

    /// True for the kinds that sign statements (organizations and individuals), whose rights
    /// are the same: their own endorsements and withdrawals, their own keys.
    pub fn is_signatory(self) -> bool {
        match self {
            Role::Editor => false,
            Role::Org | Role::Person => true,
        }
    }

    /// What the kind is called in messages: "organization", "individual", "editor".
    pub fn noun(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Org => "organization",
            Role::Person => "individual",
        }
    }
}

/// A principal: role plus slug, written `editor/alice`, `org/hrw` or `person/ada`. This is the
/// name that `allowed_signers`, `git log --show-signature` and records use, and the one form it
/// takes in JSON too (so that it can key a map).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    /// Editor or organization.
    pub role: Role,
    /// The slug.
    pub id: String,
}

impl Principal {
    /// An editor principal.
    pub fn editor(id: &str) -> Self {
        Principal {
            role: Role::Editor,
            id: id.to_string(),
        }
    }

    /// An organization principal.
    pub fn org(id: &str) -> Self {
        Principal {
            role: Role::Org,
            id: id.to_string(),
        }
    }

    /// An individual principal.
    pub fn person(id: &str) -> Self {
        Principal {
            role: Role::Person,
            id: id.to_string(),
        }
    }

    /// A signatory of kind `role` (an organization or an individual).
    pub fn new(role: Role, id: &str) -> Self {
        Principal {
            role,
            id: id.to_string(),
        }
    }

    /// Parses `editor/ID`, `org/ID` or `person/ID`.
    pub fn parse(s: &str) -> Option<Self> {
        let (role, id) = s.split_once('/')?;
        let role = match role {
            "editor" => Role::Editor,
            "org" => Role::Org,
            "person" => Role::Person,
            _ => return None,
        };
        is_slug(id).then(|| Principal {
            role,
            id: id.to_string(),
        })
    }

    /// The e-mail address written in commit author and committer lines. `.invalid` is reserved
    /// (RFC 2606), so it can never be mistaken for a real mailbox.
    pub fn email(&self) -> String {
        format!("{}@{}.undersigned.invalid", self.id, self.role.as_str())
    }
}

impl serde::Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Principal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Principal::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a principal")))
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.role.as_str(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_lowercase_digits_dash() {
        for ok in [
            "hrw",
            "human-rights-watch",
            "a",
            "0",
            "x-1-y",
            &"a".repeat(64),
        ] {
            assert!(is_slug(ok), "{ok}");
        }
    }

    #[test]
    fn slugs_refuse_paths_case_space_and_length() {
        for bad in [
            "",
            "..",
            "a/b",
            "../x",
            "A",
            "Hrw",
            "a b",
            "a_b",
            "é",
            &"a".repeat(65),
            "a.b",
            "-\n",
        ] {
            assert!(!is_slug(bad), "{bad:?}");
            assert!(check_slug("organization", bad).is_err());
        }
    }

    #[test]
    fn fanout_is_two_hex_digits_and_stable() {
        assert_eq!(fanout("hrw"), format!("{:02x}", Sha256::digest(b"hrw")[0]));
        assert_eq!(fanout("hrw").len(), 2);
        assert_eq!(fanout("hrw"), fanout("hrw"));
    }

    #[test]
    fn principals_round_trip() {
        let p = Principal::org("hrw");
        assert_eq!(p.to_string(), "org/hrw");
        assert_eq!(Principal::parse("org/hrw"), Some(p.clone()));
        assert_eq!(
            Principal::parse("editor/alice"),
            Some(Principal::editor("alice"))
        );
        assert_eq!(
            Principal::parse("person/ada"),
            Some(Principal::person("ada"))
        );
        assert_eq!(
            serde_json::to_string(&Principal::person("ada")).unwrap(),
            "\"person/ada\""
        );
        assert_eq!(Principal::parse("admin/alice"), None);
        assert_eq!(Principal::parse("org/../x"), None);
        assert_eq!(p.email(), "hrw@org.undersigned.invalid");
    }
}
