//! The commands of many hands: clone, sync, the mail flow (request, sign --request, accept)
//! and the server hook.

use super::input::read_input;
use super::out::report;
use super::read::parse_trust;
use super::{passphrase, short, Ctx, Done, KeyArg};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use undersigned::clock::{Clock, SystemClock};
use undersigned::error::InputKind;
use undersigned::report::{formats, RequestSummary, RequestsWritten, SignedSummary};
use undersigned::text::{escape_line, escape_text};
use undersigned::{hook, mail, sync, Error};

#[derive(Args)]
pub struct CloneArgs {
    /// Where the shared copy is: a path, file://, git://, ssh:// or https:// (as git takes it).
    url: String,
    /// New directory for the clone (must not exist, or be empty).
    dir: PathBuf,
    /// The ledger id (genesis commit) to accept; any other genesis is refused.
    #[arg(long, value_name = "LEDGER_ID")]
    trust: Option<String>,
    /// A bare clone, without a work tree: acts then cost the same on a ledger of any size
    /// (git's index lists every file of a work tree, and each act reads and writes it whole).
    #[arg(long)]
    bare: bool,
}

#[derive(Args)]
pub struct SyncArgs {
    /// The remote to exchange with.
    #[arg(default_value = "origin")]
    remote: String,
    /// Key for unpublished acts this clone does not remember a key file for.
    #[arg(long, env = "UNDERSIGNED_KEY", value_name = "FILE")]
    key: Option<PathBuf>,
    /// Fetch-and-push rounds before giving up when other clones keep pushing first.
    #[arg(long, default_value_t = sync::DEFAULT_TRIES)]
    tries: u32,
    /// An editor's key: when the log grew past its latest checkpoint, sign a checkpoint of the
    /// synced head and publish it too (without it, sync never signs anything of its own).
    #[arg(long, value_name = "FILE")]
    checkpoint_key: Option<PathBuf>,
}

