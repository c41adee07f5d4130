//! Paragraphs and sentences: byte ranges of the text, found once per document and
//! shared by the stages that need scope (context rules, quotes, attribution).
//! Paragraphs are separated by blank lines; sentences end at a line break or at
//! `.`, `!`, `?` (closing quotes and brackets included) before a capitalised word,
//! a digit or an opening quote, except after titles, initials and dotted
//! abbreviations ("Mr.", "J.", "U.S.").

use std::ops::Range;

/// The paragraphs and sentences of one text.
#[derive(Debug, Clone, Default)]
pub struct Segments {
    /// Paragraph ranges, in order, non-overlapping, trimmed.
    paragraphs: Vec<Range<usize>>,
    /// Sentence ranges, in order, non-overlapping, trimmed.
    sentences: Vec<Range<usize>>,
    /// For each sentence, the index of its paragraph.
    sentence_paragraph: Vec<usize>,
}

/// Words that, followed by a period, do not end a sentence.
pub(crate) const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Sen", "Rep", "Gov", "Gen", "Col", "Lt", "Sgt", "Capt",
    "Rev", "Hon", "Jr", "Sr", "No", "Nos", "vs", "etc", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul",
    "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Mt", "Ft", "approx", "Fig",
];

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»')
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '(' | '[' | '«' | '„')
}

impl Segments {
    /// Splits `text`.
    pub fn new(text: &str) -> Self {
        let mut seg = Segments::default();
        let bytes = text.as_bytes();
        let mut para_start = 0;
        let mut resume = 0;
        for i in memchr::memchr_iter(b'\n', bytes) {
            if i < resume {
                continue;
            }
            // A blank line (only whitespace between two newlines) ends a paragraph.
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\n' {
                seg.push_paragraph(text, para_start..i);
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                para_start = j;
                resume = j;
            }
        }
        seg.push_paragraph(text, para_start..text.len());
        seg
    }

    fn push_paragraph(&mut self, text: &str, r: Range<usize>) {
        let r = trim(text, r);
        if r.is_empty() {
            return;
        }
        let p = self.paragraphs.len();
        self.paragraphs.push(r.clone());
        let s = &text[r.clone()];
        let bytes = s.as_bytes();
        let mut start = 0;
        let mut resume = 0;
        // Sentence ends are ASCII, so a byte search finds them without decoding.
        let lines = memchr::memchr_iter(b'\n', bytes);
        let stops = memchr::memchr3_iter(b'.', b'!', b'?', bytes);
        for i in merge_sorted(lines, stops) {
            if i < resume {
                continue;
            }
            let c = bytes[i];
            let end = if c == b'\n' {
                Some(i)
            } else {
                let mut j = i + 1;
                while let Some(n) = s[j..].chars().next().filter(|&n| is_closer(n)) {
                    j += n.len_utf8();
                }
                let rest = &s[j..];
                let after_space = rest.trim_start_matches([' ', '\t']);
                let spaced = after_space.len() < rest.len() || rest.is_empty();
                let next = after_space.chars().next();
                let starts_sentence = match next {
                    None | Some('\n') => true,
                    Some(n) => n.is_uppercase() || n.is_ascii_digit() || is_opener(n),
                };
                (spaced && starts_sentence && !(c == b'.' && is_abbreviation(&s[..i]))).then_some(j)
            };
            if let Some(end) = end {
                self.push_sentence(text, r.start + start..r.start + end, p);
                start = end;
                resume = end.max(i + 1);
            }
        }
        self.push_sentence(text, r.start + start..r.end, p);
    }

    fn push_sentence(&mut self, text: &str, r: Range<usize>, paragraph: usize) {
        let r = trim(text, r);
        if !r.is_empty() {
            self.sentences.push(r);
            self.sentence_paragraph.push(paragraph);
        }
    }

    /// Every paragraph.
    pub fn paragraphs(&self) -> &[Range<usize>] {
        &self.paragraphs
    }

    /// Every sentence.
    pub fn sentences(&self) -> &[Range<usize>] {
        &self.sentences
    }

    /// Index of the sentence containing `pos`, or the last one starting before it.
    pub fn sentence_index(&self, pos: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.start <= pos);
        i.checked_sub(1)
    }

    /// The sentence containing `pos` (or the nearest before it); empty when none.
    pub fn sentence_of(&self, pos: usize) -> Range<usize> {
        self.sentence_index(pos)
            .map_or(pos..pos, |i| self.sentences[i].clone())
    }

    /// The paragraph containing `pos` (or the nearest before it); empty when none.
    pub fn paragraph_of(&self, pos: usize) -> Range<usize> {
        let i = self.paragraphs.partition_point(|s| s.start <= pos);
        i.checked_sub(1)
            .map_or(pos..pos, |i| self.paragraphs[i].clone())
    }

    /// Index of the paragraph of sentence `i`.
    pub fn paragraph_of_sentence(&self, i: usize) -> Option<usize> {
        self.sentence_paragraph.get(i).copied()
    }
}

