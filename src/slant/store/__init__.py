"""Persistence of articles and analyses, with Django's ORM.

The CLI uses it without a web server::

    from slant import store
    store.setup("sqlite:////tmp/x.sqlite3")   # or None for the default database
    from slant.store.models import Article, Analysis

``setup`` configures Django once per process and applies migrations, so a
fresh database file just works.
"""

from __future__ import annotations

import os

_READY = False


def setup(db_url: str | None = None, *, migrate: bool = True) -> None:
    """Configure Django for slant (once per process) and migrate the database."""
    global _READY
    if _READY:
        return
    if db_url:
        os.environ["SLANT_DB_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slant.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    _READY = True