#[derive(Args)]
pub struct RequestArgs {
    /// Statement slug.
    stmt: String,
    /// Version to request signatures for (default: the current one).
    #[arg(long, conflicts_with = "stale")]
    version: Option<u32>,
    /// Make the request for this organization: -o DIR then gets request.json, the exact
    /// payload it signs, text.txt and HOW-TO-SIGN.txt, so that `ssh-keygen -Y sign` alone can
    /// sign it. Without --org, any organization signs the request with `sign --request`.
    #[arg(long, conflicts_with = "stale")]
    org: Option<String>,
    /// Make the request for this individual, as --org does for an organization.
    #[arg(long, conflicts_with_all = ["stale", "org"])]
    person: Option<String>,
    /// One request for each organization whose endorsement is stale (of an older version
    /// only), for the current version, each in -o DIR/<org>/.
    #[arg(long, requires = "output")]
    stale: bool,
    /// Write the request here: a file, or with --org or --stale a directory (default: the
    /// request on standard output).
    #[arg(short = 'o', long, value_name = "FILE|DIR")]
    output: Option<PathBuf>,
    /// An editor's key: every request is signed by the editor who makes it.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct AcceptArgs {
    /// The endorsement record the organization sent back (`sign --request … -o FILE`).
    #[arg(required_unless_present = "request", conflicts_with = "request")]
    endorsement: Option<PathBuf>,
    /// The request made for the organization (`request --org ORG -o DIR` wrote
    /// DIR/request.json), when it signed with ssh-keygen: give its signature with --signature.
    #[arg(long, value_name = "FILE", requires = "signature")]
    request: Option<PathBuf>,
    /// The signature the organization made with `ssh-keygen -Y sign -n undersigned -f KEY
    /// payload` (payload.sig).
    #[arg(long, value_name = "FILE", requires = "request")]
    signature: Option<PathBuf>,
    /// An editor's key: the editor commits the organization's record.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Subcommand)]
pub enum HookCommand {
    /// Install a pre-receive hook in a bare repository: pushes that do not verify are refused.
    Install {
        /// The bare repository the coalition pushes to.
        bare: PathBuf,
        /// The ledger id to enforce (default: the genesis of the repository's main, or of the
        /// first push when it is empty).
        #[arg(long, value_name = "LEDGER_ID")]
        trust: Option<String>,
    },
    /// What the installed hook runs (reads git's update lines on standard input).
    #[command(hide = true)]
    PreReceive {
        #[arg(long, value_name = "LEDGER_ID")]
        trust: Option<String>,
    },
}

pub fn clone(ctx: &Ctx, a: CloneArgs) -> anyhow::Result<Done> {
    let trust = a.trust.as_deref().map(parse_trust).transpose()?;
    let (bar, progress) = super::out::Bar::new(ctx.interactive());
    let r = sync::clone(&a.url, &a.dir, trust, a.bare, progress.as_ref());
    drop(bar);
    let r = r?;
    if trust.is_none() && !ctx.json {
        eprintln!(
            "undersigned: warning: no --trust given: this clone trusts ledger {} on first use; check that id with the coalition and pin it with `--trust {}`",
            r.ledger_id, r.ledger_id
        );
    }
    ctx.emit(&r, || {
        format!(
            "Cloned ledger {} into {}: {} commits verified, head {}\n",
            r.ledger_id,
            r.dir,
            r.commits,
            short(&r.head)
        )
    })?;
    Ok(Done::Ok)
}

pub fn sync(ctx: &Ctx, a: SyncArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let mut ask = |p: &Path| passphrase(p);
    let mut keys = sync::Keys {
        fallback: a.key,
        passphrase: &mut ask,
    };
    let checkpoint_key = a
        .checkpoint_key
        .as_ref()
        .map(|p| undersigned::keys::SigningKey::load(p, &mut || passphrase(p)))
        .transpose()?;
    let (bar, progress) = super::out::Bar::new(ctx.interactive());
    let r = sync::sync(&ledger, &a.remote, &mut keys, a.tries, progress.as_ref());
    drop(bar);
    let mut r = r?;
    if let Some(key) = &checkpoint_key {
        let made = ledger.checkpoint(key)?;
        if made.changed {
            let again = sync::sync(&ledger, &a.remote, &mut keys, a.tries, None)?;
            r.head = again.head;
            r.checkpoint = Some(format!(
                "{} {}",
                made.commit.as_deref().map(short).unwrap_or(""),
                made.message
            ));
        }
    }
    ctx.emit(&r, || {
        let mut out = format!(
            "Synced with {}: received {} commit(s), published {} act(s), head {}",
            r.remote,
            r.received,
            r.published,
            short(&r.head)
        );
        if r.tries > 1 {
            out.push_str(&format!(" ({} rounds: other clones pushed first)", r.tries));
        }
        out.push('\n');
        for d in &r.dropped {
            out.push_str(&format!("  dropped: {d}\n"));
        }
        if let Some(c) = &r.checkpoint {
            out.push_str(&format!("  checkpoint: {c}, published\n"));
        }
        for v in &r.new_versions {
            let see = if v.version > 1 {
                format!(
                    "; see what changed with `undersigned statement diff {} {} {}`",
                    v.statement,
                    v.version - 1,
                    v.version
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "  arrived: {} version {}: {} (text sha256 {}, commit {}){see}\n",
                v.statement,
                v.version,
                escape_line(&v.title),
                v.text_sha256,
                short(&v.commit),
            ));
        }
        for st in &r.now_stale {
            out.push_str(&format!(
                "  now stale: {}/{} endorses version {} of {}, the current version is {}\n",
                st.kind.as_str(),
                st.org,
                st.endorsed,
                st.statement,
                st.current
            ));
        }
        for p in &r.republished {
            out.push_str(&format!(
                "  your act {} is now {} ({})\n",
                short(&p.old),
                short(&p.new),
                escape_line(&p.act)
            ));
        }
        out
    })?;
    Ok(Done::Ok)
}

pub fn request(ctx: &Ctx, a: RequestArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    if a.stale {
        return request_stale(ctx, &ledger, &a, &key);
    }
    let who = match (&a.org, &a.person) {
        (None, None) => None,
        (o, p) => Some(super::acts::signatory(o.as_deref(), p.as_deref())?),
    };
    let req = mail::request(&ledger, &a.stmt, a.version, who.as_ref(), &key)?;
    match (&a.output, &who) {
        (None, _) => {
            super::out::put(request_json(&req)?.as_bytes())?;
        }
        (Some(path), None) => {
            write_new(path, request_json(&req)?.as_bytes())?;
            let summary = summary_of(&req, path, None, None);
            ctx.emit(&summary, || {
                format!(
                    "Wrote the signing request for {} version {} (text sha256 {}), signed by {} ({}), to {}\n",
                    req.statement,
                    req.version,
                    req.text_sha256,
                    req.editor,
                    req.editor_fingerprint(),
                    path.display()
                )
            })?;
        }
        (Some(dir), Some(org)) => {
            let summary = write_request_dir(&ledger, &req, dir)?;
            ctx.emit(&summary, || {
                format!(
                    "Wrote a signing request for {org}, {} version {} (text sha256 {}), to {}:\n  send the directory to the signatory; it signs with `ssh-keygen -Y sign -n undersigned -f KEY payload` (see HOW-TO-SIGN.txt) or `undersigned sign --request request.json`,\n  then: undersigned accept --request {} --signature {} --key EDITOR_KEY\n",
                    req.statement,
                    req.version,
                    req.text_sha256,
                    dir.display(),
                    dir.join("request.json").display(),
                    dir.join("payload.sig").display(),
                )
            })?;
        }
    }
    Ok(Done::Ok)
}

fn request_json(req: &mail::Request) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(req)?;
    text.push('\n');
    Ok(text)
}

