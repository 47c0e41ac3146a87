//! What a ledger holds, at a glance, from a verified state: its organizations, its statements
//! with counts, and who stands where on one statement — including the registered organizations
//! that never endorsed it, whom a coordinator still has to ask.

use crate::error::{Error, Result};
use crate::ids::{Principal, Role};
use crate::report::{
    formats, OrgList, OrgSummary, PeopleStatus, PersonList, PersonSummary, StaleOrg, StatementList,
    StatementSummary, Status, StatusCounts,
};
use crate::state::{in_force, Standing, State, StatementEntry};

/// Every registered organization, in slug order.
pub fn org_list(state: &State, head: &str) -> OrgList {
    OrgList {
        format: formats::ORG_LIST.into(),
        ledger_id: ledger_id(state),
        head: head.to_string(),
        organizations: state
            .orgs
            .iter()
            .map(|(id, o)| OrgSummary {
                id: id.clone(),
                name: o.name.clone(),
                url: o.url.clone(),
                country: o.country.clone(),
                key: o.current_key().map(|k| k.key.fingerprint.clone()),
                keys: o.key_count(),
                commit: o.commit.to_string(),
            })
            .collect(),
    }
}

/// Every registered individual, in slug order.
pub fn person_list(state: &State, head: &str) -> PersonList {
    PersonList {
        format: formats::PERSON_LIST.into(),
        ledger_id: ledger_id(state),
        head: head.to_string(),
        people: state
            .people
            .iter()
            .map(|(id, p)| PersonSummary {
                id: id.clone(),
                name: p.name.clone(),
                affiliation: p.affiliation.clone(),
                country: p.country.clone(),
                key: p.current_key().map(|k| k.key.fingerprint.clone()),
                keys: p.key_count(),
                commit: p.commit.to_string(),
            })
            .collect(),
    }
}

/// Every statement with its counts, in slug order, from a state whose statements hold no acts
/// yet (a pass keeps none, [`crate::verify::replay_summaries`]): each statement's acts are read back from the tree of `head`, counted and dropped in turn,
/// so that the list holds one statement's acts at a time, not the ledger's. With `verified`
/// false (a history that does not verify, whose trees may not read), a statement whose acts
/// cannot be read is counted without them.
pub fn statement_list_read(
    repo: &git2::Repository,
    state: &mut State,
    head: git2::Oid,
    verified: bool,
) -> Result<StatementList> {
    let ids: Vec<String> = state.statements.keys().cloned().collect();
    let mut statements = Vec::with_capacity(ids.len());
    for id in ids {
        let one = std::collections::BTreeSet::from([id.clone()]);
        if let Err(e) = crate::state::read_acts(repo, head, state, Some(&one)) {
            if verified {
                return Err(e);
            }
        }
        if let Some(st) = state.statements.get(&id) {
            statements.extend(summary(state, &id, st));
        }
        if let Some(st) = state.statements.get_mut(&id) {
            st.acts.clear();
        }
    }
    Ok(StatementList {
        format: formats::STATEMENT_LIST.into(),
        ledger_id: ledger_id(state),
        head: head.to_string(),
        statements,
    })
}

/// One statement's line of the list, or `None` while it has no version.
fn summary(state: &State, id: &str, st: &StatementEntry) -> Option<StatementSummary> {
    let current = st.current()?;
    Some(StatementSummary {
        id: id.to_string(),
        title: current.title.clone(),
        current_version: current.n,
        text_sha256: current.text_sha256.clone(),
        counts: standings(state, st, Role::Org).counts,
    })
}

/// Who stands where on `stmt`.
pub fn status(state: &State, stmt: &str, head: &str) -> Result<Status> {
    let st = state
        .statements
        .get(stmt)
        .filter(|s| s.current().is_some())
        .ok_or_else(|| Error::Unknown {
            kind: "statement",
            id: stmt.to_string(),
            known: state.statements.keys().cloned().collect(),
        })?;
    let current = st
        .current()
        .expect("the filter above keeps statements with a version");
    let s = standings(state, st, Role::Org);
    let p = standings(state, st, Role::Person);
    let endorsers: Vec<Principal> = s
        .current
        .iter()
        .map(|id| Principal::org(id))
        .chain(p.current.iter().map(|id| Principal::person(id)))
        .collect();
    Ok(Status {
        format: formats::STATUS.into(),
        ledger_id: ledger_id(state),
        head: head.to_string(),
        statement: stmt.to_string(),
        title: current.title.clone(),
        current_version: current.n,
        text_sha256: current.text_sha256.clone(),
        counts: s.counts,
        current: s.current,
        stale: s.stale,
        withdrawn: s.withdrawn,
        pending: s.pending,
        individuals: PeopleStatus {
            counts: p.counts,
            current: p.current,
            stale: p.stale,
            withdrawn: p.withdrawn,
            pending: p.pending,
        },
        by_kind_and_country: crate::audit::counts(state, &endorsers),
        signon: crate::audit::signon_view(st),
    })
}

struct Standings {
    counts: StatusCounts,
    current: Vec<String>,
    stale: Vec<StaleOrg>,
    withdrawn: Vec<String>,
    pending: Vec<String>,
}

/// Where each registered signatory of one kind stands.
fn standings(state: &State, st: &StatementEntry, role: Role) -> Standings {
    let registry = state.registry(role);
    let mut s = Standings {
        counts: StatusCounts {
            registered: registry.len(),
            ..StatusCounts::default()
        },
        current: Vec::new(),
        stale: Vec::new(),
        withdrawn: Vec::new(),
        pending: Vec::new(),
    };
    for org in registry.keys() {
        let who = Principal::new(role, org);
        match st.standing(&who) {
            Some(Standing::Current) => s.current.push(org.clone()),
            Some(Standing::Stale) => s.stale.push(StaleOrg {
                org: org.clone(),
                endorsed: in_force(st.acts_of(&who))
                    .iter()
                    .filter_map(|a| a.version)
                    .max()
                    .unwrap_or(0),
            }),
            Some(Standing::Withdrawn) => s.withdrawn.push(org.clone()),
            None => s.pending.push(org.clone()),
        }
    }
    s.counts.current = s.current.len();
    s.counts.stale = s.stale.len();
    s.counts.withdrawn = s.withdrawn.len();
    s.counts.pending = s.pending.len();
    s
}

fn ledger_id(state: &State) -> String {
    state.ledger_id.map(|l| l.to_string()).unwrap_or_default()
}
