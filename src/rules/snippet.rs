//! The snippet of an alert: the sentence around a match (sentences as the extractor's
//! segmenter finds them), trimmed to a readable length.

use crate::extract::segment::Segments;

/// Longest snippet, in characters, before it is cut with an ellipsis.
const MAX_CHARS: usize = 400;

/// The sentence of `text` containing byte offset `start` (the match's start; `end` is
/// kept for callers that have a range), trimmed to [`MAX_CHARS`].
pub fn sentence_around(text: &str, start: usize, end: usize) -> String {
    let seg = Segments::new(text);
    let pos = start.min(end).min(text.len());
    let r = seg.sentence_of(pos);
    let sentence = text.get(r).unwrap_or("").trim();
    trim_to_length(sentence)
}

/// `s`, cut at [`MAX_CHARS`] characters with an ellipsis when longer.
pub fn trim_to_length(s: &str) -> String {
    if s.chars().count() <= MAX_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_CHARS).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::sentence_around;

    #[test]
    fn picks_the_sentence() {
        let t = "First one. The U.S. targets WeChat now! Third?\nNext line";
        let i = t.find("WeChat").unwrap();
        assert_eq!(sentence_around(t, i, i + 6), "The U.S. targets WeChat now!");
        let i = t.find("Next").unwrap();
        assert_eq!(sentence_around(t, i, i + 4), "Next line");
        assert_eq!(sentence_around(t, 0, 5), "First one.");
        let long = format!("{} end.", "word ".repeat(200));
        assert!(sentence_around(&long, 0, 1).ends_with('…'));
    }

    #[test]
    fn wide_whitespace_before_a_full_stop() {
        // Found by the extract fuzz target: a word after U+2000 (EN QUAD, 3 bytes)
        // ending in "." was sliced one byte after the whitespace's start.
        let t = "The U.S. must\u{2000}ee. TikTok said so.";
        let i = t.find("TikTok").unwrap();
        assert_eq!(sentence_around(t, i, i + 6), "TikTok said so.");
    }

    #[test]
    fn never_panics_on_odd_offsets() {
        let t = "ééé. ü";
        for a in 0..=t.len() + 2 {
            for b in 0..=t.len() + 2 {
                let _ = sentence_around(t, a, b);
            }
        }
    }
}
