//! `statement translate`: a translation added to the current version, as a new version that
//! carries the same original and translations plus the new one (or a corrected one in place of
//! the old). Earlier endorsements become stale for it: a signatory endorses every text of a
//! version, so a text published later is never covered by a signature made before it.

use super::statements::{unknown_statement, Revision};
use super::Ledger;
use crate::error::{Error, Result};
use crate::ids::check_slug;
use crate::keys::SigningKey;
use crate::record::is_lang;
use crate::report::Outcome;
use crate::view::View;

impl Ledger {
    /// Adds (or replaces) the translation in `lang` of the current version of `stmt`, as
    /// version n+1 with every other text unchanged. The current version must name the
    /// language of its original (`statement revise --lang`).
    pub fn translate_statement(
        &self,
        stmt: &str,
        lang: &str,
        text: &[u8],
        note: Option<&str>,
        key: &SigningKey,
    ) -> Result<Outcome> {
        check_slug("statement", stmt)?;
        if !is_lang(lang) {
            return Err(Error::BadLang {
                lang: lang.to_string(),
                why: "is not a language tag in lower case such as en, fr or pt-br".into(),
            });
        }
        let repo = self.store.repo();
        let head = self.store.head()?.ok_or(Error::EmptyHistory)?;
        let tree = repo.find_commit(head)?.tree()?;
        let view = View {
            repo,
            tree: &tree,
            commit: head,
        };
        let count = view.version_count(stmt)?;
        let Some((rec, original)) = view.version(stmt, count)? else {
            return Err(unknown_statement(&view, stmt));
        };
        let Some(original_lang) = rec.lang.clone() else {
            return Err(Error::NoOriginalLang {
                stmt: stmt.to_string(),
                version: count,
            });
        };
        if original_lang == lang {
            return Err(Error::BadLang {
                lang: lang.to_string(),
                why: format!(
                    "is the language of the original of version {count}; revise the statement to change its original"
                ),
            });
        }
        let mut others: Vec<(String, Vec<u8>)> = Vec::new();
        for t in rec.translations.iter().filter(|t| t.lang != lang) {
            let path = crate::layout::translation_text(stmt, count, &t.lang);
            let bytes = view.bytes(&path)?.ok_or_else(|| Error::DamagedRecord {
                commit: head.to_string(),
                path,
                why: "a translation the version record names is missing".into(),
            })?;
            others.push((t.lang.clone(), bytes));
        }
        let mut translations: Vec<(&str, &[u8])> = others
            .iter()
            .map(|(l, b)| (l.as_str(), b.as_slice()))
            .collect();
        translations.push((lang, text));
        let revision = Revision {
            text: &original,
            note,
            title: None,
            lang: Some(&original_lang),
            translations,
            based_on: Some(count),
        };
        self.revise_statement(stmt, &revision, key)
    }
}
