"""MiniLM-L6 (BERT layout) in plain torch, loaded from the wheel without transformers.

``import transformers`` alone costs about two seconds, and its
``from_pretrained`` more; inference only needs the forward pass of a six-block
BERT, which is a few lines. Parameter names mirror Hugging Face's ``BertModel``
(``embeddings.*``, ``encoder.layer.N.*``), so the wheel's
``model.safetensors`` and state dicts saved from a ``BertModel`` load as they
are. Operations follow ``BertModel`` exactly (exact-erf GELU, LayerNorm eps
1e-12, token type 0, absolute positions), so the outputs match it to float
rounding. (``slant.persuasion.network`` has its own twin with tanh GELU,
which its weights were trained with; the two are deliberately separate.)
"""

from __future__ import annotations

import os

import torch
from torch import nn
from torch.nn import functional as F

# The tokenizer and the wheel's folder need no torch; they live apart so that the
# onnxruntime path of the stance stage can start without importing torch.
from .wordpieces import WordPieces, wheel_dir  # noqa: F401  (re-exported)

HIDDEN, HEADS, LAYERS, FFN, VOCAB, POSITIONS = 384, 12, 6, 1536, 30522, 512
EPS = 1e-12


class _Dense(nn.Module):
    """``dense`` + optional ``LayerNorm``, named as in BertModel."""

    def __init__(self, d_in: int, d_out: int, norm: bool) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        if norm:
            self.LayerNorm = nn.LayerNorm(d_out, eps=EPS)


class _SelfAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(HIDDEN, HIDDEN) for _ in range(3))


class _Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.self = _SelfAttention()
        self.output = _Dense(HIDDEN, HIDDEN, norm=True)


class Block(nn.Module):
    """One transformer block (post-LayerNorm), eval only (no dropout)."""

    def __init__(self) -> None:
        super().__init__()
        self.attention = _Attention()
        self.intermediate = _Dense(HIDDEN, FFN, norm=False)
        self.output = _Dense(FFN, HIDDEN, norm=True)

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = h.shape
        d = HIDDEN // HEADS
        sa = self.attention.self

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(b, t, HEADS, d).transpose(1, 2)

        q, k, v = split(sa.query(h)), split(sa.key(h)), split(sa.value(h))
        # The fused kernel (as BertModel uses by default): softmax(q k^T / sqrt(d) + bias) v.
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias).transpose(1, 2).reshape(b, t, HIDDEN)
        ao = self.attention.output
        h = ao.LayerNorm(h + ao.dense(ctx))
        ff = F.gelu(self.intermediate.dense(h))
        return self.output.LayerNorm(h + self.output.dense(ff))


class _Embeddings(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)[None, :]
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings.weight[0])


class _Layers(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Block() for _ in range(n))


class MiniLM(nn.Module):
    """Embeddings + blocks; ``forward`` returns the last hidden state ``[B, L, 384]``."""

    def __init__(self, layers: int = LAYERS) -> None:
        super().__init__()
        self.embeddings = _Embeddings()
        self.encoder = _Layers(layers)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.embeddings(input_ids)
        dtype = h.dtype
        # Same additive mask as BertModel: padded keys get the dtype's minimum.
        bias = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        for block in self.encoder.layer:
            h = block(h, bias)
        return h


def load_wheel() -> MiniLM:
    """The wheel's MiniLM weights in a :class:`MiniLM`, eval mode, no gradients."""
    from safetensors.torch import load_file

    raw = load_file(os.path.join(wheel_dir(), "model.safetensors"))
    net = MiniLM()
    own = net.state_dict()
    state = {k: v.float() for k, v in raw.items() if k in own}
    missing = sorted(set(own) - set(state))
    if missing:
        raise ValueError(f"the MiniLM wheel's model.safetensors lacks {missing[0]!r}")
    net.load_state_dict(state)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net
