"""The corrected state of an article's persuasion spans, and its exports.

Model spans stay as the pipeline wrote them; corrections are applied on top,
in the order they were made. A correction of a model span names it by its
characters and label, ``(start, end, label)``, never by its position in one
analysis, so it survives a new analysis: it applies to the span of the new
analysis with the same start, end and label (the text is the same, its hash
is the article's id), and when the new analysis has no such span the
correction is *orphaned*: listed for the user with the reason, applied to
nothing. Spans added by a correction (``add``) are the editor's own and
stay whatever the model says.

A span's ``key`` is a handle for forms: ``s<start>-<end>-<label>`` for a
model span, ``c<id>`` for a span added by correction ``id``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from slant.web.reader.models import Action, Correction


def model_spans(analysis: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not analysis:
        return []
    return list(analysis.get("layers", {}).get("persuasion", []))


def model_key(start: int, end: int, label: str | None) -> str:
    return f"s{int(start)}-{int(end)}-{label or ''}"


def parse_key(key: str) -> tuple[int, int, str] | None:
    """``(start, end, label)`` of a model span's key, or None."""
    if not key.startswith("s"):
        return None
    head, _, label = key[1:].partition("-")
    end, _, label = label.partition("-")
    if not (head.isdigit() and end.isdigit()):
        return None
    return int(head), int(end), label


@dataclass
class Corrected:
    spans: list[dict[str, Any]] = field(default_factory=list)
    orphans: list[dict[str, Any]] = field(default_factory=list)


def _who(c: Correction) -> tuple[str | None, str | None]:
    return (c.author.get_username() if c.author_id and c.author else None,
            c.created_at.isoformat() if c.created_at else None)


def apply(analysis: dict[str, Any] | None, corrections: Iterable[Correction], pipeline: str | None = None) -> Corrected:
    """Every span with its state (model, accepted, relabelled, added, rejected), and the orphaned corrections.

    ``pipeline`` is the id of ``analysis``; it only serves to say, for an
    orphan, that it was made on another analysis.
    """
    spans: dict[str, dict[str, Any]] = {}
    for s in model_spans(analysis):
        key = model_key(s["start"], s["end"], s.get("label"))
        spans.setdefault(key, {
            "key": key, "start": int(s["start"]), "end": int(s["end"]), "label": s.get("label"),
            "score": s.get("score"), "model_label": s.get("label"), "state": "model", "by": None, "at": None,
        })
    orphans: list[dict[str, Any]] = []
    for c in corrections:
        who, when = _who(c)
        if c.action == Action.ADD:
            key = f"c{c.pk}"
            spans[key] = {
                "key": key, "start": c.start, "end": c.end, "label": c.label, "score": None,
                "model_label": None, "state": "added", "by": who, "at": when,
            }
            continue
        if c.target_id:
            span = spans.get(f"c{c.target_id}")
        elif c.start is not None and c.end is not None:
            span = spans.get(model_key(c.start, c.end, c.label))
        else:
            span = None
        if span is None:
            if analysis is not None:
                orphans.append(orphan_row(c, pipeline))
            continue
        if c.action == Action.REJECT:
            span["state"] = "rejected"
        elif c.action == Action.ACCEPT:
            span["state"] = "accepted" if span["state"] in {"model", "rejected", "accepted"} else span["state"]
        elif c.action == Action.RELABEL:
            span["label"] = c.new_label
            span["state"] = "relabelled" if span["model_label"] is not None else "added"
        span["by"], span["at"] = who, when
    return Corrected(sorted(spans.values(), key=lambda s: (s["start"], s["end"], s["key"])), orphans)


def orphan_row(c: Correction, pipeline: str | None) -> dict[str, Any]:
    who, when = _who(c)
    where = f"[{c.start}, {c.end}) {c.label}" if c.start is not None else "a span the app can no longer name"
    other = bool(c.pipeline and pipeline and c.pipeline != pipeline)
    reason = (f"made on another analysis ({c.pipeline[:16]}...); the current one has no span {where}" if other
              else f"the current analysis has no span {where}")
    return {"id": c.pk, "action": c.action, "start": c.start, "end": c.end, "label": c.label or None,
            "new_label": c.new_label or None, "pipeline": c.pipeline or None, "author": who, "at": when, "reason": reason}


def corrected_spans(analysis: dict[str, Any] | None, corrections: Iterable[Correction]) -> list[dict[str, Any]]:
    """Every span with its state: model, accepted, relabelled, added or rejected."""
    return apply(analysis, corrections).spans


