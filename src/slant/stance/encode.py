"""Turn (sentence, target start, target end) into marked, truncated token ids.

The sentence is tokenized once with character offsets; the marker ids go
before the first and after the last token that overlaps the target. A
sentence longer than ``max_len`` tokens keeps a window centred on the target,
so the words nearest the mention (which carry most of its stance) survive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:  # torch is for training and the torch fallback; inference on onnxruntime never imports it
    import torch


def encode(
    tokenizer: Any,
    items: Sequence[tuple[str, int, int]],
    marker_ids: tuple[int, int],
    max_len: int = 128,
) -> list[tuple[list[int], int]]:
    """``[(token ids, position of the opening marker), ...]`` for each item."""
    if not items:  # the tokenizer fails on an empty batch
        return []
    sentences = [s for s, _, _ in items]
    enc = tokenizer(sentences, add_special_tokens=False, return_offsets_mapping=True)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = []
    for (sentence, start, end), ids, offsets in zip(items, enc["input_ids"], enc["offset_mapping"]):
        inside = [i for i, (a, b) in enumerate(offsets) if b > start and a < end]
        if inside:
            t0, t1 = inside[0], inside[-1] + 1
        else:  # the target is whitespace or punctuation the tokenizer dropped
            t0 = next((i for i, (a, _) in enumerate(offsets) if a >= start), len(ids))
            t1 = t0
        budget = max_len - 4  # [CLS], two markers, [SEP]
        if t1 - t0 > budget:
            t1 = t0 + budget
        room = budget - (t1 - t0)
        left = min(t0, room // 2)
        right = min(len(ids) - t1, room - left)
        left = min(t0, room - right)  # give unused right-hand room to the left
        window = (
            [cls_id]
            + ids[t0 - left : t0]
            + [marker_ids[0]]
            + ids[t0:t1]
            + [marker_ids[1]]
            + ids[t1 : t1 + right]
            + [sep_id]
        )
        out.append((window, 1 + left))
    return out


def pad(batch: Sequence[tuple[list[int], int]], pad_id: int = 0) -> dict[str, np.ndarray]:
    """The batch padded to its longest input (int64 arrays: ids, 1/0 mask, marker positions)."""
    width = max(len(ids) for ids, _ in batch)
    input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, (ids, _) in enumerate(batch):
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    marker_pos = np.array([pos for _, pos in batch], dtype=np.int64)
    return {"input_ids": input_ids, "attention_mask": mask, "marker_pos": marker_pos}


def collate(batch: Sequence[tuple[list[int], int]], pad_id: int = 0) -> dict[str, torch.Tensor]:
    """:func:`pad` as torch tensors (training and the torch path)."""
    import torch

    return {name: torch.from_numpy(array) for name, array in pad(batch, pad_id).items()}