fn summary_of(
    req: &mail::Request,
    output: &Path,
    payload: Option<&Path>,
    how_to: Option<&Path>,
) -> RequestSummary {
    RequestSummary {
        format: formats::REQUEST_SUMMARY.into(),
        output: output.display().to_string(),
        ledger: req.ledger.clone(),
        statement: req.statement.clone(),
        version: req.version,
        text_sha256: req.text_sha256.clone(),
        org: req.org.clone(),
        person: req.person.clone(),
        editor: req.editor.clone(),
        editor_key: req.editor_fingerprint(),
        payload: payload.map(|p| p.display().to_string()),
        how_to_sign: how_to.map(|p| p.display().to_string()),
    }
}

/// Writes a request made for one organization into `dir`: request.json, payload (the exact
/// bytes it signs), text.txt (the text, to read and hash with stock tools) and HOW-TO-SIGN.txt.
/// Refuses to replace any of them: a request someone may already have signed stays as it was.
fn write_request_dir(
    ledger: &undersigned::Ledger,
    req: &mail::Request,
    dir: &Path,
) -> anyhow::Result<RequestSummary> {
    let who = req
        .for_whom()
        .ok_or_else(|| anyhow::anyhow!("the request names no organization or individual"))?;
    let payload = req
        .payload()
        .ok_or_else(|| anyhow::anyhow!("the request names no organization or individual"))?;
    let (name, key) = name_and_key(ledger, &who)?;
    let mut files = vec![
        ("request.json".to_string(), request_json(req)?.into_bytes()),
        ("payload".to_string(), payload),
        ("text.txt".to_string(), req.text.clone().into_bytes()),
        (
            "HOW-TO-SIGN.txt".to_string(),
            mail::how_to_sign(req, &name, &key).into_bytes(),
        ),
        // payload.sig is what the signatory writes: refuse a directory where one lies.
    ];
    // Each translation beside the original, to read and hash with stock tools too.
    for t in &req.translations {
        files.push((format!("text.{}.txt", t.lang), t.text.clone().into_bytes()));
    }
    for (f, _) in files
        .iter()
        .map(|(f, b)| (f.as_str(), b))
        .chain([("payload.sig", &Vec::new())])
    {
        let p = dir.join(f);
        if p.exists() {
            return Err(Error::OutputExists { path: p }.into());
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        context: format!("{}: creating the directory", dir.display()),
        source: e,
    })?;
    for (f, bytes) in &files {
        write_new(&dir.join(f), bytes)?;
    }
    Ok(summary_of(
        req,
        &dir.join("request.json"),
        Some(&dir.join("payload")),
        Some(&dir.join("HOW-TO-SIGN.txt")),
    ))
}

