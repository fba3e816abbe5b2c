"""The search page and its JSON twin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from slant.techniques import TECHNIQUES
from slant.web import access
from slant.web.http import article_meta, json_response
from slant.web.search.index import Filters, search


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> Filters:
    g = request.GET
    return Filters(q=g.get("q", "")[:500], outlet=g.get("outlet", "")[:200], since=_date(g.get("since")),
                   until=_date(g.get("until")), technique=g.get("technique", "")[:80], entity=g.get("entity", "")[:200])


def _results(request: HttpRequest, f: Filters) -> list[dict[str, Any]]:
    if not any([f.q.strip(), f.outlet, f.since, f.until, f.technique, f.entity]):
        return []
    return [
        {**article_meta(e.article), "collection": e.collection_id, "collection_name": e.collection.name}
        for e in search(access.visible_entries(request.user), f)
    ]


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    return render(request, "search/search.html", {"f": f, "results": _results(request, f), "techniques": sorted(TECHNIQUES)})


def search_json(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    f = _filters(request)
    return json_response({"query": f.q, "results": _results(request, f)})
