//! The query parser: recursive descent over the lexer's tokens, with a nesting limit
//! so that no input (however deep or garbled) can overflow the stack or panic.

use super::lex::{Spanned, Tok, lex};
use super::{Expr, ExprKind, Region, SyntaxError};

/// Deepest nesting of parentheses and operators accepted.
const MAX_DEPTH: usize = 64;

/// Parses a query.
pub fn parse(query: &str) -> Result<Expr, SyntaxError> {
    let toks = lex(query)?;
    if toks.is_empty() {
        return Err(SyntaxError::new(
            0..query.len(),
            "the query is empty: name what to match, e.g. @tiktok AND ban",
        ));
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        depth: 0,
        end: query.len(),
    };
    let e = p.or()?;
    if let Some(t) = p.peek() {
        return Err(p.unexpected_after_term(t));
    }
    Ok(e)
}

struct Parser<'a> {
    toks: &'a [Spanned],
    pos: usize,
    depth: usize,
    end: usize,
}

fn join(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Spanned> {
        self.toks.get(self.pos)
    }

    fn bump(&mut self) -> Option<&'a Spanned> {
        let t = self.toks.get(self.pos);
        self.pos += usize::from(t.is_some());
        t
    }

    fn eof_span(&self) -> std::ops::Range<usize> {
        self.end..self.end
    }

    fn enter(&mut self, at: &std::ops::Range<usize>) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError::new(
                at.clone(),
                format!("the query nests more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    /// The error for a token that follows a complete term where none may.
    fn unexpected_after_term(&self, t: &Spanned) -> SyntaxError {
        let msg = match &t.tok {
            Tok::RParen => "unmatched `)`".to_string(),
            Tok::Word(w) if matches!(w.as_str(), "and" | "or" | "not" | "near" | "in") => format!(
                "operators are written in capitals: {} (to search for the word `{w}`, quote it: \"{w}\")",
                w.to_uppercase()
            ),
            Tok::Comma => "unexpected `,` (commas separate the parts of SENTENCE(…, …))".into(),
            _ => "expected AND or OR before this: two terms side by side are not allowed \
                  (to match words next to each other, quote them as a phrase: \"data centre\")"
                .into(),
        };
        SyntaxError::new(t.span.clone(), msg)
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.and()?;
        let mut items = vec![first];
        while matches!(self.peek(), Some(Spanned { tok: Tok::Or, .. })) {
            self.bump();
            items.push(self.and()?);
        }
        Ok(combine(items, ExprKind::Or))
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.unary()?;
        let mut items = vec![first];
        while matches!(self.peek(), Some(Spanned { tok: Tok::And, .. })) {
            self.bump();
            items.push(self.unary()?);
        }
        Ok(combine(items, ExprKind::And))
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if let Some(Spanned {
            tok: Tok::Not,
            span,
        }) = self.peek()
        {
            self.bump();
            self.enter(span)?;
            let inner = self.unary()?;
            self.depth -= 1;
            let span = join(span, &inner.span);
            return Ok(Expr::new(ExprKind::Not(Box::new(inner)), span));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.primary()?;
        // Each postfix operator nests the tree one level deeper.
        let mut levels = 0;
        loop {
            if let Some(
                t @ Spanned {
                    tok: Tok::Near(_) | Tok::In,
                    ..
                },
            ) = self.peek()
            {
                self.enter(&t.span)?;
                levels += 1;
            }
            match self.peek() {
                Some(Spanned {
                    tok: Tok::Near(n), ..
                }) => {
                    self.bump();
                    let right = self.primary()?;
                    let span = join(&left.span, &right.span);
                    left = Expr::new(ExprKind::Near(Box::new(left), Box::new(right), *n), span);
                }
                Some(Spanned { tok: Tok::In, span }) => {
                    self.bump();
                    let region = match self.bump() {
                        Some(Spanned {
                            tok: Tok::Word(w),
                            span: rspan,
                        }) => Region::parse(w).ok_or_else(|| {
                            SyntaxError::new(
                                rspan.clone(),
                                format!("unknown region `{w}`: use IN title, IN lead or IN body"),
                            )
                        })?,
                        Some(t) => {
                            return Err(SyntaxError::new(
                                t.span.clone(),
                                "expected a region after IN: title, lead or body",
                            ));
                        }
                        None => {
                            return Err(SyntaxError::new(
                                span.clone(),
                                "expected a region after IN: title, lead or body",
                            ));
                        }
                    };
                    let end = self.toks[self.pos - 1].span.end;
                    let span = left.span.start..end;
                    left = Expr::new(ExprKind::Scope(region, Box::new(left)), span);
                }
                _ => {
                    self.depth -= levels;
                    return Ok(left);
                }
            }
        }
    }

    fn expect_rparen(&mut self, open: &std::ops::Range<usize>) -> Result<usize, SyntaxError> {
        match self.bump() {
            Some(Spanned {
                tok: Tok::RParen,
                span,
            }) => Ok(span.end),
            Some(t) => Err(self.unexpected_after_term(t)),
            None => Err(SyntaxError::new(open.clone(), "this `(` is never closed")),
        }
    }

    fn expect_lparen(
        &mut self,
        after: &str,
        at: &std::ops::Range<usize>,
    ) -> Result<std::ops::Range<usize>, SyntaxError> {
        match self.bump() {
            Some(Spanned {
                tok: Tok::LParen,
                span,
            }) => Ok(span.clone()),
            Some(t) => Err(SyntaxError::new(
                t.span.clone(),
                format!("expected `(` after {after}"),
            )),
            None => Err(SyntaxError::new(
                at.clone(),
                format!("expected `(` after {after}"),
            )),
        }
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let Some(t) = self.bump() else {
            return Err(SyntaxError::new(
                self.eof_span(),
                "the query ends too early: expected a term (@id, a word, a \"phrase\", kind:…, or `(`)",
            ));
        };
        let span = t.span.clone();
        match &t.tok {
            Tok::LParen => {
                self.enter(&span)?;
                let inner = self.or()?;
                let end = self.expect_rparen(&span)?;
                self.depth -= 1;
                Ok(Expr::new(inner.kind, span.start..end))
            }
            Tok::Sentence => {
                let open = self.expect_lparen("SENTENCE", &span)?;
                self.enter(&open)?;
                let mut items = vec![self.or()?];
                while matches!(
                    self.peek(),
                    Some(Spanned {
                        tok: Tok::Comma,
                        ..
                    })
                ) {
                    self.bump();
                    items.push(self.or()?);
                }
                let end = self.expect_rparen(&open)?;
                self.depth -= 1;
                if items.len() < 2 {
                    return Err(SyntaxError::new(
                        span.start..end,
                        "SENTENCE needs at least two parts: SENTENCE(@tiktok, fine)",
                    ));
                }
                Ok(Expr::new(ExprKind::Sentence(items), span.start..end))
            }
            Tok::Mentions => self.mentions(span),
            Tok::Central => {
                let (inner, end) = self.call("central", &span)?;
                Ok(Expr::new(
                    ExprKind::Central(Box::new(inner)),
                    span.start..end,
                ))
            }
            Tok::Field(name) => self.field(name, span),
            Tok::Entity { id, owned } => Ok(Expr::new(
                ExprKind::Entity {
                    id: id.clone(),
                    owned: *owned,
                },
                span,
            )),
            Tok::Equals => match self.bump() {
                Some(Spanned {
                    tok: Tok::Word(w) | Tok::Phrase(w),
                    span: wspan,
                }) if wspan.start == span.end => text(w, true, span.start..wspan.end),
                _ => Err(SyntaxError::new(
                    span,
                    "`=` must be followed directly by a word or \"phrase\" to match its exact case, e.g. =\"WeChat\"",
                )),
            },
            Tok::Word(w) | Tok::Phrase(w) => text(w, false, span),
            Tok::And | Tok::Or => Err(SyntaxError::new(
                span,
                "expected a term before this operator",
            )),
            Tok::RParen => Err(SyntaxError::new(span, "expected a term before `)`")),
            Tok::Comma => Err(SyntaxError::new(span, "expected a term before `,`")),
            Tok::Near(_) | Tok::In => Err(SyntaxError::new(
                span,
                "expected a term before this operator (it joins two terms: a NEAR/5 b, a IN lead)",
            )),
            Tok::Cmp(_) => Err(SyntaxError::new(
                span,
                "a comparison must follow mentions(…): mentions(@wechat) >= 2",
            )),
            Tok::Not => Err(SyntaxError::new(
                span,
                "NOT cannot stand here: write it before a term or group, e.g. a AND NOT b",
            )),
        }
    }

    /// The parenthesised query after `name` (`central(…)`, `mentions(…)`), and the
    /// end of its closing parenthesis.
    fn call(
        &mut self,
        name: &str,
        span: &std::ops::Range<usize>,
    ) -> Result<(Expr, usize), SyntaxError> {
        let open = self.expect_lparen(name, span)?;
        self.enter(&open)?;
        let inner = self.or()?;
        let close = self.expect_rparen(&open)?;
        self.depth -= 1;
        Ok((inner, close))
    }

    fn mentions(&mut self, span: std::ops::Range<usize>) -> Result<Expr, SyntaxError> {
        let (inner, close) = self.call("mentions", &span)?;
        let cmp = match self.bump() {
            Some(Spanned {
                tok: Tok::Cmp(c), ..
            }) => *c,
            Some(Spanned {
                tok: Tok::Equals, ..
            }) => super::Cmp::Eq,
            Some(t) => {
                return Err(SyntaxError::new(
                    t.span.clone(),
                    "expected a comparison after mentions(…): >=, >, <=, <, = or !=",
                ));
            }
            None => {
                return Err(SyntaxError::new(
                    span.start..close,
                    "mentions(…) must be compared with a number or another mentions(…), e.g. mentions(@wechat) >= 2",
                ));
            }
        };
        if let Some(Spanned {
            tok: Tok::Mentions,
            span: other_span,
        }) = self.peek()
        {
            let other_span = other_span.clone();
            self.bump();
            let (other, close) = self.call("mentions", &other_span)?;
            return Ok(Expr::new(
                ExprKind::MentionsVs(Box::new(inner), cmp, Box::new(other)),
                span.start..close,
            ));
        }
        match self.bump() {
            Some(Spanned {
                tok: Tok::Word(w),
                span: nspan,
            }) => match w.parse::<u32>() {
                Ok(n) => Ok(Expr::new(
                    ExprKind::Mentions(Box::new(inner), cmp, n),
                    span.start..nspan.end,
                )),
                Err(_) => Err(SyntaxError::new(nspan.clone(), "expected a whole number")),
            },
            Some(t) => Err(SyntaxError::new(t.span.clone(), "expected a whole number")),
            None => Err(SyntaxError::new(self.eof_span(), "expected a whole number")),
        }
    }

    fn field(&mut self, name: &str, span: std::ops::Range<usize>) -> Result<Expr, SyntaxError> {
        if let Some(region) = Region::parse(name) {
            self.enter(&span)?;
            let inner = self.primary()?;
            self.depth -= 1;
            let span = join(&span, &inner.span);
            return Ok(Expr::new(ExprKind::Scope(region, Box::new(inner)), span));
        }
        let make: fn(String) -> ExprKind = match name {
            "kind" => ExprKind::Kind,
            "country" => ExprKind::Country,
            "tag" => ExprKind::Tag,
            _ => {
                return Err(SyntaxError::new(
                    span,
                    format!(
                        "unknown field `{name}:` (fields: kind:, country:, tag:; scopes: title:, lead:, body:)"
                    ),
                ));
            }
        };
        match self.bump() {
            Some(Spanned {
                tok: Tok::Word(w) | Tok::Phrase(w),
                span: vspan,
            }) => Ok(Expr::new(make(w.clone()), span.start..vspan.end)),
            Some(t) => Err(SyntaxError::new(
                t.span.clone(),
                format!("expected a value after `{name}:`"),
            )),
            None => Err(SyntaxError::new(
                span,
                format!("expected a value after `{name}:`"),
            )),
        }
    }
}

fn text(w: &str, exact: bool, span: std::ops::Range<usize>) -> Result<Expr, SyntaxError> {
    if !w.chars().any(char::is_alphanumeric) {
        return Err(SyntaxError::new(
            span,
            "this phrase has no letters or digits to match",
        ));
    }
    Ok(Expr::new(
        ExprKind::Text {
            text: w.to_string(),
            exact,
        },
        span,
    ))
}

/// One node for a list joined by one operator (the list itself when it has one item).
fn combine(mut items: Vec<Expr>, make: fn(Vec<Expr>) -> ExprKind) -> Expr {
    if items.len() == 1 {
        return items.remove(0);
    }
    let span = items[0].span.start..items[items.len() - 1].span.end;
    Expr::new(make(items), span)
}

#[cfg(test)]
mod tests;
