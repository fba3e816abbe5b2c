"""Deleting a correction, after a confirmation page (POST with CSRF)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from slant.web import access
from slant.web.library.models import Role
from slant.web.reader.models import Action, Correction


def _describe(c: Correction) -> str:
    text = c.entry.article.text
    if c.target_id:
        return f"{c.action} of the span added by correction {c.target_id}"
    if c.start is None or c.end is None:
        return f"{c.action} of a span that can no longer be named"
    quoted = text[c.start:c.end][:120]
    what = f"{c.label} → {c.new_label}" if c.action == Action.RELABEL else c.label
    return f"{c.action} of “{quoted}” [{c.start}, {c.end}) {what}"


@require_http_methods(["GET", "POST"])
def correction_delete(request: HttpRequest, cid: int, aid: str, corr: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    entry, _ = access.entry(request.user, cid, aid, Role.EDITOR)
    correction = Correction.objects.select_related("entry__article").filter(entry=entry, pk=corr).first()
    if correction is None:
        raise Http404("no such correction")
    back = reverse("article", kwargs={"cid": cid, "aid": aid})
    if request.method == "POST":
        followups = correction.followups.count()
        correction.delete()  # corrections of a span it added go with it
        messages.success(request, "Correction deleted." + (f" {followups} correction(s) of its span went with it." if followups else ""))
        return redirect(back)
    lines = [_describe(correction)]
    if correction.action == Action.ADD and correction.followups.exists():
        lines.append(f"The {correction.followups.count()} correction(s) made to this added span are deleted with it.")
    return render(request, "slant/confirm.html", {
        "title": "Delete this correction?", "lines": lines, "button": "Delete correction", "danger": True, "cancel": back,
    })
