//! Typed errors of the library.
//!
//! Every variant is something a user can act on, so each carries what it is about (the file,
//! the field, the statement, the organization, the commit) and its message says what is wrong
//! in the library's terms. The CLI adds the recommendation in its own terms (which command or
//! option to use), and maps every `Error` to exit status 2 ("usage or input error"), except
//! [`Error::Unverified`], a verdict (exit 1), and [`Error::Transport`], a network failure
//! (exit 3: nothing local was lost, and the same command can be run again). A ledger that fails verification is not an error
//! but a [`crate::report::Report`] with failures.

use crate::record::Field;
use crate::report::{Failure, Rule};
use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation could not be carried out. Nothing was written when one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- where the ledger is
    /// The directory is not a ledger (no repository, or no genesis).
    #[error("{path}: not an undersigned ledger ({why})")]
    NotALedger { path: PathBuf, why: String },

    /// `init` was asked to create a ledger where one already is.
    #[error("{path}: a ledger already exists here; nothing was changed")]
    LedgerExists { path: PathBuf },

    /// A directory that must be new or empty holds other files.
    #[error(
        "{path}: directory is not empty and is not a ledger; choose an empty or new directory"
    )]
    DirectoryNotEmpty { path: PathBuf },

    /// The demo's directory holds something a previous demo did not write.
    #[error("{path}: exists and holds {holds} the demo did not write")]
    DemoDirInUse { path: PathBuf, holds: &'static str },

    /// The ledger's history has no commit to start from.
    #[error("the ledger's history is empty")]
    EmptyHistory,

    /// The ledger's work tree has files the ledger does not hold, or edited ledger files, where
    /// an act writes.
    #[error("{path}: the ledger's work tree has uncommitted changes ({first}{more}); acts are written by undersigned only — move those files away or run `git -C {path} checkout -- . && git -C {path} clean -n` to see and undo them")]
    DirtyWorkTree {
        path: PathBuf,
        first: String,
        more: String,
    },

    /// A git lock file that no killed act of undersigned explains.
    #[error("{} exists: a git command is working in this ledger, or one was killed; if no git process is running here, remove that file and run the command again", .path.display())]
    GitLocked { path: PathBuf },

    /// No ledger was given and none was found; `tried` says where it was looked for.
    #[error("no ledger found: {}", tried_list(.tried))]
    NoLedgerFound { tried: Vec<Tried> },

    /// A file to write exists already; requests and signatures are never overwritten.
    #[error(
        "{path}: already exists; nothing was written (choose a new directory, or move it away)"
    )]
    OutputExists { path: PathBuf },

    // ---- keys
    /// A key file could not be read or is not an OpenSSH ed25519 private key.
    #[error("{path}: {why}")]
    Key { path: PathBuf, why: String },

    /// A file given as a private key is not an OpenSSH private key at all.
    #[error("{path}: not an OpenSSH private key ({why})")]
    NotAPrivateKey { path: PathBuf, why: String },

    /// A key file to create exists already; key files are never overwritten.
    #[error(
        "{path}: already exists; undersigned never overwrites a key file — choose another name"
    )]
    KeyFileExists { path: PathBuf },

    /// A public key given on the command line or in a file is unusable.
    #[error("public key {source_name}: {why}")]
    PublicKey { source_name: String, why: String },

    /// A passphrase-protected key was given but no passphrase is available.
    #[error("{path}: key is passphrase-protected and no passphrase was given")]
    PassphraseNeeded { path: PathBuf },

    /// The passphrase did not decrypt the key.
    #[error("{path}: wrong passphrase for this key")]
    WrongPassphrase { path: PathBuf },

    /// Making, encrypting, encoding or using a key failed inside the cryptography.
    #[error("{what} failed: {why}")]
    Crypto { what: &'static str, why: String },

    /// The key given is not the key the ledger holds for the actor.
    #[error("{path} (key {fingerprint}) is not {expected}")]
    WrongKey {
        path: PathBuf,
        fingerprint: String,
        expected: String,
        /// Why the key was expected to be someone else's, for the recommendation.
        why: WrongKeyWhy,
    },

    /// The key is already registered to someone in this ledger.
    #[error("key {fingerprint} is already registered in this ledger; each editor and organization needs its own key")]
    KeyRegistered { fingerprint: String },

    // ---- input
    /// An identifier (organization, statement, editor) is not a valid slug.
    #[error("{kind} id {id:?} is not valid: use 1 to 64 lowercase ascii letters, digits and '-' (for example \"human-rights-watch\")")]
    BadId { kind: &'static str, id: String },

    /// A free-text field is unusable (empty, too long, control characters).
    #[error("{field}: {why}")]
    BadField { field: Field, why: String },

    /// A statement text is not acceptable.
    #[error("text {source_name}: {why}")]
    BadText { source_name: String, why: String },

    /// A file given as input is not what it should be: a signing request, an endorsement
    /// record, evidence.
    #[error("{kind} {source_name}: {why}")]
    BadInput {
        kind: InputKind,
        source_name: String,
        why: String,
    },

    /// Evidence of an organization's consent that holds nothing: its hash would prove nothing.
    #[error("the evidence is empty; attach the e-mail or form export that shows the consent")]
    EmptyEvidence,

    /// An input file could not be read.
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    // ---- the ledger's content
    /// The named entity does not exist in the ledger.
    #[error("{kind} {id:?} is not in this ledger{}", known_list(.kind, .known))]
    Unknown {
        kind: &'static str,
        id: String,
        /// What is there instead, for the message (statement ids, an organization's keys).
        known: Vec<String>,
    },

    /// A version that the statement does not have.
    #[error("version {stmt} v{version} is not in this ledger; {stmt} has versions 1 to {count}")]
    UnknownVersion {
        stmt: String,
        version: u32,
        count: u32,
    },

    /// A display name that looks like one registered already.
    #[error("name {name:?} looks like the name of {other} ({other_name:?}); a reader could take one for the other")]
    NameLooksLike {
        name: String,
        other: String,
        other_name: String,
    },

    /// The entity to create exists already.
    #[error("{kind} {id:?} already exists in this ledger; nothing was changed")]
    Exists { kind: &'static str, id: String },

    /// A statement to create exists already.
    #[error("statement {stmt:?} already exists (version {versions})")]
    StatementExists { stmt: String, versions: u32 },

    /// A revision whose text is the current version's.
    #[error("the text is identical to version {version} of {stmt}; nothing to revise")]
    SameText { stmt: String, version: u32 },

    /// A signatory (`org/…` or `person/…`) without a key in force cannot sign; its consent
    /// can be attested.
    #[error("{who} has no registered key")]
    NoKey { who: String },

    /// Withdrawing needs an endorsement in force.
    #[error("{who} has no endorsement of {stmt} in force; nothing to withdraw")]
    NothingToWithdraw { who: String, stmt: String },

    /// Sign-on of the statement is closed: no endorsement can be committed.
    #[error("sign-on of {stmt} is closed ({record}, at {at}{}); no endorsement can be committed while it is closed", .reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Closed {
        stmt: String,
        record: String,
        at: String,
        reason: Option<String>,
    },

    /// A language tag that records cannot hold, or texts given in languages that clash.
    #[error("language {lang:?}: {why}")]
    BadLang { lang: String, why: String },

    /// A translation of a version that names no language for its original.
    #[error("version {version} of {stmt} names no language for its original text")]
    NoOriginalLang { stmt: String, version: u32 },

    /// A language the version has no text in.
    #[error("version {version} of {stmt} has no text in {lang:?} (it has: {known})")]
    NoSuchLang {
        stmt: String,
        version: u32,
        lang: String,
        known: String,
    },

    /// The ledger's format predates what the act would write.
    #[error("this ledger is format {format} (its ledger.json), which holds no {what}; they need a ledger created by undersigned with format 2")]
    OldFormat { format: u32, what: &'static str },

    /// Another version became current while a revision was being made from an earlier one.
    #[error("version {current} of {stmt} became current while this was made from version {based_on}; nothing was written")]
    VersionMoved {
        stmt: String,
        based_on: u32,
        current: u32,
    },

    /// A deadline that is not a time.
    #[error("deadline {value:?} is not a time such as 2026-12-31T23:59:59.000Z or 2026-12-31")]
    BadDeadline { value: String },

    /// An organization acting on another's keys.
    #[error("{signer} may rotate only its own key")]
    NotOwnKey { signer: String },

    /// An editor replacing another principal's key in force must say why.
    #[error("{who} has key {fingerprint} in force; an editor replacing it must give a reason (a lost key, say)")]
    ReasonNeeded { who: String, fingerprint: String },

    /// The last editor whose key is in force cannot go.
    #[error("{who} is the last editor with a key in force; add another editor first, a ledger never runs out of editors")]
    LastEditor { who: String },

    /// A signing request made for one signatory (`org/…` or `person/…`), signed as another.
    #[error("this request was made for {requested}, not {given}; ask the coordinator for a request for {given}")]
    OtherOrg { requested: String, given: String },

    /// A signing request from another ledger or editor than the one the organization pinned.
    #[error("the request is {what} {found}, not {expected} as given; it is not from the coalition you expect — nothing was signed")]
    RequestNotTrusted {
        what: &'static str,
        found: String,
        expected: String,
    },

    /// A mailed endorsement that cannot be accepted here, and why.
    #[error("{0}")]
    NotAcceptable(NotAcceptable),

    /// The commit an act would write breaks a rule of the ledger: it is refused, so that no
    /// writer ever publishes what verification rejects.
    #[error("this act would not verify, so nothing was written: {}", crate::report::summary(.failures))]
    WouldNotVerify { failures: Vec<Failure> },

    /// An act's file cannot be placed in the tree (only reached when a ledger's tree is not
    /// what its records say: the rules refuse such a commit anyway).
    #[error("{path}: {why}")]
    TreeConflict { path: String, why: &'static str },

    /// This machine's clock says a time outside what a ledger holds (1970 to 9999).
    #[error("this machine's clock says {ms} ms since 1970, outside the years 1970 to 9999 a ledger holds")]
    ClockOutOfRange { ms: i64 },

    /// The head is dated far ahead of this machine's clock (or outside what a ledger holds):
    /// an act built on it would have to be dated later still.
    #[error("the head commit {commit} is dated {time}, far ahead of this machine's clock ({now}); nothing was written")]
    HeadAhead {
        commit: String,
        time: String,
        now: String,
    },

    /// The head commit cannot be read (libgit2 refuses it: a date of twenty digits, say).
    #[error("the head commit {commit} cannot be read ({why}); nothing was written")]
    UnreadableCommit { commit: String, why: String },

    /// An act must be dated after one that is dated at the end of time.
    #[error("{what} is dated {time}: no later time can be written, so nothing was")]
    NoLaterTime { what: String, time: String },

    /// A record in the ledger could not be read back.
    #[error("{path} in commit {commit}: damaged record: {why}")]
    DamagedRecord {
        commit: String,
        path: String,
        why: String,
    },

    /// Another writer moved the branch each time this act tried to land.
    #[error("the ledger's branch kept moving under this act ({tries} tries); nothing was written by this act — try again")]
    Contention { tries: u32 },

    // ---- many hands
    /// A remote name git would not take.
    #[error("{remote:?} is not a remote name; give the name of a remote of this clone (see `git remote -v`), for example origin")]
    BadRemote { remote: String },

    /// The installed `git` could not fetch, push or clone (the network, the remote, or git
    /// itself); the binary exits 3 for this one.
    #[error("{command} failed: {why}")]
    Transport { command: String, why: String },

    /// What came from elsewhere (a remote's head, a clone, a push) does not verify. The binary
    /// exits 1 for this one: it is a verdict, not a usage error.
    #[error("{what} does not verify: {}", crate::report::summary(.failures))]
    Unverified {
        what: String,
        failures: Vec<Failure>,
    },

    /// Two validly signed checkpoints of the ledger that no single history can have: a split
    /// view. The binary exits 1: it is a verdict.
    #[error("split view of this ledger: {first} and {second} cannot both be true ({why}){}", .proof.as_ref().map(|p| format!("; both notes are in {}", p.display())).unwrap_or_default())]
    Equivocation {
        proof: Option<PathBuf>,
        first: String,
        second: String,
        why: String,
    },

    /// A receipt that does not verify. The binary exits 1: it is a verdict.
    #[error("{}: the receipt does not verify: {part}: {why}", .file.display())]
    BadReceipt {
        file: PathBuf,
        part: String,
        why: String,
    },

    /// A transparency-log act or receipt that cannot be made as asked.
    #[error("{0}")]
    Log(String),

    /// `sync` cannot put this clone's acts on top of the remote.
    #[error("cannot publish: {why}; nothing was pushed and this clone still holds its acts")]
    CannotPublish { why: String },

    /// An unpublished commit signed by a key whose file this clone does not know.
    #[error("unpublished commit {commit} was signed by key {fingerprint}, and this clone does not know that key's file (it was made elsewhere or before undersigned remembered keys)")]
    KeyFileUnknown { commit: String, fingerprint: String },

    /// The remote refused the push, and not because another clone pushed first.
    #[error("the remote refused the push: {why}; nothing local was lost")]
    PushRefused { why: String },

    /// Other clones kept pushing first.
    #[error("other clones kept pushing first ({tries} tries; last refusal: {why}); nothing local was lost — run sync again")]
    KeptLosing { tries: u32, why: String },

    /// A hook file that undersigned did not write is in the way.
    #[error("{path} exists and was not installed by undersigned; move it away (or call undersigned from it) and install the hook again")]
    ForeignHook { path: PathBuf },

    // ---- below
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

/// What kind of input file an [`Error::BadInput`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// A signing request.
    Request,
    /// An endorsement record sent back by mail.
    Endorsement,
    /// Evidence of an organization's consent.
    Evidence,
    /// A statement text.
    Text,
    /// An update line git hands a pre-receive hook.
    PushUpdate,
    /// A signature file (`payload.sig` from `ssh-keygen -Y sign`).
    Signature,
    /// A receipt (`.tlog-proof`).
    Receipt,
    /// A checkpoint note, or a cosigned one sent by mail.
    Checkpoint,
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InputKind::Request => "signing request",
            InputKind::Endorsement => "endorsement record",
            InputKind::Evidence => "evidence",
            InputKind::Text => "text",
            InputKind::PushUpdate => "push update",
            InputKind::Signature => "signature",
            InputKind::Receipt => "receipt",
            InputKind::Checkpoint => "checkpoint",
        })
    }
}

