//! Fetch, push and clone are handed to the installed `git`, as cargo's `git-fetch-with-cli`
//! does: every remote the user's git already reaches works here unchanged — a path, `file://`,
//! `git://`, `ssh://` with their agent and `~/.ssh/config`, `https://` with their credential
//! helpers. What arrives is only ever objects and a private ref; nothing is trusted until
//! [`crate::verify`] has replayed it.

use crate::error::{Error, Result};
use git2::Oid;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Where a fetched remote branch is kept: outside `refs/remotes`, so that a plain `git fetch`
/// by the user never moves what undersigned has verified.
pub fn incoming_ref(remote: &str) -> String {
    format!("refs/undersigned/remotes/{remote}/main")
}

/// A remote name usable inside a ref name (what `git remote add` accepts in practice).
pub fn check_remote_name(remote: &str) -> Result<()> {
    let ok = !remote.is_empty()
        && remote.len() <= 100
        && !remote.starts_with(['.', '-'])
        && !remote.contains("..")
        && remote
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::BadRemote {
            remote: remote.to_string(),
        })
    }
}

fn git(dir: Option<&Path>, args: &[&OsStr]) -> Result<Output> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    cmd.args(args).stdin(Stdio::null());
    // A prompt for a passphrase or a password goes to the terminal (ssh and git's credential
    // helpers open /dev/tty themselves); stdout and stderr are captured so that `--json`
    // output stays clean and the error can say what git said.
    cmd.output().map_err(|e| Error::Transport {
        command: "git".into(),
        why: format!("cannot run the installed git ({e}); install git and make sure it is on PATH"),
    })
}

fn describe(args: &[&OsStr]) -> String {
    let words: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!("git {}", words.join(" "))
}

fn stderr_tail(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(8)..];
    if tail.is_empty() {
        format!("git exited with {}", out.status)
    } else {
        tail.join("\n")
    }
}

/// Fetches the remote's `main` into [`incoming_ref`] (forced: a rewritten remote is fetched so
/// that it can be refused by name). Returns its head, or `None` when the remote has no ledger
/// yet.
pub fn fetch(dir: &Path, repo: &git2::Repository, remote: &str) -> Result<Option<Oid>> {
    let spec = format!("+refs/heads/*:refs/undersigned/remotes/{remote}/*");
    let args: [&OsStr; 6] = [
        "fetch".as_ref(),
        "--quiet".as_ref(),
        "--no-tags".as_ref(),
        "--no-write-fetch-head".as_ref(),
        remote.as_ref(),
        spec.as_ref(),
    ];
    let out = git(Some(dir), &args)?;
    if !out.status.success() {
        return Err(Error::Transport {
            command: describe(&args),
            why: stderr_tail(&out),
        });
    }
    match repo.find_reference(&incoming_ref(remote)) {
        Ok(r) => Ok(r.target()),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What became of a push.
#[derive(Debug)]
pub enum Pushed {
    /// The remote's `main` is now the pushed commit.
    Landed,
    /// The remote refused the update: another writer got there first, or its hook said no.
    /// Holds what git and the remote said.
    Refused(String),
}

/// Pushes `commit` to the remote's `main` as a fast-forward (never forced).
pub fn push(dir: &Path, remote: &str, commit: Oid) -> Result<Pushed> {
    let spec = format!("{commit}:refs/heads/main");
    let args: [&OsStr; 5] = [
        "push".as_ref(),
        "--porcelain".as_ref(),
        "--quiet".as_ref(),
        remote.as_ref(),
        spec.as_ref(),
    ];
    let out = git(Some(dir), &args)?;
    if out.status.success() {
        return Ok(Pushed::Landed);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Porcelain: a line per ref, starting with `!` when that ref was refused.
    let refused = stdout.lines().find(|l| l.starts_with('!'));
    match refused {
        Some(line) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let remote_said: Vec<&str> = stderr
                .lines()
                .filter_map(|l| l.strip_prefix("remote: "))
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .collect();
            let mut why = line.split('\t').skip(2).collect::<Vec<_>>().join(" ");
            if !remote_said.is_empty() {
                why.push_str(&format!("; the remote said: {}", remote_said.join(" | ")));
            }
            Ok(Pushed::Refused(why))
        }
        None => Err(Error::Transport {
            command: describe(&args),
            why: stderr_tail(&out),
        }),
    }
}

/// Clones `url` into `dir` without a work tree checkout; `main` is the one branch taken.
pub fn clone(url: &str, dir: &Path, bare: bool) -> Result<()> {
    let args: [&OsStr; 8] = [
        "clone".as_ref(),
        "--quiet".as_ref(),
        if bare { "--bare" } else { "--no-checkout" }.as_ref(),
        "--branch".as_ref(),
        "main".as_ref(),
        "--".as_ref(),
        url.as_ref(),
        dir.as_os_str(),
    ];
    let out = git(None, &args)?;
    if out.status.success() {
        Ok(())
    } else {
        let why = stderr_tail(&out);
        let hint = if why.contains("Remote branch main not found") {
            " (the remote has no branch main: it holds no ledger yet)"
        } else {
            ""
        };
        Err(Error::Transport {
            command: describe(&args),
            why: format!("{why}{hint}"),
        })
    }
}

/// `git gc --auto --quiet` in the git directory `git_dir`: git packs loose objects and prunes
/// when its own thresholds say so, in the background by default (`gc.autoDetach`). Best effort:
/// false when git could not be run or failed.
pub fn gc_auto(git_dir: &Path) -> bool {
    Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["gc", "--auto", "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
