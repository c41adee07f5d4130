//! Words as rules see them: runs of letters and digits, folded to lower case. The same
//! splitting is used for the words a query names and for the text of an item, so a
//! query phrase and the text agree on where words start and end ("TikTok's" is
//! `tiktok` `s`; "tick-tock" is `tick` `tock`; "U.S." is `u` `s`). Chinese and
//! Japanese write no spaces between words, so each of their characters is a word of
//! its own, and a query's "个人信息" is a phrase of four of them.

use std::ops::Range;

/// Byte ranges of the words of `text`, in order.
pub fn split(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break (i, c);
            }
        };
        if spaceless(first) {
            return Some(start..start + first.len_utf8());
        }
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() || spaceless(c) {
                end = i;
                break;
            }
            chars.next();
        }
        Some(start..end)
    })
}

/// How many words `text` holds, for measuring its length: a character of a script
/// without spaces is half a word (an English word is about two Chinese
/// characters), so "under 150 words" means about the same length in any script.
pub fn count(text: &str) -> usize {
    let (mut words, mut characters) = (0usize, 0usize);
    for r in split(text) {
        if spaceless_word(&text[r]) {
            characters += 1;
        } else {
            words += 1;
        }
    }
    words + characters.div_ceil(2)
}

/// Whether `word` (one of [`split`]'s) is a character of a script without spaces.
pub fn spaceless_word(word: &str) -> bool {
    word.starts_with(spaceless)
}

/// Whether `c` is of a script written without spaces between words: Chinese
/// characters (the unified ideographs, their extensions and compatibility forms) and
/// Japanese kana.
fn spaceless(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'      // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}'    // CJK Extension A
        | '\u{4e00}'..='\u{9fff}'    // CJK Unified Ideographs
        | '\u{f900}'..='\u{faff}'    // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{3134f}') // CJK Extensions B to G
}

/// Appends `word` folded to lower case onto `out` (ASCII fast path).
pub fn fold_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
}

/// `word` folded to lower case.
pub fn fold(word: &str) -> String {
    let mut s = String::with_capacity(word.len());
    fold_into(word, &mut s);
    s
}

/// Whether the bytes between two consecutive words of a phrase keep them one phrase:
/// spaces, hyphens and apostrophes ("data centre", "data-centre", "TikTok's"), a
/// lone period inside an initialism ("U.S"), or nothing at all (only characters of
/// a script without spaces, each a word, touch: "个人信息"); never a line break or
/// other punctuation.
pub fn joins_phrase(gap: &str) -> bool {
    if gap == "." || gap.is_empty() {
        return true;
    }
    gap.chars().all(|c| {
        (c.is_whitespace() && c != '\n' && c != '\r')
            || matches!(c, '-' | '‐' | '‑' | '–' | '\'' | '’')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<&str> {
        split(t).map(|r| &t[r]).collect()
    }

    #[test]
    fn splits_on_non_alphanumerics() {
        assert_eq!(
            words("TikTok's tick-tock, U.S."),
            ["TikTok", "s", "tick", "tock", "U", "S"]
        );
        assert_eq!(words("  微信 Weixin!"), ["微", "信", "Weixin"]);
        assert_eq!(
            words("收集APP个人信息"),
            ["收", "集", "APP", "个", "人", "信", "息"]
        );
        assert_eq!(words("ひらがなカナ"), ["ひ", "ら", "が", "な", "カ", "ナ"]);
        assert_eq!(words("한국어 단어"), ["한국어", "단어"]);
        assert_eq!(words(""), Vec::<&str>::new());
        assert_eq!(words("é"), ["é"]);
    }

    #[test]
    fn counts_characters_of_spaceless_scripts_as_half_words() {
        assert_eq!(count("TikTok's tick-tock"), 4);
        assert_eq!(count("收集用户个人信息"), 4);
        assert_eq!(count("工信部 APP"), 3);
        assert_eq!(count(""), 0);
    }

    #[test]
    fn folds_and_joins() {
        assert_eq!(fold("ÉCOLE Straße"), "école straße");
        assert!(joins_phrase(" "));
        assert!(joins_phrase("-"));
        assert!(joins_phrase("’"));
        assert!(joins_phrase("."));
        assert!(!joins_phrase(". "));
        assert!(!joins_phrase(", "));
        assert!(!joins_phrase("\n\n"));
        assert!(joins_phrase(""));
    }
}
