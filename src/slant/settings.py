"""Django settings for slant's store and web app, all from the environment.

SQLite in ``SLANT_DATA_DIR`` by default, so one can check out the code and
it works; ``DATABASE_URL`` (or ``slant --db URL``) switches to PostgreSQL.
"""

from __future__ import annotations

from . import conf

DATA_DIR = conf.data_dir()
DATABASE_URL = conf.env_str("SLANT_DB_URL") or conf.default_database_url()
DATABASES = {"default": conf.database_config(DATABASE_URL)}

DEBUG = conf.env_bool("SLANT_DEBUG", False)
# The secret key signs sessions, CSRF tokens and password-reset links. It is
# SLANT_SECRET_KEY, else the file `slant secret` wrote into the data folder
# (mode 600), else a development key that `slant serve` refuses to use on any
# address but loopback.
DEV_SECRET_KEY = "insecure-development-key-set-SLANT_SECRET_KEY-in-production"
SECRET_KEY_FILE = DATA_DIR / "secret_key"


def _secret_key() -> tuple[str, str]:
    """The key and where it came from (the variable, the file's path, or "development")."""
    key = conf.env_str("SLANT_SECRET_KEY")
    if key:
        return key, "development" if key == DEV_SECRET_KEY else "SLANT_SECRET_KEY"
    if SECRET_KEY_FILE.is_file():
        mode = SECRET_KEY_FILE.stat().st_mode & 0o777
        if mode & 0o077:
            raise conf.SettingError(f"{SECRET_KEY_FILE} is readable by other users (mode {mode:o}); run chmod 600 on it")
        key = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
        if not key:
            raise conf.SettingError(f"{SECRET_KEY_FILE} is empty; delete it and run `slant secret`")
        return key, str(SECRET_KEY_FILE)
    return DEV_SECRET_KEY, "development"


SECRET_KEY, SECRET_KEY_SOURCE = _secret_key()
ALLOWED_HOSTS = conf.env_list("SLANT_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "slant.store",
    "slant.store.aggregates",  # stories, outlets, attention (issue 13)
]
# The web app (issue 5) adds its apps, middleware and templates below.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"

