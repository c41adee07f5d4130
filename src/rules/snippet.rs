//! The snippet of an alert: the sentence around a match, trimmed to a readable length.

/// Longest snippet, in characters, before it is cut with an ellipsis.
const MAX_CHARS: usize = 400;

/// The sentence of `text` containing the byte range `start..end`: from the previous
/// sentence end (". ", "! ", "? ", a line break) to the next one.
pub fn sentence_around(text: &str, start: usize, end: usize) -> String {
    let start = floor_boundary(text, start.min(text.len()));
    let end = floor_boundary(text, end.clamp(start, text.len()));
    let bytes = text.as_bytes();
    let mut s = start;
    while s > 0 {
        let b = bytes[s - 1];
        if b == b'\n' || (s >= 2 && b == b' ' && is_sentence_end(text, s - 2)) {
            break;
        }
        s -= 1;
    }
    let mut e = end;
    while e < bytes.len() {
        let b = bytes[e];
        if b == b'\n' {
            break;
        }
        e += 1;
        if (e == bytes.len() || bytes[e] == b' ' || bytes[e] == b'\n')
            && is_sentence_end(text, e - 1)
        {
            break;
        }
    }
    let sentence = text[s..e].trim();
    if sentence.chars().count() <= MAX_CHARS {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(MAX_CHARS).collect();
    format!("{}…", cut.trim_end())
}

/// Whether the byte at `i` ends a sentence: `!`, `?`, or a `.` that does not close an
/// abbreviation ("U.S.", "Mr.", "Inc.").
fn is_sentence_end(text: &str, i: usize) -> bool {
    match text.as_bytes()[i] {
        b'!' | b'?' => true,
        b'.' => {
            // After the whitespace character, whatever its width (U+2000 is 3 bytes).
            let word_start = text[..i]
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(p, c)| p + c.len_utf8());
            let word = &text[word_start..i];
            let initialism =
                word.contains('.') || (word.len() == 1 && word.chars().all(|c| c.is_uppercase()));
            const ABBREVIATIONS: &[&str] = &[
                "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Inc", "Ltd", "Co", "Corp", "vs", "No",
                "Gen", "Sen", "Rep", "Gov",
            ];
            !(initialism || ABBREVIATIONS.contains(&word))
        }
        _ => false,
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
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
