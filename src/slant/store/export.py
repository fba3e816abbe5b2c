"""Exports of stored analyses: JSON Lines, CSV (one row per span), PTC.

Each export writes one analysis per article: the analysis by ``pipeline``
when it is given, else the most recent one. Articles come in the order they
were first stored.

- ``jsonl``: one ``slant.analysis/1`` object per line, as stored.
- ``csv``: one row per span of every layer (layers by name, spans in text
  order): article_id, layer, start, end, label, score, text (the span's
  characters), title, url, and the span's other fields as a JSON object.
- ``ptc``: the SemEval-2020 task 11 format, ``article_id<TAB>technique<TAB>start<TAB>end``
  per persuasion span. The article id is the PTC number when the article was
  read from a file named ``article<NUMBER>.txt``, else slant's id.
"""

from __future__ import annotations

import csv
import json
import os
import re
from typing import Any, Callable, Iterator, TextIO

FORMATS = ("jsonl", "csv", "ptc")
CSV_COLUMNS = ("article_id", "layer", "start", "end", "label", "score", "text", "title", "url", "attrs")
_PTC_FILE = re.compile(r"^article(\d+)\.txt$")


def analyses(*, using: str = "default", pipeline: str | None = None) -> Iterator[tuple[Any, dict[str, Any]]]:
    """``(stored article, analysis JSON)`` for each article that has an analysis."""
    from .models import Analysis

    rows = Analysis.objects.using(using).select_related("article")
    if pipeline:
        rows = rows.filter(pipeline=pipeline)
    rows = rows.order_by("article__created_at", "article_id", "-created_at", "-id")
    last = None
    for row in rows.iterator(chunk_size=200):
        if row.article_id == last:
            continue  # an older analysis of the same article
        last = row.article_id
        yield row.article, row.data


def write(fmt: str, out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    """Write every stored analysis to ``out`` in ``fmt``; returns the lines/rows written."""
    writers: dict[str, Callable[..., int]] = {"jsonl": write_jsonl, "csv": write_csv, "ptc": write_ptc}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return writers[fmt](out, using=using, pipeline=pipeline)


def write_jsonl(out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    n = 0
    for _, data in analyses(using=using, pipeline=pipeline):
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for article, data in analyses(using=using, pipeline=pipeline):
        text = data["article"]["text"]
        # By layer name: PostgreSQL's jsonb does not keep the keys' order.
        for layer, spans in sorted(data.get("layers", {}).items()):
            for span in spans:
                extra = {k: v for k, v in span.items() if k not in ("start", "end", "label", "score")}
                writer.writerow(
                    (
                        article.id,
                        layer,
                        span["start"],
                        span["end"],
                        span.get("label", ""),
                        "" if span.get("score") is None else span["score"],
                        text[span["start"] : span["end"]],
                        article.title or "",
                        article.url or "",
                        json.dumps(extra, ensure_ascii=False) if extra else "",
                    )
                )
                n += 1
    return n


def write_ptc(out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    n = 0
    for article, data in analyses(using=using, pipeline=pipeline):
        name = ptc_id(article.source) or article.id
        for span in data.get("layers", {}).get("persuasion", []):
            out.write(f"{name}\t{span.get('label', '')}\t{span['start']}\t{span['end']}\n")
            n += 1
    return n


def ptc_id(source: str | None) -> str | None:
    """The PTC article number in a source path like ``.../article111111112.txt``."""
    if not source:
        return None
    match = _PTC_FILE.match(os.path.basename(source))
    return match.group(1) if match else None
