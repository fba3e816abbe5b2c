"""Writing analyses to the store: once per article text and pipeline, never twice.

``save`` is idempotent: an article is stored once per distinct text (its id is
the text's SHA-256) and an analysis once per (article, pipeline). Saving
something already there changes nothing: no row is updated, the first
metadata seen for a text stays. The article and its analysis are written in
one transaction, so a process killed between the two leaves neither, and a
rerun of the same batch finds exactly the analyses that were committed.

Call ``slant.store.setup()`` first; it returns the ``using`` alias.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from slant.doc import Doc


def save(doc: Doc, pipeline: str, *, using: str = "default") -> bool:
    """Store ``doc``'s article and analysis; True if the analysis is new."""
    return save_many([doc], pipeline, using=using) == 1


def save_many(docs: Sequence[Doc], pipeline: str, *, using: str = "default") -> int:
    """Store several docs in one transaction; returns how many analyses this call inserted.

    Insert-if-absent: a row another process inserted first (even one that
    commits while this transaction waits) is left alone and not counted.
    """
    from django.db import transaction

    from .models import Analysis, Article

    created = 0
    with transaction.atomic(using=using):
        for doc in docs:
            art = doc.article
            row, _ = Article.objects.using(using).get_or_create(
                id=art.id,
                defaults={
                    "text": art.text,
                    "title": art.title,
                    "url": art.url,
                    "outlet": art.outlet,
                    "author": art.author,
                    "published": art.published,
                    "language": art.language,
                    "source": storable(art.source),
                },
            )
            _, made = Analysis.objects.using(using).get_or_create(
                article=row, pipeline=pipeline, defaults={"data": doc.to_dict()}
            )
            created += made
    from .aggregates.stories import on_saved  # issue 13: the new articles join stories (never fails the save)

    on_saved(docs, using=using)
    return created


def storable(text: str | None) -> str | None:
    """``text`` as a database holds it: undecodable bytes of a file name as ``\\xNN``, NUL as ``\\x00``.

    Paths from the file system carry bytes that are not UTF-8 as lone
    surrogates (``os.fsdecode``), which neither SQLite nor PostgreSQL accepts,
    and PostgreSQL refuses NUL in text.
    """
    if text is None:
        return None
    try:
        raw = text.encode("utf-8", "surrogateescape")  # a file name's own bytes back
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def is_done(article_id: str, pipeline: str, *, using: str = "default") -> bool:
    """Whether ``article_id`` already has an analysis by ``pipeline``."""
    from .models import Analysis

    return Analysis.objects.using(using).filter(article_id=article_id, pipeline=pipeline).exists()


def done_ids(article_ids: Iterable[str], pipeline: str, *, using: str = "default") -> set[str]:
    """The subset of ``article_ids`` already analysed by ``pipeline`` (one query per 500)."""
    from .models import Analysis

    ids = list(dict.fromkeys(article_ids))
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(
            Analysis.objects.using(using)
            .filter(pipeline=pipeline, article_id__in=chunk)
            .values_list("article_id", flat=True)
        )
    return found


def counts(*, using: str = "default") -> dict[str, int]:
    """Row counts: articles and analyses."""
    from .models import Analysis, Article

    return {
        "articles": Article.objects.using(using).count(),
        "analyses": Analysis.objects.using(using).count(),
    }
