"""Scale-out on a real Ray cluster on this machine: articles/s with 1 and 2 nodes, and a node lost mid-batch.

    .venv/bin/python bench/cluster.py [--scaling-articles 40] [--scaling-stages all]
                                      [--articles 500] [--stages language,sentences] [--json OUT]

The cluster is made of separate processes (``ray start --head`` and
``ray start --address``, each with its own temp folder and ports, one CPU
each; see ``tests/raycluster.py``), and ``slant ingest --engine ray
--address ...`` runs as its own process, exactly as on several machines.

1. Scaling, in one run: the head alone, ``--workers 1``; then a second node
   joins and the same articles go into a fresh database with ``--workers 2``.
   Articles/s = articles / the command's wall time (Ray connection, model
   loading in the actors and storing included), and the command's own rate.
2. Node loss: ``--articles`` articles (all 371 PTC train articles, then
   train articles again with the title marked ``[copy]`` to reach 500
   distinct texts; written to a temp folder at run time) with ``--workers
   2``; the second node's raylet gets SIGKILL once half are stored. The batch
   must finish on the head, every input id stored exactly once; a rerun must
   store nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "ptc-semeval2020-task11" / "train-articles"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from killtests import stored, stored_ids, summary_of  # noqa: E402


def write_articles(folder: Path, data: Path, n: int) -> None:
    paths = sorted(data.glob("*.txt"))
    for i in range(n):
        path = paths[i % len(paths)]
        text = path.read_text(encoding="utf-8")
        if i >= len(paths):  # a second copy with another text, so another id
            text = "[copy] " + text
        (folder / f"{i:04d}-{path.name}").write_text(text, encoding="utf-8")


def ingest(folder: Path, db: Path, stages: str | None, workers: int, cluster) -> tuple[subprocess.Popen, list[str]]:  # type: ignore[no-untyped-def]
    command = [sys.executable, "-m", "slant.cli", "ingest", str(folder), "--db", f"sqlite:///{db}",
               "--engine", "ray", "--address", cluster.address, "--workers", str(workers)]
    if stages:
        command += ["--stages", stages]
    subprocess.run([sys.executable, "-c", "import sys; from slant import store; store.setup(sys.argv[1])",
                    f"sqlite:///{db}"], env=cluster.env, check=True)
    return subprocess.Popen(command, env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), command


class CpuSampler(threading.Thread):
    """CPU seconds used by the cluster's processes (its nodes' sessions) while it runs.

    Ray's actors are not children of the driver, and they are gone when the
    batch ends, so their CPU time is read from /proc every quarter second
    while they live; a process's last reading counts.
    """

    def __init__(self, sessions: list[int]) -> None:
        super().__init__(daemon=True)
        self.sessions, self.seen, self.stopped = set(sessions), {}, threading.Event()
        self.baseline = self._read()

    def _read(self) -> dict[int, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[3]) in self.sessions:
                    found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
        return found

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.seen.update(self._read())

    def total(self) -> float:
        self.stopped.set()
        self.join()
        self.seen.update(self._read())
        return sum(cpu - self.baseline.get(pid, 0.0) for pid, cpu in self.seen.items())


def timed(folder: Path, db: Path, stages: str | None, workers: int, cluster) -> dict:  # type: ignore[no-untyped-def]
    load = os.getloadavg()[0]
    sampler = CpuSampler([node.session for node in cluster.nodes])
    sampler.start()
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    driver, _ = ingest(folder, db, stages, workers, cluster)
    out, err = driver.communicate(timeout=3600)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cluster_cpu = sampler.total()
    driver_cpu = (after.ru_utime + after.ru_stime) - (own.ru_utime + own.ru_stime)
    summary = summary_of(out)
    n = summary.get("stored", 0)
    return {"nodes": workers, "workers": workers, "wall_s": round(wall, 1), **summary,
            "articles_per_s": round(n / wall, 3), "cluster_cpu_s": round(cluster_cpu, 1),
            "driver_cpu_s": round(driver_cpu, 1),
            "cpu_s_per_article": round((cluster_cpu + driver_cpu) / n, 2) if n else None,
            "exit": driver.returncode,
            "load_avg_before": round(load, 2), "load_avg_after": round(os.getloadavg()[0], 2),
            "stderr_tail": err[-300:] if driver.returncode else ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--scaling-articles", type=int, default=40)
    parser.add_argument("--scaling-stages", default="all", help="'all' for the default pipeline")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--stages", default="language,sentences")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    from raycluster import RayCluster

    from slant import Article
    from slant.sources import iter_sources

    result: dict = {}
    scaling_stages = None if args.scaling_stages == "all" else args.scaling_stages
    with tempfile.TemporaryDirectory(prefix="slant-cluster-") as tmp, RayCluster() as cluster:
        root = Path(tmp)
        t = time.monotonic()
        cluster.start_head(num_cpus=1)
        result["head_start_s"] = round(time.monotonic() - t, 1)
        if not args.skip_scaling:
            small = root / "scaling"
            small.mkdir()
            write_articles(small, args.data, args.scaling_articles)
            result["one_node"] = timed(small, root / "one.sqlite3", scaling_stages, 1, cluster)
            print(json.dumps(result["one_node"]), flush=True)
        t = time.monotonic()
        worker = cluster.add_node(num_cpus=1)
        result["node_start_s"] = round(time.monotonic() - t, 1)
        if not args.skip_scaling:
            result["two_nodes"] = timed(small, root / "two.sqlite3", scaling_stages, 2, cluster)
            print(json.dumps(result["two_nodes"]), flush=True)
        if not args.skip_kill:
            big = root / "big"
            big.mkdir()
            write_articles(big, args.data, args.articles)
            ids = {a.id for a in iter_sources(big) if isinstance(a, Article)}
            db = root / "kill.sqlite3"
            started = time.monotonic()
            driver, command = ingest(big, db, args.stages, 2, cluster)
            while stored(db)[0] < len(ids) // 2 and driver.poll() is None:
                time.sleep(0.05)
            kill = {"articles": len(ids), "stored_at_kill": stored(db)[0],
                    "kill_at_s": round(time.monotonic() - started, 1)}
            if driver.poll() is None:
                cluster.kill_raylet(worker)
            else:
                kill["note"] = "finished before the kill"
            out, err = driver.communicate(timeout=3600)
            kill.update(wall_s=round(time.monotonic() - started, 1), exit=driver.returncode, first_run=summary_of(out))
            rerun = subprocess.run(command, env=cluster.env, capture_output=True, text=True, timeout=3600)
            analyses, distinct, _ = stored(db)
            have = stored_ids(db)
            kill.update(rerun=summary_of(rerun.stdout), rerun_exit=rerun.returncode, lost=len(ids - have),
                        duplicated=analyses - distinct, extra=len(have - ids))
            if driver.returncode:
                kill["stderr_tail"] = err[-500:]
            result["node_loss"] = kill
            print(json.dumps(kill), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
