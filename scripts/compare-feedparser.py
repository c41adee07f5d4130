#!/usr/bin/env python3
"""Compare newswatch's feed reading with Python's feedparser, the reference for what
"readable" means.

For every file under the given folders, feedparser and `newswatch items --batch`
each read the bytes in one process of their own for the whole folder (so neither
side pays a process start per file), without HTTP headers or a base URL. The script
prints, per folder and in total: files, files where feedparser finds entries, files
where newswatch finds the same number, titles and links that differ (on files with
the same count; titles compared as plain text, since feedparser keeps sanitised
HTML; links compared as URLs), newswatch panics (must be 0), and each tool's time:
inside the parser, and for the whole job. Then it lists every file where the counts
differ. The exit status is 2 if newswatch panicked or crashed.

    pip install feedparser
    cargo build --release
    scripts/compare-feedparser.py ../shared/corpus/feeds --feedparser-tests

--feedparser-tests downloads feedparser's sdist (pip download, no install) into a
cache folder and adds its tests/ folder (well-formed, ill-formed, encoding…).
--write-expected FILE writes a TSV of the counts for the test that runs without
Python (tests/fixtures/feeds/expected-counts.tsv); paths in it are relative to the
first folder.
"""

import argparse
import html
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path

SKIP_SUFFIXES = (".py", ".pyc")


