"""Readers that turn files and folders into Articles.

``iter_sources(paths)`` is the one entry point a batch needs: it yields one
``Article`` per article found, in input order, and an ``InputError`` (yielded,
not raised) for each item it cannot read, so a batch goes on past bad items
and lists them at the end.

What a file is comes from its name, then from its first bytes:

=========================  ===============================================
``.html .htm .xhtml``      one page; main text extracted (``extract.py``)
``.txt``                   one article, verbatim; the first line is the title
``.jsonl .ndjson``         one article per line: ``text`` or ``html`` + metadata
``.xml .rss .atom``        a feed; one article per item with content
``.warc``                  web archive; one article per HTML response
``*.gz``                   any of the above, gzip-compressed
folders                    every readable file inside, recursively, sorted
=========================  ===============================================

Sources name an item as ``path`` or, inside a container, ``path:LINE`` (JSON
Lines) and ``path#N`` (the N-th feed item or WARC response, from 1).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
import zlib
from pathlib import Path
from typing import IO, Any, Generator, Iterable, Iterator

from .article import Article
from .errors import InputError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "SLANT_MAX_BYTES"

_HTML = {".html", ".htm", ".xhtml", ".shtml"}
_TEXT = {".txt", ".text"}
_JSONL = {".jsonl", ".ndjson"}
_FEED = {".xml", ".rss", ".atom"}
_WARC = {".warc", ".arc"}
_KNOWN = _HTML | _TEXT | _JSONL | _FEED | _WARC
# Every file name ending slant reads (each may also end in ``.gz``), for
# callers that vet uploads before handing them over.
SUFFIXES: tuple[str, ...] = tuple(sorted(_KNOWN))
_GZIP_MAGIC = b"\x1f\x8b"
_META_FIELDS = ("title", "url", "outlet", "author", "published", "language")


# --------------------------------------------------------------------------
# Public API


def article_from_text(text: str, *, source: str | None = None, **meta: object) -> Article:
    """An article from plain text, taken verbatim: the first line is the title.

    Newlines are normalised to ``\\n`` and nothing else changes, so offsets
    into the original file stay valid.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.replace("\ufeff", "").strip():
        raise InputError(source or "<text>", "empty text")
    # A byte-order mark stays in the text (offsets count it) but not in the title.
    title = text.split("\n", 1)[0].replace("\ufeff", "").strip() or None
    return Article(text=text, title=title, source=source, **meta)  # type: ignore[arg-type]


def iter_sources(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int | None = None,
) -> Iterator[Article | InputError]:
    """Articles from files and folders, in order; bad items come as InputErrors.

    ``max_bytes`` caps the size of one page or text (default 20 MB, or the
    ``SLANT_MAX_BYTES`` environment variable). Folders are read recursively in
    sorted order; inside them, hidden files and files with an extension slant
    does not read (images, PDFs, ``README.md``, files without one) are
    skipped; a file named directly is read whatever its name, by its content.
    """
    limit = resolve_max_bytes(max_bytes)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for path in paths:
        name = os.fspath(path)
        if os.path.isdir(name):
            for file in _walk(name):
                yield from _read_file(file, limit)
        elif os.path.exists(name):
            yield from _read_file(name, limit)
        else:
            yield InputError(name, "no such file or folder")


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
        raise InputError(os.fspath(path), f"holds {len(articles)} articles; expected exactly one")
    return articles[0]


