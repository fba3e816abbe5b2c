"""Kept so that ``from slant.sources import iter_sources`` goes on working: the readers live in ``slant.read``."""

from __future__ import annotations

from .read import (  # noqa: F401
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CHARS,
    MAX_BYTES_ENV,
    MAX_CHARS_ENV,
    SUFFIXES,
    Limits,
    article_from_text,
    check_length,
    iter_data,
    iter_sources,
    read_articles,
    read_one,
    resolve_max_bytes,
    resolve_max_chars,
)
from .read.folder import kind_by_name, walk  # noqa: F401  (slant.batch walks folders file by file)
