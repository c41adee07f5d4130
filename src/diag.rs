//! Diagnostics: problems in user files (config, watchlists, knowledge base) reported
//! with `file:line:column`, collected rather than stopping at the first.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in one user file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// 1-based column (in characters); 0 when unknown.
    pub column: usize,
    /// What is wrong, and where it helps, how to fix it.
    pub message: String,
    /// The offending source line with a caret under the spot, when known.
    pub excerpt: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (unreadable, missing, …).
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            excerpt: None,
        }
    }

    /// A problem at a byte span of `source`, the text of `file`.
    pub fn at(
        file: &Path,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let Some(span) = span else {
            return Self::file(file, message);
        };
        let (line, column, excerpt) = locate(source, span.start);
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            excerpt: Some(excerpt),
        }
    }
}

/// 1-based line and column of byte `offset`, and that line with a caret under the column.
fn locate(source: &str, offset: usize) -> (usize, usize, String) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let line = source[..offset].matches('\n').count() + 1;
    let column = source[line_start..offset].chars().count() + 1;
    let text = source[line_start..line_end].trim_end_matches('\r');
    (line, column, excerpt(text, column))
}

/// Characters of a long source line shown before and after the column.
const EXCERPT_BEFORE: usize = 60;
const EXCERPT_AFTER: usize = 100;

/// `line` with a caret under 1-based `column`. A long line is cut to a window around
/// the column, with `…` where it was cut: a message, not a copy of a 100 MB line.
pub fn excerpt(line: &str, column: usize) -> String {
    let col = column.saturating_sub(1);
    if line.len() <= EXCERPT_BEFORE + EXCERPT_AFTER {
        return format!("{line}\n{}^", " ".repeat(col));
    }
    let skip = col.saturating_sub(EXCERPT_BEFORE);
    let mut chars = line.chars().skip(skip);
    let shown: String = chars.by_ref().take(col - skip + EXCERPT_AFTER).collect();
    let (lead, pad) = if skip > 0 { ("…", 1) } else { ("", 0) };
    let tail = if chars.next().is_some() { "…" } else { "" };
    format!("{lead}{shown}{tail}\n{}^", " ".repeat(col - skip + pad))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match (self.line, self.column) {
            (0, _) => write!(f, "{file}: {}", self.message)?,
            (l, 0) => write!(f, "{file}:{l}: {}", self.message)?,
            (l, c) => write!(f, "{file}:{l}:{c}: {}", self.message)?,
        }
        if let Some(excerpt) = &self.excerpt {
            for line in excerpt.lines() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

/// A non-empty list of diagnostics, as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_column() {
        assert_eq!(excerpt("a = 1", 5), "a = 1\n    ^");
        let line = format!("bogus = \"{}\"", "x".repeat(1_000_000));
        let e = excerpt(&line, 1);
        assert!(
            e.len() < 400 && e.starts_with("bogus = \"xxx") && e.ends_with("…\n^"),
            "{e}"
        );
        let e = excerpt(&line, 500_000);
        let (text, caret) = e.split_once('\n').unwrap();
        assert!(text.starts_with('…') && text.ends_with('…') && text.chars().count() < 200);
        assert_eq!(
            caret.chars().count(),
            EXCERPT_BEFORE + 2,
            "the caret sits under the column"
        );
    }

    #[test]
    fn locates_line_and_column_with_caret() {
        let src = "a = 1\nbb = \"x\"\n";
        let d = Diagnostic::at(Path::new("f.toml"), src, Some(11..12), "bad");
        assert_eq!((d.line, d.column), (2, 6));
        assert_eq!(d.to_string(), "f.toml:2:6: bad\n    bb = \"x\"\n         ^");
    }

    #[test]
    fn whole_file_problem_has_no_position() {
        let d = Diagnostic::file(Path::new("x"), "missing");
        assert_eq!(d.to_string(), "x: missing");
    }
}
