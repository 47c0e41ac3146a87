//! Argument definitions and dispatch. Exit codes and error messages live in [`errors`]: 0 ok,
//! 1 verification failed, 2 usage or input error (clap's own usage errors exit 2 as well),
//! 3 network failure. Which commands take `--ledger`, and each command's example, live in
//! [`help`].

mod acts;
mod coalition;
mod demo;
mod docs;
mod errors;
mod help;
mod history;
mod input;
mod inventory;
mod keys;
pub mod out;
mod people;
mod publish;
mod read;
mod render;
mod statements;
mod transparency;

use clap::{FromArgMatches, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use undersigned::keys::SigningKey;
use zeroize::Zeroizing;

/// Joint statements in a signed git ledger: who endorsed which exact text.
#[derive(Parser)]
#[command(name = "undersigned", version, about)]
pub struct Cli {
    /// The ledger directory, given before the command (as earlier versions took it); the
    /// commands that use a ledger take `--ledger` themselves.
    #[arg(long = "ledger", id = "ledger_before", value_name = "DIR", hide = true)]
    ledger: Option<PathBuf>,
    /// Machine-readable output on stdout (nothing else is printed there).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// A private key argument: an OpenSSH ed25519 key file, and where its passphrase comes from.
#[derive(clap::Args, Clone)]
pub struct KeyArg {
    /// OpenSSH ed25519 private key file. An encrypted key's passphrase comes from
    /// --passphrase-file, --passphrase-fd, UNDERSIGNED_PASSPHRASE or a prompt, in that order.
    #[arg(long, env = "UNDERSIGNED_KEY", value_name = "FILE")]
    key: PathBuf,
    #[command(flatten)]
    pass: PassArgs,
}

/// Where a passphrase comes from besides the environment and a prompt.
#[derive(clap::Args, Clone, Default)]
pub struct PassArgs {
    /// Read the key's passphrase from the first line of FILE.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Read the key's passphrase from the first line of file descriptor N (as gpg's
    /// --passphrase-fd: `3<secret.txt`).
    #[arg(long, value_name = "N", conflicts_with = "passphrase_file")]
    passphrase_fd: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
    /// Make and inspect keys.
    #[command(subcommand)]
    Key(keys::KeyCommand),
    /// Who stands where on a statement: current, stale, withdrawn and pending, with counts.
    Status(inventory::StatusArgs),
    /// Create a ledger with a genesis commit signed by its first editor.
    Init(acts::InitArgs),
    /// Manage editors (coordinators).
    #[command(subcommand)]
    Editor(acts::EditorCommand),
    /// Register organizations and their keys.
    #[command(subcommand)]
    Org(acts::OrgCommand),
    /// Register individuals (people signing in their own name) and their keys.
    #[command(subcommand)]
    Person(people::PersonCommand),
    /// Draft and revise statements.
    #[command(subcommand)]
    Statement(acts::StatementCommand),
    /// Endorse a version with the organization's (or individual's) own key.
    Sign(acts::SignArgs),
    /// Record an organization's or individual's endorsement on its behalf (editor), from evidence.
    Attest(acts::AttestArgs),
    /// Withdraw an organization's or individual's endorsement.
    Withdraw(acts::WithdrawArgs),
    /// Check the whole history: signatures, rights, append-only, records.
    Verify(read::VerifyArgs),
    /// Who endorsed which version of a statement.
    Audit(read::AuditArgs),
    /// The publishable statement with its numbered list of signatories.
    Show(read::ShowArgs),
    /// The acts in order.
    Log(read::LogArgs),
    /// Who joined and who left a statement's list of current endorsers between two points of
    /// history, with the acts that did it.
    History(history::HistoryArgs),
    /// Write a static site of the statements: text, signatories, history, and every signature
    /// checked in the reader's browser.
    Publish(publish::PublishArgs),
    /// Print the exact bytes an endorsement's own signature covers, its signature, or the
    /// ssh-keygen command that checks it.
    Payload(read::PayloadArgs),
    /// Build the demo ledger of the seed statement and audit it.
    Demo(demo::DemoArgs),
    /// Clone a shared ledger and verify it before it is kept.
    Clone(coalition::CloneArgs),
    /// Exchange acts with a remote: fetch and verify, publish this clone's acts on top, push.
    Sync(coalition::SyncArgs),
    /// Write a signing request for organizations that sign by mail.
    Request(coalition::RequestArgs),
    /// Commit an endorsement an organization signed from a request (editor).
    Accept(coalition::AcceptArgs),
    /// Sign a checkpoint of the ledger's transparency log (editor): its size and root hash, in
    /// the C2SP tlog-checkpoint form, committed as an act.
    Checkpoint(transparency::CheckpointArgs),
    /// Witnesses: cosign checkpoints, accept mailed cosignatures, state the quorum.
    #[command(subcommand)]
    Witness(transparency::WitnessCommand),
    /// Write, verify or update an organization's receipt: proof that its act is in the log.
    Receipt(transparency::ReceiptArgs),
    /// Make a bare repository refuse pushes that do not verify.
    #[command(subcommand)]
    Hook(coalition::HookCommand),
    /// Write man pages: undersigned.1 and one per subcommand.
    Man(docs::ManArgs),
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions(docs::CompletionsArgs),
}

/// What a command ends with.
pub enum Done {
    /// Exit 0.
    Ok,
    /// Exit 1.
    VerificationFailed,
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let matches = help::command().get_matches();
    let ledger = help::ledger_of(&matches);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let ledger = ledger.or_else(|| cli.ledger.clone());
    let json = cli.json;
    let flags = match cli.command {
        Command::Init(_) => errors::Flags::Init,
        _ => errors::Flags::Default,
    };
    match run(cli, ledger) {
        Ok(Done::Ok) => ExitCode::from(errors::OK),
        Ok(Done::VerificationFailed) => ExitCode::from(errors::VERIFICATION_FAILED),
        Err(e) => {
            let message = errors::message(&e, flags);
            if json {
                // Something fetched or cloned that does not verify is a verdict, with the
                // failures in the JSON like `verify` prints them.
                let failures = match e.downcast_ref::<undersigned::Error>() {
                    Some(undersigned::Error::Unverified { failures, .. }) => Some(failures.clone()),
                    _ => None,
                };
                let out = undersigned::report::ErrorOutput {
                    format: undersigned::report::formats::ERROR.into(),
                    ok: false,
                    error: message.clone(),
                    failures,
                };
                if let Ok(text) = serde_json::to_string(&out) {
                    let _ = out::put(format!("{text}\n").as_bytes());
                }
            }
            eprintln!(
                "undersigned: error: {}",
                undersigned::text::escape_line(&message)
            );
            ExitCode::from(errors::exit_code(&e))
        }
    }
}

fn run(cli: Cli, ledger: Option<PathBuf>) -> anyhow::Result<Done> {
    let ctx = Ctx {
        ledger,
        json: cli.json,
    };
    // Commands that write objects into the ledger; after them git's housekeeping may be due
    // (as `git commit` runs `git gc --auto`).
    let writes = matches!(
        cli.command,
        Command::Editor(_)
            | Command::Org(_)
            | Command::Person(_)
            | Command::Statement(_)
            | Command::Sign(_)
            | Command::Attest(_)
            | Command::Withdraw(_)
            | Command::Sync(_)
            | Command::Accept(_)
            | Command::Checkpoint(_)
            | Command::Witness(_)
    );
    let done = run_command(&ctx, cli.command)?;
    if writes {
        if let Ok(ledger) = ctx.open() {
            ledger.store().gc_if_due();
        }
    }
    Ok(done)
}

fn run_command(ctx: &Ctx, command: Command) -> anyhow::Result<Done> {
    match command {
        Command::Key(c) => keys::run(ctx, c),
        Command::Init(a) => acts::init(ctx, a),
        Command::Editor(c) => acts::editor(ctx, c),
        Command::Org(c) => acts::org(ctx, c),
        Command::Person(c) => people::person(ctx, c),
        Command::Statement(c) => acts::statement(ctx, c),
        Command::Sign(a) => acts::sign(ctx, a),
        Command::Attest(a) => acts::attest(ctx, a),
        Command::Withdraw(a) => acts::withdraw(ctx, a),
        Command::Verify(a) => read::verify(ctx, a),
        Command::Audit(a) => read::audit(ctx, a),
        Command::Show(a) => read::show(ctx, a),
        Command::Log(a) => read::log(ctx, a),
        Command::History(a) => history::run(ctx, a),
        Command::Publish(a) => publish::run(ctx, a),
        Command::Payload(a) => read::payload(ctx, a),
        Command::Demo(a) => demo::run(ctx, a),
        Command::Clone(a) => coalition::clone(ctx, a),
        Command::Sync(a) => coalition::sync(ctx, a),
        Command::Request(a) => coalition::request(ctx, a),
        Command::Accept(a) => coalition::accept(ctx, a),
        Command::Hook(c) => coalition::hook(ctx, c),
        Command::Checkpoint(a) => transparency::checkpoint(ctx, a),
        Command::Witness(c) => transparency::witness(ctx, c),
        Command::Receipt(a) => transparency::receipt(ctx, a),
        Command::Status(a) => inventory::status(ctx, a),
        Command::Man(a) => docs::man(ctx, a),
        Command::Completions(a) => docs::completions(a),
    }
}

/// Options every command sees.
pub struct Ctx {
    /// `--ledger`, when given (after the command, or before it).
    pub ledger: Option<PathBuf>,
    /// `--json`
    pub json: bool,
}

impl Ctx {
    /// Prints `value` as JSON, or `human` otherwise.
    pub fn emit<T: serde::Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            out::put(format!("{}\n", serde_json::to_string_pretty(value)?).as_bytes())?;
        } else {
            // What a command prints for people quotes the ledger; nothing in it may reach the
            // terminal as a control sequence.
            let text = human();
            let mut text = undersigned::text::escape_text(&text).into_owned();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            out::put(text.as_bytes())?;
        }
        Ok(())
    }

    /// The ledger a command uses: `--ledger`, else UNDERSIGNED_LEDGER, else the ledger that
    /// contains the current directory, else `./ledger` ([`undersigned::discover`]).
    pub fn ledger_dir(&self) -> undersigned::Result<PathBuf> {
        if let Some(dir) = self.named_ledger() {
            return Ok(dir);
        }
        let cwd = std::env::current_dir().map_err(|e| undersigned::Error::Io {
            context: "the current directory".into(),
            source: e,
        })?;
        undersigned::discover::find(&cwd)
    }

    /// Where `init` creates a ledger: `--ledger`, else UNDERSIGNED_LEDGER, else `./ledger`.
    pub fn init_dir(&self) -> PathBuf {
        self.named_ledger()
            .unwrap_or_else(|| PathBuf::from(undersigned::discover::DEFAULT_DIR))
    }

    fn named_ledger(&self) -> Option<PathBuf> {
        self.ledger.clone().or_else(|| {
            std::env::var_os("UNDERSIGNED_LEDGER")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// Opens the ledger ([`Ctx::ledger_dir`]).
    pub fn open(&self) -> undersigned::Result<undersigned::Ledger> {
        undersigned::Ledger::open(&self.ledger_dir()?)
    }

    /// True when people are reading: stderr is a terminal and `--json` was not given.
    pub fn interactive(&self) -> bool {
        !self.json && std::io::stderr().is_terminal()
    }
}

/// True when a question can be asked and answered: stdin and stderr are terminals.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

impl PassArgs {
    /// The passphrase from --passphrase-file or --passphrase-fd, when given.
    pub fn given(&self) -> undersigned::Result<Option<Zeroizing<String>>> {
        let path = match (&self.passphrase_file, self.passphrase_fd) {
            (Some(f), _) => f.clone(),
            // /dev/fd/N rather than taking the descriptor over: no unsafe code, and the same on
            // Linux and macOS.
            (None, Some(fd)) => PathBuf::from(format!("/dev/fd/{fd}")),
            (None, None) => return Ok(None),
        };
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
            undersigned::Error::Read {
                path: path.clone(),
                source: e,
            }
        })?);
        let first = text.lines().next().unwrap_or("");
        Ok(Some(Zeroizing::new(first.to_string())))
    }

    /// The passphrase for an encrypted key: --passphrase-file or --passphrase-fd, else
    /// UNDERSIGNED_PASSPHRASE, else a prompt on a terminal, else none (the library then says
    /// how to provide one).
    pub fn get(&self, path: &Path) -> undersigned::Result<Option<Zeroizing<String>>> {
        if let Some(p) = self.given()? {
            return Ok(Some(p));
        }
        passphrase(path)
    }
}

/// The passphrase for an encrypted key: UNDERSIGNED_PASSPHRASE, else a prompt on a terminal,
/// else none (the library then says how to provide one).
pub fn passphrase(path: &Path) -> undersigned::Result<Option<Zeroizing<String>>> {
    if let Ok(p) = std::env::var("UNDERSIGNED_PASSPHRASE") {
        return Ok(Some(Zeroizing::new(p)));
    }
    if can_ask() {
        let p = rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))
            .map_err(|e| undersigned::Error::Read {
                path: path.to_path_buf(),
                source: e,
            })?;
        return Ok(Some(Zeroizing::new(p)));
    }
    Ok(None)
}

impl KeyArg {
    /// Loads the key, asking for a passphrase only when it is encrypted.
    pub fn load(&self) -> undersigned::Result<SigningKey> {
        let path = self.key.clone();
        SigningKey::load(&self.key, &mut || self.pass.get(&path))
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.key
    }
}

/// Short form of a commit id for people.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}
