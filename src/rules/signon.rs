//! The rules of sign-on: an editor closes a statement to endorsements and opens it again,
//! records numbered in sequence, each changing something (a close of an open statement, an
//! open of a closed one, or a new deadline on an open one). While a statement is closed no
//! endorsement may be committed ([`super::endorsement`] applies that); withdrawals stay
//! possible, since a signatory may always leave. A deadline is shown, never enforced: record
//! times are the signers' own, so the close act is what the rules hold to.

use super::commit::{Context, File};
use super::fields::{self, Field};
use super::{decode, needs_format};
use crate::ids::Principal;
use crate::record::{SignOnAction, SignOnRecord};
use crate::report::{Broken, Rule};
use crate::state::{Change, SignOnEntry, State};
use git2::Oid;

/// Sign-on record `seq` of statement `stmt`.
pub fn check_signon(
    state: &State,
    f: &File,
    (stmt, seq): (&str, u32),
    ctx: &Context<'_>,
) -> Result<Change, Broken> {
    needs_format(state, "a sign-on record (signon/)")?;
    let st = state
        .statements
        .get(stmt)
        .filter(|s| s.current().is_some())
        .ok_or_else(|| {
            Broken::new(
                Rule::Reference,
                format!("statement {stmt} does not exist in the parent commit"),
            )
        })?;
    if Some(seq) != st.signon_count().checked_add(1) {
        return Err(Broken::new(
            Rule::Sequence,
            format!(
                "sign-on record {seq} of {stmt}, expected {}",
                st.signon_count().saturating_add(1)
            ),
        ));
    }
    let r: SignOnRecord = decode(f)?;
    let bad = |why: String| Broken::new(Rule::Record, why);
    if r.statement != stmt || r.seq != seq {
        return Err(bad(format!(
            "record is sign-on {} of {}, but lies at the path of sign-on {seq} of {stmt}",
            r.seq, r.statement
        )));
    }
    match (r.action, st.closed()) {
        (SignOnAction::Close, Some(c)) => {
            return Err(bad(format!(
                "sign-on of {stmt} is already closed (commit {})",
                c.commit
            )))
        }
        (SignOnAction::Close, None) if r.deadline.is_some() => {
            return Err(bad("a close carries no deadline".into()))
        }
        (SignOnAction::Open, None) if r.deadline.is_none() => {
            return Err(bad(format!(
                "sign-on of {stmt} is open; an open of an open statement announces a deadline"
            )))
        }
        (SignOnAction::Open, _) if r.reason.is_some() => {
            return Err(bad("an open carries no reason".into()))
        }
        _ => {}
    }
    if let Some(d) = &r.deadline {
        fields::record(fields::check_time("deadline", d))?;
    }
    if let Some(reason) = &r.reason {
        fields::in_record(Field::Reason, fields::check_line(Field::Reason, reason))?;
    }
    fields::record_time("at", &r.at, ctx.time)?;
    if let Some(s) = ctx.signer {
        if Principal::editor(&r.editor) != *s {
            return Err(bad(format!(
                "editor is {:?} but the commit is signed by {s}",
                r.editor
            )));
        }
    }
    Ok(Change::SignOn {
        stmt: stmt.to_string(),
        entry: SignOnEntry {
            seq,
            action: r.action,
            deadline: r.deadline,
            reason: r.reason,
            editor: r.editor,
            at: r.at,
            commit: Oid::ZERO_SHA1,
        },
    })
}
