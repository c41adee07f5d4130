#!/usr/bin/env python3
"""Compare newswatch's feed reading with Python's feedparser, the reference for what
"readable" means.

For every file under the given folders, feedparser (in this process) and
`newswatch items --batch` (one process for all files, so neither side pays a process
start per file) read the bytes, without HTTP headers or a base URL. The script
prints, per folder and in total: files, files where feedparser finds entries, files
where newswatch finds the same number, titles and links that differ (on files with
the same count; titles compared as plain text, since feedparser keeps sanitised
HTML), newswatch panics (must be 0), and each tool's time. Then it lists every file
where the counts differ.

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
            tar.extractall(cache, filter="data")
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


def run_feedparser(files):
    import feedparser

    warnings.simplefilter("ignore")
    results = {}
    spent = 0.0
    for f in files:
        data = f.read_bytes()
        t0 = time.perf_counter()
        d = feedparser.parse(data)
        spent += time.perf_counter() - t0
        results[str(f)] = {
            "n": len(d.entries),
            "titles": [e.get("title") for e in d.entries],
            "links": [e.get("link") for e in d.entries],
        }
    return results, spent


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
    ap.add_argument("--show-diffs", type=int, default=0, metavar="N",
                    help="print the first N title/link differences")
    args = ap.parse_args()

    repo = Path(__file__).resolve().parent.parent
    binary = args.newswatch or str(repo / "target" / "release" / "newswatch")
    folders = list(args.folders)
    if args.feedparser_tests:
        folders.append(feedparser_tests_dir(args.cache))
    if not folders:
        ap.error("give at least one folder, or --feedparser-tests")

    header = f"{'folder':<28}{'files':>7}{'fp>0':>7}{'same n':>8}{'title≠':>8}{'link≠':>7}" \
             f"{'panics':>8}{'feedparser s':>14}{'newswatch s':>13}{'ratio':>8}"
    lines, all_exceptions, all_diffs = [header], [], []
    totals = dict(files=0, fp_entries=0, same=0, title_diff=0, link_diff=0, panics=0)
    t_fp = t_nw = 0.0
    crashed_any = False
    expected_rows = []
    for folder in folders:
        files = list_files(folder)
        fp, fp_time = run_feedparser(files)
        nw, nw_time, nw_parse_ms, crashed = run_newswatch(binary, files)
        crashed_any |= crashed
        row, exceptions, diffs = compare(files, fp, nw)
        all_exceptions += exceptions
        all_diffs += diffs
        for k in totals:
            totals[k] += row[k]
        t_fp += fp_time
        t_nw += nw_time
        name = folder.name if folder.name != "tests" else f"feedparser-{folder.parent.name.split('-')[-1]}/tests"
        lines.append(f"{name[:27]:<28}{row['files']:>7}{row['fp_entries']:>7}{row['same']:>8}"
                     f"{row['title_diff']:>8}{row['link_diff']:>7}{row['panics']:>8}"
                     f"{fp_time:>14.3f}{nw_time:>13.3f}{fp_time / nw_time:>7.0f}x")
        lines.append(f"{'':<28}(newswatch parse time alone: {nw_parse_ms:.1f} ms, "
                     f"{fp_time * 1000 / nw_parse_ms:.0f}x)")
        if folder == folders[0] and args.write_expected:
            for f in files:
                a, b = fp[str(f)], nw.get(str(f), {"n": 0, "error": "missing"})
                if a["n"] > 0 or b["n"] > 0:
                    expected_rows.append((f.relative_to(folder).as_posix(), a["n"], b["n"]))
    lines.append(f"{'total':<28}{totals['files']:>7}{totals['fp_entries']:>7}{totals['same']:>8}"
                 f"{totals['title_diff']:>8}{totals['link_diff']:>7}{totals['panics']:>8}"
                 f"{t_fp:>14.3f}{t_nw:>13.3f}{t_fp / t_nw:>7.0f}x")
    print("\n".join(lines))
    print("\nfeedparser time: feedparser.parse(bytes) calls, in process (no start-up, no file"
          " reads).\nnewswatch time: wall time of one `newswatch items --batch` process over"
          " the folder\n(start-up, file reads, parsing, JSON output).")
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
        with open(args.write_expected, "w") as out:
            out.write("# file\tfeedparser entries\tnewswatch entries "
                      "(written by scripts/compare-feedparser.py --write-expected)\n")
            for path, a, b in expected_rows:
                out.write(f"{path}\t{a}\t{b}\n")
        print(f"\nwrote {len(expected_rows)} rows to {args.write_expected}")
    if totals["panics"] or crashed_any:
        sys.exit(2)


if __name__ == "__main__":
    main()
