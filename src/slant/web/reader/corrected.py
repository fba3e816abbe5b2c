"""The corrected state of an article's persuasion spans, and its exports.

Model spans stay as the pipeline wrote them; corrections are applied on top,
in the order they were made, each naming its span by key (``m<i>`` for the
i-th model span, ``c<id>`` for a span added by correction ``id``).
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from slant.web.reader.models import Action, Correction


def model_spans(analysis: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not analysis:
        return []
    return list(analysis.get("layers", {}).get("persuasion", []))


def corrected_spans(analysis: dict[str, Any] | None, corrections: Iterable[Correction]) -> list[dict[str, Any]]:
    """Every span with its state: model, accepted, relabelled, added or rejected."""
    spans: dict[str, dict[str, Any]] = {}
    for i, s in enumerate(model_spans(analysis)):
        spans[f"m{i}"] = {
            "key": f"m{i}", "start": int(s["start"]), "end": int(s["end"]), "label": s.get("label"),
            "score": s.get("score"), "model_label": s.get("label"), "state": "model", "by": None, "at": None,
        }
    for c in corrections:
        who = c.author.get_username() if c.author else None
        when = c.created_at.isoformat() if c.created_at else None
        if c.action == Action.ADD:
            key = f"c{c.pk}"
            spans[key] = {
                "key": key, "start": c.start, "end": c.end, "label": c.label, "score": None,
                "model_label": None, "state": "added", "by": who, "at": when,
            }
            continue
        span = spans.get(c.span_key)
        if span is None:
            continue
        if c.action == Action.REJECT:
            span["state"] = "rejected"
        elif c.action == Action.ACCEPT:
            span["state"] = "accepted" if span["state"] in {"model", "rejected", "accepted"} else span["state"]
        elif c.action == Action.RELABEL:
            span["label"] = c.label
            span["state"] = "relabelled" if span["model_label"] is not None else "added"
        span["by"], span["at"] = who, when
    return sorted(spans.values(), key=lambda s: (s["start"], s["end"], s["key"]))


def kept(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in spans if s["state"] != "rejected"]


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
