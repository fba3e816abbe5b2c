"""Kept so that ``from slant.extract import ...`` goes on working: decoding and extraction live in ``slant.read``."""

from __future__ import annotations

from .read.decode import binary_kind, decode, decode_bytes, declared_charset  # noqa: F401
from .read.extract import (  # noqa: F401
    FALLBACK_SHARE,
    Extracted,
    article_from_extracted,
    drop_furniture,
    extract_body,
    fragment_text,
    is_furniture,
    publication_date,
)
from .read.html import extract_html  # noqa: F401
