"""slant: read news critically.

The public surface is small on purpose::

    import slant
    doc = slant.analyze("Title\\n\\nBody text ...")     # or an Article, or a path
    doc.layers["sentences"][0]                         # Span(start, end, ...)
    doc.to_json()                                      # slant.analysis/1

Errors are drawn in ``slant.errors``.
"""

from __future__ import annotations

import os
from typing import Sequence

from .article import Article, text_id
from .doc import SCHEMA, Doc, Span
from .errors import ContractError, InputError, ModelError, PipelineError, SlantError
from .pipeline import Pipeline, register

__all__ = [
    "SCHEMA",
    "Article",
    "ContractError",
    "Doc",
    "InputError",
    "ModelError",
    "Pipeline",
    "PipelineError",
    "SlantError",
    "Span",
    "analyze",
    "register",
    "text_id",
]

__version__ = "0.1.0"

_DEFAULT: Pipeline | None = None


def _pipeline(stages: Sequence[str] | None) -> Pipeline:
    global _DEFAULT
    if stages is not None:
        return Pipeline(stages)
    if _DEFAULT is None:
        _DEFAULT = Pipeline()
    return _DEFAULT


def analyze(source: "Article | str | os.PathLike[str]", *, stages: Sequence[str] | None = None) -> Doc:
    """Analyse one article and return its ``Doc``.

    ``source`` is an ``Article``, a path to a file slant can read (which must
    hold exactly one article), or the article's text itself (first line the
    title). ``stages`` names the stages to run; by default, all registered.
    """
    if isinstance(source, Article):
        from .read import check_length

        article = check_length(source)  # SLANT_MAX_CHARS, as for every article the readers give
    elif isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source and os.path.exists(source)):
        from .sources import read_one

        article = read_one(os.fspath(source))
    else:
        from .sources import article_from_text

        article = article_from_text(str(source))
    return _pipeline(stages)(Doc(article))
