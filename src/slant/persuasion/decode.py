"""From per-piece scores to character spans, and the hand-made span features."""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from .weights import N_FEATURES, N_TECH

_QUOTES = "\"'“”‘’«»"


def span_features(text: str, start: int, end: int) -> np.ndarray:
    """Features that the pooled states cannot see well inside one window.

    0: how often the same words recur elsewhere in the article (Repetition);
    1: span length; 2: the span is a whole line (slogans, headlines);
    3: the span is quoted; 4: it is or ends in a question (Doubt).
    """
    span = text[start:end]
    key = " ".join(span.lower().split())
    repeats = 0
    if len(key) >= 3:
        repeats = max(0, len(re.findall(re.escape(key), " ".join(text.lower().split()))) - 1)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    whole_line = text[line_start:line_end].strip(" \t" + _QUOTES + ".!?") == span.strip(_QUOTES + ".!?")
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    quoted = (before in _QUOTES and before != "") or (after in _QUOTES and after != "") or span[:1] in _QUOTES
    question = "?" in span or after == "?"
    return np.array([np.log1p(repeats), np.log1p(len(span)) / 5.0, float(whole_line), float(quoted), float(question)],
                    dtype=np.float32)


def piece_range(offsets: np.ndarray, start: int, end: int) -> tuple[int, int] | None:
    """First and last word piece overlapping ``[start, end)``, or None."""
    if len(offsets) == 0:
        return None
    first = int(np.searchsorted(offsets[:, 1], start, side="right"))
    last = int(np.searchsorted(offsets[:, 0], end, side="left")) - 1
    if first > last or first >= len(offsets):
        return None
    return first, last


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span cut inside a word to the whole word."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


# Words a span should not begin or end with: PTC's spans are phrases ("traitorous puppet", "mad dogs"), and the SI
# head's runs often spill one function word over an edge ("... while ordinary people in the").
EDGE_WORDS = frozenset(
    "a an the of to in on for and or but that which who with as by at from is are was were be been this these those "
    "it its their his her our your my than then so if when while".split())
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def trim_edges(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` without leading or trailing function words and punctuation (quote marks stay); None if
    nothing is left."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]

    def loose(word: str) -> bool:
        return word.lower() in EDGE_WORDS or (not word[0].isalnum() and word not in _QUOTES)

    first, last = 0, len(tokens) - 1
    while first <= last and loose(tokens[first][2]):
        first += 1
    while last >= first and loose(tokens[last][2]):
        last -= 1
    if first > last:
        return None
    return tokens[first][0], tokens[last][1]


@dataclasses.dataclass
class Candidate:
    """A span found by the SI head, with its technique probabilities."""

    start: int
    end: int
    confidence: float  # mean probability, over its pieces, of being inside a span
    techniques: np.ndarray  # [14] softmax over techniques


def softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def technique_probs(text: str, offsets: np.ndarray, proj: np.ndarray, feat_w: np.ndarray, feat_b: np.ndarray,
                    start: int, end: int) -> np.ndarray | None:
    rng = piece_range(offsets, start, end)
    if rng is None:
        return None
    first, last = rng
    logits = (proj[first:last + 1, :N_TECH].mean(axis=0) + proj[first, N_TECH:2 * N_TECH] + proj[last, 2 * N_TECH:]
              + feat_w @ span_features(text, start, end) + feat_b)
    return softmax(logits)


def add_figurative(text: str, offsets: np.ndarray, bio: np.ndarray,
                   spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """``spans`` plus each word of the figurative lexicon (:mod:`.lexicon`) that none of them overlaps, as a
    candidate of its own with its pieces' mean inside probability: the SI head seldom proposes such metaphors, and
    the second-stage scorer decides whether they stay."""
    from .lexicon import figurative_words

    out = list(spans)
    for s, e in figurative_words(text):
        if any(s < e2 and s2 < e for s2, e2, _ in spans):
            continue
        rng = piece_range(offsets, s, e)
        if rng is not None:
            out.append((s, e, float(bio[rng[0]:rng[1] + 1, 1:].sum(axis=1).mean())))
    return sorted(out)


def find_spans(text: str, offsets: np.ndarray, bio: np.ndarray, threshold: float,
               low: float | None = None) -> list[tuple[int, int, float]]:
    """Runs of pieces whose probability of being inside a span is at least ``low``
    and that reach ``threshold`` somewhere (hysteresis; ``low`` None means ``threshold``).

    ``bio`` holds per-piece probabilities of outside / begins / inside. A run
    is split where a piece looks more like a beginning than a continuation.
    A confident core grows into its less certain edges, which the SI head
    tends to score lower than the middle of a span, while a run that never
    gets confident is dropped. Each run is widened to whole words, then loses
    the function words and punctuation at its edges (:func:`trim_edges`).
    """
    inside = bio[:, 1] + bio[:, 2]
    floor = threshold if low is None else min(low, threshold)
    out: list[tuple[int, int, float]] = []
    run_start = -1
    for i in range(len(inside) + 1):
        is_in = i < len(inside) and inside[i] >= floor
        split = is_in and run_start >= 0 and bio[i, 1] > bio[i, 2] and bio[i, 1] > 0.5
        if run_start >= 0 and (not is_in or split):
            if inside[run_start:i].max() >= threshold:
                span = trim_edges(text, *snap_to_words(text, int(offsets[run_start, 0]), int(offsets[i - 1, 1])))
                if span is not None and any(ch.isalnum() for ch in text[span[0]:span[1]]):
                    out.append((span[0], span[1], float(inside[run_start:i].mean())))
            run_start = -1
        if is_in and run_start < 0:
            run_start = i
    return out
