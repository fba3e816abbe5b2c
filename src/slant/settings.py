"""Django settings for slant's store and web app, all from the environment.

SQLite in ``SLANT_DATA_DIR`` by default, so one can check out the code and
it works; ``DATABASE_URL`` (or ``slant --db URL``) switches to PostgreSQL.
"""

from __future__ import annotations

import dj_database_url

from . import conf

DATA_DIR = conf.data_dir()
DATABASE_URL = conf.env_str("SLANT_DB_URL") or conf.default_database_url()
if DATABASE_URL.startswith("sqlite:///"):
    # Make sure the folder of the default database exists.
    from pathlib import Path

    _db_path = DATABASE_URL[len("sqlite:///"):]
    if _db_path and _db_path != ":memory:":
        Path(_db_path).expanduser().parent.mkdir(parents=True, exist_ok=True)

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Wait for a busy writer instead of failing at once: the web app, its
    # workers and the CLI may write to one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"})

DEBUG = conf.env_bool("SLANT_DEBUG", False)
SECRET_KEY = conf.env_str("SLANT_SECRET_KEY") or "insecure-development-key-set-SLANT_SECRET_KEY-in-production"
ALLOWED_HOSTS = conf.env_list("SLANT_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "slant.store",
]
# The web app (issue 5) adds its apps, middleware and templates below.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
