"""Pages of a long list: ``?page=N`` on the HTML pages, their JSON twins and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from django.conf import settings
from django.http import HttpRequest

from slant.errors import InputError


@dataclass
class Page:
    number: int
    pages: int
    count: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def meta(self) -> dict[str, Any]:
        return {"page": self.number, "pages": self.pages, "count": self.count, "per_page": self.size}

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_size() -> int:
    return int(getattr(settings, "SLANT_PAGE_SIZE", 50))


def page_of(request: HttpRequest, count: int, size: int | None = None) -> Page:
    """The page the request asks for (``?page=N``, 1 by default); past the end is an InputError."""
    size = size or page_size()
    pages = max(1, -(-count // size))
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        raise InputError(f"page={raw[:20]}", f"there are {pages} page(s) of {size}")
    return Page(int(raw), pages, count, size)


def cut(items: Sequence[Any], page: Page) -> Sequence[Any]:
    return items[page.offset:page.offset + page.size]
