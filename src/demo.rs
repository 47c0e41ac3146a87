//! The demo: the real joint statement in `ledger/examples/` kept as a ledger, end to end — a
//! coordinator, the 29 organizations the seed lists (most with their own keys, a few attested),
//! version 1 and its endorsements, a revision, re-signs, one withdrawal.
//!
//! The seed's own mistake stays in: its text claims 28 organizations and lists 29, one entry
//! without a number. The ledger numbers the list itself and the audit points at the claim.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::keys::{self, SigningKey};
use crate::ledger::{Ledger, NewLedger, NewOrg, Revision};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The seed statement, as published (with its mistakes).
pub const SEED: &str = include_str!("../ledger/examples/joint-ngo-statement-icc-cooperation.txt");

/// Slug of the demo statement.
pub const STATEMENT: &str = "icc-cooperation";

/// Marker of a demo ledger, inside its git directory, and of a demo key store: running the demo
/// again replaces only what a previous demo wrote, never a real ledger or real keys.
const MARKER: &str = ".undersigned-demo";

/// The seed split into what a ledger holds.
#[derive(Debug, Clone)]
pub struct Seed {
    /// First line.
    pub title: String,
    /// The paragraphs between the title and the list: the text organizations endorse.
    pub text: String,
    /// Organization names in list order (numbers and bullets removed).
    pub organizations: Vec<String>,
}

/// Splits the seed: title, body, and the list of names (whatever their numbering).
pub fn parse_seed(seed: &str) -> Seed {
    let mut lines = seed.lines();
    let title = lines.next().unwrap_or_default().trim().to_string();
    let mut body = Vec::new();
    let mut organizations = Vec::new();
    for line in lines {
        let t = line.trim();
        if let Some(item) = t.strip_prefix("- ") {
            let name = item
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start_matches('.')
                .trim();
            organizations.push(name.to_string());
        } else if organizations.is_empty() {
            body.push(line);
        }
    }
    let text = format!("{title}\n\n{}\n", body.join("\n").trim());
    Seed {
        title,
        text,
        organizations,
    }
}

/// A slug from a display name: ascii letters and digits, accents folded, words joined by '-'.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let folded = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' | 'À' | 'Â' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => '-',
        };
        if folded == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(folded);
    }
    // Keep slugs short enough to type: cut at a word boundary within 40 characters.
    let s = out.trim_end_matches('-');
    if s.len() <= 40 {
        return s.to_string();
    }
    match s[..40].rfind('-') {
        Some(i) if i >= 12 => s[..i].to_string(),
        _ => s[..40].trim_end_matches('-').to_string(),
    }
}

/// What the demo built.
#[derive(Debug, Clone)]
pub struct DemoLedger {
    /// Ledger directory.
    pub ledger: PathBuf,
    /// Key directory.
    pub keys: PathBuf,
    /// Ledger id.
    pub ledger_id: String,
    /// Acts written (commits).
    pub acts: usize,
}

/// Organizations (by list position, from 0) that never hold a key: the coordinator attests
/// their consent from e-mails.
const ATTESTED: &[usize] = &[2, 9, 17, 26];
/// Organizations that do not re-sign version 2 (they stay on version 1: stale).
const NOT_RESIGNING: &[usize] = &[4, 11, 19, 23, 26, 28];
/// The organization that withdraws after re-signing.
const WITHDRAWS: usize = 13;

