//! The query lexer: turns query text into tokens, each with its byte span in the
//! query, so every error can point at the exact spot. Never panics on any input.

use std::ops::Range;

use super::SyntaxError;

/// A comparison in `mentions(…) >= n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
}

impl Cmp {
    /// Whether `a cmp b` holds.
    pub fn holds(self, a: usize, b: usize) -> bool {
        match self {
            Cmp::Ge => a >= b,
            Cmp::Gt => a > b,
            Cmp::Le => a <= b,
            Cmp::Lt => a < b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

/// One token of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `NOT`
    Not,
    /// `IN`
    In,
    /// `NEAR/n`
    Near(u32),
    /// `SENTENCE`
    Sentence,
    /// `mentions`
    Mentions,
    /// `central`
    Central,
    /// A comparison other than a single `=`.
    Cmp(Cmp),
    /// A single `=`: the exact-case prefix, or equality after `mentions(…)`.
    Equals,
    /// `@id` or `@id+owned`.
    Entity {
        /// The id.
        id: String,
        /// Whether `+owned` followed.
        owned: bool,
    },
    /// `name:` (a field or a scope).
    Field(String),
    /// A bare word (may hold inner `-`, `'`, `.`, and end in `*`).
    Word(String),
    /// A quoted phrase, quotes removed.
    Phrase(String),
}

/// A token and where it is in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    /// The token.
    pub tok: Tok,
    /// Its byte range in the query.
    pub span: Range<usize>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Splits `q` into tokens.
pub fn lex(q: &str) -> Result<Vec<Spanned>, SyntaxError> {
    let mut out = Vec::new();
    let mut it = q.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
            continue;
        }
        let single = |tok: Tok| Spanned {
            tok,
            span: i..i + c.len_utf8(),
        };
        match c {
            '(' => {
                it.next();
                out.push(single(Tok::LParen));
            }
            ')' => {
                it.next();
                out.push(single(Tok::RParen));
            }
            ',' => {
                it.next();
                out.push(single(Tok::Comma));
            }
            '>' | '<' | '=' | '!' => {
                it.next();
                let eq = it.peek().is_some_and(|&(_, n)| n == '=');
                if eq {
                    it.next();
                }
                let tok = match (c, eq) {
                    ('>', true) => Tok::Cmp(Cmp::Ge),
                    ('>', false) => Tok::Cmp(Cmp::Gt),
                    ('<', true) => Tok::Cmp(Cmp::Le),
                    ('<', false) => Tok::Cmp(Cmp::Lt),
                    ('=', true) => Tok::Cmp(Cmp::Eq),
                    ('=', false) => Tok::Equals,
                    ('!', true) => Tok::Cmp(Cmp::Ne),
                    _ => {
                        return Err(SyntaxError::new(
                            i..i + 1,
                            "unexpected `!`: write NOT to exclude, or != to compare",
                        ));
                    }
                };
                out.push(Spanned {
                    tok,
                    span: i..i + if eq { 2 } else { 1 },
                });
            }
            '"' | '“' | '”' => {
                it.next();
                let body_start = i + c.len_utf8();
                let mut end = None;
                for (j, n) in it.by_ref() {
                    if n == '"' || n == '”' || n == '“' {
                        end = Some((j, j + n.len_utf8()));
                        break;
                    }
                }
                let Some((close, after)) = end else {
                    return Err(SyntaxError::new(
                        i..i + c.len_utf8(),
                        "this quote is never closed",
                    ));
                };
                out.push(Spanned {
                    tok: Tok::Phrase(q[body_start..close].to_string()),
                    span: i..after,
                });
            }
            '@' => {
                it.next();
                let start = i + 1;
                let mut end = start;
                while let Some(&(j, n)) = it.peek() {
                    if !is_id_char(n) {
                        break;
                    }
                    end = j + n.len_utf8();
                    it.next();
                }
                // A trailing period ends a sentence, not an id.
                let id = q[start..end].trim_end_matches('.');
                if id.is_empty() {
                    return Err(SyntaxError::new(
                        i..i + 1,
                        "`@` must be followed by an entity id, e.g. @tiktok",
                    ));
                }
                let mut span_end = start + id.len();
                let mut owned = false;
                if q[span_end..].starts_with('+') {
                    let rest = &q[span_end + 1..];
                    let suffix_len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                    let suffix = &rest[..suffix_len];
                    if suffix != "owned" {
                        return Err(SyntaxError::new(
                            span_end..span_end + 1 + suffix_len,
                            format!(
                                "unknown suffix `+{suffix}`: the only one is +owned (the entity and what it owns)"
                            ),
                        ));
                    }
                    owned = true;
                    span_end += 1 + suffix_len;
                }
                while it.peek().is_some_and(|&(j, _)| j < span_end) {
                    it.next();
                }
                out.push(Spanned {
                    tok: Tok::Entity {
                        id: id.to_string(),
                        owned,
                    },
                    span: i..span_end,
                });
            }
            c if is_word_char(c) => {
                let start = i;
                let mut end = start;
                while let Some(&(j, n)) = it.peek() {
                    let inner = matches!(n, '-' | '\'' | '’' | '.' | '*');
                    if !(is_word_char(n) || inner) {
                        break;
                    }
                    end = j + n.len_utf8();
                    it.next();
                }
                let word = &q[start..end];
                // Punctuation that ends a word belongs to the sentence around it.
                let trimmed = word.trim_end_matches(['-', '\'', '’', '.']);
                let end = start + trimmed.len();
                if let Some((j, _)) = trimmed
                    .char_indices()
                    .find(|&(j, c)| c == '*' && j + 1 < trimmed.len())
                {
                    return Err(SyntaxError::new(
                        start + j..start + j + 1,
                        "`*` may only end a word (a prefix: fine* matches fine, fined, fines)",
                    ));
                }
                if q[end..].starts_with(':') && !trimmed.contains(['-', '\'', '’', '.', '*']) {
                    while it.peek().is_some_and(|&(j, _)| j <= end) {
                        it.next();
                    }
                    out.push(Spanned {
                        tok: Tok::Field(trimmed.to_string()),
                        span: start..end + 1,
                    });
                    continue;
                }
                while it.peek().is_some_and(|&(j, _)| j < end) {
                    it.next();
                }
                let span = start..end;
                let tok = match trimmed {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    "IN" => Tok::In,
                    "SENTENCE" => Tok::Sentence,
                    "mentions" if next_non_space(q, end) == Some('(') => Tok::Mentions,
                    "central" if next_non_space(q, end) == Some('(') => Tok::Central,
                    "NEAR" => {
                        let (n, n_end) = near_distance(q, start, end)?;
                        while it.peek().is_some_and(|&(j, _)| j < n_end) {
                            it.next();
                        }
                        out.push(Spanned {
                            tok: Tok::Near(n),
                            span: start..n_end,
                        });
                        continue;
                    }
                    w => Tok::Word(w.to_string()),
                };
                out.push(Spanned { tok, span });
            }
            other => {
                return Err(SyntaxError::new(
                    i..i + other.len_utf8(),
                    format!("unexpected `{other}`"),
                ));
            }
        }
    }
    Ok(out)
}

