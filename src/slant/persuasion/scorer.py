"""The second stage: the probability that a candidate (span, technique) is right.

The SI head proposes candidate spans generously (low piece thresholds, plus words from the figurative lexicon); the TC
head gives each its technique probabilities. For each candidate span and each of its top techniques (an *entry*), a
small model (below) over cheap features gives the probability that the entry is right: that the span overlaps a gold
span of that technique. It is fitted on the 56 held-out training articles, which the network never saw, with the
features of their candidates (cross-fitted by article when its settings are chosen; see ``slant.train.persuasion``).
The model is a list of weights in ``meta.json`` (``scorer``), so nothing here needs torch or sklearn at inference.

Two kinds: ``logistic`` over the cheap features alone (the first shipped scorer, and the tests' hand-made ones), and
``mlp``: one hidden layer (ReLU) over the cheap features plus the span's *pooled encoding*, the mean of the network's
top-layer states over the span's pieces, reduced to ``PCA_DIM`` numbers by a principal-component projection fitted on
the same held-out articles. The states come from the same pass as the per-piece outputs (``Scored.states``), so the
encoding costs no second pass.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from ..techniques import NAMES
from .decode import span_features
from .lexicon import figurative_words

# Techniques per candidate span that get an entry (best first).
TOP_K = 3
# Word pieces on each side of a span whose inside probability is the span's context.
CONTEXT = 16
# The ``mlp`` kind: principal components kept of the span's pooled encoding, hidden units, L2 strength, seed.
PCA_DIM = 32
HIDDEN_UNITS = 32
MLP_ALPHA = 3.0
MLP_SEED = 0

FEATURES: tuple[str, ...] = (
    "log_p_tech", "p_tech", "rank1", "rank2", "log_margin", "log_p_top",
    "conf", "max_inside", "min_inside", "begin_first", "log_raw",
    "log_chars", "log_words", "repeats", "whole_line", "quoted", "question",
    "position", "title", "context_inside", "figurative", "figurative_only",
    "article_inside", "article_share", "entropy",
) + tuple(f"tech={name}" for name in NAMES)


def article_features(bio: np.ndarray) -> tuple[float, float]:
    """How persuasive the SI head finds the whole article: its mean inside probability, and the share of pieces
    above one half (articles differ a lot in how much of them PTC's annotators marked)."""
    if len(bio) == 0:
        return 0.0, 0.0
    inside = bio[:, 1] + bio[:, 2]
    return float(inside.mean()), float((inside >= 0.5).mean())


def entry_features(text: str, offsets: np.ndarray, bio: np.ndarray, start: int, end: int, conf: float,
                   probs: np.ndarray, k: int, rank: int, first: int, last: int,
                   article: tuple[float, float] | None = None) -> np.ndarray:
    """The features of one entry: technique ``k`` (the ``rank``-th most likely, from 0) for ``text[start:end]``,
    whose word pieces are ``first..last``; ``bio`` holds the per-piece outside/begin/inside probabilities and
    ``article`` is :func:`article_features` of it (computed here when not given)."""
    if article is None:
        article = article_features(bio)
    inside = bio[first:last + 1, 1] + bio[first:last + 1, 2]
    order = np.sort(probs)[::-1]
    p = float(probs[k])
    lo, hi = max(0, first - CONTEXT), min(len(bio), last + 1 + CONTEXT)
    around = np.concatenate([bio[lo:first, 1] + bio[lo:first, 2], bio[last + 1:hi, 1] + bio[last + 1:hi, 2]])
    sf = span_features(text, start, end)
    fig = figurative_words(text, start, end)
    line_end = text.find("\n")
    words = max(1, len(text[start:end].split()))
    x = [
        math.log(max(p, 1e-6)), p, float(rank == 1), float(rank == 2),
        math.log(max(p, 1e-6)) - math.log(max(float(order[0]), 1e-6)), math.log(max(float(order[0]), 1e-6)),
        conf, float(inside.max()), float(inside.min()), float(bio[first, 1]), math.log(max(conf * p, 1e-6)),
        math.log1p(end - start), math.log(words), float(sf[0]), float(sf[2]), float(sf[3]), float(sf[4]),
        start / max(1, len(text)), float(line_end < 0 or start < line_end),
        float(around.mean()) if len(around) else 0.0, math.log1p(len(fig)), float(bool(fig) and words <= 3),
        article[0], article[1], float(-(probs * np.log(np.maximum(probs, 1e-9))).sum()),
    ]
    onehot = [0.0] * len(NAMES)
    onehot[k] = 1.0
    return np.asarray(x + onehot, dtype=np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def needs_states(model: dict[str, Any] | None) -> bool:
    """Whether ``model`` reads the spans' pooled encodings (and so the per-piece states)."""
    return bool(model) and model.get("kind") == "mlp"


def pooled(offsets: np.ndarray, states: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """The mean top-layer state over each span's word pieces: ``[len(spans), 384]``."""
    from .decode import piece_range

    out = np.zeros((len(spans), states.shape[1] if states.ndim == 2 else 0), np.float32)
    for i, (s, e) in enumerate(spans):
        rng = piece_range(offsets, s, e)
        if rng is not None:
            out[i] = states[rng[0]:rng[1] + 1].mean(axis=0)
    return out


def _mlp_inputs(model: dict[str, Any], x: np.ndarray, z: np.ndarray) -> np.ndarray:
    pca = model["pca"]
    zc = (np.atleast_2d(z) - np.asarray(pca["mean"])) @ np.asarray(pca["components"]).T
    return (np.hstack([x, zc]) - np.asarray(model["mean"])) / np.asarray(model["scale"])


def apply(model: dict[str, Any], x: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    """Probabilities for the rows of ``x`` (features in ``FEATURES`` order); the ``mlp`` kind also reads ``z``, the
    entries' pooled encodings (:func:`pooled`)."""
    if list(model["features"]) != list(FEATURES):
        raise ValueError("meta.json's scorer was fitted on other features than this code computes; retrain it "
                         "(python -m slant.train.persuasion --calibrate-only)")
    x = np.atleast_2d(x)
    if model.get("kind") == "mlp":
        if z is None or len(z) != len(x):
            raise ValueError("this scorer reads the spans' pooled encodings: pass z (one row per entry)")
        h = np.maximum(_mlp_inputs(model, x, z) @ np.asarray(model["w1"]) + np.asarray(model["b1"]), 0.0)
        return sigmoid(h @ np.asarray(model["w2"]) + model["b2"])
    z = ((x - np.asarray(model["mean"])) / np.asarray(model["scale"])) @ np.asarray(model["coef"]) + model["intercept"]
    if model.get("platt"):
        a, b = model["platt"]
        z = a * z + b
    return sigmoid(z)


def fit(x: np.ndarray, y: Sequence[bool], c: float = 1.0) -> dict[str, Any]:
    """A logistic model (L2, strength ``1/c`` on standardised features) as plain lists for ``meta.json``."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, float)
    y = np.asarray(y, int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return {"kind": "logistic", "features": list(FEATURES), "c": c, "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}


def fit_mlp(x: np.ndarray, z: np.ndarray, y: Sequence[bool], alpha: float = MLP_ALPHA, dim: int = PCA_DIM,
            hidden: int = HIDDEN_UNITS, seed: int = MLP_SEED) -> dict[str, Any]:
    """The ``mlp`` kind, fitted (sklearn, fixed seed) and written out as plain lists for ``meta.json``: a PCA of the
    pooled encodings ``z`` to ``dim`` numbers, then standardised features and one hidden layer of ``hidden`` ReLU
    units with L2 strength ``alpha``."""
    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x = np.asarray(x, float)
    z = np.asarray(z, float)
    y = np.asarray(y, int)
    pca = PCA(min(dim, len(z), z.shape[1]), random_state=seed).fit(z)
    model: dict[str, Any] = {"kind": "mlp", "features": list(FEATURES), "alpha": alpha, "hidden": hidden,
                             "pca": {"mean": _round(pca.mean_), "components": _round(pca.components_)}}
    joined = np.hstack([x, (z - pca.mean_) @ pca.components_.T])
    mean = joined.mean(axis=0)
    scale = joined.std(axis=0)
    scale[scale < 1e-9] = 1.0
    with warnings.catch_warnings():  # at most 500 passes by design (fixed, so a fit is reproducible)
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((hidden,), alpha=alpha, max_iter=500, random_state=seed).fit((joined - mean) / scale, y)
    model.update(mean=_round(mean), scale=_round(scale), w1=_round(mlp.coefs_[0]), b1=_round(mlp.intercepts_[0]),
                 w2=_round(mlp.coefs_[1][:, 0]), b2=float(mlp.intercepts_[1][0]))
    return model


def _round(a: np.ndarray) -> list[Any]:
    """Plain lists with seven significant digits (a smaller ``meta.json``; scores move by < 1e-5)."""
    return np.vectorize(lambda v: float(f"{v:.7g}"), otypes=[float])(np.asarray(a, float)).tolist()


def average_precision(scores: Sequence[float], right: Sequence[bool]) -> float:
    """Average precision of ``scores`` ranking right entries above wrong ones (ties broken pessimistically)."""
    s = np.asarray(scores, float)
    r = np.asarray(right, bool)
    if not r.any():
        return 0.0
    order = np.lexsort((r, -s))  # by score descending; among ties, wrong ones first
    hits = np.cumsum(r[order])
    ranks = np.arange(1, len(s) + 1)
    return float((hits / ranks)[r[order]].mean())


def entries(text: str, offsets: np.ndarray, bio: np.ndarray,
            cands: Sequence[tuple[int, int, float, np.ndarray]]) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """Each candidate span's top ``TOP_K`` techniques as ``(start, end, technique index)``, with their feature rows."""
    from .decode import piece_range

    article = article_features(bio)
    keys: list[tuple[int, int, int]] = []
    rows: list[np.ndarray] = []
    for s, e, conf, probs in cands:
        rng = piece_range(offsets, s, e)
        if rng is None:
            continue
        for rank, k in enumerate(np.argsort(-probs)[:TOP_K]):
            keys.append((s, e, int(k)))
            rows.append(entry_features(text, offsets, bio, s, e, conf, probs, int(k), rank, *rng, article=article))
    return keys, (np.vstack(rows) if rows else np.zeros((0, len(FEATURES))))