/// Builds the demo ledger in `dir/ledger` with keys in `dir/keys`. A previous demo in `dir` is
/// replaced; anything else there is refused.
pub fn build(dir: &Path, clock: Arc<dyn Clock>) -> Result<DemoLedger> {
    let ledger_dir = dir.join("ledger");
    let keys_dir = dir.join("keys");
    clear_previous_demo(&ledger_dir, &keys_dir)?;
    fs::create_dir_all(&keys_dir).map_err(|e| Error::io(keys_dir.display().to_string(), e))?;
    fs::write(
        keys_dir.join(MARKER),
        "Keys written by `undersigned demo`; running it again replaces them.\n",
    )
    .map_err(|e| Error::io(keys_dir.display().to_string(), e))?;
    let seed = parse_seed(SEED);
    let coordinator = new_key(&keys_dir, "coordinator", "coordinator@demo")?;
    let ledger_id = Ledger::init_with_clock(
        &ledger_dir,
        &NewLedger {
            name: "ICC cooperation statement (demo)".into(),
            editor_id: "coordinator".into(),
            editor_name: "Coalition coordinator".into(),
        },
        &coordinator,
        clock.as_ref(),
    )?;
    let ledger = Ledger::open_with_clock(&ledger_dir, clock)?;
    let state_dir = ledger.store().local().path().to_path_buf();
    fs::write(state_dir.join(MARKER), "")
        .map_err(|e| Error::io(state_dir.display().to_string(), e))?;
    let mut demo = Demo {
        ledger: &ledger,
        coordinator,
        orgs: Vec::new(),
        // The coordinator's evidence stays off the ledger; the demo keeps it in the ledger's
        // git directory, which is never published.
        evidence_dir: state_dir.join("demo-evidence"),
        acts: 1,
    };
    demo.register(&seed, &keys_dir)?;
    demo.acts += 1;
    ledger.new_statement(
        STATEMENT,
        &seed.title,
        seed.text.as_bytes(),
        &demo.coordinator,
    )?;
    demo.endorse_all(&[], "endorse version 1")?;
    let v2 = seed.text.replace(
        "a consequence for implementing",
        "a consequence of implementing",
    );
    let revision = Revision {
        text: v2.as_bytes(),
        note: Some("Grammar: \"a consequence of implementing\" in paragraph 2"),
        ..Revision::default()
    };
    ledger.revise_statement(STATEMENT, &revision, &demo.coordinator)?;
    demo.acts += 1;
    demo.endorse_all(NOT_RESIGNING, "endorse version 2")?;
    let (id, key) = &demo.orgs[WITHDRAWS];
    let key = key
        .as_ref()
        .expect("the withdrawing organization holds a key");
    let reason = Some("Our board did not approve the revised text");
    ledger.withdraw(STATEMENT, id, reason, None, key)?;
    Ok(DemoLedger {
        ledger: ledger_dir,
        keys: keys_dir,
        ledger_id: ledger_id.to_string(),
        acts: demo.acts + 1,
    })
}

/// A key written for the demo in `dir`.
fn new_key(dir: &Path, name: &str, comment: &str) -> Result<SigningKey> {
    let path = dir.join(name);
    keys::generate(&path, comment, None)?;
    SigningKey::load(&path, &mut || Ok(None))
}

/// The demo being built.
struct Demo<'l> {
    ledger: &'l Ledger,
    coordinator: SigningKey,
    /// Organizations in list order, with their keys (none: consent is attested).
    orgs: Vec<(String, Option<SigningKey>)>,
    evidence_dir: PathBuf,
    acts: usize,
}

