//! Argument definitions and dispatch. Exit codes and error messages live in [`errors`]: 0 ok,
//! 1 verification failed, 2 usage or input error (clap's own usage errors exit 2 as well).

mod acts;
mod coalition;
mod demo;
mod errors;
mod keys;
mod publish;
mod read;

use errors::EXIT_STATUS;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use undersigned::keys::SigningKey;
use zeroize::Zeroizing;

/// Joint statements in a signed git ledger: who endorsed which exact text.
#[derive(Parser)]
#[command(name = "undersigned", version, about, after_help = EXIT_STATUS)]
pub struct Cli {
    /// Ledger directory.
    #[arg(
        long,
        global = true,
        env = "UNDERSIGNED_LEDGER",
        default_value = "ledger"
    )]
    ledger: PathBuf,
    /// Machine-readable output on stdout (nothing else is printed there).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// A private key argument: an OpenSSH ed25519 key file.
#[derive(clap::Args, Clone)]
pub struct KeyArg {
    /// OpenSSH ed25519 private key file (passphrase from UNDERSIGNED_PASSPHRASE or a prompt).
    #[arg(long, env = "UNDERSIGNED_KEY", value_name = "FILE")]
    key: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Make and inspect keys.
    #[command(subcommand)]
    Key(keys::KeyCommand),
    /// Create a ledger with a genesis commit signed by its first editor.
    Init(acts::InitArgs),
    /// Manage editors (coordinators).
    #[command(subcommand)]
    Editor(acts::EditorCommand),
    /// Register organizations and their keys.
    #[command(subcommand)]
    Org(acts::OrgCommand),
    /// Draft and revise statements.
    #[command(subcommand)]
    Statement(acts::StatementCommand),
    /// Endorse a version with the organization's own key.
    Sign(acts::SignArgs),
    /// Record an organization's endorsement on its behalf (editor), from evidence.
    Attest(acts::AttestArgs),
    /// Withdraw an organization's endorsement.
    Withdraw(acts::WithdrawArgs),
    /// Check the whole history: signatures, rights, append-only, records.
    Verify(read::VerifyArgs),
    /// Who endorsed which version of a statement.
    Audit(read::AuditArgs),
    /// The publishable statement with its numbered list of signatories.
    Show(read::ShowArgs),
    /// The acts in order.
    Log(read::LogArgs),
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
    /// Make a bare repository refuse pushes that do not verify.
    #[command(subcommand)]
    Hook(coalition::HookCommand),
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
    let cli = Cli::parse();
    let json = cli.json;
    let flags = match cli.command {
        Command::Init(_) => errors::Flags::Init,
        _ => errors::Flags::Default,
    };
    match run(cli) {
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
                    ok: false,
                    error: message.clone(),
                    failures,
                };
                if let Ok(text) = serde_json::to_string(&out) {
                    println!("{text}");
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

fn run(cli: Cli) -> anyhow::Result<Done> {
    let ctx = Ctx {
        ledger: cli.ledger,
        json: cli.json,
    };
    // Commands that write objects into the ledger; after them git's housekeeping may be due
    // (as `git commit` runs `git gc --auto`).
    let writes = matches!(
        cli.command,
        Command::Editor(_)
            | Command::Org(_)
            | Command::Statement(_)
            | Command::Sign(_)
            | Command::Attest(_)
            | Command::Withdraw(_)
            | Command::Sync(_)
            | Command::Accept(_)
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
        Command::Statement(c) => acts::statement(ctx, c),
        Command::Sign(a) => acts::sign(ctx, a),
        Command::Attest(a) => acts::attest(ctx, a),
        Command::Withdraw(a) => acts::withdraw(ctx, a),
        Command::Verify(a) => read::verify(ctx, a),
        Command::Audit(a) => read::audit(ctx, a),
        Command::Show(a) => read::show(ctx, a),
        Command::Log(a) => read::log(ctx, a),
        Command::Publish(a) => publish::run(ctx, a),
        Command::Payload(a) => read::payload(ctx, a),
        Command::Demo(a) => demo::run(ctx, a),
        Command::Clone(a) => coalition::clone(ctx, a),
        Command::Sync(a) => coalition::sync(ctx, a),
        Command::Request(a) => coalition::request(ctx, a),
        Command::Accept(a) => coalition::accept(ctx, a),
        Command::Hook(c) => coalition::hook(ctx, c),
    }
}

/// Global options every command sees.
pub struct Ctx {
    /// `--ledger`
    pub ledger: PathBuf,
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
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            // What a command prints for people quotes the ledger; nothing in it may reach the
            // terminal as a control sequence.
            let text = human();
            let text = undersigned::text::escape_text(&text);
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
        Ok(())
    }

    /// Opens the ledger named by `--ledger`.
    pub fn open(&self) -> undersigned::Result<undersigned::Ledger> {
        undersigned::Ledger::open(&self.ledger)
    }
}

/// The passphrase for an encrypted key: UNDERSIGNED_PASSPHRASE, else a prompt on a terminal,
/// else none (the library then says how to provide one).
pub fn passphrase(path: &Path) -> undersigned::Result<Option<Zeroizing<String>>> {
    if let Ok(p) = std::env::var("UNDERSIGNED_PASSPHRASE") {
        return Ok(Some(Zeroizing::new(p)));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
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
        SigningKey::load(&self.key, &mut || passphrase(&path))
    }
}

/// Short form of a commit id for people.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}
