"""HTML pages: decode, extract the main text, build the Article."""

from __future__ import annotations

from typing import Any

from ..article import Article
from ..errors import InputError
from .decode import decode
from .extract import article_from_extracted, extract_body


def extract_html(
    data: bytes | str,
    *,
    source: str,
    url: str | None = None,
    charset: str | None = None,
    **meta: Any,
) -> Article:
    """An Article from an HTML page (bytes are decoded here).

    Raises InputError when the page cannot be decoded or has no article text.
    ``meta`` (title, outlet, author, published, language) overrides what the
    page says; ``url`` is where the page came from, used to resolve metadata;
    ``charset`` is the one an HTTP header or WARC record declares. What the
    decoder had to repair is in the Article's ``warnings``.
    """
    warnings: tuple[str, ...] = ()
    if isinstance(data, bytes):
        decoded = decode(data, source=source, declared=charset)
        html, warnings = decoded.text, decoded.warnings
    else:
        html = data
    if not html.strip():
        raise InputError(source, "empty page")
    found = extract_body(html, url=url)
    if found is None:
        raise InputError(source, "no article text found in the page")
    article = article_from_extracted(found, source=source, url=url or found.url, **meta)
    return article.replace(warnings=article.warnings + warnings) if warnings else article
