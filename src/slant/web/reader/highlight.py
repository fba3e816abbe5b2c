"""The article text cut into segments for the reading view, overlaps kept."""

from __future__ import annotations

import hashlib
from typing import Any

from slant.report.segments import segments
from slant.techniques import TECHNIQUES

# A palette readable under black text; each technique keeps its colour.
PALETTE = [
    "#ffd54f", "#81d4fa", "#ef9a9a", "#a5d6a7", "#ce93d8", "#ffab91", "#80cbc4",
    "#e6ee9c", "#b0bec5", "#f48fb1", "#90caf9", "#bcaaa4", "#fff59d", "#b39ddb",
]


def colour(label: str | None) -> str:
    names = sorted(TECHNIQUES)
    if label in names:
        return PALETTE[names.index(label) % len(PALETTE)]
    digest = int(hashlib.sha1((label or "").encode()).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


def background(colours: list[str]) -> str:
    """One colour, or equal stripes of each when spans overlap (so every one shows)."""
    if len(colours) == 1:
        return f"background:{colours[0]}"
    step = 100 / len(colours)
    stops = ", ".join(f"{c} {i * step:.0f}% {(i + 1) * step:.0f}%" for i, c in enumerate(colours))
    return f"background:linear-gradient(180deg, {stops})"


def pieces(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Segments of ``text`` with the spans covering each one and their drawing style."""
    out = []
    for start, end, covering in segments(text, spans):
        out.append({
            "text": text[start:end], "start": start, "spans": " ".join(str(i) for i in covering),
            "count": len(covering), "style": background([colour(spans[i]["label"]) for i in covering]) if covering else "",
        })
    return out
