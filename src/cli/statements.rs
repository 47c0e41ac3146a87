//! The statement commands of issue 14: texts in several languages (`--text FILE --lang en
//! [--text FILE --lang fr …]`), `statement translate`, `statement close` and `statement open`.

use super::input::read_text;
use super::out::report;
use super::{Ctx, Done, KeyArg};
use clap::Args;
use std::path::PathBuf;
use undersigned::Revision;

/// A statement's texts: one `--text`, or several, each followed by its `--lang`.
#[derive(Args)]
pub struct TextArgs {
    /// The text: a UTF-8 file, or - for standard input. Give it again for each translation,
    /// each followed by its --lang; the first is the original.
    #[arg(long, value_name = "FILE|-", required = true)]
    text: Vec<PathBuf>,
    /// The language of the --text before it (BCP 47 in lower case: en, fr, pt-br). With one
    /// text it may be left out; with several, every text names its language.
    #[arg(long, value_name = "LANG")]
    lang: Vec<String>,
}

/// The texts read from their files.
pub struct Texts {
    original: Vec<u8>,
    lang: Option<String>,
    translations: Vec<(String, Vec<u8>)>,
}

impl TextArgs {
    /// Reads every file, pairing texts with languages in the order given.
    pub fn read(&self) -> anyhow::Result<Texts> {
        if self.lang.len() > self.text.len()
            || (self.text.len() > 1 && self.lang.len() != self.text.len())
        {
            anyhow::bail!(
                "--lang: {} texts and {} languages; with several texts, give each --text its --lang (the first is the original)",
                self.text.len(),
                self.lang.len()
            );
        }
        let mut texts = Vec::with_capacity(self.text.len());
        for path in &self.text {
            texts.push(read_text(path)?);
        }
        let mut texts = texts.into_iter();
        let original = texts.next().unwrap_or_default();
        let mut langs = self.lang.iter().cloned();
        let lang = langs.next();
        Ok(Texts {
            original,
            lang,
            translations: langs.zip(texts).collect(),
        })
    }
}

impl Texts {
    /// The revision these texts make (title and note left to the caller).
    pub fn revision(&self) -> Revision<'_> {
        Revision {
            text: &self.original,
            lang: self.lang.as_deref(),
            translations: self
                .translations
                .iter()
                .map(|(l, t)| (l.as_str(), t.as_slice()))
                .collect(),
            ..Revision::default()
        }
    }
}

#[derive(Args)]
pub struct TranslateArgs {
    /// Statement slug.
    stmt: String,
    /// The translation's language (BCP 47 in lower case: es, pt-br).
    #[arg(long, value_name = "LANG")]
    lang: String,
    /// The translation: a UTF-8 file, or - for standard input.
    #[arg(long, value_name = "FILE|-")]
    text: PathBuf,
    /// Why (default: "Translation into LANG").
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct CloseArgs {
    /// Statement slug.
    stmt: String,
    /// Why (published in the ledger).
    #[arg(long)]
    reason: Option<String>,
    #[command(flatten)]
    key: KeyArg,
}

#[derive(Args)]
pub struct OpenArgs {
    /// Statement slug.
    stmt: String,
    /// When sign-on is to close: 2026-12-31T23:59:59Z, a time with an offset, or a date (its
    /// first instant in UTC). Shown by `status`; the close act is what the rules enforce.
    #[arg(long, value_name = "TIME")]
    deadline: Option<String>,
    #[command(flatten)]
    key: KeyArg,
}

pub fn translate(ctx: &Ctx, a: TranslateArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let text = read_text(&a.text)?;
    let key = a.key.load()?;
    let note = a
        .note
        .unwrap_or_else(|| format!("Translation into {}", a.lang));
    report(
        ctx,
        &ledger.translate_statement(&a.stmt, &a.lang, &text, Some(&note), &key)?,
    )
}

pub fn close(ctx: &Ctx, a: CloseArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.close_statement(&a.stmt, a.reason.as_deref(), &key)?,
    )
}

pub fn open(ctx: &Ctx, a: OpenArgs) -> anyhow::Result<Done> {
    let ledger = ctx.open()?;
    let key = a.key.load()?;
    report(
        ctx,
        &ledger.open_statement(&a.stmt, a.deadline.as_deref(), &key)?,
    )
}
