"""Attention over time: for a search, how many articles match per day or week, one series per outlet.

The search combines any of: a word or phrase (``q``, the database's full-text search: SQLite's FTS5
table of the web app's search, PostgreSQL's ``to_tsvector('english', text)`` with a GIN index), an
entity (an actor key: the merged name, case-insensitive), a technique (a persuasion label counted at
``facts.min_score()``), and outlet ids. Counting is one ``GROUP BY outlet, period`` in the database.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from typing import Any

from slant.errors import InputError

from .facts import name_key
from .visible import only


@dataclasses.dataclass
class Search:
    q: str = ""
    entity: str = ""
    technique: str = ""
    outlets: tuple[int, ...] = ()
    interval: str = "day"
    since: dt.date | None = None
    until: dt.date | None = None

    def describe(self) -> dict[str, Any]:
        return {"q": self.q, "entity": self.entity, "technique": self.technique, "outlets": list(self.outlets),
                "interval": self.interval, "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None}


def _word_matches(q: str, using: str) -> Any:
    """A subquery of the ids of articles whose text matches ``q`` (full-text), run inside the counting query.

    PostgreSQL: the stored ``text_search`` column (``to_tsvector('english', text)``, generated, migration
    0003) and its GIN index, so no matching text is read or parsed again. SQLite: the FTS5 table of the
    web app's search (the articles in collections), as a subquery: its ids never travel through Python.
    """
    from django.db import connections
    from django.db.models.expressions import RawSQL

    from slant.store.models import Article

    words = re.findall(r"\w+", q, flags=re.UNICODE)
    if not words:
        raise InputError("q", "give at least one word to search for")
    conn = connections[using]
    table = conn.ops.quote_name(Article._meta.db_table)
    if conn.vendor == "postgresql":
        return RawSQL(f"SELECT id FROM {table} WHERE text_search @@ plainto_tsquery('english'::regconfig, %s)",
                      [" ".join(words)])
    if conn.vendor == "sqlite" and "search_fts" in conn.introspection.table_names():
        match = " ".join(f'"{w}"' for w in words)
        if _fts_content_ids(conn):
            # The ids straight from FTS5's content table (rowid = the match's rowid, c0 = article_id): asking
            # the FTS table for its article_id column reads each match's whole row, text included (75 ms
            # of CPU, seconds from a cold disk, for 20,000 matches; 2-12 ms this way).
            return RawSQL("SELECT c.c0 FROM search_fts f JOIN search_fts_content c ON c.id = f.rowid "
                          "WHERE search_fts MATCH %s", [match])
        return RawSQL("SELECT article_id FROM search_fts WHERE search_fts MATCH %s", [match])
    qs = Article.objects.using(using)
    for w in words:
        qs = qs.filter(text__icontains=w)
    return qs.values("id")


def _fts_content_ids(conn: Any) -> bool:
    """Whether ``search_fts`` keeps its columns in FTS5's own content table, ``article_id`` first (c0)."""
    found = getattr(conn, "_slant_fts_content", None)
    if found is None:
        with conn.cursor() as cur:
            cur.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
            row = cur.fetchone()
            declared = (row[0] if row else "").replace(" ", "").lower()
            cur.execute("SELECT name FROM pragma_table_info('search_fts_content')")
            cols = [r[0] for r in cur.fetchall()]
        found = "fts5(article_idunindexed," in declared and "content=" not in declared and cols[:2] == ["id", "c0"]
        conn._slant_fts_content = found
    return bool(found)


def _without_seq_scans(qs: Any, using: str) -> list[Any]:
    """The rows of a word search; on PostgreSQL with sequential scans off for this one statement.

    For a common word the planner prefers reading every article's stored ``text_search`` to the GIN
    index: it does not count the de-TOASTing of each vector, which made that scan 5.7 s at 60,000
    articles where the index answers in 26 ms (EXPLAIN ANALYZE in BENCHMARKS.md, "Scale"). The setting
    is put back as it was once the rows are read, whatever transaction the caller holds.
    """
    from django.db import connections, transaction

    conn = connections[using]
    if conn.vendor != "postgresql":
        return list(qs)
    with transaction.atomic(using=using), conn.cursor() as cur:
        cur.execute("SELECT current_setting('enable_seqscan')")
        before = cur.fetchone()[0]
        cur.execute("SELECT set_config('enable_seqscan', 'off', true)")
        rows = list(qs)  # (an error rolls the block back, and the setting with it)
        cur.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
    return rows


def series(search: Search, *, articles: Any = None, user: Any = None, using: str = "default") -> dict[str, Any]:
    """``{"search", "interval", "total", "series": [{"outlet_id", "outlet", "points": [{"period", "articles"}]}]}``."""
    from django.db.models import Count

    from .models import ArticleActor, ArticleFacts, ArticleTechnique
    from .outlets import _period, display_names, period_text

    if search.interval not in ("day", "week"):
        raise InputError("interval", "must be day or week")
    qs = ArticleFacts.objects.using(using).filter(published__isnull=False)
    qs = only(qs, articles)
    if search.since:
        qs = qs.filter(published__gte=search.since)
    if search.until:
        qs = qs.filter(published__lte=search.until)
    if search.outlets:
        qs = qs.filter(outlet_id__in=list(search.outlets))
    if search.entity.strip():
        qs = qs.filter(article_id__in=ArticleActor.objects.using(using).filter(key=name_key(search.entity)).values("article_id"))
    if search.technique.strip():
        qs = qs.filter(article_id__in=ArticleTechnique.objects.using(using).filter(technique=search.technique.strip())
                       .values("article_id"))
    if search.q.strip():
        qs = qs.filter(article_id__in=_word_matches(search.q, using))
    counted = (qs.annotate(period=_period(search.interval, using)).values("outlet_id", "period")
               .annotate(n=Count("article_id")).order_by("outlet_id", "period").values_list("outlet_id", "period", "n"))
    rows = _without_seq_scans(counted, using) if search.q.strip() else list(counted)
    names = display_names({r[0] for r in rows if r[0] is not None}, user, using=using)
    by: dict[Any, list[dict[str, Any]]] = {}
    for oid, period, n in rows:
        by.setdefault(oid, []).append({"period": period_text(period), "articles": n})
    out = [{"outlet_id": oid, "outlet": names.get(oid, "(unknown outlet)") if oid is not None else "(unknown outlet)",
            "points": pts} for oid, pts in by.items()]
    out.sort(key=lambda s: (-sum(p["articles"] for p in s["points"]), s["outlet"]))
    return {"search": search.describe(), "interval": search.interval,
            "total": sum(r[2] for r in rows), "series": out}


def to_csv(result: dict[str, Any]) -> str:
    """``period,outlet_id,outlet,articles`` rows of a ``series`` result."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["period", "outlet_id", "outlet", "articles"])
    for s in result["series"]:
        for p in s["points"]:
            w.writerow([p["period"], "" if s["outlet_id"] is None else s["outlet_id"], _cell(s["outlet"]), p["articles"]])
    return buf.getvalue()


def _cell(text: str) -> str:
    """A name as a CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
