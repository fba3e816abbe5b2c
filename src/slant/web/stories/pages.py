"""The HTML pages of stories, outlets and attention, over the same data functions as their JSON API.

Each page counts only the articles in the user's own and their teams'
collections (``views.visible_articles``: ``?collection=ID`` narrows to one);
anything with none of those is a 404, as for an id that does not exist. Every
figure links back to what it counts: a span opens the article's reading view
scrolled to it (``#range-START-END``), a count over many articles opens the
search with the matching filters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from slant.errors import InputError
from slant.store.aggregates import attention, compare, outlets, stories
from slant.techniques import TECHNIQUES, display_name
from slant.view import build, charts
from slant.view import html as vh
from slant.view.model import human_date, shorten
from slant.view.palette import css_class
from slant.web import access
from slant.web.stories import views
from slant.web.stories.views import _search, visible_articles


def _login_404(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Http404("no such page")


def _scope(request: HttpRequest) -> dict[str, Any]:
    """The collection filter to carry in links, and the collections to choose from."""
    raw = request.GET.get("collection", "")
    return {"collection": raw if raw.isdigit() else "",
            "collections": list(access.visible_collections(request.user).order_by("name").values("id", "name"))}


def _q(request: HttpRequest, **params: Any) -> str:
    """A query string with the page's collection filter kept."""
    raw = request.GET.get("collection", "")
    if raw.isdigit():
        params.setdefault("collection", raw)
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _search_link(**params: Any) -> str:
    return reverse("search") + "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


# -- stories ----------------------------------------------------------------


def story_list_page(request: HttpRequest) -> HttpResponse:
    _login_404(request)
    page, several, found = views.story_page(request)
    raw = request.GET.get("collection", "")
    return render(request, "stories/list.html", {
        "stories": found, "several": several, "page": page, **_scope(request),
        "query": urlencode({"collection": raw}) + "&" if raw.isdigit() else "",
        "api": reverse("api_stories") + _q(request, page=page.number if page.number > 1 else None),
    })


class _Linker:
    """Links from a story's figures to the reading view of each article, at the offsets they count."""

    def __init__(self, request: HttpRequest, article_ids: list[str]) -> None:
        from slant.store.models import Article

        entries = access.visible_entries(request.user).filter(article_id__in=article_ids).order_by("id")
        self.cid: dict[str, int] = {}
        for aid, cid in entries.values_list("article_id", "collection_id"):
            self.cid.setdefault(aid, cid)
        self.text = dict(Article.objects.filter(id__in=article_ids).values_list("id", "text"))

    def url(self, aid: str, start: int | None = None, end: int | None = None) -> str | None:
        if aid not in self.cid:
            return None
        base = reverse("article", kwargs={"cid": self.cid[aid], "aid": aid})
        return base + (f"#range-{start}-{end}" if start is not None and end is not None else "")

    def span(self, aid: str, start: int, end: int, width: int = 160) -> dict[str, Any]:
        text = self.text.get(aid, "")
        return {"url": self.url(aid, start, end), "text": shorten(text[start:end], width), "start": start, "end": end,
                "article": aid}


