"""Exports of stored analyses: JSON Lines, CSV (one row per span), PTC.

Each export writes one analysis per article: the analysis by ``pipeline``
when it is given, else the most recent one. Articles come in the order they
were first stored. Given ``items`` instead (the web app, ``slant export
--collection``), it writes those: one collection's analyses, with the
persuasion layer as its editors corrected it.

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
import io
import json
import os
import re
from typing import Any, Callable, Iterable, Iterator, TextIO

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


Items = Iterable[tuple[Any, dict[str, Any]]]


def write(fmt: str, out: TextIO, *, using: str = "default", pipeline: str | None = None, items: Items | None = None) -> int:
    """Write every stored analysis (or ``items``) to ``out`` in ``fmt``; returns the lines/rows written.

    ``items`` are ``(stored article, analysis JSON)`` pairs chosen by the
    caller: the web app passes one collection's analyses with its corrections
    applied to the persuasion layer.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    n = 0
    for chunk, rows in chunks(fmt, analyses(using=using, pipeline=pipeline) if items is None else items):
        out.write(chunk)
        n += rows
    return n


def chunks(fmt: str, items: Items) -> Iterator[tuple[str, int]]:
    """``(text, rows in it)`` per article (and the CSV header first), for streaming."""
    per_article: dict[str, Callable[[Any, dict[str, Any]], list[str]]] = {
        "jsonl": _jsonl_lines, "csv": _csv_lines, "ptc": _ptc_lines}
    if fmt not in per_article:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        yield _csv_row(CSV_COLUMNS), 0
    for article, data in items:
        lines = per_article[fmt](article, data)
        if lines:
            yield "".join(lines), len(lines)


def write_jsonl(out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    return write("jsonl", out, using=using, pipeline=pipeline)


def write_csv(out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    return write("csv", out, using=using, pipeline=pipeline)


def write_ptc(out: TextIO, *, using: str = "default", pipeline: str | None = None) -> int:
    return write("ptc", out, using=using, pipeline=pipeline)


def _jsonl_lines(article: Any, data: dict[str, Any]) -> list[str]:
    return [json.dumps(data, ensure_ascii=False) + "\n"]


def _csv_row(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _csv_lines(article: Any, data: dict[str, Any]) -> list[str]:
    text = data["article"]["text"]
    lines = []
    # By layer name: PostgreSQL's jsonb does not keep the keys' order.
    for layer, spans in sorted(data.get("layers", {}).items()):
        for span in spans:
            extra = {k: v for k, v in span.items() if k not in ("start", "end", "label", "score")}
            lines.append(_csv_row((
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
            )))
    return lines


def _ptc_lines(article: Any, data: dict[str, Any]) -> list[str]:
    name = ptc_id(article.source) or article.id
    return [f"{name}\t{span.get('label', '')}\t{span['start']}\t{span['end']}\n"
            for span in data.get("layers", {}).get("persuasion", [])]


def ptc_id(source: str | None) -> str | None:
    """The PTC article number in a source path like ``.../article111111112.txt``."""
    if not source:
        return None
    match = _PTC_FILE.match(os.path.basename(source))
    return match.group(1) if match else None
