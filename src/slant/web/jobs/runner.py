"""Claiming and running analysis jobs.

Analysis never runs in a request: adding an article only queues a job. A
worker (``slant serve`` starts them; tests call ``run_pending_jobs``) claims a
job atomically, renews its lease while the pipeline runs, stores the result
through the store models and marks the job done only if it still holds the
claim. A worker that dies leaves its job ``running`` with a lease that runs
out; the next claim picks it up again, so no job is lost, and the result is
stored once per (article, pipeline) however many times it ran.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
import time
from typing import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from slant.store.models import Analysis, Article as StoredArticle
from slant.web.jobs.models import Job, Status

log = logging.getLogger("slant.web.jobs")


def stage_names() -> list[str]:
    """The stages the web app runs: SLANT_WEB_STAGES, else every default stage present."""
    from slant.pipeline import Pipeline

    configured: Sequence[str] = getattr(settings, "SLANT_WEB_STAGES", None) or []
    return list(configured) if configured else Pipeline().names


def pipeline_name() -> str:
    """The store's id of the web app's pipeline (stage names, version, model digest)."""
    from slant.store import pipeline_id

    return pipeline_id(stage_names())


def enqueue(article: StoredArticle) -> Job:
    """The job analysing ``article`` with the current pipeline (created once)."""
    name = pipeline_name()
    job, created = Job.objects.get_or_create(article=article, pipeline=name)
    if created and Analysis.objects.filter(article=article, pipeline=name).exists():
        # Analysed before (by the CLI, or another collection): nothing to run.
        Job.objects.filter(pk=job.pk).update(status=Status.DONE, finished_at=timezone.now())
        job.refresh_from_db()
    return job


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_until__lt=now)


def claim_one(worker: str = "") -> Job | None:
    """Claim the oldest runnable job for this worker, or None.

    On PostgreSQL, ``SELECT ... FOR UPDATE SKIP LOCKED`` lets workers pass each
    other; elsewhere (SQLite) a compare-and-set UPDATE makes the claim atomic:
    of two workers racing for one row, only one UPDATE matches it.
    """
    lease = float(settings.SLANT_JOB_LEASE_S)
    for _ in range(20):
        now = timezone.now()
        token = f"{worker or os.getpid()}:{secrets.token_hex(8)}"
        if connection.vendor == "postgresql":
            with transaction.atomic():
                job = Job.objects.select_for_update(skip_locked=True).filter(_claimable(now)).order_by("created_at", "id").first()
                if job is None:
                    return None
                Job.objects.filter(pk=job.pk).update(
                    status=Status.RUNNING, claim=token, attempts=job.attempts + 1,
                    lease_until=now + dt.timedelta(seconds=lease), heartbeat_at=now,
                    started_at=job.started_at or now,
                )
        else:
            candidate = Job.objects.filter(_claimable(now)).order_by("created_at", "id").values("pk", "attempts", "status", "claim").first()
            if candidate is None:
                return None
            won = Job.objects.filter(pk=candidate["pk"], status=candidate["status"], claim=candidate["claim"]).filter(_claimable(now)).update(
                status=Status.RUNNING, claim=token, attempts=candidate["attempts"] + 1,
                lease_until=now + dt.timedelta(seconds=lease), heartbeat_at=now, started_at=now,
            )
            if not won:
                continue  # another worker took it first; try the next one
            job = Job(pk=candidate["pk"])
        job.refresh_from_db()
        if job.attempts > settings.SLANT_JOB_MAX_ATTEMPTS:
            _finish(job, Status.FAILED, f"gave up after {job.attempts - 1} attempts: the worker stopped each time")
            continue
        return job
    return None


def _finish(job: Job, status: str, error: str = "") -> bool:
    """Mark the job finished if this worker still holds its claim."""
    return bool(
        Job.objects.filter(pk=job.pk, claim=job.claim, status=Status.RUNNING).update(
            status=status, error=error[:2000], lease_until=None, finished_at=timezone.now()
        )
    )


class _Heartbeat(threading.Thread):
    """Renews the job's lease while the pipeline runs, so a long job is not stolen."""

    def __init__(self, job: Job) -> None:
        super().__init__(daemon=True)
        self.job = job
        self.stopped = threading.Event()

    def run(self) -> None:
        lease = float(settings.SLANT_JOB_LEASE_S)
        try:
            while not self.stopped.wait(max(lease / 3, 0.05)):
                now = timezone.now()
                Job.objects.filter(pk=self.job.pk, claim=self.job.claim, status=Status.RUNNING).update(
                    heartbeat_at=now, lease_until=now + dt.timedelta(seconds=lease)
                )
        finally:
            connection.close()


def run_job(job: Job) -> str:
    """Run one claimed job to the end; returns its final status."""
    from slant.article import Article
    from slant.doc import Doc
    from slant.pipeline import Pipeline
    from slant.store import ingest, pipeline_id, stages_of
    from slant.store.fingerprint import OUTPUT_SETTINGS

    beat = _Heartbeat(job)
    beat.start()
    try:
        here = pipeline_id(stages_of(job.pipeline))
        if here != job.pipeline:
            # The result is stored under the job's id: a worker whose output would differ (another slant version,
            # other model files, other output settings) must not store it there.
            raise RuntimeError(
                f"this worker's pipeline is {here}, the job was queued for {job.pipeline}: the worker runs another "
                f"slant version, other model files or other output settings ({', '.join(OUTPUT_SETTINGS)}, the "
                "gazetteer) than the web app; start it with the web app's")
        row = StoredArticle.objects.get(pk=job.article_id)
        article = Article(
            text=row.text, title=row.title, url=row.url, outlet=row.outlet, author=row.author,
            published=row.published, language=row.language, source=row.source,
        )
        doc = Pipeline(stages_of(job.pipeline))(Doc(article))
        ingest.save(doc, job.pipeline)  # once per (article, pipeline), however often the job ran
        if doc.article.language and not row.language:
            StoredArticle.objects.filter(pk=row.pk).update(language=doc.article.language)
        status = Status.DONE
        error = ""
    except Exception as exc:  # noqa: BLE001  (any failure is the job's, recorded for the user)
        log.exception("job %s failed", job.pk)
        status, error = Status.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        beat.stopped.set()
        beat.join()
    if not _finish(job, status, error):
        log.warning("job %s was taken over by another worker; its result is stored once", job.pk)
    return status


def run_pending_jobs(limit: int | None = None, worker: str = "inline") -> int:
    """Run queued jobs in this process until none is left (or ``limit``); returns how many ran."""
    done = 0
    while limit is None or done < limit:
        job = claim_one(worker)
        if job is None:
            break
        run_job(job)
        done += 1
    return done


def work(stop: threading.Event | None = None, *, worker: str = "", once: bool = False) -> None:
    """A worker's loop: claim and run jobs, sleep when there are none."""
    stop = stop or threading.Event()
    name = worker or f"worker-{os.getpid()}"
    while not stop.is_set():
        from slant.web.feeds.poll import poll_feeds

        polled = poll_feeds()  # followed feeds: new items join their collections and are queued here
        ran = run_pending_jobs(worker=name) or bool(polled)
        if once:
            return
        if not ran:
            stop.wait(float(settings.SLANT_JOB_POLL_S))
