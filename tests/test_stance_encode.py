"""Marking the target and cutting long sentences around it (tokenizer only, no model)."""

from __future__ import annotations

import functools

import pytest

from slant.stance.classifier import CHAR_WINDOW, _cropped
from slant.stance.encode import collate, encode
from slant.stance.model import MARKER_TOKENS


@functools.lru_cache(maxsize=1)
def tokenizer():  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    from slant.stance.model import base_model_path

    return AutoTokenizer.from_pretrained(base_model_path())


def markers() -> tuple[int, int]:
    return tuple(tokenizer().convert_tokens_to_ids(list(MARKER_TOKENS)))  # type: ignore[return-value]


def test_it_wraps_the_target_in_markers() -> None:
    sentence = "Critics say Senator Blake misled voters."
    start = sentence.index("Senator Blake")
    [(ids, pos)] = encode(tokenizer(), [(sentence, start, start + len("Senator Blake"))], markers())
    tokens = tokenizer().convert_ids_to_tokens(ids)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert tokens[pos] == "<"
    close = tokens.index(">")
    assert tokens[pos + 1 : close] == ["senator", "blake"]


def test_it_keeps_a_window_around_a_target_deep_in_a_long_sentence() -> None:
    words = [f"w{i}" for i in range(400)]
    words[300] = "Blake"
    sentence = " ".join(words)
    start = sentence.index("Blake")
    [(ids, pos)] = encode(tokenizer(), [(sentence, start, start + 5)], markers(), max_len=64)
    assert len(ids) == 64
    tokens = tokenizer().convert_ids_to_tokens(ids)
    assert tokens[pos] == "<" and tokens[pos + 1] == "blake"
    # Context is kept on both sides.
    assert 20 < pos < 44


def test_collate_pads_and_masks() -> None:
    batch = collate([([101, 5, 6, 102], 1), ([101, 7, 102], 1)])
    assert batch["input_ids"].shape == (2, 4)
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]


@pytest.mark.parametrize("where", [0, 1500, 2990])
def test_cropping_keeps_the_target(where: int) -> None:
    sentence = ("word " * 600)[:3000]
    sentence = sentence[:where] + "Blake" + sentence[where + 5 :]
    text, start, end = _cropped(sentence, where, where + 5)
    assert text[start:end] == "Blake"
    assert len(text) <= 2 * CHAR_WINDOW + 5


def test_it_encodes_an_empty_batch_as_nothing() -> None:
    # The tokenizer itself fails on an empty list; an article with no
    # entities must still pass through the stance stage.
    from slant.stance.encode import encode

    assert encode(object(), [], (1, 2)) == []
