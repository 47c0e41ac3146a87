//! What the command line adds to the clap definitions: `--ledger` on the commands that use a
//! ledger (and only those), an example at the end of every command's help, and the exit
//! status on the top one. Man pages and completions are made from [`command`], so they say the
//! same.

use super::errors::EXIT_STATUS;
use super::Cli;
use clap::{Arg, ArgMatches, CommandFactory};
use std::path::PathBuf;

/// The commands that read or write a ledger, as paths of subcommand names.
const USES_LEDGER: &[&[&str]] = &[
    &["init"],
    &["editor", "add"],
    &["editor", "rotate-key"],
    &["editor", "revoke-key"],
    &["editor", "remove"],
    &["org", "add"],
    &["org", "list"],
    &["org", "rotate-key"],
    &["org", "revoke-key"],
    &["org", "add-key"],
    &["person", "add"],
    &["person", "list"],
    &["person", "rotate-key"],
    &["person", "revoke-key"],
    &["person", "add-key"],
    &["statement", "new"],
    &["statement", "revise"],
    &["statement", "translate"],
    &["statement", "close"],
    &["statement", "open"],
    &["statement", "list"],
    &["statement", "diff"],
    &["sign"],
    &["attest"],
    &["withdraw"],
    &["verify"],
    &["audit"],
    &["status"],
    &["show"],
    &["log"],
    &["history"],
    &["publish"],
    &["payload"],
    &["sync"],
    &["request"],
    &["accept"],
    &["checkpoint"],
    &["witness", "cosign"],
    &["witness", "accept"],
    &["witness", "quorum"],
    &["witness", "key"],
    &["receipt"],
    &["receipt", "update"],
];

/// One example per command: the line shown at the end of its `--help`.
const EXAMPLES: &[(&[&str], &str)] = &[
    (&[], "undersigned init --name \"ICC coalition\" --key keys/coordinator\n  undersigned verify --trust 3f2a…   (the ledger id init printed)"),
    (&["key"], "undersigned key new keys/coordinator"),
    (&["key", "new"], "undersigned key new keys/coordinator   (asks for a passphrase; --no-passphrase for none)"),
    (&["key", "show"], "undersigned key show keys/hrw.pub"),
    (&["init"], "undersigned init --name \"ICC coalition\" --key keys/coordinator"),
    (&["editor"], "undersigned editor add alice --name \"Alice\" --pubkey alice.pub --key keys/coordinator"),
    (&["editor", "add"], "undersigned editor add alice --name \"Alice\" --pubkey alice.pub --key keys/coordinator"),
    (&["editor", "rotate-key"], "undersigned editor rotate-key coordinator --pubkey keys/new.pub --key keys/coordinator"),
    (&["editor", "revoke-key"], "undersigned editor revoke-key alice --fingerprint SHA256:… --reason \"laptop stolen\" --key keys/coordinator"),
    (&["editor", "remove"], "undersigned editor remove alice --reason \"left the coalition\" --key keys/coordinator"),
    (&["org"], "undersigned org add hrw --name \"Human Rights Watch\" --pubkey hrw.pub --key keys/coordinator"),
    (&["org", "add"], "undersigned org add hrw --name \"Human Rights Watch\" --pubkey hrw.pub --country US --key keys/coordinator"),
    (&["org", "list"], "undersigned org list --json"),
    (&["org", "rotate-key"], "undersigned org rotate-key hrw --pubkey hrw-2026.pub --key keys/hrw"),
    (&["org", "revoke-key"], "undersigned org revoke-key hrw --fingerprint SHA256:… --reason \"key lost\" --key keys/coordinator"),
    (&["org", "add-key"], "undersigned org add-key quiet --pubkey quiet.pub --key keys/coordinator"),
    (&["person"], "undersigned person add ada --name \"Ada Lovelace\" --affiliation \"University of London\" --country GB --pubkey ada.pub --key keys/coordinator"),
    (&["person", "add"], "undersigned person add ada --name \"Ada Lovelace\" --affiliation \"University of London\" --country GB --pubkey ada.pub --key keys/coordinator"),
    (&["person", "list"], "undersigned person list --json"),
    (&["person", "rotate-key"], "undersigned person rotate-key ada --pubkey ada-2026.pub --key keys/ada"),
    (&["person", "revoke-key"], "undersigned person revoke-key ada --fingerprint SHA256:… --reason \"key lost\" --key keys/coordinator"),
    (&["person", "add-key"], "undersigned person add-key ada --pubkey ada.pub --key keys/coordinator"),
    (&["statement", "translate"], "undersigned statement translate icc --lang es --text icc.es.txt --key keys/coordinator"),
    (&["statement", "close"], "undersigned statement close icc --reason \"the letter was sent\" --key keys/coordinator"),
    (&["statement", "open"], "undersigned statement open icc --deadline 2026-12-31T23:59:59Z --key keys/coordinator"),
    (&["history"], "undersigned history icc --from 2026-11-01 --to HEAD"),
    (&["statement"], "undersigned statement new icc --title \"Support the ICC\" --text icc.txt --key keys/coordinator"),
    (&["statement", "new"], "undersigned statement new icc --title \"Support the ICC\" --text icc.txt --lang en --text icc.fr.txt --lang fr --key keys/coordinator"),
    (&["statement", "revise"], "undersigned statement revise icc --text icc-v2.txt --note \"typo\" --key keys/coordinator"),
    (&["statement", "list"], "undersigned statement list"),
    (&["statement", "diff"], "undersigned statement diff icc 1 2"),
    (&["sign"], "undersigned sign icc --org hrw --key keys/hrw\n  undersigned sign icc --person ada --key keys/ada\n  undersigned sign --request request.json --org hrw --key keys/hrw -o endorsement.json"),
    (&["attest"], "undersigned attest icc --org quiet --evidence quiet-consent.eml --key keys/coordinator"),
    (&["withdraw"], "undersigned withdraw icc --org hrw --reason \"the text changed\" --key keys/hrw"),
    (&["verify"], "undersigned verify --trust 3f2a…   (the ledger id the coalition publishes)"),
    (&["audit"], "undersigned audit icc"),
    (&["status"], "undersigned status icc"),
    (&["show"], "undersigned show icc --format markdown"),
    (&["log"], "undersigned log icc"),
    (&["publish"], "undersigned publish --out site --clone-url https://example.org/icc.git"),
    (&["payload"], "undersigned payload icc --org hrw --command | sh"),
    (&["demo"], "undersigned demo --dir target/demo"),
    (&["clone"], "undersigned clone https://example.org/icc.git icc --trust 3f2a…"),
    (&["sync"], "undersigned sync origin --key keys/hrw"),
    (&["request"], "undersigned request icc --org hrw --key keys/coordinator -o requests/hrw\n  undersigned request icc --stale --key keys/coordinator -o requests"),
    (&["accept"], "undersigned accept --request requests/hrw/request.json --signature payload.sig --key keys/coordinator\n  undersigned accept endorsement.json --key keys/coordinator"),
    (&["checkpoint"], "undersigned checkpoint --key keys/coordinator"),
    (&["witness"], "undersigned witness cosign --org hrw --key keys/hrw"),
    (&["witness", "cosign"], "undersigned witness cosign --org hrw --key keys/hrw\n  undersigned witness cosign --org hrw --key keys/hrw -o cosigned.txt   (for mail)"),
    (&["witness", "accept"], "undersigned witness accept cosigned.txt --key keys/coordinator"),
    (&["witness", "quorum"], "undersigned witness quorum hrw fidh amnesty --k 2 --key keys/coordinator"),
    (&["witness", "key"], "undersigned witness key --org hrw"),
    (&["receipt"], "undersigned receipt icc --org hrw -o hrw-icc.tlog-proof"),
    (&["receipt", "verify"], "undersigned receipt verify hrw-icc.tlog-proof --trust 3f2a… --witness org/fidh+1a2b3c4d+BA… --quorum 1"),
    (&["receipt", "update"], "undersigned receipt update hrw-icc.tlog-proof -o hrw-icc-2.tlog-proof"),
    (&["hook"], "undersigned hook install /srv/git/icc.git --trust 3f2a…"),
    (&["hook", "install"], "undersigned hook install /srv/git/icc.git --trust 3f2a…"),
    (&["man"], "undersigned man --out /usr/local/share/man/man1"),
    (&["completions"], "undersigned completions bash > /etc/bash_completion.d/undersigned"),
];

