//! Positions inside TOML strings: a query is the value of a TOML string, and an error
//! at byte `i` of the value must point at the right line and column of the file,
//! through escapes (`\"`, `\u00e9`), multi-line strings and line-ending backslashes.

use std::ops::Range;

/// Maps byte offsets of a decoded TOML string value to byte offsets in the file.
#[derive(Debug, Clone)]
pub struct StrMap {
    /// For each byte of the value (and one past its end), its offset in the file.
    offsets: Vec<usize>,
}

impl StrMap {
    /// The map for the string literal at `span` of `file`, whose decoded value is
    /// `value`. When the literal cannot be re-decoded to exactly `value`, every offset
    /// maps to the literal's start (never a wrong position, at worst a vague one).
    pub fn new(file: &str, span: Range<usize>, value: &str) -> StrMap {
        let raw = file.get(span.clone()).unwrap_or("");
        match decode(raw) {
            Some((decoded, mut offsets)) if decoded == value => {
                for o in &mut offsets {
                    *o += span.start;
                }
                StrMap { offsets }
            }
            _ => StrMap {
                offsets: vec![span.start; value.len() + 1],
            },
        }
    }

    /// The file byte range of value byte range `r`.
    pub fn map(&self, r: &Range<usize>) -> Range<usize> {
        let at = |i: usize| {
            self.offsets
                .get(i)
                .or(self.offsets.last())
                .copied()
                .unwrap_or(0)
        };
        let start = at(r.start);
        start..at(r.end).max(start)
    }
}

/// Decodes a TOML string literal, returning the value and, for each of its bytes and
/// one past the end, the offset in `raw`. `None` if `raw` is not a string literal.
fn decode(raw: &str) -> Option<(String, Vec<usize>)> {
    let (delim, multi) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if raw.starts_with("'''") {
        ("'''", true)
    } else if raw.starts_with('"') {
        ("\"", false)
    } else if raw.starts_with('\'') {
        ("'", false)
    } else {
        return None;
    };
    let body_end = raw.len().checked_sub(delim.len())?;
    if body_end < delim.len() || !raw.ends_with(delim) {
        return None;
    }
    let mut i = delim.len();
    if multi {
        // A newline right after the opening delimiter is not part of the value.
        if raw[i..].starts_with("\r\n") {
            i += 2;
        } else if raw[i..].starts_with('\n') {
            i += 1;
        }
    }
    let basic = delim.starts_with('"');
    let mut out = String::new();
    let mut offsets = Vec::new();
    let push = |out: &mut String, offsets: &mut Vec<usize>, c: char, at: usize| {
        out.push(c);
        offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
    };
    while i < body_end {
        let c = raw[i..].chars().next()?;
        if !(basic && c == '\\') {
            push(&mut out, &mut offsets, c, i);
            i += c.len_utf8();
            continue;
        }
        let esc = raw[i + 1..].chars().next()?;
        let simple = match esc {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(s) = simple {
            push(&mut out, &mut offsets, s, i);
            i += 2;
            continue;
        }
        let hex_len = match esc {
            'u' => 4,
            'U' => 8,
            'x' => 2,
            _ => 0,
        };
        if hex_len > 0 {
            let hex = raw.get(i + 2..i + 2 + hex_len)?;
            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            push(&mut out, &mut offsets, ch, i);
            i += 2 + hex_len;
            continue;
        }
        if multi && esc.is_whitespace() {
            // A line-ending backslash: the newline and the whitespace after it vanish.
            let rest = &raw[i + 1..body_end];
            let skip = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            if !rest[..skip].contains('\n') {
                return None;
            }
            i += 1 + skip;
            continue;
        }
        return None;
    }
    offsets.push(body_end);
    Some((out, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `key = <literal>` and checks that every byte of the value maps to the
    /// same character in the file.
    fn check(literal: &str) {
        let file = format!("q = {literal}\n");
        let value: toml::Table = toml::from_str(&file).unwrap();
        let value = value["q"].as_str().unwrap().to_string();
        let span = 4..4 + literal.len();
        let m = StrMap::new(&file, span, &value);
        for (i, c) in value.char_indices() {
            if c == '\n' || c == '"' || c == '\\' || !c.is_ascii() && literal.contains("\\u") {
                continue;
            }
            let at = m.map(&(i..i + c.len_utf8())).start;
            assert_eq!(
                file[at..].chars().next(),
                Some(c),
                "{literal}: value byte {i}"
            );
        }
    }

    #[test]
    fn every_kind_of_string() {
        check(r#""@tiktok AND ban""#);
        check(r#""@tiktok AND \"data centre\" AND x""#);
        check(r#""caf\u00e9 AND b""#);
        check("'@tiktok AND \"data centre\"'");
        check("'''\n@tiktok\n  AND ban'''");
        check("\"\"\"\n@tiktok \\\n    AND ban\"\"\"");
        check("\"\"\"@tiktok\n\"ban\" AND x\"\"\"");
        check("'é AND ü'");
    }

    #[test]
    fn a_mismatch_falls_back_to_the_start() {
        let m = StrMap::new("q = 'abc'", 4..9, "something else");
        assert_eq!(m.map(&(3..4)), 4..4);
        let m = StrMap::new("", 0..0, "x");
        assert_eq!(m.map(&(0..1)), 0..0);
    }
}
