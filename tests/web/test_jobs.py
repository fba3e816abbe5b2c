"""Background analysis: jobs run outside requests, are claimed once, survive a killed worker."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.utils import timezone

from slant.pipeline import register
from slant.sources import article_from_text

from .conftest import ARTICLE_TEXT, client_for


@pytest.fixture
def exploding_stage():  # type: ignore[no-untyped-def]
    """A stage that always fails, registered only for the test that needs it."""
    from slant import pipeline

    def _explode():  # type: ignore[no-untyped-def]
        def run(doc):  # type: ignore[no-untyped-def]
            raise RuntimeError("the model file is corrupt")

        return run

    register("test_explode", adds=("explosion",))(_explode)
    yield "test_explode"
    pipeline._REGISTRY.pop("test_explode", None)
    pipeline._INSTANCES.pop("test_explode", None)


def _add(team, text=ARTICLE_TEXT):  # type: ignore[no-untyped-def]
    from slant.web.library.adding import add_articles

    [entry] = add_articles(team["collection"], [article_from_text(text)], user=team["users"]["owner"], origin="paste")
    return entry


def test_it_queues_in_the_request_and_analyses_in_the_worker(team) -> None:
    from slant.store.models import Analysis
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs

    client = client_for(team["users"]["editor"])
    response = client.post(f"/collections/{team['collection'].pk}/add/", {"text": ARTICLE_TEXT})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "queued" and not Analysis.objects.exists()  # nothing ran in the request
    page = client.get(response["Location"])
    assert b"queued" in page.content
    assert run_pending_jobs() == 1
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1
    data = Analysis.objects.get().data
    assert data["schema"] == "slant.analysis/1" and "entities" in data["layers"]
    for span in data["layers"]["entities"]:
        assert data["article"]["text"][span["start"]:span["end"]].strip()


def test_it_runs_an_article_once_however_often_it_is_added(team) -> None:
    from slant.store.models import Analysis, Article
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs
    from slant.web.library.adding import add_articles

    _add(team)
    run_pending_jobs()
    add_articles(team["other"], [article_from_text(ARTICLE_TEXT)], user=team["users"]["outsider"], origin="paste")
    _add(team)
    assert run_pending_jobs() == 0
    assert (Article.objects.count(), Analysis.objects.count(), Job.objects.count()) == (1, 1, 1)


def test_it_never_hands_one_job_to_two_workers(team) -> None:
    from slant.web.jobs.runner import claim_one

    _add(team, "One\n\nFirst article.")
    _add(team, "Two\n\nSecond article.")
    a, b, c = claim_one("a"), claim_one("b"), claim_one("c")
    assert a is not None and b is not None and a.pk != b.pk
    assert c is None  # both are held under a lease


def test_it_retries_a_job_whose_worker_went_silent(team) -> None:
    from slant.store.models import Analysis
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import _finish, claim_one, run_job

    _add(team)
    first = claim_one("dead-worker")
    assert claim_one("other") is None
    # The first worker dies: its lease runs out without a heartbeat.
    Job.objects.filter(pk=first.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    second = claim_one("live-worker")
    assert second is not None and second.pk == first.pk and second.attempts == 2
    assert run_job(second) == "done"
    # The dead worker's late finish changes nothing: it no longer holds the claim.
    assert _finish(first, "failed", "late") is False
    job = Job.objects.get()
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    assert Analysis.objects.count() == 1


def test_it_gives_up_after_the_attempt_limit(team, settings) -> None:
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import claim_one

    settings.SLANT_JOB_MAX_ATTEMPTS = 2
    _add(team)
    for _ in range(2):
        job = claim_one("w")
        Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert claim_one("w") is None
    job = Job.objects.get()
    assert job.status == "failed" and "gave up after 2 attempts" in job.error


def test_it_records_a_failing_pipeline_for_the_user(team, settings, exploding_stage) -> None:
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_WEB_STAGES = [exploding_stage]
    entry = _add(team)
    run_pending_jobs()
    data = client_for(team["users"]["viewer"]).get(f"/api/articles/{entry.article_id}").json()
    assert data["status"] == "failed" and "the model file is corrupt" in data["error"] and data["analysis"] is None
    page = client_for(team["users"]["viewer"]).get(f"/collections/{team['collection'].pk}/jobs/")
    assert b"the model file is corrupt" in page.content



def test_a_worker_with_other_output_settings_does_not_store_under_the_jobs_id(team, monkeypatch) -> None:
    from slant.store.models import Analysis
    from slant.web.jobs.runner import run_pending_jobs

    monkeypatch.delenv("SLANT_PERSUASION_THRESHOLD", raising=False)
    entry = _add(team)  # queued by the web app under its own settings
    monkeypatch.setenv("SLANT_PERSUASION_THRESHOLD", "0.9")  # a worker started with another threshold
    run_pending_jobs()
    monkeypatch.delenv("SLANT_PERSUASION_THRESHOLD")  # back to the web app's settings
    assert not Analysis.objects.exists()
    data = client_for(team["users"]["viewer"]).get(f"/api/articles/{entry.article_id}").json()
    assert data["status"] == "failed" and "SLANT_PERSUASION_THRESHOLD" in data["error"]


WORKER = textwrap.dedent('''
    import os, sys, time
    from slant.pipeline import register

    @register("test_slow", adds=("slow",))
    def _slow():
        def run(doc):
            marker = os.environ["SLANT_TEST_MARKER"]
            if not os.path.exists(marker):
                open(marker, "w").write(str(os.getpid()))
                time.sleep(120)  # killed here
            time.sleep(float(os.environ.get("SLANT_TEST_SLEEP", "0")))
            with open(os.environ["SLANT_TEST_DONE"], "a") as log:
                log.write(f"{os.getpid()}\\n")
            doc.set_layer("slow", [])
            return doc
        return run

    if sys.argv[1] == "seed":
        from slant import store
        store.setup()
        from django.contrib.auth import get_user_model
        from slant.sources import article_from_text
        from slant.web.library.adding import add_articles
        from slant.web.library.views import create_collection
        user = get_user_model().objects.create_user("w", password="x")
        count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
        texts = ["Title\\n\\nBody."] + [f"Title {i}\\n\\nBody {i}." for i in range(1, count)]
        add_articles(create_collection(user, "c"), [article_from_text(t) for t in texts], user=user, origin="paste")
    else:
        from slant.web.jobs.worker import main
        main(sys.argv[2:])
''')


@pytest.mark.slow
def test_it_retries_the_job_of_a_worker_killed_mid_job(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    db = tmp_path / "jobs.sqlite3"
    env = {
        **os.environ, "SLANT_DB_URL": f"sqlite:///{db}", "SLANT_DATA_DIR": str(tmp_path), "SLANT_WEB_STAGES": "test_slow",
        "SLANT_JOB_LEASE_S": "2", "SLANT_JOB_POLL_S": "0.2",
        "SLANT_TEST_MARKER": str(tmp_path / "started"), "SLANT_TEST_DONE": str(tmp_path / "done"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, str(script), "seed"], env=env, check=True, timeout=120)
    worker = subprocess.Popen([sys.executable, str(script), "work"], env=env)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "started").exists():
            assert worker.poll() is None, "the worker exited early"
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status, attempts FROM jobs_job").fetchall() == [("running", 1)]
        assert con.execute("SELECT COUNT(*) FROM store_analysis").fetchone() == (0,)
    time.sleep(2.5)  # the dead worker's lease runs out
    subprocess.run([sys.executable, str(script), "work", "--once"], env=env, check=True, timeout=120)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status, attempts, error FROM jobs_job").fetchall() == [("done", 2, "")]
        assert con.execute("SELECT COUNT(*) FROM store_analysis").fetchone() == (1,)
    assert len((tmp_path / "done").read_text().split()) == 1  # ran to the end exactly once


@pytest.mark.slow
def test_it_gives_each_job_to_one_of_several_racing_workers(tmp_path: Path) -> None:
    """Three worker processes drain twelve jobs from one SQLite file: each job runs once."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    db = tmp_path / "jobs.sqlite3"
    (tmp_path / "started").write_text("no sleeping")  # the slow stage runs straight through
    env = {
        **os.environ, "SLANT_DB_URL": f"sqlite:///{db}", "SLANT_DATA_DIR": str(tmp_path), "SLANT_WEB_STAGES": "test_slow",
        "SLANT_TEST_MARKER": str(tmp_path / "started"), "SLANT_TEST_DONE": str(tmp_path / "done"),
        "SLANT_TEST_SLEEP": "0.4",  # long enough that the workers overlap
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, str(script), "seed", "12"], env=env, check=True, timeout=120)
    workers = [subprocess.Popen([sys.executable, str(script), "work", "--once"], env=env) for _ in range(3)]
    for worker in workers:
        assert worker.wait(timeout=180) == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT status, attempts, COUNT(*) FROM jobs_job GROUP BY status, attempts").fetchall() == [("done", 1, 12)]
        assert con.execute("SELECT COUNT(*) FROM store_analysis").fetchone() == (12,)
    runs = (tmp_path / "done").read_text().split()
    assert len(runs) == 12
    assert len(set(runs)) >= 2, "only one worker got jobs: the race was not exercised"


