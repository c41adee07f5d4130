//! An item's body once its page has been read: the first paragraph of the feed's own
//! text (so the lead, which rules read as `IN lead` and stories are grouped by, stays
//! the feed's summary), then the article's paragraphs, less those that only repeat that
//! lead. Written as HTML paragraphs, the form an item's body has, so that extraction
//! and `rules test --since` (which replays kept item texts) read exactly what the
//! daemon's rules read.

use crate::rules::words;

/// The body for an item whose feed text is `feed_text` (plain text, paragraphs
/// separated by blank lines) and whose page's article text is `article`.
pub fn with_article(feed_text: &str, article: &str) -> String {
    let lead = feed_text
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty());
    let lead_words = lead.map(folded).unwrap_or_default();
    let mut html = String::with_capacity(feed_text.len().min(4096) + article.len() * 11 / 10);
    if let Some(lead) = lead {
        paragraph(&mut html, lead);
    }
    for para in article
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let w = folded(para);
        // The article's own copy of the summary (or a part of it) adds nothing.
        if !w.is_empty() && contains_run(&lead_words, &w) {
            continue;
        }
        paragraph(&mut html, para);
    }
    html
}

/// The folded words of `text`.
fn folded(text: &str) -> Vec<String> {
    words::split(text).map(|r| words::fold(&text[r])).collect()
}

/// Whether `needle` occurs in `hay` as a run of consecutive words.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Appends `text` as one HTML paragraph (its line breaks kept as `<br>`).
fn paragraph(out: &mut String, text: &str) {
    out.push_str("<p>");
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        out.push_str(&quick_xml::escape::escape(line));
    }
    out.push_str("</p>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::html_to_text;

    #[test]
    fn the_feed_lead_stays_first_and_its_repeats_go() {
        let feed = "Regulator fines TikTok.\n\nRead more on our site.";
        let article = "Regulator fines TikTok.\n\nThe Irish regulator said on Friday <that> it fined the app & its owner.\n\nA spokesperson\nsaid it would appeal.";
        let body = with_article(feed, article);
        assert_eq!(
            html_to_text(&body),
            "Regulator fines TikTok.\n\nThe Irish regulator said on Friday <that> it fined the app & its owner.\n\nA spokesperson\nsaid it would appeal."
        );
        // A part of the lead repeated (the article's first sentence) goes too; a
        // paragraph that only starts like the lead stays.
        let body = with_article(
            "TikTok is fined. It will appeal.",
            "TIKTOK is fined!\n\nTikTok is fined, and more.",
        );
        assert_eq!(
            html_to_text(&body),
            "TikTok is fined. It will appeal.\n\nTikTok is fined, and more."
        );
    }

    #[test]
    fn without_feed_text_the_body_is_the_article() {
        assert_eq!(
            html_to_text(&with_article("", "One.\n\nTwo.")),
            "One.\n\nTwo."
        );
        assert_eq!(with_article("", ""), "");
    }
}
