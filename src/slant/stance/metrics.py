"""Accuracy and F1 over the three stance classes (F1_m = macro F1, as NewsMTSC reports)."""

from __future__ import annotations

from typing import Sequence

from .labels import LABELS


def scores(gold: Sequence[int], pred: Sequence[int]) -> dict[str, float]:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    n = len(gold)
    out: dict[str, float] = {"n": float(n), "accuracy": sum(g == p for g, p in zip(gold, pred)) / n if n else 0.0}
    f1s = []
    for k, name in enumerate(LABELS):
        tp = sum(g == k and p == k for g, p in zip(gold, pred))
        fp = sum(g != k and p == k for g, p in zip(gold, pred))
        fn = sum(g == k and p != k for g, p in zip(gold, pred))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        out[f"f1_{name}"] = f1
        f1s.append(f1)
    out["f1_macro"] = sum(f1s) / len(f1s)
    return out
