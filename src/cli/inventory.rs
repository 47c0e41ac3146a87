//! The inventory: `org list`, `statement list`, `status STMT`, and `statement diff STMT A B`.

use super::out::render_diff;
use super::{Ctx, Done};
use clap::Args;
use undersigned::report::{formats, DiffSegment, OrgList, StatementList, Status, TextDiff};
use undersigned::text::escape_line as escape;

#[derive(Args)]
pub struct StatusArgs {
    /// Statement slug.
    stmt: String,
}

fn done(report: &undersigned::report::Report) -> Done {
    if report.ok {
        Done::Ok
    } else {
        Done::VerificationFailed
    }
}

pub fn org_list(ctx: &Ctx) -> anyhow::Result<Done> {
    let (_ledger, replay) = super::read::load_registry(ctx)?;
    let list = undersigned::inventory::org_list(&replay.state, &replay.report.head);
    ctx.emit(&list, || render_orgs(&list))?;
    Ok(done(&replay.report))
}

fn render_orgs(list: &OrgList) -> String {
    let mut out = format!("{} organization(s):\n", list.organizations.len());
    for o in &list.organizations {
        out.push_str(&format!(
            "  {:<24} {}{}  {}\n",
            o.id,
            escape(&o.name),
            o.country
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            o.key
                .as_deref()
                .unwrap_or("no key (its consent can be attested)")
        ));
    }
    out
}

pub fn person_list(ctx: &Ctx) -> anyhow::Result<Done> {
    let (_ledger, replay) = super::read::load_registry(ctx)?;
    let list = undersigned::inventory::person_list(&replay.state, &replay.report.head);
    ctx.emit(&list, || {
        let mut out = format!("{} individual(s):\n", list.people.len());
        for p in &list.people {
            out.push_str(&format!(
                "  {:<24} {}{}{}  {}\n",
                p.id,
                escape(&p.name),
                p.affiliation
                    .as_deref()
                    .map(|a| format!(", {} (for identification only)", escape(a)))
                    .unwrap_or_default(),
                p.country
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                p.key
                    .as_deref()
                    .unwrap_or("no key (their consent can be attested)")
            ));
        }
        out
    })?;
    Ok(done(&replay.report))
}

pub fn statement_list(ctx: &Ctx) -> anyhow::Result<Done> {
    let (ledger, mut replay) = super::read::load_summaries(ctx)?;
    let head = git2::Oid::from_str(&replay.report.head)?;
    let list = undersigned::inventory::statement_list_read(
        ledger.store().repo(),
        &mut replay.state,
        head,
        replay.report.ok,
    )?;
    ctx.emit(&list, || render_statements(&list))?;
    Ok(done(&replay.report))
}

fn render_statements(list: &StatementList) -> String {
    let mut out = format!("{} statement(s):\n", list.statements.len());
    for s in &list.statements {
        let c = &s.counts;
        out.push_str(&format!(
            "  {:<24} v{}  {} current, {} stale, {} withdrawn, {} pending  {}\n",
            s.id,
            s.current_version,
            c.current,
            c.stale,
            c.withdrawn,
            c.pending,
            escape(&s.title)
        ));
    }
    out
}

pub fn status(ctx: &Ctx, a: StatusArgs) -> anyhow::Result<Done> {
    let (_ledger, replay) = super::read::load_statement(ctx, &a.stmt)?;
    let status = undersigned::inventory::status(&replay.state, &a.stmt, &replay.report.head)?;
    ctx.emit(&status, || render_status(&status))?;
    Ok(done(&replay.report))
}