def feedparser_tests_dir(cache: Path) -> Path:
    """Download (once) and unpack feedparser's sdist; return its tests/ folder."""
    import feedparser  # noqa: F401  (fail early if it is not installed)

    version = feedparser.__version__
    root = cache / f"feedparser-{version}"
    tests = root / "tests"
    if tests.is_dir():
        return tests
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", "--dest", tmp, f"feedparser=={version}"],
            check=True,
        )
        sdist = next(Path(tmp).glob("feedparser-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            try:
                tar.extractall(cache, filter="data")
            except TypeError:  # Python before 3.11.4 has no extraction filters
                tar.extractall(cache)
    if not tests.is_dir():
        sys.exit(f"no tests/ folder in the feedparser {version} sdist")
    return tests


def list_files(folder: Path):
    out = []
    for dirpath, _, names in os.walk(folder):
        for n in names:
            if not n.endswith(SKIP_SUFFIXES) and not n.startswith("."):
                out.append(Path(dirpath) / n)
    return sorted(out)


def feedparser_worker():
    """`--worker`: parse the files named on stdin with feedparser, one JSON line each;
    the time spent in feedparser.parse() goes to stderr. Run as its own process so
    both tools are timed the same way: one process over all the files."""
    import feedparser

    warnings.simplefilter("ignore")
    spent = 0.0
    out = sys.stdout
    for name in sys.stdin.read().splitlines():
        data = Path(name).read_bytes()
        t0 = time.perf_counter()
        d = feedparser.parse(data)
        spent += time.perf_counter() - t0
        out.write(json.dumps({
            "file": name,
            "n": len(d.entries),
            "titles": [e.get("title") for e in d.entries],
            "links": [e.get("link") for e in d.entries],
        }) + "\n")
    out.flush()
    print(f"parsing {spent * 1000:.1f} ms", file=sys.stderr)


def run_feedparser(files):
    """Results, time inside feedparser.parse(), and the wall time of the process."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--worker"],
        input="".join(f"{f}\n" for f in files),
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t0
    results = {}
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        results[row["file"]] = row
    m = re.search(r"parsing ([\d.]+) ms", proc.stderr)
    return results, float(m.group(1)) / 1000, wall


def run_newswatch(binary, files):
    t0 = time.perf_counter()
    proc = subprocess.run(
        [binary, "items", "--batch"],
        input="".join(f"{f}\n" for f in files),
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    results = {}
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        items = row.get("items")
        results[row["file"]] = {
            "n": len(items) if items is not None else 0,
            "error": row.get("error"),
            "panicked": row.get("panicked", False),
            "titles": [i["title"] for i in items or []],
            "links": [i["link"] for i in items or []],
        }
    m = re.search(r"parsing ([\d.]+) ms", proc.stderr)
    parse_ms = float(m.group(1)) if m else float("nan")
    crashed = proc.returncode != 0
    if crashed:
        print(f"newswatch exited with {proc.returncode}: {proc.stderr[-2000:]}", file=sys.stderr)
    return results, wall, parse_ms, crashed


TAG = re.compile(r"<[a-zA-Z/!?][^>]*>")


def plain(s):
    """feedparser's title (sanitised HTML, or text) as plain text."""
    if s is None:
        return ""
    return " ".join(html.unescape(TAG.sub(" ", s)).split())


def same_link(a, b):
    """Links are equal when equal as URLs: newswatch gives absolute links in the
    WHATWG normal form (lower-case scheme and host, `/` for an empty path)."""
    a, b = (a or "").strip(), (b or "").strip()
    if a == b:
        return True
    try:
        from urllib.parse import urlsplit
        pa, pb = urlsplit(a), urlsplit(b)
        norm = lambda p: (p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query, p.fragment)
        return bool(pa.scheme) and norm(pa) == norm(pb)
    except ValueError:
        return False


def spaces(s):
    """newswatch's title is plain text already."""
    return " ".join((s or "").split())


def compare(files, fp, nw):
    row = dict(files=len(files), fp_entries=0, same=0, title_diff=0, link_diff=0, panics=0)
    exceptions, diffs = [], []
    for f in map(str, files):
        a, b = fp[f], nw.get(f, {"n": 0, "error": "missing from output", "panicked": False,
                                 "titles": [], "links": []})
        row["panics"] += bool(b["panicked"])
        if a["n"] == 0:
            continue
        row["fp_entries"] += 1
        if a["n"] != b["n"]:
            exceptions.append((f, a["n"], b["n"], b.get("error")))
            continue
        row["same"] += 1
        for ta, tb in zip(a["titles"], b["titles"]):
            if plain(ta) != spaces(tb):
                row["title_diff"] += 1
                diffs.append(("title", f, ta, tb))
        for la, lb in zip(a["links"], b["links"]):
            if not same_link(la, lb):
                row["link_diff"] += 1
                diffs.append(("link", f, la, lb))
    return row, exceptions, diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--newswatch", default=None, help="binary (default: target/release/newswatch)")
    ap.add_argument("--feedparser-tests", action="store_true",
                    help="also run over feedparser's own test suite (downloads its sdist)")
    ap.add_argument("--cache", type=Path,
                    default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                    / "newswatch-compare")
    ap.add_argument("--write-expected", type=Path, help="write counts TSV for the Rust test")
    ap.add_argument("--repeat", type=int, default=3,
                    help="run each tool N times per folder and keep the fastest (default 3)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--show-diffs", type=int, default=0, metavar="N",
                    help="print the first N title/link differences")
    args = ap.parse_args()
    if args.worker:
        return feedparser_worker()

    repo = Path(__file__).resolve().parent.parent
    binary = args.newswatch or str(repo / "target" / "release" / "newswatch")
    folders = list(args.folders)
    if args.feedparser_tests:
        folders.append(feedparser_tests_dir(args.cache))
    if not folders:
        ap.error("give at least one folder, or --feedparser-tests")

    header = (f"{'folder':<26}{'files':>6}{'fp>0':>6}{'same n':>7}{'title≠':>7}{'link≠':>6}"
              f"{'panics':>7}  {'parse: fp s':>11}{'nw s':>8}{'ratio':>7}"
              f"  {'job: fp s':>9}{'nw s':>8}{'ratio':>7}")
    lines, all_exceptions, all_diffs = [header], [], []
    keys = ("files", "fp_entries", "same", "title_diff", "link_diff", "panics")
    totals = dict.fromkeys(keys, 0)
    times = dict(fp_parse=0.0, nw_parse=0.0, fp_job=0.0, nw_job=0.0)
    crashed_any = False
    expected_rows = []

    def line(name, row, t):
        return (f"{name[:25]:<26}{row['files']:>6}{row['fp_entries']:>6}{row['same']:>7}"
                f"{row['title_diff']:>7}{row['link_diff']:>6}{row['panics']:>7}"
                f"  {t['fp_parse']:>11.3f}{t['nw_parse']:>8.3f}"
                f"{t['fp_parse'] / max(t['nw_parse'], 1e-9):>6.0f}x"
                f"  {t['fp_job']:>9.3f}{t['nw_job']:>8.3f}"
                f"{t['fp_job'] / max(t['nw_job'], 1e-9):>6.0f}x")

    for folder in folders:
        files = list_files(folder)
        # The machine may be shared: the fastest of a few runs is the least disturbed.
        fp_runs = [run_feedparser(files) for _ in range(max(args.repeat, 1))]
        nw_runs = [run_newswatch(binary, files) for _ in range(max(args.repeat, 1))]
        fp = fp_runs[0][0]
        fp_parse = min(r[1] for r in fp_runs)
        fp_job = min(r[2] for r in fp_runs)
        nw, _, _, crashed = nw_runs[0]
        crashed = any(r[3] for r in nw_runs)
        nw_job = min(r[1] for r in nw_runs)
        nw_parse_ms = min(r[2] for r in nw_runs)
        crashed_any |= crashed
        row, exceptions, diffs = compare(files, fp, nw)
        all_exceptions += exceptions
        all_diffs += diffs
        for k in keys:
            totals[k] += row[k]
        t = dict(fp_parse=fp_parse, nw_parse=nw_parse_ms / 1000, fp_job=fp_job, nw_job=nw_job)
        for k in times:
            times[k] += t[k]
        name = folder.name
        if name == "tests":
            name = f"feedparser-{folder.parent.name.split('-')[-1]}/tests"
        lines.append(line(name, row, t))
        if folder == folders[0] and args.write_expected:
            for f in files:
                a, b = fp[str(f)], nw.get(str(f), {"n": 0, "error": "missing"})
                if a["n"] > 0 or b["n"] > 0:
                    expected_rows.append((f.relative_to(folder).as_posix(), a["n"], b["n"]))
    if len(folders) > 1:
        lines.append(line("total", totals, times))
    print("\n".join(lines))
    print(f"\nTimes are the fastest of {args.repeat} runs.")
    print("parse: time inside feedparser.parse(bytes) vs inside newswatch's parse_feed, each"
          " measured in its own process.\njob: wall time of one process per tool over the"
          " folder: start-up (Python and `import feedparser`;\nnewswatch), reading the files,"
          " parsing, one JSON line out per file.")
    if all_exceptions:
        print(f"\nfiles where the counts differ ({len(all_exceptions)}):")
        for f, a, b, err in all_exceptions:
            print(f"  feedparser {a:>3}  newswatch {b:>3}  {f}" + (f"  [{err}]" if err else ""))
    if args.show_diffs and all_diffs:
        print(f"\nfirst {args.show_diffs} of {len(all_diffs)} title/link differences"
              " (feedparser | newswatch):")
        for kind, f, a, b in all_diffs[: args.show_diffs]:
            print(f"  {kind:<5} {Path(f).name}: {a!r} | {b!r}")
    if args.write_expected:
        # Keep the notes that explain exceptions (the fourth column) across rewrites.
        notes = {}
        if args.write_expected.exists():
            for row in args.write_expected.read_text().splitlines():
                cols = row.split("\t")
                if not row.startswith("#") and len(cols) >= 4:
                    notes[cols[0]] = cols[3]
        with open(args.write_expected, "w") as out:
            out.write("# file\tfeedparser entries\tnewswatch entries\twhy they differ "
                      "(written by scripts/compare-feedparser.py --write-expected)\n")
            for path, a, b in expected_rows:
                out.write(f"{path}\t{a}\t{b}\t{notes.get(path, '')}\n")
        print(f"\nwrote {len(expected_rows)} rows to {args.write_expected}")
    if totals["panics"] or crashed_any:
        sys.exit(2)


if __name__ == "__main__":
    main()
