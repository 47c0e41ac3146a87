//! Issue 14: individuals beside organizations, translations bound into one endorsement, sign-on
//! that closes and opens, the list compared over time, counts by kind and country. Every rule
//! has a test here that a ledger made by hand (stock git, records signed with the library's
//! payload) breaks, and the writers' refusals are checked to leave the head where it was.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use undersigned::keys::SigningKey;
use undersigned::record::{self, ActKind, ActRecord, Provenance, TextRef};
use undersigned::report::{Audit, History, Publication, Status};
use undersigned::signed_data::{act_payload, ACT_NAMESPACE};

/// The path of an individual's act `seq` on statement `stmt`.
pub fn person_act_path(stmt: &str, person: &str, seq: u32) -> String {
    format!(
        "statements/{stmt}/people/{}/{person}/{seq:04}.json",
        fanout(person)
    )
}

pub fn person_email(id: &str) -> String {
    format!("{id}@person.undersigned.invalid")
}

/// A ledger with an editor, organization `hrw` (keyed), individuals `ada` (keyed, with an
/// affiliation and a country) and `bob` (keyed) and `cyd` (no key), and statement `icc`
/// version 1 in English and French.
fn people(w: &World) -> String {
    let id = w.init();
    let e = w.key_arg("editor");
    let hrw = w.ssh_keygen("hrw");
    w.ok(&[
        "org",
        "add",
        "hrw",
        "--name",
        "Human Rights Watch",
        "--country",
        "US",
        "--pubkey",
        &format!("{}.pub", hrw.display()),
        "--key",
        &e,
    ]);
    for (p, name, aff, country) in [
        (
            "ada",
            "Ada Lovelace",
            Some("University of London"),
            Some("GB"),
        ),
        ("bob", "Bob Smith", None, Some("KE")),
    ] {
        let k = w.ssh_keygen(p);
        let pubkey = format!("{}.pub", k.display());
        let mut args = vec!["person", "add", p, "--name", name, "--pubkey", &pubkey];
        if let Some(a) = aff {
            args.extend(["--affiliation", a]);
        }
        if let Some(c) = country {
            args.extend(["--country", c]);
        }
        args.extend(["--key", &e]);
        w.ok(&args);
    }
    w.ok(&["person", "add", "cyd", "--name", "Cyd Quiet", "--key", &e]);
    let en = w.write_file(
        "en.txt",
        "On behalf of 1 organization and 2 individuals, we urge states.\n",
    );
    let fr = w.write_file(
        "fr.txt",
        "Au nom d'une organisation et de 2 individus, nous appelons les États.\n",
    );
    w.ok(&[
        "statement",
        "new",
        "icc",
        "--title",
        "ICC",
        "--text",
        &en,
        "--lang",
        "en",
        "--text",
        &fr,
        "--lang",
        "fr",
        "--key",
        &e,
    ]);
    id
}

fn typed<T: serde::de::DeserializeOwned>(w: &World, args: &[&str]) -> T {
    serde_json::from_value(w.json(args)).expect("the library's own type")
}

fn sign_as(w: &World, flag: &str, who: &str) {
    w.ok(&["sign", "icc", flag, who, "--key", &w.key_arg(who), "--yes"]);
}

/// A signed endorsement record of `who` (`person/…` or `org/…`) at its own path, as a file in
/// the work tree, added to git's index; the caller commits it with stock git.
fn plant(w: &World, path: &str, r: &ActRecord) {
    let full = w.ledger().join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
    std::fs::write(&full, record::encode(r)).expect("write record");
    assert!(w.git(&["add", path]).status.success());
}

/// An endorsement of `icc` by individual `person`, signed by `key_of`'s key, covering `texts`.
fn person_endorsement(
    w: &World,
    ledger: &str,
    person: &str,
    key_of: &str,
    version: u32,
    texts: Vec<TextRef>,
) -> ActRecord {
    let audit: Audit = typed(w, &["audit", "icc"]);
    let v = &audit.versions[version as usize - 1];
    let key = SigningKey::load(&w.key(key_of), &mut || Ok(None)).expect("key");
    let mut r = ActRecord {
        act: ActKind::Endorse,
        ledger: ledger.into(),
        statement: "icc".into(),
        version: Some(version),
        text_sha256: Some(v.text_sha256.clone()),
        texts,
        org: None,
        person: Some(person.into()),
        signed_at: undersigned::timefmt::format_ms(undersigned::clock::Clock::now_ms(
            &undersigned::clock::SystemClock,
        ))
        .expect("now"),
        reason: None,
        provenance: Provenance::Signed,
        evidence_sha256: None,
        signer: format!("person/{key_of}"),
        key: key.fingerprint().into(),
        signature: String::new(),
    };
    r.signature = key.sign(ACT_NAMESPACE, &act_payload(&r)).expect("sign");
    r
}

