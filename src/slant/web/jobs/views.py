"""The jobs page of a collection: what is queued, running, done or failed."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from slant.web import access
from slant.web.http import json_response
from slant.web.jobs.models import Job
from slant.web.jobs.runner import pipeline_name


def jobs_data(cid: int) -> list[dict[str, Any]]:
    name = pipeline_name()
    rows = Job.objects.filter(article__entries__collection_id=cid, pipeline=name).select_related("article").order_by("-created_at", "id")
    return [
        {"article": j.article_id, "title": j.article.title, "status": j.status, "attempts": j.attempts,
         "error": j.error or None, "created_at": j.created_at.isoformat(),
         "finished_at": j.finished_at.isoformat() if j.finished_at else None}
        for j in rows
    ]


def jobs(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    member = access.membership(request.user, cid)
    return render(request, "jobs/list.html", {"collection": member.collection, "jobs": jobs_data(cid)})


def jobs_json(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    access.membership(request.user, cid)
    return json_response({"collection": cid, "jobs": jobs_data(cid)})
