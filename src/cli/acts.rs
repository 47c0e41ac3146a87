//! The commands that write acts: init, editor, org, statement, sign, attest, withdraw.

use super::input::read_input;
use super::out::report;
use super::{short, Ctx, Done, KeyArg};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use undersigned::error::InputKind;
use undersigned::ids::Principal;
use undersigned::keys::PublicKeyInfo;
use undersigned::report::InitOutput;
use undersigned::{Error, Ledger, NewLedger, NewOrg, Revision};

#[derive(Args)]
pub struct InitArgs {
    /// Name of the ledger (the coalition or campaign).
    #[arg(long)]
    name: String,
    /// Slug of the first editor.
    #[arg(long, default_value = "coordinator")]
    editor: String,
    /// Display name of the first editor (default: the slug).
    #[arg(long)]
    editor_name: Option<String>,
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Subcommand)]
pub enum EditorCommand {
    /// Move an editor to a new key (signed by its current key, or by another editor with --reason).
    RotateKey(RotateArgs),
    /// Revoke an editor's key.
    RevokeKey(RevokeArgs),
    /// Remove an editor (never the last one).
    Remove {
        /// Editor slug.
        id: String,
        /// Why (published in the ledger).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Add an editor with its public key.
    Add {
        /// Editor slug.
        id: String,
        /// Public key: a file such as key.pub, or the line `ssh-ed25519 AAAA…`.
        #[arg(long, value_name = "FILE_OR_LINE")]
        pubkey: String,
        /// Display name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        key: KeyArg,
    },
}

/// Key lifecycle arguments shared by editors, organizations and individuals.
#[derive(Args)]
pub struct RotateArgs {
    /// Slug of the editor or organization.
    id: String,
    /// The new public key: a file such as key.pub, or the line `ssh-ed25519 AAAA…`.
    #[arg(long, value_name = "FILE_OR_LINE")]
    pubkey: String,
    /// Why (required when an editor replaces another's key in force, e.g. a lost key).
    #[arg(long)]
    reason: Option<String>,
    /// The current key of the principal itself, or an editor's key.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct RevokeArgs {
    /// Slug of the editor or organization.
    id: String,
    /// Fingerprint of the key to revoke (`SHA256:…`, as `undersigned key show` prints it).
    #[arg(long)]
    fingerprint: String,
    /// Why (published in the ledger).
    #[arg(long)]
    reason: String,
    /// The principal's own key in force, or an editor's key.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// List the registered organizations, with their keys in force.
    List,
    /// Register an organization (with its public key, or without one for attested consent).
    Add {
        /// Organization slug: lowercase letters, digits and '-', 1 to 64.
        org: String,
        /// Display name as published.
        #[arg(long)]
        name: String,
        /// Public key: a file such as key.pub, or the line `ssh-ed25519 AAAA…`.
        #[arg(long, value_name = "FILE_OR_LINE")]
        pubkey: Option<String>,
        /// Web site.
        #[arg(long)]
        url: Option<String>,
        /// ISO 3166 two-letter country code.
        #[arg(long)]
        country: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Move an organization to a new key (signed by its current key, or by an editor with --reason).
    RotateKey(RotateArgs),
    /// Revoke an organization's key: what it signs from now on fails verification.
    RevokeKey(RevokeArgs),
    /// Register the key of an organization registered without one (or whose key was revoked).
    AddKey {
        /// Organization slug.
        org: String,
        /// Public key file or line.
        #[arg(long, value_name = "FILE_OR_LINE")]
        pubkey: String,
        #[command(flatten)]
        key: KeyArg,
    },
}

#[derive(Subcommand)]
pub enum StatementCommand {
    /// List the statements, each with its current version and who stands where.
    List,
    /// A word diff between two versions of a statement.
    Diff {
        /// Statement slug.
        stmt: String,
        /// The older version.
        from: u32,
        /// The newer version.
        to: u32,
    },
    /// Create a statement: version 1, in one language or several.
    New {
        /// Statement slug.
        stmt: String,
        /// Title.
        #[arg(long)]
        title: String,
        #[command(flatten)]
        texts: super::statements::TextArgs,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Revise a statement: version n+1 (its translations are given anew, or left out).
    Revise {
        /// Statement slug.
        stmt: String,
        #[command(flatten)]
        texts: super::statements::TextArgs,
        /// Why it was revised.
        #[arg(long)]
        note: Option<String>,
        /// New title (default: unchanged).
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Add a translation to the current version, as a new version (endorsements of the
    /// current one become stale: an endorsement signs every text of its version).
    Translate(super::statements::TranslateArgs),
    /// Close sign-on: no endorsement can be committed until it is opened again (withdrawals
    /// still can).
    Close(super::statements::CloseArgs),
    /// Open sign-on again, or announce a deadline (shown by `status`, not enforced).
    Open(super::statements::OpenArgs),
}

#[derive(Args)]
pub struct SignArgs {
    /// Statement slug.
    #[arg(required_unless_present = "request")]
    stmt: Option<String>,
    /// The endorsing organization (with --request: default, the one the request names).
    #[arg(long, required_unless_present_any = ["request", "person"])]
    org: Option<String>,
    /// The endorsing individual, signing in their own name (instead of --org).
    #[arg(long, conflicts_with = "org")]
    person: Option<String>,
    /// Version to endorse (default: the current one).
    #[arg(long, conflicts_with = "request")]
    version: Option<u32>,
    /// Sign a request the coordinator sent (`undersigned request`), without a ledger; the
    /// text is shown and the signed record written to --output.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "stmt",
        requires = "output"
    )]
    request: Option<PathBuf>,
    /// Where `--request` writes the signed endorsement record.
    #[arg(short = 'o', long, value_name = "FILE", requires = "request")]
    output: Option<PathBuf>,
    /// Sign without showing the text and asking first (with --request and no terminal, it is
    /// required: nobody could have read the text).
    #[arg(long)]
    yes: bool,
    /// With --request: refuse a request for another ledger than this id.
    #[arg(long, value_name = "LEDGER_ID", requires = "request")]
    trust: Option<String>,
    /// With --request: refuse a request not signed by the editor key with this fingerprint
    /// (`SHA256:…`, as the coalition publishes it).
    #[arg(long, value_name = "FINGERPRINT", requires = "request")]
    editor_fingerprint: Option<String>,
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct AttestArgs {
    /// Statement slug.
    stmt: String,
    #[command(flatten)]
    who: Signatory,
    /// The evidence (e-mail, form export); only its sha256 enters the ledger.
    #[arg(long, value_name = "FILE")]
    evidence: PathBuf,
    /// Version endorsed (default: the current one).
    #[arg(long)]
    version: Option<u32>,
    #[command(flatten)]
    key: KeyArg,
}

/// An organization (`--org`) or an individual (`--person`): exactly one.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct Signatory {
    /// The organization.
    #[arg(long)]
    org: Option<String>,
    /// The individual.
    #[arg(long)]
    person: Option<String>,
}

impl Signatory {
    /// The principal named.
    pub fn principal(&self) -> Result<Principal, Error> {
        signatory(self.org.as_deref(), self.person.as_deref())
    }
}

/// The signatory named by `--org` or `--person`, checked as a slug.
pub fn signatory(org: Option<&str>, person: Option<&str>) -> Result<Principal, Error> {
    match (org, person) {
        (_, Some(p)) => principal("individual", p),
        (Some(o), None) => principal("organization", o),
        (None, None) => Err(Error::BadId {
            kind: "signatory",
            id: String::new(),
        }),
    }
}

#[derive(Args)]
pub struct WithdrawArgs {
    /// Statement slug.
    stmt: String,
    #[command(flatten)]
    who: Signatory,
    /// Why (published in the ledger).
    #[arg(long)]
    reason: Option<String>,
    /// Evidence, when an editor records the withdrawal on the organization's behalf.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArg,
}

/// Largest evidence file taken (only its sha256 enters the ledger).
const MAX_EVIDENCE_BYTES: u64 = 64 * 1024 * 1024;

pub fn init(ctx: &Ctx, a: InitArgs) -> anyhow::Result<Done> {
    let key = a.key.load()?;
    let editor_name = a.editor_name.unwrap_or_else(|| a.editor.clone());
    let new = NewLedger {
        name: a.name,
        editor_id: a.editor.clone(),
        editor_name,
    };
    let dir = ctx.init_dir();
    let id = Ledger::init(&dir, &new, &key)?;
    let out = InitOutput {
        format: undersigned::report::formats::INIT.into(),
        ledger_id: id.to_string(),
        ledger: dir.display().to_string(),
        editor: format!("editor/{}", a.editor),
    };
    ctx.emit(&out, || format!("{id}\n"))?;
    if !ctx.json {
        eprintln!(
            "Created ledger {} in {}; this id is the ledger id that verifiers pin with --trust.",
            id,
            dir.display()
        );
    }
    Ok(Done::Ok)
}

impl RotateArgs {
    /// The principal's slug.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl RevokeArgs {
    /// The principal's slug.
    pub fn id(&self) -> &str {
        &self.id
    }
}

pub(super) fn rotate(ctx: &Ctx, who: Principal, a: RotateArgs) -> anyhow::Result<Done> {
    let public = PublicKeyInfo::from_file_or_line(&a.pubkey)?;
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.add_key(&who, &public, a.reason.as_deref(), &key)?,
    )
}

pub(super) fn revoke(ctx: &Ctx, who: Principal, a: RevokeArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.revoke_key(&who, &a.fingerprint, &a.reason, &key)?,
    )
}

pub(super) fn principal(kind: &'static str, id: &str) -> Result<Principal, Error> {
    undersigned::ids::check_slug(kind, id)?;
    Ok(match kind {
        "editor" => Principal::editor(id),
        "individual" => Principal::person(id),
        _ => Principal::org(id),
    })
}

pub fn editor(ctx: &Ctx, c: EditorCommand) -> anyhow::Result<Done> {
    match c {
        EditorCommand::RotateKey(a) => rotate(ctx, principal("editor", &a.id)?, a),
        EditorCommand::RevokeKey(a) => revoke(ctx, principal("editor", &a.id)?, a),
        EditorCommand::Remove { id, reason, key } => {
            let ledger = ctx.open()?;
            let key = key.load()?;
            report(ctx, &ledger.remove_editor(&id, &reason, &key)?)
        }
        EditorCommand::Add {
            id,
            pubkey,
            name,
            key,
        } => {
            let public = PublicKeyInfo::from_file_or_line(&pubkey)?;
            let ledger = ctx.open()?;
            let key = key.load()?;
            report(ctx, &ledger.add_editor(&id, &name, &public, &key)?)
        }
    }
}

pub fn org(ctx: &Ctx, c: OrgCommand) -> anyhow::Result<Done> {
    match c {
        OrgCommand::List => super::inventory::org_list(ctx),
        OrgCommand::RotateKey(a) => rotate(ctx, principal("organization", &a.id)?, a),
        OrgCommand::RevokeKey(a) => revoke(ctx, principal("organization", &a.id)?, a),
        OrgCommand::Add {
            org,
            name,
            pubkey,
            url,
            country,
            key,
        } => {
            undersigned::ids::check_slug("organization", &org)?;
            let public = pubkey
                .as_deref()
                .map(PublicKeyInfo::from_file_or_line)
                .transpose()?;
            let ledger = ctx.open()?;
            let key = key.load()?;
            report(
                ctx,
                &ledger.add_org(
                    &NewOrg {
                        id: org,
                        name,
                        url,
                        country,
                        key: public,
                    },
                    &key,
                )?,
            )
        }
        OrgCommand::AddKey { org, pubkey, key } => {
            let public = PublicKeyInfo::from_file_or_line(&pubkey)?;
            let ledger = ctx.open()?;
            let key = key.load()?;
            report(ctx, &ledger.add_org_key(&org, &public, &key)?)
        }
    }
}

pub fn statement(ctx: &Ctx, c: StatementCommand) -> anyhow::Result<Done> {
    match c {
        StatementCommand::List => super::inventory::statement_list(ctx),
        StatementCommand::Diff { stmt, from, to } => super::inventory::diff(ctx, &stmt, from, to),
        StatementCommand::New {
            stmt,
            title,
            texts,
            key,
        } => {
            let ledger = ctx.open()?;
            let texts = texts.read()?;
            let key = key.load()?;
            let mut revision = texts.revision();
            revision.title = Some(&title);
            report(ctx, &ledger.new_statement_with(&stmt, &revision, &key)?)
        }
        StatementCommand::Revise {
            stmt,
            texts,
            note,
            title,
            key,
        } => {
            let ledger = ctx.open()?;
            let texts = texts.read()?;
            let key = key.load()?;
            let revision = Revision {
                note: note.as_deref(),
                title: title.as_deref(),
                ..texts.revision()
            };
            report(ctx, &ledger.revise_statement(&stmt, &revision, &key)?)
        }
        StatementCommand::Translate(a) => super::statements::translate(ctx, a),
        StatementCommand::Close(a) => super::statements::close(ctx, a),
        StatementCommand::Open(a) => super::statements::open(ctx, a),
    }
}

pub fn sign(ctx: &Ctx, a: SignArgs) -> anyhow::Result<Done> {
    if let (Some(request), Some(output)) = (&a.request, &a.output) {
        let pins = super::coalition::Pins {
            ledger: a
                .trust
                .as_deref()
                .map(super::read::parse_trust)
                .transpose()?,
            editor: a.editor_fingerprint.clone(),
        };
        let who = match (&a.org, &a.person) {
            (None, None) => None,
            (o, p) => Some(signatory(o.as_deref(), p.as_deref())?),
        };
        return super::coalition::sign_request(
            ctx,
            request,
            who.as_ref(),
            &a.key,
            output,
            a.yes,
            &pins,
        );
    }
    let stmt = a.stmt.as_deref().unwrap_or_default();
    if a.org.is_none() && a.person.is_none() {
        anyhow::bail!("--org or --person: who signs? pass --org ORG or --person ID");
    }
    let who = signatory(a.org.as_deref(), a.person.as_deref())?;
    let ledger = ctx.open()?;
    let preview = ledger.sign_preview_as(stmt, &who, a.version)?;
    // Nothing to confirm when signing would change nothing (the sign below says so).
    if !a.yes && !preview.already && super::can_ask() {
        show_preview(&who, &preview);
        let q = format!("Sign version {} of {stmt} as {who}?", preview.version);
        if !super::out::confirm(&q)? {
            anyhow::bail!("not signed; nothing was written");
        }
    }
    let key = a.key.load()?;
    let outcome = ledger.sign_as(stmt, &who, Some(preview.version), &key)?;
    if let Some(w) = &outcome.warning {
        eprintln!(
            "undersigned: warning: {}",
            undersigned::text::escape_line(w)
        );
    }
    ctx.emit(&outcome, || match &outcome.commit {
        Some(c) => format!(
            "{} {}\ntext sha256 {}\n",
            short(c),
            outcome.message,
            preview.text_sha256
        ),
        None => format!("{}\n", outcome.message),
    })?;
    Ok(Done::Ok)
}

/// What an organization is shown before it signs in a ledger: the text, or what changed since
/// the version it endorses, and the text's sha256.
fn show_preview(who: &Principal, p: &undersigned::ledger::Preview) {
    use undersigned::text::{escape_line, escape_text};
    let which = if p.version == p.current {
        "the current version".to_string()
    } else {
        format!("not the current version, which is {}", p.current)
    };
    eprintln!(
        "Statement {} version {} ({which}): {}
",
        p.statement,
        p.version,
        escape_line(&p.title)
    );
    match &p.previous {
        Some((n, old)) => {
            let segments = undersigned::diff::word_diff(old, &p.text);
            eprintln!(
                "{who} endorses version {n}; what changed since ([-removed-] {{+added+}}):

{}
",
                super::out::render_diff(&segments, true).trim_end()
            );
        }
        None => eprintln!(
            "{}
",
            escape_text(p.text.trim_end())
        ),
    }
    eprintln!(
        "text sha256 {}
",
        p.text_sha256
    );
    if p.langs.len() > 1 {
        eprintln!(
            "This version is published in {}; the endorsement signs every one of them (see them with `undersigned show {} --lang LANG`).
",
            escape_line(&p.langs.join(", ")),
            p.statement
        );
    }
}

pub fn attest(ctx: &Ctx, a: AttestArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let evidence = read_input(&a.evidence, InputKind::Evidence, MAX_EVIDENCE_BYTES)?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.attest_as(&a.stmt, &a.who.principal()?, a.version, &evidence, &key)?,
    )
}

pub fn withdraw(ctx: &Ctx, a: WithdrawArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let evidence = a
        .evidence
        .as_deref()
        .map(|p| read_input(p, InputKind::Evidence, MAX_EVIDENCE_BYTES))
        .transpose()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.withdraw_as(
            &a.stmt,
            &a.who.principal()?,
            a.reason.as_deref(),
            evidence.as_deref(),
            &key,
        )?,
    )
}