/// A signatory's display name and the fingerprint of its key in force, at the head.
fn name_and_key(
    ledger: &undersigned::Ledger,
    who: &undersigned::ids::Principal,
) -> anyhow::Result<(String, String)> {
    let repo = ledger.store().repo();
    let head = ledger.store().head()?.ok_or(Error::EmptyHistory)?;
    let tree = repo.find_commit(head)?.tree()?;
    let view = undersigned::view::View {
        repo,
        tree: &tree,
        commit: head,
    };
    let name = match who.role {
        undersigned::ids::Role::Person => view.person(&who.id)?.map(|p| p.name),
        _ => view.org(&who.id)?.map(|o| o.name),
    }
    .unwrap_or_else(|| who.id.clone());
    let key = view
        .current_key(&undersigned::layout::principal_dir(who))?
        .map(|k| k.fingerprint)
        .unwrap_or_default();
    Ok((name, key))
}

/// `request STMT --stale -o DIR`: one request per stale organization, in DIR/<org>/.
fn request_stale(
    ctx: &Ctx,
    ledger: &undersigned::Ledger,
    a: &RequestArgs,
    key: &undersigned::keys::SigningKey,
) -> anyhow::Result<Done> {
    let dir = a.output.clone().unwrap_or_default();
    let (_, replay) = super::read::load(ctx, true)?;
    let status = undersigned::inventory::status(&replay.state, &a.stmt, &replay.report.head)?;
    let mut requests = Vec::new();
    let mut without_key = Vec::new();
    // Organizations in DIR/<org>/, individuals in DIR/people/<id>/ (their slugs may be the same).
    let stale = status
        .stale
        .iter()
        .map(|s| (undersigned::ids::Principal::org(&s.org), dir.join(&s.org)))
        .chain(status.individuals.stale.iter().map(|s| {
            (
                undersigned::ids::Principal::person(&s.org),
                dir.join("people").join(&s.org),
            )
        }));
    for (who, at) in stale {
        let has_key = replay
            .state
            .principal(&who)
            .and_then(|o| o.current_key())
            .is_some();
        if !has_key {
            without_key.push(match who.role {
                undersigned::ids::Role::Person => who.to_string(),
                _ => who.id.clone(),
            });
            continue;
        }
        let req = mail::request(ledger, &a.stmt, None, Some(&who), key)?;
        requests.push(write_request_dir(ledger, &req, &at)?);
    }
    let out = RequestsWritten {
        format: formats::REQUESTS.into(),
        statement: a.stmt.clone(),
        version: status.current_version,
        requests,
        without_key,
    };
    ctx.emit(&out, || {
        let mut text = format!(
            "{} signatory(ies) endorse an older version of {} than version {}; wrote {} request(s) under {}\n",
            status.stale.len() + status.individuals.stale.len(),
            a.stmt,
            status.current_version,
            out.requests.len(),
            dir.display()
        );
        for r in &out.requests {
            let who = match (&r.org, &r.person) {
                (_, Some(p)) => format!("person/{p}"),
                (o, None) => format!("org/{}", o.as_deref().unwrap_or("")),
            };
            text.push_str(&format!(
                "  {who}: {}\n",
                Path::new(&r.output)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ));
        }
        for o in &out.without_key {
            let o = if o.contains('/') { o.clone() } else { format!("org/{o}") };
            text.push_str(&format!(
                "  {o}: no key in force, so no request; an editor can record its consent with `undersigned attest`\n"
            ));
        }
        text
    })?;
    Ok(Done::Ok)
}

/// What an organization pins a request to (`sign --request --trust … --editor-fingerprint …`).
pub struct Pins {
    /// The ledger id it expects.
    pub ledger: Option<git2::Oid>,
    /// The editor key fingerprint it expects.
    pub editor: Option<String>,
}