/// The command line's definition, as parsed, documented and completed.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for path in USES_LEDGER {
        cmd = at(cmd, path, &|c| c.arg(ledger_arg()));
    }
    for (path, example) in EXAMPLES {
        let text = if path.is_empty() {
            format!("Example:\n  {example}\n\n{EXIT_STATUS}")
        } else {
            format!("Example:\n  {example}")
        };
        cmd = at(cmd, path, &move |c| c.after_help(text.clone()));
    }
    cmd
}

fn ledger_arg() -> Arg {
    Arg::new("ledger")
        .long("ledger")
        .value_name("DIR")
        .value_parser(clap::value_parser!(PathBuf))
        .help("The ledger (default: UNDERSIGNED_LEDGER, else the ledger the current directory is in, else ./ledger)")
}

/// Applies `f` to the subcommand at `path`.
fn at(
    cmd: clap::Command,
    path: &[&str],
    f: &dyn Fn(clap::Command) -> clap::Command,
) -> clap::Command {
    match path.split_first() {
        None => f(cmd),
        Some((first, rest)) => cmd.mut_subcommand(*first, |sub| at(sub, rest, f)),
    }
}

/// The `--ledger` given after the command, if any.
pub fn ledger_of(matches: &ArgMatches) -> Option<PathBuf> {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    m.try_get_one::<PathBuf>("ledger").ok().flatten().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, bool, bool)>) {
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() || sub.get_name() == "help" {
                continue;
            }
            path.push(sub.get_name().to_string());
            let example = sub
                .get_after_help()
                .is_some_and(|h| h.to_string().contains("Example:"));
            let ledger = sub.get_arguments().any(|a| a.get_id() == "ledger");
            out.push((path.clone(), example, ledger));
            walk(sub, path, out);
            path.pop();
        }
    }

    #[test]
    fn every_command_has_an_example_and_ledger_only_where_listed() {
        let cmd = command();
        cmd.clone().debug_assert();
        let mut all = Vec::new();
        walk(&cmd, &mut Vec::new(), &mut all);
        assert!(all.len() > 30, "{all:?}");
        for (path, example, ledger) in &all {
            assert!(example, "{path:?} has no example in its help");
            let listed = USES_LEDGER.iter().any(|p| p.iter().eq(path.iter()));
            assert_eq!(*ledger, listed, "{path:?}: --ledger");
        }
        for p in USES_LEDGER {
            assert!(
                all.iter()
                    .any(|(path, _, l)| *l && p.iter().eq(path.iter())),
                "{p:?} is not a command"
            );
        }
    }
}
