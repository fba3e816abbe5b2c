"""Small helpers shared by the views."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import JsonResponse


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def article_meta(article: Any) -> dict[str, Any]:
    published = article.published
    return {
        "id": article.id, "title": article.title, "url": article.url, "outlet": article.outlet,
        "author": article.author, "published": published.isoformat() if isinstance(published, dt.date) else published,
        "language": article.language,
    }
