"""Alias merging: pairwise precision and recall on our own trap articles,
plus the speed of entity_merge, quotes and dates on a 600-word article.

    .venv/bin/python bench/entities.py

Gold: tests/fixtures/entities/articles.json (11 invented articles with the
traps: two Kims, North/South Korea, one name in three spellings, two people
sharing a surname, US/U.S./United States, NATO and its expansion, a
Kim Jong Un / Kim Jong Il / Kim Jong Nam family, the Clintons).

Scoring: every gold mention is matched to the predicted mention at the same
offsets (else the longest overlapping one); a gold mention with no predicted
mention counts as an entity of its own. Over all pairs of gold mentions in
one article, a pair is *gold* when both are in one gold cluster and
*predicted* when both got the same entity id. Precision = |gold ∩ predicted|
/ |predicted|, recall = |gold ∩ predicted| / |gold|, summed over articles.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "entities" / "articles.json"
BEFORE = ["language", "sentences", "entities"]


def gold_mentions(text: str, clusters: list[list[str]]) -> list[tuple[int, int, int]]:
    """``(start, end, cluster)`` for each gold mention."""
    out = []
    for c, cluster in enumerate(clusters):
        for item in cluster:
            surface, _, k = item.partition("@")
            hits = [m.span() for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text)]
            if not hits:
                raise ValueError(f"gold mention {surface!r} is not in the text")
            chosen = [hits[int(k)]] if k else hits
            out.extend((s, e, c) for s, e in chosen)
    # A mention listed under a longer name ("South Korea" inside "South
    # Korean") is scored once, under the longer surface.
    out.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    kept: list[tuple[int, int, int]] = []
    for s, e, c in out:
        if kept and s < kept[-1][1]:
            continue
        kept.append((s, e, c))
    return kept


def analyse(article: dict[str, Any]) -> Any:
    sys.path.insert(0, str(ROOT / "src"))
    from slant.article import Article
    from slant.doc import Doc
    from slant.pipeline import Pipeline

    text = article["text"]
    published = dt.date.fromisoformat(article["published"]) if article.get("published") else None
    doc = Doc(Article(text=text, title=text.split("\n", 1)[0], published=published, language="en"))
    return Pipeline(BEFORE + ["entity_merge"])(doc)


def pairwise(articles: list[dict[str, Any]]) -> dict[str, Any]:
    both = gold_pairs = pred_pairs = 0
    errors = []
    for art in articles:
        doc = analyse(art)
        mentions = doc.layer("entities")
        gold = gold_mentions(art["text"], art["clusters"])
        assigned = []
        for n, (s, e, c) in enumerate(gold):
            exact = [m for m in mentions if m.start == s and m.end == e]
            over = sorted((m for m in mentions if m.start < e and s < m.end), key=lambda m: -(m.end - m.start))
            hit = (exact or over or [None])[0]
            assigned.append(hit.get("entity") if hit is not None else f"missing{n}")
        for (i, gi), (j, gj) in itertools.combinations(enumerate(gold), 2):
            g = gi[2] == gj[2]
            p = assigned[i] == assigned[j]
            gold_pairs += g
            pred_pairs += p
            both += g and p
            if g != p:
                errors.append(f"{art['id']}: {art['text'][gi[0]:gi[1]]!r} / {art['text'][gj[0]:gj[1]]!r}: "
                              f"{'split' if g else 'merged'}")
    precision = both / pred_pairs if pred_pairs else 1.0
    recall = both / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"articles": len(articles), "gold_pairs": gold_pairs, "predicted_pairs": pred_pairs,
            "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "errors": errors}


def article_of(words: int, articles: list[dict[str, Any]]) -> str:
    """A ~``words``-word article made of the fixture bodies, cut at a sentence."""
    title = "Summit week on the Korean peninsula"
    bodies = [a["text"].split("\n\n", 1)[1] for a in articles]
    out: list[str] = []
    count = 0
    for body in itertools.cycle(bodies):
        for sentence in re.split(r"(?<=\.) ", body):
            out.append(sentence)
            count += len(sentence.split())
            if count >= words:
                return title + "\n\n" + " ".join(out)
    raise AssertionError("unreachable")


def speed(articles: list[dict[str, Any]], repeat: int = 30) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    from slant.article import Article
    from slant.doc import Doc
    from slant.pipeline import Pipeline, instance

    text = article_of(600, articles)
    art = Article(text=text, title=text.split("\n", 1)[0], published=dt.date(2023, 3, 10), language="en")
    before = Pipeline(BEFORE)
    before.warm_up()
    stages = {name: instance(name) for name in ("entity_merge", "quotes", "dates")}
    parse_times = []
    timings: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeat):
        doc = Doc(art)
        t0 = time.perf_counter()
        before(doc)
        parse_times.append(time.perf_counter() - t0)
        for name, stage in stages.items():
            t0 = time.perf_counter()
            stage(doc)
            timings[name].append(time.perf_counter() - t0)
    out = {"words": len(text.split()), "ms_spacy_parse_and_ner (shared, not ours)": round(1000 * statistics.median(parse_times), 1)}
    for name, values in timings.items():
        out[f"ms_{name}"] = round(1000 * statistics.median(values), 2)
    return out


def main() -> None:
    articles = json.loads(FIXTURE.read_text(encoding="utf-8"))["articles"]
    result = pairwise(articles)
    errors = result.pop("errors")
    print(json.dumps({"merge": result, "speed_median_of_30": speed(articles)}, indent=1, ensure_ascii=False))
    if errors:
        print("pair errors:", *errors, sep="\n  ")


if __name__ == "__main__":
    main()
