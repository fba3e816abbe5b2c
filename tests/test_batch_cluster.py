"""A real Ray cluster on this machine: a head and a second node, separate processes.

``slant ingest --engine ray --address ...`` runs on it; the second node's
raylet is killed mid-batch, and the batch must finish on the head with every
article stored exactly once. The CI variant ingests 80 small articles with a
cheap stage and a per-article delay, so the kill lands mid-batch; the
500-article run over PTC train articles is ``bench/cluster.py``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slant.article import text_id

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="the cluster helper reads /proc"),
]


def _stored(db_file: Path) -> tuple[int, int]:
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute("SELECT COUNT(*), COUNT(DISTINCT article_id) FROM store_analysis").fetchone()
    except sqlite3.OperationalError:
        return 0, 0


def test_a_batch_on_a_cluster_finishes_on_the_surviving_node_when_a_node_dies(tmp_path: Path,
                                                                               sqlite_url: str) -> None:
    pytest.importorskip("ray")
    from raycluster import ray_cluster

    folder = tmp_path / "in"
    folder.mkdir()
    n = 80
    ids = set()
    for i in range(n):
        text = f"Dispatch {i}\n\nThe port authority said on day {i} that ships would wait another week."
        (folder / f"d{i:03d}.txt").write_text(text, encoding="utf-8")
        ids.add(text_id(text))
    db_file = Path(sqlite_url[len("sqlite:///"):])

    with ray_cluster(nodes=2, num_cpus=1) as cluster:
        worker = cluster.nodes[1]
        env = {**cluster.env, "SLANT_TEST_DELAY_PER_ARTICLE": "0.25"}
        command = [sys.executable, "-m", "slant.cli", "ingest", str(folder), "--db", sqlite_url,
                   "--engine", "ray", "--address", cluster.address, "--workers", "2", "--stages", "language"]
        driver = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 240
            while _stored(db_file)[0] < 16:
                assert driver.poll() is None, driver.communicate()
                assert time.monotonic() < deadline, "the cluster stored nothing in time"
                time.sleep(0.2)
            at_kill = _stored(db_file)[0]
            cluster.kill_raylet(worker)
            out, err = driver.communicate(timeout=300)
        finally:
            if driver.poll() is None:
                driver.send_signal(signal.SIGKILL)
                driver.wait()

    assert at_kill < n / 2, "the node was killed too late to matter"
    assert driver.returncode == 0, err[-3000:]
    # Ray's driver prints the node's loss to stdout too; the summary is the last line.
    assert out.splitlines()[-1].startswith(f"{n} stored, 0 skipped (already stored), 0 failed"), out
    assert _stored(db_file) == (n, n)
    with sqlite3.connect(db_file) as conn:
        assert {row[0] for row in conn.execute("SELECT article_id FROM store_analysis")} == ids
