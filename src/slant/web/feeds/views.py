"""A collection's followed feeds: list with their health (and a JSON twin), follow, poll now, unfollow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from slant.web import access
from slant.web.feeds.models import Feed, ItemStatus
from slant.web.http import json_response
from slant.web.library.models import Role


class FeedForm(forms.Form):
    url = forms.URLField(max_length=2000, assume_scheme="https", label="Feed address (RSS or Atom)")
    interval_min = forms.IntegerField(min_value=1, max_value=7 * 24 * 60, required=False, label="Check every (minutes)")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Only http:// and https:// feeds can be followed.")
        return url

    def interval_s(self) -> int:
        minutes = self.cleaned_data.get("interval_min")
        seconds = int(minutes * 60) if minutes else int(settings.SLANT_FEED_INTERVAL_S)
        return max(seconds, int(settings.SLANT_FEED_MIN_INTERVAL_S))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def feed_data(feed: Feed) -> dict[str, Any]:
    counts = {s: 0 for s in ItemStatus.values}
    for status in feed.items.values_list("status", flat=True):
        counts[status] += 1
    return {
        "id": feed.pk, "url": feed.url, "title": feed.title, "interval_s": feed.interval_s,
        "last_polled_at": _iso(feed.last_polled_at), "last_success_at": _iso(feed.last_success_at),
        "last_status": feed.last_status, "last_error": feed.last_error or None, "last_error_at": _iso(feed.last_error_at),
        "failures": feed.failures, "next_poll_at": _iso(feed.next_poll_at), "warning": feed.warning or None,
        "items": counts,
        "failed_items": [{"link": i.link, "error": i.error, "attempts": i.attempts}
                         for i in feed.items.filter(status=ItemStatus.FAILED).order_by("-id")[:20]],
    }


def _feeds(cid: int) -> list[Feed]:
    return list(Feed.objects.filter(collection_id=cid).order_by("url", "id"))


@require_http_methods(["GET", "POST"])
def feeds(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    member = access.membership(request.user, cid)
    can_edit = member.can(Role.EDITOR)
    form = FeedForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("following feeds needs the editor role")
        form = FeedForm(request.POST)
        if form.is_valid():
            url = form.cleaned_data["url"]
            feed, created = Feed.objects.get_or_create(
                collection=member.collection, url=url,
                defaults={"interval_s": form.interval_s(), "added_by": request.user, "next_poll_at": timezone.now()},
            )
            if created:
                messages.success(request, f"Following {url}. New articles arrive as the worker polls it.")
            else:
                messages.info(request, f"This collection already follows {url}.")
            return redirect("feeds", cid=cid)
    return render(request, "feeds/feeds.html", {
        "collection": member.collection, "member": member, "can_edit": can_edit, "form": form,
        "feeds": [feed_data(f) for f in _feeds(cid)],
    })


def feeds_json(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    access.membership(request.user, cid)
    return json_response({"collection": cid, "feeds": [feed_data(f) for f in _feeds(cid)]})


def _editable_feed(request: HttpRequest, cid: int, fid: int) -> Feed:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    member = access.membership(request.user, cid)
    feed = Feed.objects.filter(collection_id=cid, pk=fid).first()
    if feed is None:
        raise Http404("no such feed")
    if not member.can(Role.EDITOR):
        raise PermissionDenied("this needs the editor role")
    return feed


@require_POST
def feed_poll_now(request: HttpRequest, cid: int, fid: int) -> HttpResponse:
    feed = _editable_feed(request, cid, fid)
    Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())
    messages.info(request, f"{feed.url} will be polled on the worker's next turn.")
    return redirect("feeds", cid=cid)


@require_POST
def feed_unfollow(request: HttpRequest, cid: int, fid: int) -> HttpResponse:
    feed = _editable_feed(request, cid, fid)
    url = feed.url
    feed.delete()  # the articles it brought stay in the collection
    messages.success(request, f"No longer following {url}. The articles it brought stay in the collection.")
    return redirect("feeds", cid=cid)
