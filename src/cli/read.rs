//! The commands that read: verify, audit, show, log, payload.

use super::{short, Ctx, Done};
use clap::Args;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use undersigned::audit;
use undersigned::record::Provenance;
use undersigned::report::{PayloadOutput, Report};
use undersigned::text::escape_line as line;
use undersigned::verify::{replay, Replay, VerifyOptions};

#[derive(Args)]
pub struct VerifyArgs {
    /// The ledger id (genesis commit) you trust; any other genesis fails.
    #[arg(long, value_name = "LEDGER_ID")]
    trust: Option<String>,
    /// Forget the head verified before (kept in the ledger's git directory) and trust this
    /// history as it is; without it a history that no longer contains that head fails.
    #[arg(long)]
    forget: bool,
    /// Replay the whole history from genesis, ignoring what earlier runs proved (kept in
    /// `.git/undersigned/proved/`).
    #[arg(long)]
    full: bool,
    /// Threads that read history and check signatures (default: one per core), while one
    /// applies the rules in order; 1 does everything on one thread.
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    jobs: usize,
}

#[derive(Args)]
pub struct AuditArgs {
    /// Statement slug.
    stmt: String,
}

#[derive(Args)]
pub struct ShowArgs {
    /// Statement slug.
    stmt: String,
    /// Version to show (default: the current one).
    #[arg(long)]
    version: Option<u32>,
    /// The language to show the text in (default: the original); every endorsement listed
    /// signs the texts in all the version's languages.
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// text, markdown (to paste into a site) or html (a fragment to paste into a page).
    #[arg(long, value_enum, default_value_t)]
    format: super::publish::ShowFormat,
}

#[derive(Args)]
pub struct LogArgs {
    /// Only acts on this statement.
    stmt: Option<String>,
}

#[derive(Args)]
pub struct PayloadArgs {
    /// Statement slug.
    stmt: String,
    #[command(flatten)]
    who: super::acts::Signatory,
    /// Which of the signatory's acts on the statement (default: the latest).
    #[arg(long)]
    seq: Option<u32>,
    /// Print the record's armored signature instead of the payload.
    #[arg(long, conflicts_with = "command")]
    signature: bool,
    /// Print instead a shell command that checks the record's signature with ssh-keygen alone:
    /// the signer's lines of allowed_signers at the head, the signature and the payload inline,
    /// the key judged at the record's signed_at (-Overify-time). Runs as is in sh or bash.
    #[arg(long)]
    command: bool,
}

pub(super) fn parse_trust(s: &str) -> anyhow::Result<git2::Oid> {
    git2::Oid::from_str(s)
        .ok()
        .filter(|_| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            anyhow::anyhow!("--trust: {s:?} is not a ledger id (40 hex digits, as `init` printed)")
        })
}

pub(super) fn verdict(r: &Report) -> Done {
    if r.ok {
        Done::Ok
    } else {
        Done::VerificationFailed
    }
}

/// Replays the ledger; for audit, show and log, warns when it does not verify.
pub(super) fn load(ctx: &Ctx, incremental: bool) -> anyhow::Result<(undersigned::Ledger, Replay)> {
    let ledger = ctx.open()?;
    let opts = VerifyOptions {
        pin: true,
        incremental,
        prove: incremental,
        ..VerifyOptions::default()
    };
    let replay = replay(ledger.store(), &opts)?;
    warn_unverified(&replay);
    Ok((ledger, replay))
}

/// [`load`] for a command about one statement (`status`, `audit`, `show`): an unknown name is
/// said before any replay, with the statements there are, and the replay loads that statement
/// alone from the proof, so that at any size it costs one statement, not the ledger.
pub(super) fn load_statement(
    ctx: &Ctx,
    stmt: &str,
) -> anyhow::Result<(undersigned::Ledger, Replay)> {
    let ledger = ctx.open()?;
    let known = ledger.statement_ids()?;
    if !known.iter().any(|k| k == stmt) {
        return Err(undersigned::Error::Unknown {
            kind: "statement",
            id: stmt.to_string(),
            known,
        }
        .into());
    }
    let replay = replay_of(&ledger, &BTreeSet::from([stmt.to_string()]))?;
    Ok((ledger, replay))
}

/// [`load`] for a command that reads the registry alone (`org list`, `person list`): no
/// statement is loaded but those the commits after the proof touch, and no act is read back.
pub(super) fn load_registry(ctx: &Ctx) -> anyhow::Result<(undersigned::Ledger, Replay)> {
    let ledger = ctx.open()?;
    let replay = replay_of(&ledger, &BTreeSet::new())?;
    Ok((ledger, replay))
}

