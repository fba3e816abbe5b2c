"""HTML page -> Article: decoding, main-text extraction, metadata, cleanup.

The steps, in order:

1. decode the bytes (``decode_bytes``): byte-order mark, then the charset the
   page declares, then UTF-8, then detection with charset-normalizer;
2. extract the main text with trafilatura, comments off, in a small cascade
   (``extract_body``): the precision-leaning pass first, and the default
   pass when the first one kept too little (measured in ``bench/extraction.py``);
3. drop the site furniture trafilatura sometimes lets through (login and
   register links, cookie banners, share bars, copyright lines, "most read"
   and comment sections: ``drop_furniture``);
4. metadata: title, author, site name, URL and language from the page,
   the publication date from htmldate (which trafilatura calls for us).

The article text is the title, a blank line, then the body (``DESIGN.md``).
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import re
import urllib.parse
from typing import Any

from .article import Article
from .errors import InputError

# --------------------------------------------------------------------------
# 1. Decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">,
# and the XML declaration of XHTML pages and feeds.
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
# Labels whose everyday meaning is a superset: browsers decode them so, and
# pages labelled with the narrow name routinely contain the wider set.
_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "ks_c_5601_1987": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x7fELF", "executable"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ", "xz archive"),
)


def _codec(label: str) -> str | None:
    """Python's codec name for a charset label, widened to its superset."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    return _SUPERSETS.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """The charset a page or feed declares in its first bytes, if any."""
    head = data[:16384]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return _codec(match.group(1).decode("ascii", "replace")) if match else None


def binary_kind(data: bytes) -> str | None:
    """What a binary file is ("PDF", "binary data"), or None for text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None  # UTF-16/32 text holds NUL bytes by nature
    head = data[:8192]
    if b"\x00" in head:
        return "binary data"
    # Control characters other than tab, newline, form feed and carriage return.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if head and controls / len(head) > 0.05:
        return "binary data"
    return None


def decode_bytes(data: bytes, *, source: str, declared: str | None = None, keep_utf8_bom: bool = False) -> str:
    """Decode a page or text file; raise InputError when nothing fits.

    ``declared`` is a charset known from outside (an HTTP header, a JSON
    field); otherwise the page's own declaration is read for HTML-like data.
    ``keep_utf8_bom`` keeps a UTF-8 byte-order mark as U+FEFF, as Python's
    ``open(encoding="utf-8")`` does: offsets into text files (PTC's labels)
    count it as a character.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if keep_utf8_bom and codec == "utf-8":
                bom = b""
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(source, f"undecodable bytes: not valid {codec} despite its byte-order mark ({exc.reason} at byte {exc.start})") from None
    kind = binary_kind(data)
    if kind:
        raise InputError(source, f"binary file ({kind}), not text or HTML")
    tried: list[str] = []
    # UTF-8 first: non-ASCII text that happens to be valid UTF-8 in another
    # charset is vanishingly rare, while pages that declare a legacy charset
    # but are served as UTF-8 are common.
    for codec in ("utf_8", _codec(declared) if declared else None, declared_charset(data)):
        if codec and codec not in tried:
            tried.append(codec)
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                pass
    # Mostly UTF-8 with a stray broken byte or a cut-off last character: a
    # detector would pick some Asian code page and garble every accent, so
    # keep UTF-8 and mark the few bad bytes.
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    if bad <= max(1, len(loose) // 1000) and any(ord(ch) > 127 and ch != "\ufffd" for ch in loose):
        return loose
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(source, f"undecodable bytes: not valid {' or '.join(tried)} and no other charset fits")
    codec = _SUPERSETS.get(best.encoding, best.encoding)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return str(best)


# --------------------------------------------------------------------------
# 2. Extraction


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
        published=_date(first.date),
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


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


_HTML_LANG = re.compile(r"""<html[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3})\b""", re.I)


def _language(html: str) -> str | None:
    """The language the page declares (``<html lang>``), ISO 639-1 lowercase."""
    match = _HTML_LANG.search(html[:20000])
    return match.group(1).lower() if match else None


# --------------------------------------------------------------------------
# 3. Furniture that gets through

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
# 4. The Article


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


def extract_html(
    data: bytes | str,
    *,
    source: str,
    url: str | None = None,
    charset: str | None = None,
    **meta: Any,
) -> Article:
    """An Article from an HTML page (bytes are decoded here).

    Raises InputError when the page cannot be decoded or has no article text.
    ``meta`` (title, outlet, author, published, language) overrides what the
    page says; ``url`` is where the page came from, used to resolve metadata.
    """
    html = decode_bytes(data, source=source, declared=charset) if isinstance(data, bytes) else data
    if not html.strip():
        raise InputError(source, "empty page")
    found = extract_body(html, url=url)
    if found is None:
        raise InputError(source, "no article text found in the page")
    return article_from_extracted(found, source=source, url=url or found.url, **meta)


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
