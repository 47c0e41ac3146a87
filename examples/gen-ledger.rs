//! Builds a valid ledger of a given size through the library (one process, no child processes
//! per act), for benchmarks.
//!
//! ```text
//! cargo run --release --example gen-ledger -- \
//!     --orgs 1000 --statements 5 --endorsements 10000 --out DIR [--seed N] [--people N]
//! ```
//!
//! The ledger is created in a temporary directory, cloned bare into `DIR` (acts on a bare
//! ledger have no work tree to keep), and every later act is done in `DIR`. Proportions:
//! about 10% of organizations have no key (their acts are attested by the editor from a small
//! evidence string); each statement has 1 to 3 versions and most endorsements are of its
//! current (last) version; withdrawals are 5% of the endorsements (signed by the organization,
//! or attested when it has no key or one time in four); key rotations are 1% of the
//! endorsements (an organization rotates with its own key and signs with the new key after).
//!
//! `--people N` then registers N individuals (`person-0`..), half with an affiliation, each
//! with a country, and each endorses the current version of `statement-1`: nine in ten sign
//! with their own key, one in ten is attested by the editor (issue 14's figures: `show` and
//! `audit` of a statement with 10,000 individual signatories).
//!
//! Keys live in memory, except four written as OpenSSH files to `DIR-keys/` so that the
//! benchmark can act with the command line afterwards: `editor` and `spare-1`..`spare-3`,
//! organizations registered with a key and without any endorsement. Statements are
//! `statement-1`..`statement-S`. `--seed` fixes every choice (which organization acts, when,
//! on which version); the keys themselves are random.
//!
//! At the end the ledger is verified with `undersigned::verify::verify`, and the figures are
//! printed: progress every 10% and a summary on stderr, `key=value` lines on stdout.

use clap::Parser;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use undersigned::clock::{Clock, FixedClock};
use undersigned::ids::Principal;
use undersigned::keys::{self, SigningKey};
use undersigned::verify::{verify, VerifyOptions};
use undersigned::{Ledger, NewLedger, NewOrg, NewPerson, Revision};

/// Builds a valid ledger of a given size, for benchmarks.
#[derive(Parser, Debug)]
#[command(name = "gen-ledger")]
struct Args {
    /// Organizations registered (besides the three spare ones).
    #[arg(long, default_value_t = 1000)]
    orgs: u32,
    /// Statements.
    #[arg(long, default_value_t = 5)]
    statements: u32,
    /// Endorsement acts (at most orgs × statements × 3).
    #[arg(long, default_value_t = 10000)]
    endorsements: u64,
    /// Ledger directory to create (must not exist); keys go to DIR-keys/.
    #[arg(long)]
    out: PathBuf,
    /// Seed of every choice the generator makes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The time of the first act (`2026-01-01T00:00:00.000Z`); each act is one second after
    /// the one before, so that a ledger's times do not depend on how fast it was built.
    #[arg(long, default_value = "2026-01-01T00:00:00.000Z")]
    start: String,
    /// Individuals registered after the timeline (keyed, one in ten with their consent
    /// attested), each endorsing the current version of statement-1: a list of people
    /// signing beside the organizations (issue 14).
    #[arg(long, default_value_t = 0)]
    people: u32,
    /// Skip the verification at the end (`benches/scale.sh` verifies the ledger itself, as a
    /// process, right after).
    #[arg(long)]
    no_verify: bool,
}

