//! Trains and measures the name tagger (`newswatch::extract::tagger`) on the
//! annotated corpora of `../shared/data/ner` (see `src/extract/tagger/README.md`).
//!
//! ```sh
//! cargo run --release --example ner -- train --data ../shared/data/ner   # writes src/extract/tagger/ner.bin
//! cargo run --release --example ner -- eval --data ../shared/data/ner --split test
//! cargo run --release --example ner -- heldout --data ../shared/data/ner > heldout.jsonl
//! ```
//!
//! `train` learns from the train part of the fixed split and prints the dev figures;
//! `eval` prints precision, recall and F1 per label (exact spans, raw text) for the
//! tagger alone and for the whole extractor; `heldout` writes the documents of a part
//! with their gold entities and the tagger's, one JSON line each, for
//! `scripts/compare-spacy.py --ner`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use newswatch::extract::Extractor;
use newswatch::extract::kb::KnowledgeBase;
use newswatch::extract::tagger::corpus::{self, Document, Format, Span, Split};
use newswatch::extract::tagger::{Label, Tagger, train};
use newswatch::model::EntityKind;

#[derive(Parser)]
#[command(about = "Train and measure the name tagger")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the corpora are.
#[derive(Args)]
struct Data {
    /// The shared NER data (corpora/ and gazetteers/).
    #[arg(long, default_value = "../shared/data/ner")]
    data: PathBuf,
    /// GUM's CoNLL-U files (scripts/fetch-gum.sh), instead of the shared copy's GUM.
    #[arg(long)]
    gum: Option<PathBuf>,
}

/// Training settings (see `train::Config`).
#[derive(Args)]
struct Settings {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    #[arg(long, default_value_t = 18)]
    bits: u32,
    /// Do not learn MISC (its names are outside).
    #[arg(long)]
    no_misc: bool,
    #[arg(long, default_value_t = 0.1)]
    title_share: f64,
    #[arg(long, default_value_t = 0.04)]
    caps_share: f64,
    /// Leave these corpora out of training (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
}

