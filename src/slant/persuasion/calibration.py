"""Calibrated scores and the expected calibration error.

A span's raw score is (probability the pieces are persuasive) x (probability of
the technique). Training fits a monotone map from raw score to the observed
rate of being right on held-out training articles (isotonic or Platt, or none
when neither beats the raw scores, judged by cross-fitting over articles);
inference applies it (an isotonic map is stored as breakpoints in
``meta.json`` and applied with ``np.interp``).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ..techniques import NAMES


def apply(calibration: dict[str, Any] | None, raw: float) -> float:
    if not calibration:
        return raw
    if calibration["kind"] == "isotonic":
        return float(np.interp(raw, calibration["x"], calibration["y"]))
    if calibration["kind"] == "platt":
        z = np.log(max(raw, 1e-6) / max(1 - raw, 1e-6))
        return float(1.0 / (1.0 + np.exp(-(calibration["a"] * z + calibration["b"]))))
    raise ValueError(f"unknown calibration {calibration['kind']!r}")


def top_technique_entry(start: int, end: int, conf: float, probs: np.ndarray, gold: Iterable[Any]) -> tuple[float, bool]:
    """What calibration is fitted and judged on, for one candidate span: the raw score of its top technique, and
    whether that is right (the span overlaps a gold span, with ``start``, ``end`` and ``label``, of that technique).

    One definition for the training's fit and the benchmark's ECE, so that the two measure the same thing.
    """
    k = int(np.argmax(probs))
    return conf * float(probs[k]), any(g.label == NAMES[k] and g.start < end and start < g.end for g in gold)


# Pseudo-entries at the overall rate added to each isotonic block (see ``fit_isotonic``).
PRIOR_ENTRIES = 2.0


def fit_isotonic(raw: Sequence[float], correct: Sequence[bool]) -> dict[str, Any]:
    """A monotone step map, each step's rate shrunk toward the overall rate.

    Plain isotonic regression ends in blocks of one or two entries: a single
    right span at the top would map every higher score to 1.0, a claim of
    certainty made on one example. Each block's rate is taken as
    ``(right + PRIOR_ENTRIES * overall) / (entries + PRIOR_ENTRIES)``, and the
    blocks are made monotone again (weighted by their entries), so large blocks
    keep their rate and small ones move toward the overall rate.
    """
    from sklearn.isotonic import IsotonicRegression

    r, c = np.asarray(raw, float), np.asarray(correct, float)
    if len(r) == 0:
        return {"kind": "isotonic", "x": [0.0, 1.0], "y": [0.0, 1.0]}  # nothing to learn from: the identity
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(r, c).predict(r)
    overall = float(c.mean())
    blocks = sorted(set(fitted.tolist()))
    lows, highs, rates, weights = [], [], [], []
    for value in blocks:
        members = fitted == value
        n, right = float(members.sum()), float(c[members].sum())
        lows.append(float(r[members].min()))
        highs.append(float(r[members].max()))
        rates.append((right + PRIOR_ENTRIES * overall) / (n + PRIOR_ENTRIES))
        weights.append(n + PRIOR_ENTRIES)
    order = np.argsort(lows)
    centres = np.asarray([(lows[i] + highs[i]) / 2 for i in order])
    smooth = IsotonicRegression().fit(centres, np.asarray(rates)[order], sample_weight=np.asarray(weights)[order])
    ys = smooth.predict(centres)
    # Steps as breakpoints for np.interp: flat over each block, linear between blocks.
    x, y = [], []
    for i, value in zip(order, ys):
        x += [lows[i], highs[i]]
        y += [float(value), float(value)]
    return {"kind": "isotonic", "x": x, "y": y}


def fit_platt(raw: Sequence[float], correct: Sequence[bool]) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    if len(set(bool(c) for c in correct)) < 2:
        return {"kind": "platt", "a": 1.0, "b": 0.0}  # nothing to learn from; keep raw scores
    r = np.clip(np.asarray(raw, float), 1e-6, 1 - 1e-6)
    z = np.log(r / (1 - r))[:, None]
    lr = LogisticRegression(C=1e6).fit(z, np.asarray(correct, int))
    return {"kind": "platt", "a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}


def ece(scores: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error with equal-width bins over [0, 1]."""
    s = np.asarray(scores, float)
    c = np.asarray(correct, float)
    if len(s) == 0:
        return 0.0
    idx = np.minimum((s * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(s) * abs(s[m].mean() - c[m].mean())
    return float(total)
