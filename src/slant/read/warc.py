"""WARC archives: one article per HTML response (or resource) record.

Records are read one at a time, whatever the file's size; each page is
limited to ``max_bytes``. A page that cannot be read is reported by its
number (``crawl.warc#3``) and the next record is read; a file cut short or
corrupt is reported once, after the articles before the cut.
"""

from __future__ import annotations

import zlib
from typing import IO, Generator

from ..article import Article
from ..errors import InputError
from .failures import guarded
from .limits import Limits, too_large

GZIP_MAGIC = b"\x1f\x8b"
_PAGES = ("text/html", "application/xhtml+xml")


def read_warc(fh: IO[bytes], path: str, limits: Limits) -> Generator[Article | InputError, None, None]:
    """Articles from a WARC file (plain, or a series of gzip members)."""
    fh.seek(0)
    gzipped = fh.read(2) == GZIP_MAGIC
    fh.seek(0)
    reported = yield from read_warc_stream(fh, path, limits)
    # warcio stops quietly at a gzip member cut short; check the stream ends.
    if gzipped and not reported:
        fh.seek(0)
        problem = gzip_problem(fh)
        if problem:
            yield InputError(path, f"truncated WARC: {problem}")


def gzip_problem(fh: IO[bytes]) -> str | None:
    """Why a (multi-member) gzip stream is incomplete or corrupt, or None."""
    inflater = None  # the decompressor of the member being read, None between members
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


def read_warc_stream(fh: IO[bytes], path: str, limits: Limits) -> Generator[Article | InputError, None, bool]:
    """Articles from a WARC stream; returns True when it reported a cut or corrupt file."""
    from warcio.archiveiterator import ArchiveIterator

    pages = 0
    records = 0
    archive = ArchiveIterator(fh)
    # warcio prints a warning on stderr when a record does not end where its
    # Content-Length says; say it on the next article instead.
    archive.INC_RECORD = ""
    misplaced = 0
    iterator = iter(archive)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            break
        except Exception as exc:  # noqa: BLE001  (warcio raises many types, even AttributeError, on cut or corrupt data)
            yield InputError(path, f"truncated or corrupt WARC: reading stopped after record {records} ({type(exc).__name__})")
            return True
        records += 1
        try:
            page = _page(record)
        except Exception as exc:  # noqa: BLE001  (a record's headers that warcio cannot make sense of)
            yield InputError(path, f"corrupt WARC: record {records} has unreadable headers ({type(exc).__name__})")
            continue
        if page is None:
            continue
        url, charset = page
        pages += 1
        source = f"{path}#{pages}"
        try:
            payload = record.content_stream().read(limits.max_bytes + 1)
        except Exception as exc:  # noqa: BLE001  (a cut gzip member or chunked body)
            yield InputError(path, f"truncated or corrupt WARC: record {records} ({url}) cannot be read ({type(exc).__name__})")
            return True
        if len(payload) > limits.max_bytes:
            yield InputError(source, f"{url}: " + too_large(len(payload), limits.max_bytes))
            continue
        # The record's declared length was not all there: the file was cut.
        if getattr(record.raw_stream, "limit", 0):
            yield InputError(path, f"truncated WARC: record {records} ({url}) is cut short")
            return True
        if not payload.strip():
            yield InputError(source, f"{url}: empty page")
            continue
        from .html import extract_html

        item = guarded(source, lambda: extract_html(payload, source=source, url=url, charset=charset))
        if isinstance(item, Article) and archive.err_count > misplaced:
            note = f"{archive.err_count - misplaced} WARC record(s) before this one did not end where their Content-Length said: the archive may be damaged"
            misplaced = archive.err_count
            item = item.replace(warnings=item.warnings + (note,))
        yield item
    if records == 0:
        yield InputError(path, "not a WARC file (no records)")
    elif pages == 0:
        yield InputError(path, f"WARC has {records} records but no HTML responses")
    return False


def _page(record: object) -> tuple[str | None, str | None] | None:
    """(URL, declared charset) of a record holding an HTML page, or None."""
    rec_type = record.rec_type  # type: ignore[attr-defined]
    if rec_type not in ("response", "resource"):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")  # type: ignore[attr-defined]
    if rec_type == "response":
        http = record.http_headers  # type: ignore[attr-defined]
        if http is None:
            return None
        status = http.get_statuscode() or ""
        content_type = http.get_header("Content-Type") or ""
        if not status.startswith("2"):
            return None
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""  # type: ignore[attr-defined]
    if content_type.split(";")[0].strip().lower() not in _PAGES:
        return None
    return url, charset_of(content_type)


def charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
