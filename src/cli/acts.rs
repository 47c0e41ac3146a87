//! The commands that write acts: init, editor, org, statement, sign, attest, withdraw.

use super::input::{read_input, read_text};
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

/// Key lifecycle arguments shared by editors and organizations.
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
    /// Create a statement: version 1.
    New {
        /// Statement slug.
        stmt: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// The text: a UTF-8 file, or - for standard input.
        #[arg(long, value_name = "FILE|-")]
        text: PathBuf,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Revise a statement: version n+1.
    Revise {
        /// Statement slug.
        stmt: String,
        /// The new text: a UTF-8 file, or - for standard input.
        #[arg(long, value_name = "FILE|-")]
        text: PathBuf,
        /// Why it was revised.
        #[arg(long)]
        note: Option<String>,
        /// New title (default: unchanged).
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
}

#[derive(Args)]
pub struct SignArgs {
    /// Statement slug.
    #[arg(required_unless_present = "request")]
    stmt: Option<String>,
    /// The endorsing organization (with --request: default, the one the request names).
    #[arg(long, required_unless_present = "request")]
    org: Option<String>,
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
    /// The organization whose consent is recorded.
    #[arg(long)]
    org: String,
    /// The evidence (e-mail, form export); only its sha256 enters the ledger.
    #[arg(long, value_name = "FILE")]
    evidence: PathBuf,
    /// Version endorsed (default: the current one).
    #[arg(long)]
    version: Option<u32>,
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct WithdrawArgs {
    /// Statement slug.
    stmt: String,
    /// The withdrawing organization.
    #[arg(long)]
    org: String,
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

fn rotate(ctx: &Ctx, who: Principal, a: RotateArgs) -> anyhow::Result<Done> {
    let public = PublicKeyInfo::from_file_or_line(&a.pubkey)?;
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.add_key(&who, &public, a.reason.as_deref(), &key)?,
    )
}

fn revoke(ctx: &Ctx, who: Principal, a: RevokeArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.revoke_key(&who, &a.fingerprint, &a.reason, &key)?,
    )
}

fn principal(kind: &'static str, id: &str) -> Result<Principal, Error> {
    undersigned::ids::check_slug(kind, id)?;
    Ok(if kind == "editor" {
        Principal::editor(id)
    } else {
        Principal::org(id)
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
            text,
            key,
        } => {
            let ledger = ctx.open()?;
            let text = read_text(&text)?;
            let key = key.load()?;
            report(ctx, &ledger.new_statement(&stmt, &title, &text, &key)?)
        }
        StatementCommand::Revise {
            stmt,
            text,
            note,
            title,
            key,
        } => {
            let ledger = ctx.open()?;
            let text = read_text(&text)?;
            let key = key.load()?;
            let revision = Revision {
                text: &text,
                note: note.as_deref(),
                title: title.as_deref(),
            };
            report(ctx, &ledger.revise_statement(&stmt, &revision, &key)?)
        }
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
        return super::coalition::sign_request(
            ctx,
            request,
            a.org.as_deref(),
            &a.key,
            output,
            a.yes,
            &pins,
        );
    }
    let stmt = a.stmt.as_deref().unwrap_or_default();
    let org = a
        .org
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--org: which organization signs? pass --org ORG"))?;
    let ledger = ctx.open()?;
    let preview = ledger.sign_preview(stmt, org, a.version)?;
    // Nothing to confirm when signing would change nothing (the sign below says so).
    if !a.yes && !preview.already && super::can_ask() {
        show_preview(org, &preview);
        let q = format!("Sign version {} of {stmt} as org/{org}?", preview.version);
        if !super::out::confirm(&q)? {
            anyhow::bail!("not signed; nothing was written");
        }
    }
    let key = a.key.load()?;
    let outcome = ledger.sign(stmt, org, Some(preview.version), &key)?;
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
fn show_preview(org: &str, p: &undersigned::ledger::Preview) {
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
                "org/{org} endorses version {n}; what changed since ([-removed-] {{+added+}}):

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
}

pub fn attest(ctx: &Ctx, a: AttestArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let evidence = read_input(&a.evidence, InputKind::Evidence, MAX_EVIDENCE_BYTES)?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.attest(&a.stmt, &a.org, a.version, &evidence, &key)?,
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
        &ledger.withdraw(
            &a.stmt,
            &a.org,
            a.reason.as_deref(),
            evidence.as_deref(),
            &key,
        )?,
    )
}
