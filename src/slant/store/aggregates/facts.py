"""From one stored analysis to the narrow rows the aggregates count.

Called once per new analysis (``stories.on_saved``). The rows are derived
data: ``rebuild_facts`` recomputes them from the analyses at any time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Mapping

from slant import conf

MIN_SCORE_ENV = "SLANT_AGGREGATE_MIN_SCORE"


@functools.lru_cache(maxsize=1)
def min_score() -> float:
    """Persuasion spans count toward rates from this calibrated score up: ``SLANT_AGGREGATE_MIN_SCORE``, else
    the installed model's reader's default (``slant.persuasion.reader_threshold()``), so that a rate counts
    the spans the reading view shows in a solid tint; 0.5 (more likely right than wrong) if the model's files
    say nothing. Facts are recorded when an analysis is stored, by the model that made it, so each article
    is counted at its own model's cut. (The layer keeps every span with its score; a view applies its cut.)"""
    fallback = 0.5
    try:
        from slant.persuasion import reader_threshold

        fallback = reader_threshold()
    except Exception:  # noqa: BLE001  (no persuasion model installed: the plain cut)
        pass
    return conf.env_float(MIN_SCORE_ENV, fallback)

ACTOR_TYPES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"}
_WORD = re.compile(r"\w+", re.UNICODE)


def name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()[:200]


def word_count(data: Mapping[str, Any]) -> int:
    return len(_WORD.findall(data.get("article", {}).get("text", "")))


def techniques(data: Mapping[str, Any], cut: float | None = None) -> dict[str, int]:
    """Spans per technique scored at least ``cut`` (default :func:`min_score`)."""
    cut = min_score() if cut is None else cut
    counts: dict[str, int] = {}
    for span in data.get("layers", {}).get("persuasion", []):
        score = span.get("score")
        if span.get("label") and (score is None or score >= cut):
            counts[span["label"]] = counts.get(span["label"], 0) + 1
    return counts


def actors(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The article's merged entities of actor types, one per key."""
    out: dict[str, dict[str, Any]] = {}
    for e in data.get("entities", []) or []:
        name = (e.get("name") or "").strip()
        if not name or e.get("type") not in ACTOR_TYPES:
            continue
        key = name_key(name)
        stance = e.get("stance") or {}
        row = out.get(key)
        if row is None:
            out[key] = {"key": key, "name": name[:200], "type": e["type"], "mentions": int(e.get("mentions") or 1),
                        "stance": stance.get("label"), "stance_score": stance.get("score"), "entity": e.get("id")}
        else:
            row["mentions"] += int(e.get("mentions") or 1)
    return list(out.values())


def quote_sources(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Speakers and source outlets of the article's quotes, by entity name, with counts."""
    names = {e.get("id"): (e.get("name") or "").strip() for e in data.get("entities", []) or []}
    counts: dict[tuple[str, str], list[Any]] = {}
    for q in data.get("layers", {}).get("quotes", []):
        for kind in ("speaker", "source"):
            name = names.get(q.get(kind)) if q.get(kind) else None
            if name:
                k = (kind, name_key(name))
                counts.setdefault(k, [name[:200], 0])[1] += 1
    return [{"kind": k, "key": key, "name": v[0], "count": v[1]} for (k, key), v in counts.items()]


def published(data: Mapping[str, Any]) -> dt.date | None:
    value = data.get("article", {}).get("published")
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def record(article_id: str, data: Mapping[str, Any], *, using: str = "default", new: bool = False,
           **fields: Any) -> Any:
    """Write (or rewrite) the article's fact rows; returns its ``ArticleFacts``.

    ``new``: the caller knows there is no row yet (one INSERT, no lookups); ``fields`` are further
    ``ArticleFacts`` fields for it (story, signals, ...). Otherwise an existing row keeps its story and pin.
    Call it inside a transaction.
    """
    from .models import ArticleActor, ArticleFacts, ArticleQuoteSource, ArticleTechnique
    from .outlets import outlet_for

    art = data.get("article", {})
    outlet = outlet_for(art.get("outlet"), art.get("url"), using=using)
    values = {"outlet": outlet, "published": published(data), "words": word_count(data)}
    if new:
        facts = ArticleFacts.objects.using(using).create(article_id=article_id, **values, **fields)
    else:
        facts, created = ArticleFacts.objects.using(using).update_or_create(article_id=article_id, defaults=values)
        if not created:  # recorded before (another pipeline's analysis): replace the rows
            ArticleTechnique.objects.using(using).filter(article_id=article_id).delete()
            ArticleActor.objects.using(using).filter(article_id=article_id).delete()
            ArticleQuoteSource.objects.using(using).filter(article_id=article_id).delete()
    rows = [ArticleTechnique(article_id=article_id, technique=t, count=n) for t, n in techniques(data).items()]
    if rows:
        ArticleTechnique.objects.using(using).bulk_create(rows)
    rows = [ArticleActor(article_id=article_id, **{k: v for k, v in a.items() if k != "entity"}) for a in actors(data)]
    if rows:
        ArticleActor.objects.using(using).bulk_create(rows)
    rows = [ArticleQuoteSource(article_id=article_id, **q) for q in quote_sources(data)]
    if rows:
        ArticleQuoteSource.objects.using(using).bulk_create(rows)
    return facts
