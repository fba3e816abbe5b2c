"""The JSON API of stories, outlets and attention (issue 13), with the API's auth (``api.views.api_view``).

What a user sees is computed over their own and their teams' collections only: a story, an outlet or
a chart counts the articles in collections the user belongs to, and anything with none of those is a
404, exactly like an id that does not exist. ``?collection=ID`` narrows to one collection (404 if the
user is not a member).

Changes: a merge or split needs the editor role on collections that hold every article of the stories
involved (a story may hold articles of other teams, and one team must not rearrange another's); an
outlet's new name is the user's own (``OutletName`` per user) and changes nothing for anyone else.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from slant.errors import InputError
from slant.store.aggregates import attention, compare, outlets, stories
from slant.store.aggregates.visible import only
from slant.web import access
from slant.web.api.views import api_view
from slant.web.http import json_response
from slant.web.library.models import Entry, Role
from slant.web.library.paging import Page, page_size


def visible_articles(request: HttpRequest) -> Any:
    """The article ids the user may count: ``?collection=ID``'s, else all their collections'."""
    raw = request.GET.get("collection")
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise Http404("no such collection")
        member = access.membership(request.user, int(raw))
        return Entry.objects.filter(collection=member.collection).values("article_id")
    # The user's collection ids first (a short list): each access check is then one probe of the entries'
    # (collection, article) index, not a join through collections and memberships for every counted row.
    ids = list(access.visible_collections(request.user).values_list("id", flat=True))
    return Entry.objects.filter(collection_id__in=ids).values("article_id")


def _bad(message: str) -> HttpResponse:
    return json_response({"error": message}, 400)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict):
        raise InputError("body", "send a JSON object")
    return data


def _date(request: HttpRequest, name: str) -> dt.date | None:
    if name not in request.GET:
        return None
    raw = request.GET[name]
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InputError(name, "must be a date like 2024-03-01") from None


def story_page(request: HttpRequest, min_size: int = 1) -> tuple[Page, int, list[dict[str, Any]]]:
    """``?page=N`` of the stories the user may see, newest first, counted and cut in the database:
    ``(page, how many tell it through more than one outlet, the page's stories)``. Past the end is a 404."""
    size = page_size()
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise Http404(f"page={raw[:20]}: pages are numbered from 1")
    number = int(raw)
    totals, found = stories.stories_page(articles=visible_articles(request), user=request.user, min_size=min_size,
                                         offset=(number - 1) * size, size=size)
    pages = max(1, -(-totals["count"] // size))
    if number > pages:
        raise Http404(f"page={number}: there are {pages} page(s) of {size}")
    return Page(number, pages, totals["count"], size), totals["several"], found


@api_view("GET")
def story_list(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("min_size", "1")
    if not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        return _bad("min_size must be a whole number of at least 1")
    page, several, found = story_page(request, int(raw))
    return json_response({"stories": found, "several_outlets": several, **page.meta()})


@api_view("GET")
def story(request: HttpRequest, sid: int) -> HttpResponse:
    view = compare.story_view(sid, articles=visible_articles(request), user=request.user)
    if view is None:
        raise Http404("no such story")
    return json_response(view)


def _check_editable(request: HttpRequest, story_ids: list[int]) -> None:
    """404 unless the user sees each story; 403 unless they may edit every article in them."""
    from slant.store.aggregates.models import ArticleFacts

    seen = visible_articles(request)
    for sid in story_ids:
        if not only(ArticleFacts.objects.filter(story_id=sid), seen).exists():
            raise Http404("no such story")
    members = set(ArticleFacts.objects.filter(story_id__in=story_ids).values_list("article_id", flat=True))
    editable = set(Entry.objects.filter(
        article_id__in=members, collection__memberships__user=request.user,
        collection__memberships__role__in=[Role.EDITOR, Role.OWNER]).values_list("article_id", flat=True))
    if members - editable:
        raise PermissionDenied("this needs the editor role on collections holding every article of the stories")


@api_view("POST")
def story_merge(request: HttpRequest, sid: int) -> HttpResponse:
    try:
        data = _body(request)
        others = data.get("stories")
        if not isinstance(others, list) or not all(
                isinstance(x, int) and not isinstance(x, bool) and 0 < x < 10**18 for x in others):
            raise InputError("stories", "send {\"stories\": [ids to merge into this one]}")
        _check_editable(request, [sid, *others])
        return json_response(stories.merge(sid, others, user=request.user))
    except InputError as exc:
        return _bad(str(exc))


@api_view("POST")
def story_split(request: HttpRequest, sid: int) -> HttpResponse:
    try:
        data = _body(request)
        wanted = data.get("articles")
        if not isinstance(wanted, list) or not all(isinstance(x, str) and len(x) <= 64 for x in wanted):
            raise InputError("articles", "send {\"articles\": [article ids to move to a new story]}")
        _check_editable(request, [sid])
        return json_response(stories.split(sid, wanted, user=request.user), 201)
    except InputError as exc:
        return _bad(str(exc))


@api_view("GET")
def outlet_list(request: HttpRequest) -> HttpResponse:
    return json_response({"outlets": outlets.list_outlets(articles=visible_articles(request), user=request.user)})


def _interval(request: HttpRequest, default: str) -> str:
    value = request.GET.get("interval", default)
    if value not in ("day", "week", "month"):
        raise InputError("interval", "must be day, week or month")
    return value


@api_view("GET")
def outlet(request: HttpRequest, oid: int) -> HttpResponse:
    try:
        found = outlets.profile(oid, articles=visible_articles(request), user=request.user,
                                interval=_interval(request, "month"))
    except InputError as exc:
        return _bad(str(exc))
    if found is None:
        raise Http404("no such outlet")
    return json_response(found)


@api_view("POST")
def outlet_name(request: HttpRequest, oid: int) -> HttpResponse:
    from slant.store.aggregates.models import ArticleFacts

    if not only(ArticleFacts.objects.filter(outlet_id=oid), visible_articles(request)).exists():
        raise Http404("no such outlet")
    try:
        name = _body(request).get("name")
        if not isinstance(name, str):
            raise InputError("name", "send {\"name\": \"...\"} (an empty name restores the name as read)")
        return json_response({"id": oid, "name": outlets.rename(oid, name, request.user)})
    except InputError as exc:
        return _bad(str(exc))


@api_view("GET")
def outlet_compare(request: HttpRequest) -> HttpResponse:
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a.isdigit() and b.isdigit() and len(a) <= 18 and len(b) <= 18):
        return _bad("give two outlet ids: ?a=1&b=2")
    try:
        found = outlets.side_by_side(int(a), int(b), articles=visible_articles(request), user=request.user,
                                     interval=_interval(request, "month"))
    except InputError as exc:
        return _bad(str(exc))
    if found is None:
        raise Http404("no such outlet")
    return json_response(found)


def _search(request: HttpRequest) -> attention.Search:
    raw = [x for x in request.GET.get("outlets", "").split(",") if x.strip()]
    if not all(x.strip().isdigit() and len(x.strip()) <= 18 for x in raw):
        raise InputError("outlets", "give outlet ids separated by commas")
    interval = request.GET.get("interval", "day")
    if interval not in ("day", "week"):
        raise InputError("interval", "must be day or week")
    return attention.Search(q=request.GET.get("q", "")[:200], entity=request.GET.get("entity", "")[:200],
                            technique=request.GET.get("technique", "")[:100],
                            outlets=tuple(int(x) for x in raw), interval=interval,
                            since=_date(request, "since"), until=_date(request, "until"))


@api_view("GET")
def attention_json(request: HttpRequest) -> HttpResponse:
    try:
        return json_response(attention.series(_search(request), articles=visible_articles(request), user=request.user))
    except InputError as exc:
        return _bad(str(exc))


@api_view("GET")
def attention_csv(request: HttpRequest) -> HttpResponse:
    try:
        result = attention.series(_search(request), articles=visible_articles(request), user=request.user)
    except InputError as exc:
        return _bad(str(exc))
    response = HttpResponse(attention.to_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="attention.csv"'
    return response
