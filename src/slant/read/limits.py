"""How much one input may hold: bytes read (``SLANT_MAX_BYTES``) and characters analysed (``SLANT_MAX_CHARS``).

Both are checked while reading, before anything large is held in memory or
handed to the analysis: a page, a text or a JSON line over ``max_bytes`` is
refused unread (a JSON line is read at most ``max_bytes + 1`` bytes at a
time), and an article whose text is over ``max_chars`` characters is refused
before any stage sees it (a 100,000-word article would take minutes and a
gigabyte of memory).
"""

from __future__ import annotations

import dataclasses
import math
import os

from ..conf import SettingError
from ..errors import InputError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "SLANT_MAX_BYTES"
# About 50,000 words: longer than any news article we have seen, short
# enough that the analysis stays within a few minutes and a few hundred MB.
DEFAULT_MAX_CHARS = 300_000
MAX_CHARS_ENV = "SLANT_MAX_CHARS"

_BYTE_UNITS = {"k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
_COUNT_UNITS = {"k": 1000, "m": 1000**2}


@dataclasses.dataclass(frozen=True)
class Limits:
    """The two limits every reader is given."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_chars: int = DEFAULT_MAX_CHARS

    @classmethod
    def resolve(cls, max_bytes: int | None = None, max_chars: int | None = None) -> "Limits":
        return cls(resolve_max_bytes(max_bytes), resolve_max_chars(max_chars))


def resolve_max_bytes(max_bytes: int | None = None) -> int:
    """The size limit: the argument, else ``SLANT_MAX_BYTES``, else 20 MB.

    A value in the environment that is not a positive finite size raises
    ``SettingError`` (``SLANT_MAX_BYTES='inf' is not a size ...``).
    """
    if max_bytes is not None:
        if max_bytes <= 0:
            raise InputError("max_bytes", f"must be a positive number of bytes, not {max_bytes}")
        return max_bytes
    return _from_env(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, _BYTE_UNITS, "a size (write e.g. 20000000 or 20MB)")


def resolve_max_chars(max_chars: int | None = None) -> int:
    """The article length limit: the argument, else ``SLANT_MAX_CHARS``, else 300,000 characters."""
    if max_chars is not None:
        if max_chars <= 0:
            raise InputError("max_chars", f"must be a positive number of characters, not {max_chars}")
        return max_chars
    return _from_env(MAX_CHARS_ENV, DEFAULT_MAX_CHARS, _COUNT_UNITS, "a number of characters (write e.g. 300000 or 300k)")


def _from_env(name: str, default: int, units: dict[str, int], what: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    number, unit = raw.lower(), ""
    for suffix in sorted(units, key=len, reverse=True):
        if number.endswith(suffix):
            number, unit = number[: -len(suffix)].strip(), suffix
            break
    try:
        value = float(number) * units.get(unit, 1)
    except ValueError:
        value = 0.0
    # "inf", "nan" and 1e400 parse as floats but are no size.
    if not math.isfinite(value) or value < 1 or value > 2**62:
        raise SettingError(f"{name}={raw!r} is not {what}")
    return int(value)


def too_large(size: int, limit: int) -> str:
    return f"too large: {size:,} bytes, over the {limit:,}-byte limit (set {MAX_BYTES_ENV} to change it)"


def too_long(length: int, limit: int) -> str:
    return f"article too long: {length:,} characters, over the {limit:,}-character limit (set {MAX_CHARS_ENV} to change it)"
