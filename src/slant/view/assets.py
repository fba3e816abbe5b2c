"""The static CSS and JavaScript of the reading view, for pages that must carry them inline.

The web app serves these files from ``/static/slant/``; the standalone HTML
report reads the same files and inlines them, so both look and behave alike.
"""

from __future__ import annotations

import functools
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "web" / "static" / "slant"
READING_CSS = ("palette.css", "reading.css")
READING_JS = ("reading.js",)


@functools.lru_cache(maxsize=None)
def read(name: str) -> str:
    """One static file's text (``reading.css``, ``reading.js``, ...)."""
    path = STATIC / name
    if path.parent != STATIC:
        raise ValueError(f"{name!r} is not a file name in {STATIC}")
    return path.read_text(encoding="utf-8")


def inline_css(*names: str) -> str:
    return "\n".join(read(n) for n in names or READING_CSS)


def inline_js(*names: str) -> str:
    # "</" would end the script element early; no static file needs it, so refuse rather than escape.
    code = "\n".join(read(n) for n in names or READING_JS)
    if "</" in code:
        raise ValueError("a static script holds '</', which would end an inline <script> element")
    return code
