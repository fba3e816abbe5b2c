"""Readers that turn a source into Articles. (The sources engineer extends this.)"""

from __future__ import annotations

from .article import Article
from .errors import InputError


def article_from_text(text: str, *, source: str | None = None, **meta: object) -> Article:
    """An article from plain text, taken verbatim: the first line is the title."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(source or "<text>", "empty text")
    title = text.split("\n", 1)[0].strip() or None
    return Article(text=text, title=title, source=source, **meta)  # type: ignore[arg-type]


def read_one(path: str) -> Article:
    with open(path, encoding="utf-8", newline="") as fh:
        return article_from_text(fh.read(), source=path)