def _story_context(request: HttpRequest, view: Mapping[str, Any]) -> dict[str, Any]:
    comp = view["comparison"]
    members = view["members"]
    link = _Linker(request, [m["id"] for m in members])
    names = [o["name"] for o in comp["outlets"]]
    by_name = {o["name"]: o for o in comp["outlets"]}
    # Actors: every actor any outlet names, the outlets naming it first; per outlet named or left out, and the stance.
    actors: dict[str, dict[str, Any]] = {}
    for o in comp["outlets"]:
        for a in o["actors"]:
            row = actors.setdefault(a["key"], {"key": a["key"], "name": a["name"], "type": a["type"], "cells": {}, "named": 0})
            row["named"] += 1
            row["cells"][o["name"]] = {"mentions": a["mentions"]}
    for o in comp["outlets"]:
        for key, st in o["stance"].items():
            cell = actors.get(key, {}).get("cells", {}).get(o["name"])
            if cell is None:
                continue
            evidence = []
            for per in st["articles"]:
                for pair in per.get("evidence") or []:
                    if isinstance(pair, (list, tuple)) and len(pair) == 2:
                        evidence.append(link.span(per["article"], int(pair[0]), int(pair[1]), 220))
            scores = [p.get("score") for p in st["articles"] if isinstance(p.get("score"), (int, float))]
            cell["stance"] = {"label": st["label"], "score": sum(scores) / len(scores) if scores else None,
                              "articles": len(st["articles"]), "evidence": evidence[:4]}
    actor_rows = sorted(actors.values(), key=lambda r: (-r["named"], -sum(c["mentions"] for c in r["cells"].values()), r["name"]))
    for row in actor_rows:
        row["by_outlet"] = [{"outlet": n, "index": i, "cell": row["cells"].get(n)} for i, n in enumerate(names)]
    # Techniques per 1,000 words, each count with its spans.
    labels = sorted({t for o in comp["outlets"] for t in o["techniques"]},
                    key=lambda t: -sum(o["techniques"].get(t, {}).get("count", 0) for o in comp["outlets"]))
    technique_rows = []
    for label in labels:
        cells = []
        for n in names:
            t = by_name[n]["techniques"].get(label)
            cells.append(None if t is None else {"count": t["count"], "rate": t["rate_per_1000_words"],
                                                 "spans": [link.span(s["article"], s["start"], s["end"], 120) for s in t["spans"]]})
        technique_rows.append({"label": label, "name": display_name(label), "css": css_class(label),
                               "definition": TECHNIQUES.get(label, ""), "cells": cells})
    quotes = []
    for n in names:
        o = by_name[n]
        quotes.append({"outlet": n, **{kind: [{"name": r["name"], "count": r["count"],
                                                "quotes": [link.span(q["article"], q["start"], q["end"], 200) for q in r["quotes"]]}
                                               for r in o[kind]] for kind in ("speakers", "sources")}})
    timeline = []
    for slot in comp["timeline"]:
        timeline.append({"value": slot["value"], "when": human_date(str(slot["value"])),
                         "mentions": [{"outlet": m["outlet"], "index": names.index(m["outlet"]) if m["outlet"] in names else 0,
                                       **link.span(m["article"], m["start"], m["end"])} for m in slot["mentions"]]})
    only_here = [{"outlet": n, "sentences": [link.span(s["article"], s["start"], s["end"], 400) for s in by_name[n]["only_here"]]}
                 for n in names]
    # The articles themselves, drawn with the one reading model, side by side by outlet.
    from slant.store.models import Analysis

    analyses: dict[str, Any] = {}
    for aid, data in Analysis.objects.filter(article_id__in=[m["id"] for m in members]).order_by("created_at", "id").values_list("article_id", "data"):
        analyses[aid] = data
    columns = []
    for i, n in enumerate(names):
        arts = []
        for m in members:
            if m["outlet"] == n and m["id"] in analyses:
                model = build(analyses[m["id"]])
                arts.append({**m, "url": link.url(m["id"]), "html": vh.text_html(model, f"r{m['id'][:8]}"),
                             "shown": len(model.shown)})
        columns.append({"outlet": n, "index": i, "articles": arts, "words": by_name[n]["words"]})
    return {"outlet_names": names, "actors": actor_rows, "techniques": technique_rows, "quotes": quotes,
            "timeline": timeline, "only_here": only_here, "columns": columns,
            "shared": comp["shared_actors"], "words": [by_name[n]["words"] for n in names]}


def story_page(request: HttpRequest, sid: int) -> HttpResponse:
    _login_404(request)
    view = compare.story_view(sid, articles=visible_articles(request), user=request.user)
    if view is None:
        raise Http404("no such story")
    return render(request, "stories/story.html", {
        "story": view, **_story_context(request, view), **_scope(request),
        "api": reverse("api_story", kwargs={"sid": sid}) + _q(request),
    })


# -- outlets ----------------------------------------------------------------


def outlet_list_page(request: HttpRequest) -> HttpResponse:
    _login_404(request)
    found = outlets.list_outlets(articles=visible_articles(request), user=request.user)
    return render(request, "stories/outlets.html", {"outlets": found, **_scope(request),
                                                     "api": reverse("api_outlets") + _q(request)})


def _interval(request: HttpRequest) -> str:
    value = request.GET.get("interval", "month")
    return value if value in ("day", "week", "month") else "month"


