//! `undersigned demo`: the seed statement as a ledger, then its verification and audit.

use super::{Ctx, Done};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use undersigned::clock::SystemClock;
use undersigned::verify::{replay, VerifyOptions};

#[derive(Args)]
pub struct DemoArgs {
    /// Where to build: DIR/ledger and DIR/keys (a previous demo there is replaced).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
}

pub fn run(ctx: &Ctx, a: DemoArgs) -> anyhow::Result<Done> {
    let started = Instant::now();
    let demo = undersigned::demo::build(&a.dir, std::sync::Arc::new(SystemClock))?;
    let built = started.elapsed();
    let ledger = undersigned::Ledger::open(&demo.ledger)?;
    let replay = replay(ledger.store(), &VerifyOptions::default())?;
    let stmt = undersigned::demo::STATEMENT;
    let text_of = |v: u32| {
        let e = replay.state.statements.get(stmt)?.version(v)?;
        let blob = ledger.store().repo().find_blob(e.text_blob).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    };
    let audit = undersigned::audit::audit(&replay.state, stmt, &text_of)?;
    let out = undersigned::report::DemoOutput {
        format: undersigned::report::formats::DEMO.into(),
        ledger: demo.ledger.display().to_string(),
        keys: demo.keys.display().to_string(),
        ledger_id: demo.ledger_id.to_string(),
        acts: demo.acts as u64,
        build_seconds: built.as_secs_f64(),
        verify: replay.report.clone(),
        audit: audit.clone(),
    };
    ctx.emit(&out, || {
        let l = demo.ledger.display();
        format!(
            "Built the demo ledger in {l} (keys in {}): {} signed acts in {:.2} s.\n\n== undersigned verify --ledger {l}\n{}\n== undersigned audit {stmt} --ledger {l}\n{}\nNext: `undersigned show {stmt} --ledger {l}` prints the publishable text and list;\n      `git -C {l} -c gpg.ssh.allowedSignersFile=allowed_signers log --show-signature` checks every commit with stock git.\n",
            demo.keys.display(),
            demo.acts,
            built.as_secs_f64(),
            super::render::report(&replay.report),
            super::render::audit(&audit),
        )
    })?;
    Ok(if replay.report.ok {
        Done::Ok
    } else {
        Done::VerificationFailed
    })
}
