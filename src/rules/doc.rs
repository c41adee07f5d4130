//! An item prepared for rules, once, whatever the number of rules: its words (folded
//! to lower case, with byte offsets and sentence numbers), its sentences, and its
//! regions (title, lead, body).

use std::ops::Range;
use std::sync::OnceLock;

use super::words;
use crate::extract::segment::Segments;
use crate::model::Extraction;

/// One word of the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word {
    /// Byte range in the text.
    pub start: u32,
    pub end: u32,
    /// Byte range of the folded form in `Doc::folded`.
    pub lo: u32,
    pub hi: u32,
    /// Index of its sentence.
    pub sentence: u32,
}

/// An extraction prepared for rule evaluation.
#[derive(Debug)]
pub struct Doc<'a> {
    /// The extraction (its `text` is what offsets point into).
    pub ex: &'a Extraction,
    pub(crate) words: Vec<Word>,
    /// Every word folded to lower case, concatenated.
    pub(crate) folded: String,
    /// Sentence byte ranges.
    pub(crate) sentences: Vec<Range<usize>>,
    /// The title.
    pub(crate) title: Range<usize>,
    /// The title and the first paragraph of the body.
    pub(crate) lead: Range<usize>,
    /// Everything after the title.
    pub(crate) body: Range<usize>,
    /// The byte spans of the mentions that can stand in a list of names (not places
    /// or people), sorted: made on the first `central(…)` that asks.
    pub(crate) names: OnceLock<Vec<(u32, u32)>>,
}

impl<'a> Doc<'a> {
    /// Prepares `ex`. `title_len` is the byte length of the title at the start of the
    /// text (the engine writes title, a blank line, then the body); `None` when the
    /// item has no title, so the text is all body.
    pub fn new(ex: &'a Extraction, title_len: Option<usize>) -> Self {
        let text = ex.text.as_str();
        let seg = Segments::new(text);
        let sentences = seg.sentences().to_vec();
        let mut folded = String::with_capacity(text.len());
        let mut out = Vec::with_capacity(text.len() / 6);
        let mut s = 0usize;
        for r in words::split(text) {
            while s + 1 < sentences.len() && sentences[s].end <= r.start {
                s += 1;
            }
            let lo = folded.len();
            words::fold_into(&text[r.clone()], &mut folded);
            out.push(Word {
                start: r.start as u32,
                end: r.end as u32,
                lo: lo as u32,
                hi: folded.len() as u32,
                sentence: s as u32,
            });
        }
        let mut title_end = title_len.map_or(0, |n| n.min(text.len()));
        while !text.is_char_boundary(title_end) {
            title_end -= 1;
        }
        let body_start = text[title_end..]
            .find(|c: char| !c.is_whitespace())
            .map_or(text.len(), |i| title_end + i);
        let lead_end = seg
            .paragraphs()
            .iter()
            .find(|p| p.end > body_start)
            .map_or(text.len(), |p| p.end);
        Doc {
            ex,
            words: out,
            folded,
            sentences,
            title: 0..title_end,
            lead: 0..lead_end.max(title_end),
            body: body_start..text.len(),
            names: OnceLock::new(),
        }
    }

    /// The folded form of word `i`.
    pub(crate) fn folded(&self, i: usize) -> &str {
        let w = &self.words[i];
        &self.folded[w.lo as usize..w.hi as usize]
    }

    /// The word index range covering byte range `start..end` (a mention).
    pub(crate) fn word_span(&self, start: usize, end: usize) -> (u32, u32) {
        let first = self.words.partition_point(|w| (w.end as usize) <= start);
        let last = self.words.partition_point(|w| (w.start as usize) < end);
        (first as u32, last.max(first) as u32)
    }

    /// The index of the sentence containing byte `pos` (or the last before it).
    pub(crate) fn sentence_at(&self, pos: usize) -> u32 {
        self.sentences
            .partition_point(|s| s.start <= pos)
            .saturating_sub(1) as u32
    }

    /// The byte range a scope allows.
    pub(crate) fn region(&self, scope: super::program::Scope) -> Range<usize> {
        let mut r = 0..self.ex.text.len();
        for (on, reg) in [
            (scope.title, &self.title),
            (scope.lead, &self.lead),
            (scope.body, &self.body),
        ] {
            if on {
                r = r.start.max(reg.start)..r.end.min(reg.end);
            }
        }
        r.start..r.end.max(r.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::program::Scope;

    #[test]
    fn regions_words_and_sentences() {
        let ex = Extraction {
            text: "TikTok ban looms\n\nFirst para. Second one.\n\nLater para.".into(),
            ..Extraction::default()
        };
        let d = Doc::new(&ex, Some(16));
        let t = &ex.text;
        assert_eq!(&t[d.title.clone()], "TikTok ban looms");
        assert_eq!(
            &t[d.lead.clone()],
            "TikTok ban looms\n\nFirst para. Second one."
        );
        assert_eq!(&t[d.body.clone()], "First para. Second one.\n\nLater para.");
        let lead_body = Scope {
            lead: true,
            body: true,
            ..Scope::default()
        };
        assert_eq!(&t[d.region(lead_body)], "First para. Second one.");
        assert_eq!(d.folded(0), "tiktok");
        let second = d
            .words
            .iter()
            .position(|w| &t[w.start as usize..w.end as usize] == "Second")
            .unwrap();
        assert_eq!(d.words[second].sentence, 2);
        let i = t.find("ban").unwrap();
        assert_eq!(d.word_span(i, i + 3), (1, 2));
        let odd = Extraction {
            text: "éé".into(),
            ..Extraction::default()
        };
        assert_eq!(
            Doc::new(&odd, Some(1)).title,
            0..0,
            "a title length inside a character"
        );
        let untitled = Doc::new(&ex, None);
        assert_eq!(untitled.title, 0..0);
        assert_eq!(&t[untitled.lead.clone()], "TikTok ban looms");
    }
}
