//! The annotated corpora of `../shared/data/ner/corpora` as training and test
//! documents: readers for their formats (CoNLL columns in IOB1 or BIO, GUM's bare
//! mention types), label mappings, detokenisation into raw text with gold spans as
//! byte ranges, and the fixed train/dev/test split (see [`split_of`]).
//!
//! Everything here takes text, never paths: the training command reads the files.

use std::ops::Range;

use super::Label;
use super::gum::read_gum_conllu;

/// A gold (or predicted) entity: byte range in the document's text and label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// What it is.
    pub label: Label,
}

/// A document as raw text with its gold entities.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Where it comes from (corpus/file#index), for reports.
    pub id: String,
    /// The corpus name (`wikigold`, `btc`, `wnut17`, `sec`, `gum`).
    pub corpus: String,
    /// The raw text: tokens joined as they would be written.
    pub text: String,
    /// Gold entities, in order.
    pub gold: Vec<Span>,
}

/// Which part of the split a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Training.
    Train,
    /// Development: tuning features and settings.
    Dev,
    /// Held out: reported, never tuned on.
    Test,
}

/// A token's tag as read: outside, or beginning / inside an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    O,
    B(Label),
    I(Label),
}

/// One sentence of a corpus: tokens with BIO tags.
#[derive(Debug, Clone, Default)]
struct Sentence {
    tokens: Vec<String>,
    tags: Vec<Tag>,
}

/// The corpus formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// wikigold: "token label", IOB1, CoNLL labels.
    Wikigold,
    /// BTC: "token\tlabel", BIO, PER/ORG/LOC.
    Btc,
    /// WNUT 2017: "token\tlabel", BIO, six types mapped to PER/ORG/LOC/MISC.
    Wnut17,
    /// SEC filings: "token POS chunk label", IOB1, CoNLL labels; the defined terms
    /// "Borrower", "Lender" and "Bank" are not names and are dropped.
    Sec,
    /// GUM (Wikinews): "token\ttype", mention types; only proper-name mentions kept.
    Gum,
    /// GUM as its authors publish it (CoNLL-U with part-of-speech tags, nested entity
    /// mentions and sentence texts): see [`read_gum_conllu`].
    GumConllu,
}

impl Format {
    /// The short corpus name used in reports.
    pub fn corpus(self) -> &'static str {
        match self {
            Format::Wikigold => "wikigold",
            Format::Btc => "btc",
            Format::Wnut17 => "wnut17",
            Format::Sec => "sec",
            Format::Gum | Format::GumConllu => "gum",
        }
    }
}

/// The fixed split, by corpus file (its path under `corpora/`) and the document's
/// index in that file (`n` documents in all):
/// - wikigold: every tenth document (index 9, 19, …) dev, the rest train;
/// - BTC: sections A, B, E train; F test (the upstream recommendation); G (tweets
///   of news outlets) first half train, third quarter dev, last quarter test; H first
///   half train, second half dev (upstream);
/// - WNUT 2017 and the SEC filings: their distributed train/dev/test files;
/// - GUM Wikinews (`gum-wikinews/`, the shared copy, or `gum/`, the CoNLL-U files
///   of the GUM repository): the news articles test; of the 19 interviews the first
///   five in name order dev, the rest train; GUM's academic and court documents
///   (`gum/` only) train.
pub fn split_of(path: &str, index: usize, n: usize) -> Split {
    let file = path.rsplit('/').next().unwrap_or(path);
    match path.split('/').next().unwrap_or("") {
        "wikigold" if index % 10 == 9 => Split::Dev,
        "wikigold" => Split::Train,
        "btc" => match file {
            "f.conll" => Split::Test,
            "g.conll" if index * 4 >= n * 3 => Split::Test,
            "g.conll" if index * 2 >= n => Split::Dev,
            "h.conll" if index * 2 >= n => Split::Dev,
            _ => Split::Train,
        },
        "wnut17" if path.contains("/test/") => Split::Test,
        "wnut17" if path.contains("/dev/") => Split::Dev,
        "sec-filings" if path.contains("/test/") => Split::Test,
        "gum-wikinews" if path.contains("/news/") => Split::Test,
        "gum-wikinews" if GUM_DEV.iter().any(|d| file.contains(d)) => Split::Dev,
        "gum" if file.starts_with("GUM_news_") => Split::Test,
        "gum" if GUM_DEV.iter().any(|d| file.contains(d)) => Split::Dev,
        _ => Split::Train,
    }
}

