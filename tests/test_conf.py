"""Database settings: SQLite's journal and sync modes as the connection really has them."""

from __future__ import annotations

import pytest

from slant import conf, store


def _pragmas(using: str) -> tuple[str, int]:
    from django.db import connections

    with connections[using].cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        journal = cur.fetchone()[0]
        cur.execute("PRAGMA synchronous")
        sync = cur.fetchone()[0]
    return journal, sync


def test_sqlite_is_wal_and_syncs_at_checkpoints_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(conf.SQLITE_SYNC_ENV, raising=False)
    using = store.setup(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert _pragmas(using) == ("wal", 1)  # 1 = NORMAL


def test_full_sync_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv(conf.SQLITE_SYNC_ENV, "full")
    using = store.setup(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert _pragmas(using) == ("wal", 2)  # 2 = FULL


def test_a_bad_sync_setting_is_named(monkeypatch):
    monkeypatch.setenv(conf.SQLITE_SYNC_ENV, "sometimes")
    with pytest.raises(conf.SettingError, match="SLANT_SQLITE_SYNC='sometimes'"):
        conf.database_config("sqlite:////tmp/never.sqlite3")
