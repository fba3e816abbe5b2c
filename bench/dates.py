"""Dates: detection and ISO value accuracy on our own dated articles.

The speed of the stage is measured by bench/entities.py with the others.

    .venv/bin/python bench/dates.py

Gold: tests/fixtures/dates/articles.json: invented articles, each expression
with the value a reader would give it against the publication date. Set
``dev`` (8 articles) was written alongside the rules; set ``held_out`` (4)
after they were frozen, and is reported apart.
A gold expression is found when a predicted span overlaps it. Scored:

* detection precision = predicted spans overlapping a gold expression /
  predicted spans; detection recall = found / gold expressions that are dates
  of their own (those anchored on another event, "two days after", are only
  checked to have no value);
* value accuracy = found expressions whose ``value`` and ``precision`` both
  equal the gold ones / found; end-to-end = right values / gold dates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "dates" / "articles.json"
STAGES = ["language", "sentences", "dates"]


def run(article: dict[str, Any]) -> Any:
    sys.path.insert(0, str(ROOT / "src"))
    from slant.article import Article
    from slant.doc import Doc
    from slant.pipeline import Pipeline

    text = article["text"]
    published = dt.date.fromisoformat(article["published"]) if article.get("published") else None
    return Pipeline(STAGES)(Doc(Article(text=text, title=text.split("\n", 1)[0], published=published, language="en")))


def locate(text: str, surface: str) -> tuple[int, int]:
    surface, _, k = surface.partition("@")
    hits = [m.span() for m in re.finditer(re.escape(surface), text)]
    if not hits:
        raise ValueError(f"gold date {surface!r} is not in the text")
    return hits[int(k) if k else 0]


def score(articles: list[dict[str, Any]]) -> dict[str, Any]:
    predicted = overlapping = gold_dates = found = right = anchored_with_value = 0
    errors = []
    for art in articles:
        doc = run(art)
        spans = doc.layer("dates")
        text = art["text"]
        gold = [(locate(text, g[0]), g[1], g[2], g[0]) for g in art["gold"]]
        predicted += len(spans)
        for s in spans:
            if any(s.start < e and gs < s.end for (gs, e), *_ in gold):
                overlapping += 1
            else:
                errors.append(f"extra: {text[s.start:s.end]!r} -> {s['value']}")
        for (gs, ge), value, precision, surface in gold:
            hits = [s for s in spans if s.start < ge and gs < s.end]
            if precision is None:
                if any(h["value"] is not None for h in hits):
                    anchored_with_value += 1
                    errors.append(f"anchored on an event, given a value: {surface!r}")
                continue
            gold_dates += 1
            if not hits:
                errors.append(f"missed: {surface!r}")
                continue
            found += 1
            if (hits[0]["value"], hits[0]["precision"]) == (value, precision):
                right += 1
            else:
                errors.append(f"wrong: {surface!r} -> {hits[0]['value']} ({hits[0]['precision']}), gold {value} ({precision})")
    return {
        "articles": len(articles), "gold_dates": gold_dates, "predicted": predicted,
        "detection_precision": round(overlapping / max(1, predicted), 3),
        "detection_recall": round(found / max(1, gold_dates), 3),
        "value_accuracy_of_found": round(right / max(1, found), 3),
        "end_to_end_accuracy": round(right / max(1, gold_dates), 3),
        "anchored_given_a_value": anchored_with_value,
        "errors": errors,
    }


def main() -> None:
    articles = json.loads(FIXTURE.read_text(encoding="utf-8"))["articles"]
    for part in ("dev", "held_out"):
        result = score([a for a in articles if a.get("set", "dev") == part])
        errors = result.pop("errors")
        print(part, json.dumps(result, indent=1))
        if errors:
            print("errors:", *errors, sep="\n  ")


if __name__ == "__main__":
    main()
