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
from slant.web.library.models import Role, Upload
from slant.web.library.paging import Page, page_of
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


def _page(request: HttpRequest, member: Any) -> Page:
    """``?page=N`` of a collection's articles; past the end is a 404."""
    try:
        return page_of(request, member.collection.entries.count())
    except InputError as exc:
        raise Http404(str(exc)) from None


@api_view("GET")
def collection(request: HttpRequest, cid: int) -> HttpResponse:
    member = access.membership(request.user, cid)
    return json_response(collection_data(member, _page(request, member)))


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(key, "must be a string")
    return value


def _queued(uploads: list[Any], errors: list[str]) -> HttpResponse:
    body: dict[str, Any] = {"status": "queued", "uploads": [upload_data(u) for u in uploads]}
    if errors:
        body["errors"] = errors
    return json_response(body, 202)


def upload_data(upload: Any) -> dict[str, Any]:
    job = getattr(upload, "job", None)
    report = upload.report or {}
    return {"id": upload.pk, "source": upload.label, "status": job.status if job else "queued",
            "error": (job.error or None) if job else None, "articles": report.get("articles", []),
            "errors": report.get("errors", []), "url": f"/api/collections/{upload.collection_id}/uploads/{upload.pk}"}


@api_view("GET", "POST")
def collection_articles(request: HttpRequest, cid: int) -> HttpResponse:
    """Add an article: text is added at once; files, HTML and URLs are read in a job (202 with its upload)."""
    if request.method == "GET":
        member = access.membership(request.user, cid)
        data = collection_data(member, _page(request, member))
        return json_response({"articles": data["articles"], **{k: data[k] for k in ("page", "pages", "count", "per_page")}})
    member = access.membership(request.user, cid, Role.EDITOR)
    collection = member.collection
    try:
        if request.content_type == "multipart/form-data":
            files = request.FILES.getlist("file")
            if not files:
                return _error("send the article as a multipart field named \"file\" (several files: repeat it)", 400)
            uploads, errors = [], []
            for upload in files:
                try:
                    adding.check_file(upload.name or "upload", int(upload.size or 0))
                    uploads.append(adding.queue_file(collection, user=request.user, name=upload.name, data=upload.read(), origin="api"))
                except QuotaExceeded:
                    raise
                except InputError as exc:
                    errors.append(str(exc))
            if not uploads:
                return _error("; ".join(errors), 400)
            return _queued(uploads, errors)
        data = _json_body(request)
        if data is None:
            return _error("send JSON with \"text\", \"html\" or \"url\" (optional \"title\"), or a multipart \"file\"", 400)
        text, html = _optional_str(data, "text"), _optional_str(data, "html")
        url, title = _optional_str(data, "url"), _optional_str(data, "title")
        if url and not url.lower().startswith(("http://", "https://")):
            return _error("\"url\" must be an http:// or https:// address", 400)
        if text and html:
            return _error("give exactly one of \"text\", \"html\" or \"url\" alone", 400)
        if not text and not html:
            if not url:
                return _error("give exactly one of \"text\", \"html\" or \"url\" alone", 400)
            return _queued([adding.queue_url(collection, user=request.user, url=url, origin="api")], [])
        if html:
            upload = adding.queue_file(collection, user=request.user, name="page.html", data=html.encode("utf-8"), origin="api")
            if url:
                type(upload).objects.filter(pk=upload.pk).update(url=url)
                upload.url = url
            return _queued([upload], [])
        articles = [adding.text_article(text or "", title=title, url=url)]
    except QuotaExceeded as exc:
        return _error(str(exc), exc.status)
    except InputError as exc:
        return _error(str(exc), 400)
    try:
        entries = adding.add_articles(collection, articles, user=request.user, origin="api")
    except QuotaExceeded as exc:
        return _error(str(exc), exc.status)
    states = [analysis_state(e.article) for e in entries]
    first = {"id": entries[0].article_id, "status": states[0]["status"]}
    return json_response(first, 201 if all(s["status"] == "done" for s in states) else 202)


@api_view("GET")
def upload(request: HttpRequest, cid: int, uid: int) -> HttpResponse:
    """An upload or URL being read: its job's status, the articles it added and the items it could not read."""
    member = access.membership(request.user, cid)
    found = Upload.objects.select_related("job").defer("data").filter(collection=member.collection, pk=uid).first()
    if found is None:
        raise Http404("no such upload")
    return json_response(upload_data(found))


def _api_entry(request: HttpRequest, cid: int, aid: str, needed: str = Role.VIEWER) -> Any:
    entry, _ = access.entry(request.user, cid, aid, needed)
    return entry


@api_view("GET", "POST")
def corrections(request: HttpRequest, cid: int, aid: str) -> HttpResponse:
    """The article's corrections, its spans as corrected and the orphaned corrections; POST makes one."""
    from slant.web.reader.views import CorrectionForm, apply_correction, article_data

    if request.method == "GET":
        entry = _api_entry(request, cid, aid)
    else:
        entry = _api_entry(request, cid, aid, Role.EDITOR)
        body = _json_body(request)
        if body is None:
            return _error("send a JSON object such as {\"action\": \"reject\", \"span\": \"s10-24-Loaded_Language\"}", 400)
        form = CorrectionForm({k: v for k, v in body.items() if isinstance(v, (str, int)) and not isinstance(v, bool)})
        if not form.is_valid():
            return _error("the correction is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()), 400)
        outcome = apply_correction(entry, request.user, form.cleaned_data)
        if isinstance(outcome, str):
            return _error(outcome, 400)
    data = article_data(entry)
    body = {key: data[key] for key in ("status", "pipeline", "persuasion_corrected", "corrections", "orphaned_corrections")}
    return json_response({"article": aid, "collection": cid, **body}, 201 if request.method == "POST" else 200)


@api_view("DELETE")
def correction(request: HttpRequest, cid: int, aid: str, cid2: int) -> HttpResponse:
    from slant.web.reader.models import Correction

    entry = _api_entry(request, cid, aid, Role.EDITOR)
    deleted, _ = Correction.objects.filter(entry=entry, pk=cid2).delete()
    if not deleted:
        raise Http404("no such correction")
    return HttpResponse(status=204)


@api_view("GET")
def export(request: HttpRequest, cid: int) -> HttpResponse:
    """The collection's analyses with its corrections: ``?format=jsonl`` (default), ``csv`` or ``ptc``."""
    from slant.web.reader.exports import TYPES, export_response

    member = access.membership(request.user, cid)
    fmt = request.GET.get("format", "jsonl")
    if fmt not in TYPES:
        return _error(f"format must be one of {', '.join(TYPES)}", 400)
    return export_response(member.collection, fmt)


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