/// The interviews kept for development.
const GUM_DEV: &[&str] = &[
    "_ants.",
    "_brotherhood.",
    "_chomsky.",
    "_cocktail.",
    "_cyclone.",
];

/// Reads one corpus file into documents (its sentences grouped as the file groups
/// them: `-DOCSTART-` documents, one GUM file, or one tweet each). `nationalities`
/// (lower case, sorted) are the words that, labelled a place (as BTC does with
/// "British"), are relabelled MISC, as CoNLL-style annotation has them.
pub fn read(format: Format, path: &str, text: &str, nationalities: &[String]) -> Vec<Document> {
    if format == Format::GumConllu {
        return read_gum_conllu(path, text).into_iter().collect();
    }
    let blocks = blocks(text);
    let mut docs: Vec<Vec<Sentence>> = Vec::new();
    let mut cur: Vec<Sentence> = Vec::new();
    let gum_lower = if format == Format::Gum {
        lower_vocabulary(&blocks)
    } else {
        Vec::new()
    };
    for block in &blocks {
        if block.first().is_some_and(|l| l.starts_with("-DOCSTART-")) {
            if !cur.is_empty() {
                docs.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let s = match format {
            Format::Gum => gum_sentence(block, &gum_lower),
            _ => conll_sentence(format, block, nationalities),
        };
        if s.tokens.is_empty() {
            continue;
        }
        match format {
            Format::Btc | Format::Wnut17 => docs.push(vec![s]),
            _ => cur.push(s),
        }
    }
    if !cur.is_empty() {
        docs.push(cur);
    }
    docs.iter()
        .enumerate()
        .map(|(i, sents)| {
            let mut d = document(format, &format!("{path}#{i}"), sents);
            // BTC's section G (tweets of news outlets) is reported on its own.
            if path.ends_with("btc/g.conll") {
                d.corpus = "btc-g".to_string();
            }
            d
        })
        .collect()
}

/// Blank-line-separated blocks of lines.
fn blocks(text: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A line's token and label (first and last column).
fn columns(line: &str) -> (&str, &str) {
    let sep = if line.contains('\t') { '\t' } else { ' ' };
    let token = line.split(sep).next().unwrap_or("");
    let label = line.rsplit(sep).next().unwrap_or("O");
    (token, label)
}

fn conll_sentence(format: Format, block: &[&str], nationalities: &[String]) -> Sentence {
    let mut s = Sentence::default();
    let mut prev: Option<Label> = None;
    let mut after_sign = false;
    for line in block {
        let (token, label) = columns(line);
        if token.is_empty() {
            continue;
        }
        let (prefix, name) = label.split_once('-').unwrap_or(("O", ""));
        let mut mapped = match prefix {
            "B" | "I" => map_label(format, name),
            _ => None,
        };
        if format == Format::Sec
            && matches!(
                token,
                "Borrower" | "Lender" | "Bank" | "Borrowers" | "Lenders" | "Banks"
            )
        {
            mapped = None;
        }
        // @handles and #hashtags are not names in news text.
        let sign = token.starts_with(['@', '#']);
        if sign || after_sign {
            mapped = None;
        }
        after_sign = token == "@" || token == "#";
        if mapped == Some(Label::Location)
            && nationalities.binary_search(&token.to_lowercase()).is_ok()
        {
            mapped = Some(Label::Misc);
        }
        let tag = match mapped {
            None => Tag::O,
            Some(l) if prefix == "B" || prev != Some(l) => Tag::B(l),
            Some(l) => Tag::I(l),
        };
        prev = mapped;
        s.tokens.push(token.to_string());
        s.tags.push(tag);
    }
    s
}

fn map_label(format: Format, name: &str) -> Option<Label> {
    Some(match (format, name) {
        (_, "PER") | (Format::Wnut17, "person") => Label::Person,
        (_, "ORG") | (Format::Wnut17, "corporation" | "group") => Label::Organization,
        (_, "LOC") | (Format::Wnut17, "location") => Label::Location,
        (_, "MISC") | (Format::Wnut17, "product" | "creative-work") => Label::Misc,
        _ => return None,
    })
}

/// Lower-case words written in lower case anywhere in the file, sorted.
fn lower_vocabulary(blocks: &[Vec<&str>]) -> Vec<String> {
    let mut v: Vec<String> = blocks
        .iter()
        .flatten()
        .map(|l| columns(l).0)
        .filter(|t| t.chars().next().is_some_and(char::is_lowercase))
        .map(str::to_string)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Words a proper name may contain in lower case.
const NAME_CONNECTORS: &[&str] = &[
    "of", "and", "&", "de", "du", "la", "le", "von", "van", "der", "for", "the", "-", "al", "bin",
];

/// Pronouns, which GUM labels with the type of what they refer to.
const PRONOUNS: &[&str] = &[
    "i",
    "he",
    "she",
    "we",
    "they",
    "it",
    "you",
    "me",
    "him",
    "her",
    "us",
    "them",
    "his",
    "hers",
    "its",
    "our",
    "their",
    "my",
    "your",
    "mine",
    "yours",
    "ours",
    "theirs",
    "myself",
    "himself",
    "herself",
    "itself",
    "ourselves",
    "themselves",
    "yourself",
    "one",
    "this",
    "that",
    "these",
    "those",
    "who",
    "which",
    "whom",
    "whose",
    "everyone",
    "someone",
    "anyone",
];

/// Titles and roles GUM includes in person mentions but named-entity annotation
/// leaves out ("President Obama" → "Obama").
const LEADING_TITLES: &[&str] = &[
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "dr",
    "dr.",
    "prof",
    "prof.",
    "president",
    "senator",
    "sen.",
    "governor",
    "gov.",
    "mayor",
    "minister",
    "prime",
    "secretary",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "general",
    "gen.",
    "captain",
    "judge",
    "justice",
    "chancellor",
    "chairman",
    "director",
    "professor",
    "doctor",
    "sir",
    "lord",
    "lady",
    "saint",
    "st.",
    "rep.",
    "representative",
    "commissioner",
    "premier",
    "sheikh",
    "ayatollah",
    "foreign",
    "defence",
    "defense",
    "vice",
    "chief",
    "deputy",
    "former",
    "late",
    "u.s.",
    "us",
];

/// A GUM sentence: runs of one mention type that are proper names become entities
/// (leading titles and determiners dropped); everything else is outside.
fn gum_sentence(block: &[&str], lower: &[String]) -> Sentence {
    let mut s = Sentence::default();
    let mut types: Vec<Option<Label>> = Vec::new();
    for line in block {
        let (token, ty) = columns(line);
        if token.is_empty() {
            continue;
        }
        s.tokens.push(token.to_string());
        types.push(match ty {
            "person" => Some(Label::Person),
            "place" => Some(Label::Location),
            "organization" => Some(Label::Organization),
            _ => None,
        });
    }
    s.tags = vec![Tag::O; s.tokens.len()];
    let mut i = 0;
    while i < types.len() {
        let Some(label) = types[i] else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < types.len() && types[j] == Some(label) {
            j += 1;
        }
        if let Some(r) = proper_name(&s.tokens, i, j, lower, label) {
            s.tags[r.start] = Tag::B(label);
            for t in &mut s.tags[r.start + 1..r.end] {
                *t = Tag::I(label);
            }
        }
        i = j;
    }
    s
}

/// The proper name within the mention `tokens[i..j]`, if the mention is one: after
/// leading determiners, possessives and titles, every word capitalised (or a name
/// connector between capitalised words); a sentence-initial word only when the file
/// never writes it in lower case.
fn proper_name(
    tokens: &[String],
    i: usize,
    j: usize,
    lower: &[String],
    label: Label,
) -> Option<Range<usize>> {
    let capital = |k: usize| {
        let t = &tokens[k];
        let up = t.chars().next().is_some_and(char::is_uppercase);
        up && (k > 0 || lower.binary_search(&t.to_lowercase()).is_err())
    };
    let mut a = i;
    while a < j {
        let l = tokens[a].to_lowercase();
        let lead = matches!(l.as_str(), "the" | "a" | "an" | "'s" | "’s")
            || !tokens[a].chars().next().is_some_and(char::is_alphanumeric)
            || (label == Label::Person && LEADING_TITLES.contains(&l.as_str()) && a + 1 < j);
        if !lead {
            break;
        }
        a += 1;
    }
    if a == j || !capital(a) || !capital(j - 1) {
        return None;
    }
    let ok = (a..j).all(|k| {
        let l = tokens[k].to_lowercase();
        (capital(k) || NAME_CONNECTORS.contains(&l.as_str())) && !PRONOUNS.contains(&l.as_str())
    });
    ok.then_some(a..j)
}

/// Joins sentences into a document: tokens joined as written, sentences by a space
/// after closing punctuation and by a line break otherwise (headlines, datelines).
fn document(format: Format, id: &str, sents: &[Sentence]) -> Document {
    let mut text = String::new();
    let mut gold = Vec::new();
    for s in sents {
        if !text.is_empty() {
            let closed = text
                .trim_end()
                .ends_with(['.', '!', '?', '"', '”', '’', ')', ':']);
            text.push(if closed { ' ' } else { '\n' });
        }
        let ranges = detokenize_into(&s.tokens, &mut text);
        let mut open: Option<(usize, Label)> = None;
        for (k, tag) in s.tags.iter().enumerate() {
            let close = match tag {
                Tag::O | Tag::B(_) => true,
                Tag::I(l) => open.is_none_or(|(_, o)| o != *l),
            };
            if close {
                if let Some((b, l)) = open.take() {
                    gold.push(Span {
                        start: ranges[b].start,
                        end: ranges[k - 1].end,
                        label: l,
                    });
                }
            }
            match tag {
                Tag::B(l) => open = Some((k, *l)),
                Tag::I(l) if open.is_none() => open = Some((k, *l)),
                _ => {}
            }
        }
        if let Some((b, l)) = open {
            gold.push(Span {
                start: ranges[b].start,
                end: ranges[s.tokens.len() - 1].end,
                label: l,
            });
        }
    }
    Document {
        id: id.to_string(),
        corpus: format.corpus().to_string(),
        text,
        gold,
    }
}

/// Appends `tokens` to `text` as they would be written ("Obama 's" → "Obama's",
/// "( AP )" → "(AP)", quotes hugging what they quote); returns each token's range.
pub fn detokenize_into(tokens: &[String], text: &mut String) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut open_quote = false;
    let mut glue_next = true;
    for t in tokens {
        let t = match t.as_str() {
            "``" => "“",
            "''" => "”",
            "-LRB-" => "(",
            "-RRB-" => ")",
            other => other,
        };
        let glue_before = matches!(
            t,
            "," | "." | ";" | ":" | "!" | "?" | ")" | "]" | "}" | "%" | "”" | "’" | "..." | "n't"
        ) || (t.starts_with('\'') && t.len() <= 3 && t.len() > 1)
            || (t.starts_with('’') && t.chars().count() <= 3 && t.chars().count() > 1)
            || (t == "\"" && open_quote)
            || (t == "'" && text.ends_with('s'));
        if !text.is_empty() && !glue_next && !glue_before && !text.ends_with('\n') {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(t);
        out.push(start..text.len());
        glue_next = matches!(t, "(" | "[" | "{" | "$" | "“" | "#" | "@" | "‘")
            || (t == "\"" && !open_quote);
        if t == "\"" {
            open_quote = !open_quote;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detokenises_like_news() {
        let toks: Vec<String> = [
            "He", "said", "\"", "no", "\"", "(", "AP", ")", ",", "Obama", "'s", "$", "5", ".",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut text = String::new();
        let r = detokenize_into(&toks, &mut text);
        assert_eq!(text, "He said \"no\" (AP), Obama's $5.");
        assert_eq!(&text[r[9].clone()], "Obama");
    }

    #[test]
    fn iob1_and_bio_become_spans() {
        let wikigold = "-DOCSTART- O\n\nThe O\nMad I-ORG\nCapsule I-ORG\nMarkets I-ORG\nmet O\nJohn I-PER\nSmith I-PER\n. O\n";
        let docs = read(Format::Wikigold, "wikigold/w.txt", wikigold, &[]);
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        let got: Vec<(&str, Label)> = d
            .gold
            .iter()
            .map(|s| (&d.text[s.start..s.end], s.label))
            .collect();
        assert_eq!(
            got,
            [
                ("Mad Capsule Markets", Label::Organization),
                ("John Smith", Label::Person)
            ]
        );

        let wnut = "Apple\tB-corporation\nand\tO\nGOP\tB-group\nfans\tO\n@\tB-person\nbob\tB-person\n\nnew\tO\n";
        let docs = read(Format::Wnut17, "wnut17/test/x", wnut, &[]);
        assert_eq!(docs.len(), 2, "one document a post");
        assert_eq!(
            docs[0].gold.iter().map(|s| s.label).collect::<Vec<_>>(),
            [Label::Organization; 2],
            "no handles"
        );
        let btc = "British\tB-LOC\npolice\tO\n";
        let docs = read(Format::Btc, "btc/a.conll", btc, &["british".to_string()]);
        assert_eq!(docs[0].gold[0].label, Label::Misc);

        let sec = "Borrower NNP - I-PER\nJane NNP - I-PER\nDoe NNP - I-PER\n";
        let docs = read(Format::Sec, "sec-filings/test/FIN3.txt", sec, &[]);
        let d = &docs[0];
        assert_eq!(d.gold.len(), 1);
        assert_eq!(&d.text[d.gold[0].start..d.gold[0].end], "Jane Doe");
    }

    #[test]
    fn gum_keeps_proper_names_only() {
        let gum = "\nFishermen\tperson\nrescued\tO\nthe\torganization\nIndonesian\torganization\nNavy\torganization\nand\tO\nPresident\tperson\nJoko\tperson\nWidodo\tperson\noff\tO\nthe\tplace\ncoast\tplace\n.\tO\n\nfishermen\tperson\nleft\tO\nand\tO\nI\tperson\nsaid\tO\n";
        let docs = read(Format::Gum, "gum-wikinews/news/GUM_news_x.tsv", gum, &[]);
        let d = &docs[0];
        let got: Vec<(&str, Label)> = d
            .gold
            .iter()
            .map(|s| (&d.text[s.start..s.end], s.label))
            .collect();
        assert_eq!(
            got,
            [
                ("Indonesian Navy", Label::Organization),
                ("Joko Widodo", Label::Person)
            ]
        );
    }

    #[test]
    fn the_split_is_fixed() {
        assert_eq!(split_of("btc/f.conll", 0, 10), Split::Test);
        assert_eq!(split_of("btc/g.conll", 0, 100), Split::Train);
        assert_eq!(split_of("btc/g.conll", 60, 100), Split::Dev);
        assert_eq!(split_of("btc/g.conll", 80, 100), Split::Test);
        assert_eq!(split_of("btc/h.conll", 60, 100), Split::Dev);
        assert_eq!(
            split_of("wnut17/test/emerging.test.annotated", 0, 1),
            Split::Test
        );
        assert_eq!(split_of("sec-filings/train/FIN5.txt", 0, 1), Split::Train);
        assert_eq!(
            split_of("gum-wikinews/news/GUM_news_nasa.tsv", 0, 1),
            Split::Test
        );
        assert_eq!(
            split_of("gum-wikinews/interview/GUM_interview_ants.tsv", 0, 1),
            Split::Dev
        );
        assert_eq!(
            split_of("gum-wikinews/interview/GUM_interview_peres.tsv", 0, 1),
            Split::Train
        );
        assert_eq!(split_of("wikigold/wikigold.conll.txt", 19, 145), Split::Dev);
    }
}
