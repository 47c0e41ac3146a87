//! Paths come from the trees of any commit in a clone. Whatever `classify` accepts must be the
//! one path the layout builders write for that entry, or two paths could name one record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::ids::Principal;
use undersigned::layout::{self, Entry};

fn rebuild(e: &Entry) -> String {
    match e {
        Entry::Ledger => layout::LEDGER_FILE.to_string(),
        Entry::AllowedSigners => layout::ALLOWED_SIGNERS.to_string(),
        Entry::Editor { id } => format!("{}/editor.json", layout::editor_dir(id)),
        Entry::EditorKey { id, seq } => layout::key_path(&layout::editor_dir(id), *seq),
        Entry::EditorRevocation { id, seq } => {
            layout::revocation_path(&layout::editor_dir(id), *seq)
        }
        Entry::EditorRemoved { id } => layout::removal_path(id),
        Entry::Org { id } => format!("{}/org.json", layout::org_dir(id)),
        Entry::OrgKey { id, seq } => layout::key_path(&layout::org_dir(id), *seq),
        Entry::OrgRevocation { id, seq } => layout::revocation_path(&layout::org_dir(id), *seq),
        Entry::VersionText { stmt, n } => layout::version_text(stmt, *n),
        Entry::VersionMeta { stmt, n } => layout::version_meta(stmt, *n),
        Entry::Act { stmt, org, seq } => layout::act_path(stmt, org, *seq),
        Entry::Person { id } => format!("{}/person.json", layout::person_dir(id)),
        Entry::PersonKey { id, seq } => layout::key_path(&layout::person_dir(id), *seq),
        Entry::PersonRevocation { id, seq } => {
            layout::revocation_path(&layout::person_dir(id), *seq)
        }
        Entry::TranslationText { stmt, n, lang } => layout::translation_text(stmt, *n, lang),
        Entry::PersonAct { stmt, person, seq } => {
            layout::signatory_act_path(stmt, &Principal::person(person), *seq)
        }
        Entry::SignOn { stmt, seq } => layout::signon_path(stmt, *seq),
        Entry::Checkpoint { seq } => layout::checkpoint_path(*seq),
        Entry::Cosignature { seq, org } => layout::cosignature_path(*seq, org),
        Entry::Quorum { seq } => layout::quorum_path(*seq),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(entry) = layout::classify(s) {
        assert_eq!(
            rebuild(&entry),
            s,
            "classify({s:?}) = {entry:?} does not round-trip"
        );
        assert_eq!(layout::classify(&rebuild(&entry)), Some(entry));
    }
    if let Some(n) = layout::parse_seq(s) {
        assert_eq!(layout::seq_name(n), s);
    }
});
