"""Plain text: one article, verbatim; the first line is the title."""

from __future__ import annotations

from ..article import Article
from ..errors import InputError
from .decode import decode


def article_from_text(text: str, *, source: str | None = None, **meta: object) -> Article:
    """An article from plain text, taken verbatim: the first line is the title.

    Newlines are normalised to ``\\n`` and nothing else changes, so offsets
    into the original file stay valid.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.replace("\ufeff", "").strip():
        raise InputError(source or "<text>", "empty text")
    # A byte-order mark stays in the text (offsets count it) but not in the title.
    title = text.split("\n", 1)[0].replace("\ufeff", "").strip() or None
    return Article(text=text, title=title, source=source, **meta)  # type: ignore[arg-type]


def read_text(data: bytes, source: str) -> Article:
    """The article in a text file's bytes, decoded; what was repaired is in its warnings."""
    decoded = decode(data, source=source, keep_utf8_bom=True)
    if not decoded.text.replace("\ufeff", "").strip():
        raise InputError(source, "empty file (only whitespace)")
    article = article_from_text(decoded.text, source=source)
    return article.replace(warnings=decoded.warnings) if decoded.warnings else article
