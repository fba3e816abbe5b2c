"""Calibrated scores and the expected calibration error.

A span's raw score is (probability the pieces are persuasive) x (probability of
the technique). Training fits a monotone map from raw score to the observed
rate of being right on held-out training articles (isotonic or Platt, or none
when neither beats the raw scores, judged by cross-fitting over articles);
inference applies it (an isotonic map is stored as breakpoints in
``meta.json`` and applied with ``np.interp``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def apply(calibration: dict[str, Any] | None, raw: float) -> float:
    if not calibration:
        return raw
    if calibration["kind"] == "isotonic":
        return float(np.interp(raw, calibration["x"], calibration["y"]))
    if calibration["kind"] == "platt":
        z = np.log(max(raw, 1e-6) / max(1 - raw, 1e-6))
        return float(1.0 / (1.0 + np.exp(-(calibration["a"] * z + calibration["b"]))))
    raise ValueError(f"unknown calibration {calibration['kind']!r}")


def fit_isotonic(raw: Sequence[float], correct: Sequence[bool]) -> dict[str, Any]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(np.asarray(raw), np.asarray(correct, float))
    return {"kind": "isotonic", "x": [float(v) for v in iso.X_thresholds_], "y": [float(v) for v in iso.y_thresholds_]}


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
