//! The commands of many hands: clone, sync, the mail flow (request, sign --request, accept)
//! and the server hook.

use super::acts::{read_input, report};
use super::read::parse_trust;
use super::{passphrase, short, Ctx, Done, KeyArg};
use clap::{Args, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use undersigned::clock::{Clock, SystemClock};
use undersigned::error::InputKind;
use undersigned::report::{RequestSummary, SignedSummary};
use undersigned::text::{escape_line, escape_text};
use undersigned::{hook, mail, sync, Error};

#[derive(Args)]
pub struct CloneArgs {
    /// Where the shared copy is: a path, file://, git://, ssh:// or https:// (as git takes it).
    url: String,
    /// New directory for the clone (must not exist, or be empty).
    dir: PathBuf,
    /// The ledger id (genesis commit) to accept; any other genesis is refused.
    #[arg(long, value_name = "LEDGER_ID")]
    trust: Option<String>,
    /// A bare clone, without a work tree: acts then cost the same on a ledger of any size
    /// (git's index lists every file of a work tree, and each act reads and writes it whole).
    #[arg(long)]
    bare: bool,
}

#[derive(Args)]
pub struct SyncArgs {
    /// The remote to exchange with.
    #[arg(default_value = "origin")]
    remote: String,
    /// Key for unpublished acts this clone does not remember a key file for.
    #[arg(long, env = "UNDERSIGNED_KEY", value_name = "FILE")]
    key: Option<PathBuf>,
    /// Fetch-and-push rounds before giving up when other clones keep pushing first.
    #[arg(long, default_value_t = sync::DEFAULT_TRIES)]
    tries: u32,
}

#[derive(Args)]
pub struct RequestArgs {
    /// Statement slug.
    stmt: String,
    /// Version to request signatures for (default: the current one).
    #[arg(long)]
    version: Option<u32>,
    /// Write the request here (default: standard output).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct AcceptArgs {
    /// The endorsement record the organization sent back (`sign --request … -o FILE`).
    endorsement: PathBuf,
    /// An editor's key: the editor commits the organization's record.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Subcommand)]
pub enum HookCommand {
    /// Install a pre-receive hook in a bare repository: pushes that do not verify are refused.
    Install {
        /// The bare repository the coalition pushes to.
        bare: PathBuf,
        /// The ledger id to enforce (default: the genesis of the repository's main, or of the
        /// first push when it is empty).
        #[arg(long, value_name = "LEDGER_ID")]
        trust: Option<String>,
    },
    /// What the installed hook runs (reads git's update lines on standard input).
    #[command(hide = true)]
    PreReceive {
        #[arg(long, value_name = "LEDGER_ID")]
        trust: Option<String>,
    },
}

pub fn clone(ctx: &Ctx, a: CloneArgs) -> anyhow::Result<Done> {
    let trust = a.trust.as_deref().map(parse_trust).transpose()?;
    let r = sync::clone(&a.url, &a.dir, trust, a.bare)?;
    if trust.is_none() && !ctx.json {
        eprintln!(
            "undersigned: warning: no --trust given: this clone trusts ledger {} on first use; check that id with the coalition and pin it with `--trust {}`",
            r.ledger_id, r.ledger_id
        );
    }
    ctx.emit(&r, || {
        format!(
            "Cloned ledger {} into {}: {} commits verified, head {}\n",
            r.ledger_id,
            r.dir,
            r.commits,
            short(&r.head)
        )
    })?;
    Ok(Done::Ok)
}

pub fn sync(ctx: &Ctx, a: SyncArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let mut ask = |p: &Path| passphrase(p);
    let mut keys = sync::Keys {
        fallback: a.key,
        passphrase: &mut ask,
    };
    let r = sync::sync(&ledger, &a.remote, &mut keys, a.tries)?;
    ctx.emit(&r, || {
        let mut out = format!(
            "Synced with {}: received {} commit(s), published {} act(s), head {}",
            r.remote,
            r.received,
            r.published,
            short(&r.head)
        );
        if r.tries > 1 {
            out.push_str(&format!(" ({} rounds: other clones pushed first)", r.tries));
        }
        out.push('\n');
        for d in &r.dropped {
            out.push_str(&format!("  dropped: {d}\n"));
        }
        out
    })?;
    Ok(Done::Ok)
}

pub fn request(ctx: &Ctx, a: RequestArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let req = mail::request(&ledger, &a.stmt, a.version)?;
    let mut text = serde_json::to_string_pretty(&req)?;
    text.push('\n');
    match &a.output {
        None => print!("{text}"),
        Some(path) => {
            write_file(path, text.as_bytes())?;
            let summary = RequestSummary {
                output: path.display().to_string(),
                ledger: req.ledger.clone(),
                statement: req.statement.clone(),
                version: req.version,
                text_sha256: req.text_sha256.clone(),
            };
            ctx.emit(&summary, || {
                format!(
                    "Wrote the signing request for {} version {} (text sha256 {}) to {}\n",
                    req.statement,
                    req.version,
                    req.text_sha256,
                    path.display()
                )
            })?;
        }
    }
    Ok(Done::Ok)
}

/// `sign --request`: the organization's side of the mail flow; needs no ledger.
pub fn sign_request(
    ctx: &Ctx,
    request: &Path,
    org: &str,
    key: &KeyArg,
    output: &Path,
    yes: bool,
) -> anyhow::Result<Done> {
    let bytes = read_input(request, InputKind::Request, 4 * 1024 * 1024)?;
    let req = mail::read_request(&bytes, &request.display().to_string())?;
    let key = key.load()?;
    // Everything shown comes from the request: escaped, so it cannot rewrite the terminal.
    eprintln!(
        "Ledger:    {} ({})\nStatement: {} version {}: {}\n\n{}\n\ntext sha256 {}\n",
        escape_line(&req.ledger_name),
        escape_line(&req.ledger),
        escape_line(&req.statement),
        req.version,
        escape_line(&req.title),
        escape_text(req.text.trim_end()),
        escape_line(&req.text_sha256)
    );
    if !yes {
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            anyhow::bail!(
                "no terminal to confirm on: read the text above and pass --yes to sign it; nothing was written"
            );
        }
        eprint!(
            "Sign this exact text as org/{org} with key {}? [y/N] ",
            key.fingerprint()
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            anyhow::bail!("not signed; nothing was written");
        }
    }
    let rec = mail::sign_request(&req, org, &key, SystemClock.now_ms())?;
    write_file(output, &undersigned::record::encode(&rec))?;
    let summary = SignedSummary {
        output: output.display().to_string(),
        ledger: rec.ledger.clone(),
        statement: rec.statement.clone(),
        version: rec.version,
        org: rec.org.clone(),
        text_sha256: rec.text_sha256.clone(),
        key: rec.key.clone(),
    };
    ctx.emit(&summary, || {
        format!(
            "Signed version {} of {} as org/{org}; send {} to the coordinator\n",
            req.version,
            req.statement,
            output.display()
        )
    })?;
    Ok(Done::Ok)
}

pub fn accept(ctx: &Ctx, a: AcceptArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let bytes = read_input(&a.endorsement, InputKind::Endorsement, 1024 * 1024)?;
    let rec = mail::read_endorsement(&bytes, &a.endorsement.display().to_string())?;
    let key = a.key.load()?;
    report(ctx, &ledger.accept(&rec, &key)?)
}

pub fn hook(ctx: &Ctx, c: HookCommand) -> anyhow::Result<Done> {
    match c {
        HookCommand::Install { bare, trust } => {
            let trust = trust.as_deref().map(parse_trust).transpose()?;
            let exe = std::env::current_exe()?;
            let exe = exe.canonicalize().unwrap_or(exe);
            let r = hook::install(&bare, trust, &exe)?;
            ctx.emit(&r, || {
                format!(
                    "Installed {}: pushes to main must verify{}\n",
                    r.hook,
                    match &r.trust {
                        Some(t) => format!(" as ledger {t}"),
                        None => " (the first ledger pushed is then pinned)".into(),
                    }
                )
            })?;
            Ok(Done::Ok)
        }
        HookCommand::PreReceive { trust } => {
            let trust = trust.as_deref().map(parse_trust).transpose()?;
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
            let updates = hook::parse_updates(&input)?;
            let now = SystemClock.now_ms().div_euclid(1000);
            let failures = hook::pre_receive(Path::new("."), &updates, trust, now)?;
            if failures.is_empty() {
                return Ok(Done::Ok);
            }
            eprintln!(
                "undersigned: push refused: {} rule(s) broken",
                failures.len()
            );
            for f in &failures {
                let path = f
                    .path
                    .as_deref()
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default();
                eprintln!(
                    "undersigned:   commit {}{}: {} [{}]",
                    f.commit,
                    escape_line(&path),
                    escape_line(&f.reason),
                    f.rule
                );
            }
            Ok(Done::VerificationFailed)
        }
    }
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::Io {
        context: format!("{}: writing", path.display()),
        source: e,
    })?;
    tmp.write_all(bytes).map_err(|e| Error::Io {
        context: format!("{}: writing", path.display()),
        source: e,
    })?;
    tmp.persist(path).map_err(|e| Error::Io {
        context: format!("{}: writing", path.display()),
        source: e.error,
    })?;
    Ok(())
}
