"""The loaded persuasion model: text in, labelled character spans out."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from . import calibration, scorer
from .decode import add_figurative, find_spans, technique_probs
from .runtime import Net, load_net
from .weights import MODEL_DIR, N_TECH, our_members, our_meta, some_of_our_weights
from .windows import OVERLAP, WINDOW, Pieces, batches, pieces
from ..techniques import NAMES

# Windows run through the encoder together; bounds memory on long articles.
BATCH = 8
THRESHOLD_ENV = "SLANT_PERSUASION_THRESHOLD"


@dataclasses.dataclass(frozen=True)
class Found:
    start: int
    end: int
    label: str
    score: float  # probability that the span is right: it overlaps a gold span of this technique (PTC's reading)


@dataclasses.dataclass
class Scored:
    """Per-piece outputs for one text, averaged over the windows that read each piece."""

    text: str
    pieces: Pieces
    bio: np.ndarray  # [n, 3]
    proj: np.ndarray  # [n, 42]
    states: np.ndarray | None = None  # [n, 384] top-layer states, kept when the scorer reads spans' encodings


class Predictor:
    backend = "given"  # the backend the network runs on, when the predictor loaded it itself

    def __init__(self, directory: Path = MODEL_DIR, *,
                 weights: dict[str, np.ndarray] | list[dict[str, np.ndarray]] | None = None,
                 meta: dict[str, Any] | None = None, net: Net | None = None) -> None:
        """Load the shipped model, or use the ``weights`` (one member's, or a list of members') and ``meta`` (and
        optionally ``net``) given."""
        from .runtime import torch_net

        if weights is None or meta is None:
            # With the ONNX file cached, inference needs only the technique head's feature weights from our file.
            if net is None:
                net, self.backend = load_net(lambda: our_members(directory), directory)
            self.net = net
            meta = for_backend(our_meta(directory), self.backend)
            members = some_of_our_weights(("feat.weight", "feat.bias"), directory)
        else:
            # Weights handed in (training, tests): no cached ONNX file to key them by.
            members = [weights] if isinstance(weights, dict) else list(weights)
            self.net = net or torch_net(members)
        self.meta = meta
        # A span's technique logits are linear in the per-piece parts and in these, so the members' mean logits
        # are the mean parts (the network's output) plus the mean feature weights.
        self.feat_w = np.mean([m["feat.weight"] for m in members], axis=0)
        self.feat_b = np.mean([m["feat.bias"] for m in members], axis=0)

    # -- the three steps -------------------------------------------------
    def score(self, text: str, overlap: int = OVERLAP, states: bool | None = None) -> Scored:
        """The per-piece outputs of ``text``; with ``states`` (default: when the scorer reads spans' encodings) the
        top-layer states too, from the same pass (the network must give them: :meth:`runtime.Network.outputs`)."""
        if states is None:
            states = scorer.needs_states(self.meta.get("scorer"))
        outputs = getattr(self.net, "outputs", None)
        if states and outputs is None:
            raise ValueError("this model's scorer reads the spans' encodings, which this network does not give")
        p = pieces(text)
        n = len(p)
        bio = np.zeros((n, 3), np.float32)
        proj = np.zeros((n, 3 * N_TECH), np.float32)
        top = np.zeros((n, 384), np.float32) if states else None
        count = np.zeros((n, 1), np.float32)
        for starts, ids, mask in batches(p, BATCH, WINDOW, overlap):
            if top is not None:
                b, pr, st = outputs(ids, mask)
            else:
                b, pr = self.net(ids, mask)
            for r, s in enumerate(starts):
                width = int(mask[r].sum()) - 2
                bio[s:s + width] += b[r, 1:1 + width]
                proj[s:s + width] += pr[r, 1:1 + width]
                if top is not None:
                    top[s:s + width] += st[r, 1:1 + width]
                count[s:s + width] += 1
        count = np.maximum(count, 1)
        return Scored(text, p, bio / count, proj / count, None if top is None else top / count)

    def classify(self, scored: Scored, start: int, end: int) -> np.ndarray | None:
        """Technique probabilities (in ``NAMES`` order) for a given span."""
        return technique_probs(scored.text, scored.pieces.offsets, scored.proj, self.feat_w, self.feat_b, start, end)

    def candidates(self, scored: Scored, piece_threshold: float | None = None,
                   piece_threshold_low: float | None = None) -> list[tuple[int, int, float, np.ndarray]]:
        """Spans from the SI head with technique probabilities; thresholds default to ``meta.json``'s."""
        if piece_threshold is None:
            t, low = self.meta["piece_threshold"], self.meta.get("piece_threshold_low")
        else:
            t, low = piece_threshold, piece_threshold_low
        spans = find_spans(scored.text, scored.pieces.offsets, scored.bio, t, low=low)
        if self.meta.get("figurative_candidates"):
            spans = add_figurative(scored.text, scored.pieces.offsets, scored.bio, spans)
        out = []
        for s, e, conf in spans:
            probs = self.classify(scored, s, e)
            if probs is not None:
                out.append((s, e, conf, probs))
        return out

    def label(self, cands: Iterable[tuple[int, int, float, np.ndarray]], threshold: float | None = None,
              scored: Scored | None = None) -> list[Found]:
        """The entries (span, technique) of ``cands`` scoring at least ``threshold`` (default: the research setting,
        :func:`default_threshold`). With a second-stage scorer in ``meta.json`` (``scorer``), each candidate's top
        techniques are scored by it, which needs the per-piece outputs ``scored``; without one (older models), by the
        calibration map of P(inside) x P(technique)."""
        if threshold is None:
            threshold = default_threshold(self.meta)
        if self.meta.get("scorer"):
            if scored is None:
                raise ValueError("this model scores spans with a second stage, which needs the per-piece outputs: "
                                 "pass scored=")
            keys, x = scorer.entries(scored.text, scored.pieces.offsets, scored.bio, list(cands))
            if not keys:
                return []
            z = None
            if scorer.needs_states(self.meta["scorer"]):
                if scored.states is None:
                    raise ValueError("this model's scorer reads the spans' encodings: score the text with states=True")
                z = scorer.pooled(scored.pieces.offsets, scored.states, [(s, e) for s, e, _ in keys])
            p = scorer.apply(self.meta["scorer"], x, z)
            return [Found(s, e, NAMES[k], round(float(v), 4)) for (s, e, k), v in zip(keys, p) if v >= threshold]
        extra = self.meta.get("second_label_min", 1.0)
        cal = self.meta.get("calibration")
        out = []
        for s, e, conf, probs in cands:
            order = np.argsort(-probs)
            for rank, k in enumerate(order[:3]):
                if rank > 0 and probs[k] < extra:
                    break
                score = calibration.apply(cal, conf * float(probs[k]))
                if score >= threshold:
                    out.append(Found(s, e, NAMES[k], round(score, 4)))
        return out

    def predict(self, text: str, threshold: float | None = None) -> list[Found]:
        if not text.strip():
            return []
        scored = self.score(text)
        return self.label(self.candidates(scored), threshold, scored)


def for_backend(meta: dict[str, Any], backend: str) -> dict[str, Any]:
    """``meta`` with the thresholds and calibration chosen for ``backend``'s outputs where it has its own (the int8
    copy of the network does: its outputs differ from the network's as trained)."""
    own = meta.get("backends", {}).get(backend)
    return {**meta, **own} if own else meta


def default_threshold(meta: dict[str, Any]) -> float:
    """The output threshold (the research setting, what the stage keeps): ``$SLANT_PERSUASION_THRESHOLD`` if set,
    else the F1-best one chosen on held-out training articles."""
    env = os.environ.get(THRESHOLD_ENV)
    if env:
        try:
            value = float(env)
        except ValueError:
            raise ValueError(f"{THRESHOLD_ENV}={env!r} is not a number") from None
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{THRESHOLD_ENV}={env!r} is not between 0 and 1")
        return value
    return float(meta["threshold"])
