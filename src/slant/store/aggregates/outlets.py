"""Outlets: one normalised name per news outlet, editable, and each outlet's profile.

Normalisation (``outlet_key``), in order:

1. the page's site name (``article.outlet``) when there is one: whitespace
   collapsed, and the key is its casefolded form, so "The Guardian" and
   "the guardian " are one outlet;
2. else the address's host, lower-cased, without a port, a trailing dot, and
   without the leading labels ``www``, ``www2``, ``m``, ``mobile``, ``amp``,
   ``edition``, ``beta`` and ``news`` (so ``edition.cnn.com`` and
   ``www.cnn.com`` are ``cnn.com``); the host is then cut to its registrable
   part: the last two labels, or the last three when the second-last is a
   generic second-level label under a country code (``co.uk``, ``com.au``,
   ``org.nz``, ...), so ``news.bbc.co.uk`` and ``www.bbc.co.uk`` are
   ``bbc.co.uk``;
3. else no outlet.

A site name and a domain of the same outlet stay two outlets until a user
renames one: the names users give (``OutletName``, per user, or for everyone
from the CLI) replace the name shown, never the key.
"""

from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import urlsplit

_DROP_LABELS = {"www", "www1", "www2", "www3", "m", "mobile", "amp", "edition", "beta", "news"}
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "go", "gv", "nic"}


def domain_of(url: str | None) -> str | None:
    """The registrable domain of ``url`` by the rules above, or None."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    labels = [x for x in host.lower().rstrip(".").split(".") if x]
    if len(labels) < 2 or all(x.isdigit() for x in labels):
        return ".".join(labels) or None
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    while len(labels) > keep and labels[0] in _DROP_LABELS:
        labels = labels[1:]
    return ".".join(labels[-keep:])


def outlet_name(site_name: str | None, url: str | None) -> str | None:
    """The outlet's name as read: the site name, else the domain."""
    if site_name and site_name.strip():
        return re.sub(r"\s+", " ", site_name).strip()[:200]
    return domain_of(url)


def outlet_key(site_name: str | None, url: str | None) -> str | None:
    name = outlet_name(site_name, url)
    return name.casefold()[:200] if name else None


