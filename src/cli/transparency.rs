//! The transparency log's commands: `checkpoint`, `witness cosign|accept|quorum|key`,
//! `receipt`, `receipt verify`, `receipt update`.

use super::coalition::write_new_or_replace;
use super::input::read_input;
use super::out::report;
use super::read::parse_trust;
use super::{Ctx, Done, KeyArg};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use undersigned::error::{Error, InputKind};
use undersigned::log::check::{check, Refusal};
use undersigned::log::note::VerifierKey;
use undersigned::log::receipt::Receipt;
use undersigned::report::{formats, CosignOutput, ReceiptWritten, WitnessKeyOutput};
use undersigned::text::escape_line;

/// A receipt, a note or a cosignature larger than this is not one of undersigned's.
const MAX_NOTE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Args)]
pub struct CheckpointArgs {
    /// An editor's key: it signs the checkpoint.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Cosign the ledger's latest checkpoint as an organization (a witness), after verifying
    /// the history and that it is consistent with the last checkpoint this witness cosigned.
    Cosign(CosignArgs),
    /// Commit a cosignature a witness sent by mail (editor).
    Accept(AcceptCosignArgs),
    /// State the witnesses' quorum: K of these organizations (editor).
    Quorum(QuorumArgs),
    /// Print an organization's witness key (a C2SP verifier key), for `receipt verify --witness`.
    Key(WitnessKeyArgs),
}