impl Settings {
    fn config(&self) -> train::Config {
        train::Config {
            epochs: self.epochs,
            seed: self.seed,
            bits: self.bits,
            misc: !self.no_misc,
            title_share: self.title_share,
            caps_share: self.caps_share,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Train on the train part; write the model; print the dev figures.
    Train {
        #[command(flatten)]
        data: Data,
        #[command(flatten)]
        settings: Settings,
        #[arg(long, default_value = "src/extract/tagger/ner.bin")]
        out: PathBuf,
    },
    /// Cross-validation over the train and dev parts: tagger-alone figures.
    Cv {
        #[command(flatten)]
        data: Data,
        #[command(flatten)]
        settings: Settings,
        #[arg(long, default_value_t = 5)]
        folds: usize,
    },
    /// P/R/F1 per label and corpus for the tagger alone and the whole extractor.
    Eval {
        #[command(flatten)]
        data: Data,
        #[arg(long, value_parser = parse_split, default_value = "dev")]
        split: Split,
        /// A model file instead of the built-in one (tagger-alone figures only).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Print every error.
        #[arg(long)]
        verbose: bool,
    },
    /// Tag the text given (or stdin): one line a name, with label and confidence.
    Tag {
        /// A model file instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        text: Option<String>,
    },
    /// The documents of a part as JSON lines: id, corpus, text, gold, tagger.
    Heldout {
        #[command(flatten)]
        data: Data,
        #[arg(long, value_parser = parse_split, default_value = "test")]
        split: Split,
    },
}

fn parse_split(s: &str) -> Result<Split, String> {
    match s {
        "train" => Ok(Split::Train),
        "dev" => Ok(Split::Dev),
        "test" => Ok(Split::Test),
        _ => Err(format!("unknown split {s:?}: train, dev or test")),
    }
}

/// Every corpus file and its format.
const FILES: &[(&str, Format)] = &[
    ("wikigold/wikigold.conll.txt", Format::Wikigold),
    ("btc/a.conll", Format::Btc),
    ("btc/b.conll", Format::Btc),
    ("btc/e.conll", Format::Btc),
    ("btc/f.conll", Format::Btc),
    ("btc/g.conll", Format::Btc),
    ("btc/h.conll", Format::Btc),
    ("wnut17/train/wnut17train.conll", Format::Wnut17),
    ("wnut17/dev/emerging.dev.conll", Format::Wnut17),
    ("wnut17/test/emerging.test.annotated", Format::Wnut17),
    ("sec-filings/train/FIN5.txt", Format::Sec),
    ("sec-filings/test/FIN3.txt", Format::Sec),
];

/// The documents of one part of the split. With `gum`, GUM's own CoNLL-U files
/// (news, interviews, academic, court) replace the shared copy's GUM Wikinews.
fn documents(data: &Data, split: Split) -> Result<Vec<Document>> {
    let gum = data.gum.as_deref();
    let root = data.data.join("corpora");
    let nat = data.data.join("gazetteers/misc_nationalities.txt");
    let mut nationalities: Vec<String> = std::fs::read_to_string(&nat)
        .with_context(|| format!("reading {}", nat.display()))?
        .lines()
        .map(str::to_lowercase)
        .collect();
    nationalities.sort();
    let mut files: Vec<(String, Format)> = FILES.iter().map(|(p, f)| (p.to_string(), *f)).collect();
    let listing = |dir: &Path, keep: &dyn Fn(&str) -> bool| -> Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| keep(n))
            .collect();
        names.sort();
        Ok(names)
    };
    match gum {
        None => {
            for sub in ["news", "interview"] {
                let names = listing(&root.join("gum-wikinews").join(sub), &|n| {
                    n.ends_with(".tsv")
                })?;
                files.extend(
                    names
                        .into_iter()
                        .map(|n| (format!("gum-wikinews/{sub}/{n}"), Format::Gum)),
                );
            }
        }
        Some(dir) => {
            let keep = |n: &str| {
                n.ends_with(".conllu")
                    && ["GUM_news_", "GUM_interview_", "GUM_academic_", "GUM_court_"]
                        .iter()
                        .any(|p| n.starts_with(p))
            };
            let names = listing(dir, &keep)?;
            files.extend(
                names
                    .into_iter()
                    .map(|n| (format!("gum/{n}"), Format::GumConllu)),
            );
        }
    }
    let mut out = Vec::new();
    for (path, format) in files {
        let full = match path.strip_prefix("gum/") {
            Some(n) => gum.map_or_else(|| root.join(&path), |g| g.join(n)),
            None => root.join(&path),
        };
        let text = std::fs::read_to_string(&full)
            .with_context(|| format!("reading {}", full.display()))?;
        let docs = corpus::read(format, &path, &text, &nationalities);
        let n = docs.len();
        out.extend(
            docs.into_iter()
                .enumerate()
                .filter(|(i, _)| corpus::split_of(&path, *i, n) == split)
                .map(|(_, d)| d),
        );
    }
    Ok(out)
}

fn gazetteers(data: &Path) -> Result<Vec<(String, String)>> {
    let dir = data.join("gazetteers");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".txt") {
            out.push((name, std::fs::read_to_string(e.path())?));
        }
    }
    out.sort();
    Ok(out)
}

/// Trains on `docs`, reporting on stderr.
fn train_model(
    data: &Data,
    docs: &[Document],
    x: &Extractor,
    settings: &Settings,
) -> Result<Vec<u8>> {
    let gaz = gazetteers(&data.data)?;
    let gaz_refs: Vec<(&str, &str)> = gaz.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let t0 = Instant::now();
    let (bytes, report) = train::train(docs, &gaz_refs, x, &settings.config());
    eprintln!(
        "trained on {} documents, {} sentences, {} tokens scored in {:.1} s; {} gold names misaligned; errors per epoch {:?}; {} weights rounded to 0; model {} bytes",
        docs.len(),
        report.sentences,
        report.scored,
        t0.elapsed().as_secs_f64(),
        report.misaligned,
        report.errors,
        report.zeroed,
        bytes.len()
    );
    Ok(bytes)
}

fn extractor() -> Result<Extractor> {
    let kb =
        KnowledgeBase::builtin().map_err(|e| anyhow::anyhow!("built-in knowledge base: {e:?}"))?;
    Ok(Extractor::new(Arc::new(kb)))
}

/// Exact-span counts: right, predicted, gold.
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    pred: usize,
    gold: usize,
}

impl Counts {
    fn prf(&self) -> (f64, f64, f64) {
        let p = if self.pred == 0 {
            0.0
        } else {
            self.tp as f64 / self.pred as f64
        };
        let r = if self.gold == 0 {
            0.0
        } else {
            self.tp as f64 / self.gold as f64
        };
        let f = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        (p, r, f)
    }
}

