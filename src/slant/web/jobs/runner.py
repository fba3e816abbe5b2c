"""Claiming and running jobs: reading uploads, fetching URLs, analysing articles.

Neither reading nor analysis runs in a request: adding only stores the raw
input and queues a job. Every job runs under a wall-clock limit
(SLANT_JOB_TIME_LIMIT_S) and fails "timed out after N s" past it; an
article longer than SLANT_MAX_ARTICLE_CHARS fails before analysis. A
worker (``slant serve`` starts them; tests call ``run_pending_jobs``) claims a
job atomically, renews its lease while the pipeline runs, stores the result
through the store models and marks the job done only if it still holds the
claim. A worker that dies leaves its job ``running`` with a lease that runs
out; the next claim picks it up again, so no job is lost, and the result is
stored once per (article, pipeline) however many times it ran.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import os
import secrets
import signal
import threading
import time
from typing import Any, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from slant.store.models import Analysis, Article as StoredArticle
from slant.web.jobs.models import Job, Kind, Status

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


def enqueue(article: StoredArticle, owner: object = None) -> Job:
    """The job analysing ``article`` with the current pipeline (created once)."""
    name = pipeline_name()
    owner_id = getattr(owner, "pk", None)
    job, created = Job.objects.get_or_create(article=article, pipeline=name, defaults={"owner_id": owner_id})
    if created and Analysis.objects.filter(article=article, pipeline=name).exists():
        # Analysed before (by the CLI, or another collection): nothing to run.
        Job.objects.filter(pk=job.pk).update(status=Status.DONE, finished_at=timezone.now())
        job.refresh_from_db()
    return job


def enqueue_intake(upload: Any) -> Job:
    """The job reading ``upload`` (a file or a URL) into articles, in a worker."""
    return Job.objects.create(kind=Kind.INTAKE, upload=upload, owner_id=upload.user_id)


def retry(job: Job) -> bool:
    """Queue a failed job again, with a fresh count of attempts; False if it had not failed."""
    return bool(Job.objects.filter(pk=job.pk, status=Status.FAILED).update(
        status=Status.QUEUED, attempts=0, error="", claim="", lease_until=None, finished_at=None,
    ))


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_until__lt=now)


def _owners_in_turn(now: dt.datetime) -> list[int | None]:
    """Owners with runnable jobs, the one to serve first first.

    Fair scheduling: first the owner with the fewest jobs running now, then
    the one whose last job was claimed longest ago (round-robin), then the
    one waiting longest. One user's thousand queued jobs therefore get one
    worker at a time while anyone else is waiting.
    """
    waiting = {
        row["owner_id"]: row["oldest"]
        for row in Job.objects.filter(_claimable(now)).values("owner_id").annotate(oldest=Min("created_at")).order_by()
    }
    if not waiting:
        return []
    running = dict(
        Job.objects.filter(status=Status.RUNNING, lease_until__gte=now).values("owner_id").annotate(n=Count("id"))
        .order_by().values_list("owner_id", "n")
    )
    served = dict(
        Job.objects.filter(owner_id__in=[o for o in waiting if o is not None], claimed_at__isnull=False)
        .values("owner_id").annotate(last=Max("claimed_at")).order_by().values_list("owner_id", "last")
    )
    never = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return sorted(waiting, key=lambda o: (running.get(o, 0), served.get(o) or never, waiting[o], o or 0))


def _of_owner(owner: int | None) -> Q:
    return Q(owner__isnull=True) if owner is None else Q(owner_id=owner)


def claim_one(worker: str = "") -> Job | None:
    """Claim the next runnable job for this worker (fairly between owners), or None.

    On PostgreSQL, ``SELECT ... FOR UPDATE SKIP LOCKED`` lets workers pass each
    other; elsewhere (SQLite) a compare-and-set UPDATE makes the claim atomic:
    of two workers racing for one row, only one UPDATE matches it.
    """
    lease = float(settings.SLANT_JOB_LEASE_S)
    for _ in range(20):
        now = timezone.now()
        token = f"{worker or os.getpid()}:{secrets.token_hex(8)}"
        claim = {"status": Status.RUNNING, "claim": token, "lease_until": now + dt.timedelta(seconds=lease),
                 "heartbeat_at": now, "claimed_at": now}
        owners = _owners_in_turn(now)
        if not owners:
            return None
        job = None
        raced = False
        for owner in owners:
            runnable = Job.objects.filter(_claimable(now)).filter(_of_owner(owner)).order_by("created_at", "id")
            if connection.vendor == "postgresql":
                with transaction.atomic():
                    job = runnable.select_for_update(skip_locked=True).first()
                    if job is None:
                        continue  # all of this owner's jobs are being claimed by others right now
                    Job.objects.filter(pk=job.pk).update(**claim, attempts=job.attempts + 1, started_at=job.started_at or now)
                break
            candidate = runnable.values("pk", "attempts", "status", "claim", "started_at").first()
            if candidate is None:
                continue
            won = Job.objects.filter(pk=candidate["pk"], status=candidate["status"], claim=candidate["claim"]).filter(
                _claimable(now)).update(**claim, attempts=candidate["attempts"] + 1, started_at=candidate["started_at"] or now)
            if not won:
                raced = True  # another worker took it first; look again
                break
            job = Job(pk=candidate["pk"])
            break
        if job is None:
            if raced:
                continue
            return None
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


class JobFailed(Exception):
    """A job that cannot succeed as given; its message is what the user reads."""


class JobTimeout(BaseException):
    """Raised into the job's thread at its wall-clock limit.

    A BaseException, so that code which catches every Exception (a stage,
    a reader) cannot swallow it and run on.
    """


# Set by the worker process (slant.web.jobs.worker): a job that overruns its
# limit by the grace period while stuck where no exception reaches it (inside
# a C extension) is marked failed and the worker process exits; `slant serve`
# starts another. Off for jobs run inline (tests, the CLI).
HARD_LIMIT = False
GRACE_S = 5.0  # at least this long past the limit, or a tenth of the limit


def _limit_s() -> float:
    return float(settings.SLANT_JOB_TIME_LIMIT_S)


def timed_out_message(limit: float) -> str:
    return f"timed out after {limit:g} s"


class _Deadline:
    """Raise JobTimeout in this thread once ``seconds`` have passed.

    In the main thread a SIGALRM timer does it, which also interrupts a
    sleeping or blocking call; in another thread, an asynchronous exception
    set from a timer thread, which lands at the next Python instruction.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timer: threading.Timer | None = None
        self._previous: Any = None
        self._signal = False

    def _raise(self, *_: object) -> None:
        raise JobTimeout()

    def __enter__(self) -> "_Deadline":
        if self.seconds <= 0:
            return self
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            self._previous = signal.signal(signal.SIGALRM, self._raise)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self._signal = True
        else:
            ident = threading.get_ident()

            def fire() -> None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(JobTimeout))

            self._timer = threading.Timer(self.seconds, fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
        if self._timer is not None:
            self._timer.cancel()


class _Heartbeat(threading.Thread):
    """Renews the job's lease while it runs, so a long job is not stolen.

    With HARD_LIMIT, it also ends a job stuck past its time limit (see there).
    """

    def __init__(self, job: Job) -> None:
        super().__init__(daemon=True)
        self.job = job
        self.stopped = threading.Event()
        self.began = time.monotonic()

    def run(self) -> None:
        lease = float(settings.SLANT_JOB_LEASE_S)
        try:
            while not self.stopped.wait(max(lease / 3, 0.05)):
                now = timezone.now()
                Job.objects.filter(pk=self.job.pk, claim=self.job.claim, status=Status.RUNNING).update(
                    heartbeat_at=now, lease_until=now + dt.timedelta(seconds=lease)
                )
                self.end_if_stuck()
        finally:
            connection.close()

    def end_if_stuck(self) -> None:
        limit = _limit_s()
        if not HARD_LIMIT or limit <= 0 or self.stopped.is_set():
            return
        if time.monotonic() - self.began > limit + max(GRACE_S, limit * 0.1):
            _finish(self.job, Status.FAILED, timed_out_message(limit))
            log.error("job %s is stuck past its limit of %g s; this worker exits", self.job.pk, limit)
            os._exit(70)


def _analyse(job: Job) -> None:
    from slant.article import Article
    from slant.doc import Doc
    from slant.pipeline import Pipeline
    from slant.store import ingest, pipeline_id, stages_of
    from slant.store.fingerprint import OUTPUT_SETTINGS

    here = pipeline_id(stages_of(job.pipeline))
    if here != job.pipeline:
        # The result is stored under the job's id: a worker whose output would differ (another slant version,
        # other model files, other output settings) must not store it there.
        raise RuntimeError(
            f"this worker's pipeline is {here}, the job was queued for {job.pipeline}: the worker runs another "
            f"slant version, other model files or other output settings ({', '.join(OUTPUT_SETTINGS)}, the "
            "gazetteer) than the web app; start it with the web app's")
    row = StoredArticle.objects.get(pk=job.article_id)
    most = int(settings.SLANT_MAX_ARTICLE_CHARS)
    if len(row.text) > most:
        raise JobFailed(f"article too long: {len(row.text)} characters, limit {most}")
    article = Article(
        text=row.text, title=row.title, url=row.url, outlet=row.outlet, author=row.author,
        published=row.published, language=row.language, source=row.source,
    )
    with _Deadline(_limit_s()):
        doc = Pipeline(stages_of(job.pipeline))(Doc(article))
    with transaction.atomic():
        # Deleted while it was analysed: storing would bring the article back with no collection holding it.
        if not StoredArticle.objects.select_for_update().filter(pk=row.pk).exists():
            raise JobFailed("the article was deleted")
        ingest.save(doc, job.pipeline)  # once per (article, pipeline), however often the job ran
        if doc.article.language and not row.language:
            StoredArticle.objects.filter(pk=row.pk).update(language=doc.article.language)


def _intake(job: Job) -> None:
    from slant.web.library import adding

    upload = job.upload
    with _Deadline(_limit_s()):
        articles, errors = adding.read_intake(upload)
    from slant.web.accounts.quotas import QuotaExceeded

    try:
        entries = adding.add_articles(upload.collection, articles, user=upload.user, origin=upload.origin)
    except QuotaExceeded as exc:
        raise JobFailed(f"{upload.label}: {exc.reason}") from None
    report = {"articles": [e.article_id for e in entries], "errors": errors}
    # Once read, the raw bytes are not needed again (the articles are stored); a failed upload keeps them for a retry.
    type(upload).objects.filter(pk=upload.pk).update(report=report, **({"data": b""} if entries else {}))
    if not entries:
        raise JobFailed("; ".join(errors) or f"{upload.label}: no article found")


def run_job(job: Job) -> str:
    """Run one claimed job to the end; returns its final status."""
    beat = _Heartbeat(job)
    beat.start()
    try:
        if job.kind == Kind.INTAKE:
            _intake(job)
        else:
            _analyse(job)
        status, error = Status.DONE, ""
    except JobTimeout:
        status, error = Status.FAILED, timed_out_message(_limit_s())
        log.warning("job %s %s", job.pk, error)
    except JobFailed as exc:
        status, error = Status.FAILED, str(exc)
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
    from slant.web.feeds.poll import poll_feeds

    while not stop.is_set():
        polled = poll_feeds()  # followed feeds: new items join their collections and are queued here
        ran = run_pending_jobs(worker=name) or bool(polled)
        if once:
            return
        if not ran:
            stop.wait(float(settings.SLANT_JOB_POLL_S))