def resolve_max_bytes(max_bytes: int | None = None) -> int:
    """The size limit: the argument, else ``SLANT_MAX_BYTES``, else 20 MB."""
    if max_bytes is not None:
        if max_bytes <= 0:
            raise InputError("max_bytes", f"must be a positive number of bytes, not {max_bytes}")
        return max_bytes
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    units = {"k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
    number, unit = raw.lower(), ""
    for suffix in sorted(units, key=len, reverse=True):
        if number.endswith(suffix):
            number, unit = number[: -len(suffix)].strip(), suffix
            break
    try:
        value = int(float(number) * units.get(unit, 1))
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(MAX_BYTES_ENV, f"{raw!r} is not a size (write e.g. 20000000 or 20MB)")
    return value


# --------------------------------------------------------------------------
# Files and folders


def _walk(folder: str) -> list[str]:
    """Readable files under ``folder``, sorted by their path inside it."""
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and _readable_name(name):
                path = os.path.join(root, name)
                found.append((Path(os.path.relpath(path, folder)).parts, path))
    return [path for _, path in sorted(found)]


def _readable_name(name: str) -> bool:
    # Only known extensions: a folder also holds READMEs, Makefiles, images.
    # A file named on the command line is read whatever its name.
    return _kind_by_name(name) is not None


def _kind_by_name(name: str) -> str | None:
    suffix = Path(name.removesuffix(".gz").removesuffix(".GZ")).suffix.lower()
    for kind, suffixes in (("html", _HTML), ("text", _TEXT), ("jsonl", _JSONL), ("feed", _FEED), ("warc", _WARC)):
        if suffix in suffixes:
            return kind
    return None


def _sniff(head: bytes) -> str:
    """What data is, from its first bytes: warc, feed, html, jsonl or text."""
    if head.startswith(b"WARC/"):
        return "warc"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"{"):
        return "jsonl"
    window = start[:2048]
    if start.startswith(b"<?xml") or start.startswith(b"<rss") or start.startswith(b"<feed"):
        if b"<rss" in window or b"<feed" in window or b"<rdf:rdf" in window:
            return "feed"
        return "html"
    if start.startswith(b"<") and any(tag in window for tag in (b"<html", b"<!doctype html", b"<head", b"<body", b"<p", b"<div", b"<article")):
        return "html"
    return "text"


def _read_file(path: str, limit: int) -> Iterator[Article | InputError]:
    try:
        size = os.path.getsize(path)
        if size == 0:
            yield InputError(path, "empty file")
            return
        with open(path, "rb") as fh:
            head = fh.read(8)
        kind = _kind_by_name(path)
        gzipped = head.startswith(_GZIP_MAGIC)
        # WARC files are read record by record, whatever their size; a
        # gzipped WARC is a series of gzip members that warcio reads itself.
        if kind == "warc" or (kind is None and gzipped and _gz_head(path).startswith(b"WARC/")):
            yield from _read_warc(path, limit)
            return
        if kind == "jsonl" and not gzipped:
            with open(path, "rb") as fh:
                yield from _read_jsonl(fh, path, limit)
            return
        if size > limit:
            yield InputError(path, _too_large(size, limit))
            return
        with open(path, "rb") as fh:
            data = fh.read()
        if gzipped:
            data = _gunzip(data, path, limit)
        if not data.strip():
            yield InputError(path, "empty file" if not data else "empty file (only whitespace)")
            return
        kind = kind or _sniff(data[:4096])
        if kind == "warc":  # a gzipped file named .gz only, holding a plain WARC
            yield from _read_warc_stream(io.BytesIO(data), path, limit)
        elif kind == "jsonl":
            yield from _read_jsonl(io.BytesIO(data), path, limit)
        elif kind == "feed":
            yield from _read_feed(data, path)
        elif kind == "html":
            yield _read_html(data, path)
        else:
            yield _read_text(data, path)
    except InputError as exc:
        yield exc
    except OSError as exc:
        yield InputError(path, f"cannot read the file ({exc.strerror or exc})")


def _too_large(size: int, limit: int) -> str:
    return f"too large: {size:,} bytes, over the {limit:,}-byte limit (set {MAX_BYTES_ENV} to change it)"


def _gz_head(path: str) -> bytes:
    with open(path, "rb") as fh:
        start = fh.read(4096)
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(start, 16)
    except zlib.error:
        return b""


