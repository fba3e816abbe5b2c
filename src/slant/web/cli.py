"""The web app's command-line functions (the typer commands in slant.cli call these)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def _setup() -> None:
    from slant import store

    store.setup()


def user_add(name: str, password: str, *, email: str = "") -> None:
    """Create a user (passwords go through Django's validators and Argon2)."""
    _setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from slant.errors import InputError

    User = get_user_model()
    if not name.strip():
        raise InputError("NAME", "the user name is empty")
    if User.objects.filter(username=name).exists():
        raise InputError(name, "a user with this name exists already")
    user = User(username=name, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(name, " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()


def token_create(name: str) -> str:
    """A new API token for user ``name`` (shown once; stored hashed)."""
    _setup()
    from django.contrib.auth import get_user_model

    from slant.errors import InputError
    from slant.web.accounts.models import ApiToken

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise InputError(name, "no such user")
    return ApiToken.issue(user)


def invite_create(*, days: int | None = None, by: str | None = None) -> tuple[str, object]:
    """A new single-use invitation: its code (shown once) and when it expires."""
    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from slant.errors import InputError
    from slant.web.accounts.models import Invitation

    creator = None
    if by:
        creator = get_user_model().objects.filter(username=by).first()
        if creator is None or not creator.is_staff:
            raise InputError(by, "no such staff user")
    code, row = Invitation.issue(creator, days or settings.SLANT_INVITE_DAYS)
    return code, row.expires_at


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as given to ``--host``) is reachable only from this machine."""
    import ipaddress

    if host.strip("[]").lower() in {"localhost", "localhost.localdomain", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name (or 0.0.0.0-like wildcard spelled otherwise): assume it is reachable


MIN_SECRET_LENGTH = 50


def check_secret_key(host: str) -> None:
    """Refuse the development key off loopback, and weak keys anywhere (SettingError)."""
    from django.conf import settings

    from slant.conf import SettingError

    source = settings.SECRET_KEY_SOURCE
    key = settings.SECRET_KEY
    if source == "development":
        if not is_loopback(host):
            raise SettingError(
                f"refusing to serve on {host} with the development secret key: run `slant secret` "
                "(writes a strong key into the data folder) or set SLANT_SECRET_KEY"
            )
        return
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < 5:
        raise SettingError(
            f"the secret key from {source} is too weak ({len(key)} characters, {len(set(key))} distinct; "
            f"at least {MIN_SECRET_LENGTH} and 5 are needed): run `slant secret` or set a longer SLANT_SECRET_KEY"
        )


def write_secret_key(*, force: bool = False) -> str:
    """Write a new random key to the data folder's ``secret_key`` (mode 600); return its path.

    Django is not needed: the settings read the file when they load.
    """
    import secrets

    from slant import conf
    from slant.errors import InputError

    folder = conf.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if path.exists() and not force:
        raise InputError(str(path), "a key exists already (--force replaces it, which logs everyone out)")
    temporary = folder / f".secret_key.{os.getpid()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(64) + "\n")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return str(path)


def waitress_options() -> dict[str, object]:
    """Waitress's proxy options from the settings (SLANT_TRUSTED_PROXY, SLANT_PROXY_COUNT, ...)."""
    from django.conf import settings

    options: dict[str, object] = {"clear_untrusted_proxy_headers": True}
    if settings.SLANT_TRUSTED_PROXY:
        options.update(
            trusted_proxy=settings.SLANT_TRUSTED_PROXY,
            trusted_proxy_count=settings.SLANT_PROXY_COUNT,
            trusted_proxy_headers={h.lower() for h in settings.SLANT_TRUSTED_PROXY_HEADERS},
        )
    return options


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8) -> None:
    """Run the web server (waitress) and ``workers`` analysis worker processes until stopped.

    A worker that dies is started again; its job is retried once its lease runs out.
    On an address other than loopback, registration is closed unless
    SLANT_REGISTRATION says otherwise, and the development secret key is refused.
    """
    if not is_loopback(host):
        os.environ.setdefault("SLANT_REGISTRATION", "closed")
    _setup()
    check_secret_key(host)
    import threading

    import waitress

    from slant.web.wsgi import application

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "slant.web.jobs.worker"], env=os.environ.copy())

    procs = [start() for _ in range(max(0, workers))]
    stopping = threading.Event()

    def supervise() -> None:
        while not stopping.wait(2.0):
            for i, proc in enumerate(procs):
                if proc.poll() is not None and not stopping.is_set():
                    print(f"slant: analysis worker {proc.pid} exited ({proc.returncode}); starting another", file=sys.stderr, flush=True)
                    procs[i] = start()

    threading.Thread(target=supervise, daemon=True).start()

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        from django.conf import settings

        print(f"slant: serving on http://{host}:{port}/ with {len(procs)} analysis worker(s); "
              f"registration {settings.SLANT_REGISTRATION}; trusted proxy {settings.SLANT_TRUSTED_PROXY or 'none'}", flush=True)
        waitress.serve(application, host=host, port=port, threads=threads, ident="slant", **waitress_options())
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