fn render_status(s: &Status) -> String {
    let c = &s.counts;
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let stale: Vec<String> = s
        .stale
        .iter()
        .map(|x| format!("{} (v{})", x.org, x.endorsed))
        .collect();
    let mut out = format!(
        "{}: {}\nversion {} (text sha256 {}), {} organization(s) registered\n\n",
        s.statement,
        escape(&s.title),
        s.current_version,
        s.text_sha256,
        c.registered
    );
    out.push_str(&format!(
        "current   {:>5}  {}\n",
        c.current,
        list(&s.current)
    ));
    out.push_str(&format!("stale     {:>5}  {}\n", c.stale, list(&stale)));
    out.push_str(&format!(
        "withdrawn {:>5}  {}\n",
        c.withdrawn,
        list(&s.withdrawn)
    ));
    out.push_str(&format!(
        "pending   {:>5}  {}\n",
        c.pending,
        list(&s.pending)
    ));
    let p = &s.individuals;
    if p.counts.registered > 0 {
        let stale: Vec<String> = p
            .stale
            .iter()
            .map(|x| format!("{} (v{})", x.org, x.endorsed))
            .collect();
        out.push_str(&format!(
            "\nindividuals ({} registered; affiliations for identification only)\n",
            p.counts.registered
        ));
        out.push_str(&format!(
            "current   {:>5}  {}\n",
            p.counts.current,
            list(&p.current)
        ));
        out.push_str(&format!(
            "stale     {:>5}  {}\n",
            p.counts.stale,
            list(&stale)
        ));
        out.push_str(&format!(
            "withdrawn {:>5}  {}\n",
            p.counts.withdrawn,
            list(&p.withdrawn)
        ));
        out.push_str(&format!(
            "pending   {:>5}  {}\n",
            p.counts.pending,
            list(&p.pending)
        ));
    }
    out.push_str(&super::render::counts(&s.by_kind_and_country));
    out.push_str(&super::render::signon(&s.signon));
    if c.stale > 0 || p.counts.stale > 0 {
        out.push_str(&format!(
            "\nAsk the stale ones to sign version {}: `undersigned request {} --stale --key EDITOR_KEY -o DIR`\n",
            s.current_version, s.statement
        ));
    }
    out
}

pub fn diff(ctx: &Ctx, stmt: &str, from: u32, to: u32) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let repo = ledger.store().repo();
    let head = ledger
        .store()
        .head()?
        .ok_or(undersigned::Error::EmptyHistory)?;
    let tree = repo.find_commit(head)?.tree()?;
    let view = undersigned::view::View {
        repo,
        tree: &tree,
        commit: head,
    };
    undersigned::ids::check_slug("statement", stmt)?;
    let count = view.version_count(stmt)?;
    if count == 0 {
        return Err(undersigned::Error::Unknown {
            kind: "statement",
            id: stmt.to_string(),
            known: view.statements()?,
        }
        .into());
    }
    let text = |n: u32| -> anyhow::Result<(String, String)> {
        let (rec, bytes) = view
            .version(stmt, n)?
            .ok_or(undersigned::Error::UnknownVersion {
                stmt: stmt.to_string(),
                version: n,
                count,
            })?;
        Ok((
            String::from_utf8_lossy(&bytes).into_owned(),
            rec.text_sha256,
        ))
    };
    let (old, old_sha) = text(from)?;
    let (new, new_sha) = text(to)?;
    let segments = undersigned::diff::word_diff(&old, &new);
    let out = TextDiff {
        format: formats::DIFF.into(),
        statement: stmt.to_string(),
        from,
        from_sha256: old_sha.clone(),
        to,
        to_sha256: new_sha.clone(),
        segments: segments
            .iter()
            .map(|s| DiffSegment {
                change: match s.change {
                    undersigned::diff::Change::Same => "same",
                    undersigned::diff::Change::Added => "added",
                    undersigned::diff::Change::Removed => "removed",
                }
                .to_string(),
                text: s.text.clone(),
            })
            .collect(),
    };
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout());
    ctx.emit(&out, || {
        let mut text = format!(
            "{stmt} version {from} (sha256 {old_sha}) -> version {to} (sha256 {new_sha})\n\n"
        );
        if undersigned::diff::is_unchanged(&segments) {
            text.push_str("(the two texts are the same)\n");
        } else {
            text.push_str(&render_diff(&segments, colour));
        }
        text
    })?;
    Ok(Done::Ok)
}