#[derive(Args)]
pub struct CosignArgs {
    /// The organization that cosigns.
    #[arg(long)]
    org: String,
    /// Write the cosigned checkpoint to FILE for mail instead of committing it.
    #[arg(long = "output", short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// The organization's key.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct AcceptCosignArgs {
    /// The cosigned checkpoint the witness sent (`witness cosign -o FILE`).
    file: PathBuf,
    /// An editor's key.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct QuorumArgs {
    /// The witnesses: registered organizations.
    #[arg(required = true, value_name = "ORG")]
    witnesses: Vec<String>,
    /// How many of them must cosign a checkpoint.
    #[arg(long, value_name = "K")]
    k: u32,
    /// An editor's key.
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct WitnessKeyArgs {
    /// The organization.
    #[arg(long)]
    org: String,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ReceiptArgs {
    #[command(subcommand)]
    command: Option<ReceiptCommand>,
    /// The statement.
    #[arg(required = true)]
    stmt: Option<String>,
    /// The organization whose latest act on the statement the receipt proves.
    #[arg(long, required = true)]
    org: Option<String>,
    /// Where to write the receipt (a `.tlog-proof` file).
    #[arg(long = "output", short = 'o', value_name = "FILE", required = true)]
    output: Option<PathBuf>,
    /// The remote the act must be published on.
    #[arg(long, default_value = "origin")]
    remote: String,
}

#[derive(Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt offline: the record's own signature, its inclusion, the checkpoint's
    /// signature and its binding to the ledger id, the cosignatures.
    Verify(ReceiptVerifyArgs),
    /// Write the receipt again under the latest published checkpoint, with a consistency proof
    /// from the old one (for `receipt verify --against`).
    Update(ReceiptUpdateArgs),
}

#[derive(Args)]
pub struct ReceiptVerifyArgs {
    /// The receipt.
    file: PathBuf,
    /// The ledger id the coalition publishes.
    #[arg(long, value_name = "LEDGER_ID")]
    trust: String,
    /// A witness's key (`witness key` prints it), or a file holding one; repeat for each.
    #[arg(long = "witness", value_name = "KEY")]
    witnesses: Vec<String>,
    /// How many of the given witnesses must have cosigned (default: all of them).
    #[arg(long, value_name = "K")]
    quorum: Option<u32>,
    /// A newer checkpoint to check the receipt against: the receipt `receipt update` wrote, or
    /// a checkpoint note of the same size.
    #[arg(long, value_name = "FILE")]
    against: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReceiptUpdateArgs {
    /// The receipt to update.
    file: PathBuf,
    /// Where to write the new receipt.
    #[arg(long = "output", short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// The remote the newer checkpoint must be published on.
    #[arg(long, default_value = "origin")]
    remote: String,
}

pub fn checkpoint(ctx: &Ctx, a: CheckpointArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(ctx, &ledger.checkpoint(&key)?)
}

pub fn witness(ctx: &Ctx, c: WitnessCommand) -> anyhow::Result<Done> {
    match c {
        WitnessCommand::Cosign(a) => cosign(ctx, a),
        WitnessCommand::Accept(a) => {
            let ledger = ctx.open()?;
            let text = note_text(&a.file, InputKind::Checkpoint)?;
            let key = a.key.load()?;
            report(ctx, &ledger.accept_cosignature(&text, &key)?)
        }
        WitnessCommand::Quorum(a) => {
            let ledger = ctx.open()?;
            let key = a.key.load()?;
            report(ctx, &ledger.set_quorum(a.k, &a.witnesses, &key)?)
        }
        WitnessCommand::Key(a) => witness_key(ctx, a),
    }
}

fn cosign(ctx: &Ctx, a: CosignArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    let now = u64::try_from(ledger.clock().now_ms() / 1000).unwrap_or(0);
    let (made, outcome) = ledger.cosign(&a.org, &key, now, a.output.is_none())?;
    if let Some(out) = &a.output {
        write_new_or_replace(out, made.note.as_bytes())?;
    }
    let size = undersigned::log::equivocation::Seen {
        note: made.note.clone(),
        from: String::new(),
    }
    .checkpoint()
    .map(|c| c.size)
    .unwrap_or(0);
    let value = CosignOutput {
        format: formats::COSIGN.into(),
        org: a.org.clone(),
        checkpoint: made.seq,
        size,
        time: made.time,
        line: made.line.trim_end().to_string(),
        commit: outcome.as_ref().and_then(|o| o.commit.clone()),
        file: a.output.as_ref().map(|p| p.display().to_string()),
    };
    ctx.emit(&value, || match (&a.output, &outcome) {
        (Some(p), _) => format!(
            "org/{} cosigned checkpoint {} ({size} acts); send {} to an editor, who runs `undersigned witness accept FILE`\n",
            a.org,
            made.seq,
            p.display()
        ),
        (None, Some(o)) => format!("{} {}\n", super::short(o.commit.as_deref().unwrap_or("")), o.message),
        (None, None) => String::new(),
    })?;
    Ok(Done::Ok)
}

fn witness_key(ctx: &Ctx, a: WitnessKeyArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let head = ledger.store().head()?.ok_or(Error::EmptyHistory)?;
    let state = undersigned::verify::verified_state(ledger.store(), head, false)?;
    let who = undersigned::ids::Principal::org(&a.org);
    let key = state
        .orgs
        .get(&a.org)
        .and_then(|o| o.current_key())
        .ok_or_else(|| Error::Log(format!("{who} is not registered with a key in force")))?;
    let vkey = VerifierKey {
        name: undersigned::log::witness_name(&a.org),
        sig_type: undersigned::log::note::TYPE_COSIGNATURE,
        key: key.key.raw,
    }
    .encode();
    let value = WitnessKeyOutput {
        format: formats::WITNESS_KEY.into(),
        org: a.org,
        vkey: vkey.clone(),
        fingerprint: key.key.fingerprint.clone(),
    };
    ctx.emit(&value, || format!("{vkey}\n"))?;
    Ok(Done::Ok)
}

pub fn receipt(ctx: &Ctx, a: ReceiptArgs) -> anyhow::Result<Done> {
    match a.command {
        Some(ReceiptCommand::Verify(v)) => verify(ctx, v),
        Some(ReceiptCommand::Update(u)) => update(ctx, u),
        None => {
            let (Some(stmt), Some(org), Some(output)) = (a.stmt, a.org, a.output) else {
                anyhow::bail!("receipt STMT --org ORG -o FILE");
            };
            let ledger = ctx.open()?;
            let r = ledger.receipt(&stmt, &org, &a.remote)?;
            written(ctx, &r, &output)
        }
    }
}

fn written(ctx: &Ctx, r: &Receipt, output: &std::path::Path) -> anyhow::Result<Done> {
    let text = r.to_text();
    write_new_or_replace(output, text.as_bytes())?;
    let size = undersigned::log::equivocation::Seen {
        note: r.note.clone(),
        from: String::new(),
    }
    .checkpoint()
    .map(|c| c.size)
    .unwrap_or(0);
    let cosignatures = undersigned::log::note::Note::parse(r.note.as_bytes())
        .map(|n| {
            n.signatures
                .iter()
                .filter(|s| s.name.starts_with("org/"))
                .count()
        })
        .unwrap_or(0);
    let value = ReceiptWritten {
        format: formats::RECEIPT_WRITTEN.into(),
        file: output.display().to_string(),
        index: r.index,
        size,
        cosignatures,
        bytes: text.len(),
    };
    ctx.emit(&value, || {
        format!(
            "wrote {}: act {} of the log, under a checkpoint of {size} acts with {cosignatures} cosignature(s) ({} bytes)\n",
            output.display(),
            r.index,
            text.len()
        )
    })?;
    Ok(Done::Ok)
}

fn update(ctx: &Ctx, u: ReceiptUpdateArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let text = note_text(&u.file, InputKind::Receipt)?;
    let old = Receipt::parse(&text).map_err(|e| bad_receipt(&u.file, e))?;
    let r = ledger.update_receipt(&old, &u.remote)?;
    written(ctx, &r, &u.output)
}

fn bad_receipt(file: &std::path::Path, e: undersigned::log::receipt::ReceiptError) -> Error {
    Error::BadReceipt {
        file: file.to_path_buf(),
        part: e.part.to_string(),
        why: e.why,
    }
}

fn verify(ctx: &Ctx, v: ReceiptVerifyArgs) -> anyhow::Result<Done> {
    let trust = parse_trust(&v.trust)?.to_string();
    let mut witnesses = Vec::new();
    for w in &v.witnesses {
        let text = if std::path::Path::new(w).is_file() {
            note_text(std::path::Path::new(w), InputKind::Checkpoint)?
        } else {
            w.clone()
        };
        let key = VerifierKey::parse(&text)
            .map_err(|e| anyhow::anyhow!("--witness {}: {e}", escape_line(w)))?;
        witnesses.push(key);
    }
    let quorum = v.quorum.unwrap_or(witnesses.len() as u32);
    if quorum as usize > witnesses.len() {
        anyhow::bail!(
            "--quorum {quorum}: only {} witness key(s) given",
            witnesses.len()
        );
    }
    let text = note_text(&v.file, InputKind::Receipt)?;
    let newer = v
        .against
        .as_ref()
        .map(|p| note_text(p, InputKind::Checkpoint).map(|t| (p.display().to_string(), t)))
        .transpose()?;
    let verdict = check(
        &text,
        &trust,
        &witnesses,
        quorum,
        newer.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .map_err(|r| match r {
        Refusal::Part(e) => bad_receipt(&v.file, e),
        Refusal::Split(e) => e,
    })?;
    ctx.emit(&verdict, || {
        let mut out = format!(
            "receipt verified: org/{} {}s {}{} (record signed {} by {}),\n  act {} of ledger {} under a checkpoint of {} acts signed by {}",
            verdict.org,
            verdict.act,
            verdict.statement,
            verdict.version.map(|n| format!(" version {n}")).unwrap_or_default(),
            verdict.signed_at,
            verdict.key,
            verdict.index,
            verdict.ledger_id,
            verdict.size,
            verdict.checkpoint_signer
        );
        for w in &verdict.witnessed {
            out.push_str(&format!(
                "\n  cosigned by org/{} at {}",
                w.org,
                undersigned::timefmt::format_secs(i64::try_from(w.time).unwrap_or(0))
            ));
        }
        if let Some(a) = &verdict.against {
            out.push_str(&format!(
                "\n  consistent with the checkpoint of {} acts{}",
                a.size,
                if a.still_included { ", which includes the act" } else { "" }
            ));
        }
        out.push('\n');
        out
    })?;
    Ok(Done::Ok)
}

fn note_text(path: &std::path::Path, kind: InputKind) -> anyhow::Result<String> {
    let bytes = read_input(path, kind, MAX_NOTE_BYTES)?;
    String::from_utf8(bytes).map_err(|_| {
        Error::BadInput {
            kind,
            source_name: path.display().to_string(),
            why: "not UTF-8 text".into(),
        }
        .into()
    })
}
