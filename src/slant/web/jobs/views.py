"""The jobs page of a collection: files and pages being read, articles being
analysed, each queued, running, done or failed, with a retry for the failed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from slant.web import access
from slant.web.http import json_response
from slant.web.jobs.models import Job, Kind
from slant.web.jobs.runner import pipeline_name, retry
from slant.web.library.models import Role


def _in_collection(cid: int) -> Q:
    """Jobs of a collection: analyses of its articles (current pipeline) and reading of its uploads."""
    return Q(kind=Kind.ANALYSE, article__entries__collection_id=cid, pipeline=pipeline_name()) | Q(
        kind=Kind.INTAKE, upload__collection_id=cid)


def job_data(j: Job) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": j.pk, "kind": j.kind, "status": j.status, "attempts": j.attempts, "error": j.error or None,
        "created_at": j.created_at.isoformat(), "finished_at": j.finished_at.isoformat() if j.finished_at else None,
    }
    if j.kind == Kind.INTAKE and j.upload is not None:
        report = j.upload.report or {}
        row.update({"source": j.upload.label, "articles": report.get("articles", []), "errors": report.get("errors", [])})
    else:
        row.update({"article": j.article_id, "title": j.article.title if j.article else None})
    return row


def jobs_data(cid: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = (Job.objects.filter(_in_collection(cid)).select_related("article", "upload").defer("upload__data", "article__text")
            .distinct().order_by("-created_at", "-id")[:limit])
    return [job_data(j) for j in rows]


def jobs(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    member = access.membership(request.user, cid)
    return render(request, "jobs/list.html", {"collection": member.collection, "jobs": jobs_data(cid),
                                              "can_edit": member.can(Role.EDITOR)})


def jobs_json(request: HttpRequest, cid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    access.membership(request.user, cid)
    return json_response({"collection": cid, "jobs": jobs_data(cid)})


def job_of_collection(cid: int, jid: int) -> Job:
    job = Job.objects.filter(_in_collection(cid), pk=jid).first()
    if job is None:
        raise Http404("no such job")
    return job


@require_POST
def job_retry(request: HttpRequest, cid: int, jid: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    access.membership(request.user, cid, Role.EDITOR)
    job = job_of_collection(cid, jid)
    if retry(job):
        messages.success(request, "The job is queued again.")
    else:
        messages.error(request, f"Only a failed job can be retried; this one is {job.status}.")
    return redirect("jobs", cid=cid)
