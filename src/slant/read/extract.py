"""Main text and metadata of a decoded HTML page; the text of a feed item's HTML.

The steps, in order (decoding comes before, in ``decode.py``):

1. extract the main text with trafilatura, comments off, in a small cascade
   (``extract_body``): the precision-leaning pass first, and the default
   pass when the first one kept too little (measured in ``bench/extraction.py``);
2. drop the site furniture trafilatura sometimes lets through (login and
   register links, cookie banners, share bars, copyright lines, "most read"
   and comment sections: ``drop_furniture``);
3. metadata: title, author, site name, URL and language from the page,
   the publication date from htmldate (which trafilatura calls for us), kept
   only when the page gives the day (``publication_date``).

The article text is the title, a blank line, then the body (``DESIGN.md``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import urllib.parse
from typing import Any

from ..article import Article

# --------------------------------------------------------------------------
# 1. Extraction


@dataclasses.dataclass(frozen=True, kw_only=True)
class Extracted:
    """What the extractor found in a page, before it becomes an Article."""

    body: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    language: str | None = None


# Keep the precision pass unless it kept under this share of what the default
# pass finds: then it probably threw away part of the article.
# bench/extraction.py measured it: 0.3-0.5 is best on the Zyte benchmark.
FALLBACK_SHARE = 0.5
_DATE_PARAMS = {"extensive_search": True, "original_date": True}


def _trafilatura(html: Any, *, url: str | None, metadata: bool, **options: Any) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=metadata,
        date_extraction_params=_DATE_PARAMS if metadata else None,
        **options,
    )


def extract_body(html: str, *, url: str | None = None) -> Extracted | None:
    """The main text and metadata of a decoded page, or None if it has none."""
    # 1. Precision pass: trafilatura leaning towards leaving out doubtful blocks.
    first = _trafilatura(html, url=url, metadata=True, favor_precision=True)
    text = _clean_text(first.text if first is not None else "")
    # 2. Default pass, kept when the precision pass lost too much.
    if len(text) < 2000:
        second = _trafilatura(html, url=url, metadata=first is None)
        other = _clean_text(second.text if second is not None else "")
        if len(text) < FALLBACK_SHARE * len(other):
            text = other
            if first is None:
                first = second
    if first is None:
        return None
    title = _one_line(first.title)
    body = _drop_title(drop_furniture(text), title)
    if not body.strip():
        return None
    return Extracted(
        body=body,
        title=title,
        author=_one_line(first.author),
        outlet=_one_line(first.sitename) or _hostname(first.url or url),
        url=first.url or url,
        published=publication_date(first.date, html),
        language=_language(html),
    )


def _clean_text(text: str | None) -> str:
    """trafilatura's text with paragraphs apart and no stray whitespace."""
    if not text:
        return ""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    return "\n\n".join(line for line in lines if line)


def _drop_title(body: str, title: str | None) -> str:
    """The body without a first paragraph that repeats the title."""
    if not title:
        return body
    first, _, rest = body.partition("\n\n")
    if _norm(first) == _norm(title):
        return rest
    return body


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _one_line(value: str | None) -> str | None:
    if not value:
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return value or None


def _hostname(url: str | None) -> str | None:
    if not url:
        return None
    host = urllib.parse.urlsplit(url).hostname
    return host[4:] if host and host.startswith("www.") else host


def publication_date(value: str | None, html: str) -> dt.date | None:
    """htmldate's date, unless it is one htmldate made up.

    When htmldate finds only a year (a copyright line, "founded in 1996") or
    a year and month, it answers the 1st of January or of that month. A
    made-up day would become the article's date and every relative date
    ("last Tuesday") would be resolved against it, so a date on the 1st is
    kept only when the page writes that day out.
    """
    if not value:
        return None
    try:
        date = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    if date.day != 1 or writes_first_of_month(date, html):
        return date
    return None


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def writes_first_of_month(date: dt.date, html: str) -> bool:
    """Whether the page writes ``date`` (a 1st of the month) with its day."""
    y, m = date.year, date.month
    month = rf"(?:0?{m}|{_MONTHS[m - 1]}|{_MONTHS[m - 1][:3]}\.?)"
    word = r"[^\W\d_]{3,12}\.?"  # a month's name in any language
    patterns = (
        rf"(?<!\d){y}(?:[-/.]0?{m}[-/.]|{m:02d})01(?!\d)",  # 2023-03-01, 2023/3/01, 20230301
        rf"(?<!\d)0?1[-/.]0?{m}[-/.]{y}",  # 01.03.2023, 1/3/2023
        rf"(?<!\d)0?{m}/0?1/{y}",  # 3/1/2023
        rf"(?<!\d)0?1(?:st|er|\.)?\s+(?:de\s+)?(?:{month}|{word})\s*,?\s+(?:de\s+)?{y}",  # 1 March 2023, 1er mars 2023
        rf"(?:{month}|{word})\s+0?1(?:st)?(?!\d)\s*,?\s+{y}",  # March 1, 2023
        rf"{y}\s*年\s*0?{m}\s*月\s*0?1\s*日",  # 2023年3月1日
    )
    return any(re.search(p, html, re.I) for p in patterns)