const SCORED: [Label; 3] = [Label::Person, Label::Organization, Label::Location];

/// Scores one document's predictions into `table` (by corpus and label).
fn score(
    table: &mut BTreeMap<(String, Label), Counts>,
    corpus: &str,
    gold: &[Span],
    pred: &[Span],
) -> Vec<String> {
    let mut errors = Vec::new();
    for l in SCORED {
        let g: Vec<&Span> = gold.iter().filter(|s| s.label == l).collect();
        let p: Vec<&Span> = pred.iter().filter(|s| s.label == l).collect();
        for key in [(corpus.to_string(), l), ("ALL".to_string(), l)] {
            let c = table.entry(key).or_default();
            c.gold += g.len();
            c.pred += p.len();
            c.tp += p.iter().filter(|s| g.contains(s)).count();
        }
        errors.extend(
            p.iter()
                .filter(|s| !g.contains(s))
                .map(|s| format!("FP {} {}..{}", l.as_str(), s.start, s.end)),
        );
        errors.extend(
            g.iter()
                .filter(|s| !p.contains(s))
                .map(|s| format!("FN {} {}..{}", l.as_str(), s.start, s.end)),
        );
    }
    errors
}

fn print_table(title: &str, table: &BTreeMap<(String, Label), Counts>) {
    println!("\n{title}");
    println!(
        "  {:<9} {:<4} {:>6} {:>6} {:>6} {:>6}",
        "corpus", "label", "gold", "P", "R", "F1"
    );
    let corpora: Vec<String> = {
        let mut v: Vec<String> = table.keys().map(|(c, _)| c.clone()).collect();
        v.dedup();
        v
    };
    for c in corpora {
        let mut all = Counts::default();
        for l in SCORED {
            let x = table.get(&(c.clone(), l)).copied().unwrap_or_default();
            all.tp += x.tp;
            all.pred += x.pred;
            all.gold += x.gold;
            let (p, r, f) = x.prf();
            println!(
                "  {c:<9} {:<4} {:>6} {p:>6.3} {r:>6.3} {f:>6.3}",
                l.as_str(),
                x.gold
            );
        }
        let (p, r, f) = all.prf();
        println!(
            "  {c:<9} {:<4} {:>6} {p:>6.3} {r:>6.3} {f:>6.3}",
            "all", all.gold
        );
    }
}

/// The extractor's entities as labelled spans: organisations and regulators ORG,
/// persons PER, locations LOC, products MISC. A place named by its demonym ("Irish")
/// is a nationality, not a location name, and is left out; so is a mention inside
/// another's ("England" in "Bank of England": the extractor reports both, named-entity
/// annotation is flat and keeps the outer name), as `scripts/compare-spacy.py --ner`
/// scores them.
fn product_spans(x: &Extractor, text: &str) -> Vec<Span> {
    let out = x.extract_text(text, None);
    let all: Vec<(usize, usize)> = out
        .entities
        .iter()
        .flat_map(|e| e.mentions.iter().map(|m| (m.start, m.end)))
        .collect();
    let inside = |s: usize, e: usize| all.iter().any(|&(a, b)| a <= s && e <= b && b - a > e - s);
    let mut spans: Vec<Span> = out
        .entities
        .iter()
        .flat_map(|e| {
            let label = match e.kind {
                EntityKind::Organization | EntityKind::Regulator => Label::Organization,
                EntityKind::Person => Label::Person,
                EntityKind::Location => Label::Location,
                EntityKind::Product => Label::Misc,
            };
            e.mentions
                .iter()
                .filter(|m| !m.demonym && !inside(m.start, m.end))
                .map(move |m| Span {
                    start: m.start,
                    end: m.end,
                    label,
                })
        })
        .collect();
    spans.sort();
    spans
}

