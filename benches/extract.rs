//! The extractor's throughput on real news text, and the cost of building it.
//!
//! `benches/data/news.jsonl` holds the titles and descriptions of every item in the
//! shared feed corpus (built by `scripts/build-bench-corpus.py`), about 210 KB of
//! distinct text; it is cycled to at least 1 MiB. Criterion reports the whole
//! extractor (segmentation, entities with the full knowledge base, unknown names,
//! quantities, dates, quotes) in bytes per second on one core, and the time to get a
//! ready extractor (its matchers are compiled on first use, so one short document is
//! extracted too): from the compiled-in knowledge base, and from its TOML files (what
//! every start paid before, and what a config with its own entity files still pays).
//!
//! Each is measured twice: in wall-clock time (criterion's default) and in the CPU
//! time of the benchmarking thread (`*_cpu`), which a machine shared with other work
//! inflates far less. Both are reported.
//!
//! `cargo bench --bench extract`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
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

/// The CPU time of the calling thread, as a criterion measurement (in nanoseconds,
/// formatted like wall-clock time).
struct ThreadCpu;

static WALL: WallTime = WallTime;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant the
    // platform defines; clock_gettime only writes through the pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn build() -> Extractor {
    let kb = KnowledgeBase::builtin().unwrap_or_else(|e| panic!("builtin KB: {e:?}"));
    Extractor::new(Arc::new(kb))
}

/// A ready extractor over `kb`: built, and its matchers compiled by one document.
fn ready(kb: KnowledgeBase) -> Extractor {
    let x = Extractor::new(Arc::new(kb));
    black_box(x.extract_text(
        "TikTok was fined €5m on 3 May, 10% of it by the CNIL.",
        None,
    ));
    x
}

fn bench<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    let docs = documents();
    let bytes: usize = docs.iter().map(String::len).sum();
    let x = build();
    let when = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).single();

    let mut g = c.benchmark_group(format!("extractor{suffix}"));
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

    let mut g = c.benchmark_group(format!("build{suffix}"));
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("compiled_in_knowledge_base_and_extractor", |b| {
        b.iter(|| black_box(ready(KnowledgeBase::builtin().expect("built-in KB"))))
    });
    g.bench_function("knowledge_base_from_toml_and_extractor", |b| {
        b.iter(|| black_box(ready(KnowledgeBase::from_toml(&[]).expect("built-in KB"))))
    });
    g.finish();
}

fn wall(c: &mut Criterion) {
    bench(c, "");
}

fn cpu(c: &mut Criterion<ThreadCpu>) {
    bench(c, "_cpu");
}

criterion_group!(benches, wall);
criterion_group! {
    name = cpu_benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = cpu
}
criterion_main!(benches, cpu_benches);
