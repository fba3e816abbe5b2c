"""Collections: list, create, show (with a JSON twin), members, adding articles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from slant.errors import InputError
from slant.web import access
from slant.web.http import article_meta, json_response
from slant.web.jobs.status import statuses_of
from slant.web.library import adding
from slant.web.library.forms import AddArticleForm, CollectionForm, MemberForm
from slant.web.library.models import Collection, Membership, Role
from slant.web.library.paging import Page, page_of


def _require_login_404(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Http404("no such page")


def collections_data(user: Any) -> list[dict[str, Any]]:
    rows = Membership.objects.filter(user=user).select_related("collection").order_by("collection__name", "collection_id")
    return [{"id": m.collection_id, "name": m.collection.name, "role": m.role} for m in rows]


@login_required
def collection_list(request: HttpRequest) -> HttpResponse:
    return render(request, "library/list.html", {"collections": collections_data(request.user), "form": CollectionForm()})


def collection_list_json(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    return json_response({"collections": collections_data(request.user)})


def create_collection(user: Any, name: str) -> Collection:
    with transaction.atomic():
        collection = Collection.objects.create(name=name)
        Membership.objects.create(collection=collection, user=user, role=Role.OWNER)
    return collection


@login_required
@require_POST
def collection_create(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A collection needs a name.")
        return redirect("collection_list")
    collection = create_collection(request.user, form.cleaned_data["name"])
    return redirect("collection", cid=collection.pk)


def collection_data(member: Membership, page: Page | None = None) -> dict[str, Any]:
    """The collection with one page of its articles (newest first), its members and the page's place."""
    collection = member.collection
    entries = collection.entries.select_related("article").defer("article__text").order_by("-added_at", "id")
    if page is None:
        page = Page(1, 1, 0, 0)
        rows = list(entries)
        page.count = page.size = len(rows)
    else:
        rows = list(entries[page.offset:page.offset + page.size])
    states = statuses_of(e.article_id for e in rows)
    articles = []
    for entry in rows:
        status, error = states[entry.article_id]
        articles.append({**article_meta(entry.article), **({"title": entry.title} if entry.title else {}),
                         "status": status, "error": error, "added_at": entry.added_at.isoformat(), "origin": entry.origin})
    members = [
        {"username": m.user.get_username(), "role": m.role}
        for m in collection.memberships.select_related("user").order_by("user__username")
    ]
    return {"id": collection.pk, "name": collection.name, "role": member.role, "members": members, "articles": articles,
            **page.meta()}


def requested_page(request: HttpRequest, member: Membership) -> Page:
    """The page of the collection's articles that ``?page=N`` asks for (404 past the end)."""
    try:
        return page_of(request, member.collection.entries.count())
    except InputError as exc:
        raise Http404(str(exc)) from None


def collection(request: HttpRequest, cid: int) -> HttpResponse:
    _require_login_404(request)
    member = access.membership(request.user, cid)
    page = requested_page(request, member)
    data = collection_data(member, page)
    return render(request, "library/collection.html", {
        "collection": member.collection, "member": member, "data": data, "page": page, "query": "",
        "can_edit": member.can(Role.EDITOR), "is_owner": member.can(Role.OWNER), "form": AddArticleForm(),
        "pending": sum(a["status"] in ("queued", "running") for a in data["articles"]),
    })


def collection_json(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    member = access.membership(request.user, cid)
    try:
        page = page_of(request, member.collection.entries.count())
    except InputError as exc:
        return json_response({"error": str(exc)}, 404)
    return json_response(collection_data(member, page))


@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, cid: int) -> HttpResponse:
    _require_login_404(request)
    member = access.membership(request.user, cid, Role.VIEWER)
    if request.method == "POST":
        if not member.can(Role.OWNER):
            raise PermissionDenied("only owners manage members")
        form = MemberForm(request.POST)
        if form.is_valid():
            _change_member(request, member.collection, form.cleaned_data["username"], form.cleaned_data["role"])
        else:
            messages.error(request, "Give a user name and a role.")
        return redirect("members", cid=cid)
    return render(request, "library/members.html", {
        "collection": member.collection, "member": member, "form": MemberForm(),
        "members": member.collection.memberships.select_related("user").order_by("user__username"),
    })


def members_json(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    member = access.membership(request.user, cid)
    members = [{"username": m.user.get_username(), "role": m.role}
               for m in member.collection.memberships.select_related("user").order_by("user__username")]
    return json_response({"collection": cid, "role": member.role, "members": members})


def _change_member(request: HttpRequest, collection: Collection, username: str, role: str) -> None:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        messages.error(request, f"There is no user called {username!r}.")
        return
    owners = collection.memberships.filter(role=Role.OWNER)
    current = collection.memberships.filter(user=user).first()
    if current and current.role == Role.OWNER and role != Role.OWNER and owners.count() == 1:
        messages.error(request, "A collection keeps at least one owner.")
        return
    if role == "remove":
        collection.memberships.filter(user=user).delete()
        messages.success(request, f"{username} removed.")
    else:
        Membership.objects.update_or_create(collection=collection, user=user, defaults={"role": role})
        messages.success(request, f"{username} is now {role}.")


def add_from_form(request: HttpRequest, member: Membership, form: AddArticleForm) -> adding.Added:
    """Add pasted text at once; store files and URLs and queue the jobs that read them."""
    result = adding.Added()
    data = form.cleaned_data
    collection = member.collection
    if data.get("file"):
        for upload in data["file"]:
            try:
                size = int(upload.size or 0)
                adding.check_file(upload.name or "upload", size)  # refused unread when too large
                result.uploads.append(adding.queue_file(collection, user=request.user, name=upload.name, data=upload.read()))
            except InputError as exc:
                result.errors.append(str(exc))
    elif data.get("text"):
        try:
            articles = [adding.text_article(data["text"])]
            result.entries = adding.add_articles(collection, articles, user=request.user, origin="paste")
        except InputError as exc:  # QuotaExceeded too
            result.errors.append(str(exc))
    else:
        try:
            result.uploads.append(adding.queue_url(collection, user=request.user, url=data["url"]))
        except InputError as exc:
            result.errors.append(str(exc))
    return result


@require_http_methods(["GET", "POST"])
def add_article(request: HttpRequest, cid: int) -> HttpResponse:
    _require_login_404(request)
    member = access.membership(request.user, cid, Role.EDITOR)
    form = AddArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            result = add_from_form(request, member, form)
            for error in result.errors:
                messages.error(request, error)
            if result.uploads:
                names = ", ".join(u.label for u in result.uploads[:5]) + (" ..." if len(result.uploads) > 5 else "")
                messages.success(request, f"Queued {names}: read in the background, then analysed. Follow it here.")
                return redirect("jobs", cid=cid)
            if result.entries:
                messages.success(request, f"{len(result.entries)} article(s) added; analysis is queued.")
                return redirect("article", cid=cid, aid=result.entries[0].article_id)
        status = 400
    else:
        status = 200
    return render(request, "library/add.html", {"collection": member.collection, "form": form}, status=status)
