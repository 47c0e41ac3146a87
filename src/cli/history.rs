//! `undersigned history STMT [--from REV|TIME] [--to REV|TIME]`: who joined and who left the
//! list of current endorsers between two points of history, with the acts that did it.

use super::read::{load, verdict};
use super::{short, Ctx, Done};
use clap::Args;
use undersigned::history::{self, Bound};
use undersigned::report::{History, HistoryChange};
use undersigned::text::escape_line as line;

#[derive(Args)]
pub struct HistoryArgs {
    /// Statement slug.
    stmt: String,
    /// Where to start: a commit (an id, a prefix, `HEAD~3`, any git revision) or a time
    /// (2026-12-01, 2026-12-01T12:00:00Z), taken as the last commit at or before it
    /// (default: before the genesis, when nobody was listed).
    #[arg(long, value_name = "REV|TIME")]
    from: Option<String>,
    /// Where to end: a commit or a time, as --from (default: the head).
    #[arg(long, value_name = "REV|TIME")]
    to: Option<String>,
}

/// A bound as the user gave it: a time when it reads as one (a date first), else a revision.
fn bound(repo: &git2::Repository, given: Option<&str>, default: Bound) -> anyhow::Result<Bound> {
    let Some(s) = given else {
        return Ok(default);
    };
    let looks_like_time = s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    if looks_like_time {
        if let Some(ms) = undersigned::timefmt::parse_user_time(s) {
            return Ok(Bound::Time(ms));
        }
    }
    let commit = repo
        .revparse_single(s)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| {
            anyhow::anyhow!(
                "{:?} is neither a commit of the ledger nor a time such as 2026-12-01 or 2026-12-01T12:00:00Z",
                line(s)
            )
        })?;
    Ok(Bound::Commit(commit.id()))
}

pub fn run(ctx: &Ctx, a: HistoryArgs) -> anyhow::Result<Done> {
    let (ledger, replay) = load(ctx, true)?;
    let repo = ledger.store().repo();
    let from = bound(repo, a.from.as_deref(), Bound::Start)?;
    let to = bound(repo, a.to.as_deref(), Bound::Head)?;
    let head = git2::Oid::from_str(&replay.report.head)?;
    let order = history::commits(repo, head)?;
    let h = history::history(&replay.state, &order, &a.stmt, &from, &to)?;
    ctx.emit(&h, || render(&h))?;
    Ok(verdict(&replay.report))
}

fn point(p: &undersigned::report::HistoryPoint) -> String {
    match (&p.commit, p.time) {
        (Some(c), Some(t)) => format!(
            "commit {} ({})",
            short(c),
            undersigned::timefmt::format_secs(t)
        ),
        _ => "the start of the ledger".to_string(),
    }
}

fn change(c: &HistoryChange) -> String {
    let why = match (c.change.as_str(), c.act, c.version) {
        ("joined", _, Some(v)) => format!("endorsed version {v}"),
        (_, undersigned::report::ActType::StatementRevise, Some(v)) => {
            format!("version {v} was published, which it has not endorsed")
        }
        _ => "withdrew".to_string(),
    };
    format!(
        "  {} {} ({}): {why}, commit {} ({})\n",
        if c.change == "joined" { "+" } else { "-" },
        line(&c.name),
        c.signatory,
        short(&c.commit),
        undersigned::timefmt::format_secs(c.time)
    )
}

fn render(h: &History) -> String {
    let mut out = format!(
        "{}: from {} (version {}, {} organizations and {} individuals listed)\n{}  to {} (version {}, {} organizations and {} individuals listed)\n",
        h.statement,
        point(&h.from),
        h.from.version,
        h.from.organizations,
        h.from.individuals,
        " ".repeat(h.statement.len()),
        point(&h.to),
        h.to.version,
        h.to.organizations,
        h.to.individuals,
    );
    out.push_str(&format!("\nJoined ({}):\n", h.joined.len()));
    for c in &h.joined {
        out.push_str(&change(c));
    }
    out.push_str(&format!("\nLeft ({}):\n", h.left.len()));
    for c in &h.left {
        out.push_str(&change(c));
    }
    let churn = h
        .changes
        .len()
        .saturating_sub(h.joined.len() + h.left.len());
    if churn > 0 {
        out.push_str(&format!(
            "\n{} more change(s) in between cancelled out (see --json for every change in order)\n",
            churn
        ));
    }
    out
}
