"""Narrowing a query of the fact tables to the articles a caller may see.

Every reader of the aggregates takes ``articles``: None (the whole store), a list of article ids, or a
queryset whose one selected column is an article id (the web passes the entries of the user's
collections). A queryset becomes a correlated ``EXISTS``, not an ``IN (subquery)``: with 100,000
visible articles, ``IN`` made SQLite build a temporary index of all of them on every request (and
again for each nested use), while ``EXISTS`` is one index probe per counted row (``entry.article_id``,
then the membership), so the cost follows the rows counted, not the size of the collections.
PostgreSQL plans both as a semi-join and picks the order itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet


def only(qs: QuerySet, articles: Any, field: str = "article_id") -> QuerySet:
    """``qs`` restricted to rows whose ``field`` (an article id) is among ``articles``."""
    if articles is None:
        return qs
    if isinstance(articles, QuerySet):
        selected = articles.query.values_select
        if len(selected) != 1:
            raise ValueError("articles: a queryset of one column of article ids (.values('article_id'))")
        return qs.filter(Exists(articles.filter(**{selected[0]: OuterRef(field)})))
    return qs.filter(**{f"{field}__in": list(articles)})
