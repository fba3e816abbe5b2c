"""Kill test of the web app's job workers: ``kill -9`` at a chosen point, then a fresh worker.

    .venv/bin/python bench/web_worker_kill.py [--trials 3] [--articles 6] [--points claimed,analysis,storing,stored,intake]
                                              [--db postgresql://...] [--json OUT]

For each point and trial, in a fresh database (SQLite in a temporary folder,
or the PostgreSQL database given, emptied first): two users queue
``--articles`` articles each and a JSON Lines upload of four more, so the
queue holds analysis jobs of both users and one intake job. A worker process
(``python -m slant.web.jobs.worker --once`` with a hook) kills itself with
SIGKILL at the point, on the K-th time it gets there (K = 3 for the analysis
points, so some jobs are done before):

- ``claimed``: a job claimed, nothing run yet;
- ``analysis``: inside the pipeline (a stage);
- ``storing``: the analysis written, its transaction not yet committed;
- ``stored``: committed, the job not yet marked done;
- ``intake``: reading the upload, two of its four articles added.

A second worker starts once the dead worker's lease (2 s) has run out and
drains the queue. Then: lost = articles queued (or held by the upload) with
no analysis, or jobs not done; duplicated = analyses, articles or entries
beyond one per article; reclaimed = jobs claimed twice. The analysis is a
cheap stage standing in for the models (what is tested is the job
machinery, not the models).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POINTS = ("claimed", "analysis", "storing", "stored", "intake")
LEASE_S = 2.0
UPLOAD_ITEMS = 4


# --- in the child processes ----------------------------------------------------------------------


def _fire_on(k: int) -> None:
    """SIGKILL this process the k-th time it gets here (counted in a file, so once per trial)."""
    counter = Path(os.environ["SLANT_KILL_COUNTER"])
    seen = int(counter.read_text() or "0") + 1 if counter.exists() else 1
    counter.write_text(str(seen))
    if seen == k:
        Path(os.environ["SLANT_KILL_FIRED"]).write_text(os.environ["SLANT_KILL_AT"])
        os.kill(os.getpid(), signal.SIGKILL)


def _register_stage() -> None:
    from slant.pipeline import register

    @register("kill_probe", adds=("probe",))
    def _probe():  # type: ignore[no-untyped-def]
        def run(doc):  # type: ignore[no-untyped-def]
            time.sleep(0.05)
            if os.environ.get("SLANT_KILL_AT") == "analysis":
                _fire_on(int(os.environ["SLANT_KILL_AFTER"]))
            doc.set_layer("probe", [])
            return doc

        return run


def _arm() -> None:
    """Install the hook for SLANT_KILL_AT in this worker process."""
    from slant.store import ingest
    from slant.web.jobs import runner
    from slant.web.library import adding

    point, k = os.environ.get("SLANT_KILL_AT", ""), int(os.environ.get("SLANT_KILL_AFTER", "1"))
    if point == "claimed":
        run_job = runner.run_job

        def claimed(job):  # type: ignore[no-untyped-def]
            if job.kind == "analyse":
                _fire_on(k)
            return run_job(job)

        runner.run_job = claimed
    elif point == "storing":
        save = ingest.save

        def storing(doc, pipeline, **kwargs):  # type: ignore[no-untyped-def]
            done = save(doc, pipeline, **kwargs)
            _fire_on(k)  # inside the job's transaction: written, not committed
            return done

        ingest.save = storing
    elif point == "stored":
        finish = runner._finish

        def stored(job, status, error=""):  # type: ignore[no-untyped-def]
            if job.kind == "analyse":
                _fire_on(k)  # committed, not yet marked done
            return finish(job, status, error)

        runner._finish = stored
    elif point == "intake":
        store_article = adding.store_article

        def intake(article):  # type: ignore[no-untyped-def]
            row = store_article(article)
            if article.source and article.source.endswith(".jsonl"):
                _fire_on(2)  # two of the upload's articles added
            return row

        adding.store_article = intake


def _seed(articles: int) -> None:
    from slant import store

    store.setup()
    from django.contrib.auth import get_user_model

    from slant.sources import article_from_text
    from slant.web.jobs.models import Job
    from slant.web.library.adding import add_articles, queue_file
    from slant.web.library.views import create_collection

    Job.objects.all().delete()
    for name in ("ana", "ben"):
        user = get_user_model().objects.create_user(name, password="x")
        collection = create_collection(user, f"{name}'s")
        texts = [f"Story {i} for {name}\n\nThe body of story {i}, added by {name}." for i in range(articles)]
        add_articles(collection, [article_from_text(t) for t in texts], user=user, origin="paste")
        if name == "ana":
            lines = [json.dumps({"text": f"Upload item {i}\n\nA story read from an upload, number {i}."}) for i in range(UPLOAD_ITEMS)]
            queue_file(collection, user=user, name="batch.jsonl", data="\n".join(lines).encode())


def _count() -> None:
    from slant import store

    store.setup()
    from django.db.models import Count

    from slant.store.models import Analysis, Article
    from slant.web.jobs.models import Job
    from slant.web.library.models import Entry

    jobs = list(Job.objects.values("kind", "status", "attempts", "error"))
    per_article = Analysis.objects.values("article_id").annotate(n=Count("id"))
    print(json.dumps({
        "articles": Article.objects.count(),
        "analysed": per_article.count(),
        "analyses": Analysis.objects.count(),
        "entries": Entry.objects.count(),
        "entries_distinct": Entry.objects.values("collection_id", "article_id").distinct().count(),
        "jobs": len(jobs),
        "done": sum(j["status"] == "done" for j in jobs),
        "failed": [j["error"] for j in jobs if j["status"] == "failed"],
        "reclaimed": sum(j["attempts"] > 1 for j in jobs),
        "running": sum(j["status"] == "running" for j in jobs),
    }))


def child(role: str) -> None:
    _register_stage()
    if role == "seed":
        _seed(int(os.environ["SLANT_KILL_ARTICLES"]))
    elif role == "count":
        _count()
    else:
        from slant import store

        store.setup()
        _arm()
        from slant.web.jobs.worker import main

        main(["--once"])


# --- the driver --------------------------------------------------------------------------------


def _count_sqlite(path: Path) -> dict:
    """The same counts as the ``count`` child, read straight from the SQLite file (no Django start-up)."""
    import sqlite3

    with sqlite3.connect(path) as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        jobs = con.execute("SELECT status, attempts, error FROM jobs_job").fetchall()
        return {
            "articles": one("SELECT COUNT(*) FROM store_article"),
            "analysed": one("SELECT COUNT(DISTINCT article_id) FROM store_analysis"),
            "analyses": one("SELECT COUNT(*) FROM store_analysis"),
            "entries": one("SELECT COUNT(*) FROM library_entry"),
            "entries_distinct": one("SELECT COUNT(*) FROM (SELECT DISTINCT collection_id, article_id FROM library_entry)"),
            "jobs": len(jobs),
            "done": sum(s == "done" for s, _, _ in jobs),
            "failed": [e for s, _, e in jobs if s == "failed"],
            "reclaimed": sum(a > 1 for _, a, _ in jobs),
            "running": sum(s == "running" for s, _, _ in jobs),
        }


def _reset_postgres(url: str) -> None:
    """Drop every table of the given PostgreSQL database (a database of its own for this test)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql://", "postgresql://", 1), autocommit=True) as con:
        con.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def trial(point: str, workdir: Path, *, articles: int = 6, db: str | None = None, timeout: float = 180.0) -> dict:
    """One kill at ``point`` and a restart; the counts afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    if db:
        _reset_postgres(db)
    url = db or f"sqlite:///{workdir / 'web.sqlite3'}"
    env = {**os.environ, "SLANT_DB_URL": url, "SLANT_DATA_DIR": str(workdir), "SLANT_WEB_STAGES": "kill_probe",
           "SLANT_JOB_LEASE_S": str(LEASE_S), "SLANT_JOB_POLL_S": "0.1", "SLANT_KILL_ARTICLES": str(articles),
           "SLANT_KILL_COUNTER": str(workdir / "counter"), "SLANT_KILL_FIRED": str(workdir / "fired"),
           "OMP_NUM_THREADS": "1"}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SLANT_KILL_AT"):
        env.pop(name, None)
    script = [sys.executable, str(Path(__file__).resolve())]
    began = time.monotonic()
    subprocess.run([*script, "--child", "seed"], env=env, check=True, timeout=timeout)
    killed = subprocess.run([*script, "--child", "work"], env={**env, "SLANT_KILL_AT": point, "SLANT_KILL_AFTER": "3"},
                            timeout=timeout)
    fired = (workdir / "fired").exists()

    def count() -> dict:
        if not db:
            return _count_sqlite(workdir / "web.sqlite3")
        out = subprocess.run([*script, "--child", "count"], env=env, check=True, timeout=timeout, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    before = count()
    time.sleep(LEASE_S + 0.5)  # the dead worker's lease runs out
    subprocess.run([*script, "--child", "work"], env=env, check=True, timeout=timeout)
    after = count()
    expected = 2 * articles + UPLOAD_ITEMS
    return {
        "point": point,
        "killed": killed.returncode == -signal.SIGKILL and fired,
        "running_after_kill": before["running"],
        "articles_expected": expected,
        "lost": (expected - after["analysed"]) + (after["jobs"] - after["done"]),
        "duplicated": (after["analyses"] - after["analysed"]) + max(0, after["articles"] - expected)
        + (after["entries"] - after["entries_distinct"]) + max(0, after["entries"] - expected),
        "jobs": after["jobs"],
        "done": after["done"],
        "failed": after["failed"],
        "reclaimed": after["reclaimed"],
        "wall_s": round(time.monotonic() - began, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--db", help="a PostgreSQL URL of a database of its own (emptied for each trial); default SQLite")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="slant-web-kill-") as tmp:
        for point in args.points.split(","):
            for n in range(args.trials):
                result = trial(point, Path(tmp) / f"{point}-{n}", articles=args.articles, db=args.db)
                results.append(result)
                print(json.dumps(result), flush=True)
    ok = all(r["killed"] and r["lost"] == 0 and r["duplicated"] == 0 and not r["failed"] for r in results)
    print(f"{len(results)} kills at {len(set(r['point'] for r in results))} points: "
          f"lost {sum(r['lost'] for r in results)}, duplicated {sum(r['duplicated'] for r in results)}, "
          f"failed {sum(len(r['failed']) for r in results)}, jobs reclaimed after the lease {sum(r['reclaimed'] for r in results)}"
          f" -> {'OK' if ok else 'FAILED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
