"""The job table: one row per article and pipeline, claimed by workers under a lease."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from slant.store.models import Article


class Status(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Kind(models.TextChoices):
    ANALYSE = "analyse"  # run the pipeline over a stored article
    INTAKE = "intake"  # read an upload or fetch a URL into articles


class Job(models.Model):
    """Analyse ``article`` with ``pipeline``, or read ``upload`` into articles.

    Every job has an ``owner`` (the user who queued it); workers take the
    next job from the owner with the fewest running jobs, and among equals
    from the one served least recently, so one user's large batch never
    starves another's.

    A worker claims a queued job by compare-and-set, holds it under a lease it
    renews while working (``heartbeat_at``), and finishes it only if it still
    holds the claim (``claim``). A job whose lease ran out (its worker died) is
    claimed again; after ``max_attempts`` claims it fails.
    """

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ANALYSE)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="jobs", null=True, blank=True)
    upload = models.OneToOneField("library.Upload", on_delete=models.CASCADE, related_name="job", null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pipeline = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=64, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # the latest claim, for round-robin between owners
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "pipeline"], name="one_job_per_article_pipeline")]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} {self.status} {(self.article_id or '')[:12]}"
