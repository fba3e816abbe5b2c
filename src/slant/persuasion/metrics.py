"""SemEval-2020 Task 11 measures, written from the task's published definitions.

SI (span identification), per article, with S the predicted and T the gold
spans (each set made disjoint by merging overlaps)::

    P = sum_{s in S, t in T} |s & t| / |s|  /  |S|
    R = sum_{s in S, t in T} |s & t| / |t|  /  |T|

summed over articles before dividing (|S| and |T| count all spans of the
split). The full task (spans with techniques) uses the same credit, counted
only where the technique of ``s`` equals that of ``t``, and S, T are the rows
(one per span and technique) as given. TC is the micro-averaged F1 of the
technique predicted for each gold span.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from typing import Callable, Iterable, Mapping, Sequence

from .corpus import merge_spans

Row = tuple[int, int, str]  # start, end, technique


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _credit(pred: Mapping[str, Sequence[tuple[int, int]]], gold: Mapping[str, Sequence[tuple[int, int]]]) -> dict[str, float]:
    p_sum = r_sum = 0.0
    n_pred = sum(len(v) for v in pred.values())
    n_gold = sum(len(v) for v in gold.values())
    for art in set(pred) | set(gold):
        ps, gs = pred.get(art, ()), gold.get(art, ())
        for s in ps:
            for t in gs:
                o = _overlap(s, t)
                if o:
                    p_sum += o / (s[1] - s[0])
                    r_sum += o / (t[1] - t[0])
    p = p_sum / n_pred if n_pred else 0.0
    r = r_sum / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": f1(p, r), "n_pred": n_pred, "n_gold": n_gold}


def si_scores(pred: Mapping[str, Iterable[tuple[int, int]]], gold: Mapping[str, Iterable[tuple[int, int]]]) -> dict[str, float]:
    """SI precision, recall and F1 with partial-overlap credit."""
    return _credit({a: merge_spans(v) for a, v in pred.items()}, {a: merge_spans(v) for a, v in gold.items()})


def full_scores(pred: Mapping[str, Iterable[Row]], gold: Mapping[str, Iterable[Row]], labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Full-task scores: overall (key ``"all"``) and per technique."""
    out: dict[str, dict[str, float]] = {}
    pred = {a: list(v) for a, v in pred.items()}
    gold = {a: list(v) for a, v in gold.items()}
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for label in labels:
        ps = {a: [(s, e) for s, e, l in v if l == label] for a, v in pred.items()}
        gs = {a: [(s, e) for s, e, l in v if l == label] for a, v in gold.items()}
        sc = _credit(ps, gs)
        out[label] = sc
        p_sum += sc["precision"] * sc["n_pred"]
        r_sum += sc["recall"] * sc["n_gold"]
        n_pred += int(sc["n_pred"])
        n_gold += int(sc["n_gold"])
    p = p_sum / n_pred if n_pred else 0.0
    r = r_sum / n_gold if n_gold else 0.0
    out["all"] = {"precision": p, "recall": r, "f1": f1(p, r), "n_pred": n_pred, "n_gold": n_gold}
    return out


def tc_scores(pairs: Iterable[tuple[str, str]], labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Micro F1 (key ``"all"``) and per-technique P/R/F1 over (gold, predicted) technique pairs."""
    pairs = list(pairs)
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for g, p in pairs:
        n_gold[g] += 1
        n_pred[p] += 1
        if g == p:
            tp[g] += 1
    out: dict[str, dict[str, float]] = {}
    for label in labels:
        p = tp[label] / n_pred[label] if n_pred[label] else 0.0
        r = tp[label] / n_gold[label] if n_gold[label] else 0.0
        out[label] = {"precision": p, "recall": r, "f1": f1(p, r), "n_gold": n_gold[label], "n_pred": n_pred[label]}
    micro = sum(tp.values()) / len(pairs) if pairs else 0.0
    out["all"] = {"precision": micro, "recall": micro, "f1": micro, "n_gold": len(pairs), "n_pred": len(pairs)}
    return out


def assign_gold_labels(rows: Sequence[Row], probs_for: "callable") -> list[tuple[str, str]]:  # type: ignore[valid-type]
    """(gold, predicted) pairs for TC: a span that carries k gold rows gets the model's top-k techniques.

    ``probs_for(start, end)`` returns ``(technique names ranked best first)``.
    """
    by_span: dict[tuple[int, int], list[str]] = defaultdict(list)
    for s, e, l in rows:
        by_span[(s, e)].append(l)
    pairs = []
    for (s, e), golds in by_span.items():
        ranked = list(probs_for(s, e))
        preds = ranked[:len(golds)]
        # Pair exact hits first so that the order of gold rows does not matter.
        remaining_gold = [g for g in golds if g not in preds]
        remaining_pred = [p for p in preds if p not in golds]
        for g in golds:
            if g in preds:
                pairs.append((g, g))
        pairs.extend(zip(remaining_gold, remaining_pred))
    return pairs


def article_bootstrap(articles: Sequence[str], measure: Callable[[Sequence[str]], Sequence[float]],
                      rounds: int = 400, seed: int = 0) -> list[float]:
    """Standard error of each figure that ``measure`` returns, when the articles are drawn again with replacement.

    Articles, not spans, are the unit: spans of one article are alike (one author, one topic, annotated together), so
    resampling spans would understate how much the figures move from one set of articles to another. ``measure``
    receives a list of article ids that may repeat one id (its keys for the scorers must tell the copies apart).
    """
    if not articles or rounds < 2:
        return []
    rng = random.Random(seed)
    n = len(articles)
    values = [list(measure([articles[rng.randrange(n)] for _ in range(n)])) for _ in range(rounds)]
    return [statistics.stdev(column) for column in zip(*values)]
