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
        Location::at(file, source, span).problem(message)
    }
}

/// A place in a user file, kept to report a problem found after the file was read
/// (a watchlist key whose files turn out to define no rule, the first of two rules
/// with one id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line; 0: the file as a whole.
    pub line: usize,
    /// 1-based column (in characters); 0 when unknown.
    pub column: usize,
    /// The source line with a caret under the spot, when known.
    excerpt: Option<String>,
}

impl Location {
    /// The file as a whole.
    pub fn file(file: &Path) -> Self {
        Location {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            excerpt: None,
        }
    }

    /// Byte span `span` of `source`, the text of `file` (`None`: the whole file).
    pub fn at(file: &Path, source: &str, span: Option<Range<usize>>) -> Self {
        let Some(span) = span else {
            return Self::file(file);
        };
        let (line, column, excerpt) = locate(source, span.start);
        Location {
            file: file.to_path_buf(),
            line,
            column,
            excerpt: Some(excerpt),
        }
    }

    /// A problem here.
    pub fn problem(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            message: message.into(),
            excerpt: self.excerpt.clone(),
        }
    }
}

impl fmt::Display for Location {
    /// `file:line` (`file` alone for the whole file), as messages cite a place.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file.display()),
            l => write!(f, "{}:{l}", self.file.display()),
        }
    }
}

/// `bytes`, the content of user file `file`, as text; bytes that are not UTF-8 are a
/// problem at the line and column of the first of them (counted in the valid text
/// before it), as every other problem in a user file is.
pub fn utf8_text(file: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&e.as_bytes()[..at]);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let text = String::from_utf8_lossy(&e.as_bytes()[line_start..]);
        let shown = text.lines().next().unwrap_or("");
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: format!(
                "not valid UTF-8 (byte {at}); TOML files must be UTF-8: save it as UTF-8"
            ),
            excerpt: Some(excerpt(shown, column)),
        }
    })
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
