"""Plain text: one article, verbatim; the first line is the title."""

from __future__ import annotations

from ..article import Article
from ..errors import InputError
from .decode import decode
from .limits import resolve_max_chars, too_long


def article_from_text(text: str, *, source: str | None = None, max_chars: int | None = None, **meta: object) -> Article:
    """An article from plain text, taken verbatim: the first line is the title.

    Newlines are normalised to ``\\n`` and nothing else changes, so offsets
    into the original file stay valid. A text over ``max_chars`` characters
    (default ``SLANT_MAX_CHARS``, 300,000) is refused with an InputError.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.replace("\ufeff", "").strip():
        raise InputError(source or "<text>", "empty text")
    limit = resolve_max_chars(max_chars)
    if len(text) > limit:
        raise InputError(source or "<text>", too_long(len(text), limit))
    return text_article(text, source=source, **meta)


def text_article(text: str, *, source: str | None, **meta: object) -> Article:
    """``article_from_text`` without the length limit, for readers that check it themselves."""
    # A byte-order mark stays in the text (offsets count it) but not in the title.
    title = text.split("\n", 1)[0].replace("\ufeff", "").strip() or None
    return Article(text=text, title=title, source=source, **meta)  # type: ignore[arg-type]


def read_text(data: bytes, source: str) -> Article:
    """The article in a text file's bytes, decoded; what was repaired is in its warnings."""
    decoded = decode(data, source=source, keep_utf8_bom=True)
    if not decoded.text.replace("\ufeff", "").strip():
        raise InputError(source, "empty file (only whitespace)")
    article = text_article(decoded.text.replace("\r\n", "\n").replace("\r", "\n"), source=source)
    return article.replace(warnings=decoded.warnings) if decoded.warnings else article
