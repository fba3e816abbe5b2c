"""Kill tests: ``kill -9`` of ``slant ingest`` (1 and 2 workers), or of a Ray node, then a rerun.

    .venv/bin/python bench/killtests.py [--articles 60] [--stages language,sentences]
                                        [--configs local:1,local:2,ray:2] [--points 0.1,0.5,0.9] [--json OUT]

For each configuration and each kill point (a share of the articles stored
when the kill comes: early, middle, late), in a fresh SQLite database:

- local: the ``slant ingest`` driver gets SIGKILL; five seconds later, its
  pool workers must be gone (orphans); then the same command runs again;
- ray (a real cluster of separate processes on this machine, see
  ``tests/raycluster.py``): the second node's raylet gets SIGKILL; the
  batch must finish on the head; then the same command runs again (and the
  lost node is started again for the next point).

Then the stored rows are counted against the input ids: lost = input ids
with no analysis, duplicated = analyses beyond one per id (the store's
unique key makes it 0 unless that key is gone). Articles are the first N
PTC train articles (``../shared/data``, read at run time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "ptc-semeval2020-task11" / "train-articles"
sys.path.insert(0, str(ROOT / "tests"))


def stored(db: Path) -> tuple[int, int, int]:
    """(analyses, distinct (article, pipeline) pairs, article rows)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            a, d = conn.execute("SELECT COUNT(*), COUNT(DISTINCT article_id || ' ' || pipeline) "
                                "FROM store_analysis").fetchone()
            (n,) = conn.execute("SELECT COUNT(*) FROM store_article").fetchone()
            return a, d, n
    except sqlite3.OperationalError:
        return 0, 0, 0


def pipelines(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(DISTINCT pipeline) FROM store_analysis").fetchone()[0]


def stored_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT article_id FROM store_analysis")}


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def summary_of(out: str) -> dict:
    m = re.search(r"^(\d+) stored, (\d+) skipped .*?, (\d+) failed, in ([\d.]+) s", out, re.M)
    return {"stored": int(m[1]), "skipped": int(m[2]), "failed": int(m[3]), "seconds": float(m[4])} if m else {}


def one(folder: Path, ids: set[str], stages: str, engine: str, workers: int, point: float, cluster) -> dict:  # type: ignore[no-untyped-def]
    n = len(ids)
    with tempfile.TemporaryDirectory(prefix="slant-kill-") as tmp:
        db = Path(tmp) / "kill.sqlite3"
        url = f"sqlite:///{db}"
        command = [sys.executable, "-m", "slant.cli", "ingest", str(folder), "--db", url, "--stages", stages,
                   "--workers", str(workers)]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "SLANT_DATA_DIR": tmp}
        if engine == "ray":
            command += ["--engine", "ray", "--address", cluster.address]
            env.update(cluster.env)
        subprocess.run([sys.executable, "-c", "import sys; from slant import store; store.setup(sys.argv[1])", url],
                       env=env, check=True)
        started = time.monotonic()
        driver = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        target = max(1, round(point * n))
        while stored(db)[0] < target and driver.poll() is None:
            time.sleep(0.02)
        at_kill = stored(db)[0]
        row = {"engine": engine, "workers": workers, "articles": n, "point": point, "stored_at_kill": at_kill,
               "kill_at_s": round(time.monotonic() - started, 1)}
        if driver.poll() is not None:
            row["note"] = "finished before the kill"
        elif engine == "local":
            pool = children(driver.pid)
            driver.send_signal(signal.SIGKILL)
            driver.communicate()
            time.sleep(5)
            row["orphans_after_5s"] = sum(alive(pid) for pid in pool)
            for pid in pool:  # whatever outlived the driver goes now
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
        else:
            cluster.kill_raylet(cluster.nodes[-1])
            out, err = driver.communicate(timeout=1200)
            row["first_run"] = summary_of(out)
            row["first_run_exit"] = driver.returncode
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
        row["rerun"] = summary_of(rerun.stdout)
        row["rerun_exit"] = rerun.returncode
        analyses, distinct, articles = stored(db)
        row["lost"] = len(ids - stored_ids(db))
        row["duplicated"] = analyses - distinct
        row["extra"] = len(stored_ids(db) - ids)
        row["article_rows"] = articles
        row["pipelines"] = pipelines(db)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--stages", default="language,sentences")
    parser.add_argument("--configs", default="local:1,local:2,ray:2")
    parser.add_argument("--points", default="0.1,0.5,0.9")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2

    from slant import Article
    from slant.sources import iter_sources

    points = [float(p) for p in args.points.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="slant-kill-in-") as tmp:
        folder = Path(tmp)
        for path in sorted(args.data.glob("*.txt"))[: args.articles]:
            (folder / path.name).write_bytes(path.read_bytes())
        ids = {a.id for a in iter_sources(folder) if isinstance(a, Article)}
        for config in args.configs.split(","):
            engine, workers = config.split(":")[0], int(config.split(":")[1])
            cluster = None
            if engine == "ray":
                from raycluster import RayCluster

                cluster = RayCluster()
                cluster.start_head(num_cpus=1)
                cluster.add_node(num_cpus=1)
            try:
                for point in points:
                    row = one(folder, ids, args.stages, engine, workers, point, cluster)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
                    if cluster is not None and cluster.lost:
                        cluster.add_node(num_cpus=1)  # the lost node comes back for the next point
            finally:
                if cluster is not None:
                    cluster.stop()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    bad = [r for r in rows if r["lost"] or r["duplicated"] or r["extra"] or r.get("orphans_after_5s")]
    print(f"{len(rows)} kills, {len(bad)} with something lost, duplicated or orphaned")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
