"""Vega-Lite specs for the charts of the web pages (drawn by ``static/slant/charts.js`` with the bundled Vega).

Specs are plain dicts built here from the aggregates' rows, so the server
decides what a chart shows and every point links (the ``href`` channel) to
the articles it counts. The technique colours come from the one palette.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping, Sequence

from .palette import colour

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
_FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
_CONFIG = {"font": _FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#edf2f7"},
           "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "columns": 3}}


def period_end(period: str, interval: str) -> str:
    """The last day of the period starting on ``period`` (ISO dates): the same day, six days on, or the month's end."""
    start = dt.date.fromisoformat(period[:10])
    if interval == "week":
        return (start + dt.timedelta(days=6)).isoformat()
    if interval == "month":
        nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return (nxt - dt.timedelta(days=1)).isoformat()
    return start.isoformat()


def all_periods(periods: Sequence[str], interval: str, limit: int = 2000) -> list[str]:
    """Every day (or week start) from the first of ``periods`` to the last, at most ``limit`` of them (then only those given)."""
    days = sorted({dt.date.fromisoformat(p[:10]) for p in periods})
    if not days:
        return []
    step = dt.timedelta(days=7 if interval == "week" else 1)
    if (days[-1] - days[0]) // step >= limit or interval not in ("day", "week"):
        return [d.isoformat() for d in days]
    out, day = [], days[0]
    while day <= days[-1]:
        out.append(day.isoformat())
        day += step
    return out


def attention_spec(series: Sequence[Mapping[str, Any]], interval: str,
                   link: Callable[[Mapping[str, Any], str, str], str], *, title: str = "") -> dict[str, Any]:
    """One line per outlet: matching articles per day or week. ``link(series_row, since, until)`` -> the URL
    of the articles a point counts."""
    values = []
    periods = all_periods([p["period"] for s in series for p in s["points"]], interval)
    for s in series:
        # A day without articles is a zero on the line, not a straight line to the next day that has some.
        counts = {p["period"][:10]: p["articles"] for p in s["points"]}
        for period in periods:
            values.append({"period": period, "articles": counts.get(period, 0), "outlet": s["outlet"],
                           "link": link(s, period, period_end(period, interval))})
    unit = "yearmonthdate"
    return {
        "$schema": SCHEMA, "title": title, "width": "container", "height": 320, "autosize": {"type": "fit", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "line", "point": {"size": 60, "filled": True, "cursor": "pointer"}, "interpolate": "linear"},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "timeUnit": unit, "title": f"{'Week starting' if interval == 'week' else 'Day'}"},
            "y": {"field": "articles", "type": "quantitative", "title": "Matching articles", "axis": {"tickMinStep": 1}},
            "color": {"field": "outlet", "type": "nominal", "title": "Outlet"},
            "href": {"field": "link"},
            "tooltip": [{"field": "outlet", "title": "Outlet"}, {"field": "period", "type": "temporal", "title": "From"},
                        {"field": "articles", "title": "Articles"}],
        },
        "config": _CONFIG,
    }


def over_time_spec(points: Sequence[Mapping[str, Any]], interval: str,
                   link: Callable[[str, str], str], *, title: str = "") -> dict[str, Any]:
    """Bars of articles per period (an outlet's output over time); each bar links to its articles."""
    values = [{"period": p["period"], "label": p["period"][:7] if interval == "month" else p["period"][:10],
               "articles": p["articles"], "link": link(p["period"], period_end(p["period"], interval))} for p in points]
    return {
        "$schema": SCHEMA, "title": title, "width": "container", "height": 220, "autosize": {"type": "fit", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "bar", "color": "#2b6cb0", "cursor": "pointer", "cornerRadiusTopLeft": 2, "cornerRadiusTopRight": 2, "width": 18},
        "encoding": {
            "x": {"field": "label", "type": "ordinal", "sort": None, "axis": {"labelAngle": 0},
                  "title": {"day": "Day", "week": "Week starting", "month": "Month"}.get(interval, "Period")},
            "y": {"field": "articles", "type": "quantitative", "title": "Articles", "axis": {"tickMinStep": 1}},
            "href": {"field": "link"},
            "tooltip": [{"field": "period", "title": "From"}, {"field": "articles", "title": "Articles"}],
        },
        "config": _CONFIG,
    }


def technique_rates_spec(rows: Sequence[Mapping[str, Any]], link: Callable[[str], str], *, title: str = "") -> dict[str, Any]:
    """Horizontal bars: spans per 1,000 words by technique, in the palette's colours; each bar links to its spans."""
    values = [{"technique": r["name"], "label": r["technique"], "rate": r["rate_per_1000_words"], "count": r["count"],
               "link": link(r["technique"])} for r in rows]
    labels = [r["technique"] for r in rows]
    return {
        "$schema": SCHEMA, "title": title, "width": "container", "height": {"step": 22}, "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "bar", "cursor": "pointer"},
        "encoding": {
            "y": {"field": "technique", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "rate", "type": "quantitative", "title": "Spans per 1,000 words"},
            "color": {"field": "label", "type": "nominal", "legend": None,
                      "scale": {"domain": labels, "range": [colour(t) for t in labels]}},
            "href": {"field": "link"},
            "tooltip": [{"field": "technique", "title": "Technique"}, {"field": "rate", "title": "Per 1,000 words"},
                        {"field": "count", "title": "Spans"}],
        },
        "config": _CONFIG,
    }
