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


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8) -> None:
    """Run the web server (waitress) and ``workers`` analysis worker processes until stopped.

    A worker that dies is started again; its job is retried once its lease runs out.
    """
    _setup()
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
        print(f"slant: serving on http://{host}:{port}/ with {len(procs)} analysis worker(s)", flush=True)
        waitress.serve(application, host=host, port=port, threads=threads, ident="slant")
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
