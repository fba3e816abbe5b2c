"""Deleting for real: an article leaves the store with the last collection
that holds it, with its analyses, jobs, corrections and search entry."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from slant.store.models import Article
from slant.web.library.models import Collection, Entry


@dataclass
class Deleted:
    entries: int = 0
    articles: int = 0


def delete_entries(entries) -> Deleted:  # type: ignore[no-untyped-def]
    """Remove these entries (a queryset) and every article no collection holds any more."""
    from slant.web.search.index import unindex_articles

    with transaction.atomic():
        article_ids = set(entries.values_list("article_id", flat=True))
        count = entries.count()
        entries.delete()  # their corrections go with them
        still = set(Entry.objects.filter(article_id__in=article_ids).values_list("article_id", flat=True))
        gone = sorted(article_ids - still)
        for i in range(0, len(gone), 500):
            Article.objects.filter(id__in=gone[i:i + 500]).delete()  # analyses and jobs go with them
        unindex_articles(gone)
    return Deleted(count, len(gone))


def delete_collection(collection: Collection) -> Deleted:
    """The collection, its members, uploads, entries and the articles only it held."""
    with transaction.atomic():
        done = delete_entries(collection.entries.all())
        collection.delete()
    return done
