//! `undersigned publish`: the static site; and the pasteable forms of `show`.

use super::{Ctx, Done};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Instant;
use undersigned::publish::{self, fragment, PublishError, PublishOptions};
use undersigned::report::{PublishSummary, PublishedStatement};
use undersigned::text::escape_line;
use undersigned::verify::{replay, Replay, VerifyOptions};

#[derive(Args)]
pub struct PublishArgs {
    /// Directory to write the site to (created if needed). Pages publish wrote before are
    /// replaced; any other file in the way is refused.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Statements to publish (default: all).
    #[arg(value_name = "STMT")]
    statements: Vec<String>,
    /// Where readers can clone the ledger, shown on every page with the commands to verify it.
    #[arg(long, value_name = "URL")]
    clone_url: Option<String>,
    /// Entries (signatories, stale and withdrawn together) per page; a longer list goes on to
    /// further pages, each checking its own signatures.
    #[arg(long, value_name = "N", default_value_t = publish::PER_PAGE as u64, value_parser = clap::value_parser!(u64).range(1..))]
    per_page: u64,
    /// An editor's key: when the log grew past its latest checkpoint, sign a checkpoint first,
    /// so the page carries one that covers every entry (commit it; `sync` publishes it).
    #[arg(long, value_name = "FILE")]
    checkpoint_key: Option<PathBuf>,
}

/// How `show` prints (with `--json`, JSON regardless).
#[derive(Clone, Copy, Default, ValueEnum)]
pub enum ShowFormat {
    /// The text, the numbered list, the ledger id and head.
    #[default]
    Text,
    /// Markdown to paste into a site or an issue.
    Markdown,
    /// An HTML fragment (a <section>) to paste into a page.
    Html,
}

/// When the pages say they were made: `SOURCE_DATE_EPOCH` (seconds) when set, for reproducible
/// output, else now.
fn generated_at_ms() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(|s| s.saturating_mul(1000))
        .unwrap_or_else(|| undersigned::clock::Clock::now_ms(&undersigned::clock::SystemClock))
}

fn load(ctx: &Ctx) -> anyhow::Result<(undersigned::Ledger, Replay)> {
    let ledger = ctx.open()?;
    let opts = VerifyOptions {
        pin: true,
        incremental: true,
        prove: true,
        ..VerifyOptions::default()
    };
    let mut replay = replay(ledger.store(), &opts)?;
    if replay.report.ok && !replay.state.log.checkpoints.is_empty() {
        // Receipts need every leaf hash, which only a replay from genesis gives.
        replay = undersigned::verify::replay(
            ledger.store(),
            &VerifyOptions {
                leaves: true,
                ..opts
            },
        )?;
    }
    Ok((ledger, replay))
}

pub fn run(ctx: &Ctx, a: PublishArgs) -> anyhow::Result<Done> {
    let started = Instant::now();
    if let Some(k) = &a.checkpoint_key {
        let key = undersigned::keys::SigningKey::load(k, &mut || super::passphrase(k))?;
        let made = ctx.open()?.checkpoint(&key)?;
        if made.changed && !ctx.json {
            eprintln!(
                "undersigned: {}",
                undersigned::text::escape_line(&made.message)
            );
        }
    }
    let (ledger, replay) = load(ctx)?;
    if !replay.report.ok {
        eprint!("{}", super::render::report(&replay.report));
        let e = anyhow::Error::new(PublishError::Unverified {
            failures: replay.report.failures.len(),
        });
        eprintln!(
            "undersigned: error: {}",
            super::errors::message(&e, super::errors::Flags::Default)
        );
        return Ok(Done::VerificationFailed);
    }
    if let Some(u) = &a.clone_url {
        if let Err(why) =
            undersigned::rules::fields::check_line(undersigned::rules::fields::Field::Url, u)
        {
            anyhow::bail!("--clone-url: {why}");
        }
    }
    let statements = if a.statements.is_empty() {
        replay.state.statements.keys().cloned().collect()
    } else {
        a.statements.clone()
    };
    if statements.is_empty() {
        anyhow::bail!("the ledger has no statements to publish yet");
    }
    let opts = PublishOptions {
        clone_url: a.clone_url.clone(),
        generated_at_ms: generated_at_ms(),
    };
    let pages = statements
        .iter()
        .map(|s| publish::statement_data(ledger.store().repo(), &replay, s, &opts))
        .collect::<Result<Vec<_>, _>>()?;
    let written = publish::write_site(&a.out, &pages, a.per_page as usize)?;
    let summary = summary_of(&a.out, &replay, &pages, &written, started.elapsed());
    ctx.emit(&summary, || render_summary(&summary))?;
    Ok(Done::Ok)
}

/// What `publish --json` prints: where each statement's page and data went, and the counts.
fn summary_of(
    out: &Path,
    replay: &Replay,
    pages: &[publish::StatementData],
    written: &publish::Written,
    took: std::time::Duration,
) -> PublishSummary {
    let file = |stmt: &str, name: &str| out.join(stmt).join(name).display().to_string();
    PublishSummary {
        format: undersigned::report::formats::PUBLISH.into(),
        out: out.display().to_string(),
        ledger_id: replay.report.ledger_id.clone(),
        head: replay.report.head.clone(),
        statements: pages
            .iter()
            .map(|d| PublishedStatement {
                statement: d.statement.clone(),
                page: file(&d.statement, "index.html"),
                data: file(&d.statement, "statement.json"),
                signatories: d.signatories.len(),
                stale: d.stale.len(),
                withdrawn: d.withdrawn.len(),
                warnings: d
                    .warnings
                    .iter()
                    .cloned()
                    .chain(d.count_warning())
                    .collect(),
            })
            .collect(),
        files: written
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        bytes: written.bytes,
        seconds: took.as_secs_f64(),
    }
}

/// What `publish` prints for people.
fn render_summary(s: &PublishSummary) -> String {
    let mut out = format!(
        "Published {} statement(s) of ledger {} (head {}) to {}: {} files, {} bytes, {:.2} s.\n",
        s.statements.len(),
        s.ledger_id,
        super::short(&s.head),
        escape_line(&s.out),
        s.files.len(),
        s.bytes,
        s.seconds
    );
    for d in &s.statements {
        out.push_str(&format!(
            "  {}/index.html  {} signatories, {} on an earlier version, {} withdrawn\n",
            d.statement, d.signatories, d.stale, d.withdrawn
        ));
        for w in &d.warnings {
            out.push_str(&format!("  WARNING {}: {}\n", d.statement, escape_line(w)));
        }
    }
    out.push_str(&format!(
        "Open {} in a browser, or copy the directory to any static host.\n",
        escape_line(&Path::new(&s.out).join("index.html").display().to_string())
    ));
    out
}

/// What `show` prints for a publication in `format` (not JSON).
pub fn show_text(
    replay: &Replay,
    publication: &undersigned::report::Publication,
    format: ShowFormat,
) -> anyhow::Result<String> {
    let f = fragment::fragment(&replay.state, &replay.report, publication);
    Ok(match format {
        ShowFormat::Text => {
            let mut out = undersigned::audit::render_publication(publication);
            out.push_str(&fragment::plain_footer(&f));
            out
        }
        ShowFormat::Markdown => fragment::markdown(&f),
        ShowFormat::Html => fragment::html(&f)?,
    })
}
