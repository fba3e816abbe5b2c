"""Full-text search with the database's own engine.

SQLite: an FTS5 table ``search_fts`` (created by this app's migration), filled
by ``index_article`` when an article joins a collection. PostgreSQL: a
``SearchVector`` over title and text, computed by the database at query time.
Filters (outlet, dates, technique, entity) narrow the user's own articles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from django.db import connection

from slant.store.models import Article


def index_article(article: Article) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM search_fts WHERE article_id = %s", [article.pk])
        if cur.fetchone() is None:
            cur.execute(
                "INSERT INTO search_fts (article_id, title, body) VALUES (%s, %s, %s)",
                [article.pk, article.title or "", article.text],
            )


def unindex_articles(article_ids: list[str]) -> None:
    """Take deleted articles out of the index (PostgreSQL searches the rows themselves)."""
    if connection.vendor != "sqlite" or not article_ids:
        return
    with connection.cursor() as cur:
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i:i + 500]
            cur.execute(f"DELETE FROM search_fts WHERE article_id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def indexed_ids() -> set[str]:
    """Every article id in the index (for tests and checks: none may be left behind by a delete)."""
    if connection.vendor != "sqlite":
        return set()
    with connection.cursor() as cur:
        cur.execute("SELECT article_id FROM search_fts")
        return {row[0] for row in cur.fetchall()}


def _fts_query(text: str) -> str:
    # Each word becomes a quoted FTS5 string, so user input is never FTS syntax.
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    return " ".join(f'"{w}"' for w in words)


@dataclasses.dataclass
class Filters:
    q: str = ""
    outlet: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    technique: str = ""
    entity: str = ""
    # An outlet of the stories app by id (links from outlet profiles and attention charts): exact, and
    # unaffected by the names users give outlets or by an outlet known by its domain only.
    outlet_id: int | None = None


def _analysis_matches(data: dict[str, Any] | None, labels: set[str], f: Filters) -> bool:
    """``labels``: the techniques of the entry's persuasion spans as corrected in its collection."""
    if not f.technique and not f.entity:
        return True
    if data is None:
        return False
    layers = data.get("layers", {})
    if f.technique and f.technique not in labels:
        return False
    if f.entity:
        wanted = f.entity.casefold()
        text = data.get("article", {}).get("text", "")
        names = [e.get("name", "") for e in data.get("entities", [])]
        names += [text[s["start"]:s["end"]] for s in layers.get("entities", [])]
        if not any(wanted in n.casefold() for n in names):
            return False
    return True


def search(entries: Any, f: Filters, *, limit: int = 2000) -> list[Any]:
    """The entries (of the user's own, given as a queryset) that match the filters, best first.

    The technique filter reads the persuasion spans as corrected in each
    entry's collection: a rejected span no longer matches, a relabelled one
    matches its new technique, an added one matches.
    """
    qs = entries.select_related("article", "collection")
    if f.outlet:
        qs = qs.filter(article__outlet__icontains=f.outlet)
    if f.outlet_id is not None:
        qs = qs.filter(article__facts__outlet_id=f.outlet_id)
    if f.since:
        qs = qs.filter(article__published__gte=f.since)
    if f.until:
        qs = qs.filter(article__published__lte=f.until)
    if f.q.strip():
        if connection.vendor == "sqlite":
            query = _fts_query(f.q)
            if not query:
                return []
            with connection.cursor() as cur:
                cur.execute("SELECT article_id FROM search_fts WHERE search_fts MATCH %s ORDER BY rank LIMIT 2000", [query])
                ranked = [row[0] for row in cur.fetchall()]
            order = {aid: i for i, aid in enumerate(ranked)}
            found = sorted(qs.filter(article_id__in=ranked), key=lambda e: (order[e.article_id], e.pk))
        else:
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector("article__title", weight="A") + SearchVector("article__text", weight="B")
            query = SearchQuery(f.q, search_type="plain")
            found = list(
                qs.annotate(rank=SearchRank(vector, query)).filter(rank__gt=0).order_by("-rank", "pk")[:2000]
            )
    else:
        found = list(qs.order_by("-added_at", "pk")[:2000])
    if f.technique or f.entity:
        from slant.web.reader.corrected import corrected_entries, kept

        found = [e for e, _, data, result in corrected_entries(found)
                 if _analysis_matches(data, {s["label"] for s in kept(result.spans)}, f)]
    seen: set[str] = set()
    unique = []
    for e in found:  # an article in two of the user's collections is listed once
        if e.article_id not in seen:
            seen.add(e.article_id)
            unique.append(e)
    return unique[:limit]
