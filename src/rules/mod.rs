//! The rules of a ledger, in one place. Verification applies them to every commit against its
//! parent's state; every writer applies the same functions to the commit it is about to write
//! and refuses what they refuse, so no act can leave a ledger that fails verification.
//!
//! - [`fields`]: what a record's fields may hold (limits, one-line texts, texts, times).
//! - [`rights`]: which role may add which kind of file.
//! - [`registry`]: editors, organizations and their keys: registration, rotation, revocation,
//!   removal, who signed a commit, and the genesis.
//! - [`statement`]: statement versions.
//! - [`endorsement`]: endorsements and withdrawals.
//! - [`log`]: the transparency log's checkpoints, cosignatures and quorum.
//! - [`check_records`]: all of the above over the files one commit adds.
//!
//! Each rule returns a [`Broken`] naming its [`crate::report::Rule`]; the caller places it in
//! history (verify) or turns it into a refusal (writers).

pub mod endorsement;
pub mod fields;
pub mod log;
pub mod registry;
pub mod rights;
pub mod statement;

mod commit;

pub use commit::{
    check_records, identity, sort_files, time_after_parent, Checked, Context, Event, File,
};

use crate::report::{Broken, Rule};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Decodes a file's record, or says why it is not one.
fn decode<T: Serialize + DeserializeOwned>(file: &File) -> Result<T, Broken> {
    let bytes = file.bytes.as_ref().map_err(Clone::clone)?;
    crate::record::decode(bytes).map_err(|why| Broken::new(Rule::Record, why))
}
