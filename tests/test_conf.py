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


# ``sqlite_url`` (conftest) lifts pytest-django's guard on database access for the test's own files.
def test_sqlite_is_wal_and_syncs_at_checkpoints_by_default(tmp_path, monkeypatch, sqlite_url):
    monkeypatch.delenv(conf.SQLITE_SYNC_ENV, raising=False)
    using = store.setup(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert _pragmas(using) == ("wal", 1)  # 1 = NORMAL


def test_full_sync_on_request(tmp_path, monkeypatch, sqlite_url):
    monkeypatch.setenv(conf.SQLITE_SYNC_ENV, "full")
    using = store.setup(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert _pragmas(using) == ("wal", 2)  # 2 = FULL


def test_a_bad_sync_setting_is_named(monkeypatch):
    monkeypatch.setenv(conf.SQLITE_SYNC_ENV, "sometimes")
    with pytest.raises(conf.SettingError, match="SLANT_SQLITE_SYNC='sometimes'"):
        conf.database_config("sqlite:////tmp/never.sqlite3")


def test_technique_rates_count_what_the_reader_sees_solid(monkeypatch):
    from slant.persuasion import reader_threshold
    from slant.store.aggregates import facts

    data = {"layers": {"persuasion": [
        {"start": 0, "end": 4, "label": "Doubt", "score": reader_threshold()},
        {"start": 5, "end": 9, "label": "Doubt", "score": reader_threshold() - 0.01},
        {"start": 10, "end": 14, "label": "Slogans", "score": None},
    ]}}
    monkeypatch.delenv(facts.MIN_SCORE_ENV, raising=False)
    facts.min_score.cache_clear()
    try:
        assert facts.min_score() == reader_threshold()
        assert facts.techniques(data) == {"Doubt": 1, "Slogans": 1}
        monkeypatch.setenv(facts.MIN_SCORE_ENV, "0.0")
        facts.min_score.cache_clear()
        assert facts.techniques(data) == {"Doubt": 2, "Slogans": 1}
    finally:
        facts.min_score.cache_clear()
