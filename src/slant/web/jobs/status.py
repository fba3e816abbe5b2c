"""What the app tells a user about an article's analysis."""

from __future__ import annotations

from typing import Any, Iterable

from slant.store.models import Analysis, Article
from slant.web.jobs.models import Job, Status
from slant.web.jobs.runner import pipeline_name


def analysis_state(article: Article) -> dict[str, Any]:
    """``{"status", "error", "analysis", "pipeline", "job"}`` for the current pipeline.

    An analysis stored by any pipeline counts as done when the current one
    has no job for the article (it was analysed by the CLI, say).
    """
    name = pipeline_name()
    job = Job.objects.filter(article=article, pipeline=name).first()
    stored = Analysis.objects.filter(article=article, pipeline=name).first()
    if stored is None and job is None:
        stored = Analysis.objects.filter(article=article).order_by("-created_at").first()
    if stored is not None:
        return {"status": Status.DONE.value, "error": None, "analysis": stored.data, "pipeline": stored.pipeline, "job": job}
    if job is None:
        return {"status": Status.QUEUED.value, "error": None, "analysis": None, "pipeline": None, "job": None}
    return {"status": job.status, "error": job.error or None, "analysis": None, "pipeline": None, "job": job}


def analyses_of(article_ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """``article id -> (pipeline, analysis)`` as ``analysis_state`` picks it, for many articles in a few queries."""
    ids = set(article_ids)
    name = pipeline_name()
    found = {a: (name, data) for a, data in Analysis.objects.filter(article_id__in=ids, pipeline=name).values_list("article_id", "data")}
    missing = ids - set(found)
    if missing:
        queued = set(Job.objects.filter(article_id__in=missing, pipeline=name).values_list("article_id", flat=True))
        rest = missing - queued
        if rest:
            for a, pipeline, data in (Analysis.objects.filter(article_id__in=rest).order_by("created_at", "id")
                                      .values_list("article_id", "pipeline", "data")):
                found[a] = (pipeline, data)  # the newest wins
    return found


def statuses_of(article_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """``article id -> (status, error)`` as ``analysis_state`` says it, in a few queries."""
    ids = set(article_ids)
    name = pipeline_name()
    done = set(Analysis.objects.filter(article_id__in=ids, pipeline=name).values_list("article_id", flat=True))
    jobs = {a: (s, e or None) for a, s, e in Job.objects.filter(article_id__in=ids - done, pipeline=name).values_list("article_id", "status", "error")}
    other = set(Analysis.objects.filter(article_id__in=ids - done - set(jobs)).values_list("article_id", flat=True))
    out: dict[str, tuple[str, str | None]] = {}
    for a in ids:
        if a in done or a in other:
            out[a] = (Status.DONE.value, None)
        else:
            out[a] = jobs.get(a, (Status.QUEUED.value, None))
    return out