def test_it_claims_each_job_once_across_database_connections(transactional_db) -> None:
    """Four threads, each with its own database connection, race to claim twelve jobs.

    On PostgreSQL this exercises SELECT ... FOR UPDATE SKIP LOCKED; SQLite's
    in-memory test database cannot take concurrent writers, so there the
    process race above covers the compare-and-set claim.
    """
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connection

    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import _finish, claim_one
    from slant.web.library.adding import add_articles
    from slant.web.library.views import create_collection

    if connection.vendor == "sqlite":
        pytest.skip("needs a database that takes concurrent writers (run with DATABASE_URL=postgresql://...)")
    user = get_user_model().objects.create_user("racer", password="x")
    add_articles(create_collection(user, "race"), [article_from_text(f"T{i}\n\nBody {i}.") for i in range(12)], user=user, origin="paste")
    claimed: list[int] = []
    lock = threading.Lock()

    def drain(name: str) -> None:
        from django.db import connection as own

        try:
            while (job := claim_one(name)) is not None:
                with lock:
                    claimed.append(job.pk)
                time.sleep(0.02)
                _finish(job, "done")
        finally:
            own.close()

    threads = [threading.Thread(target=drain, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(claimed) == sorted(Job.objects.values_list("pk", flat=True))
    assert set(Job.objects.values_list("status", "attempts")) == {("done", 1)}


# --- limits, retries and fair scheduling --------------------------------------------------------


@pytest.fixture
def sleepy_stage():  # type: ignore[no-untyped-def]
    """A stage that sleeps for SLEEP seconds: a job that would hold a worker."""
    from slant import pipeline

    def _sleepy():  # type: ignore[no-untyped-def]
        def run(doc):  # type: ignore[no-untyped-def]
            time.sleep(float(os.environ.get("SLANT_TEST_SLEEP", "5")))
            doc.set_layer("slept", [])
            return doc

        return run

    register("test_sleepy", adds=("slept",))(_sleepy)
    yield "test_sleepy"
    pipeline._REGISTRY.pop("test_sleepy", None)
    pipeline._INSTANCES.pop("test_sleepy", None)


def test_it_fails_a_job_past_its_time_limit(team, settings, sleepy_stage) -> None:
    from slant.store.models import Analysis
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_WEB_STAGES = [sleepy_stage]
    settings.SLANT_JOB_TIME_LIMIT_S = 0.3
    entry = _add(team)
    began = time.monotonic()
    run_pending_jobs()
    assert time.monotonic() - began < 3  # the 5 s stage was cut off
    job = Job.objects.get()
    assert (job.status, job.error) == ("failed", "timed out after 0.3 s") and not Analysis.objects.exists()
    data = client_for(team["users"]["viewer"]).get(f"/api/articles/{entry.article_id}").json()
    assert data["status"] == "failed" and data["error"] == "timed out after 0.3 s"


def test_it_limits_a_job_run_outside_the_main_thread_too(team, settings) -> None:
    import threading

    from slant.web.jobs.runner import JobTimeout, _Deadline

    outcome = []

    def busy() -> None:
        try:
            with _Deadline(0.2):
                end = time.monotonic() + 5
                while time.monotonic() < end:  # pure Python work: interrupted at the next instruction
                    pass
            outcome.append("ran on")
        except JobTimeout:
            outcome.append("timed out")

    thread = threading.Thread(target=busy)
    began = time.monotonic()
    thread.start()
    thread.join(10)
    assert outcome == ["timed out"] and time.monotonic() - began < 3


def test_it_fails_an_article_over_the_length_limit_before_analysis(team, settings) -> None:
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_MAX_ARTICLE_CHARS = 50
    _add(team)
    run_pending_jobs()
    job = Job.objects.get()
    assert (job.status, job.error) == ("failed", f"article too long: {len(ARTICLE_TEXT)} characters, limit 50")


def test_it_retries_a_failed_job_from_the_jobs_page(team, settings) -> None:
    from slant.store.models import Analysis
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_MAX_ARTICLE_CHARS = 50
    _add(team)
    run_pending_jobs()
    job = Job.objects.get()
    cid = team["collection"].pk
    page = client_for(team["users"]["editor"]).get(f"/collections/{cid}/jobs/").content.decode()
    assert f'/collections/{cid}/jobs/{job.pk}/retry/' in page and "article too long" in page
    assert client_for(team["users"]["viewer"]).post(f"/collections/{cid}/jobs/{job.pk}/retry/").status_code == 403
    assert client_for(team["users"]["outsider"]).post(f"/collections/{cid}/jobs/{job.pk}/retry/").status_code == 404
    settings.SLANT_MAX_ARTICLE_CHARS = 10_000  # the admin raised the limit
    assert client_for(team["users"]["editor"]).post(f"/collections/{cid}/jobs/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("queued", 0, "")
    run_pending_jobs()
    job.refresh_from_db()
    assert job.status == "done" and Analysis.objects.count() == 1
    # A job that did not fail is not retried.
    response = client_for(team["users"]["editor"]).post(f"/collections/{cid}/jobs/{job.pk}/retry/", follow=True)
    assert "Only a failed job" in " ".join(str(m) for m in response.context["messages"])


def test_it_retries_a_failed_intake_job(team, settings) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from slant.store.models import Article
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_JOB_TIME_LIMIT_S = 0.0001  # too short to read anything
    cid = team["collection"].pk
    client = client_for(team["users"]["editor"])
    client.post(f"/collections/{cid}/add/", {"file": SimpleUploadedFile("a.txt", b"A story\n\nIts body.")})
    run_pending_jobs()
    job = Job.objects.get(kind="intake")
    assert (job.status, job.error) == ("failed", "timed out after 0.0001 s") and not Article.objects.exists()
    settings.SLANT_JOB_TIME_LIMIT_S = 60
    client.post(f"/collections/{cid}/jobs/{job.pk}/retry/")
    run_pending_jobs()
    job.refresh_from_db()
    assert job.status == "done" and Article.objects.get().title == "A story"


def test_a_slow_page_is_fetched_in_the_worker_under_the_jobs_limit(team, settings) -> None:
    """The request only queues the URL; the worker's fetch is cut off at the job's limit."""
    import http.server
    import threading

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(50):  # trickles a byte every 0.1 s: never idle long enough for a socket timeout
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        from slant.web.jobs.models import Job
        from slant.web.jobs.runner import run_pending_jobs

        settings.SLANT_JOB_TIME_LIMIT_S = 1
        began = time.monotonic()
        response = client_for(team["users"]["editor"]).post(
            f"/collections/{team['collection'].pk}/add/", {"url": f"http://127.0.0.1:{server.server_address[1]}/slow"})
        assert response.status_code == 302 and time.monotonic() - began < 1
        began = time.monotonic()
        run_pending_jobs()
        assert time.monotonic() - began < 3
        job = Job.objects.get()
        assert (job.kind, job.status, job.error) == ("intake", "failed", "timed out after 1 s")
    finally:
        server.shutdown()
        server.server_close()


def _queue_for(user, collection, n: int, tag: str) -> None:  # type: ignore[no-untyped-def]
    from slant.web.library.adding import add_articles

    add_articles(collection, [article_from_text(f"{tag} {i}\n\nBody {tag} {i}.") for i in range(n)], user=user, origin="paste")


def test_it_takes_turns_between_users_queues(team) -> None:
    """One user's ten queued jobs do not make a later user wait: claims alternate."""
    from slant.web.jobs.runner import _finish, claim_one

    owner, outsider = team["users"]["owner"], team["users"]["outsider"]
    _queue_for(owner, team["collection"], 10, "big")
    time.sleep(0.01)
    _queue_for(outsider, team["other"], 2, "small")
    order = []
    while (job := claim_one("w")) is not None:
        order.append(job.owner.username)
        _finish(job, "done")
    assert order[:4] == ["owner", "outsider", "owner", "outsider"]
    assert order.count("owner") == 10 and order.count("outsider") == 2


def test_it_gives_a_free_worker_to_the_user_with_fewest_running_jobs(team) -> None:
    from slant.web.jobs.runner import claim_one

    owner, outsider = team["users"]["owner"], team["users"]["outsider"]
    _queue_for(owner, team["collection"], 5, "big")
    time.sleep(0.01)
    _queue_for(outsider, team["other"], 2, "small")
    # Two workers busy with the owner's big batch (as if they had claimed before the outsider queued) ...
    first, second = claim_one("w1"), claim_one("w2")
    assert {first.owner.username, second.owner.username} == {"owner", "outsider"}
    # ... a third worker goes to whoever has fewer running: here they tie at one, so round-robin.
    third = claim_one("w3")
    fourth = claim_one("w4")
    assert [third.owner.username, fourth.owner.username].count("outsider") == 1


def test_it_ends_a_worker_stuck_past_its_limit_where_no_exception_reaches(team, settings, monkeypatch) -> None:
    """In a worker process, a job stuck (in C code) past limit + grace is failed and the process exits."""
    from slant.web.jobs import runner
    from slant.web.jobs.models import Job

    settings.SLANT_JOB_TIME_LIMIT_S = 0.2
    monkeypatch.setattr(runner, "GRACE_S", 0.3)
    exits = []
    monkeypatch.setattr(runner.os, "_exit", lambda code: exits.append(code))
    _add(team)
    job = runner.claim_one("w")
    beat = runner._Heartbeat(job)  # not started: the test calls its check itself
    beat.end_if_stuck()
    monkeypatch.setattr(runner, "HARD_LIMIT", True)
    beat.end_if_stuck()
    assert exits == []  # within the limit
    beat.began -= 0.6
    beat.end_if_stuck()
    job.refresh_from_db()
    assert exits == [70] and (job.status, job.error) == ("failed", "timed out after 0.2 s")
