"""The article: what every source produces and every stage reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any


def text_id(text: str) -> str:
    """The article id: the SHA-256 of its analysed text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Article:
    """One article as read from a source.

    ``text`` is the full analysed text: by convention the title on the first
    line, a blank line, then the body. Every offset slant reports points into
    it, so sources must never alter it after building the article.
    """

    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: dt.date | None = None
    language: str | None = None
    # Where the article came from (a path, ``file.jsonl:3``, a WARC record ...),
    # for messages and reports. Not part of the analysis contract.
    source: str | None = None
    # What a reader had to repair or may have lost while reading the source
    # ("2 bytes not valid UTF-8 were replaced with U+FFFD", "the feed is cut
    # short: items after the 3rd may be lost"), one line each.
    warnings: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return text_id(self.text)

    def body_start(self) -> int:
        """Offset of the body: after the title line and the blank lines that follow.

        By convention the first line is the title (a byte-order mark or
        trailing spaces on it do not matter). An article without a title, or
        one whose text is a single line, has its body start at 0.
        """
        if not self.title:
            return 0
        newline = self.text.find("\n")
        if newline == -1:
            return 0
        pos = newline
        while pos < len(self.text) and self.text[pos] in "\n \t\r":
            pos += 1
        return pos

    def as_dict(self) -> dict[str, Any]:
        """The ``article`` object of ``slant.analysis/1`` (``warnings`` only when there are some)."""
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "outlet": self.outlet,
            "author": self.author,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None) -> "Article":
        published = data.get("published")
        if isinstance(published, str) and published:
            published = dt.date.fromisoformat(published[:10])
        elif not isinstance(published, dt.date):
            published = None
        return cls(
            text=data["text"],
            title=data.get("title"),
            url=data.get("url"),
            outlet=data.get("outlet"),
            author=data.get("author"),
            published=published,
            language=data.get("language"),
            source=source,
            warnings=tuple(str(w) for w in data.get("warnings") or ()),
        )

    def replace(self, **changes: Any) -> "Article":
        return dataclasses.replace(self, **changes)
