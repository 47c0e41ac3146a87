//! Errors as the user reads them: the library's message, then what to do about it in this
//! command line's terms (which command or option), on one line. Exit codes live here too.

use undersigned::error::{Error, WrongKeyWhy};
use undersigned::rules::fields::Field;

/// Exit status: everything was fine.
pub const OK: u8 = 0;
/// Exit status: verification failed (or what came from elsewhere did not verify).
pub const VERIFICATION_FAILED: u8 = 1;
/// Exit status: a usage or input error; nothing was changed.
pub const INPUT_ERROR: u8 = 2;
/// Exit status: the network or the remote failed (git could not fetch, push or clone); nothing
/// local was lost, and the same command can simply be run again.
pub const NETWORK_ERROR: u8 = 3;

/// The help text's account of the exit codes (the README's table says the same).
pub const EXIT_STATUS: &str = "EXIT STATUS:\n  0  ok\n  1  verification failed (verify; clone or sync of a remote that does not verify or was rewritten; a split view caught by sync, clone, the hook, witness cosign or receipt verify --against; a receipt that does not verify; audit, show, log and status of a ledger that does not verify, which still print with a warning; publish of one, which writes nothing)\n  2  usage or input error (nothing was changed)\n  3  network failure: git could not fetch, push or clone (nothing local was lost; run it again)";

/// The exit status an error ends the command with.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<Error>() {
        Some(Error::Unverified { .. })
        | Some(Error::Equivocation { .. })
        | Some(Error::BadReceipt { .. }) => VERIFICATION_FAILED,
        Some(Error::Transport { .. }) => NETWORK_ERROR,
        _ => INPUT_ERROR,
    }
}

/// The option of this command line that fills a record field (`init` names its editor with
/// `--editor-name`; everywhere else a name is `--name`).
#[derive(Clone, Copy)]
pub enum Flags {
    /// Most commands.
    Default,
    /// `init`.
    Init,
}

impl Flags {
    fn of(self, field: Field) -> &'static str {
        match (self, field) {
            (Flags::Init, Field::EditorName) => "--editor-name",
            (_, Field::LedgerName | Field::EditorName | Field::OrgName) => "--name",
            (_, Field::Title) => "--title",
            (_, Field::Note) => "--note",
            (_, Field::Reason) => "--reason",
            (_, Field::Url) => "--url",
            (_, Field::Country) => "--country",
            (_, Field::PersonName) => "--name",
            (_, Field::Affiliation) => "--affiliation",
            (_, _) => "value",
        }
    }
}

/// The one line printed after `undersigned: error: `.
pub fn message(e: &anyhow::Error, flags: Flags) -> String {
    if let Some(p) = e.downcast_ref::<undersigned::publish::PublishError>() {
        return match publish_advice(p) {
            Some(a) => format!("{e:#}; {a}"),
            None => format!("{e:#}"),
        };
    }
    let Some(err) = e.downcast_ref::<Error>() else {
        return format!("{e:#}");
    };
    let text = match err {
        Error::BadField { field, why } => format!("{}: {why}", flags.of(*field)),
        other => other.to_string(),
    };
    match advice(err) {
        Some(a) => format!("{text}; {a}"),
        None => text,
    }
}

/// What to do about a publish error, in this command line's terms.
fn publish_advice(e: &undersigned::publish::PublishError) -> Option<&'static str> {
    use undersigned::publish::PublishError;
    match e {
        PublishError::Unverified { .. } => Some("run `undersigned verify` to see why"),
        PublishError::Foreign { .. } => {
            Some("choose another --out directory or move the file away")
        }
        _ => None,
    }
}

/// What to do, in this command line's terms.
fn advice(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotAPrivateKey { .. } => {
            "make one with `undersigned key new FILE` or `ssh-keygen -t ed25519 -f FILE`".into()
        }
        Error::NotALedger { .. } => {
            "create one with `undersigned init` or pass --ledger DIR".into()
        }
        Error::NoLedgerFound { .. } => "run the command inside a ledger, pass --ledger DIR (or set UNDERSIGNED_LEDGER), or create one with `undersigned init`".into(),
        Error::OtherOrg { .. } => return None,
        Error::RequestNotTrusted { .. } => "check the ledger id and the editor's fingerprint with the coalition".into(),
        Error::PassphraseNeeded { .. } => {
            "give it with --passphrase-file FILE, --passphrase-fd N or UNDERSIGNED_PASSPHRASE, or run on a terminal to be asked".into()
        }
        Error::WrongKey { why, .. } => match why {
            WrongKeyWhy::NotAnEditor => {
                "pass an editor's key with --key (see editors/*/keys in the ledger)".into()
            }
            WrongKeyWhy::EditorForOrg => "this is an editor's key: an editor records a signatory's consent with `undersigned attest` (or `withdraw --evidence`)".into(),
            WrongKeyWhy::NotTheOrgs { who, in_force } => {
                format!("{who} signs with its registered key {in_force}")
            }
            WrongKeyWhy::NeitherOwnNorEditor => {
                "a principal rotates with its current key; an editor replaces a lost one".into()
            }
            _ => return None,
        },
        Error::NoKey { who } => format!("an editor can record its consent with `undersigned attest` (or `withdraw --evidence`), or register its key with `undersigned {} add-key`", if who.starts_with("person/") { "person" } else { "org" }),
        Error::Closed { stmt, .. } => format!("an editor opens it again with `undersigned statement open {stmt}`; a withdrawal is still possible"),
        Error::OldFormat { .. } => "keep this ledger as it is, or start a new ledger with `undersigned init` for statements that need them".into(),
        Error::NoOriginalLang { stmt, version } => format!("name the original's language first: `undersigned statement revise {stmt} --text FILE_OF_VERSION_{version} --lang LANG`"),
        Error::BadLang { .. } => "give languages as BCP 47 tags in lower case (en, fr, pt-br), one --lang after each --text".into(),
        Error::NoSuchLang { .. } => "pick one of the languages listed, or leave out --lang for the original".into(),
        Error::Unknown { kind, known, .. } => match (*kind, known.is_empty()) {
            ("organization", _) => "register it with `undersigned org add`".into(),
            ("individual", _) => "register them with `undersigned person add`".into(),
            ("statement", true) => "create it with `undersigned statement new`".into(),
            ("remote", _) => "add it with `git -C LEDGER remote add NAME URL`".into(),
            _ => return None,
        },
        Error::StatementExists { stmt, .. } => {
            format!("use `undersigned statement revise {stmt}`")
        }
        Error::ReasonNeeded { .. } => "an editor replaces it with `rotate-key --reason TEXT`".into(),
        Error::KeyFileUnknown { .. } => "pass it with `sync --key FILE`".into(),
        Error::DamagedRecord { .. } => "run `undersigned verify` for a full report".into(),
        Error::DemoDirInUse { .. } => "pass --dir with a new directory".into(),
        Error::NotAcceptable(_) => "ask the organization for a new signature".into(),
        Error::HeadAhead { .. } | Error::UnreadableCommit { .. } => {
            "run `undersigned verify` to see what is wrong with the ledger".into()
        }
        Error::NameLooksLike { .. } => "register it under a name that cannot be taken for the other".into(),
        _ => return None,
    })
}
