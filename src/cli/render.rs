//! How the library's reports read for people: a verification report and a statement's audit.
//! Every string that comes from a ledger passes through the library's escape functions here.

use super::short;
use undersigned::audit::human_time;
use undersigned::report::{Audit, Report, VersionView};
use undersigned::text::escape_line as line;

/// Prints a verification report for people.
pub fn report(r: &Report) -> String {
    let mut out = format!(
        "ledger    {} ({})\nhead      {}\nchecked   {} commits, {} editors, {} organizations, {} statements ({} versions), {} endorsements, {} withdrawals\n",
        r.ledger_id, line(&r.name), r.head, r.commits, r.editors, r.organizations, r.statements, r.versions, r.endorsements, r.withdrawals
    );
    if let Some(from) = &r.resumed_from {
        out.push_str(&format!(
            "resumed   from {}, which an earlier run of yours proved; the commits after it were checked now (`verify --full` checks every commit again)\n",
            short(from)
        ));
    }
    if r.trusted == Some(true) {
        out.push_str("trust     genesis matches the trusted ledger id\n");
    }
    if r.ok {
        out.push_str("OK        every commit signature, right and record verifies\n");
    } else {
        out.push_str(&format!("FAILED    {} rule(s) broken:\n", r.failures.len()));
        for f in &r.failures {
            out.push_str(&format!(
                "  commit {} {}: {} [{}]\n",
                short(&f.commit),
                line(f.path.as_deref().unwrap_or("(commit)")),
                line(&f.reason),
                f.rule
            ));
        }
    }
    out
}

/// An audit of one statement for people.
pub fn audit(a: &Audit) -> String {
    let mut out = format!(
        "Statement {}: {}\nCurrent version: {}\n",
        a.statement,
        line(&a.title),
        a.current_version
    );
    for v in &a.versions {
        out.push_str(&version(v));
    }
    out.push_str(&format!(
        "\nCurrent endorsers of version {} ({}): {}\n",
        a.current_version,
        a.current.len(),
        list(&a.current)
    ));
    out.push_str(&format!(
        "Stale, endorsing an older version only ({}): {}\n",
        a.stale.len(),
        list(&a.stale)
    ));
    out.push_str(&format!(
        "Withdrawn ({}): {}\n",
        a.withdrawn.len(),
        list(&a.withdrawn)
    ));
    for w in &a.withdrawals {
        out.push_str(&format!(
            "  {} withdrew at {} ({}){}\n",
            w.org,
            human_time(&w.time),
            w.provenance.as_str(),
            w.reason
                .as_ref()
                .map(|r| format!(": {}", line(r)))
                .unwrap_or_default()
        ));
    }
    if !a.keys.is_empty() {
        out.push_str("Key history of organizations that acted here:\n");
        for k in &a.keys {
            out.push_str(&format!(
                "  {} key {} {} added by {}{}, commit {}{}{}\n",
                k.org,
                k.seq,
                k.fingerprint,
                k.added_by,
                k.reason
                    .as_ref()
                    .map(|r| format!(" ({})", line(r)))
                    .unwrap_or_default(),
                short(&k.commit),
                if k.in_force { ", in force" } else { "" },
                k.revoked
                    .as_ref()
                    .map(|r| format!(
                        ", REVOKED by {} in commit {}: {}",
                        r.by,
                        short(&r.commit),
                        line(&r.reason)
                    ))
                    .unwrap_or_default()
            ));
        }
    }
    for w in &a.warnings {
        out.push_str(&format!("WARNING: {}\n", line(w)));
    }
    out
}

/// One version of the audit, with its endorsements, for people.
fn version(v: &VersionView) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "\nVersion {}  text sha256 {}\n  written by {} at {}, commit {}\n",
        v.version,
        v.text_sha256,
        v.author,
        human_time(&v.time),
        short(&v.commit)
    ));
    if let Some(n) = &v.note {
        out.push_str(&format!("  note: {}\n", line(n)));
    }
    if let Some(c) = v.claimed_signatories {
        out.push_str(&format!("  the text claims {c} organizations\n"));
    }
    out.push_str(&format!(
        "  endorsed by {} organization(s):\n",
        v.endorsements.len()
    ));
    for (i, e) in v.endorsements.iter().enumerate() {
        let how = match &e.attested_by {
            Some(ed) => format!("attested by {ed} with key {}", e.key),
            None => format!("signed with key {}", e.key),
        };
        out.push_str(&format!(
            "  {:>3}. {} ({}){}
       {how}, {}, commit {}\n",
            i + 1,
            line(&e.name),
            e.org,
            if e.in_force {
                ""
            } else {
                "  [withdrawn later]"
            },
            human_time(&e.time),
            short(&e.commit),
        ));
        if let Some(p) = e.in_log.as_ref().filter(|p| p.checkpoint.is_some()) {
            out.push_str(&format!(
                "       {} (the signer's own claim: {})\n",
                undersigned::log::place_text(p),
                human_time(&e.time)
            ));
        }
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
