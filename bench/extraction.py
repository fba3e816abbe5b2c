"""How well slant finds the article text in a page, on the Zyte/Scrapinghub
article extraction benchmark (181 news pages with hand-checked article bodies).

    .venv/bin/python bench/extraction.py [--data DIR] [--sample N] [--variants] [--worst N] [--json OUT]

The metric is the benchmark's own, as its README describes it (written here
from that description, not copied): each text becomes the multiset of its
4-token shingles (tokens = runs of word characters); per page, the shared
shingles (tp), the extra ones (fp) and the missing ones (fn) are normalised by
their sum; precision is averaged over pages with tp + fp > 0, recall over
pages with tp + fn > 0, and F1 is the harmonic mean of the two averages.
A bootstrap over pages gives the standard deviation of F1.

slant's body (the article text without our title line) is compared with the
ground truth, beside plain ``trafilatura.extract`` with its defaults, in the
same run, with pages per second for each.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
_TOKEN = re.compile(r"\w+")
SHINGLE = 4

Counts = tuple[float, float, float]


# ---------------------------------------------------------------- the metric


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of n-token shingles; a text shorter than n is one shingle."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(truth: str, predicted: str) -> Counts:
    """(tp, fp, fn) of one page, normalised so every page weighs the same."""
    want, got = shingles(truth), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else tp / (tp + fn)


def summarise(counts: Sequence[Counts]) -> dict[str, float]:
    """Precision, recall and F1 over pages, as the benchmark defines them."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def bootstrap_f1_std(counts: Sequence[Counts], rounds: int = 1000, seed: int = 0) -> float:
    rng = random.Random(seed)
    scores = [summarise([rng.choice(counts) for _ in counts])["f1"] for _ in range(rounds)]
    return statistics.stdev(scores)


def exact_match(truth: str, predicted: str) -> bool:
    return _TOKEN.findall(truth or "") == _TOKEN.findall(predicted or "")


# ---------------------------------------------------------------- the systems


def slant_body(html: str) -> str:
    """The body slant would analyse: its article text minus the title line."""
    from slant.extract import extract_body

    found = extract_body(html)
    return found.body if found else ""


def trafilatura_plain(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


SYSTEMS: dict[str, Callable[[str], str]] = {
    "slant": slant_body,
    "trafilatura.extract (defaults)": trafilatura_plain,
}


def _trafilatura_with(**options: object) -> Callable[[str], str]:
    def run(html: str) -> str:
        import trafilatura

        return trafilatura.extract(html, include_comments=False, **options) or ""  # type: ignore[arg-type]

    return run


# --variants: the single trafilatura passes slant's cascade is built from.
VARIANTS: dict[str, Callable[[str], str]] = {
    "trafilatura, comments off": _trafilatura_with(),
    "  + favor_precision": _trafilatura_with(favor_precision=True),
    "  + favor_recall": _trafilatura_with(favor_recall=True),
}


# ---------------------------------------------------------------- running


def load(data: Path, ids: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """(id, html, true body) for each page, sorted by id."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    chosen = sorted(ids) if ids is not None else sorted(truth)
    pages = []
    for page_id in chosen:
        html = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        pages.append((page_id, html, truth[page_id]["articleBody"]))
    return pages


def sample_ids(data: Path, size: int) -> list[str]:
    """A fixed, evenly spread sample of page ids (the same on every machine)."""
    ids = sorted(json.loads((data / "ground-truth.json").read_text(encoding="utf-8")))
    step = max(1, len(ids) // size)
    return ids[::step][:size]


def evaluate(system: Callable[[str], str], pages: Sequence[tuple[str, str, str]]) -> dict[str, object]:
    started, cpu_started = time.perf_counter(), time.process_time()
    predictions = [system(html) for _, html, _ in pages]
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    counts = [page_counts(truth, predicted) for (_, _, truth), predicted in zip(pages, predictions)]
    result: dict[str, object] = dict(summarise(counts))
    result["f1_std"] = bootstrap_f1_std(counts) if len(counts) > 1 else 0.0
    result["accuracy"] = statistics.mean(exact_match(t, p) for (_, _, t), p in zip(pages, predictions))
    result["pages"] = len(pages)
    result["pages_per_s"] = len(pages) / seconds if seconds else float("inf")
    # CPU time too: on a shared machine the wall clock also counts other jobs.
    result["pages_per_cpu_s"] = len(pages) / cpu_seconds if cpu_seconds else float("inf")
    result["per_page_f1"] = {
        page_id: (2 * tp / (2 * tp + fp + fn) if tp else 0.0) for (page_id, _, _), (tp, fp, fn) in zip(pages, counts)
    }
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sample", type=int, default=0, help="score a fixed sample of N pages instead of all")
    parser.add_argument("--json", type=Path, help="write the figures (and per-page F1) here")
    parser.add_argument("--worst", type=int, default=0, help="list the N pages where slant does worst")
    parser.add_argument("--variants", action="store_true", help="also score single trafilatura passes")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        print(f"{args.data}: benchmark data not found", file=sys.stderr)
        return 2
    pages = load(args.data, sample_ids(args.data, args.sample) if args.sample else None)
    systems = SYSTEMS | (VARIANTS if args.variants else {})
    # Warm up imports and caches so pages/s measures extraction, not start-up.
    for system in systems.values():
        system(pages[0][1])
    results = {name: evaluate(system, pages) for name, system in systems.items()}
    print(f"{len(pages)} pages from {args.data}")
    print(f"{'system':32} {'F1':>6} {'±':>6} {'prec':>6} {'recall':>6} {'exact':>6} {'pages/s':>8} {'pages/cpu-s':>11}")
    for name, r in results.items():
        print(
            f"{name:32} {r['f1']:6.4f} {r['f1_std']:6.4f} {r['precision']:6.4f} {r['recall']:6.4f} {r['accuracy']:6.3f}"
            f" {r['pages_per_s']:8.1f} {r['pages_per_cpu_s']:11.1f}"
        )
    if args.worst:
        ours = results["slant"]["per_page_f1"]
        assert isinstance(ours, dict)
        for page_id in sorted(ours, key=ours.get)[: args.worst]:
            print(f"  {ours[page_id]:.3f} {page_id}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
