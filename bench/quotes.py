"""Quote attribution on PolNeAR: quote-span and speaker precision/recall, speed.

    .venv/bin/python bench/quotes.py --split dev            # the reported figures
    .venv/bin/python bench/quotes.py --split train --limit 100   # development

Gold: one annotation per article, the alphabetically first annotator's
``.ann``; every relation with a ``Content`` span is a gold quote.

Matching rule (one-to-one, greedy by overlap): a predicted quote matches a
gold Content when their character overlap is at least half of the shorter
of the two (gold Content = the union of its fragments). Reported as
``span P/R/F1``. ``exact`` counts matches whose edges agree after trimming
whitespace, punctuation and quotation marks.

Speakers: a matched quote's speaker is right when its ``speaker_start/end``
overlaps the gold ``Source`` span. Speaker precision = right / matched
predictions that name a speaker span; speaker recall = right / all gold
relations that have a Source (unmatched ones count as misses).

PolNeAR is research-only: this script reads it from ../shared/data at run
time and nothing trained on it ships.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SLANT_SHARED_DATA", ROOT.parent / "shared" / "data")) / "polnear"
STAGES = ["language", "sentences", "entities", "entity_merge", "quotes"]
_TRIM = " \t\n.,;:!?\"'“”‘’«»—–-()"


def parse_ann(path: Path) -> tuple[dict[str, tuple[str, list[tuple[int, int]]]], list[dict[str, str]]]:
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    relations: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("T") and "\t" in line:
            tid, info = line.split("\t")[:2]
            label, _, offs = info.partition(" ")
            frags = []
            for piece in offs.split(";"):
                a, b = piece.split()
                frags.append((int(a), int(b)))
            spans[tid] = (label, frags)
        elif line.startswith("E") and "\t" in line:
            _, info = line.split("\t")[:2]
            rel = {}
            for part in info.split():
                role, _, tid = part.partition(":")
                rel[role] = tid
            relations.append(rel)
    return spans, relations


def load(split: str, limit: int | None = None, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Articles of ``split`` with their gold quotes, in file-name order."""
    meta: dict[str, dict[str, str]] = {}
    with open(DATA / "metadata.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            meta[row["filename"]] = row
    texts = sorted((DATA / split / "text").glob("*.txt"))
    if names is not None:
        texts = [t for t in texts if t.stem in names]
    out = []
    for path in texts:
        anns = sorted((DATA / split / "attributions").glob(path.stem + "_*.ann"))
        anns = [a for a in anns if re.fullmatch(re.escape(path.stem) + r"_[0-9a-f]{4}\.ann", a.name)]
        if not anns:
            continue
        spans, relations = parse_ann(anns[0])
        gold = []
        for rel in relations:
            contents = [spans[rel[k]][1] for k in ("Content", "Content2") if k in rel and rel[k] in spans]
            if not contents:
                continue
            frags = [f for c in contents for f in c]
            source = spans[rel["Source"]][1] if "Source" in rel and rel["Source"] in spans else None
            gold.append({"content": frags, "source": source})
        text = path.read_text(encoding="utf-8")
        published = (meta.get(path.stem) or {}).get("publication_date")
        out.append({"name": path.stem, "text": text, "gold": gold,
                    "published": dt.date.fromisoformat(published) if published and published != "None" else None})
        if limit and len(out) >= limit:
            break
    return out


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _length(a: list[tuple[int, int]]) -> int:
    return sum(e - s for s, e in a)


def _trimmed(text: str, frags: list[tuple[int, int]]) -> tuple[int, int]:
    s, e = min(f[0] for f in frags), max(f[1] for f in frags)
    while s < e and text[s] in _TRIM:
        s += 1
    while e > s and text[e - 1] in _TRIM:
        e -= 1
    return s, e


def score(articles: list[dict[str, Any]], predictions: list[list[dict[str, Any]]]) -> dict[str, Any]:
    tp = n_pred = n_gold = exact = 0
    spk_right = spk_named = gold_with_source = 0
    direct_gold = direct_found = 0
    for art, preds in zip(articles, predictions):
        text = art["text"]
        gold = art["gold"]
        n_gold += len(gold)
        n_pred += len(preds)
        gold_with_source += sum(1 for g in gold if g["source"])
        pairs = []
        for pi, p in enumerate(preds):
            pf = [(p["start"], p["end"])]
            for gi, g in enumerate(gold):
                ov = _overlap(pf, g["content"])
                if ov and ov * 2 >= min(_length(pf), _length(g["content"])):
                    pairs.append((ov, pi, gi))
        pairs.sort(reverse=True)
        used_p: set[int] = set()
        used_g: set[int] = set()
        for _, pi, gi in pairs:
            if pi in used_p or gi in used_g:
                continue
            used_p.add(pi)
            used_g.add(gi)
            tp += 1
            p, g = preds[pi], gold[gi]
            if _trimmed(text, [(p["start"], p["end"])]) == _trimmed(text, g["content"]):
                exact += 1
            if p.get("speaker_start") is not None:
                spk_named += 1
                if g["source"] and _overlap([(p["speaker_start"], p["speaker_end"])], g["source"]):
                    spk_right += 1
        for gi, g in enumerate(gold):
            if any(ch in text[s:e] for s, e in g["content"] for ch in '"“”'):
                direct_gold += 1
                direct_found += gi in used_g

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    sp, sr = tp / max(1, n_pred), tp / max(1, n_gold)
    kp, kr = spk_right / max(1, spk_named), spk_right / max(1, gold_with_source)
    return {
        "articles": len(articles), "gold_quotes": n_gold, "predicted": n_pred, "matched": tp,
        "span_precision": round(sp, 3), "span_recall": round(sr, 3), "span_f1": round(f1(sp, sr), 3),
        "exact_precision": round(exact / max(1, n_pred), 3), "exact_recall": round(exact / max(1, n_gold), 3),
        "speaker_precision": round(kp, 3), "speaker_recall": round(kr, 3), "speaker_f1": round(f1(kp, kr), 3),
        "direct_quote_recall": round(direct_found / max(1, direct_gold), 3),
    }


def predict(articles: list[dict[str, Any]]) -> tuple[list[list[dict[str, Any]]], dict[str, float]]:
    sys.path.insert(0, str(ROOT / "src"))
    from slant.article import Article
    from slant.doc import Doc
    from slant.pipeline import Pipeline, instance

    before = Pipeline(STAGES[:-2])
    before.warm_up()
    merge, quotes = instance("entity_merge"), instance("quotes")
    out = []
    t_quotes = t_parse = 0.0
    for art in articles:
        title = art["text"].split("\n", 1)[0]
        doc = Doc(Article(text=art["text"], title=title, published=art["published"], language="en"))
        t0 = time.perf_counter()
        before(doc)
        merge(doc)
        t1 = time.perf_counter()
        quotes(doc)
        t2 = time.perf_counter()
        t_parse += t1 - t0
        t_quotes += t2 - t1
        out.append([s.as_dict() for s in doc.layer("quotes")])
    n = max(1, len(articles))
    return out, {"ms_per_article_quotes": round(1000 * t_quotes / n, 1),
                 "ms_per_article_parse_ner_merge": round(1000 * t_parse / n, 1),
                 "mean_chars": round(sum(len(a["text"]) for a in articles) / n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=["train", "dev"])
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA}: PolNeAR not found (set SLANT_SHARED_DATA)")
    articles = load(args.split, args.limit)
    preds, speed = predict(articles)
    result = {"split": args.split, **score(articles, preds), **speed}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
