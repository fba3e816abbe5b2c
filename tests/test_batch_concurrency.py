"""Commands running at once on one database: migrations, and two ingests of the same folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


POSTGRES_URL = os.environ.get("SLANT_TEST_POSTGRES_URL", "")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "slant.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "SLANT_DATA_DIR": str(tmp_path / "data"), "OMP_NUM_THREADS": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("SLANT_DB_URL", None)
    return env


def _all_succeed(url: str, env: dict[str, str], n: int = 2) -> None:
    children = [_start(["export", "--format", "jsonl", "--db", url], env) for _ in range(n)]
    results = [(child.wait(timeout=300), child.communicate()[1]) for child in children]
    assert [code for code, _ in results] == [0] * n, results


@pytest.mark.slow
def test_commands_started_at_once_on_a_new_sqlite_database_both_work(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for trial in range(2):
        _all_succeed(f"sqlite:///{tmp_path / f'new{trial}.sqlite3'}", env)


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL.startswith("postgres"), reason="SLANT_TEST_POSTGRES_URL names no PostgreSQL")
def test_commands_started_at_once_on_a_new_postgresql_database_both_work(tmp_path: Path) -> None:
    import uuid

    import psycopg

    name = f"slant_migrate_race_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _all_succeed(POSTGRES_URL.rsplit("/", 1)[0] + "/" + name, _env(tmp_path))
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_two_ingests_at_once_report_what_each_really_stored(tmp_path: Path, sqlite_url: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    n = 24
    for i in range(n):
        text = f"Report {i}\n\nThe harbour board met on day {i} and agreed on nothing at all."
        (folder / f"r{i:02d}.txt").write_text(text, encoding="utf-8")
    env = {**_env(tmp_path), "SLANT_TEST_DELAY_PER_ARTICLE": "0.05"}
    args = ["ingest", str(folder), "--db", sqlite_url, "--stages", "language"]
    children = [_start(args, env) for _ in range(2)]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs

    reports = [re.match(r"(\d+) stored, (\d+) skipped", out) for out, _ in outputs]
    assert all(reports), outputs
    stored = [int(m.group(1)) for m in reports]  # type: ignore[union-attr]
    skipped = [int(m.group(2)) for m in reports]  # type: ignore[union-attr]
    assert sum(stored) == n, outputs  # together they stored each article once
    assert [a + b for a, b in zip(stored, skipped)] == [n, n]

    import sqlite3

    with sqlite3.connect(sqlite_url[len("sqlite:///"):]) as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT article_id) FROM store_analysis").fetchone() == (n, n)
