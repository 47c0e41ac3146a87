//! The rules of a ledger, in one place. Verification applies them to every commit against its
//! parent's state; every writer applies the same functions to the commit it is about to write
//! and refuses what they refuse, so no act can leave a ledger that fails verification.
//!
//! - [`fields`]: what a record's fields may hold (limits, one-line texts, texts, times).
//! - [`rights`]: which role may add which kind of file.
//! - [`registry`]: editors, organizations and their keys: registration, rotation, revocation,
//!   removal, who signed a commit, and the genesis.
//! - [`statement`]: statement versions.
//! - [`endorsement`]: endorsements and withdrawals, of organizations and individuals alike.
//! - [`signon`]: sign-on closed and opened again.
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
pub mod signon;
pub mod statement;

mod commit;

pub use commit::{
    check_records, identity, sort_files, time_after_parent, Checked, Context, Event, File,
    Prepared, PreparedSig,
};

use crate::report::{Broken, Rule};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Decodes a file's record, or says why it is not one: taken from what a reader of history
/// prepared ([`Prepared::record`]) when it decoded the same bytes as this type.
fn decode<T: Serialize + DeserializeOwned + Clone + 'static>(file: &File) -> Result<T, Broken> {
    if let Some(done) = file.prepared.as_ref().and_then(|p| p.record.as_ref()) {
        match done {
            Ok(any) => {
                if let Some(t) = any.downcast_ref::<T>() {
                    return Ok(t.clone());
                }
            }
            Err(b) => return Err(b.clone()),
        }
    }
    decode_bytes(file)
}

/// Decodes a file's bytes as a record of type `T` (what [`decode`] does when nothing was
/// prepared, and what a reader of history prepares).
pub fn decode_bytes<T: Serialize + DeserializeOwned>(file: &File) -> Result<T, Broken> {
    let bytes = file.bytes.as_ref().map_err(Clone::clone)?;
    crate::record::decode(bytes).map_err(|why| Broken::new(Rule::Record, why))
}

/// Records that only a format-2 ledger may hold (individuals, translations, sign-on): a ledger
/// whose `ledger.json` says format 1 keeps to what format-1 readers know, so that no older
/// build misreads it.
fn needs_format(state: &crate::state::State, what: &str) -> Result<(), Broken> {
    use crate::record::FORMAT_SIGNATORIES;
    if state.format >= FORMAT_SIGNATORIES {
        return Ok(());
    }
    Err(Broken::new(
        Rule::Format,
        format!(
            "{what} needs ledger format {FORMAT_SIGNATORIES}, but this ledger's ledger.json says format {}; builds that read only that format would not know the record",
            state.format
        ),
    ))
}
