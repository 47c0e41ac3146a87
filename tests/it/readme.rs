//! The README's walk-through runs as written. Why this test matters: the README is the user's
//! manual, and a manual whose commands fail (a slug that changed, a flag that moved, a step
//! missing) fails the person following it at the first block. Every block marked
//! `<!-- runnable -->` is run, in order, in one shell in an empty folder, against the built
//! binary on PATH — as a reader who pasted them one after the other would (a variable set in one
//! block, such as the ledger id, is there in the next). The folder holds a copy of `scripts/`,
//! as a checkout does, for the stock-tool audit.

use crate::common::*;
use std::path::Path;
use std::process::Command;
use undersigned::report::Rule;

/// The runnable blocks of a Markdown text: each fenced `sh` or `bash` block right after a
/// `<!-- runnable -->` line.
fn runnable_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "<!-- runnable -->" {
            continue;
        }
        let fence = lines.next().unwrap_or_default().trim();
        assert!(
            fence == "```sh" || fence == "```bash",
            "a runnable marker must be followed by a sh or bash block, not {fence:?}"
        );
        let mut block = String::new();
        for l in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
        blocks.push(block);
    }
    blocks
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn the_readme_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = runnable_blocks(&readme);
    assert!(blocks.len() >= 10, "only {} runnable blocks", blocks.len());
    let w = World::new();
    let folder = w.path().join("coalition");
    std::fs::create_dir_all(&folder).expect("folder");
    copy_dir(&root.join("scripts"), &folder.join("scripts"));
    let mut script = String::from("set -euo pipefail\n");
    for (i, b) in blocks.iter().enumerate() {
        script.push_str(&format!(
            "echo '=== README block {}' >&2\ncd {}\n{b}",
            i + 1,
            s(&folder)
        ));
    }
    let bin = assert_cmd::cargo::cargo_bin("undersigned");
    let path = format!(
        "{}:{}",
        s(bin.parent().expect("bin dir")),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&folder)
        .env_clear()
        .env("PATH", path)
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let err = stderr(&out);
    let failed_in = err
        .lines()
        .rfind(|l| l.starts_with("=== README block"))
        .unwrap_or("before the first block");
    assert!(
        out.status.success(),
        "the README fails in {failed_in}:\n--- stdout\n{stdout}\n--- stderr\n{err}"
    );
    // What the walk-through promises, at its end.
    assert!(folder.join("site/icc-cooperation/index.html").is_file());
    assert!(
        stdout.contains("all good"),
        "the stock-tool audit passed: {stdout}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let status = w
        .cmd()
        .env("UNDERSIGNED_LEDGER", folder.join("ledger"))
        .args(["--json", "status", "icc-cooperation"])
        .output()
        .expect("status");
    let st: undersigned::report::Status = serde_json::from_slice(&status.stdout).expect("Status");
    assert_eq!(st.current_version, 2);
    assert_eq!(st.current, ["fidh", "hrw"], "{st:?}");
    assert_eq!(st.stale.len(), 1, "al-haq endorses version 1: {st:?}");
}

/// The rows of the README's rule table: `| `name` | meaning |`.
fn readme_rules() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("| rule | what breaking it means |")
        .expect("the README has the rule table");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].trim_matches('`').to_string(), cells[1].to_string())
        })
        .collect()
}

#[test]
fn the_readme_rule_table_lists_every_rule_with_its_meaning() {
    let table = readme_rules();
    let expected: Vec<(String, String)> = Rule::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.meaning().to_string()))
        .collect();
    assert_eq!(
        table, expected,
        "README's rule table differs from src/report/rule.rs"
    );
    for (name, _) in &table {
        let parsed: Rule = serde_json::from_str(&format!("\"{name}\"")).expect("a rule name");
        assert_eq!(parsed.as_str(), name);
    }
}

/// The README's exit status table says what `undersigned --help` says, code for code.
#[test]
fn the_readme_exit_status_table_is_the_helps() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("| code | meaning |")
        .expect("the exit status table");
    let table: Vec<String> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            format!("{}  {}", cells[0], cells[1].replace('`', ""))
        })
        .collect();
    let w = World::new();
    let help = w.ok(&["--help"]);
    let from_help: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "EXIT STATUS:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect();
    assert_eq!(
        table, from_help,
        "README's exit status table and --help differ"
    );
}
