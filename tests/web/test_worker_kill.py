"""``kill -9`` of a web job worker at five points, then a fresh worker: every job done once.

The harness is ``bench/web_worker_kill.py`` (its trials give the figure in
BENCHMARKS.md); here each point runs once, on SQLite.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "web_worker_kill.py"


def _harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("web_worker_kill", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.slow
@pytest.mark.parametrize("point", ["claimed", "analysis", "storing", "stored", "intake"])
def test_a_killed_worker_loses_and_duplicates_nothing(point: str, tmp_path: Path) -> None:
    result = _harness().trial(point, tmp_path, articles=4)
    assert result["killed"], f"the worker was not killed at {point}"
    assert result["running_after_kill"] == 1  # the dead worker's claim is left behind, under its lease
    assert (result["lost"], result["duplicated"], result["failed"]) == (0, 0, [])
    assert result["done"] == result["jobs"] and result["reclaimed"] == 1  # reclaimed once the lease ran out