def _gunzip(data: bytes, source: str, limit: int) -> bytes:
    """Decompress gzip data (all members), refusing truncated or huge data."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise InputError(source, f"corrupt gzip data ({exc})") from None
        if len(out) > limit:
            raise InputError(source, f"too large: over {limit:,} bytes once decompressed (set {MAX_BYTES_ENV} to change it)")
        if not inflater.eof:
            raise InputError(source, "truncated gzip: the compressed data ends before the end of the stream")
        rest = inflater.unused_data.lstrip(b"\x00")
    return bytes(out)


def _read_text(data: bytes, path: str) -> Article | InputError:
    from .extract import decode_bytes

    try:
        text = decode_bytes(data, source=path, keep_utf8_bom=True)
        if not text.replace("\ufeff", "").strip():
            return InputError(path, "empty file (only whitespace)")
        return article_from_text(text, source=path)
    except InputError as exc:
        return exc


def _read_html(data: bytes, path: str, **meta: Any) -> Article | InputError:
    from .extract import extract_html

    try:
        return extract_html(data, source=path, **meta)
    except InputError as exc:
        return exc


# --------------------------------------------------------------------------
# JSON Lines


def _read_jsonl(fh: IO[bytes], path: str, limit: int) -> Iterator[Article | InputError]:
    found = False
    for number, raw in enumerate(fh, start=1):
        source = f"{path}:{number}"
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is no JSON
        if len(raw) > limit:
            yield InputError(source, _too_large(len(raw), limit))
            found = True
            continue
        if not raw.strip():
            continue
        found = True
        try:
            yield _jsonl_article(raw, source)
        except InputError as exc:
            yield exc
    if not found:
        yield InputError(path, "empty file (no JSON lines)")


def _jsonl_article(raw: bytes, source: str) -> Article:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        raise InputError(source, "undecodable bytes: JSON Lines must be UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InputError(source, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise InputError(source, f"expected a JSON object, got {type(record).__name__}")
    meta: dict[str, Any] = {}
    for field in _META_FIELDS:
        value = record.get(field)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InputError(source, f"field {field!r} must be a string")
        meta[field] = value
    if "published" in meta:
        meta["published"] = _parse_date(meta["published"], source)
    text, html = record.get("text"), record.get("html")
    if isinstance(text, str) and text.strip():
        title = meta.pop("title", None)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        # The analysed text starts with its title line (DESIGN.md); a text
        # that does not already do so gets it put in front.
        if title and not text.lstrip().startswith(title.strip()):
            text = f"{title.strip()}\n\n{text}"
        return article_from_text(text, source=source, **meta)
    if isinstance(html, str) and html.strip():
        from .extract import extract_html

        return extract_html(html, source=source, **meta)
    if text is not None or html is not None:
        raise InputError(source, "'text' or 'html' is empty or not a string")
    raise InputError(source, "no 'text' or 'html' field")


def _parse_date(value: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise InputError(source, f"'published' is not an ISO date: {value!r}") from None


# --------------------------------------------------------------------------
# Feeds


def _read_feed(data: bytes, path: str) -> Iterator[Article | InputError]:
    import feedparser

    from .extract import fragment_text

    parsed = feedparser.parse(data)
    entries = parsed.entries
    if not entries:
        if parsed.bozo and not parsed.feed:
            yield InputError(path, f"not a readable RSS or Atom feed ({_first_line(parsed.bozo_exception)})")
        else:
            yield InputError(path, "feed has no items")
        return
    feed = parsed.feed
    outlet = _clean(feed.get("title"))
    language = (feed.get("language") or "").split("-")[0].lower() or None
    count = 0
    for number, entry in enumerate(entries, start=1):
        source = f"{path}#{number}"
        html = ""
        contents = entry.get("content") or []
        if contents:
            html = max((c.get("value") or "" for c in contents), key=len)
        if not html.strip():
            html = entry.get("summary") or ""
        if not html.strip():
            continue  # a link-only item: no article to read here
        body = fragment_text(html)
        title = _clean(entry.get("title"))
        if not body.strip():
            yield InputError(source, "feed item has no text in its content")
            count += 1
            continue
        text = f"{title}\n\n{body}" if title else body
        count += 1
        yield Article(
            text=text,
            title=title,
            url=entry.get("link") or None,
            outlet=outlet,
            author=_clean(entry.get("author")),
            published=_struct_date(entry.get("published_parsed") or entry.get("updated_parsed")),
            language=language,
            source=source,
        )
    if count == 0:
        yield InputError(path, f"feed has {len(entries)} items but none with content")


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _struct_date(value: time.struct_time | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    except ValueError:
        return None


def _first_line(exc: object) -> str:
    return str(exc).strip().split("\n", 1)[0]


# --------------------------------------------------------------------------
# WARC


def _read_warc(path: str, limit: int) -> Iterator[Article | InputError]:
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == _GZIP_MAGIC
        fh.seek(0)
        reported = yield from _read_warc_stream(fh, path, limit)
    # warcio stops quietly at a gzip member cut short; check the stream ends.
    if gzipped and not reported:
        problem = _gzip_problem(path)
        if problem:
            yield InputError(path, f"truncated WARC: {problem}")


def _gzip_problem(path: str) -> str | None:
    """Why a (multi-member) gzip file is incomplete or corrupt, or None."""
    inflater = None  # the decompressor of the member being read, None between members
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            while chunk:
                if inflater is None:
                    if not chunk.strip(b"\x00"):
                        break  # zero padding after the last member
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                try:
                    inflater.decompress(chunk)
                except zlib.error as exc:
                    return f"corrupt gzip data ({exc})"
                if inflater.eof:
                    chunk, inflater = inflater.unused_data, None
                else:
                    chunk = b""
    return None if inflater is None else "the gzip data ends in the middle of a record"


def _read_warc_stream(fh: IO[bytes], path: str, limit: int) -> Generator[Article | InputError, None, bool]:
    """Articles from a WARC stream; returns True when it reported a cut or corrupt file."""
    from warcio.archiveiterator import ArchiveIterator

    pages = 0
    records = 0
    iterator = iter(ArchiveIterator(fh))
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            break
        except Exception as exc:  # warcio raises many types (even AttributeError) on cut or corrupt data
            yield InputError(path, f"truncated or corrupt WARC: reading stopped after record {records} ({type(exc).__name__})")
            return True
        records += 1
        if record.rec_type not in ("response", "resource"):
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "response":
            if record.http_headers is None:
                continue
            status = record.http_headers.get_statuscode() or ""
            content_type = record.http_headers.get_header("Content-Type") or ""
            if not status.startswith("2"):
                continue
        else:
            content_type = record.rec_headers.get_header("Content-Type") or ""
        mime = content_type.split(";")[0].strip().lower()
        if mime not in ("text/html", "application/xhtml+xml"):
            continue
        pages += 1
        source = f"{path}#{pages}"
        try:
            payload = record.content_stream().read(limit + 1)
        except Exception as exc:  # a cut gzip member or chunked body
            yield InputError(path, f"truncated or corrupt WARC: record {records} ({url}) cannot be read ({type(exc).__name__})")
            return True
        if len(payload) > limit:
            yield InputError(source, f"{url}: " + _too_large(len(payload), limit))
            continue
        # The record's declared length was not all there: the file was cut.
        if getattr(record.raw_stream, "limit", 0):
            yield InputError(path, f"truncated WARC: record {records} ({url}) is cut short")
            return True
        if not payload.strip():
            yield InputError(source, f"{url}: empty page")
            continue
        yield _read_html(payload, source, url=url, charset=_charset_of(content_type))
    if records == 0:
        yield InputError(path, "not a WARC file (no records)")
    elif pages == 0:
        yield InputError(path, f"WARC has {records} records but no HTML responses")
    return False


def _charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
