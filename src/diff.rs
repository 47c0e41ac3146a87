//! Word diffs between two texts, for readers comparing versions of a statement (the published
//! page's version history; `statement diff` will show the same).
//!
//! Words and the whitespace between them are the units, so a changed word shows as one word
//! removed and one added, and the segments put back together give each text exactly.

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, TextDiff};
use std::time::Duration;

/// What a segment of a diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// In both texts.
    Same,
    /// Only in the newer text.
    Added,
    /// Only in the older text.
    Removed,
}

/// A run of text with one [`Change`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Same, added or removed.
    pub change: Change,
    /// The text of the run, whitespace included.
    pub text: String,
}

/// Past this the diff settles for a coarser answer rather than make a reader wait: texts are at
/// most 1 MiB, and a word diff of two unrelated ones could take long.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// The word diff from `old` to `new`: runs of same, removed and added text, in reading order,
/// adjacent runs of one kind merged. The same and removed runs joined give `old`; the same and
/// added runs joined give `new`.
pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIMEOUT)
        .diff_words(old, new);
    let mut out: Vec<Segment> = Vec::new();
    for c in diff.iter_all_changes() {
        let change = match c.tag() {
            ChangeTag::Equal => Change::Same,
            ChangeTag::Insert => Change::Added,
            ChangeTag::Delete => Change::Removed,
        };
        match out.last_mut() {
            Some(last) if last.change == change => last.text.push_str(c.value()),
            _ => out.push(Segment {
                change,
                text: c.value().to_string(),
            }),
        }
    }
    out
}

/// True when the diff changes nothing.
pub fn is_unchanged(segments: &[Segment]) -> bool {
    segments.iter().all(|s| s.change == Change::Same)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(segs: &[Segment], skip: Change) -> String {
        segs.iter()
            .filter(|s| s.change != skip)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn a_changed_word_is_one_removal_and_one_addition() {
        let segs = word_diff(
            "a consequence for implementing the law",
            "a consequence of implementing the law",
        );
        assert_eq!(
            segs,
            vec![
                Segment {
                    change: Change::Same,
                    text: "a consequence ".into()
                },
                Segment {
                    change: Change::Removed,
                    text: "for".into()
                },
                Segment {
                    change: Change::Added,
                    text: "of".into()
                },
                Segment {
                    change: Change::Same,
                    text: " implementing the law".into()
                },
            ]
        );
    }

    #[test]
    fn both_texts_come_back_exactly() {
        let old = "Paragraph one.\n\nParagraph  two, with   spaces.\n";
        let new = "Paragraph one, revised.\n\nParagraph two.\nAnd a new line.\n";
        let segs = word_diff(old, new);
        assert_eq!(side(&segs, Change::Added), old);
        assert_eq!(side(&segs, Change::Removed), new);
        assert!(!is_unchanged(&segs));
        assert!(is_unchanged(&word_diff(old, old)));
        assert!(word_diff("", "").is_empty());
        assert_eq!(
            word_diff("", "new"),
            vec![Segment {
                change: Change::Added,
                text: "new".into()
            }]
        );
    }
}
