//! Typed errors of the library.
//!
//! Every variant is something a user can act on, so each message names the thing (file, ledger,
//! statement, organization, commit) and, where there is one, the fix. The binary maps every
//! `Error` to exit status 2 ("usage or input error"); a ledger that fails verification is not an
//! error but a [`crate::verify::Report`] with failures (exit status 1).

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation could not be carried out. Nothing was written when one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The directory is not a ledger (no repository, or no genesis).
    #[error("{path}: not an undersigned ledger ({why}); create one with `undersigned init` or pass --ledger DIR")]
    NotALedger { path: PathBuf, why: String },

    /// `init` was asked to create a ledger where one already is.
    #[error("{path}: a ledger already exists here; nothing was changed")]
    LedgerExists { path: PathBuf },

    /// `init` was pointed at a directory that holds other files.
    #[error(
        "{path}: directory is not empty and is not a ledger; choose an empty or new directory"
    )]
    DirectoryNotEmpty { path: PathBuf },

    /// The ledger's work tree has files the ledger does not hold, or edited ledger files.
    #[error("{path}: the ledger's work tree has uncommitted changes ({first}{more}); acts are written by undersigned only — move those files away or run `git -C {path} checkout -- . && git -C {path} clean -n` to see and undo them")]
    DirtyWorkTree {
        path: PathBuf,
        first: String,
        more: String,
    },

    /// A key file could not be read or is not an OpenSSH ed25519 private key.
    #[error("{path}: {why}")]
    Key { path: PathBuf, why: String },

    /// A public key given on the command line or in a file is unusable.
    #[error("public key {source_name}: {why}")]
    PublicKey { source_name: String, why: String },

    /// A passphrase-protected key was given but no passphrase is available.
    #[error("{path}: key is passphrase-protected; set UNDERSIGNED_PASSPHRASE or run on a terminal to be asked")]
    PassphraseNeeded { path: PathBuf },

    /// The passphrase did not decrypt the key.
    #[error("{path}: wrong passphrase for this key")]
    WrongPassphrase { path: PathBuf },

    /// An identifier (organization, statement, editor) is not a valid slug.
    #[error("{kind} id {id:?} is not valid: use 1 to 64 lowercase ascii letters, digits and '-' (for example \"human-rights-watch\")")]
    BadId { kind: &'static str, id: String },

    /// A free-text field is unusable (empty, too long, control characters).
    #[error("{field}: {why}")]
    BadField { field: &'static str, why: String },

    /// A statement text is not acceptable.
    #[error("text {source_name}: {why}")]
    BadText { source_name: String, why: String },

    /// An input file could not be read.
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The named entity does not exist in the ledger.
    #[error("{kind} {id:?} is not in this ledger{hint}")]
    Unknown {
        kind: &'static str,
        id: String,
        hint: String,
    },

    /// The entity to create exists already.
    #[error("{kind} {id:?} already exists in this ledger; nothing was changed")]
    Exists { kind: &'static str, id: String },

    /// The key given is not the key the ledger holds for the actor.
    #[error("{path} (key {fingerprint}) is not {expected}; {hint}")]
    WrongKey {
        path: PathBuf,
        fingerprint: String,
        expected: String,
        hint: String,
    },

    /// The act makes no sense in the ledger's current state.
    #[error("{0}")]
    Refused(String),

    /// A record in the ledger could not be read back.
    #[error("{path} in commit {commit}: damaged record: {why}; run `undersigned verify` for a full report")]
    DamagedRecord {
        commit: String,
        path: String,
        why: String,
    },

    /// Another writer moved the branch each time this act tried to land.
    #[error("the ledger's branch kept moving under this act ({tries} tries); nothing was written by this act — try again")]
    Contention { tries: u32 },

    /// A git lock file that no killed act of undersigned explains.
    #[error("{} exists: a git command is working in this ledger, or one was killed; if no git process is running here, remove that file and run the command again", .path.display())]
    GitLocked { path: PathBuf },

    /// The installed `git` could not fetch, push or clone.
    #[error("{command} failed: {why}")]
    Transport { command: String, why: String },

    /// What came from elsewhere (a remote's head, a clone, a push) does not verify. The binary
    /// exits 1 for this one: it is a verdict, not a usage error.
    #[error("{what} does not verify: {}", summary(.failures))]
    Unverified {
        what: String,
        failures: Vec<crate::verify::Failure>,
    },

    /// A failure in git (libgit2) that is not one of the above.
    #[error("git: {0}")]
    Git(#[from] git2::Error),

    /// A file-system failure that is not one of the above.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

fn summary(failures: &[crate::verify::Failure]) -> String {
    let mut out = String::new();
    for f in failures.iter().take(5) {
        let path = f
            .path
            .as_deref()
            .map(|p| format!(" {p}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  commit {}{path}: {} ({})",
            f.commit, f.reason, f.rule
        ));
    }
    if failures.len() > 5 {
        out.push_str(&format!("\n  … and {} more", failures.len() - 5));
    }
    out
}
