"""The search page and its JSON twin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from slant.errors import InputError
from slant.techniques import TECHNIQUES
from slant.web import access
from slant.web.http import article_meta, json_response
from slant.web.library.paging import Page, cut, page_of
from slant.web.search.index import Filters, search


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> Filters:
    g = request.GET
    raw_outlet = g.get("outlet_id", "")
    return Filters(q=g.get("q", "")[:500], outlet=g.get("outlet", "")[:200], since=_date(g.get("since")),
                   until=_date(g.get("until")), technique=g.get("technique", "")[:80], entity=g.get("entity", "")[:200],
                   outlet_id=int(raw_outlet) if raw_outlet.isdigit() and len(raw_outlet) <= 18 else None)


def _results(request: HttpRequest, f: Filters) -> tuple[list[dict[str, Any]], Page]:
    """One page of results (``?page=N``); an InputError for a page past the end."""
    found = search(access.visible_entries(request.user), f) if any(
        [f.q.strip(), f.outlet, f.since, f.until, f.technique, f.entity, f.outlet_id]) else []
    page = page_of(request, len(found))
    return [
        {**article_meta(e.article), **({"title": e.title} if e.title else {}), "collection": e.collection_id,
         "collection_name": e.collection.name}
        for e in cut(found, page)
    ], page


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    try:
        results, page = _results(request, f)
    except InputError as exc:
        raise Http404(str(exc)) from None
    return render(request, "search/search.html", {"f": f, "results": results, "page": page, "query": _query_string(request),
                                                  "techniques": sorted(TECHNIQUES), "outlet_name": _outlet_name(request, f)})


def _outlet_name(request: HttpRequest, f: Filters) -> str | None:
    """The name the user gives the outlet of ``?outlet_id=`` (None unless they see an article of it)."""
    if f.outlet_id is None:
        return None
    from slant.store.aggregates.models import ArticleFacts
    from slant.store.aggregates.outlets import display_names
    from slant.store.aggregates.visible import only

    if not only(ArticleFacts.objects.filter(outlet_id=f.outlet_id), access.visible_entries(request.user).values("article_id")).exists():
        return None
    return display_names([f.outlet_id], request.user).get(f.outlet_id)


def search_json(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    f = _filters(request)
    try:
        results, page = _results(request, f)
    except InputError as exc:
        return json_response({"error": str(exc)}, 404)
    return json_response({"query": f.q, "results": results, **page.meta()})