# ---------------------------------------------------------------------------
# The web app (issue 5): accounts, collections, reading view, jobs, search, API.
# ---------------------------------------------------------------------------
INSTALLED_APPS += [
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "slant.web.accounts",
    "slant.web.library",
    "slant.web.jobs",
    "slant.web.reader",
    "slant.web.search",
    "slant.web.api",
    "slant.web.feeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # CSP everywhere; Cache-Control: private, no-store on everything signed in.
    "slant.web.http.security_headers",
    # Last, as django-axes asks: it turns a lockout into a 429 page.
    "axes.middleware.AxesMiddleware",
]
ROOT_URLCONF = "slant.web.urls"
WSGI_APPLICATION = "slant.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The web app's templates live together in src/slant/web/templates.
        "DIRS": [str(__import__("pathlib").Path(__file__).parent / "web" / "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# PostgreSQL: keep connections open between requests (opening one costs more
# than a small page); SQLite connections are cheap and stay per request.
if not DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = conf.env_int("SLANT_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Argon2 first: new passwords are hashed with it; the others only let old
# hashes be checked (and upgraded on the next login).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters; no upper limit below Django's own (any length, any character).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Failed logins: after SLANT_LOGIN_FAILURES failures for one user name from one
# address, that pair is locked out for SLANT_LOGIN_COOLOFF_MIN minutes.
AXES_FAILURE_LIMIT = conf.env_int("SLANT_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = conf.env_int("SLANT_LOGIN_COOLOFF_MIN", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address is REMOTE_ADDR: behind a proxy, `slant serve` (waitress)
# sets it from X-Forwarded-For, trusting only the proxy named below, so the
# header is never read from anyone else.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_IPWARE_PROXY_COUNT = None
AXES_LOCKOUT_CALLABLE = "slant.web.accounts.views.lockout"

# Proxies in front of `slant serve`: how many (SLANT_PROXY_COUNT) and the
# address of the nearest one (SLANT_TRUSTED_PROXY, default 127.0.0.1 when a
# count is set). Waitress then takes the client's address and scheme from
# these X-Forwarded-* headers of that proxy only, and drops them from anyone else.
SLANT_PROXY_COUNT = conf.env_int("SLANT_PROXY_COUNT", 0, minimum=0)
SLANT_TRUSTED_PROXY = conf.env_str("SLANT_TRUSTED_PROXY") or ("127.0.0.1" if SLANT_PROXY_COUNT else None)
if SLANT_TRUSTED_PROXY:
    SLANT_PROXY_COUNT = SLANT_PROXY_COUNT or 1
    if SLANT_TRUSTED_PROXY not in {"*", "localhost"}:
        try:
            __import__("ipaddress").ip_address(SLANT_TRUSTED_PROXY)
        except ValueError:
            raise conf.SettingError(
                f"SLANT_TRUSTED_PROXY={SLANT_TRUSTED_PROXY!r} is not an IP address (or * or localhost)"
            ) from None
SLANT_TRUSTED_PROXY_HEADERS = conf.env_list("SLANT_TRUSTED_PROXY_HEADERS", ["x-forwarded-for", "x-forwarded-proto"])
_KNOWN_PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-by", "forwarded"}
if set(h.lower() for h in SLANT_TRUSTED_PROXY_HEADERS) - _KNOWN_PROXY_HEADERS:
    raise conf.SettingError(
        f"SLANT_TRUSTED_PROXY_HEADERS={','.join(SLANT_TRUSTED_PROXY_HEADERS)!r} names a header other than "
        + ", ".join(sorted(_KNOWN_PROXY_HEADERS))
    )

STATIC_URL = "/static/"
STATICFILES_DIRS = [str(__import__("pathlib").Path(__file__).parent / "web" / "static")]
STATIC_ROOT = conf.env_str("SLANT_STATIC_ROOT") or str(DATA_DIR / "static")

# Served over HTTPS (behind a proxy that terminates TLS): cookies only over
# TLS, HSTS, and trust the proxy's X-Forwarded-Proto header.
HTTPS = conf.env_bool("SLANT_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
# A session lasts SLANT_SESSION_HOURS (default 12) from log-in, then one logs in again (ASVS 3.3.2).
SESSION_COOKIE_AGE = conf.env_int("SLANT_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if HTTPS:
    if SECRET_KEY_SOURCE == "development":
        # Served to a team over HTTPS with the development key, sessions and
        # reset links could be forged by anyone who has read our source.
        raise conf.SettingError(
            "SLANT_HTTPS=1 needs SLANT_SECRET_KEY set to a long random string (or a key file: run `slant secret`)"
        )
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix: browsers keep these cookies only if Secure, for this host and path / alone.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = conf.env_bool("SLANT_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = conf.env_int("SLANT_HSTS_SECONDS", 3600, minimum=0)
    CSRF_TRUSTED_ORIGINS = conf.env_list("SLANT_CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True

# Registration: "open" (anyone), "invite" (with an invitation from staff:
# the Invitations page or `slant invite`) or "closed". The default is closed
# for a deployment (HTTPS, a proxy, or `slant serve` on a non-loopback
# address) and open on a laptop. Accounts made from one client address are
# limited per hour.
SLANT_REGISTRATION = conf.env_str("SLANT_REGISTRATION") or ("closed" if HTTPS or SLANT_PROXY_COUNT else "open")
if SLANT_REGISTRATION not in {"open", "invite", "closed"}:
    raise conf.SettingError(f"SLANT_REGISTRATION={SLANT_REGISTRATION!r} is not one of open, invite, closed")
SLANT_REGISTRATIONS_PER_HOUR = conf.env_int("SLANT_REGISTRATIONS_PER_HOUR", 5, minimum=0)
SLANT_INVITE_DAYS = conf.env_int("SLANT_INVITE_DAYS", 7, minimum=1)
# Per-user quotas (0: no limit); staff may raise one user's in the admin.
SLANT_QUOTA_ARTICLES = conf.env_int("SLANT_QUOTA_ARTICLES", 5000, minimum=0)
SLANT_QUOTA_BYTES = conf.env_int("SLANT_QUOTA_BYTES", 500 * 1024 * 1024, minimum=0)
SLANT_QUOTA_JOBS = conf.env_int("SLANT_QUOTA_JOBS", 1000, minimum=0)
X_FRAME_OPTIONS = "DENY"

# Password-reset mail: printed on the console by default; "file" writes each
# message to SLANT_EMAIL_DIR; "smtp" uses the SLANT_SMTP_* variables.
EMAIL_MODE = conf.env_str("SLANT_EMAIL", "console")
if EMAIL_MODE == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_MODE == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = conf.env_str("SLANT_EMAIL_DIR") or str(DATA_DIR / "mail")
elif EMAIL_MODE == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = conf.env_str("SLANT_SMTP_HOST", "localhost")
    EMAIL_PORT = conf.env_int("SLANT_SMTP_PORT", 25, minimum=1)
    EMAIL_HOST_USER = conf.env_str("SLANT_SMTP_USER", "") or ""
    EMAIL_HOST_PASSWORD = conf.env_str("SLANT_SMTP_PASSWORD", "") or ""
    EMAIL_USE_TLS = conf.env_bool("SLANT_SMTP_TLS", False)
else:
    raise conf.SettingError(f"SLANT_EMAIL={EMAIL_MODE!r} is not one of console, file, smtp")
DEFAULT_FROM_EMAIL = conf.env_str("SLANT_MAIL_FROM", "slant@localhost")

# Articles: uploads and fetched pages over this size are refused with a message.
SLANT_MAX_UPLOAD_BYTES = conf.env_int("SLANT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = SLANT_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The URL fetcher: time limit (s); private and loopback addresses are refused
# unless SLANT_FETCH_ALLOW_PRIVATE=1 (the tests serve pages on 127.0.0.1).
SLANT_FETCH_TIMEOUT = conf.env_float("SLANT_FETCH_TIMEOUT", 10.0)
SLANT_FETCH_ALLOW_PRIVATE = conf.env_bool("SLANT_FETCH_ALLOW_PRIVATE", False)
# Background analysis: stages the workers run (default: all registered), job
# lease (s) after which a silent worker's job is retried, and retry limit.
SLANT_WEB_STAGES = conf.env_list("SLANT_WEB_STAGES", [])
SLANT_JOB_LEASE_S = conf.env_float("SLANT_JOB_LEASE_S", 120.0)
SLANT_JOB_MAX_ATTEMPTS = conf.env_int("SLANT_JOB_MAX_ATTEMPTS", 3, minimum=1)
SLANT_JOB_POLL_S = conf.env_float("SLANT_JOB_POLL_S", 1.0)
# Every job (reading an upload, fetching a URL, analysing an article) fails
# "timed out after N s" past this wall-clock limit, and an article longer
# than SLANT_MAX_ARTICLE_CHARS characters fails before analysis.
SLANT_JOB_TIME_LIMIT_S = conf.env_float("SLANT_JOB_TIME_LIMIT_S", 300.0)
SLANT_MAX_ARTICLE_CHARS = conf.env_int("SLANT_MAX_ARTICLE_CHARS", 200_000, minimum=1)
# Long lists (a collection's articles, search results) come in pages of this many.
SLANT_PAGE_SIZE = conf.env_int("SLANT_PAGE_SIZE", 50, minimum=1)
# Followed feeds, polled by the analysis workers: default and shortest interval
# (s), the gap between two requests to one host (s), and the ceiling of the
# backoff after failures in a row (s).
SLANT_FEED_INTERVAL_S = conf.env_float("SLANT_FEED_INTERVAL_S", 3600.0)
SLANT_FEED_MIN_INTERVAL_S = conf.env_float("SLANT_FEED_MIN_INTERVAL_S", 300.0)
SLANT_FEED_HOST_GAP_S = conf.env_float("SLANT_FEED_HOST_GAP_S", 5.0)
SLANT_FEED_MAX_BACKOFF_S = conf.env_float("SLANT_FEED_MAX_BACKOFF_S", 86400.0)
