"""Small helpers shared by the views."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponseNotAllowed, JsonResponse


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def article_meta(article: Any) -> dict[str, Any]:
    published = article.published
    return {
        "id": article.id, "title": article.title, "url": article.url, "outlet": article.outlet,
        "author": article.author, "published": published.isoformat() if isinstance(published, dt.date) else published,
        "language": article.language,
    }


# The Content-Security-Policy of every response: scripts and styles only from
# our own files (no inline <script>, no on*= handlers, no eval), nothing
# framed or framing, forms posting only to us. Inline style attributes stay
# allowed: the reading view colours each highlight with one.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


PAGE_METHODS = {"GET", "HEAD", "POST", "OPTIONS"}


def security_headers(get_response: Any) -> Any:
    """Middleware: methods other than GET, HEAD, POST (and OPTIONS) refused outside the API,
    the CSP on every response, and ``Cache-Control: private, no-store`` on
    everything a signed-in user or an API client gets (pages, JSON twins, API
    answers, exports), so no shared cache or back button keeps a private page."""

    def middleware(request: Any) -> Any:
        if request.method not in PAGE_METHODS and not request.path.startswith("/api/"):
            # HTML forms send GET and POST only; the API declares its own methods per URL.
            response = HttpResponseNotAllowed(sorted(PAGE_METHODS))
        else:
            response = get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        private = (
            bool(getattr(user, "is_authenticated", False))
            or "HTTP_AUTHORIZATION" in request.META
            or request.path.startswith("/api/")
        )
        if private and not request.path.startswith("/static/"):
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        if request.path.startswith("/api/") and "Content-Disposition" not in response:
            # An API answer opened in a browser is a download, never a page (ASVS 14.4.2).
            response["Content-Disposition"] = 'attachment; filename="api.json"'
        return response

    return middleware
