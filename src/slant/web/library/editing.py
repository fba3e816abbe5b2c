"""Renaming and deleting collections and the articles in them, each after a
confirmation page (a GET shows it, a POST with the CSRF token does it)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from slant.web import access
from slant.web.library.deleting import delete_collection, delete_entries
from slant.web.library.forms import CollectionForm
from slant.web.library.models import Entry, Role


class TitleForm(forms.Form):
    title = forms.CharField(max_length=500, required=False, strip=True,
                            help_text="The name shown in this collection; leave empty for the article's own title")


def _login_404(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Http404("no such page")


@require_http_methods(["GET", "POST"])
def collection_rename(request: HttpRequest, cid: int) -> HttpResponse:
    _login_404(request)
    member = access.membership(request.user, cid, Role.OWNER)
    collection = member.collection
    form = CollectionForm(request.POST or None, initial={"name": collection.name})
    if request.method == "POST" and form.is_valid():
        collection.name = form.cleaned_data["name"]
        collection.save(update_fields=["name"])
        messages.success(request, f"Renamed to {collection.name}.")
        return redirect("collection", cid=cid)
    return render(request, "slant/confirm.html", {
        "title": f"Rename {collection.name}", "form": form, "button": "Rename",
        "cancel": reverse("collection", kwargs={"cid": cid}),
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def collection_delete(request: HttpRequest, cid: int) -> HttpResponse:
    _login_404(request)
    member = access.membership(request.user, cid, Role.OWNER)
    collection = member.collection
    if request.method == "POST":
        name = collection.name
        done = delete_collection(collection)
        messages.success(request, f"Deleted {name}: {done.entries} article(s) removed, "
                                  f"{done.articles} of them deleted from the server (no other collection held them).")
        return redirect("collection_list")
    count = collection.entries.count()
    return render(request, "slant/confirm.html", {
        "title": f"Delete {collection.name}?", "danger": True, "button": "Delete the collection",
        "lines": [f"This deletes the collection, its {count} article(s) with their analyses and corrections, "
                  "and its members' access to them. Articles that another collection also holds stay there.",
                  "This cannot be undone."],
        "cancel": reverse("collection", kwargs={"cid": cid}),
    })


def _entry(request: HttpRequest, cid: int, aid: str) -> Entry:
    _login_404(request)
    entry, _ = access.entry(request.user, cid, aid, Role.EDITOR)
    return entry


@require_http_methods(["GET", "POST"])
def article_rename(request: HttpRequest, cid: int, aid: str) -> HttpResponse:
    entry = _entry(request, cid, aid)
    form = TitleForm(request.POST or None, initial={"title": entry.title or entry.article.title or ""})
    if request.method == "POST" and form.is_valid():
        title = form.cleaned_data["title"]
        entry.title = "" if title == (entry.article.title or "") else title
        entry.save(update_fields=["title"])
        messages.success(request, "Renamed.")
        return redirect("article", cid=cid, aid=aid)
    return render(request, "slant/confirm.html", {
        "title": "Rename this article", "form": form, "button": "Rename",
        "lines": ["The new name is shown in this collection; the article's text and its offsets do not change."],
        "cancel": reverse("article", kwargs={"cid": cid, "aid": aid}),
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def article_delete(request: HttpRequest, cid: int, aid: str) -> HttpResponse:
    entry = _entry(request, cid, aid)
    if request.method == "POST":
        done = delete_entries(Entry.objects.filter(pk=entry.pk))
        messages.success(request, "Removed from the collection" + (" and deleted from the server." if done.articles else
                                                                    "; another collection still holds it."))
        return redirect("collection", cid=cid)
    return render(request, "slant/confirm.html", {
        "title": f"Remove {entry.title or entry.article.title or 'this article'}?", "danger": True, "button": "Remove",
        "lines": ["This removes the article from the collection with its corrections here. If no other collection "
                  "holds it, its text, analyses and search entry are deleted from the server.", "This cannot be undone."],
        "cancel": reverse("article", kwargs={"cid": cid, "aid": aid}),
    })
