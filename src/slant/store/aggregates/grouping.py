"""Which story a new article joins: the signals, the score and the decision, without a database.

An article arrives with four signals:

- its MiniLM vector (``embed``): what the lead says happened;
- its actors: the keys of its merged people, organisations and places, each weighted by how rare it is
  among the articles seen so far (a name every article carries says little);
- the years its text names (resolved by the dates stage): two articles naming years, none in common,
  are about different events;
- its publication date, when it has one.

The candidates are its ``k`` nearest earlier articles by vector (an approximate nearest-neighbour index,
``ann``), restricted to those published within ``max_days`` of it when both dates are known. Each
candidate gets ``score = vector cosine + actor_weight * actor similarity - year_penalty * [years
disjoint]``; a story scores as its best member, and the article joins the best story scoring at least
``threshold``, else it starts a story. Nothing else moves: adding an article never changes which story
an earlier article is in.

``Settings``: threshold, actor_weight and year_penalty were chosen on the odd ECB+ topics (``bench/stories.py
--choose``, a grid, by B-cubed F1); BASIL and the even topics were not looked at to choose them. ``max_days``
(14) and ``k`` (30) were set beforehand, not tuned (ECB+ has no dates).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any, Iterable, Mapping

import numpy as np

from .facts import actors


@dataclasses.dataclass(frozen=True)
class Settings:
    threshold: float = 0.75
    actor_weight: float = 0.5
    year_penalty: float = 0.15
    max_days: int = 14
    k: int = 30


DEFAULT = Settings()


@dataclasses.dataclass
class Signals:
    vector: np.ndarray
    actors: frozenset[str]
    years: frozenset[str]
    published: dt.date | None


def years_of(data: Mapping[str, Any]) -> frozenset[str]:
    """The years the text names (values of the dates layer), as written: '2013'."""
    out = set()
    for d in data.get("layers", {}).get("dates", []) or []:
        v = d.get("value")
        if isinstance(v, str) and len(v) >= 4 and v[:4].isdigit() and d.get("relative") is None:
            out.add(v[:4])
    return frozenset(out)


def signals(data: Mapping[str, Any], vector: np.ndarray) -> Signals:
    from .facts import published

    keys = frozenset(a["key"] for a in actors(data) if a["type"] in {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT"})
    return Signals(vector=vector, actors=keys, years=years_of(data), published=published(data))


class ActorFrequencies:
    """How many articles carry each actor key, for the rarity weights."""

    def __init__(self) -> None:
        self.df: dict[str, int] = {}
        self.n = 0

    def add(self, keys: Iterable[str]) -> None:
        self.n += 1
        for k in keys:
            self.df[k] = self.df.get(k, 0) + 1

    def weight(self, key: str) -> float:
        return math.log((self.n + 1) / (self.df.get(key, 0) + 1)) + 1.0


def actor_similarity(a: frozenset[str], b: frozenset[str], weight: Any) -> float:
    """Weighted cosine of two actor sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    shared = sum(weight(k) ** 2 for k in a & b)
    if not shared:
        return 0.0
    na = math.sqrt(sum(weight(k) ** 2 for k in a))
    nb = math.sqrt(sum(weight(k) ** 2 for k in b))
    return shared / (na * nb)


def pair_score(a: Signals, b: Signals, cosine: float, weight: Any, s: Settings = DEFAULT) -> float | None:
    """The score of joining ``a`` to ``b``, or None when their dates rule it out."""
    if a.published and b.published and abs((a.published - b.published).days) > s.max_days:
        return None
    score = cosine + s.actor_weight * actor_similarity(a.actors, b.actors, weight)
    if a.years and b.years and not (a.years & b.years):
        score -= s.year_penalty
    return score


def choose(candidates: list[tuple[Any, float]], s: Settings = DEFAULT) -> tuple[Any, float] | None:
    """From ``(story, score)`` pairs: the best story if it reaches the threshold."""
    best: dict[Any, float] = {}
    for story, score in candidates:
        if story is not None and score > best.get(story, -math.inf):
            best[story] = score
    if not best:
        return None
    story, score = max(best.items(), key=lambda kv: (kv[1], -_order(kv[0])))
    return (story, score) if score >= s.threshold else None


def _order(story: Any) -> float:
    return float(story) if isinstance(story, (int, float)) else 0.0


class Grouper:
    """Incremental grouping in memory (the benchmarks; the store uses the same scoring in ``stories``)."""

    def __init__(self, settings: Settings = DEFAULT, dim: int = 384) -> None:
        from .ann import VectorIndex

        self.s = settings
        self.index = VectorIndex(dim)
        self.items: list[Signals] = []
        self.story: list[int] = []
        self.freq = ActorFrequencies()
        self.next_story = 0

    def add(self, sig: Signals) -> int:
        self.freq.add(sig.actors)
        cands = []
        if self.items:
            for j, cos in self.index.search(sig.vector, self.s.k):
                score = pair_score(sig, self.items[j], cos, self.freq.weight, self.s)
                if score is not None:
                    cands.append((self.story[j], score))
        picked = choose(cands, self.s)
        if picked is None:
            sid = self.next_story
            self.next_story += 1
        else:
            sid = picked[0]
        i = len(self.items)
        self.items.append(sig)
        self.story.append(sid)
        self.index.add(i, sig.vector)
        return sid
