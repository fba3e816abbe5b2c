"""Storing trained weight matrices in a quarter of their fp32 bytes.

A matrix is kept as int8 with one scale per row (symmetric: ``row / scale``
rounded, ``scale = max|row| / 127``), so every output unit keeps its weights
to within 0.4 % of its largest one. Everything else (biases, LayerNorms, small
heads) is kept in half or full precision. Inference never runs on these
numbers directly: they are expanded back to fp32 once, when a network is
built (see BENCHMARKS.md for what the rounding costs each model).

The stance network ships its file this way, and so would a persuasion model of
several members (one member fits the budget in fp16, and ships so).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

INT8, SCALE = ".int8", ".scale"


def pack(state: dict[str, np.ndarray], quantize: Callable[[str, np.ndarray], bool],
         keep: Callable[[str], type] = lambda name: np.float16) -> dict[str, np.ndarray]:
    """``state`` with the matrices ``quantize(name, array)`` selects as int8 plus per-row scales (fp32), and every
    other tensor in the precision ``keep(name)`` gives (fp16 unless told)."""
    out: dict[str, np.ndarray] = {}
    for name, value in state.items():
        a = np.asarray(value, dtype=np.float32)
        if a.ndim == 2 and quantize(name, a):
            scale = np.maximum(np.abs(a).max(axis=1, keepdims=True), 1e-8) / 127.0
            out[name + INT8] = np.clip(np.round(a / scale), -127, 127).astype(np.int8)
            out[name + SCALE] = scale.astype(np.float32)
        else:
            out[name] = a.astype(keep(name))
    return out


def unpack(packed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The fp32 tensors back, under their own names; a file with no int8 entries comes back as it was (in fp32)."""
    out: dict[str, np.ndarray] = {}
    for name, value in packed.items():
        if name.endswith(INT8):
            base = name[: -len(INT8)]
            if base + SCALE not in packed:
                raise ValueError(f"{name}: its per-row scales ({base + SCALE}) are missing")
            out[base] = value.astype(np.float32) * packed[base + SCALE].astype(np.float32)
        elif not name.endswith(SCALE):
            out[name] = value.astype(np.float32)
    return out
