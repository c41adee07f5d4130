//! HTML → text: tokenises with html5gum (a WHATWG-compliant tokenizer, so every
//! character reference is decoded as a browser would), drops scripts, styles and other
//! non-content, keeps paragraph breaks (a blank line between blocks, a newline for
//! `<br>`), collapses whitespace, removes soft hyphens and zero-width spaces, and
//! NFC-normalises, so that offsets into the result are meaningful.

use std::borrow::Cow;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Elements whose content is not text a reader sees.
fn is_hidden(name: &[u8]) -> bool {
    matches!(
        name,
        b"script"
            | b"style"
            | b"noscript"
            | b"template"
            | b"svg"
            | b"math"
            | b"iframe"
            | b"object"
            | b"head"
            | b"select"
            | b"button"
    )
}

/// Elements that start and end a block: a blank line around them.
fn is_block(name: &[u8]) -> bool {
    matches!(
        name,
        b"p" | b"div"
            | b"section"
            | b"article"
            | b"header"
            | b"footer"
            | b"aside"
            | b"nav"
            | b"main"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"ul"
            | b"ol"
            | b"li"
            | b"dl"
            | b"dt"
            | b"dd"
            | b"blockquote"
            | b"pre"
            | b"table"
            | b"tr"
            | b"figure"
            | b"figcaption"
            | b"hr"
            | b"address"
            | b"details"
            | b"summary"
            | b"form"
            | b"fieldset"
            | b"body"
            | b"html"
            | b"title"
            | b"caption"
    )
}

/// What separates the next text from the text before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Line,
    Paragraph,
}

/// The text being assembled.
struct Builder {
    out: String,
    gap: Gap,
    /// Depth inside hidden elements.
    hidden: u32,
    /// Depth inside `<pre>`, where whitespace is kept.
    pre: u32,
}

impl Builder {
    fn want(&mut self, gap: Gap) {
        self.gap = self.gap.max(gap);
    }

    fn open(&mut self, name: &[u8]) {
        if is_hidden(name) {
            self.hidden += 1;
        } else if name == b"br" {
            self.want(Gap::Line);
        } else if is_block(name) {
            if name == b"pre" {
                self.pre += 1;
            }
            self.want(Gap::Paragraph);
        } else if matches!(name, b"td" | b"th" | b"img") {
            self.want(Gap::Space);
        }
    }

    fn close(&mut self, name: &[u8]) {
        if is_hidden(name) {
            self.hidden = self.hidden.saturating_sub(1);
        } else if is_block(name) {
            if name == b"pre" {
                self.pre = self.pre.saturating_sub(1);
            }
            self.want(Gap::Paragraph);
        } else if matches!(name, b"td" | b"th") {
            self.want(Gap::Space);
        }
    }

    fn text(&mut self, s: &str) {
        if self.hidden > 0 {
            return;
        }
        for c in s.chars() {
            match c {
                '\u{AD}' | '\u{200B}' | '\u{FEFF}' => {}
                '\n' if self.pre > 0 => self.want(Gap::Line),
                c if c.is_whitespace() => self.want(Gap::Space),
                c => {
                    if !self.out.is_empty() {
                        match self.gap {
                            Gap::None => {}
                            Gap::Space => self.out.push(' '),
                            Gap::Line => self.out.push('\n'),
                            Gap::Paragraph => self.out.push_str("\n\n"),
                        }
                    }
                    self.gap = Gap::None;
                    self.out.push(c);
                }
            }
        }
    }
}

/// Converts an HTML fragment or document to plain text with blank lines between
/// blocks. Never fails: malformed markup is read as a browser would.
pub fn html_to_text(html: &str) -> String {
    let mut b = Builder {
        out: String::with_capacity(html.len()),
        gap: Gap::None,
        hidden: 0,
        pre: 0,
    };
    {
        let b = &mut b;
        let mut emitter = CallbackEmitter::new(
            move |event: CallbackEvent<'_>, _span: Span<()>| -> Option<()> {
                match event {
                    CallbackEvent::OpenStartTag { name } => b.open(name),
                    CallbackEvent::EndTag { name } => b.close(name),
                    CallbackEvent::String { value } => b.text(&String::from_utf8_lossy(value)),
                    _ => {}
                }
                None
            },
        );
        // Script, style and textarea content is raw text, not markup.
        emitter.naively_switch_states(true);
        for _ in Tokenizer::new_with_emitter(html, emitter) {}
    }
    nfc(b.out)
}

/// NFC-normalises, without copying when the text already is (the common case).
pub fn nfc(text: String) -> String {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

/// `text` NFC-normalised, borrowed when already normal.
pub fn nfc_str(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_cases() {
        let cases: &[(&str, &str)] = &[
            ("<p>One</p><p>Two</p>", "One\n\nTwo"),
            ("a<br>b<br/>c", "a\nb\nc"),
            ("<p>x</p>\n\n\n<p>y</p>", "x\n\ny"),
            ("<script>var a = '<p>no</p>';</script><p>yes</p>", "yes"),
            ("<style>p { color: red }</style>text", "text"),
            ("A&nbsp;B", "A B"),
            ("co&shy;operate", "cooperate"),
            (
                "&amp; &lt; &gt; &quot; &#39; &#x20AC; &euro; &hellip;",
                "& < > \" ' € € …",
            ),
            ("&AMP &copy", "& ©"),
            ("Tik<b>Tok</b>’s", "TikTok’s"),
            ("  lots   of\n\t space  ", "lots of space"),
            ("<ul><li>one</li><li>two</li></ul>", "one\n\ntwo"),
            ("<pre>a\n  b</pre>", "a\nb"),
            ("e\u{301}", "é"),
            ("<p>unclosed <b>bold", "unclosed bold"),
            ("<![CDATA[x]]><!-- comment -->y", "y"),
            ("plain text, no markup", "plain text, no markup"),
            ("zero\u{200B}width", "zerowidth"),
            ("<h1>Title</h1>Body", "Title\n\nBody"),
            ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
            ("", ""),
            ("<", "<"),
            ("a < b", "a < b"),
        ];
        for (html, want) in cases {
            assert_eq!(html_to_text(html), *want, "input: {html:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "<\u{0}>",
            "&#xD800;",
            "&#99999999;",
            "<a href='\u{1F600}'>😀</a>",
            "<<<>>>&&&;",
            "\u{FFFF}<p",
            "</p></p></div>",
            "<script>",
            "&",
            "<!--",
        ] {
            let _ = html_to_text(s);
        }
    }
}
