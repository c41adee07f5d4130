//! The query language of watch rules: its syntax tree ([`Expr`]), lexer ([`lex`]) and
//! parser ([`parse`]). Spans are byte ranges in the query text; the watchlist loader
//! maps them to file positions.
//!
//! ```text
//! query    := or
//! or       := and ( "OR" and )*
//! and      := unary ( "AND" unary )*
//! unary    := "NOT" unary | postfix
//! postfix  := primary ( "NEAR/" n primary | "IN" region )*
//! primary  := "(" query ")"
//!           | "SENTENCE" "(" query ( "," query )+ ")"
//!           | "mentions" "(" query ")" cmp n
//!           | "central" "(" query ")"
//!           | region ":" primary                  region := title | lead | body
//!           | "kind:" word | "country:" word | "tag:" word
//!           | "@" id [ "+owned" ]
//!           | [ "=" ] ( word | "\"" phrase "\"" )
//! ```

pub mod lex;
mod parse;

use std::ops::Range;

pub use lex::Cmp;
pub use parse::parse;

/// A part of an item that a scope restricts matching to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// The title.
    Title,
    /// The title and the first paragraph of the body.
    Lead,
    /// The body (everything after the title).
    Body,
}

impl Region {
    /// Parses `title`, `lead` or `body`.
    pub fn parse(s: &str) -> Option<Region> {
        Some(match s {
            "title" => Region::Title,
            "lead" => Region::Lead,
            "body" => Region::Body,
            _ => return None,
        })
    }
}

/// A node of a parsed query, with the byte range of the query it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is in the query.
    pub span: Range<usize>,
}

/// The kinds of query nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `@id`, `@id+owned`.
    Entity {
        /// Knowledge-base id.
        id: String,
        /// Also everything the entity owns.
        owned: bool,
    },
    /// `kind:regulator`.
    Kind(String),
    /// `country:NL`.
    Country(String),
    /// `tag:dpa`.
    Tag(String),
    /// A word or quoted phrase.
    Text {
        /// As written (a trailing `*` marks a prefix).
        text: String,
        /// Case must match as written (`=` prefix).
        exact: bool,
    },
    /// All of them.
    And(Vec<Expr>),
    /// Any of them.
    Or(Vec<Expr>),
    /// Not this.
    Not(Box<Expr>),
    /// Both sides with at most `n` words between them.
    Near(Box<Expr>, Box<Expr>, u32),
    /// All operands in one sentence.
    Sentence(Vec<Expr>),
    /// The inner query, matched only inside a region.
    Scope(Region, Box<Expr>),
    /// How many times the inner query matches, compared with a number.
    Mentions(Box<Expr>, Cmp, u32),
    /// How many times the first query matches, compared with how many times the
    /// second does (`mentions(tag:dpa) > mentions(@us-ftc)`: a data-protection
    /// authority other than the FTC is named).
    MentionsVs(Box<Expr>, Cmp, Box<Expr>),
    /// The inner query's occurrences that are not passing mentions (see
    /// `rules::passing`): "TikTok" in "a TikTok video" or "apps such as TikTok,
    /// Instagram and Snapchat" is not one.
    Central(Box<Expr>),
}

/// A query that does not parse: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte range in the query.
    pub span: Range<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl SyntaxError {
    /// An error at `span`.
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        SyntaxError {
            span,
            message: message.into(),
        }
    }
}

impl Expr {
    /// A node.
    pub fn new(kind: ExprKind, span: Range<usize>) -> Self {
        Expr { kind, span }
    }
}
