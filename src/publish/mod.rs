//! `undersigned publish`: a static site of a ledger's statements that works opened from disk
//! (`file://`) and from any static host, loading nothing from anywhere.
//!
//! Per statement, `DIR/<stmt>/index.html` shows the title, the exact text with its sha256, the
//! numbered list of signatories (how each signed, key fingerprint, time, commit), those who
//! endorse an earlier version only and those who withdrew, the version history with word
//! diffs, and how to verify the whole ledger. It embeds [`StatementData`] (also written as
//! `DIR/<stmt>/statement.json`), and its script ([`html::VERIFY_JS`]) checks every signature in
//! the reader's browser with WebCrypto. `DIR/index.html` lists the statements.
//!
//! ```no_run
//! use undersigned::publish::{self, PublishOptions};
//! use undersigned::verify::{replay, VerifyOptions};
//! let ledger = undersigned::Ledger::open(std::path::Path::new("ledger"))?;
//! let replay = replay(ledger.store(), &VerifyOptions::default())?;
//! let opts = PublishOptions { clone_url: None, generated_at_ms: undersigned::clock::Clock::now_ms(&undersigned::clock::SystemClock) };
//! let data = publish::statement_data(ledger.store().repo(), &replay, "icc", &opts)?;
//! publish::write_site(std::path::Path::new("site"), &[data], publish::PER_PAGE)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
pub mod fragment;
pub mod html;
pub mod model;
mod site;

pub use build::{statement_data, PublishOptions, PER_PAGE};
pub use model::{
    Entry, EntryReceipt, Key, LedgerInfo, LogData, Part, StatementData, Version, WitnessData,
    FORMAT,
};
pub use site::{write_site, Written};

use std::path::PathBuf;

/// Why a site could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The ledger could not be read or audited.
    #[error(transparent)]
    Ledger(#[from] crate::Error),
    /// The ledger does not verify: a page would vouch for what cannot be trusted.
    #[error("the ledger does not verify ({failures} failure(s)); publish refuses to vouch for it")]
    Unverified {
        /// Number of failures `verify` reports.
        failures: usize,
    },
    /// No such statement.
    #[error("unknown statement {id:?}; {}", if known.is_empty() { "the ledger has no statements yet".to_string() } else { format!("statements here: {}", known.join(", ")) })]
    UnknownStatement {
        /// The statement asked for.
        id: String,
        /// The statements the ledger has.
        known: Vec<String>,
    },
    /// git could not read an object the verified state names.
    #[error("reading {what} from git: {source}")]
    Git {
        /// What was being read.
        what: String,
        /// libgit2's error.
        source: git2::Error,
    },
    /// A record or text at the head is not what a verified ledger holds.
    #[error("{path}: {why}")]
    Record {
        /// Path or subject.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// A template failed to render.
    #[error("rendering {what}: {source}")]
    Render {
        /// Which page.
        what: &'static str,
        /// askama's error.
        source: askama::Error,
    },
    /// Reading or writing the output directory.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file publish would replace was not written by publish.
    #[error("{}: exists and was not written by publish", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
    },
}
