"""What the app tells a user about an article's analysis."""

from __future__ import annotations

from typing import Any

from slant.store.models import Analysis, Article
from slant.web.jobs.models import Job, Status
from slant.web.jobs.runner import pipeline_name


def analysis_state(article: Article) -> dict[str, Any]:
    """``{"status", "error", "analysis", "job"}`` for the current pipeline.

    An analysis stored by any pipeline counts as done when the current one
    has no job for the article (it was analysed by the CLI, say).
    """
    name = pipeline_name()
    job = Job.objects.filter(article=article, pipeline=name).first()
    stored = Analysis.objects.filter(article=article, pipeline=name).first()
    if stored is None and job is None:
        stored = Analysis.objects.filter(article=article).order_by("-created_at").first()
    if stored is not None:
        return {"status": Status.DONE.value, "error": None, "analysis": stored.data, "job": job}
    if job is None:
        return {"status": Status.QUEUED.value, "error": None, "analysis": None, "job": None}
    return {"status": job.status, "error": job.error or None, "analysis": None, "job": job}
