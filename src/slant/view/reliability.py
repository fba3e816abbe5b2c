"""What the persuasion model says about its own scores: the reader's threshold and each technique's reliability.

Both come from ``slant.persuasion`` (figures measured on dev, shipped with the
model). They are read defensively: a model without them still gets a reading
view, with every stored span shown as the reader's (no lighter candidates) and
no reliability note.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Mapping

# Names under which slant.persuasion may offer them (functions or constants).
_THRESHOLD_NAMES = ("reader_threshold", "READER_THRESHOLD")
_RELIABILITY_NAMES = ("technique_reliability", "TECHNIQUE_RELIABILITY", "reliability")


def _lookup(names: tuple[str, ...]) -> Any:
    try:
        import slant.persuasion as persuasion
    except Exception:  # noqa: BLE001 - a broken model package must not break reading
        return None
    for name in names:
        value = getattr(persuasion, name, None)
        if value is None:
            continue
        try:
            return value() if callable(value) else value
        except Exception:  # noqa: BLE001 - e.g. model files missing: no figure, not a crash
            return None
    return None


@functools.lru_cache(maxsize=1)
def reader_threshold() -> float | None:
    """The score at and above which the reader's default shows a span, or None if the model gives none."""
    value = _lookup(_THRESHOLD_NAMES)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= float(value) <= 1.0:
        return float(value)
    return None


@functools.lru_cache(maxsize=1)
def technique_reliability() -> dict[str, float | str]:
    """Technique -> dev F1 (a float) or ``"unreliable"``; empty when the model gives none."""
    return normalise_reliability(_lookup(_RELIABILITY_NAMES))


def normalise_reliability(value: Any) -> dict[str, float | str]:
    """Keep ``label -> F1 in [0, 1]`` or ``label -> "unreliable"`` (also read from ``{"f1": .., "unreliable": ..}``)."""
    out: dict[str, float | str] = {}
    if not isinstance(value, Mapping):
        return out
    for label, item in value.items():
        if isinstance(item, Mapping):
            if item.get("unreliable") or item.get("reliable") is False:
                out[str(label)] = "unreliable"
                continue
            item = item.get("f1")
        if isinstance(item, str) and item.lower() == "unreliable":
            out[str(label)] = "unreliable"
        elif isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item) and 0 <= item <= 1:
            out[str(label)] = float(item)
    return out
