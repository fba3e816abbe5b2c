"""Files and folders: what each file is, and the reader that reads it.

What a file is comes from its name, then from its first bytes. Every file
is read through ``failures.guarded_iter`` and every Article leaves through
``failures.finish``: whatever happens inside a reader, the caller gets
Articles and InputErrors, one file after the other.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..article import Article
from ..errors import InputError
from .failures import display_name, finish, guarded, guarded_iter
from .limits import MAX_BYTES_ENV, Limits, too_large
from .warc import GZIP_MAGIC

HTML = {".html", ".htm", ".xhtml", ".shtml"}
TEXT = {".txt", ".text"}
JSONL = {".jsonl", ".ndjson"}
FEED = {".xml", ".rss", ".atom"}
WARC = {".warc", ".arc"}
KINDS = (("html", HTML), ("text", TEXT), ("jsonl", JSONL), ("feed", FEED), ("warc", WARC))


def iter_sources(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int | None = None,
    max_chars: int | None = None,
) -> Iterator[Article | InputError]:
    """Articles from files and folders, in order; bad items come as InputErrors.

    ``max_bytes`` caps the size of one page, text or JSON line (default
    20 MB, or ``SLANT_MAX_BYTES``); ``max_chars`` the length of one article's
    text (default 300,000 characters, or ``SLANT_MAX_CHARS``). Folders are
    read recursively in sorted order; inside them, hidden files and files
    with an extension slant does not read (images, PDFs, ``README.md``,
    files without one) are skipped; a file named directly is read whatever
    its name, by its content. Bad settings raise ``SettingError`` at once.
    """
    limits = Limits.resolve(max_bytes, max_chars)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for path in paths:
        name = os.fspath(path)
        if os.path.isdir(name):
            for file in walk(name):
                yield from read_path(file, limits)
        elif os.path.exists(name):
            yield from read_path(name, limits)
        else:
            yield InputError(display_name(name), "no such file or folder")


def iter_data(
    data: bytes, name: str, *, max_bytes: int | None = None, max_chars: int | None = None
) -> Iterator[Article | InputError]:
    """Articles from bytes in memory, read as if they were a file called ``name``."""
    limits = Limits.resolve(max_bytes, max_chars)
    yield from read_stream(io.BytesIO(data), display_name(name), limits, kind=kind_by_name(name))


def read_path(path: str, limits: Limits) -> Iterator[Article | InputError]:
    """The articles of one file."""
    source = display_name(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield InputError(source, f"cannot read the file ({exc.strerror or exc})")
        return
    with fh:
        yield from read_stream(fh, source, limits, kind=kind_by_name(path))


def read_stream(fh: IO[bytes], source: str, limits: Limits, *, kind: str | None) -> Iterator[Article | InputError]:
    """The articles of one seekable binary stream, each finished, failures as InputErrors."""
    for item in guarded_iter(source, _dispatch(fh, source, limits, kind)):
        if isinstance(item, Article):
            article = item
            item = guarded(article.source or source, lambda: finish(article, max_chars=limits.max_chars))
        yield item


# --------------------------------------------------------------------------
# Folders


def walk(folder: str) -> list[str]:
    """Readable files under ``folder``, sorted by their path inside it."""
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            # Only known extensions: a folder also holds READMEs, Makefiles,
            # images. A file named on the command line is read whatever its name.
            if not name.startswith(".") and kind_by_name(name) is not None:
                path = os.path.join(root, name)
                found.append((Path(os.path.relpath(path, folder)).parts, path))
    return [path for _, path in sorted(found)]


def kind_by_name(name: str) -> str | None:
    """What a file holds by its name's ending (``.gz`` aside), or None."""
    suffix = Path(name.removesuffix(".gz").removesuffix(".GZ")).suffix.lower()
    for kind, suffixes in KINDS:
        if suffix in suffixes:
            return kind
    return None


def sniff(head: bytes) -> str:
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


# --------------------------------------------------------------------------
# One file


def _dispatch(fh: IO[bytes], source: str, limits: Limits, kind: str | None) -> Iterator[Article | InputError]:
    from . import feed, html, jsonl, text, warc

    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    if size == 0:
        yield InputError(source, "empty file")
        return
    gzipped = fh.read(2) == GZIP_MAGIC
    fh.seek(0)
    # WARC files are read record by record, whatever their size; a gzipped
    # WARC is a series of gzip members that warcio reads itself.
    if kind == "warc" or (kind is None and gzipped and _gz_head(fh).startswith(b"WARC/")):
        yield from warc.read_warc(fh, source, limits)
        return
    # JSON Lines are read line by line, each line under the size limit.
    if kind == "jsonl":
        stream: IO[bytes] = gzip.GzipFile(fileobj=fh, mode="rb") if gzipped else fh
        yield from jsonl.read_jsonl(stream, source, limits)
        return
    if size > limits.max_bytes:
        yield InputError(source, too_large(size, limits.max_bytes))
        return
    data = fh.read()
    if gzipped:
        data = gunzip(data, source, limits.max_bytes)
    if not data.strip():
        yield InputError(source, "empty file" if not data else "empty file (only whitespace)")
        return
    kind = kind or sniff(data[:4096])
    if kind == "warc":  # a gzipped file named .gz only, holding a plain WARC
        yield from warc.read_warc_stream(io.BytesIO(data), source, limits)
    elif kind == "jsonl":
        yield from jsonl.read_jsonl(io.BytesIO(data), source, limits)
    elif kind == "feed":
        yield from feed.read_feed(data, source)
    elif kind == "html":
        yield html.extract_html(data, source=source)
    else:
        yield text.read_text(data, source)


def _gz_head(fh: IO[bytes]) -> bytes:
    fh.seek(0)
    start = fh.read(4096)
    fh.seek(0)
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(start, 16)
    except zlib.error:
        return b""


def gunzip(data: bytes, source: str, limit: int) -> bytes:
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
