"""``dates``: time expressions resolved to ISO 8601 at the precision given.

Each span of layer ``dates`` covers one expression ("June 29, 2022", "last
month", "on Tuesday", "not long ago"), with attributes:

* ``value``: ISO 8601 at the precision the text gives (``2022``,
  ``2022-06``, ``2022-06-29``; ``2022-W25`` for a week; ``1990/1999`` for a
  decade), or null when it cannot be known;
* ``precision``: ``year``, ``month``, ``week``, ``day``, ``decade`` or ``vague``;
* ``relative``: the expression as written when it is relative to the
  publication date ("last month"); relative expressions are resolved against
  ``article.published``, and get ``value: null`` when there is none, never a
  guess from today's date;
* ``sentence_start``/``sentence_end``: the sentence that says what happened then.

Candidates come from spaCy's DATE entities and from our own patterns for
phrases it misses ("not long ago", "earlier this year"). Durations ("three
years"), ages and times of day are not dates and are dropped. Our rules
read the expression first; dateparser is asked only about expressions with a
written year (or a month and day, with a publication date to take the year
from), and only its reported period is trusted as the precision.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from typing import Any

from ..doc import Doc, Span
from ..pipeline import register
from . import _nlp

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS.update({"sept": 9})
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:1[5-9]|20)\d{2})"
_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": None, "few": None, "a few": None}
_VAGUE = (
    "not long ago", "recently", "a while ago", "some time ago", "a short time ago", "in recent years",
    "in recent months", "in recent weeks", "in recent days", "these days", "nowadays", "long ago",
    "years ago", "months ago", "weeks ago", "days ago", "a few years ago", "a few months ago",
    "several years ago", "several months ago", "lately", "in the past", "soon", "in the near future",
)

# Phrases we look for ourselves, on top of spaCy's DATE entities.
_OWN = re.compile(
    r"\b(?:"
    r"not long ago|a (?:short )?while ago|some time ago|in recent (?:years|months|weeks|days)|recently|"
    r"(?:earlier|later) (?:this|that|last) (?:week|month|year)|"
    r"(?:last|next|this|past) (?:week|month|year|" + _WEEKDAY + r")|"
    r"yesterday|today|tomorrow|tonight|"
    r"(?:on )?" + _WEEKDAY + r"|"
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a few) (?:days?|weeks?|months?|years?|decades?) ago|"
    + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"|" + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR + r"|"
    + _MONTH + r",?\s+" + _YEAR +
    r")\b",
    re.IGNORECASE,
)


def _ago(n: int, unit: str, base: dt.date) -> tuple[str, str]:
    if unit.startswith("day"):
        return (base - dt.timedelta(days=n)).isoformat(), "day"
    if unit.startswith("week"):
        d = base - dt.timedelta(weeks=n)
        y, w, _ = d.isocalendar()
        return f"{y}-W{w:02d}", "week"
    if unit.startswith("month"):
        y, m = divmod(base.year * 12 + base.month - 1 - n, 12)
        return f"{y:04d}-{m + 1:02d}", "month"
    if unit.startswith("decade"):
        return str(base.year - 10 * n), "year"
    return str(base.year - n), "year"


def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _shift_month(base: dt.date, n: int) -> str:
    y, m = divmod(base.year * 12 + base.month - 1 + n, 12)
    return f"{y:04d}-{m + 1:02d}"


def resolve(expression: str, published: dt.date | None) -> dict[str, Any] | None:
    """``{"value", "precision", "relative"?}`` for a time expression, or None
    when it is not a point in time (a duration, an age, a time of day)."""
    e = " ".join(expression.lower().replace("’", "'").split())
    e = re.sub(r"^(?:the|in|on|at|by|since|from|until|during|of|early|mid|late|mid-)\s+", "", e)
    e = re.sub(r"^(?:the|early|mid|late)[\s-]+", "", e)
    e = e.strip(" ,.")
    base = published
    rel = {"relative": expression}

    # Absolute, most precise first.
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", e):
        return _checked(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(?:" + _WEEKDAY + r",?\s+)?" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR, e):
        return _checked(int(m[4]), MONTHS[m[2]], int(m[3]))
    if m := re.fullmatch(r"(?:" + _WEEKDAY + r",?\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR, e):
        return _checked(int(m[4]), MONTHS[m[3]], int(m[2]))
    if m := re.fullmatch(r"(?:(?:early|mid|late|end of|beginning of)[\s-]+)?" + _MONTH + r",?\s+(?:of\s+)?" + _YEAR, e):
        return {"value": f"{int(m[2]):04d}-{MONTHS[m[1]]:02d}", "precision": "month"}
    if m := re.fullmatch(r"(?:(?:the )?(?:spring|summer|autumn|fall|winter|end|beginning|start|first half|second half) of )?" + _YEAR, e):
        return {"value": m[1], "precision": "year"}
    if m := re.fullmatch(r"(?:the )?((?:1[5-9]|20)\d)0s", e):
        return {"value": f"{m[1]}0/{m[1]}9", "precision": "decade"}
    # A month and day without a year take the year from the publication date.
    if (m := re.fullmatch(r"(?:" + _WEEKDAY + r",?\s+)?" + _MONTH + r"\s+" + _DAY, e)) or (
        m2 := re.fullmatch(r"(?:" + _WEEKDAY + r",?\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH, e)
    ):
        if m:
            month, day = MONTHS[m[2]], int(m[3])
        else:
            month, day = MONTHS[m2[3]], int(m2[2])  # type: ignore[index]
        if base is None:
            return {"value": None, "precision": "day", **rel}
        year = base.year
        found = _checked(year, month, day)
        if found and dt.date.fromisoformat(found["value"]) > base + dt.timedelta(days=120):
            found = _checked(year - 1, month, day)
        return {**found, **rel} if found else None
    if m := re.fullmatch(r"(?:(?:early|mid|late|end of|beginning of)[\s-]+)?" + _MONTH, e):
        if not re.search(r"\b[A-Z]", expression):
            return None  # a lowercase "may" or "march" is a verb, not a month
        month = MONTHS[m[1]]
        if base is None:
            return {"value": None, "precision": "month", **rel}
        year = base.year if month <= base.month + 1 else base.year - 1
        return {"value": f"{year:04d}-{month:02d}", "precision": "month", **rel}

    # Relative to the publication date.
    relative: tuple[str | None, str] | None = None
    if e in ("today", "tonight", "this morning", "this afternoon", "this evening", "earlier today", "later today"):
        relative = (base.isoformat() if base else None, "day")
    elif e in ("yesterday", "last night", "yesterday morning", "yesterday afternoon", "yesterday evening"):
        relative = ((base - dt.timedelta(days=1)).isoformat() if base else None, "day")
    elif e in ("tomorrow", "tomorrow morning"):
        relative = ((base + dt.timedelta(days=1)).isoformat() if base else None, "day")
    elif m := re.fullmatch(r"(?:(earlier|later) )?(this|last|next|past|that) (week|month|year)", e):
        which, unit = m[2], m[3]
        if which == "past" or which == "that":
            relative = (None, "vague")
        else:
            n = {"this": 0, "last": -1, "next": 1}[which]
            if base is None:
                relative = (None, unit)
            elif unit == "week":
                relative = (_week(base + dt.timedelta(weeks=n)), "week")
            elif unit == "month":
                relative = (_shift_month(base, n), "month")
            else:
                relative = (str(base.year + n), "year")
    elif m := re.fullmatch(r"(?:(last|next|this|past) )?" + _WEEKDAY + r"(?: (?:morning|afternoon|evening|night))?", e):
        which, day = m[1], WEEKDAYS[m[2]]
        if base is None:
            relative = (None, "day")
        else:
            back = (base.weekday() - day) % 7
            if which == "next":
                d = base + dt.timedelta(days=(day - base.weekday()) % 7 or 7)
            elif which in ("last", "past"):
                d = base - dt.timedelta(days=back or 7)
            else:  # news reports the past: the latest such day up to publication
                d = base - dt.timedelta(days=back)
            relative = (d.isoformat(), "day")
    elif m := re.fullmatch(r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few) "
                           r"(days?|weeks?|months?|years?|decades?) ago", e):
        n = int(m[1]) if m[1].isdigit() else _NUM.get(m[1])
        if n is None or base is None:
            relative = (None, "vague" if n is None else m[2].rstrip("s").replace("decade", "year"))
        else:
            relative = _ago(n, m[2], base)
    elif e in _VAGUE or re.fullmatch(r"(?:earlier|later) (?:this|that) (?:decade|century)", e):
        relative = (None, "vague")
    if relative is not None:
        return {"value": relative[0], "precision": relative[1], **rel}
    return _dateparser(expression, e, published)


def _checked(year: int, month: int, day: int) -> dict[str, Any] | None:
    try:
        return {"value": dt.date(year, month, day).isoformat(), "precision": "day"}
    except ValueError:
        return None


def _dateparser(expression: str, e: str, published: dt.date | None) -> dict[str, Any] | None:
    """Ask dateparser only about expressions with a written year, and trust
    only the period it says it read; anything else is not resolved."""
    if not re.search(r"\b(?:1[5-9]|20)\d{2}\b", e):
        return None
    if re.search(r"\b(?:years?|months?|weeks?|days?) (?:old|long)\b|-year-old", e):
        return None
    try:
        from dateparser.date import DateDataParser
    except ImportError:  # pragma: no cover - dateparser is a dependency
        return None
    parser = DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": True})
    data = parser.get_date_data(e)
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    if not re.search(str(d.year), e):
        return None  # dateparser filled in a year of its own
    period = data.period
    if period == "year":
        return {"value": f"{d.year:04d}", "precision": "year"}
    if period == "month":
        return {"value": f"{d.year:04d}-{d.month:02d}", "precision": "month"}
    if period == "day":
        return {"value": d.isoformat(), "precision": "day"}
    return None


# Words that make a DATE entity a duration or an age, not a point in time.
_DURATION = re.compile(r"^(?:the )?(?:past|last|next|coming|first|previous)? ?(?:\d+|a|an|one|two|three|four|five|six|seven|"
                       r"eight|nine|ten|several|few|many|couple of)[- ](?:days?|weeks?|months?|years?|decades?)\b(?! ago)", re.I)


class Dates:
    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        published = doc.article.published
        candidates: list[tuple[int, int]] = []
        for offset, sdoc in _nlp.parsed(doc):
            for ent in sdoc.ents:  # type: ignore[attr-defined]
                if ent.label_ == "DATE":
                    candidates.append((offset + ent.start_char, offset + ent.end_char))
        for m in _OWN.finditer(text):
            candidates.append((m.start(), m.end()))
        sentences = [(s.start, s.end) for s in doc.layer("sentences")] or list(_nlp.sentence_bounds(doc))
        starts = [s for s, _ in sentences]
        found: list[tuple[int, int, dict[str, Any]]] = []
        for start, end in sorted(set(candidates), key=lambda se: (-(se[1] - se[0]), se[0])):
            start, end = _trim(text, start, end)
            if end <= start or any(s < end and start < e for s, e, _ in found):
                continue
            expression = text[start:end]
            if _DURATION.match(expression):
                continue
            result = resolve(expression, published)
            if result is None:
                continue
            k = max(0, bisect.bisect_right(starts, start) - 1)
            s_start, s_end = sentences[k] if sentences else (0, len(text))
            found.append((start, end, {**result, "sentence_start": s_start, "sentence_end": s_end}))
        doc.set_layer("dates", (Span(s, e, label=a["precision"], attrs=a) for s, e, a in found))
        return doc


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    m = re.match(r"(?:(?:the|in|on|at|by|since|from|until|during)\s+)+", text[start:end], re.I)
    if m and m.end() < end - start:
        start += m.end()
    while end > start and text[end - 1] in " ,.;:'’\"”)":
        end -= 1
    while start < end and text[start] in " ,.;:'‘\"“(":
        start += 1
    return start, end


@register("dates", needs=("sentences",), adds=("dates",), languages={"en"},
          description="time expressions resolved to ISO 8601 against the publication date")
def dates_stage() -> Dates:
    _nlp.nlp()
    return Dates()