/// Why a key was expected to belong to someone else (the CLI says what to do about each).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WrongKeyWhy {
    /// An editor's key is needed.
    NotAnEditor,
    /// An editor's key was given where the organization signs itself.
    EditorForOrg,
    /// Another key than the signatory's (`who`, `org/…` or `person/…`) in force (`in_force`).
    NotTheOrgs { who: String, in_force: String },
    /// Neither the principal's key in force nor an editor's.
    NeitherOwnNorEditor,
}

/// Why a mailed endorsement record cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotAcceptable {
    /// Signed for another ledger.
    #[error("the endorsement is for ledger {found}, but this ledger is {ledger}; it was requested from another ledger")]
    OtherLedger { found: String, ledger: String },
    /// Not an endorsement signed by the signatory itself.
    #[error("accept takes an endorsement signed by the organization or individual itself (signer {who}, provenance \"signed\"); this record is a {act} by {signer} ({provenance})")]
    NotOrgSigned {
        who: String,
        act: String,
        signer: String,
        provenance: String,
    },
    /// Signed with another key than the organization's in force.
    #[error("the endorsement is signed with key {key}, but {who}'s key in force is {in_force}")]
    OtherKey {
        who: String,
        key: String,
        in_force: String,
    },
    /// Signed a text that is not the version's.
    #[error("the endorsement is of a text with sha256 {found}, but version {version} of {stmt} has sha256 {expected}; the organization signed a different text")]
    OtherText {
        stmt: String,
        version: u32,
        found: String,
        expected: String,
    },
    /// Signed the original but not exactly the version's texts in every language.
    #[error("the endorsement signs the texts [{found}], but version {version} of {stmt} has the texts [{expected}]; an endorsement signs every text of its version")]
    OtherTexts {
        stmt: String,
        version: u32,
        found: String,
        expected: String,
    },
    /// The record's own signature does not verify.
    #[error("{who}'s signature on the endorsement does not verify: {why}")]
    BadSignature { who: String, why: String },
    /// Signed before the organization's latest act on the statement.
    #[error("the endorsement was signed at {signed_at}, not after {who}'s latest act on {stmt} ({latest}); a new signature is needed")]
    TooOld {
        who: String,
        stmt: String,
        signed_at: String,
        latest: String,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The failures an act's commit would have had, when it was refused for them.
    pub fn broken_rules(&self) -> Vec<Rule> {
        match self {
            Error::WouldNotVerify { failures } | Error::Unverified { failures, .. } => {
                failures.iter().map(|f| f.rule).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// One place a ledger was looked for, and why it is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// The directory.
    pub path: PathBuf,
    /// Why it is not a ledger.
    pub why: String,
}

fn tried_list(tried: &[Tried]) -> String {
    tried
        .iter()
        .map(|t| format!("{} ({})", t.path.display(), t.why))
        .collect::<Vec<_>>()
        .join(", then ")
}

fn known_list(kind: &str, known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!("; {kind}s here: {}", known.join(", "))
    }
}
