//! How the library's reports read for people: a verification report and a statement's audit.
//! Every string that comes from a ledger passes through the library's escape functions here.

use super::short;
use undersigned::audit::human_time;
use undersigned::record::Kind;
use undersigned::report::{Audit, Counts, Report, SignOnView, VersionView};
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
    let p = &a.individuals;
    if !(p.current.is_empty() && p.stale.is_empty() && p.withdrawn.is_empty()) {
        out.push_str(&format!(
            "\nIndividuals (affiliations for identification only)\nCurrent endorsers of version {} ({}): {}\nStale, endorsing an older version only ({}): {}\nWithdrawn ({}): {}\n",
            a.current_version,
            p.current.len(),
            list(&p.current),
            p.stale.len(),
            list(&p.stale),
            p.withdrawn.len(),
            list(&p.withdrawn)
        ));
    }
    out.push_str(&counts(&a.counts));
    out.push_str(&signon(&a.signon));
    for w in &a.withdrawals {
        out.push_str(&format!(
            "  {} withdrew at {} ({}){}\n",
            principal(w.kind, &w.org),
            human_time(&w.time),
            w.provenance.as_str(),
            w.reason
                .as_ref()
                .map(|r| format!(": {}", line(r)))
                .unwrap_or_default()
        ));
    }
    if !a.keys.is_empty() {
        out.push_str("Key history of signatories that acted here:\n");
        for k in &a.keys {
            out.push_str(&format!(
                "  {} key {} {} added by {}{}, commit {}{}{}\n",
                principal(k.kind, &k.org),
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
    if let Some(lang) = &v.lang {
        out.push_str(&format!("  original in {}\n", line(lang)));
    }
    for t in &v.translations {
        out.push_str(&format!(
            "  translation {} sha256 {}\n",
            line(&t.lang),
            t.text_sha256
        ));
    }
    if !v.translations.is_empty() {
        out.push_str("  every endorsement of this version signs all of its texts\n");
    }
    if let Some(c) = v.claimed_signatories {
        out.push_str(&format!("  the text claims {c} organizations\n"));
    }
    if let Some(c) = v.claimed_individuals {
        out.push_str(&format!("  the text claims {c} individuals\n"));
    }
    let orgs = v
        .endorsements
        .iter()
        .filter(|e| e.kind == Kind::Org)
        .count();
    out.push_str(&format!(
        "  endorsed by {orgs} organization(s) and {} individual(s):\n",
        v.endorsements.len() - orgs
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
            match &e.affiliation {
                Some(a) => format!("{}, {} [for identification only]", line(&e.name), line(a)),
                None => line(&e.name).into_owned(),
            },
            principal(e.kind, &e.org),
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

/// `org/ID` or `person/ID`.
fn principal(kind: Kind, id: &str) -> String {
    format!("{}/{id}", kind.as_str())
}

/// Current endorsers by kind and by country, for people.
pub fn counts(c: &Counts) -> String {
    let mut out = format!(
        "\nEndorsing now: {} organization(s) and {} individual(s)\n",
        c.organizations, c.individuals
    );
    if !c.by_country.is_empty() {
        out.push_str("By country (organizations / individuals):\n");
        for (country, k) in &c.by_country {
            let name = if country.is_empty() {
                "(none given)"
            } else {
                country.as_str()
            };
            out.push_str(&format!(
                "  {:<13} {:>6} / {}\n",
                line(name),
                k.organizations,
                k.individuals
            ));
        }
    }
    out
}

/// Whether sign-on is open, for people.
pub fn signon(s: &SignOnView) -> String {
    match (&s.closed_by, &s.deadline) {
        (Some(c), _) => format!(
            "Sign-on: CLOSED by commit {}{}{}; no endorsement can be committed until an editor opens it again\n",
            short(c),
            s.closed_at
                .as_deref()
                .map(|t| format!(" at {}", human_time(t)))
                .unwrap_or_default(),
            s.reason
                .as_deref()
                .map(|r| format!(" ({})", line(r)))
                .unwrap_or_default()
        ),
        (None, Some(d)) => format!(
            "Sign-on: open; deadline {} (announced, not enforced: an editor closes sign-on)\n",
            human_time(d)
        ),
        (None, None) => "Sign-on: open, no deadline\n".to_string(),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