fn tagger_spans(t: &Tagger<'_>, x: &Extractor, text: &str) -> Vec<Span> {
    t.tag_with(x, text)
        .into_iter()
        .map(|s| Span {
            start: s.start,
            end: s.end,
            label: s.label,
        })
        .collect()
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Train {
            data,
            settings,
            out,
        } => {
            let mut docs = documents(&data, Split::Train)?;
            docs.retain(|d| !settings.exclude.contains(&d.corpus));
            let x = extractor()?;
            let bytes = train_model(&data, &docs, &x, &settings)?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            let tagger = Tagger::from_bytes(&bytes)?;
            let dev = documents(&data, Split::Dev)?;
            let mut table = BTreeMap::new();
            for d in &dev {
                score(
                    &mut table,
                    &d.corpus,
                    &d.gold,
                    &tagger_spans(&tagger, &x, &d.text),
                );
            }
            print_table("dev, tagger alone", &table);
        }
        Command::Cv {
            data,
            settings,
            folds,
        } => {
            let mut docs = documents(&data, Split::Train)?;
            docs.extend(documents(&data, Split::Dev)?);
            let x = extractor()?;
            let mut table = BTreeMap::new();
            for k in 0..folds {
                let (test, train): (Vec<_>, Vec<_>) =
                    docs.iter().enumerate().partition(|(i, _)| i % folds == k);
                let train: Vec<Document> = train
                    .into_iter()
                    .map(|(_, d)| d.clone())
                    .filter(|d| !settings.exclude.contains(&d.corpus))
                    .collect();
                let bytes = train_model(&data, &train, &x, &settings)?;
                let tagger = Tagger::from_bytes(&bytes)?;
                for (_, d) in test {
                    score(
                        &mut table,
                        &d.corpus,
                        &d.gold,
                        &tagger_spans(&tagger, &x, &d.text),
                    );
                }
            }
            print_table(
                &format!("{folds}-fold cross-validation, tagger alone"),
                &table,
            );
        }
        Command::Eval {
            data,
            split,
            model,
            verbose,
        } => {
            let docs = documents(&data, split)?;
            let x = extractor()?;
            let bytes = match &model {
                Some(p) => std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
                None => Vec::new(),
            };
            let tagger = match model {
                Some(_) => Tagger::from_bytes(&bytes)?,
                None => Tagger::builtin()?,
            };
            let (mut alone, mut whole) = (BTreeMap::new(), BTreeMap::new());
            let t0 = Instant::now();
            for d in &docs {
                let errs = score(
                    &mut alone,
                    &d.corpus,
                    &d.gold,
                    &tagger_spans(&tagger, &x, &d.text),
                );
                if verbose {
                    for e in errs {
                        let (a, b) = span_of(&e);
                        println!("tagger {} {e} {:?}", d.id, d.text.get(a..b).unwrap_or(""));
                    }
                }
            }
            let t_alone = t0.elapsed();
            for d in &docs {
                let errs = score(&mut whole, &d.corpus, &d.gold, &product_spans(&x, &d.text));
                if verbose {
                    for e in errs {
                        let (a, b) = span_of(&e);
                        println!("whole {} {e} {:?}", d.id, d.text.get(a..b).unwrap_or(""));
                    }
                }
            }
            print_table(
                &format!("{split:?}, tagger alone ({:.2} s)", t_alone.as_secs_f64()),
                &alone,
            );
            print_table(&format!("{split:?}, whole extractor"), &whole);
        }
        Command::Tag { model, text } => {
            let text = match text {
                Some(t) => t,
                None => std::io::read_to_string(std::io::stdin())?,
            };
            let bytes = match &model {
                Some(p) => std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
                None => Vec::new(),
            };
            let tagger = match model {
                Some(_) => Tagger::from_bytes(&bytes)?,
                None => Tagger::builtin()?,
            };
            let x = extractor()?;
            for t in tagger.tag_with(&x, &text) {
                println!(
                    "{:<5} {:.2} {}",
                    t.label.as_str(),
                    t.confidence,
                    &text[t.start..t.end]
                );
            }
        }
        Command::Heldout { data, split } => {
            let docs = documents(&data, split)?;
            let x = extractor()?;
            let tagger = Tagger::builtin()?;
            for d in &docs {
                let line = serde_json::json!({
                    "id": d.id,
                    "corpus": d.corpus,
                    "text": d.text,
                    "gold": d.gold.iter().map(|s| (s.start, s.end, s.label)).collect::<Vec<_>>(),
                    "tagger": tagger_spans(&tagger, &x, &d.text).iter().map(|s| (s.start, s.end, s.label)).collect::<Vec<_>>(),
                });
                println!("{line}");
            }
        }
    }
    Ok(())
}

/// The byte range written in an error line ("FP PER 3..9").
fn span_of(e: &str) -> (usize, usize) {
    let r = e.rsplit(' ').next().unwrap_or("");
    let (a, b) = r.split_once("..").unwrap_or(("0", "0"));
    match (a.parse(), b.parse()) {
        (Ok(a), Ok(b)) => (a, b),
        _ => (0, 0),
    }
}
