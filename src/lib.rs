//! undersigned keeps joint statements in a git repository: every text revision and every
//! signatory act is a commit signed with the actor's ed25519 key, and every endorsement carries
//! the organization's own signature over the exact text it endorsed. Anyone with a clone can
//! audit it offline, with this library or with stock `git` and `ssh-keygen`.
//!
//! ```no_run
//! use undersigned::{Ledger, verify::{verify, VerifyOptions}};
//! let ledger = Ledger::open(std::path::Path::new("ledger"))?;
//! let report = verify(ledger.store(), &VerifyOptions::default())?;
//! println!("{} commits, ok: {}", report.commits, report.ok);
//! # Ok::<(), undersigned::Error>(())
//! ```
//!
//! Where things are: [`rules`] holds every rule of a ledger, applied by [`verify`] to each
//! commit of a history and by [`Ledger`]'s acts to each commit they write; [`act::Act`] is the
//! one vocabulary of acts; [`state`] is what a replay rebuilds; [`report`] holds every value the
//! library returns and the CLI prints as JSON (each with a `format` field; `docs/json.md`);
//! [`local`] owns what undersigned keeps in the repository's git directory. [`mail`] is the
//! flow of organizations that sign by mail, with undersigned or with `ssh-keygen` alone, from
//! requests signed by an editor; [`inventory`] says who stands where; [`discover`] finds the
//! ledger a command is run in; [`progress`] is how long work reports how far it is.
//! [`log`] is the transparency log over the acts: the RFC 9162 tree `verify` recomputes,
//! checkpoints and witnesses' cosignatures (C2SP signed notes), receipts (C2SP tlog-proof) and
//! the proofs of a split view.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod act;
pub mod audit;
pub mod clock;
pub mod commit_object;
pub mod demo;
pub mod diff;
pub mod discover;
pub mod error;
pub mod files;
pub mod history;
pub mod hook;
pub mod ids;
pub mod inventory;
pub mod keys;
pub mod layout;
pub mod ledger;
pub mod local;
pub mod log;
pub mod mail;
pub mod oid_serde;
pub mod progress;
pub mod publish;
pub mod record;
pub mod report;
pub mod rules;
pub mod signed_data;
pub mod state;
pub mod store;
pub mod sync;
pub mod text;
pub mod timefmt;
pub mod transport;
pub mod verify;
pub mod view;

pub use error::{Error, Result};
pub use ledger::{Ledger, NewLedger, NewOrg, NewPerson, Revision};
pub use report::Outcome;
