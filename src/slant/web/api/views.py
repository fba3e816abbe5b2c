"""The JSON API: session or ``Authorization: Bearer <token>`` auth, the same
``slant.analysis/1`` contract as the CLI, and 401/404 as the pages answer."""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from slant.errors import InputError
from slant.web import access
from slant.web.accounts.models import ApiToken
from slant.web.accounts.quotas import QuotaExceeded
from slant.web.http import article_meta, json_response
from slant.web.jobs.status import analysis_state
from slant.web.library import adding
from slant.web.library.models import Role
from slant.web.library.views import collection_data, collections_data, create_collection
from slant.web.api.spec import spec

View = Callable[..., HttpResponse]


def _error(message: str, status: int) -> HttpResponse:
    return json_response({"error": message}, status)


def api_view(*methods: str) -> Callable[[View], View]:
    """Authenticate (token or session), check the method, and turn errors into JSON."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            header = request.headers.get("Authorization", "")
            if header:
                scheme, _, token = header.partition(" ")
                user = ApiToken.find_user(token.strip()) if scheme.lower() == "bearer" else None
                if user is None:
                    response = _error("invalid or revoked API token", 401)
                    response["WWW-Authenticate"] = 'Bearer realm="slant"'
                    return response
                request.user = user
            elif request.user.is_authenticated:
                # A browser session: a state-changing call must carry the CSRF token.
                if request.method not in {"GET", "HEAD", "OPTIONS"}:
                    rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
                    if rejected is not None:
                        return _error("CSRF check failed; send the X-CSRFToken header", 403)
            else:
                response = _error("authentication required: a session or an Authorization: Bearer token", 401)
                response["WWW-Authenticate"] = 'Bearer realm="slant"'
                return response
            if request.method not in methods:
                response = _error(f"method {request.method} not allowed", 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return _error("not found", 404)
            except PermissionDenied as exc:
                return _error(str(exc) or "forbidden", 403)

        return wrapped

    return decorate


def openapi(request: HttpRequest) -> HttpResponse:
    return json_response(spec())


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


@api_view("GET", "POST")
def collections(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return json_response({"collections": collections_data(request.user)})
    data = _json_body(request)
    if data is None:
        return _error("send a JSON object such as {\"name\": \"My collection\"}", 400)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        return _error("\"name\" must be a non-empty string of at most 200 characters", 400)
    collection = create_collection(request.user, name.strip())
    return json_response({"id": collection.pk, "name": collection.name}, 201)


@api_view("GET")
def collection(request: HttpRequest, cid: int) -> HttpResponse:
    return json_response(collection_data(access.membership(request.user, cid)))


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(key, "must be a string")
    return value


@api_view("GET", "POST")
def collection_articles(request: HttpRequest, cid: int) -> HttpResponse:
    if request.method == "GET":
        return json_response({"articles": collection_data(access.membership(request.user, cid))["articles"]})
    member = access.membership(request.user, cid, Role.EDITOR)
    try:
        if request.content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                return _error("send the article as a multipart field named \"file\"", 400)
            articles, errors = adding.read_upload(upload)
            origin = "upload"
        else:
            data = _json_body(request)
            if data is None:
                return _error("send JSON with \"text\" or \"html\" (optional \"url\", \"title\"), or a multipart \"file\"", 400)
            text, html = _optional_str(data, "text"), _optional_str(data, "html")
            url, title = _optional_str(data, "url"), _optional_str(data, "title")
            if url and not url.lower().startswith(("http://", "https://")):
                return _error("\"url\" must be an http:// or https:// address", 400)
            if bool(text) == bool(html):
                return _error("give exactly one of \"text\" or \"html\"", 400)
            if text:
                articles, errors = [adding.text_article(text, title=title, url=url)], []
            else:
                articles, errors = adding.html_articles(html or "", url=url)
                if title:
                    articles = [a.replace(title=a.title or title) for a in articles]
            origin = "api"
    except InputError as exc:
        return _error(str(exc), 400)
    if not articles:
        return _error("; ".join(errors) or "no article found", 400)
    try:
        entries = adding.add_articles(member.collection, articles, user=request.user, origin=origin)
    except QuotaExceeded as exc:
        return _error(str(exc), exc.status)
    states = [analysis_state(e.article) for e in entries]
    first = {"id": entries[0].article_id, "status": states[0]["status"]}
    if len(entries) > 1:
        first["articles"] = [{"id": e.article_id, "status": s["status"]} for e, s in zip(entries, states)]
    if errors:
        first["errors"] = errors
    return json_response(first, 201 if all(s["status"] == "done" for s in states) else 202)


@api_view("GET")
def article(request: HttpRequest, aid: str) -> HttpResponse:
    entry = access.article_entry(request.user, aid)
    state = analysis_state(entry.article)
    collections = sorted(set(access.visible_entries(request.user).filter(article_id=aid).values_list("collection_id", flat=True)))
    return json_response({
        "id": entry.article_id, "status": state["status"], "analysis": state["analysis"], "error": state["error"],
        "article": article_meta(entry.article), "collections": collections,
    })


@api_view("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other URL under /api/: a JSON 404 (or 401 first), never an HTML page."""
    raise Http404("no such API endpoint")
