"""JSON Lines: one article per line, ``text`` or ``html`` plus metadata.

Lines are read at most ``max_bytes + 1`` bytes at a time, so a 400 MB line is
refused without being held in memory, and each line is parsed on its own:
one that cannot be read (invalid, nested 5,000 deep, a lone surrogate escape)
is reported by its line number and the next line is read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from typing import IO, Any, Iterator

from ..article import Article
from ..errors import InputError
from .failures import guarded
from .limits import Limits, too_large

META_FIELDS = ("title", "url", "outlet", "author", "published", "language")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CHUNK = 1 << 16


def read_jsonl(fh: IO[bytes], path: str, limits: Limits) -> Iterator[Article | InputError]:
    """Articles from a JSON Lines stream (plain or a ``gzip.GzipFile``), in line order."""
    found = False
    number = 0
    while True:
        raw = _readline(fh, path, limits.max_bytes + 1)
        if not raw:
            break
        number += 1
        source = f"{path}:{number}"
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is no JSON
        if len(raw) > limits.max_bytes and not raw.endswith(b"\n"):
            size = len(raw) + _skip_line(fh, path)
            yield InputError(source, too_large(size, limits.max_bytes))
            found = True
            continue
        if not raw.strip():
            continue
        found = True
        yield guarded(source, lambda: jsonl_article(raw, source))
    if not found:
        yield InputError(path, "empty file (no JSON lines)")


def _readline(fh: IO[bytes], path: str, size: int) -> bytes:
    try:
        return fh.readline(size)
    except EOFError:  # gzip.GzipFile at a member cut short
        raise InputError(path, "truncated gzip: the compressed data ends before the end of the stream") from None
    except zlib.error as exc:
        raise InputError(path, f"corrupt gzip data ({exc})") from None
    except OSError as exc:  # gzip.BadGzipFile, or the disk
        raise InputError(path, f"cannot read the file ({getattr(exc, 'strerror', None) or exc})") from None


def _skip_line(fh: IO[bytes], path: str) -> int:
    """Read past the rest of an over-long line, a chunk at a time; its length without the line end."""
    skipped = 0
    while True:
        chunk = _readline(fh, path, _CHUNK)
        skipped += len(chunk.rstrip(b"\r\n"))
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def jsonl_article(raw: bytes, source: str) -> Article:
    """The Article of one JSON line; InputError naming ``source`` if it is not one."""
    try:
        # Numbers are read as floats: slant needs none, and an integer of
        # 5,000 digits would otherwise raise on Python's digit limit.
        record = json.loads(raw, parse_int=float)
    except UnicodeDecodeError:
        raise InputError(source, "undecodable bytes: JSON Lines must be UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InputError(source, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError(source, "invalid JSON: nested too deeply to read") from None
    if not isinstance(record, dict):
        raise InputError(source, f"expected a JSON object, got {_json_type(record)}")
    repaired = 0
    meta: dict[str, Any] = {}
    for field in META_FIELDS:
        value = record.get(field)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InputError(source, f"field {field!r} must be a string")
        value, count = _SURROGATE.subn("\ufffd", value)
        repaired += count
        meta[field] = value
    if "published" in meta:
        meta["published"] = _parse_date(meta["published"], source)
    text, html = record.get("text"), record.get("html")
    # A lone surrogate escape ("\udc80") is no character: it cannot be
    # encoded to compute the id or be stored. Each becomes U+FFFD, one
    # character for one, and the article says so.
    if isinstance(text, str):
        text, count = _SURROGATE.subn("\ufffd", text)
        repaired += count
    if isinstance(html, str):
        html, count = _SURROGATE.subn("\ufffd", html)
        repaired += count
    warnings = (f"{repaired} lone surrogate escape(s) replaced with U+FFFD",) if repaired else ()
    if isinstance(text, str) and text.strip():
        from .text import text_article

        title = meta.pop("title", None)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        # The analysed text starts with its title line (DESIGN.md); a text
        # that does not already do so gets it put in front.
        if title and not text.lstrip().startswith(title.strip()):
            text = f"{title.strip()}\n\n{text}"
        return text_article(text, source=source, warnings=warnings, **meta)
    if isinstance(html, str) and html.strip():
        from .html import extract_html

        article = extract_html(html, source=source, **meta)
        return article.replace(warnings=article.warnings + warnings) if warnings else article
    if text is not None or html is not None:
        raise InputError(source, "'text' or 'html' is empty or not a string")
    raise InputError(source, "no 'text' or 'html' field")


def _json_type(value: object) -> str:
    return {list: "array", str: "string", float: "number", bool: "boolean", type(None): "null"}.get(type(value), type(value).__name__)


def _parse_date(value: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise InputError(source, f"'published' is not an ISO date: {value!r}") from None