def outlet_for(site_name: str | None, url: str | None, *, using: str = "default") -> Any:
    """The ``Outlet`` row for an article's site name and url (created once), or None."""
    from django.db import IntegrityError, transaction

    from .models import Outlet

    name = outlet_name(site_name, url)
    if not name:
        return None
    key = name.casefold()[:200]
    found = Outlet.objects.using(using).filter(key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic(using=using):
            return Outlet.objects.using(using).create(key=key, name=name)
    except IntegrityError:  # another process created it first
        return Outlet.objects.using(using).get(key=key)


def display_names(outlet_ids: Iterable[int], user: Any = None, *, using: str = "default") -> dict[int, str]:
    """Outlet id -> the name to show ``user``: their own override, else everyone's, else the name as read."""
    from django.db.models import Q

    from .models import Outlet, OutletName

    ids = list(set(outlet_ids))
    names = dict(Outlet.objects.using(using).filter(id__in=ids).values_list("id", "name"))
    cond = Q(user__isnull=True)
    if user is not None and getattr(user, "pk", None) is not None:
        cond |= Q(user=user)
    # User-specific rows sort after the shared ones, so they win.
    for oid, uid, name in OutletName.objects.using(using).filter(cond, outlet_id__in=ids).order_by("user_id").values_list("outlet_id", "user_id", "name"):
        if uid is None and names.get(oid) is not None:
            names[oid] = name
    for oid, uid, name in OutletName.objects.using(using).filter(cond, outlet_id__in=ids).values_list("outlet_id", "user_id", "name"):
        if uid is not None:
            names[oid] = name
    return names


def rename(outlet_id: int, name: str, user: Any = None, *, using: str = "default") -> str:
    """Set ``user``'s name for an outlet (None: everyone's); an empty name removes the override."""
    from slant.errors import InputError

    from .models import Outlet, OutletName

    if not Outlet.objects.using(using).filter(id=outlet_id).exists():
        raise InputError(f"outlet {outlet_id}", "no such outlet")
    name = re.sub(r"\s+", " ", name or "").strip()
    if len(name) > 200:
        raise InputError("name", "at most 200 characters")
    owner = user if user is not None and getattr(user, "pk", None) is not None else None
    rows = OutletName.objects.using(using).filter(outlet_id=outlet_id, user=owner)
    if not name:
        rows.delete()
    else:
        updated = rows.update(name=name)
        if not updated:
            OutletName.objects.using(using).create(outlet_id=outlet_id, user=owner, name=name)
    return display_names([outlet_id], user, using=using)[outlet_id]


# ---------------------------------------------------------------------------
# Profiles: every figure a GROUP BY over the fact tables, within the articles the caller may see.


def _facts(articles: Any, using: str) -> Any:
    from .models import ArticleFacts

    from .visible import only

    return only(ArticleFacts.objects.using(using), articles)


def list_outlets(*, articles: Any = None, user: Any = None, using: str = "default") -> list[dict[str, Any]]:
    """Outlets with at least one visible article: ``{"id", "name", "key", "articles"}``, most articles first."""
    from django.db.models import Count

    rows = list(_facts(articles, using).filter(outlet__isnull=False).values("outlet_id", "outlet__key")
                .annotate(n=Count("article_id")).order_by("-n", "outlet_id"))
    names = display_names([r["outlet_id"] for r in rows], user, using=using)
    return [{"id": r["outlet_id"], "name": names[r["outlet_id"]], "key": r["outlet__key"], "articles": r["n"]} for r in rows]


# Up to this many article ids travel as a list of parameters (SQLite allows 32,766 per statement).
_ID_LIST = 10_000


def profile(outlet_id: int, *, articles: Any = None, user: Any = None, using: str = "default",
            interval: str = "month", top: int = 20) -> dict[str, Any] | None:
    """One outlet's profile over the visible articles, or None when it has none.

    ``{"id", "name", "key", "articles", "words", "over_time": [{"period", "articles"}],
    "techniques": [{"technique", "count", "rate_per_1000_words"}], "actors": [{"key", "name", "articles",
    "mentions", "stance": {"negative": n, "neutral": n, "positive": n}}], "speakers": [...], "sources": [...]}``
    """
    from django.db.models import Count, Max, Q, Sum

    from slant.stance.labels import LABELS as STANCE_LABELS

    from .models import ArticleActor, ArticleFacts, ArticleQuoteSource, ArticleTechnique

    mine = _facts(articles, using).filter(outlet_id=outlet_id)
    # The outlet's visible articles, found once (the access check runs here only): the queries below
    # probe their rows by article id. Beyond _ID_LIST ids, they nest the query instead.
    found = list(mine.values_list("article_id", flat=True))
    if not found:
        return None
    ids: Any = found if len(found) <= _ID_LIST else mine.values("article_id")
    # Articles and words per period in one GROUP BY (undated articles: a period of None, words only).
    over_time, words = [], 0
    for r in (ArticleFacts.objects.using(using).filter(article_id__in=ids).annotate(period=_period(interval, using))
              .values("period").annotate(n=Count("article_id"), words=Sum("words")).order_by("period")):
        words += r["words"] or 0
        if r["period"] is not None:
            over_time.append({"period": period_text(r["period"]), "articles": r["n"]})
    techniques = [{"technique": r["technique"], "count": r["n"],
                   "rate_per_1000_words": round(1000.0 * r["n"] / words, 3) if words else 0.0}
                  for r in ArticleTechnique.objects.using(using).filter(article_id__in=ids).values("technique")
                  .annotate(n=Sum("count")).order_by("-n", "technique")]
    # An article has one row per actor key, so a key's articles are its rows; the stance counts come in
    # the same GROUP BY (a second query by key chose the (key, article) index: 20 x N probes, 60 ms at 100k).
    per_label = {f"stance_{label}": Count("id", filter=Q(stance=label)) for label in STANCE_LABELS}
    actor_rows = [{"key": r["key"], "name": r["name"], "articles": r["n"], "mentions": r["mentions"],
                   "stance": {label: r[f"stance_{label}"] for label in STANCE_LABELS if r[f"stance_{label}"]}}
                  for r in (ArticleActor.objects.using(using).filter(article_id__in=ids).values("key")
                            .annotate(n=Count("id"), mentions=Sum("mentions"), name=Max("name"), **per_label)
                            .order_by("-n", "-mentions", "key")[:top])]
    quoted = {"speaker": [], "source": []}  # type: dict[str, list[dict[str, Any]]]
    for r in (ArticleQuoteSource.objects.using(using).filter(article_id__in=ids).values("kind", "key")
              .annotate(n=Sum("count"), articles=Count("article_id", distinct=True), name=Max("name"))
              .order_by("kind", "-n", "key")):
        if len(quoted.setdefault(r["kind"], [])) < top:
            quoted[r["kind"]].append({"key": r["key"], "name": r["name"], "quotes": r["n"], "articles": r["articles"]})
    from .models import Outlet

    o = Outlet.objects.using(using).get(id=outlet_id)
    return {
        "id": outlet_id, "name": display_names([outlet_id], user, using=using)[outlet_id], "key": o.key,
        "articles": len(found), "words": words, "interval": interval, "over_time": over_time,
        "techniques": techniques, "actors": actor_rows,
        "speakers": quoted["speaker"], "sources": quoted["source"],
    }


def side_by_side(a: int, b: int, **kwargs: Any) -> dict[str, Any] | None:
    """Two profiles and the actors both cover, with each one's stance counts; None if either is not visible."""
    pa, pb = profile(a, **kwargs), profile(b, **kwargs)
    if pa is None or pb is None:
        return None
    actors_b = {x["key"]: x for x in pb["actors"]}
    shared = [{"key": x["key"], "name": x["name"], "a": {"articles": x["articles"], "stance": x["stance"]},
               "b": {"articles": actors_b[x["key"]]["articles"], "stance": actors_b[x["key"]]["stance"]}}
              for x in pa["actors"] if x["key"] in actors_b]
    return {"a": pa, "b": pb, "shared_actors": shared}


def _period(interval: str, using: str = "default") -> Any:
    """The start of the day, week (Monday) or month of ``published``, as an expression the database computes
    (read it with ``period_text``).

    ``published`` is a date, so a day is the date itself. On SQLite, Django's ``TruncWeek`` and
    ``TruncMonth`` call a Python function for every row counted (a third of a word search's time at
    10,000 matches); SQLite's own ``date`` and ``strftime`` do it in C, and their text is kept as text
    (no date parsed per row only to be written out again). PostgreSQL's ``date_trunc`` is native; its
    result is written out as text by the database as well.
    """
    from django.db import connections
    from django.db.models import CharField, DateField, F, Func, Value
    from django.db.models.functions import TruncMonth, TruncWeek

    from slant.errors import InputError

    if interval not in ("day", "week", "month"):
        raise InputError("interval", "must be day, week or month")
    if connections[using].vendor == "sqlite":
        if interval == "day":
            return Func(F("published"), function="date", output_field=CharField())
        if interval == "week":  # the Sunday on or after the date, less six days: the Monday on or before it
            return Func(F("published"), Value("weekday 0"), Value("-6 days"), function="date", output_field=CharField())
        return Func(Value("%Y-%m-01"), F("published"), function="strftime", output_field=CharField())
    if connections[using].vendor == "postgresql":  # text too: a timestamptz parsed per row cost 40 ms at 15,000 rows
        unit = {"day": "day", "week": "week", "month": "month"}[interval]
        return Func(F("published"), template=f"to_char(date_trunc('{unit}', %(expressions)s), 'YYYY-MM-DD')",
                    output_field=CharField())
    if interval == "day":
        return F("published")
    return (TruncWeek if interval == "week" else TruncMonth)("published", output_field=DateField())


def period_text(value: Any) -> str | None:
    """A ``_period`` value as ``YYYY-MM-DD`` (SQLite gives text, PostgreSQL a date)."""
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()[:10]