impl Demo<'_> {
    /// Registers the seed's organizations, most with a key of their own.
    fn register(&mut self, seed: &Seed, keys_dir: &Path) -> Result<()> {
        for (i, name) in seed.organizations.iter().enumerate() {
            let id = slugify(name);
            let key = if ATTESTED.contains(&i) {
                None
            } else {
                Some(new_key(keys_dir, &id, &format!("{id}@demo"))?)
            };
            let org = NewOrg {
                id: id.clone(),
                name: name.clone(),
                url: None,
                country: None,
                key: key.as_ref().map(|k| k.public()),
            };
            self.ledger.add_org(&org, &self.coordinator)?;
            self.acts += 1;
            self.orgs.push((id, key));
        }
        Ok(())
    }

    /// Every organization but those at the positions `except` endorses the current version:
    /// with its own key, or attested by the coordinator from an e-mail saying `what`.
    fn endorse_all(&mut self, except: &[usize], what: &str) -> Result<()> {
        for (i, (id, key)) in self.orgs.iter().enumerate() {
            if except.contains(&i) {
                continue;
            }
            match key {
                Some(k) => self.ledger.sign(STATEMENT, id, None, k)?,
                None => {
                    let evidence = self.evidence(id, what)?;
                    self.ledger
                        .attest(STATEMENT, id, None, &evidence, &self.coordinator)?
                }
            };
            self.acts += 1;
        }
        Ok(())
    }

    /// The coordinator's e-mail from an organization, kept beside the ledger's git directory.
    fn evidence(&self, id: &str, what: &str) -> Result<Vec<u8>> {
        let dir = &self.evidence_dir;
        fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let text = format!("From: contact@{id}.example\nSubject: {what}\n\nWe {what}.\n");
        let name = format!("{id}-{}.eml", what.split_whitespace().last().unwrap_or("x"));
        fs::write(dir.join(name), &text).map_err(|e| Error::io(dir.display().to_string(), e))?;
        Ok(text.into_bytes())
    }
}

/// Removes a previous demo (marked as such); refuses anything else that would be overwritten.
fn clear_previous_demo(ledger_dir: &Path, keys_dir: &Path) -> Result<()> {
    let io = |p: &Path, e| Error::io(p.display().to_string(), e);
    let entries = |d: &Path| -> Vec<PathBuf> {
        fs::read_dir(d)
            .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    // The project's own example folder sits in the default ledger directory; it is kept.
    let foreign = |p: &PathBuf| p.file_name().is_none_or(|n| n != "examples");
    if ledger_dir
        .join(".git")
        .join("undersigned")
        .join(MARKER)
        .exists()
    {
        for p in entries(ledger_dir).iter().filter(|p| foreign(p)) {
            if p.is_dir() {
                fs::remove_dir_all(p)
            } else {
                fs::remove_file(p)
            }
            .map_err(|e| io(p, e))?;
        }
    } else if entries(ledger_dir).iter().any(foreign) {
        return Err(Error::DemoDirInUse {
            path: ledger_dir.to_path_buf(),
            holds: "files",
        });
    }
    if keys_dir.join(MARKER).exists() {
        fs::remove_dir_all(keys_dir).map_err(|e| io(keys_dir, e))?;
    } else if !entries(keys_dir).is_empty() {
        return Err(Error::DemoDirInUse {
            path: keys_dir.to_path_buf(),
            holds: "keys",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_has_29_names_and_claims_28() {
        let seed = parse_seed(SEED);
        assert_eq!(seed.organizations.len(), 29);
        assert_eq!(
            seed.organizations[2], "Al Hao",
            "the entry that lost its number is kept"
        );
        assert_eq!(
            seed.organizations[28],
            "Women's Initiatives for Gender Justice"
        );
        assert_eq!(crate::audit::claimed_signatories(&seed.text), Some(28));
        assert!(!seed.text.contains("- 1."));
        assert!(seed.text.starts_with("JOINT NGO STATEMENT"));
    }

    #[test]
    fn slugs_of_seed_names_are_valid_and_distinct() {
        let seed = parse_seed(SEED);
        let slugs: std::collections::BTreeSet<String> =
            seed.organizations.iter().map(|n| slugify(n)).collect();
        assert_eq!(slugs.len(), 29);
        assert!(slugs.iter().all(|s| crate::ids::is_slug(s)), "{slugs:?}");
        assert_eq!(
            slugify("Comisión Mexicana de Defensa"),
            "comision-mexicana-de-defensa"
        );
        assert_eq!(
            slugify("Cote d'Ivoire Coalition for the ICC"),
            "cote-d-ivoire-coalition-for-the-icc"
        );
    }
}
