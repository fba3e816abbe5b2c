"""Kept for imports written before the kit: the tokenizer lives in :mod:`slant.minilm.tokenizer`."""

from .minilm.tokenizer import WordPieces, raw_tokenizer, wheel_dir  # noqa: F401
