"""Adding articles to a collection: from uploads, pasted text or a URL.

Pasted text becomes an article at once. Files and URLs are only checked for
what costs nothing (size, type, a well-formed address) and stored as an
``Upload``; an intake job reads or fetches them in a worker
(``read_intake``), under the job's time limit, so a large archive or a slow
site never holds a request. Every way ends in ``add_articles``: the article
is stored once per text, linked to the collection, indexed for search and
queued for analysis. Nothing is analysed here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from django.conf import settings
from django.db import transaction

from slant.article import Article
from slant.errors import InputError, SlantError
from slant.sources import SUFFIXES
from slant.store.models import Article as StoredArticle
from slant.web.library.models import Collection, Entry, Upload

# File types the sources read, by suffix, each optionally gzipped (".warc.gz").
KNOWN_SUFFIXES = SUFFIXES


@dataclass
class Added:
    entries: list[Entry] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def suffix_of(filename: str) -> str | None:
    """The suffix the sources read the file by (``.html``, ``.warc.gz``), or None if unknown."""
    lower = filename.lower()
    gz = lower.endswith(".gz")
    base = lower[:-3] if gz else lower
    found = next((s for s in KNOWN_SUFFIXES if base.endswith(s)), None)
    return None if found is None else found + (".gz" if gz else "")


def read_bytes(data: bytes, filename: str) -> tuple[list[Article], list[str]]:
    """Articles and error messages from one file's bytes, read by the foundation's sources."""
    name = os.path.basename(filename) or "upload"
    limit = settings.SLANT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise InputError(name, f"the file is {len(data)} bytes, over the limit of {limit}")
    if not data.strip():
        raise InputError(name, "the file is empty")
    suffix = suffix_of(name)
    if suffix is None:
        known = ", ".join(KNOWN_SUFFIXES)
        raise InputError(name, f"unknown file type; slant reads {known}")
    from slant import sources

    with tempfile.TemporaryDirectory(prefix="slant-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        articles: list[Article] = []
        errors: list[str] = []
        iter_sources = getattr(sources, "iter_sources", None)
        try:
            if iter_sources is not None:
                items: Iterable[object] = iter_sources([str(path)], max_bytes=limit)
            else:  # foundation without iter_sources: plain text only
                if suffix not in {".txt", ".text"}:
                    raise InputError(name, "this file type cannot be read yet")
                items = [sources.read_one(str(path))]
            for item in items:
                if isinstance(item, Article):
                    articles.append(item.replace(source=name))
                elif isinstance(item, InputError):
                    errors.append(f"{name}: {item.reason}")
                elif isinstance(item, Exception):
                    errors.append(f"{name}: {item}")
        except InputError as exc:
            errors.append(f"{name}: {exc.reason}")
        except (SlantError, UnicodeDecodeError, ValueError, OSError) as exc:
            # A malformed file is the user's problem to fix, never a server error.
            errors.append(f"{name}: could not be read ({type(exc).__name__}: {exc})")
    if not articles and not errors:
        errors.append(f"{name}: no article found in the file")
    return articles, errors


def read_upload(upload: object) -> tuple[list[Article], list[str]]:
    """Articles from an uploaded file (Django's UploadedFile), refusing one over the limit unread."""
    name = getattr(upload, "name", None) or "upload"
    size = int(getattr(upload, "size", 0) or 0)
    if size > settings.SLANT_MAX_UPLOAD_BYTES:
        raise InputError(name, f"the file is {size} bytes, over the limit of {settings.SLANT_MAX_UPLOAD_BYTES}")
    return read_bytes(upload.read(), name)  # type: ignore[attr-defined]


def check_file(name: str, size: int) -> None:
    """What can be refused before reading a file: its size and type."""
    limit = settings.SLANT_MAX_UPLOAD_BYTES
    if size > limit:
        raise InputError(name, f"the file is {size} bytes, over the limit of {limit}")
    if size == 0:
        raise InputError(name, "the file is empty")
    if suffix_of(name) is None:
        raise InputError(name, f"unknown file type; slant reads {', '.join(KNOWN_SUFFIXES)}")


def check_url(url: str) -> str:
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 4000:
        raise InputError(url[:200] or "<url>", "only http:// and https:// addresses can be fetched")
    return url


def queue_file(collection: Collection, *, user: object, name: str, data: bytes, origin: str = "upload") -> Upload:
    """Store an uploaded file and queue the job that reads it; cheap checks first."""
    name = os.path.basename(name or "") or "upload"
    check_file(name, len(data))
    if not data.strip():
        raise InputError(name, "the file is empty")
    from slant.web.accounts.quotas import check_quota
    from slant.web.jobs.runner import enqueue_intake

    check_quota(user, bytes=len(data), jobs=1)  # the articles it holds are checked again as they are added
    with transaction.atomic():
        upload = Upload.objects.create(collection=collection, user=user, origin=origin, filename=name[:255], data=data, size=len(data))
        enqueue_intake(upload)
    return upload


def queue_url(collection: Collection, *, user: object, url: str, origin: str = "url") -> Upload:
    """Queue the job that fetches ``url`` (nothing is fetched in the request)."""
    url = check_url(url)
    from slant.web.accounts.quotas import check_quota
    from slant.web.jobs.runner import enqueue_intake

    check_quota(user, jobs=1)
    with transaction.atomic():
        upload = Upload.objects.create(collection=collection, user=user, origin=origin, url=url)
        enqueue_intake(upload)
    return upload


def read_intake(upload: Upload) -> tuple[list[Article], list[str]]:
    """In the worker: the articles of a stored upload, or of the page at its URL."""
    try:
        if upload.url and not upload.filename:
            return url_articles(upload.url)
        articles, errors = read_bytes(bytes(upload.data), upload.filename)
        if upload.url:  # an HTML page given with its address (the API's "html" with "url")
            articles = [a.replace(url=a.url or upload.url) for a in articles]
        return articles, errors
    except InputError as exc:
        return [], [str(exc)]


def text_article(text: str, *, title: str | None = None, url: str | None = None) -> Article:
    from slant.sources import article_from_text

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    if len(text.encode("utf-8")) > settings.SLANT_MAX_UPLOAD_BYTES:
        raise InputError("<text>", f"the text is over the limit of {settings.SLANT_MAX_UPLOAD_BYTES} bytes")
    return article_from_text(text, source="pasted text", url=url or None)


def html_articles(html: str, *, url: str | None = None) -> tuple[list[Article], list[str]]:
    articles, errors = read_bytes(html.encode("utf-8"), "page.html")
    if url:
        articles = [a.replace(url=a.url or url) for a in articles]
    return articles, errors


def url_articles(url: str, *, transport: object = None) -> tuple[list[Article], list[str]]:
    from slant.web.library.fetch import fetch

    body, suffix = fetch(
        url, max_bytes=settings.SLANT_MAX_UPLOAD_BYTES, timeout=settings.SLANT_FETCH_TIMEOUT,
        transport=transport,  # type: ignore[arg-type]
    )
    articles, errors = read_bytes(body, f"page{suffix}")
    articles = [a.replace(url=a.url or url, source=url) for a in articles]
    errors = [e.replace(f"page{suffix}", url, 1) for e in errors]
    return articles, errors


def store_article(article: Article) -> StoredArticle:
    row, _ = StoredArticle.objects.get_or_create(
        id=article.id,
        defaults={
            "text": article.text, "title": article.title, "url": article.url, "outlet": article.outlet,
            "author": article.author, "published": article.published, "language": article.language,
            "source": article.source,
        },
    )
    return row


def add_articles(collection: Collection, articles: Iterable[Article], *, user: object, origin: str) -> list[Entry]:
    """Store, link, index and queue each article; the same text is stored once."""
    from slant.web.accounts.quotas import check_quota
    from slant.web.jobs.runner import enqueue
    from slant.web.search.index import index_article

    articles = list(articles)
    check_quota(user, articles=len(articles), bytes=sum(len(a.text.encode("utf-8")) for a in articles), jobs=len(articles))
    entries = []
    for article in articles:
        with transaction.atomic():
            row = store_article(article)
            entry, _ = Entry.objects.get_or_create(
                collection=collection, article=row, defaults={"added_by": user, "origin": origin}
            )
            index_article(row)
        enqueue(row, owner=user)
        entries.append(entry)
    return entries
