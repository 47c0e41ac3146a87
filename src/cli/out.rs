//! What the command line prints for people beyond one-line messages: ledger and request text
//! shown on a terminal (through [`escape`], the one place such text passes), the question
//! before signing, word diffs, and progress bars.

use super::{short, Ctx, Done};
use std::io::{BufRead, IsTerminal, Write};
use undersigned::diff::{Change, Segment};
use undersigned::progress::{Event, Progress, Stage};
use undersigned::Outcome;

/// Writes `bytes` to standard output. A reader that stopped reading (`| head`) is not an
/// error: the rest is dropped and the command's exit status stays what its work decided (a
/// failed verify still exits 1), where `print!` would panic.
pub fn put(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// Asks `question` on the terminal (stderr) and reads a yes from stdin.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// A word diff for a terminal: removed runs as `[-…-]`, added runs as `{+…+}` (as `git diff
/// --word-diff=plain` writes them), in red and green when `colour`.
pub fn render_diff(segments: &[Segment], colour: bool) -> String {
    let mut out = String::new();
    for s in segments {
        let text = undersigned::text::escape_text(&s.text);
        match (s.change, colour) {
            (Change::Same, _) => out.push_str(&text),
            (Change::Removed, false) => out.push_str(&format!("[-{text}-]")),
            (Change::Added, false) => out.push_str(&format!("{{+{text}+}}")),
            (Change::Removed, true) => out.push_str(&format!("\x1b[31m[-{text}-]\x1b[0m")),
            (Change::Added, true) => out.push_str(&format!("\x1b[32m{{+{text}+}}\x1b[0m")),
        }
    }
    out
}

/// A progress bar on stderr for long work, or none: only when stderr is a terminal and the
/// output is not JSON. The bar is cleared when the work ends.
pub struct Bar {
    bar: indicatif::ProgressBar,
}

impl Bar {
    /// A bar when `show`, and the library callback that moves it.
    pub fn new(show: bool) -> (Option<Bar>, Option<Progress>) {
        if !show || !std::io::stderr().is_terminal() {
            return (None, None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        let moved = bar.clone();
        let progress = Progress::new(move |e: Event| step(&moved, e));
        (Some(Bar { bar }), Some(progress))
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

fn step(bar: &indicatif::ProgressBar, e: Event) {
    let what = match e.stage {
        Stage::Reading => "reading history",
        Stage::Checking => "checking commits",
        Stage::Fetching => "fetching",
        Stage::Rebuilding => "putting this clone's acts on top",
        Stage::Pushing => "pushing",
        _ => "working",
    };
    bar.set_message(what);
    match e.total {
        Some(total) => {
            if bar.length() != Some(total) {
                bar.set_length(total);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} {bar:30} {pos}/{len} ({eta} left)",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
            }
            bar.set_position(e.done);
        }
        None => {
            bar.set_position(e.done);
            bar.tick();
        }
    }
}

/// Prints what an act did: its warning on stderr, then its commit and message (or its JSON).
pub fn report(ctx: &Ctx, outcome: &Outcome) -> anyhow::Result<Done> {
    if let Some(w) = &outcome.warning {
        eprintln!(
            "undersigned: warning: {}",
            undersigned::text::escape_line(w)
        );
    }
    ctx.emit(outcome, || match &outcome.commit {
        Some(c) => format!("{} {}\n", short(c), outcome.message),
        None => format!("{}\n", outcome.message),
    })?;
    Ok(Done::Ok)
}