def _profile_context(prof: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    # Links name the outlet by its id: the name shown may be the user's own, or a domain no article's
    # outlet field holds, and neither would match the search's outlet words.
    oid = prof["id"]
    over = charts.over_time_spec(prof["over_time"], prof["interval"],
                                 lambda since, until: _search_link(outlet_id=oid, since=since, until=until))
    rows = [{**t, "name": display_name(t["technique"]), "css": css_class(t["technique"]),
             "url": _search_link(outlet_id=oid, technique=t["technique"])} for t in prof["techniques"]]
    rates = charts.technique_rates_spec(rows, lambda label: _search_link(outlet_id=oid, technique=label))
    actors = [{**a, "url": _search_link(outlet_id=oid, entity=a["name"]),
               "stance_rows": [(k, a["stance"].get(k, 0)) for k in ("negative", "neutral", "positive")],
               "stance_total": sum(a["stance"].values())} for a in prof["actors"]]
    return {"p": prof, "prefix": prefix, "techniques": rows, "actors": actors,
            "attention": reverse("attention") + "?" + urlencode({"outlets": oid, "interval": "week"}),
            "over_spec": over, "rates_spec": rates, "over_id": f"{prefix}-over", "rates_id": f"{prefix}-rates"}


def outlet_page(request: HttpRequest, oid: int) -> HttpResponse:
    _login_404(request)
    interval = _interval(request)
    prof = outlets.profile(oid, articles=visible_articles(request), user=request.user, interval=interval)
    if prof is None:
        raise Http404("no such outlet")
    others = [o for o in outlets.list_outlets(articles=visible_articles(request), user=request.user) if o["id"] != oid]
    return render(request, "stories/outlet.html", {
        "one": _profile_context(prof, "o"), "others": others, "interval": interval, **_scope(request),
        "api": reverse("api_outlet", kwargs={"oid": oid}) + _q(request, interval=interval),
    })


def outlet_compare_page(request: HttpRequest) -> HttpResponse:
    _login_404(request)
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a.isdigit() and b.isdigit() and len(a) <= 18 and len(b) <= 18):
        raise Http404("give two outlets")
    interval = _interval(request)
    found = outlets.side_by_side(int(a), int(b), articles=visible_articles(request), user=request.user, interval=interval)
    if found is None:
        raise Http404("no such outlet")
    shared = [{**s, "a_rows": [(k, s["a"]["stance"].get(k, 0)) for k in ("negative", "neutral", "positive")],
               "b_rows": [(k, s["b"]["stance"].get(k, 0)) for k in ("negative", "neutral", "positive")]}
              for s in found["shared_actors"]]
    return render(request, "stories/compare.html", {
        "pair": [_profile_context(found["a"], "a"), _profile_context(found["b"], "b")], "shared": shared,
        "interval": interval, **_scope(request),
        "api": reverse("api_outlets_compare") + _q(request, a=a, b=b, interval=interval),
    })


# -- attention --------------------------------------------------------------


def _form_query(request: HttpRequest) -> None:
    """The attention form's query as the API reads it: the form sends its empty fields too (the API
    reads only the ones given), and its outlet checkboxes (outlet=1&outlet=2) become ``outlets=1,2``."""
    query = request.GET.copy()
    for key in [k for k in query if k != "outlet" and not query.get(k, "").strip()]:
        query.pop(key)
    if query.getlist("outlet"):
        query["outlets"] = ",".join(x for x in query.getlist("outlet") if x.isdigit())
    query.pop("outlet", None)
    request.GET = query


def attention_page_json(request: HttpRequest) -> HttpResponse:
    """The attention page's JSON twin: the page's query (form fields as sent), the API's answer."""
    _form_query(request)
    return views.attention_json(request)


def attention_page(request: HttpRequest) -> HttpResponse:
    _login_404(request)
    _form_query(request)
    error = None
    result = None
    search = None
    asked = any(request.GET.get(k) for k in ("q", "entity", "technique", "outlets", "since", "until"))
    try:
        search = _search(request)
        if asked:
            result = attention.series(search, articles=visible_articles(request), user=request.user)
    except InputError as exc:
        error = str(exc)
    spec = None
    if result and result["series"]:
        s = search

        def link(row: Mapping[str, Any], since: str, until: str) -> str:
            return _search_link(q=s.q, entity=s.entity, technique=s.technique,
                                outlet_id=row.get("outlet_id"), since=since, until=until)

        spec = charts.attention_spec(result["series"], result["interval"], link)
    query = {k: request.GET.get(k, "") for k in ("q", "entity", "technique", "outlets", "interval", "since", "until", "collection")}
    return render(request, "stories/attention.html", {
        "result": result, "spec": spec, "error": error, "f": query, "asked": asked,
        "techniques": [(t, display_name(t)) for t in sorted(TECHNIQUES)],
        "outlets": outlets.list_outlets(articles=visible_articles(request), user=request.user),
        "chosen": {x for x in query["outlets"].split(",") if x.strip().isdigit()},
        "csv": reverse("api_attention_csv") + "?" + urlencode({k: v for k, v in query.items() if v}),
        "api": reverse("api_attention") + "?" + urlencode({k: v for k, v in query.items() if v}),
        "today": dt.date.today().isoformat(), **_scope(request),
    })