fn next_non_space(q: &str, from: usize) -> Option<char> {
    q.get(from..)?.chars().find(|c| !c.is_whitespace())
}

/// Parses the `/n` after `NEAR` (the word spans `start..at`): the distance and the
/// end of the token. Errors point at the whole `NEAR/…`.
fn near_distance(q: &str, start: usize, at: usize) -> Result<(u32, usize), SyntaxError> {
    let help = "write NEAR/n with n the most words allowed between the two sides, e.g. NEAR/10";
    let rest = q.get(at..).unwrap_or("");
    let Some(digits) = rest.strip_prefix('/') else {
        return Err(SyntaxError::new(start..at, help));
    };
    let len = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let end = at + 1 + len;
    match digits[..len].parse::<u32>() {
        Ok(n) if n <= 1000 => Ok((n, end)),
        Ok(_) => Err(SyntaxError::new(
            start..end,
            "NEAR distance must be at most 1000 words",
        )),
        Err(_) => Err(SyntaxError::new(start..end, help)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(q: &str) -> Vec<Tok> {
        lex(q).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens_and_spans() {
        assert_eq!(
            toks("@bytedance+owned AND NOT kind:regulator"),
            vec![
                Tok::Entity {
                    id: "bytedance".into(),
                    owned: true
                },
                Tok::And,
                Tok::Not,
                Tok::Field("kind".into()),
                Tok::Word("regulator".into()),
            ]
        );
        assert_eq!(
            toks("@tiktok NEAR/10 ban*, mentions(@wechat) >= 2 =\"WeChat\""),
            vec![
                Tok::Entity {
                    id: "tiktok".into(),
                    owned: false
                },
                Tok::Near(10),
                Tok::Word("ban*".into()),
                Tok::Comma,
                Tok::Mentions,
                Tok::LParen,
                Tok::Entity {
                    id: "wechat".into(),
                    owned: false
                },
                Tok::RParen,
                Tok::Cmp(Cmp::Ge),
                Tok::Word("2".into()),
                Tok::Equals,
                Tok::Phrase("WeChat".into()),
            ]
        );
        let t = lex("x  “data centre”").unwrap();
        assert_eq!(t[1].tok, Tok::Phrase("data centre".into()));
        assert_eq!(t[1].span, 3..20);
        assert_eq!(
            toks("tick-tock. @nl-ap."),
            vec![
                Tok::Word("tick-tock".into()),
                Tok::Entity {
                    id: "nl-ap".into(),
                    owned: false
                }
            ]
        );
        assert_eq!(toks("mentions"), vec![Tok::Word("mentions".into())]);
    }

    #[test]
    fn errors_point_at_the_spot() {
        assert_eq!(lex("a \"open").unwrap_err().span, 2..3);
        assert_eq!(lex("@x+own").unwrap_err().span, 2..6);
        assert_eq!(lex("a NEAR b").unwrap_err().span, 2..6);
        assert_eq!(lex("a NEAR/ b").unwrap_err().span, 2..7);
        assert_eq!(lex("a ; b").unwrap_err().span, 2..3);
        assert_eq!(lex("\"a\". b").unwrap_err().span, 3..4);
        assert_eq!(lex("fi*ne").unwrap_err().span, 2..3);
        assert!(lex("@").is_err());
        assert!(lex("NEAR/99999999999").is_err());
    }
}
