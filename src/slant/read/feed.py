"""RSS and Atom feeds: one article per item that carries its content."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any, Iterator

from ..article import Article
from ..errors import InputError
from .failures import guarded

# A character reference to a surrogate or past U+10FFFF is no character:
# feedparser's loose parser crashes on it (UnicodeEncodeError) and the strict
# one drops the rest of the feed. Each becomes U+FFFD, and the items say so.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def repair_charrefs(data: bytes) -> tuple[bytes, int]:
    """``data`` with references to no character made ``&#xFFFD;``, and how many."""
    count = 0

    def fix(match: re.Match[bytes]) -> bytes:
        nonlocal count
        digits = match.group(1) or match.group(2)
        if len(digits.lstrip(b"0")) > 8:
            value = -1
        else:
            value = int(digits, 16) if match.group(1) else int(digits)
        if 0xD800 <= value <= 0xDFFF or not 0 <= value <= 0x10FFFF:
            count += 1
            return b"&#xFFFD;"
        return match.group(0)

    return _CHARREF.sub(fix, data), count


_XML_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["']([^"'>]*)["']""")


def _drop_unknown_encoding(data: bytes) -> tuple[bytes, str | None]:
    """``data`` without an XML encoding label that names no charset (feedparser chokes on some), and the label."""
    from .decode import codec_name

    match = _XML_ENCODING.match(data)
    if match is None:
        return data, None
    label = match.group(2).decode("ascii", "backslashreplace")
    if label.isascii() and codec_name(label) is not None:
        return data, None
    return match.group(1) + data[match.end():], label


def read_feed(data: bytes, path: str) -> Iterator[Article | InputError]:
    """Articles from a feed's items, in order; a link-only item is passed over."""
    import feedparser

    data, repaired = repair_charrefs(data)
    data, label = _drop_unknown_encoding(data)
    try:
        parsed = feedparser.parse(data)
    except Exception as exc:  # noqa: BLE001  (feedparser has bugs on hostile bytes; the feed is unreadable, nothing more)
        raise InputError(path, f"not a readable RSS or Atom feed ({type(exc).__name__}: {_first_line(exc)})") from None
    entries = parsed.entries
    if not entries:
        if parsed.bozo and not parsed.feed:
            yield InputError(path, f"not a readable RSS or Atom feed ({_first_line(parsed.bozo_exception)})")
        else:
            yield InputError(path, "feed has no items")
        return
    feed = parsed.feed
    outlet = _clean(feed.get("title"))
    language = (feed.get("language") or "").split("-")[0].lower() or None
    warnings: list[str] = []
    if label is not None:
        warnings.append(f"the feed declares an unknown encoding ({label}); it was detected instead")
    if repaired:
        warnings.append(f"{repaired} character reference(s) to no character replaced with U+FFFD")
    # feedparser keeps the items it read before a syntax error (a cut or
    # malformed file) and says so only in ``bozo``: say that more may be lost.
    if parsed.bozo and not _harmless(parsed.bozo_exception):
        warnings.append(
            f"the feed is malformed ({_first_line(parsed.bozo_exception)}): "
            f"items after the {len(entries)} read may be lost"
        )
    articles: list[Article | InputError] = []
    for number, entry in enumerate(entries, start=1):
        source = f"{path}#{number}"
        item = guarded(source, lambda: _article(entry, source, outlet, language))
        if item is not None:
            articles.append(item)
    if not articles:
        yield InputError(path, f"feed has {len(entries)} items but none with content" + (f"; {warnings[-1]}" if warnings else ""))
        return
    # The warnings belong to the whole feed; the last article carries them.
    last = max((i for i, a in enumerate(articles) if isinstance(a, Article)), default=None)
    for index, item in enumerate(articles):
        if index == last and warnings and isinstance(item, Article):
            item = item.replace(warnings=item.warnings + tuple(warnings))
        yield item


def _harmless(exc: object) -> bool:
    # A feed served with another charset than it declares reads fine.
    return type(exc).__name__ in ("CharacterEncodingOverride", "NonXMLContentType")


def _article(entry: Any, source: str, outlet: str | None, language: str | None) -> Article | None:
    from .extract import fragment_text

    html = ""
    contents = entry.get("content") or []
    if contents:
        html = max((c.get("value") or "" for c in contents), key=len)
    if not html.strip():
        html = entry.get("summary") or ""
    if not html.strip():
        return None  # a link-only item: no article to read here
    body = fragment_text(html)
    if not body.strip():
        raise InputError(source, "feed item has no text in its content")
    title = _clean(entry.get("title"))
    text = f"{title}\n\n{body}" if title else body
    return Article(
        text=text,
        title=title,
        url=entry.get("link") or None,
        outlet=outlet,
        author=_clean(entry.get("author")),
        published=_entry_date(entry),
        language=language,
        source=source,
    )


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _entry_date(entry: Any) -> dt.date | None:
    """The item's date; a 1st of the month only when the feed writes the day.

    feedparser reads "2023" as 1 January 2023 and "2023-03" as 1 March: a
    made-up day that relative dates would be resolved against.
    """
    from .extract import writes_first_of_month

    for key in ("published", "updated"):
        date = _struct_date(entry.get(f"{key}_parsed"))
        if date is not None:
            raw = entry.get(key)
            if date.day != 1 or writes_first_of_month(date, raw if isinstance(raw, str) else ""):
                return date
            return None
    return None


def _struct_date(value: time.struct_time | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    except (ValueError, TypeError, AttributeError):
        return None


def _first_line(exc: object) -> str:
    return str(exc).strip().split("\n", 1)[0]