/// `--people N`: N individuals registered, then each endorses the current version of
/// statement-1 (signed with their own key, or one in ten attested from evidence). Returns the
/// endorsements and how many were attested.
fn add_people(
    ledger: &Ledger,
    editor: &SigningKey,
    clock: &FixedClock,
    rng: &mut Rng,
    n: u32,
) -> Result<(u64, u64), Fail> {
    let stmt = stmt_id(0);
    let affiliations = [
        "University of Nairobi",
        "Universidade de São Paulo",
        "Sciences Po",
    ];
    let countries = ["SE", "DE", "FR", "KE", "BR", "IN", "US", "ZA", "PH", "MX"];
    let (mut endorsed, mut attested) = (0u64, 0u64);
    let started = Instant::now();
    for p in 0..n {
        let id = format!("person-{p}");
        let key = (!rng.chance(0.10))
            .then(|| SigningKey::random_in_memory(&id))
            .transpose()?;
        let affiliation = rng
            .chance(0.5)
            .then(|| affiliations[rng.below(affiliations.len() as u64) as usize].to_string());
        ledger.add_person(
            &NewPerson {
                id: id.clone(),
                name: format!("Person number {p}"),
                affiliation,
                country: Some(countries[rng.below(countries.len() as u64) as usize].to_string()),
                key: key.as_ref().map(SigningKey::public),
            },
            editor,
        )?;
        clock.advance(1000);
        let who = Principal::person(&id);
        match &key {
            Some(k) => ledger.sign_as(&stmt, &who, None, k)?,
            None => {
                attested += 1;
                let evidence = format!("form of {id}: I sign").into_bytes();
                ledger.attest_as(&stmt, &who, None, &evidence, editor)?
            }
        };
        endorsed += 1;
        clock.advance(1000);
        if (p + 1) % 1000 == 0 {
            eprintln!(
                "gen-ledger: {} individuals, {:.1} s",
                p + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok((endorsed, attested))
}

/// xorshift64*: small, deterministic, good enough to pick who acts when.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that seeds 0, 1, 2 give unrelated streams (and never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// One scheduled act, before withdrawals and rotations are interleaved.
enum Event {
    New(u32),
    Revise(u32, u32),
    Endorse(u32, u32, u32),
}

type Fail = Box<dyn std::error::Error>;

/// Acts between two packs written: each act's objects stay in memory until then.
const ACTS_PER_PACK: u64 = 20_000;

/// Keeps every object the acts write in memory (libgit2's mempack, put in front of the loose
/// object files) and writes them out as one pack every [`ACTS_PER_PACK`] acts: a loose object
/// is a file of its own (create, write, rename) and an act writes about eight, which was most of
/// an act's time. The acts themselves still go through the library, gate included.
struct Packer<'o> {
    mempack: git2::Mempack<'o>,
    /// Acts done at the last flush.
    flushed: std::cell::Cell<u64>,
    /// The head written out by the last flush (none before the first).
    packed_head: std::cell::Cell<Option<git2::Oid>>,
}

impl<'o> Packer<'o> {
    fn new(odb: &'o git2::Odb<'o>) -> Result<Packer<'o>, Fail> {
        Ok(Packer {
            mempack: odb.add_new_mempack_backend(1000)?,
            flushed: std::cell::Cell::new(0),
            packed_head: std::cell::Cell::new(None),
        })
    }

    fn maybe_flush(
        &self,
        repo: &git2::Repository,
        odb: &git2::Odb<'_>,
        done: u64,
    ) -> Result<(), Fail> {
        if done >= self.flushed.get() + ACTS_PER_PACK {
            self.flush(repo, odb)?;
            self.flushed.set(done);
        }
        Ok(())
    }

    /// Writes the objects made since the last flush as a pack (indexed by libgit2, which hashes
    /// every object again), then forgets them: they are read from the pack from now on. The new
    /// objects are found from the commits, by descending only into trees whose id changed
    /// (libgit2's own dump walks every commit's whole tree, which grows with the ledger).
    fn flush(&self, repo: &git2::Repository, odb: &git2::Odb<'_>) -> Result<(), Fail> {
        use std::io::Write;
        let head = repo.refname_to_id("refs/heads/main")?;
        let mut pb = repo.packbuilder()?;
        let mut next = Some(head);
        while let Some(id) = next {
            if Some(id) == self.packed_head.get() {
                break;
            }
            let commit = repo.find_commit(id)?;
            pb.insert_object(id, None)?;
            let parent = commit.parent(0).ok();
            let old = parent.as_ref().map(|p| p.tree()).transpose()?;
            insert_new(repo, &mut pb, old.as_ref(), &commit.tree()?, "")?;
            next = parent.map(|p| p.id());
        }
        let mut buf = git2::Buf::new();
        pb.write_buf(&mut buf)?;
        drop(pb);
        let mut writer = odb.packwriter()?;
        writer.write_all(&buf)?;
        writer.commit()?;
        drop(writer);
        odb.refresh()?;
        self.mempack.reset()?;
        self.packed_head.set(Some(head));
        Ok(())
    }
}

/// Inserts `new` and everything under it that `old` (the same directory in the parent) does
/// not hold already.
fn insert_new(
    repo: &git2::Repository,
    pb: &mut git2::PackBuilder<'_>,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
    path: &str,
) -> Result<(), Fail> {
    if old.is_some_and(|o| o.id() == new.id()) {
        return Ok(());
    }
    pb.insert_object(new.id(), Some(path))?;
    for e in new.iter() {
        let name = e.name().unwrap_or_default();
        let before = old.and_then(|o| o.get_name(name).map(|b| (b.id(), b.kind())));
        if before.map(|b| b.0) == Some(e.id()) {
            continue;
        }
        let sub = format!("{path}{name}");
        if e.kind() == Some(git2::ObjectType::Tree) {
            let old_sub = match before {
                Some((id, Some(git2::ObjectType::Tree))) => Some(repo.find_tree(id)?),
                _ => None,
            };
            insert_new(
                repo,
                pb,
                old_sub.as_ref(),
                &repo.find_tree(e.id())?,
                &format!("{sub}/"),
            )?;
        } else {
            pb.insert_object(e.id(), Some(&sub))?;
        }
    }
    Ok(())
}

fn main() {
    // The generator reads back only objects it has just written itself (most from memory, see
    // Packer), so it skips libgit2's re-hashing of every object it reads: that was a fifth of
    // an act's time at 400 statements. What it builds is still judged in full afterwards (its
    // own verify, which turns the check back on first, or the benchmark's), with every
    // object's id checked against its content.
    git2::opts::strict_hash_verification(false);
    if let Err(e) = run(Args::parse()) {
        eprintln!("gen-ledger: error: {e}");
        std::process::exit(2);
    }
}

fn stmt_id(s: u32) -> String {
    format!("statement-{}", s + 1)
}

fn org_id(o: u32) -> String {
    format!("org-{o}")
}

fn text(s: u32, v: u32) -> Vec<u8> {
    let mut t = format!(
        "Joint statement {} on the protection of civic space\n\nWe, the undersigned organizations, \
         call on governments to protect the right to assemble, to associate and to speak freely, \
         online and offline.\n\n",
        s + 1
    );
    for i in 1..=v {
        t.push_str(&format!(
            "{i}. Laws that restrict civil society must be reviewed in public, with the people \
             they affect, before they are adopted (revision {i}).\n"
        ));
    }
    t.push_str("\nSigned,\n");
    t.into_bytes()
}

/// Endorsements per version of one statement: most on the last version, none above `cap`.
fn split(quota: u64, versions: u32, cap: u64) -> Vec<u64> {
    let weights: &[f64] = match versions {
        1 => &[1.0],
        2 => &[0.3, 0.7],
        _ => &[0.15, 0.2, 0.65],
    };
    let mut counts: Vec<u64> = weights
        .iter()
        .map(|w| (quota as f64 * w).floor() as u64)
        .collect();
    let given: u64 = counts.iter().sum();
    if let Some(last) = counts.last_mut() {
        *last += quota - given;
    }
    let mut spill = 0;
    for c in counts.iter_mut().rev() {
        if *c > cap {
            spill += *c - cap;
            *c = cap;
        }
    }
    for c in counts.iter_mut().rev() {
        let room = (cap - *c).min(spill);
        *c += room;
        spill -= room;
    }
    counts
}

fn load(path: &Path) -> Result<SigningKey, Fail> {
    Ok(SigningKey::load(path, &mut || Ok(None))?)
}

fn run(args: Args) -> Result<(), Fail> {
    let started = Instant::now();
    let start = undersigned::timefmt::parse_ms(&args.start).ok_or_else(|| {
        format!(
            "--start {:?} is not a time such as 2026-01-01T00:00:00.000Z",
            args.start
        )
    })?;
    let clock = Arc::new(FixedClock::at(start));
    let mut rng = Rng::new(args.seed);
    let (n_orgs, n_stmts, n_end) = (args.orgs, args.statements, args.endorsements);
    if n_orgs == 0 || n_stmts == 0 {
        return Err("--orgs and --statements must be at least 1".into());
    }
    let capacity = u64::from(n_orgs) * u64::from(n_stmts) * 3;
    if n_end > capacity {
        return Err(format!(
            "{n_end} endorsements need more organizations or statements: an organization endorses \
             a version once, statements have at most 3 versions here, so at most \
             orgs × statements × 3 = {capacity}"
        )
        .into());
    }
    let out = args.out.clone();
    if out.exists() {
        return Err(format!("{}: already exists", out.display()).into());
    }
    let mut kdir = out.as_os_str().to_owned();
    kdir.push("-keys");
    let kdir = PathBuf::from(kdir);
    if kdir.exists() {
        return Err(format!("{}: already exists", kdir.display()).into());
    }
    std::fs::create_dir_all(&kdir)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }

    // The plan: versions and endorsers of each statement, merged into one timeline.
    let cap = u64::from(n_orgs);
    let mut per_stmt: Vec<Vec<Event>> = Vec::new();
    for s in 0..n_stmts {
        let quota =
            n_end / u64::from(n_stmts) + u64::from(u64::from(s) < n_end % u64::from(n_stmts));
        let needed = quota.div_ceil(cap).max(1) as u32;
        let versions = (1 + rng.below(3) as u32).max(needed);
        let counts = split(quota, versions, cap);
        let mut events = vec![Event::New(s)];
        let mut pool: Vec<u32> = (0..n_orgs).collect();
        for (i, &c) in counts.iter().enumerate() {
            let v = i as u32 + 1;
            if v > 1 {
                events.push(Event::Revise(s, v));
            }
            // A fresh random subset of c organizations (partial Fisher-Yates).
            for k in 0..c as usize {
                let j = k + rng.below((pool.len() - k) as u64) as usize;
                pool.swap(k, j);
                events.push(Event::Endorse(s, v, pool[k]));
            }
        }
        events.reverse(); // popped from the end
        per_stmt.push(events);
    }
    let planned: usize = per_stmt.iter().map(Vec::len).sum();
    let n_withdraw = n_end / 20;
    let keyless: Vec<bool> = (0..n_orgs).map(|_| rng.chance(0.10)).collect();
    let keyed = keyless.iter().filter(|k| !**k).count() as u64;
    let n_rotate = (n_end / 100).min(keyed);
    let total_acts = u64::from(n_orgs) + 3 + planned as u64 + n_withdraw + n_rotate;

    // Genesis in a temporary work tree, then a bare clone in DIR.
    let editor_path = kdir.join("editor");
    keys::generate(&editor_path, "editor", None)?;
    let editor = load(&editor_path)?;
    let tmp = tempfile::tempdir_in(
        out.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )?;
    let first = tmp.path().join("ledger");
    let new = NewLedger {
        name: "Scale benchmark".into(),
        editor_id: "editor".into(),
        editor_name: "The Coordinator".into(),
    };
    let ledger_id = Ledger::init_with_clock(&first, &new, &editor, clock.as_ref())?;
    {
        let bare = git2::build::RepoBuilder::new()
            .bare(true)
            .clone(&first.to_string_lossy(), &out)?;
        bare.remote_delete("origin")?;
    }
    drop(tmp);
    // No background `git gc --auto` while the ledger is built (the objects are not on disk
    // yet, see Packer); the benchmark packs it once at the end.
    git2::Repository::open(&out)?
        .config()?
        .set_i64("gc.auto", 0)?;
    let ticking: Arc<dyn Clock> = clock.clone();
    let ledger = Ledger::open_with_clock(&out, ticking)?;
    let odb = ledger.store().repo().odb()?;
    let packer = Packer::new(&odb)?;

    let mut done: u64 = 0;
    let mut next_report = 1u64;
    let progress = |done: u64, next_report: &mut u64| {
        while *next_report <= 10 && done * 10 >= total_acts * *next_report {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "gen-ledger: {:3}% {done}/{total_acts} acts, {secs:.1} s, {:.0} acts/s",
                *next_report * 10,
                done as f64 / secs
            );
            *next_report += 1;
        }
    };

    // Organizations: about 10% without a key.
    let mut org_keys: Vec<Option<SigningKey>> = Vec::with_capacity(n_orgs as usize);
    let countries = ["SE", "DE", "FR", "KE", "BR", "IN", "US", "ZA", "PH", "MX"];
    for o in 0..n_orgs {
        let key = if keyless[o as usize] {
            None
        } else {
            Some(SigningKey::random_in_memory(&org_id(o))?)
        };
        let with_details = rng.chance(0.5);
        ledger.add_org(
            &NewOrg {
                id: org_id(o),
                name: format!("Organization number {o} for civic space"),
                url: with_details.then(|| format!("https://org-{o}.example.org")),
                country: with_details
                    .then(|| countries[rng.below(countries.len() as u64) as usize].to_string()),
                key: key.as_ref().map(SigningKey::public),
            },
            &editor,
        )?;
        org_keys.push(key);
        done += 1;
        clock.advance(1000);
        progress(done, &mut next_report);
        packer.maybe_flush(ledger.store().repo(), &odb, done)?;
    }
    let mut spares = Vec::new();
    for i in 1..=3 {
        let id = format!("spare-{i}");
        let public = keys::generate(&kdir.join(&id), &id, None)?;
        ledger.add_org(
            &NewOrg {
                id: id.clone(),
                name: format!("Spare organization {i}"),
                key: Some(public),
                ..NewOrg::default()
            },
            &editor,
        )?;
        spares.push(id);
        done += 1;
        clock.advance(1000);
        progress(done, &mut next_report);
    }

    // The timeline: statements interleaved at random (weighted by what each has left), a
    // withdrawal after every 20th endorsement and a rotation after every 100th on average.
    let mut remaining = planned as u64;
    let mut in_force: Vec<(u32, u32)> = Vec::new();
    let mut last_is_endorse: HashMap<(u32, u32), bool> = HashMap::new();
    let (mut endorsements, mut attested, mut withdrawals, mut rotations, mut versions) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let evidence = |o: u32, what: &str| format!("e-mail of org-{o}: we {what}").into_bytes();
    while remaining > 0 {
        let mut r = rng.below(remaining);
        let s = per_stmt
            .iter()
            .position(|e| {
                let n = e.len() as u64;
                if r < n {
                    true
                } else {
                    r -= n;
                    false
                }
            })
            .ok_or("plan exhausted")?;
        let event = per_stmt[s].pop().ok_or("plan exhausted")?;
        remaining -= 1;
        match event {
            Event::New(s) => {
                let title = format!("Joint statement {} on civic space", s + 1);
                ledger.new_statement(&stmt_id(s), &title, &text(s, 1), &editor)?;
                versions += 1;
            }
            Event::Revise(s, v) => {
                let note = format!("Adds point {v} after comments from signatories");
                let revision = Revision {
                    text: &text(s, v),
                    note: Some(&note),
                    ..Revision::default()
                };
                ledger.revise_statement(&stmt_id(s), &revision, &editor)?;
                versions += 1;
            }
            Event::Endorse(s, v, o) => {
                let outcome = match &org_keys[o as usize] {
                    Some(key) => ledger.sign(&stmt_id(s), &org_id(o), Some(v), key)?,
                    None => {
                        attested += 1;
                        ledger.attest(
                            &stmt_id(s),
                            &org_id(o),
                            Some(v),
                            &evidence(o, &format!("endorse version {v}")),
                            &editor,
                        )?
                    }
                };
                if !outcome.changed {
                    return Err(format!("endorsement not written: {}", outcome.message).into());
                }
                endorsements += 1;
                if last_is_endorse.insert((s, o), true) != Some(true) {
                    in_force.push((s, o));
                }
                if endorsements * n_withdraw / n_end.max(1)
                    > (endorsements - 1) * n_withdraw / n_end.max(1)
                {
                    // Withdraw an endorsement in force, chosen at random.
                    while !in_force.is_empty() {
                        let i = rng.below(in_force.len() as u64) as usize;
                        let (ws, wo) = in_force.swap_remove(i);
                        if last_is_endorse.get(&(ws, wo)) != Some(&true) {
                            continue;
                        }
                        let reason = Some("our board did not approve the revised text");
                        match &org_keys[wo as usize] {
                            Some(key) if !rng.chance(0.25) => {
                                ledger.withdraw(&stmt_id(ws), &org_id(wo), reason, None, key)?
                            }
                            _ => ledger.withdraw(
                                &stmt_id(ws),
                                &org_id(wo),
                                reason,
                                Some(&evidence(wo, "withdraw")),
                                &editor,
                            )?,
                        };
                        last_is_endorse.insert((ws, wo), false);
                        withdrawals += 1;
                        done += 1;
                        clock.advance(1000);
                        break;
                    }
                }
                if endorsements * n_rotate / n_end.max(1)
                    > (endorsements - 1) * n_rotate / n_end.max(1)
                {
                    // Rotate the key of an organization that has one.
                    loop {
                        let o = rng.below(u64::from(n_orgs)) as usize;
                        let Some(old) = &org_keys[o] else { continue };
                        let new = SigningKey::random_in_memory(&org_id(o as u32))?;
                        ledger.add_key(
                            &Principal::org(&org_id(o as u32)),
                            &new.public(),
                            None,
                            old,
                        )?;
                        org_keys[o] = Some(new);
                        rotations += 1;
                        done += 1;
                        clock.advance(1000);
                        break;
                    }
                }
            }
        }
        done += 1;
        clock.advance(1000);
        progress(done, &mut next_report);
        packer.maybe_flush(ledger.store().repo(), &odb, done)?;
    }
    let (people_endorsed, people_attested) =
        add_people(&ledger, &editor, &clock, &mut rng, args.people)?;
    endorsements += people_endorsed;
    attested += people_attested;
    packer.flush(ledger.store().repo(), &odb)?;
    let gen_secs = started.elapsed().as_secs_f64();

    let t = Instant::now();
    git2::opts::strict_hash_verification(true);
    let commits = if args.no_verify {
        let mut walk = ledger.store().repo().revwalk()?;
        walk.push_ref("refs/heads/main")?;
        walk.count() as u64
    } else {
        let report = verify(ledger.store(), &VerifyOptions::default())?;
        if !report.ok {
            for f in report.failures.iter().take(10) {
                eprintln!(
                    "gen-ledger: failure: {} {} {}: {}",
                    f.commit,
                    f.path.as_deref().unwrap_or("-"),
                    f.rule,
                    f.reason
                );
            }
            return Err(format!(
                "the generated ledger does not verify ({} failures)",
                report.failures.len()
            )
            .into());
        }
        assert_eq!(report.endorsements, endorsements, "endorsements counted");
        assert_eq!(report.withdrawals, withdrawals, "withdrawals counted");
        report.commits
    };
    let verify_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "gen-ledger: done: {} commits, {endorsements} endorsements ({attested} attested), \
         {withdrawals} withdrawals, {rotations} rotations, {} organizations, {versions} versions, \
         {gen_secs:.1} s, {:.0} acts/s; {}",
        commits,
        n_orgs + 3,
        (commits - 1) as f64 / gen_secs,
        if args.no_verify {
            "not verified (--no-verify)".to_string()
        } else {
            format!("verify ok in {verify_secs:.2} s")
        },
    );
    println!("ledger={}", out.display());
    println!("ledger_id={ledger_id}");
    println!("keys={}", kdir.display());
    println!(
        "statements={}",
        (0..n_stmts).map(stmt_id).collect::<Vec<_>>().join(" ")
    );
    println!("spares={}", spares.join(" "));
    println!("commits={commits}");
    println!("endorsements={endorsements}");
    println!("withdrawals={withdrawals}");
    println!("rotations={rotations}");
    println!("people={}", args.people);
    println!("gen_seconds={gen_secs:.3}");
    println!("acts_per_second={:.1}", (commits - 1) as f64 / gen_secs);
    Ok(())
}