/// `sign --request`: the organization's side of the mail flow; needs no ledger. The request's
/// signature is checked before anything of it is shown, and the passphrase is asked only once
/// the person said yes to the text.
pub fn sign_request(
    ctx: &Ctx,
    request: &Path,
    who: Option<&undersigned::ids::Principal>,
    key: &KeyArg,
    output: &Path,
    yes: bool,
    pins: &Pins,
) -> anyhow::Result<Done> {
    let bytes = read_input(request, InputKind::Request, 4 * 1024 * 1024)?;
    let req = mail::read_request(&bytes, &request.display().to_string())?;
    if let Some(id) = pins.ledger.filter(|id| id.to_string() != req.ledger) {
        return Err(Error::RequestNotTrusted {
            what: "for ledger",
            found: req.ledger.clone(),
            expected: id.to_string(),
        }
        .into());
    }
    let editor_fp = req.editor_fingerprint();
    if let Some(fp) = pins.editor.as_deref().filter(|fp| *fp != editor_fp) {
        return Err(Error::RequestNotTrusted {
            what: "signed by editor key",
            found: editor_fp.clone(),
            expected: fp.to_string(),
        }
        .into());
    }
    let org = match (who, req.for_whom()) {
        (Some(w), _) => w.clone(),
        (None, Some(w)) => w,
        (None, None) => anyhow::bail!(
            "--org: this request is for any signatory; say who signs with --org ORG or --person ID"
        ),
    };
    if let Some(for_whom) = req.for_whom().filter(|w| *w != org) {
        return Err(Error::OtherOrg {
            requested: for_whom.to_string(),
            given: org.to_string(),
        }
        .into());
    }
    // Said before anything is asked: a key the request does not name, or a file in the way.
    if let Ok(public) = undersigned::keys::SigningKey::public_of_any_file(key.path()) {
        mail::check_signing_key(&req, &org, &public.fingerprint)
            .map_err(|e| with_key_path(e, key.path()))?;
    }
    if std::fs::symlink_metadata(output).is_ok() {
        return Err(Error::OutputExists {
            path: output.to_path_buf(),
        }
        .into());
    }
    // Everything shown comes from the request: escaped, so it cannot rewrite the terminal.
    eprintln!(
        "Requested by {} ({}) for ledger {} ({})\n  The signature on the request is good: it is as that key signed it. Check that ledger id and\n  that fingerprint with the coalition (its statement page): a request cannot prove who holds the key.\n\nStatement: {} version {}: {}\n\n{}\n\ntext sha256 {}\n",
        escape_line(&req.editor),
        escape_line(&editor_fp),
        escape_line(&req.ledger),
        escape_line(&req.ledger_name),
        escape_line(&req.statement),
        req.version,
        escape_line(&req.title),
        escape_text(req.text.trim_end()),
        escape_line(&req.text_sha256)
    );
    for (t, text) in req.texts.iter().skip(1).zip(&req.translations) {
        eprintln!(
            "Translation {} (the endorsement signs it too):\n\n{}\n\n{} sha256 {}\n",
            escape_line(&t.lang),
            escape_text(text.text.trim_end()),
            escape_line(&t.lang),
            escape_line(&t.text_sha256)
        );
    }
    if !yes {
        if !super::can_ask() {
            anyhow::bail!(
                "no terminal to confirm on: read the text above and pass --yes to sign it; nothing was written"
            );
        }
        let fingerprint = undersigned::keys::SigningKey::public_of_any_file(key.path())
            .map(|k| k.fingerprint)
            .unwrap_or_else(|_| key.path().display().to_string());
        let q = format!("Sign this exact text as {org} with key {fingerprint}?");
        if !super::out::confirm(&q)? {
            anyhow::bail!("not signed; nothing was written");
        }
    }
    let key = key.load()?;
    let rec = mail::sign_request(&req, &org, &key, SystemClock.now_ms())
        .map_err(|e| with_key_path(e, key.path()))?;
    write_new(output, &undersigned::record::encode(&rec))?;
    let summary = SignedSummary {
        format: formats::SIGNED.into(),
        output: output.display().to_string(),
        ledger: rec.ledger.clone(),
        statement: rec.statement.clone(),
        version: rec.version,
        org: rec.signatory_id().to_string(),
        kind: undersigned::audit::kind_of(&org),
        text_sha256: rec.text_sha256.clone(),
        key: rec.key.clone(),
    };
    ctx.emit(&summary, || {
        format!(
            "Signed version {} of {} as {org} (text sha256 {}); send {} to the coordinator\n",
            req.version,
            req.statement,
            req.text_sha256,
            output.display()
        )
    })?;
    Ok(Done::Ok)
}