_HTML_LANG = re.compile(r"""<html[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3})\b""", re.I)


def _language(html: str) -> str | None:
    """The language the page declares (``<html lang>``), ISO 639-1 lowercase."""
    match = _HTML_LANG.search(html[:20000])
    return match.group(1).lower() if match else None


# --------------------------------------------------------------------------
# 2. Furniture that gets through

# A paragraph that is only these words (and separators) is a share bar or a
# login box, never article text.
_WIDGET_WORDS = (
    r"share(?: this(?: article| story| page)?)?(?: on)?|tweet|facebook|twitter|x|whatsapp|telegram|e-?mail|print|linkedin"
    r"|reddit|pinterest|weibo|wechat|vk|copy(?: the)? link|comments?|user login|log ?in|log ?out|sign ?in|sign ?up|sign ?out"
    r"|register(?: an)?(?: account)?|create(?: an)? account|my account|subscribe(?: now)?|newsletter|menu|search|home"
)
_WIDGET_LINE = re.compile(rf"^(?:[\W_]*(?:{_WIDGET_WORDS})\b[\W_]*)+$", re.I)
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_COOKIE_CONTEXT = re.compile(
    r"\b(accept(?: all)?|consent|you agree|by continuing|manage (?:cookies|preferences|settings)|this (?:web)?site uses|we use)\b", re.I
)
# "Copyright" alone is a word news uses; with a year or sign it is a footer.
_COPYRIGHT = re.compile(r"(©|\(c\)\s*\d{4}|\bcopyright\s*(?:©|\(c\)|\d{4})|\ball rights reserved\b)", re.I)
# Headings after which a page has no more article: reader comments and
# lists of other stories.
_SECTION_END = re.compile(
    r"^(?:\d+\s+)?(?:comments?|reader comments|leave a (?:comment|reply)|post a comment|add a comment|join the discussion"
    r"|most (?:read|popular|viewed|shared)|trending(?: now)?|related (?:articles|stories|news)|more stories"
    r"|you may also like|recommended(?: for you)?|read more|editor'?s picks)\s*:?$",
    re.I,
)


def is_furniture(paragraph: str) -> bool:
    """True when a paragraph is site furniture rather than article text."""
    line = paragraph.strip()
    if not line:
        return True
    if len(line) <= 120 and _WIDGET_LINE.match(line):
        return True
    if len(line) <= 400 and _COOKIE.search(line) and _COOKIE_CONTEXT.search(line):
        return True
    if len(line) <= 200 and _COPYRIGHT.search(line):
        return True
    return False


def drop_furniture(body: str) -> str:
    """The body without furniture paragraphs, cut at a comments/most-read heading."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        # A section heading ends the article only in its second half, so a
        # story that opens with "Read more:" loses nothing.
        if index >= max(1, len(paragraphs) // 2) and _SECTION_END.match(paragraph.strip()):
            break
        if not is_furniture(paragraph):
            kept.append(paragraph)
    return "\n\n".join(kept)


# --------------------------------------------------------------------------
# 3. The Article


def article_from_extracted(found: Extracted, *, source: str | None, **meta: Any) -> Article:
    """Title line, blank line, body; metadata given in ``meta`` wins."""
    title = meta.pop("title", None) or found.title
    text = f"{title}\n\n{found.body}" if title else found.body
    fields: dict[str, Any] = {
        "url": found.url,
        "outlet": found.outlet,
        "author": found.author,
        "published": found.published,
        "language": found.language,
    }
    fields.update({key: value for key, value in meta.items() if value is not None})
    return Article(text=text, title=title, source=source, **fields)


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed item's content), paragraphs apart.

    A feed item's content is the article itself, so nothing is judged
    boilerplate here except scripts, styles and furniture lines.
    """
    import lxml.html

    if "<" not in html:
        return drop_furniture(_clean_text(html))
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several types on junk; the text is all we want
        return drop_furniture(_clean_text(re.sub(r"<[^>]+>", " ", html)))
    for bad in root.xpath(".//script|.//style|.//noscript|.//iframe|.//form"):
        bad.drop_tree()
    blocks = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "section", "article", "ul", "ol", "table", "figure", "figcaption"}
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in blocks:
            parts.append("\n")
        elif tag == "br":
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in blocks:
            parts.append("\n")

    walk(root)
    text = "".join(parts)
    return drop_furniture(_clean_text(re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)))