/// Two ascending sequences of positions, merged in order.
fn merge_sorted(
    a: impl Iterator<Item = usize>,
    b: impl Iterator<Item = usize>,
) -> impl Iterator<Item = usize> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(&x), Some(&y)) if x <= y => a.next(),
        (Some(_), Some(_)) => b.next(),
        (Some(_), None) => a.next(),
        (None, _) => b.next(),
    })
}

/// Whether the text before a period ends with an abbreviation: a title, a single
/// capital (an initial), or a dotted form ("U.S").
fn is_abbreviation(before: &str) -> bool {
    let word_start = before
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '“' || c == '"')
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let word = &before[word_start..];
    if word.contains('.') {
        return true;
    }
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    ABBREVIATIONS.contains(&word)
}

/// `r` without surrounding whitespace.
fn trim(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let start = r.start + (s.len() - s.trim_start().len());
    let end = r.start + s.trim_end().len();
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        Segments::new(text)
            .sentences()
            .iter()
            .map(|r| &text[r.clone()])
            .collect()
    }

    #[test]
    fn sentence_cases() {
        let cases: &[(&str, &[&str])] = &[
            ("One. Two.", &["One.", "Two."]),
            ("Is it? Yes!", &["Is it?", "Yes!"]),
            (
                "Mr. Smith went. Then he left.",
                &["Mr. Smith went.", "Then he left."],
            ),
            (
                "The U.S. must act. It will.",
                &["The U.S. must act.", "It will."],
            ),
            ("Donald J. Trump said so.", &["Donald J. Trump said so."]),
            ("“Stop.” Then silence.", &["“Stop.”", "Then silence."]),
            ("Up 10.5 percent today.", &["Up 10.5 percent today."]),
            ("Title\nBody text.", &["Title", "Body text."]),
            ("A.\n\nB.", &["A.", "B."]),
            (
                "It said: “We are shocked.” The end.",
                &["It said: “We are shocked.”", "The end."],
            ),
            ("", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(sentences(text), *want, "text: {text:?}");
        }
    }

    #[test]
    fn paragraphs_and_lookup() {
        let text = "First para. Second sentence.\n\n  Second para.\n \nThird.";
        let s = Segments::new(text);
        let p: Vec<&str> = s.paragraphs().iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(
            p,
            ["First para. Second sentence.", "Second para.", "Third."]
        );
        let pos = text.find("Second para").unwrap();
        assert_eq!(&text[s.paragraph_of(pos)], "Second para.");
        assert_eq!(&text[s.sentence_of(pos + 3)], "Second para.");
        let i = s
            .sentence_index(text.find("Second sentence").unwrap())
            .unwrap();
        assert_eq!(s.paragraph_of_sentence(i), Some(0));
    }

    #[test]
    fn odd_unicode_does_not_panic() {
        for t in ["é. É.", "😀. 😀!", "。\n\n。", ". . .", "\n\n\n", "a.’’’ B"] {
            let _ = Segments::new(t);
        }
    }
}