/// [`load`] without the acts read back (`statement list` reads them a statement at a time).
pub(super) fn load_summaries(ctx: &Ctx) -> anyhow::Result<(undersigned::Ledger, Replay)> {
    let ledger = ctx.open()?;
    let replay = undersigned::verify::replay_summaries(ledger.store(), &resuming())?;
    warn_unverified(&replay);
    Ok((ledger, replay))
}

/// The replay of the ledger with the state of the statements `wanted` (and of those touched
/// after the proof) and the whole registry; warns when it does not verify.
fn replay_of(ledger: &undersigned::Ledger, wanted: &BTreeSet<String>) -> anyhow::Result<Replay> {
    let replay = undersigned::verify::replay_statements(ledger.store(), &resuming(), wanted)?;
    warn_unverified(&replay);
    Ok(replay)
}

/// A replay that resumes from the proof and leaves one for the next run.
fn resuming() -> VerifyOptions {
    VerifyOptions {
        pin: true,
        incremental: true,
        prove: true,
        ..VerifyOptions::default()
    }
}

fn warn_unverified(replay: &Replay) {
    if !replay.report.ok {
        eprintln!(
            "undersigned: warning: this ledger does NOT verify ({} failure(s)); what follows cannot be trusted — run `undersigned verify`",
            replay.report.failures.len()
        );
    }
}

pub fn verify(ctx: &Ctx, a: VerifyArgs) -> anyhow::Result<Done> {
    let trust = a.trust.as_deref().map(parse_trust).transpose()?;
    let ledger = ctx.open()?;
    if a.forget {
        undersigned::local::pin::forget(ledger.store().repo()).map_err(|e| {
            undersigned::Error::Io {
                context: "forgetting the verified head".into(),
                source: e,
            }
        })?;
        undersigned::local::proofs::clear(ledger.store().repo());
    }
    let (bar, progress) = super::out::Bar::new(ctx.interactive());
    let opts = VerifyOptions {
        trust,
        pin: true,
        remember: true,
        incremental: !a.full,
        prove: true,
        jobs: a.jobs,
        progress,
        leaves: false,
    };
    let report = undersigned::verify::verify(ledger.store(), &opts);
    drop(bar);
    let report = report?;
    if report.ok && !report.remembered && !ctx.json {
        eprintln!("undersigned: warning: could not remember this head in the ledger's git directory (read-only?); a later rewrite of it will not be noticed");
    }
    ctx.emit(&report, || super::render::report(&report))?;
    Ok(verdict(&report))
}