/// The texts of version `n` as its endorsements must list them.
fn texts_of(w: &World, n: usize) -> Vec<TextRef> {
    let audit: Audit = typed(w, &["audit", "icc"]);
    let v = &audit.versions[n - 1];
    let mut out = vec![TextRef {
        lang: v.lang.clone().expect("a version with languages"),
        text_sha256: v.text_sha256.clone(),
    }];
    out.extend(v.translations.iter().cloned());
    out
}

/// `scripts/audit-with-stock-tools.sh` on the ledger: its exit status and output.
fn stock_audit(w: &World) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/audit-with-stock-tools.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(w.ledger())
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("bash");
    (code(&out), said(&out))
}

fn failures_at(w: &World, commit: &str) -> Vec<Value> {
    let (c, report) = verify(w, &["--full"]);
    assert_eq!(c, 1, "{report:#}");
    broken(w, commit)
}

#[test]
fn individuals_sign_attest_withdraw_and_are_listed_and_counted_apart() {
    let w = World::new();
    people(&w);
    sign_as(&w, "--person", "ada");
    sign_as(&w, "--org", "hrw");
    sign_as(&w, "--person", "bob");
    let evidence = w.write_file("cyd.eml", "From: cyd\n\nYes, sign me up.\n");
    w.ok(&[
        "attest",
        "icc",
        "--person",
        "cyd",
        "--evidence",
        &evidence,
        "--key",
        &w.key_arg("editor"),
    ]);
    let p: Publication = typed(&w, &["show", "icc"]);
    assert_eq!(p.count, 1);
    assert_eq!(p.signatories[0].org, "hrw");
    assert_eq!(p.signatories[0].n, 1);
    assert_eq!(p.individual_count, 3);
    let names: Vec<(usize, &str)> = p
        .individuals
        .iter()
        .map(|s| (s.n, s.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![(1, "Ada Lovelace"), (2, "Bob Smith"), (3, "Cyd Quiet")],
        "individuals numbered apart, in order of signing"
    );
    assert_eq!(
        p.individuals[0].affiliation.as_deref(),
        Some("University of London")
    );
    assert_eq!(p.individuals[2].provenance, Provenance::Attested);
    assert_eq!((p.counts.organizations, p.counts.individuals), (1, 3));
    assert_eq!(p.counts.by_country["GB"].individuals, 1);
    assert_eq!(p.counts.by_country["US"].organizations, 1);
    assert_eq!(
        p.counts.by_country[""].individuals, 1,
        "cyd gave no country"
    );
    let text = w.ok(&["show", "icc"]);
    assert!(
        text.contains("Endorsed by 1 organization ")
            && text.contains("and by 3 individuals (affiliations for identification only)")
            && text.contains("1. Ada Lovelace, University of London\n")
            && text.contains("3. Cyd Quiet *\n"),
        "{text}"
    );
    // The text says "1 organization and 2 individuals": the individuals' count is checked too.
    let audit: Audit = typed(&w, &["audit", "icc"]);
    assert_eq!(audit.versions[0].claimed_signatories, Some(1));
    assert_eq!(audit.versions[0].claimed_individuals, Some(2));
    assert!(
        audit
            .warnings
            .iter()
            .any(|x| x.contains("claims 2 individuals, but 3 individuals endorse it now")),
        "{:?}",
        audit.warnings
    );
    assert!(!audit.warnings.iter().any(|x| x.contains("organizations")));
    assert_eq!(audit.current, vec!["hrw"]);
    assert_eq!(audit.individuals.current, vec!["ada", "bob", "cyd"]);
    // An individual withdraws; a withdrawal by its own key, listed apart.
    w.ok(&[
        "withdraw",
        "icc",
        "--person",
        "bob",
        "--reason",
        "changed my mind",
        "--key",
        &w.key_arg("bob"),
    ]);
    let status: Status = typed(&w, &["status", "icc"]);
    assert_eq!(status.current, vec!["hrw"]);
    assert_eq!(status.individuals.current, vec!["ada", "cyd"]);
    assert_eq!(status.individuals.withdrawn, vec!["bob"]);
    assert_eq!(status.individuals.counts.registered, 3);
    assert_eq!(status.by_kind_and_country.individuals, 2);
    let human = w.ok(&["status", "icc"]);
    assert!(
        human.contains("individuals (3 registered; affiliations for identification only)")
            && human.contains("By country"),
        "{human}"
    );
    assert_eq!(verify(&w, &["--full"]).0, 0);
    w.assert_stock_git_agrees();
}

#[test]
fn an_individual_acting_for_another_is_refused() {
    let w = World::new();
    let id = people(&w);
    let texts = texts_of(&w, 1);
    // Ada's commit adds an endorsement at Bob's path, signed by Ada: the rights rule.
    let r = person_endorsement(&w, &id, "bob", "ada", 1, texts.clone());
    let path = person_act_path("icc", "bob", 1);
    plant(&w, &path, &r);
    let c = stock_commit_at(&w, &w.key("ada"), &person_email("ada"), None, &["-m", "x"]);
    let f = failures_at(&w, &c);
    let rights = find(&f, Some(&path), "rights");
    assert!(
        reason(rights).contains("not those of person/bob"),
        "{rights}"
    );
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // An editor commits a record at Bob's path that Ada signed as herself: the record rule.
    let r = person_endorsement(&w, &id, "bob", "ada", 1, texts.clone());
    plant(&w, &path, &r);
    let c = editor_commit(&w, "accept");
    let f = failures_at(&w, &c);
    let rec = find(&f, Some(&path), "record");
    assert!(reason(rec).contains("signed by person/bob itself"), "{rec}");
    // Stock tools see it too: Bob's record signed by Ada's key.
    let (code_, said_) = stock_audit(&w);
    assert_eq!(code_, 1, "{said_}");
    assert!(
        said_
            .lines()
            .any(|l| l.starts_with(&format!("FAIL commit {c} {path}: "))
                && l.contains("signed by person/bob itself")
                && l.contains("(signer person/ada)")),
        "{said_}"
    );
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // An individual adds an organization's act: refused as well.
    let mut r = person_endorsement(&w, &id, "ada", "ada", 1, texts);
    r.person = None;
    r.org = Some("hrw".into());
    let path = act_path("hrw", 1);
    plant(&w, &path, &r);
    let c = stock_commit_at(&w, &w.key("ada"), &person_email("ada"), None, &["-m", "x"]);
    let f = failures_at(&w, &c);
    assert!(reason(find(&f, Some(&path), "rights")).contains("not those of org/hrw"));
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // And the CLI: Ada's key does not sign for Bob.
    let before = w.head();
    let out = w.run(&[
        "sign",
        "icc",
        "--person",
        "bob",
        "--key",
        &w.key_arg("ada"),
        "--yes",
    ]);
    assert_refused(&out, "not the key of person/bob");
    assert_eq!(w.head(), before);
    assert_eq!(verify(&w, &[]).0, 0);
}

#[test]
fn an_endorsement_that_misses_one_languages_hash_is_refused() {
    let w = World::new();
    let id = people(&w);
    let all = texts_of(&w, 1);
    assert_eq!(all.len(), 2);
    let path = person_act_path("icc", "ada", 1);
    for (what, texts) in [
        ("missing fr", vec![all[0].clone()]),
        ("none at all", Vec::new()),
        ("out of order", vec![all[1].clone(), all[0].clone()]),
        (
            "another fr text",
            vec![
                all[0].clone(),
                TextRef {
                    lang: "fr".into(),
                    text_sha256: record::sha256_hex(b"autre"),
                },
            ],
        ),
    ] {
        let r = person_endorsement(&w, &id, "ada", "ada", 1, texts);
        plant(&w, &path, &r);
        let c = stock_commit_at(&w, &w.key("ada"), &person_email("ada"), None, &["-m", what]);
        let f = failures_at(&w, &c);
        let rec = find(&f, Some(&path), "record");
        assert!(
            reason(rec).contains("an endorsement signs every text of its version"),
            "{what}: {rec}"
        );
        // Stock tools alone say the same.
        let (c, out) = stock_audit(&w);
        assert_eq!(c, 1, "{what}: {out}");
        assert!(
            out.contains("does not sign every text of version 1"),
            "{what}: {out}"
        );
        w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
        // Mailed, the same record is refused by accept, nothing written.
        let file = w.path().join("mailed.json");
        std::fs::write(&file, record::encode(&r)).expect("write");
        let before = w.head();
        let out = w.run(&["accept", s(&file), "--key", &w.key_arg("editor")]);
        assert_eq!(code(&out), 2, "{what}: {}", said(&out));
        assert_eq!(w.head(), before);
    }
    // Every text, in order: accepted and verified, with stock ssh-keygen agreeing.
    let r = person_endorsement(&w, &id, "ada", "ada", 1, all);
    let file = w.path().join("mailed.json");
    std::fs::write(&file, record::encode(&r)).expect("write");
    w.ok(&["accept", s(&file), "--key", &w.key_arg("editor")]);
    assert_eq!(verify(&w, &["--full"]).0, 0);
    let (c, out) = stock_audit(&w);
    assert_eq!(c, 0, "{out}");
    let cmd = w.ok(&["payload", "icc", "--person", "ada", "--command"]);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .output()
        .expect("sh");
    assert!(out.status.success(), "ssh-keygen: {}", said(&out));
    assert!(cmd.contains("text: fr "), "{cmd}");
}

#[test]
fn a_translation_swapped_or_slipped_under_an_existing_version_is_refused() {
    let w = World::new();
    people(&w);
    sign_as(&w, "--person", "ada");
    // Changing the French text of version 1, which Ada signed: append-only.
    let fr = "statements/icc/versions/0001.fr.txt";
    std::fs::write(w.ledger().join(fr), "Un autre texte.\n").expect("write");
    w.git_ok(&["add", fr]);
    let c = editor_commit(&w, "swap");
    let f = failures_at(&w, &c);
    find(&f, Some(fr), "append-only");
    assert_eq!(stock_audit(&w).0, 1);
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // Adding a Spanish text to version 1: no version record names it.
    let es = "statements/icc/versions/0001.es.txt";
    std::fs::write(w.ledger().join(es), "Otro texto.\n").expect("write");
    w.git_ok(&["add", es]);
    let c = editor_commit(&w, "slip");
    let f = failures_at(&w, &c);
    assert!(reason(find(&f, Some(es), "record")).contains("no version record"));
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // A version record naming a translation that is not beside it.
    assert_eq!(verify(&w, &[]).0, 0);
}

#[test]
fn a_translation_makes_a_new_version_and_earlier_endorsements_go_stale() {
    let w = World::new();
    people(&w);
    sign_as(&w, "--person", "ada");
    sign_as(&w, "--org", "hrw");
    let es = w.write_file("es.txt", "En nombre de una organización.\n");
    w.ok(&[
        "statement",
        "translate",
        "icc",
        "--lang",
        "es",
        "--text",
        &es,
        "--key",
        &w.key_arg("editor"),
    ]);
    let audit: Audit = typed(&w, &["audit", "icc"]);
    assert_eq!(audit.current_version, 2);
    let v2 = &audit.versions[1];
    assert_eq!(
        v2.text_sha256, audit.versions[0].text_sha256,
        "same original"
    );
    let langs: Vec<&str> = v2.translations.iter().map(|t| t.lang.as_str()).collect();
    assert_eq!(langs, vec!["es", "fr"], "translations in order of tag");
    assert_eq!(audit.individuals.stale, vec!["ada"]);
    assert_eq!(audit.stale, vec!["hrw"]);
    sign_as(&w, "--person", "ada");
    let audit: Audit = typed(&w, &["audit", "icc"]);
    assert_eq!(audit.individuals.current, vec!["ada"]);
    assert_eq!(
        audit.versions[1].endorsements[0].languages,
        vec!["en", "es", "fr"]
    );
    // The same translation again changes nothing: refused, exit 2.
    let before = w.head();
    let out = w.run(&[
        "statement",
        "translate",
        "icc",
        "--lang",
        "es",
        "--text",
        &es,
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert_eq!(w.head(), before);
    // show --lang: the translation, with every language the endorsements cover.
    let p: Publication = typed(&w, &["show", "icc", "--lang", "es"]);
    assert_eq!(p.text, "En nombre de una organización.\n");
    assert_eq!(p.lang.as_deref(), Some("es"));
    assert_eq!(p.texts.len(), 3);
    let out = w.run(&["show", "icc", "--lang", "de"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no text in \"de\""), "{}", said(&out));
    assert_eq!(verify(&w, &["--full"]).0, 0);
}

#[test]
fn an_endorsement_while_closed_is_refused_and_a_withdrawal_is_not() {
    let w = World::new();
    let id = people(&w);
    sign_as(&w, "--person", "ada");
    w.ok(&[
        "statement",
        "close",
        "icc",
        "--reason",
        "the letter was sent",
        "--key",
        &w.key_arg("editor"),
    ]);
    let close = w.head();
    let status: Status = typed(&w, &["status", "icc"]);
    assert!(!status.signon.open);
    assert_eq!(status.signon.closed_by.as_deref(), Some(close.as_str()));
    // The writer refuses, nothing written.
    let out = w.run(&[
        "sign",
        "icc",
        "--person",
        "bob",
        "--key",
        &w.key_arg("bob"),
        "--yes",
    ]);
    assert_refused(&out, "sign-on of icc is closed");
    assert_eq!(w.head(), close);
    // Committed by hand, verify names the commit and the close act.
    let r = person_endorsement(&w, &id, "bob", "bob", 1, texts_of(&w, 1));
    let path = person_act_path("icc", "bob", 1);
    plant(&w, &path, &r);
    let c = stock_commit_at(
        &w,
        &w.key("bob"),
        &person_email("bob"),
        None,
        &["-m", "late"],
    );
    let f = failures_at(&w, &c);
    let closed = find(&f, Some(&path), "closed");
    assert!(reason(closed).contains(&close), "{closed}");
    w.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);
    // A withdrawal stays possible while closed.
    w.ok(&[
        "withdraw",
        "icc",
        "--person",
        "ada",
        "--key",
        &w.key_arg("ada"),
    ]);
    assert_eq!(verify(&w, &["--full"]).0, 0);
    // Closing twice changes nothing; opening with a deadline, then signing, works.
    let again: Value = w.json(&["statement", "close", "icc", "--key", &w.key_arg("editor")]);
    assert_eq!(again["changed"], false);
    w.ok(&[
        "statement",
        "open",
        "icc",
        "--deadline",
        "2030-01-31T23:59:59Z",
        "--key",
        &w.key_arg("editor"),
    ]);
    let status: Status = typed(&w, &["status", "icc"]);
    assert!(status.signon.open);
    assert_eq!(
        status.signon.deadline.as_deref(),
        Some("2030-01-31T23:59:59.000Z")
    );
    assert!(w
        .ok(&["status", "icc"])
        .contains("deadline 2030-01-31 23:59:59 UTC"));
    sign_as(&w, "--person", "bob");
    let out = w.run(&[
        "statement",
        "open",
        "icc",
        "--deadline",
        "soon",
        "--key",
        &w.key_arg("editor"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("deadline \"soon\" is not a time"),
        "{}",
        said(&out)
    );
    assert_eq!(verify(&w, &["--full"]).0, 0);
    w.assert_stock_git_agrees();
}

#[test]
fn history_lists_who_joined_and_who_left_with_the_acts() {
    let w = World::new();
    people(&w);
    sign_as(&w, "--person", "ada");
    sign_as(&w, "--org", "hrw");
    let after_two = w.head();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let v2 = w.write_file("v2.txt", "On behalf of us all.\n");
    w.ok(&[
        "statement",
        "revise",
        "icc",
        "--text",
        &v2,
        "--lang",
        "en",
        "--key",
        &w.key_arg("editor"),
    ]);
    let revision = w.head();
    sign_as(&w, "--person", "bob");
    sign_as(&w, "--person", "ada");
    w.ok(&[
        "withdraw",
        "icc",
        "--person",
        "ada",
        "--key",
        &w.key_arg("ada"),
    ]);
    let h: History = typed(&w, &["history", "icc", "--from", &after_two]);
    assert_eq!((h.from.organizations, h.from.individuals), (1, 1));
    assert_eq!((h.to.organizations, h.to.individuals), (0, 1));
    assert_eq!(h.from.version, 1);
    assert_eq!(h.to.version, 2);
    let joined: Vec<&str> = h.joined.iter().map(|c| c.signatory.as_str()).collect();
    let left: Vec<(&str, &str)> = h
        .left
        .iter()
        .map(|c| (c.signatory.as_str(), c.act.as_str()))
        .collect();
    assert_eq!(joined, vec!["person/bob"]);
    let mut left_sorted = left.clone();
    left_sorted.sort();
    assert_eq!(
        left_sorted,
        vec![("org/hrw", "statement-revise"), ("person/ada", "withdraw")],
        "hrw left with the revision, ada by her withdrawal"
    );
    let hrw = h
        .left
        .iter()
        .find(|c| c.signatory == "org/hrw")
        .expect("hrw");
    assert_eq!(hrw.commit, revision);
    // Every change in between, in order: hrw and ada leave at the revision, bob joins, ada
    // joins again and leaves.
    let all: Vec<(&str, &str)> = h
        .changes
        .iter()
        .map(|c| (c.change.as_str(), c.signatory.as_str()))
        .collect();
    assert_eq!(
        all,
        vec![
            ("left", "org/hrw"),
            ("left", "person/ada"),
            ("joined", "person/bob"),
            ("joined", "person/ada"),
            ("left", "person/ada"),
        ]
    );
    // A time before the revision, from commit order: the same start.
    let h2: History = typed(&w, &["history", "icc", "--to", &after_two]);
    assert_eq!(h2.to.commit.as_deref(), Some(after_two.as_str()));
    assert_eq!(h2.joined.len(), 2);
    let out = w.run(&["history", "icc", "--from", "no-such-rev"]);
    assert_eq!(code(&out), 2);
    let human = w.ok(&["history", "icc", "--from", &after_two]);
    assert!(
        human.contains("+ Bob Smith (person/bob): endorsed version 2"),
        "{human}"
    );
}

#[test]
fn individuals_rotate_and_revoke_their_keys_as_organizations_do() {
    let w = World::new();
    people(&w);
    let new = w.ssh_keygen("ada-2");
    w.ok(&[
        "person",
        "rotate-key",
        "ada",
        "--pubkey",
        &format!("{}.pub", new.display()),
        "--key",
        &w.key_arg("ada"),
    ]);
    // The old key no longer signs.
    let out = w.run(&[
        "sign",
        "icc",
        "--person",
        "ada",
        "--key",
        &w.key_arg("ada"),
        "--yes",
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    w.ok(&[
        "sign",
        "icc",
        "--person",
        "ada",
        "--key",
        &w.key_arg("ada-2"),
        "--yes",
    ]);
    // Bob cannot rotate Ada's key.
    let other = w.ssh_keygen("mallory");
    let out = w.run(&[
        "person",
        "rotate-key",
        "ada",
        "--pubkey",
        &format!("{}.pub", other.display()),
        "--key",
        &w.key_arg("bob"),
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    let list: undersigned::report::PersonList = typed(&w, &["person", "list"]);
    let ada = list.people.iter().find(|p| p.id == "ada").expect("ada");
    assert_eq!(ada.keys, 2);
    // Revoked by an editor: what the key signs after fails.
    let fp = ada.key.clone().expect("key in force");
    w.ok(&[
        "person",
        "revoke-key",
        "ada",
        "--fingerprint",
        &fp,
        "--reason",
        "lost",
        "--key",
        &w.key_arg("editor"),
    ]);
    let out = w.run(&[
        "withdraw",
        "icc",
        "--person",
        "ada",
        "--key",
        &w.key_arg("ada-2"),
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert_eq!(verify(&w, &["--full"]).0, 0);
    w.assert_stock_git_agrees();
}

#[test]
fn names_of_individuals_cannot_pass_for_another_signatory() {
    let w = World::new();
    people(&w);
    let e = w.key_arg("editor");
    let before = w.head();
    // Looks like an organization's name.
    let out = w.run(&[
        "person",
        "add",
        "eve",
        "--name",
        "Human Rights W\u{430}tch",
        "--key",
        &e,
    ]);
    assert_refused(&out, "looks like the name of org/hrw");
    // Another Ada Lovelace of the same university cannot be told apart.
    let out = w.run(&[
        "person",
        "add",
        "ada2",
        "--name",
        "Ada Lovelace",
        "--affiliation",
        "University of London",
        "--key",
        &e,
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    // A bidi control in an affiliation.
    let out = w.run(&[
        "person",
        "add",
        "zed",
        "--name",
        "Zed",
        "--affiliation",
        "Univ\u{202e}ersity",
        "--key",
        &e,
    ]);
    assert_refused(&out, "--affiliation");
    assert_eq!(w.head(), before);
    // Two people may share a name when their affiliations tell them apart.
    w.ok(&[
        "person",
        "add",
        "ada-m",
        "--name",
        "Ada Lovelace",
        "--affiliation",
        "University of Manchester",
        "--key",
        &e,
    ]);
    let out = w.run(&[
        "person",
        "add",
        "bad",
        "--name",
        "X",
        "--country",
        "gb",
        "--key",
        &e,
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert_eq!(verify(&w, &[]).0, 0);
}

#[test]
fn an_individual_signs_by_mail_with_undersigned_or_with_ssh_keygen_alone() {
    let w = World::new();
    people(&w);
    let e = w.key_arg("editor");
    // The ssh-keygen-only directory, for one individual.
    let dir = w.path().join("req-ada");
    w.ok(&[
        "request",
        "icc",
        "--person",
        "ada",
        "-o",
        s(&dir),
        "--key",
        &e,
    ]);
    for f in [
        "request.json",
        "payload",
        "text.txt",
        "text.fr.txt",
        "HOW-TO-SIGN.txt",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let payload = std::fs::read_to_string(dir.join("payload")).expect("payload");
    assert!(
        payload.contains("\nperson: ada\n") && payload.contains("\ntext: fr "),
        "{payload}"
    );
    let how = std::fs::read_to_string(dir.join("HOW-TO-SIGN.txt")).expect("how");
    assert!(
        how.contains("person/ada") && how.contains("text.fr.txt"),
        "{how}"
    );
    // The request names Ada's key in force (signed by the editor, as `org_key` for an
    // organization): signing it with another key is refused before anything is asked.
    let req: Value = serde_json::from_slice(&std::fs::read(dir.join("request.json")).expect("req"))
        .expect("json");
    let fp = |who: &str| {
        undersigned::keys::SigningKey::public_of_any_file(&w.key(who))
            .expect("public key")
            .fingerprint
    };
    let ada_fp = fp("ada");
    assert_eq!(req["person_key"], Value::String(ada_fp.clone()));
    assert_eq!(req["org_key"], Value::Null);
    let bob_fp = fp("bob");
    let stray = w.path().join("ada-with-bobs-key.json");
    let out = w.run(&[
        "sign",
        "--request",
        s(&dir.join("request.json")),
        "--key",
        &w.key_arg("bob"),
        "-o",
        s(&stray),
        "--yes",
    ]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert!(
        stderr(&out).contains("person/ada's key in force")
            && stderr(&out).contains("which the request names")
            && stderr(&out).contains(&bob_fp),
        "{}",
        said(&out)
    );
    assert!(!stray.exists());
    let sig = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "undersigned", "-f"])
        .arg(w.key("ada"))
        .arg(dir.join("payload"))
        .output()
        .expect("ssh-keygen");
    assert!(sig.status.success(), "{}", said(&sig));
    w.ok(&[
        "accept",
        "--request",
        s(&dir.join("request.json")),
        "--signature",
        s(&dir.join("payload.sig")),
        "--key",
        &e,
    ]);
    // A request for any signatory, signed by Bob without a ledger.
    let req = w.path().join("any.json");
    w.ok(&["request", "icc", "-o", s(&req), "--key", &e]);
    let end = w.path().join("bob.json");
    let signed: undersigned::report::SignedSummary = typed(
        &w,
        &[
            "sign",
            "--request",
            s(&req),
            "--person",
            "bob",
            "--key",
            &w.key_arg("bob"),
            "-o",
            s(&end),
            "--yes",
        ],
    );
    assert_eq!(signed.org, "bob");
    assert_eq!(signed.kind, undersigned::record::Kind::Person);
    w.ok(&["accept", s(&end), "--key", &e]);
    // A request for Ada cannot be signed as Bob.
    let out = w.run(&[
        "sign",
        "--request",
        s(&dir.join("request.json")),
        "--person",
        "bob",
        "--key",
        &w.key_arg("bob"),
        "-o",
        s(&w.path().join("x.json")),
        "--yes",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("made for person/ada, not person/bob"),
        "{}",
        said(&out)
    );
    let audit: Audit = typed(&w, &["audit", "icc"]);
    assert_eq!(audit.individuals.current, vec!["ada", "bob"]);
    assert_eq!(verify(&w, &["--full"]).0, 0);
}

#[test]
fn ledger_formats_are_named_and_refused_when_unknown() {
    let w = World::new();
    w.init();
    let ledger: Value =
        serde_json::from_slice(&std::fs::read(w.ledger().join("ledger.json")).expect("read"))
            .expect("json");
    assert_eq!(
        ledger["format"], 2,
        "a ledger written by this version says so"
    );
    // A ledger whose genesis names format 3: refused, naming the format.
    let w3 = World::new();
    let key = w3.new_key("editor");
    w3.ok(&["init", "--name", "X", "--key", s(&key)]);
    let l = w3.ledger();
    let text = std::fs::read_to_string(l.join("ledger.json")).expect("read");
    std::fs::write(
        l.join("ledger.json"),
        text.replace("\"format\": 2", "\"format\": 3"),
    )
    .expect("write");
    w3.git_ok(&["add", "ledger.json"]);
    let amend = std::process::Command::new("git")
        .current_dir(&l)
        .env("HOME", w3.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "gpg.format=ssh", "-c"])
        .arg(format!("user.signingkey={}", key.display()))
        .args(["-c", "user.name=Coordinator", "-c"])
        .arg(format!("user.email={EDITOR_EMAIL}"))
        .args([
            "commit",
            "-q",
            "-S",
            "--amend",
            "--no-edit",
            "--reset-author",
        ])
        .output()
        .expect("git");
    assert!(amend.status.success(), "{}", said(&amend));
    let (c, report) = verify(&w3, &[]);
    assert_eq!(c, 1, "{report:#}");
    let f = report["failures"].as_array().expect("failures");
    let format = find(f, Some("ledger.json"), "format");
    assert!(
        reason(format).contains("ledger format 3 is not supported by this build")
            && reason(format).contains("upgrade undersigned"),
        "{format}"
    );
}

/// The ledger made with the code of 33148ab (format 1, before this issue): it verifies
/// unchanged, its audit keeps every field it had, and a format-2 record in it is refused, by
/// the writers and by verify.
#[test]
fn a_format_1_ledger_made_before_individuals_verifies_unchanged() {
    let w = World::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format1");
    let bundle = fixture.join("ledger.bundle");
    let clone = std::process::Command::new("git")
        .env("HOME", w.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["clone", "-q", "-b", "main"])
        .arg(&bundle)
        .arg(w.ledger())
        .output()
        .expect("git clone");
    assert!(clone.status.success(), "{}", said(&clone));
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("verify.json")).expect("verify.json"))
            .expect("json");
    let trust = expected["ledger_id"].as_str().expect("id");
    let (c, report) = verify(&w, &["--full", "--trust", trust]);
    assert_eq!(c, 0, "{report:#}");
    for key in [
        "ok",
        "ledger_id",
        "head",
        "commits",
        "editors",
        "organizations",
        "statements",
        "versions",
        "endorsements",
        "withdrawals",
        "failures",
        "trusted",
    ] {
        assert_eq!(report[key], expected[key], "{key}");
    }
    // Every field of the old audit is there with the same value.
    let old: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("audit.json")).expect("audit.json"))
            .expect("json");
    let new = w.json(&["audit", "statement-1"]);
    for (k, v) in old.as_object().expect("object") {
        assert_keeps(&new[k], v, k);
    }
    // The ledger stays format 1: no individual, translation or sign-on record goes in. The
    // editor's key (a test key, kept with the fixture) is copied 0600, as ssh-keygen wants.
    let key = w.key("editor");
    std::fs::create_dir_all(key.parent().expect("parent")).expect("keys dir");
    std::fs::copy(fixture.join("editor"), &key).expect("copy key");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("0600");
    }
    let e = w.key_arg("editor");
    let before = w.head();
    let out = w.run(&["person", "add", "ada", "--name", "Ada", "--key", &e]);
    assert_refused(&out, "this ledger is format 1");
    let out = w.run(&["statement", "close", "statement-1", "--key", &e]);
    assert_eq!(code(&out), 2, "{}", said(&out));
    assert_eq!(w.head(), before);
    // Made by hand, verify refuses it with rule `format`.
    let dir = w.ledger().join(format!("people/{}/ada", fanout("ada")));
    std::fs::create_dir_all(&dir).expect("dir");
    let rec = undersigned::record::PersonRecord {
        id: "ada".into(),
        name: "Ada".into(),
        affiliation: None,
        country: None,
        added_by: "editor/editor".into(),
        added_at: undersigned::timefmt::format_ms(undersigned::clock::Clock::now_ms(
            &undersigned::clock::SystemClock,
        ))
        .expect("now"),
    };
    std::fs::write(dir.join("person.json"), record::encode(&rec)).expect("write");
    w.git_ok(&["add", "people"]);
    let c = stock_commit_at(
        &w,
        &key,
        "editor@editor.undersigned.invalid",
        None,
        &["-m", "person"],
    );
    let f = failures_at(&w, &c);
    let path = format!("people/{}/ada/person.json", fanout("ada"));
    assert!(reason(find(&f, Some(&path), "format")).contains("needs ledger format 2"));
}

/// `new` keeps every field of `old` with its value, at every depth (arrays element by element,
/// of the same length); fields added since (the log's `in_log`, say) are allowed.
fn assert_keeps(new: &Value, old: &Value, at: &str) {
    match (new, old) {
        (Value::Object(n), Value::Object(o)) => {
            for (k, v) in o {
                let inner = n.get(k).unwrap_or(&Value::Null);
                assert_keeps(inner, v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(n), Value::Array(o)) => {
            assert_eq!(n.len(), o.len(), "audit field {at}: length");
            for (i, (a, b)) in n.iter().zip(o).enumerate() {
                assert_keeps(a, b, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(new, old, "audit field {at}"),
    }
}

/// The log covers individuals' acts as it covers organizations': the published page offers
/// an individual's receipt in a file of its own (never an organization's of the same slug),
/// and `receipt verify` checks it offline and names the individual.
#[test]
fn an_individuals_receipt_from_the_page_verifies_offline() {
    let w = World::new();
    let id = people(&w);
    sign_as(&w, "--person", "ada");
    sign_as(&w, "--org", "hrw");
    let site = w.path().join("site");
    let e = w.key_arg("editor");
    w.ok(&["publish", "--out", s(&site), "--checkpoint-key", &e]);
    let receipt = site.join("icc/receipts/person.ada.tlog-proof");
    assert!(receipt.is_file(), "no receipt at {}", receipt.display());
    assert!(site.join("icc/receipts/hrw.tlog-proof").is_file());
    let v = w.json(&["receipt", "verify", s(&receipt), "--trust", &id]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["person"], "ada", "{v}");
    assert_eq!(v["org"], "", "{v}");
    // A flipped byte in the receipt's leaf is refused.
    let text = std::fs::read_to_string(&receipt).expect("receipt");
    let bad = w.path().join("bad.tlog-proof");
    let mut bytes = text.into_bytes();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&bad, bytes).expect("write");
    let out = w.run(&["receipt", "verify", s(&bad), "--trust", &id]);
    assert_ne!(code(&out), 0, "{}", said(&out));
}
