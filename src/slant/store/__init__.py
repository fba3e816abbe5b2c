"""Persistence of articles and analyses, with Django's ORM.

The CLI uses it without a web server::

    from slant import store
    db = store.setup("sqlite:////tmp/x.sqlite3")   # or None for the default database
    from slant.store.ingest import save, is_done
    save(doc, store.pipeline_id(["language", "sentences"]), using=db)

``setup`` configures Django once per process and applies migrations, so a
fresh database file just works. It returns the connection alias to pass as
``using=``: ``"default"`` for the database the settings name, and a named
alias for any other URL, so one process (a test run, a CLI invoked in-process)
can open several databases one after the other.

The functions that read and write live in ``store.ingest`` (save, is_done)
and ``store.export`` (jsonl, csv, ptc); ``pipeline_id`` names the pipeline an
analysis came from.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from typing import Iterator

from .fingerprint import pipeline_id, stages_of

__all__ = ["migration_lock", "pipeline_id", "setup", "stages_of"]

_READY = False
_LOCK = threading.Lock()
# Database URL -> connection alias, for the databases opened by ``setup``.
_ALIASES: dict[str, str] = {}
_MIGRATED: set[str] = set()


def setup(db_url: str | None = None, *, migrate: bool = True) -> str:
    """Configure Django for slant and migrate the database; return its alias.

    The first call configures Django (once per process). With ``db_url`` on
    that first call, the URL becomes the default database (unless Django was
    configured already). Any other URL is registered under an alias of its
    own and migrated.
    """
    global _READY
    with _LOCK:
        if not _READY:
            saved = os.environ.get("SLANT_DB_URL")
            if db_url:
                os.environ["SLANT_DB_URL"] = db_url
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slant.settings")
            try:
                import django

                django.setup()
                from django.conf import settings

                # Force the lazy settings now, while SLANT_DB_URL says what we mean.
                default_url = getattr(settings, "DATABASE_URL", None)
            finally:
                # Settings are read once; do not leak the URL to child processes.
                if saved is None:
                    os.environ.pop("SLANT_DB_URL", None)
                else:
                    os.environ["SLANT_DB_URL"] = saved
            # With Django configured before us (a test runner, the web app),
            # db_url may not be the default; it then gets an alias below.
            if default_url:
                _ALIASES[default_url] = "default"
            _READY = True
        alias = "default" if not db_url else _ALIASES.get(db_url) or _register(db_url)
        if migrate and alias not in _MIGRATED:
            from django.core.management import call_command

            with migration_lock(alias):
                call_command("migrate", database=alias, interactive=False, verbosity=0)
            _MIGRATED.add(alias)
        return alias


# An arbitrary 64-bit key for PostgreSQL's advisory lock: "slant migrate".
_PG_LOCK_KEY = 0x736C_616E_745F_6D67


@contextlib.contextmanager
def migration_lock(alias: str) -> Iterator[None]:
    """Hold the database's migration lock: one process migrates, the others wait and find it done.

    Two commands started at once on a new database would otherwise both
    create the same tables, and one would die. SQLite: an exclusive lock on a
    file beside the database (``slant.sqlite3.migrate.lock``); PostgreSQL: a
    session advisory lock. Other databases (and SQLite in memory) migrate
    unlocked.
    """
    from django.db import connections

    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_PG_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_PG_LOCK_KEY])
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock file
        yield
        return
    path = os.path.expanduser(name) + ".migrate.lock"
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _register(url: str) -> str:
    from django.conf import settings
    from django.db import connections

    alias = "slant_" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
    from ..conf import database_config

    config = database_config(url)
    settings.DATABASES[alias] = config
    # The connection handler keeps its own (usually the same) dict; fill in
    # Django's defaults for the new entry the way it does at start-up.
    configured = connections.configure_settings({"default": connections.settings["default"], alias: config})
    connections.settings[alias] = configured[alias]
    _ALIASES[url] = alias
    return alias
