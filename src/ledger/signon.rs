//! Sign-on: an editor closes a statement to endorsements (`statement close`), opens it again
//! or announces a deadline (`statement open`). The deadline is shown, never enforced: times are
//! the signers' own, and the close act is what the rules hold to.

use super::registry::signing_editor;
use super::statements::{statement_of, statement_state};
use super::write::Step;
use super::Ledger;
use crate::act::Act;
use crate::error::{Error, Result};
use crate::ids::check_slug;
use crate::keys::SigningKey;
use crate::record::{SignOnAction, SignOnRecord, FORMAT_SIGNATORIES};
use crate::report::Outcome;
use crate::rules::fields::{self, Field};
use crate::timefmt;

impl Ledger {
    /// Closes a statement to endorsements from this commit on (withdrawals stay possible).
    /// Nothing is written when it is closed already.
    pub fn close_statement(
        &self,
        stmt: &str,
        reason: Option<&str>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        if let Some(r) = reason {
            fields::check_line(Field::Reason, r).map_err(|why| Error::BadField {
                field: Field::Reason,
                why,
            })?;
        }
        self.signon(stmt, SignOnAction::Close, None, reason, key)
    }

    /// Opens a closed statement to endorsements again, or announces a deadline on an open
    /// one. `deadline` is a time as [`timefmt::parse_user_time`] reads it. Nothing is written
    /// when the statement is open and no deadline is given.
    pub fn open_statement(
        &self,
        stmt: &str,
        deadline: Option<&str>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        let deadline = deadline
            .map(|d| {
                timefmt::parse_user_time(d)
                    .and_then(timefmt::format_ms)
                    .ok_or_else(|| Error::BadDeadline {
                        value: d.to_string(),
                    })
            })
            .transpose()?;
        self.signon(stmt, SignOnAction::Open, deadline, None, key)
    }

    fn signon(
        &self,
        stmt: &str,
        action: SignOnAction,
        deadline: Option<String>,
        reason: Option<&str>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        self.act(key, |p| {
            let (now, view) = (p.now.clone(), p.view.clone());
            let state = statement_state(p, stmt, None)?;
            let editor = signing_editor(state, key)?;
            if state.format < FORMAT_SIGNATORIES {
                return Err(Error::OldFormat {
                    format: state.format,
                    what: "sign-on records",
                });
            }
            let st = statement_of(state, &view, stmt)?;
            match (action, st.closed(), &deadline) {
                (SignOnAction::Close, Some(c), _) => {
                    return Ok(Step::Nothing(format!(
                        "sign-on of {stmt} is already closed (commit {}); nothing was changed",
                        c.commit
                    )))
                }
                (SignOnAction::Open, None, None) => {
                    return Ok(Step::Nothing(format!(
                        "sign-on of {stmt} is open; nothing was changed (give --deadline to announce one)"
                    )))
                }
                _ => {}
            }
            Ok(Step::Write {
                act: Act::SignOn(SignOnRecord {
                    statement: stmt.to_string(),
                    seq: st.signon_count().saturating_add(1),
                    action,
                    deadline: deadline.clone(),
                    reason: reason.map(str::to_string),
                    editor: editor.id.clone(),
                    at: now,
                }),
                actor: editor,
            })
        })
    }
}
