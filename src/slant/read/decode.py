"""Bytes -> text: byte-order mark, declared charset, UTF-8, then detection.

``decode`` says which charset it used and what it had to repair; a page or a
text that cannot be decoded raises ``InputError``.
"""

from __future__ import annotations

import codecs
import dataclasses
import re

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">,
# and the XML declaration of XHTML pages and feeds.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
# Labels whose everyday meaning is a superset: browsers decode them so, and
# pages labelled with the narrow name routinely contain the wider set.
_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "ks_c_5601_1987": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
# Python codecs that are no charset of a web page: "undefined" raises on any
# use, the escape codecs turn backslashes into characters, idna and punycode
# are for host names. A page declaring one of them is decoded as if it
# declared nothing.
_NOT_CHARSETS = {"undefined", "unicode_escape", "raw_unicode_escape", "escape_codec", "idna", "punycode", "charmap"}
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x7fELF", "executable"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ", "xz archive"),
)


@dataclasses.dataclass(frozen=True)
class Decoded:
    """Decoded text, the codec that decoded it, and what was repaired."""

    text: str
    charset: str
    warnings: tuple[str, ...] = ()


def codec_name(label: str) -> str | None:
    """Python's codec name for a charset label, widened to its superset; None if no text charset."""
    try:
        info = codecs.lookup(label.strip().lower())
    except (LookupError, ValueError):  # ValueError: a label with a NUL byte
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # base64, zlib, rot13: codecs, but not charsets
    name = info.name.replace("-", "_")
    if name in _NOT_CHARSETS:
        return None
    return _SUPERSETS.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """The charset a page or feed declares in its first bytes, if any."""
    head = data[:16384]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return codec_name(match.group(1).decode("ascii", "replace")) if match else None


def binary_kind(data: bytes) -> str | None:
    """What a binary file is ("PDF", "binary data"), or None for text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None  # UTF-16/32 text holds NUL bytes by nature
    head = data[:8192]
    if b"\x00" in head:
        return "binary data"
    # Control characters other than tab, newline, form feed and carriage return.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if head and controls / len(head) > 0.05:
        return "binary data"
    return None


def decode(data: bytes, *, source: str, declared: str | None = None, keep_utf8_bom: bool = False) -> Decoded:
    """Decode a page or text file; raise InputError when nothing fits.

    ``declared`` is a charset known from outside (an HTTP header, a JSON
    field); otherwise the page's own declaration is read for HTML-like data.
    ``keep_utf8_bom`` keeps a UTF-8 byte-order mark as U+FEFF, as Python's
    ``open(encoding="utf-8")`` does: offsets into text files (PTC's labels)
    count it as a character.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if keep_utf8_bom and codec == "utf-8":
                bom = b""
            try:
                return Decoded(data[len(bom):].decode(codec), codec)
            except UnicodeDecodeError as exc:
                raise InputError(source, f"undecodable bytes: not valid {codec} despite its byte-order mark ({exc.reason} at byte {exc.start})") from None
    kind = binary_kind(data)
    if kind:
        raise InputError(source, f"binary file ({kind}), not text or HTML")
    tried: list[str] = []
    # UTF-8 first: non-ASCII text that happens to be valid UTF-8 in another
    # charset is vanishingly rare, while pages that declare a legacy charset
    # but are served as UTF-8 are common.
    for codec in ("utf_8", codec_name(declared) if declared else None, declared_charset(data)):
        if codec and codec not in tried:
            tried.append(codec)
            try:
                return Decoded(data.decode(codec), codec)
            except (UnicodeError, LookupError):
                pass
    # Mostly UTF-8 with a few stray bytes or a cut-off last character: a
    # detector would pick some legacy code page (a Mac one, say) and garble
    # every dash and quote, so keep UTF-8 and say what was replaced.
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    if mostly_utf8(loose, bad):
        return Decoded(loose, "utf_8", (f"{bad} byte sequence(s) not valid UTF-8 replaced with U+FFFD",))
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    codec = _SUPERSETS.get(best.encoding, best.encoding) if best is not None and best.encoding else None
    if best is None or codec is None or codec_name(codec) is None:
        raise InputError(source, f"undecodable bytes: not valid {' or '.join(tried)} and no other charset fits")
    try:
        return Decoded(data.decode(codec), codec)
    except (UnicodeError, LookupError):
        return Decoded(str(best), codec)


def mostly_utf8(loose: str, bad: int) -> bool:
    """Whether text decoded from UTF-8 with replacement was UTF-8 with a few stray bytes.

    Text in a legacy charset read as UTF-8 has at least twice as many invalid
    sequences as (chance) valid non-ASCII characters, even in CJK charsets;
    UTF-8 with stray bytes has many valid ones and few invalid.
    """
    good = sum(1 for ch in loose if ord(ch) > 127 and ch != "\ufffd")
    return good > 0 and (bad <= 2 or bad * 10 <= good)


def decode_bytes(data: bytes, *, source: str, declared: str | None = None, keep_utf8_bom: bool = False) -> str:
    """The text of ``decode`` (kept for callers that need no warnings)."""
    return decode(data, source=source, declared=declared, keep_utf8_bom=keep_utf8_bom).text
