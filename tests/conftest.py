"""Fixtures shared by every test area. Keep this small and generic."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# `make test` runs the store tests a second time with DATABASE_URL naming a
# PostgreSQL server; `db_url` then hands out a database there.
_POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""


@pytest.fixture
def tmp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SLANT_DATA_DIR, with no database URL inherited from the environment."""
    path = tmp_path / "slant-data"
    path.mkdir()
    monkeypatch.setenv("SLANT_DATA_DIR", str(path))
    monkeypatch.delenv("SLANT_DB_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return path


@pytest.fixture(scope="session")
def _migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A migrated SQLite file to copy: migrating each test's database costs seconds.

    Migrated in a child process so that this process's Django settings are
    left to the tests. None (each test migrates its own) if that fails.
    """
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "slant.sqlite3"
    env = {**os.environ, "SLANT_DATA_DIR": str(folder)}
    env.pop("DATABASE_URL", None)
    code = "import sys; from slant import store; store.setup(sys.argv[1])"
    try:
        subprocess.run([sys.executable, "-c", code, f"sqlite:///{path}"], env=env, check=True,
                       capture_output=True, timeout=300)
        with sqlite3.connect(path) as conn:  # fold the WAL into the file, so a copy is whole
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except (subprocess.SubprocessError, sqlite3.Error):
        return None
    return path


@pytest.fixture
def sqlite_url(tmp_data_dir: Path, request: pytest.FixtureRequest, _migrated_db: Path | None) -> Iterator[str]:
    """The URL of a fresh, migrated SQLite database file in the test's data folder.

    Pass it to ``slant.store.setup`` (which returns the alias to use) or to
    ``slant ... --db``. Where pytest-django guards database access, this
    fixture lifts the guard: these databases are the test's own files.
    """
    path = tmp_data_dir / "slant.sqlite3"
    if _migrated_db is not None:
        shutil.copyfile(_migrated_db, path)
    with _unblocked(request):
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _postgres_db() -> Iterator[str]:
    """A database of this test session's own on the server DATABASE_URL names."""
    import uuid

    import psycopg

    name = f"slant_store_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
    with psycopg.connect(_POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_data_dir: Path) -> Iterator[str]:
    """A fresh, migrated, empty database: SQLite, or PostgreSQL when DATABASE_URL names one."""
    if not _POSTGRES_URL:
        yield request.getfixturevalue("sqlite_url")
        return
    import psycopg

    url = request.getfixturevalue("_postgres_db")
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                 "AND tablename IN ('store_article', 'store_analysis')")]
        if tables:  # empty what an earlier test stored (the schema stays, migrated once)
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    with _unblocked(request):
        yield url


@contextlib.contextmanager
def _unblocked(request: pytest.FixtureRequest) -> Iterator[None]:
    blocker = None
    if request.config.pluginmanager.hasplugin("django"):
        blocker = request.getfixturevalue("django_db_blocker")
    if blocker is None:
        yield
    else:
        with blocker.unblock():
            yield


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; the test is skipped cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not here")
    return SHARED_DATA


@pytest.fixture
def temporary_stage() -> Iterator[Callable[..., str]]:
    """Register test-only stages for one test: ``temporary_stage(name, fn, adds=(...), needs=())``.

    ``fn`` is the stage callable (``Doc -> Doc``), or ``factory=`` builds it.
    It runs in this process only (worker processes do not see it). The stages
    are removed afterwards.
    """
    from slant import pipeline

    names: list[str] = []

    def add(name: str, fn: Callable | None = None, *, factory: Callable | None = None,
            adds: Sequence[str] = (), needs: Sequence[str] = ()) -> str:
        pipeline.register(name, adds=adds, needs=needs)(factory or (lambda: fn))
        names.append(name)
        return name

    yield add
    for name in names:
        pipeline._REGISTRY.pop(name, None)
        pipeline._INSTANCES.pop(name, None)
