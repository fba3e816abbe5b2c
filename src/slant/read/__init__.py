"""Readers that turn files, folders and bytes into Articles.

``iter_sources(paths)`` is the one entry point a batch needs: it yields one
``Article`` per article found, in input order, and an ``InputError`` (yielded,
not raised) for each item it cannot read, so a batch goes on past bad items
and lists them at the end. Whatever a parser raises on hostile input
(``RecursionError``, ``UnicodeError``, ...) becomes such an InputError, in one
place (``failures.py``); only bad settings raise (``SettingError``).

What a file is comes from its name, then from its first bytes:

=========================  ===============================================
``.html .htm .xhtml``      one page; main text extracted (``html.py``, ``extract.py``)
``.txt``                   one article, verbatim; the first line is the title (``text.py``)
``.jsonl .ndjson``         one article per line: ``text`` or ``html`` + metadata (``jsonl.py``)
``.xml .rss .atom``        a feed; one article per item with content (``feed.py``)
``.warc``                  web archive; one article per HTML response (``warc.py``)
``*.gz``                   any of the above, gzip-compressed
folders                    every readable file inside, recursively, sorted (``folder.py``)
=========================  ===============================================

Sources name an item as ``path`` or, inside a container, ``path:LINE`` (JSON
Lines) and ``path#N`` (the N-th feed item or WARC response, from 1). A path
that is not valid UTF-8 or holds control characters is shown escaped
(``caf\\xe9.html``, ``a\\nb.txt``): printable, on one line, storable.

What a reader had to repair (bytes not valid UTF-8, lone surrogates) or may
have lost (a feed cut short) is listed in ``Article.warnings``.
"""

from __future__ import annotations

import os

from ..article import Article
from ..errors import InputError
from .decode import decode, decode_bytes
from .failures import display_name
from .folder import FEED, HTML, JSONL, TEXT, WARC, iter_data, iter_sources, kind_by_name
from .html import extract_html
from .limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CHARS,
    MAX_BYTES_ENV,
    MAX_CHARS_ENV,
    Limits,
    resolve_max_bytes,
    resolve_max_chars,
)
from .text import article_from_text

# Every file name ending slant reads (each may also end in ``.gz``), for
# callers that vet uploads before handing them over.
SUFFIXES: tuple[str, ...] = tuple(sorted(HTML | TEXT | JSONL | FEED | WARC))

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_CHARS",
    "MAX_BYTES_ENV",
    "MAX_CHARS_ENV",
    "SUFFIXES",
    "Limits",
    "article_from_text",
    "check_length",
    "decode",
    "decode_bytes",
    "display_name",
    "extract_html",
    "iter_data",
    "iter_sources",
    "kind_by_name",
    "read_articles",
    "read_one",
    "resolve_max_bytes",
    "resolve_max_chars",
]


def read_articles(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> list[Article]:
    """Every article in a file or folder; raises the first InputError met."""
    articles: list[Article] = []
    for item in iter_sources(path, max_bytes=max_bytes):
        if isinstance(item, InputError):
            raise item
        articles.append(item)
    return articles


def read_one(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Article:
    """The one article in ``path``; InputError if it holds none or several."""
    articles = read_articles(path, max_bytes=max_bytes)
    if len(articles) != 1:
        raise InputError(display_name(os.fspath(path)), f"holds {len(articles)} articles; expected exactly one")
    return articles[0]


def check_length(article: Article, *, max_chars: int | None = None) -> Article:
    """``article`` if its text is within the length limit (``SLANT_MAX_CHARS``), else InputError.

    For articles that did not come through the readers (an ``Article`` built
    in code, or handed to a batch), before they are analysed. Lone
    surrogates are replaced as the readers do (with a warning), so the id
    can be computed.
    """
    from .failures import finish

    return finish(article, max_chars=resolve_max_chars(max_chars))
