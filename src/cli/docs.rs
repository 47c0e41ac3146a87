//! `undersigned man` and `undersigned completions`: made from the same clap definitions the
//! command line parses ([`super::help::command`]), so they never drift from it.

use super::{Ctx, Done};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ManArgs {
    /// Directory to write the pages to (created if needed): undersigned.1, and
    /// undersigned-<command>.1 for each command (undersigned-org-add.1, …).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

pub fn man(ctx: &Ctx, a: ManArgs) -> anyhow::Result<Done> {
    std::fs::create_dir_all(&a.out).map_err(|e| undersigned::Error::Io {
        context: format!("{}: creating the directory", a.out.display()),
        source: e,
    })?;
    let mut cmd = super::help::command();
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, "undersigned", &a.out, &mut written)?;
    let out = undersigned::report::ManPages {
        format: undersigned::report::formats::MAN.into(),
        files: written,
    };
    ctx.emit(&out, || {
        format!(
            "Wrote {} man pages to {}\n",
            out.files.len(),
            a.out.display()
        )
    })?;
    Ok(Done::Ok)
}

/// Writes the page of `cmd` as `name.1`, then those of its subcommands as `name-sub.1`.
fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<String>,
) -> anyhow::Result<()> {
    let page = cmd.clone().name(name.to_string());
    let mut bytes = Vec::new();
    clap_mangen::Man::new(page).render(&mut bytes)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, bytes).map_err(|e| undersigned::Error::Io {
        context: format!("{}: writing", path.display()),
        source: e,
    })?;
    written.push(path.display().to_string());
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}

pub fn completions(a: CompletionsArgs) -> anyhow::Result<Done> {
    let mut cmd = super::help::command();
    clap_complete::generate(a.shell, &mut cmd, "undersigned", &mut std::io::stdout());
    Ok(Done::Ok)
}