fn text_of(ledger: &undersigned::Ledger, replay: &Replay, stmt: &str, v: u32) -> Option<String> {
    let entry = replay.state.statements.get(stmt)?.version(v)?;
    let blob = ledger.store().repo().find_blob(entry.text_blob).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

pub fn audit(ctx: &Ctx, a: AuditArgs) -> anyhow::Result<Done> {
    let (ledger, replay) = load_statement(ctx, &a.stmt)?;
    let audit = audit::audit(&replay.state, &a.stmt, &|v| {
        text_of(&ledger, &replay, &a.stmt, v)
    })?;
    ctx.emit(&audit, || super::render::audit(&audit))?;
    Ok(verdict(&replay.report))
}

pub fn show(ctx: &Ctx, a: ShowArgs) -> anyhow::Result<Done> {
    let (ledger, replay) = load_statement(ctx, &a.stmt)?;
    let repo = ledger.store().repo();
    let read = |blob: git2::Oid| -> undersigned::Result<String> {
        let b = repo.find_blob(blob)?;
        Ok(String::from_utf8_lossy(b.content()).into_owned())
    };
    let mut publication =
        audit::publication(&replay.state, &a.stmt, a.version, a.lang.as_deref(), &read)?;
    publication.head = replay.report.head.clone();
    let text = super::publish::show_text(&replay, &publication, a.format)?;
    ctx.emit(&publication, || text)?;
    Ok(verdict(&replay.report))
}

pub fn log(ctx: &Ctx, a: LogArgs) -> anyhow::Result<Done> {
    if let Some(s) = &a.stmt {
        // Said before the replay, which costs seconds on a large ledger.
        let known = ctx.open()?.statement_ids()?;
        if !known.contains(s) {
            return Err(undersigned::Error::Unknown {
                kind: "statement",
                id: s.clone(),
                known,
            }
            .into());
        }
    }
    // The log lists every act, so it replays from genesis.
    let (_ledger, replay) = load(ctx, false)?;
    if let Some(s) = &a.stmt {
        if !replay.state.statements.contains_key(s) {
            return Err(undersigned::Error::Unknown {
                kind: "statement",
                id: s.clone(),
                known: Vec::new(),
            }
            .into());
        }
    }
    let entries: Vec<_> = replay
        .log
        .iter()
        .filter(|e| a.stmt.is_none() || e.statement == a.stmt)
        .cloned()
        .map(|mut e| {
            e.in_log = e
                .in_log
                .map(|p| undersigned::log::place(&replay.state.log, p.index));
            e
        })
        .collect();
    let log = undersigned::report::Log {
        format: undersigned::report::formats::LOG.into(),
        ledger_id: replay.report.ledger_id.clone(),
        head: replay.report.head.clone(),
        statement: a.stmt.clone(),
        entries,
    };
    let entries = &log.entries;
    ctx.emit(&log, || {
        let mut out = String::new();
        for e in entries {
            out.push_str(&format!(
                "{}  {}  {:<18} {:<16} {}{}{}{}\n",
                undersigned::timefmt::format_secs(e.time),
                short(&e.commit),
                e.actor,
                e.act,
                e.statement.as_deref().unwrap_or(""),
                e.version.map(|v| format!(" v{v}")).unwrap_or_default(),
                e.subject
                    .as_deref()
                    .map(|s| format!(" {}", line(s)))
                    .unwrap_or_default(),
                e.provenance
                    .filter(|p| *p == Provenance::Attested)
                    .map(|_| " (attested)")
                    .unwrap_or_default(),
            ));
            if let Some(p) = e.in_log.as_ref().filter(|p| p.checkpoint.is_some()) {
                out.push_str(&format!("    {}\n", undersigned::log::place_text(p)));
            }
        }
        out
    })?;
    Ok(verdict(&replay.report))
}

pub fn payload(ctx: &Ctx, a: PayloadArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let repo = ledger.store().repo();
    let head = ledger
        .store()
        .head()?
        .ok_or_else(|| anyhow::anyhow!("ledger has no commits"))?;
    let tree = repo.find_commit(head)?.tree()?;
    let view = undersigned::view::View {
        repo,
        tree: &tree,
        commit: head,
    };
    let who = a.who.principal()?;
    let acts = view.signatory_acts(&a.stmt, &who)?;
    let seq = a.seq.unwrap_or(acts.len() as u32);
    let record = seq
        .checked_sub(1)
        .and_then(|i| acts.get(i as usize))
        .ok_or_else(|| undersigned::Error::Unknown {
            kind: "record",
            id: format!("{} of {who} on {}", seq, a.stmt),
            known: (1..=acts.len()).map(|n| n.to_string()).collect(),
        })?;
    let payload = undersigned::signed_data::act_payload(record);
    // The signer's keys as the head lists them, retired ones with their valid-before: the
    // command judges them at the record's time, as an auditor holding only the file would.
    let allowed = view
        .bytes(undersigned::layout::ALLOWED_SIGNERS)?
        .unwrap_or_default();
    let allowed = String::from_utf8_lossy(&allowed);
    let lines: Vec<&str> = allowed
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(record.signer.as_str()))
        .collect();
    let command = undersigned::signed_data::ssh_keygen_command(record, &lines);
    if ctx.json {
        let out = PayloadOutput {
            format: undersigned::report::formats::PAYLOAD.into(),
            path: undersigned::layout::signatory_act_path(&a.stmt, &who, seq),
            principal: record.signer.clone(),
            namespace: undersigned::signed_data::ACT_NAMESPACE.to_string(),
            payload: String::from_utf8_lossy(&payload).into_owned(),
            signature: record.signature.clone(),
            verify_time: undersigned::timefmt::verify_time(&record.signed_at),
            ssh_keygen: command,
        };
        super::out::put(format!("{}\n", serde_json::to_string_pretty(&out)?).as_bytes())?;
    } else {
        let bytes = if a.signature {
            format!("{}\n", record.signature).into_bytes()
        } else if a.command {
            command
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "--command: {} holds a signed_at or a text no valid record holds (run `undersigned verify`)",
                        undersigned::layout::signatory_act_path(&a.stmt, &who, seq)
                    )
                })?
                .into_bytes()
        } else {
            payload
        };
        if std::io::stdout().is_terminal() {
            // For a person, escaped; the exact bytes are for a pipe or a file (`> payload`).
            let shown = String::from_utf8_lossy(&bytes);
            super::out::put(undersigned::text::escape_text(&shown).as_bytes())?;
        } else {
            super::out::put(&bytes)?;
        }
    }
    Ok(Done::Ok)
}
