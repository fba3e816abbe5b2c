"""Settings read from the environment, through small parsers that fail loudly.

A bad value stops the program with a message naming the variable, rather
than being ignored: ``SLANT_MAX_BYTES='20MB' is not an integer``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SlantError


class SettingError(SlantError):
    """An environment variable holds a value slant cannot use."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}={value} is below the minimum {minimum}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a number") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Where slant keeps its database and user files (``SLANT_DATA_DIR``)."""
    path = Path(env_str("SLANT_DATA_DIR") or Path.home() / ".local" / "share" / "slant").expanduser()
    return path


def default_database_url() -> str:
    """``DATABASE_URL`` if set, else a SQLite file in the data folder."""
    return env_str("DATABASE_URL") or f"sqlite:///{data_dir() / 'slant.sqlite3'}"


def database_config(url: str) -> dict:
    """Django's DATABASES entry for a database URL, with slant's SQLite options.

    For SQLite: wait for a busy writer rather than failing at once (the web
    app, its workers and the CLI may write to one file), take the write lock
    at BEGIN, and let readers run beside one writer (WAL). Commits are synced
    to disk as ``SLANT_SQLITE_SYNC`` says (:func:`sqlite_sync`). The folder of
    the file is created.
    """
    import dj_database_url

    config = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"].endswith("sqlite3"):
        name = str(config.get("NAME") or "")
        if name and name != ":memory:":
            Path(name).expanduser().parent.mkdir(parents=True, exist_ok=True)
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].update(
            {"timeout": 30, "transaction_mode": "IMMEDIATE",
             "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={sqlite_sync()};"}
        )
    return config


SQLITE_SYNC_ENV = "SLANT_SQLITE_SYNC"


def sqlite_sync() -> str:
    """``SLANT_SQLITE_SYNC``: ``normal`` (default) or ``full``.

    In WAL mode, ``normal`` syncs the log at checkpoints, not at every commit:
    the file is never corrupted, and a killed process loses nothing it
    committed, but a power cut or an operating-system crash may lose the
    last transactions before a checkpoint (SQLite's own advice for WAL). A
    commit then costs microseconds instead of a disk flush (66 ms on this
    project's virtual disk), and ingest commits once per article. ``full``
    flushes at every commit.
    """
    raw = os.environ.get(SQLITE_SYNC_ENV, "normal").strip().lower() or "normal"
    if raw not in ("normal", "full"):
        raise SettingError(f"{SQLITE_SYNC_ENV}={raw!r}: expected normal or full")
    return raw.upper()
