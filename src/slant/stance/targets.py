"""Finding a dataset's named target among the entities slant found (training and benchmarks).

Standalone on purpose (no slant imports): ``bench/author_stance.py`` loads
this file by path to score an older tree's output the same way.
"""

from __future__ import annotations

from typing import Any


def words(name: str) -> set[str]:
    return {w.strip(".'’").lower() for w in name.replace("_", " ").split() if len(w.strip(".'’")) > 1}


def find_entity(entities: list[dict[str, Any]], mention_counts: dict[str, int], target: str) -> dict[str, Any] | None:
    """The entity for ``target`` (``"Barack Obama"``, ``"Barack_Obama"``): one whose name or aliases share a word
    with it, preferring one holding the target's last word, then the most mentioned."""
    want = words(target)
    if not want:
        return None
    last = target.replace("_", " ").split()[-1].strip(".'’").lower()
    best, best_key = None, None
    for e in entities:
        names = [str(e.get("name") or "")] + [str(a) for a in e.get("aliases") or []]
        have = set().union(*(words(n) for n in names))
        if not have & want:
            continue
        key = (last in have, mention_counts.get(str(e.get("id")), 0))
        if best_key is None or key > best_key:
            best, best_key = e, key
    return best


def mention_counts(layer: list[Any]) -> dict[str, int]:
    """Mentions per entity id from an ``entities`` layer (Span objects or JSON dicts)."""
    out: dict[str, int] = {}
    for span in layer:
        eid = span.get("entity")
        if eid is not None:
            out[str(eid)] = out.get(str(eid), 0) + 1
    return out