def kept(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in spans if s["state"] != "rejected"]


def corrected_analysis(analysis: dict[str, Any], result: Corrected) -> dict[str, Any]:
    """The analysis with its persuasion layer as corrected (the summary recounted).

    Each span keeps the contract's fields; a corrected one also says its
    ``state`` and, when relabelled, its ``model_label``. The corrections that
    did not apply are listed under ``corrections.orphaned``.
    """
    from slant.doc import Doc

    data = copy.deepcopy(analysis)
    layer = []
    for s in kept(result.spans):
        span: dict[str, Any] = {"start": s["start"], "end": s["end"], "label": s["label"]}
        if s["score"] is not None:
            span["score"] = s["score"]
        if s["state"] != "model":
            span["state"] = s["state"]
            if s["model_label"] and s["model_label"] != s["label"]:
                span["model_label"] = s["model_label"]
        layer.append(span)
    if "persuasion" in data.get("layers", {}) or layer:
        data.setdefault("layers", {})["persuasion"] = layer
        data["summary"] = Doc.from_dict(data).computed_summary()
    changed = sum(1 for s in result.spans if s["state"] != "model")
    data["corrections"] = {"applied": changed, "orphaned": result.orphans}
    return data


def export_ptc(items: Iterable[tuple[str, list[dict[str, Any]]]]) -> str:
    """``article_id<TAB>technique<TAB>start<TAB>end`` per kept span (the PTC format)."""
    lines = []
    for article_id, spans in items:
        for s in kept(spans):
            lines.append(f"{article_id}\t{s['label']}\t{s['start']}\t{s['end']}")
    return "\n".join(lines) + ("\n" if lines else "")


def export_label_studio(items: Iterable[tuple[str, str, list[dict[str, Any]]]]) -> str:
    """Label Studio tasks: the text plus one completed annotation of the kept spans."""
    tasks = []
    for article_id, text, spans in items:
        result = [
            {
                "id": s["key"], "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": s["start"], "end": s["end"], "text": text[s["start"]:s["end"]], "labels": [s["label"]]},
            }
            for s in kept(spans)
        ]
        tasks.append({"data": {"text": text, "article_id": article_id}, "annotations": [{"result": result}]})
    return json.dumps(tasks, ensure_ascii=False, indent=1)


def corrected_entries(entries: Iterable[Any], *, pipeline: str | None = None,
                      ) -> Iterable[tuple[Any, str | None, dict[str, Any] | None, Corrected]]:
    """``(entry, pipeline, analysis, corrected)`` for each entry, in batches of a few queries.

    The analysis is the one the reading view shows, or the one by ``pipeline`` when given.
    """
    from slant.store.models import Analysis
    from slant.web.jobs.status import analyses_of

    def chosen(ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        if pipeline is None:
            return analyses_of(ids)
        rows = Analysis.objects.filter(article_id__in=set(ids), pipeline=pipeline).values_list("article_id", "data")
        return {a: (pipeline, data) for a, data in rows}

    batch: list[Any] = []

    def flush() -> Iterable[tuple[Any, str | None, dict[str, Any] | None, Corrected]]:
        analyses = chosen(e.article_id for e in batch)
        by_entry: dict[int, list[Correction]] = {}
        for c in Correction.objects.filter(entry__in=[e.pk for e in batch]).select_related("author").order_by("created_at", "id"):
            by_entry.setdefault(c.entry_id, []).append(c)
        for e in batch:
            pipeline, data = analyses.get(e.article_id, (None, None))
            yield e, pipeline, data, apply(data, by_entry.get(e.pk, []), pipeline)

    for entry in entries:
        batch.append(entry)
        if len(batch) == 100:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def collection_analyses(collection: Any, *, pipeline: str | None = None) -> Iterable[tuple[Any, dict[str, Any]]]:
    """``(stored article, analysis with this collection's corrections)`` per analysed article, oldest entry first.

    What every export of a collection writes (web, API, ``slant export
    --collection``): the analysis the reading view shows, or the one by
    ``pipeline`` when given.
    """
    entries = collection.entries.select_related("article").order_by("added_at", "id")
    for entry, _, data, result in corrected_entries(entries.iterator(chunk_size=100), pipeline=pipeline):
        if data is not None:
            yield entry.article, corrected_analysis(data, result)
