"""The job table: one row per article and pipeline, claimed by workers under a lease."""

from __future__ import annotations

from django.db import models

from slant.store.models import Article


class Status(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(models.Model):
    """Analyse ``article`` with ``pipeline`` (comma-separated stage names).

    A worker claims a queued job by compare-and-set, holds it under a lease it
    renews while working (``heartbeat_at``), and finishes it only if it still
    holds the claim (``claim``). A job whose lease ran out (its worker died) is
    claimed again; after ``max_attempts`` claims it fails.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="jobs")
    pipeline = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=64, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "pipeline"], name="one_job_per_article_pipeline")]

    def __str__(self) -> str:
        return f"job {self.pk} {self.status} {self.article_id[:12]}"
