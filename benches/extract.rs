//! The extractor's throughput on real news text, and the cost of building it.
//!
//! `benches/data/news.jsonl` holds the titles and descriptions of every item in the
//! shared feed corpus (built by `scripts/build-bench-corpus.py`), about 210 KB of
//! distinct text; it is cycled to at least 1 MiB. Criterion reports the whole
//! extractor (segmentation, entities with the full knowledge base, unknown names,
//! quantities, dates, quotes) in bytes per second on one core, and the time to build
//! the knowledge base and compile the extractor.
//!
//! `cargo bench --bench extract`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newswatch::extract::Extractor;
use newswatch::extract::kb::KnowledgeBase;

const CORPUS: &str = include_str!("data/news.jsonl");
const MIN_BYTES: usize = 1 << 20;

/// The corpus documents, cycled until they hold at least 1 MiB.
fn documents() -> Vec<String> {
    let distinct: Vec<String> = CORPUS
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("text")?.as_str().map(str::to_string))
        .collect();
    assert!(!distinct.is_empty(), "empty corpus");
    let mut docs = Vec::new();
    let mut bytes = 0;
    while bytes < MIN_BYTES {
        for d in &distinct {
            bytes += d.len();
            docs.push(d.clone());
        }
    }
    docs
}

fn build() -> Extractor {
    let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("builtin KB: {e:?}"));
    Extractor::new(Arc::new(kb))
}

fn bench(c: &mut Criterion) {
    let docs = documents();
    let bytes: usize = docs.iter().map(String::len).sum();
    let x = build();
    let when = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).single();

    let mut g = c.benchmark_group("extractor");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("news_corpus", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(x.extract_text(black_box(d), when));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("build");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("knowledge_base_and_extractor", |b| {
        b.iter(|| black_box(build()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
