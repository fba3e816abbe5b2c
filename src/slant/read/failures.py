"""The one place where a failure while reading one input becomes an ``InputError``.

Every reader runs its work on one input (a file, a JSON line, a feed item, a
WARC record) through ``guarded`` or ``guarded_iter``. Whatever goes wrong
inside (our own ``InputError``, or any exception a parser raises on hostile
bytes: ``RecursionError``, ``ValueError``, ``UnicodeError``, ...) comes out
as one ``InputError`` naming that input, on one line, and the reading goes on
with the next input. ``finish`` is the last step of every Article: a
printable source name, no lone surrogates, and the length limit.
"""

from __future__ import annotations

import os
import re
from typing import Callable, Iterator, TypeVar

from ..article import Article
from ..errors import InputError
from .limits import too_long

T = TypeVar("T")

# Control characters (newlines, tabs, escape ...) and lone surrogates: a
# source name holding them would break the one-line message or the database.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def display_name(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as a printable, storable one-line string.

    Bytes of a file name that are not valid UTF-8 (Python holds them as lone
    surrogates) become ``\\xe9``, and control characters such as a newline
    become ``\\n``, ``\\x1b``: the name stays recognisable and on one line.
    """
    name = os.fsdecode(path)
    if not _UNPRINTABLE.search(name):
        return name
    try:
        raw = os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file system produced (from JSON, say)
        raw = name
    return _UNPRINTABLE.sub(_escape, raw)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    escaped = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if escaped:
        return escaped
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def failure(source: str, exc: BaseException) -> InputError:
    """The InputError that says what went wrong while reading ``source``."""
    if isinstance(exc, InputError):
        return exc
    return InputError(source, describe(exc))


def describe(exc: BaseException) -> str:
    """What an exception raised while reading means for the input, in a few words."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "too large to read in memory"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read the file ({exc.strerror})"
    if isinstance(exc, UnicodeError):
        return f"undecodable text ({type(exc).__name__}: {_first_line(exc)})"
    message = _first_line(exc)
    return f"cannot be read ({type(exc).__name__}: {message})" if message else f"cannot be read ({type(exc).__name__})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    return line[:200] + ("..." if len(line) > 200 else "")


def guarded(source: str, read: Callable[[], T]) -> T | InputError:
    """``read()``, or the InputError for ``source`` if it fails in any way."""
    try:
        return read()
    except Exception as exc:  # noqa: BLE001  (hostile input must never end the batch)
        return failure(source, exc)


def guarded_iter(source: str, items: Iterator[Article | InputError]) -> Iterator[Article | InputError]:
    """The items of a reader; if the reader itself fails, one InputError and the end."""
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001  (one input's failure must not end the batch)
            yield failure(source, exc)
            return
        yield item


def finish(article: Article, *, max_chars: int) -> Article:
    """An Article ready to leave the readers, or InputError (raised) if too long.

    Lone surrogates (from a JSON escape like ``"\\udc80"``) cannot be encoded
    to compute the id or be stored: each becomes U+FFFD, one character for
    one, so offsets hold, and a warning says so.
    """
    changes: dict[str, object] = {}
    warnings = list(article.warnings)
    if article.source is not None and _UNPRINTABLE.search(article.source):
        changes["source"] = display_name(article.source)
    source = str(changes.get("source", article.source or "<article>"))
    replaced = 0
    for field in ("text", "title", "url", "outlet", "author", "language"):
        value = getattr(article, field)
        if isinstance(value, str) and _SURROGATE.search(value):
            value, count = _SURROGATE.subn("\ufffd", value)
            changes[field] = value
            replaced += count
    if replaced:
        warnings.append(f"{replaced} lone surrogate escape(s) replaced with U+FFFD")
        changes["warnings"] = tuple(warnings)
    text = str(changes.get("text", article.text))
    if len(text) > max_chars:
        raise InputError(source, too_long(len(text), max_chars))
    return article.replace(**changes) if changes else article