pub fn accept(ctx: &Ctx, a: AcceptArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let rec = match (&a.endorsement, &a.request, &a.signature) {
        (Some(file), _, _) => {
            let bytes = read_input(file, InputKind::Endorsement, 1024 * 1024)?;
            mail::read_endorsement(&bytes, &file.display().to_string())?
        }
        (None, Some(request), Some(signature)) => {
            let bytes = read_input(request, InputKind::Request, 4 * 1024 * 1024)?;
            let req = mail::read_request(&bytes, &request.display().to_string())?;
            let repo = ledger.store().repo();
            let head = ledger.store().head()?.ok_or(Error::EmptyHistory)?;
            let tree = repo.find_commit(head)?.tree()?;
            let view = undersigned::view::View {
                repo,
                tree: &tree,
                commit: head,
            };
            if req.ledger == ledger.ledger_id()?.to_string() {
                mail::check_request_editor(&view, &req)?;
            }
            let sig = read_input(signature, InputKind::Signature, 64 * 1024)?;
            mail::record_from_signature(&req, &sig, &signature.display().to_string())?
        }
        _ => anyhow::bail!("give the endorsement file, or --request and --signature"),
    };
    let key = a.key.load()?;
    report(ctx, &ledger.accept(&rec, &key)?)
}

pub fn hook(ctx: &Ctx, c: HookCommand) -> anyhow::Result<Done> {
    match c {
        HookCommand::Install { bare, trust } => {
            let trust = trust.as_deref().map(parse_trust).transpose()?;
            let exe = std::env::current_exe()?;
            let exe = exe.canonicalize().unwrap_or(exe);
            let r = hook::install(&bare, trust, &exe)?;
            ctx.emit(&r, || {
                format!(
                    "Installed {}: pushes to main must verify{}\n",
                    r.hook,
                    match &r.trust {
                        Some(t) => format!(" as ledger {t}"),
                        None => " (the first ledger pushed is then pinned)".into(),
                    }
                )
            })?;
            Ok(Done::Ok)
        }
        HookCommand::PreReceive { trust } => {
            let trust = trust.as_deref().map(parse_trust).transpose()?;
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
            let updates = hook::parse_updates(&input)?;
            let now = SystemClock.now_ms().div_euclid(1000);
            let failures = hook::pre_receive(Path::new("."), &updates, trust, now)?;
            if failures.is_empty() {
                return Ok(Done::Ok);
            }
            eprintln!(
                "undersigned: push refused: {} rule(s) broken",
                failures.len()
            );
            for f in &failures {
                let path = f
                    .path
                    .as_deref()
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default();
                eprintln!(
                    "undersigned:   commit {}{}: {} [{}]",
                    f.commit,
                    escape_line(&path),
                    escape_line(&f.reason),
                    f.rule
                );
            }
            Ok(Done::VerificationFailed)
        }
    }
}

/// Writes a new file whole; an existing one (a key file, say) is refused, not replaced.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    undersigned::files::create_new(path, bytes, 0o644).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::OutputExists {
            path: path.to_path_buf(),
        },
        _ => Error::Io {
            context: format!("{}: writing", path.display()),
            source: e,
        },
    })
}

/// Writes a file whole, replacing one that is there (a receipt being updated, a cosigned
/// checkpoint for mail): a reader sees the old file or the new one, never half of one.
pub(super) fn write_new_or_replace(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    undersigned::files::write_atomic_mode(path, bytes, 0o644).map_err(|e| Error::Io {
        context: format!("{}: writing", path.display()),
        source: e,
    })
}

/// A wrong-key error of the library, which checks fingerprints, named by the key file given.
fn with_key_path(e: Error, file: &Path) -> Error {
    match e {
        Error::WrongKey {
            fingerprint,
            expected,
            why,
            ..
        } => Error::WrongKey {
            path: file.to_path_buf(),
            fingerprint,
            expected,
            why,
        },
        other => other,
    }
}
