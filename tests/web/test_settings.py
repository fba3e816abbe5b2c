"""Web settings come from the environment and fail loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _settings(env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    code = f"import slant.settings as s; print(repr(({expr})))"
    full = {**os.environ, "SLANT_DATA_DIR": "/tmp/slant-settings-test", **env}
    full.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60)


def test_it_uses_secure_cookies_over_https() -> None:
    plain = _settings({}, "getattr(s, 'SESSION_COOKIE_SECURE', False), getattr(s, 'CSRF_COOKIE_SECURE', False)")
    assert plain.stdout.strip() == "(False, False)"
    https = _settings({"SLANT_HTTPS": "1", "SLANT_SECRET_KEY": "k" * 50}, "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS > 0")
    assert https.stdout.strip() == "(True, True, ('HTTP_X_FORWARDED_PROTO', 'https'), True)"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLANT_HTTPS": "maybe"}, "SLANT_HTTPS='maybe' is not a boolean"),
        ({"SLANT_HTTPS": "1", "SLANT_SECRET_KEY": ""}, "SLANT_HTTPS=1 needs SLANT_SECRET_KEY"),
        ({"SLANT_EMAIL": "pigeon"}, "SLANT_EMAIL='pigeon' is not one of console, file, smtp"),
        ({"SLANT_MAX_UPLOAD_BYTES": "20MB"}, "SLANT_MAX_UPLOAD_BYTES='20MB' is not an integer"),
        ({"SLANT_JOB_LEASE_S": "soon"}, "SLANT_JOB_LEASE_S='soon' is not a number"),
    ],
)
def test_it_fails_loudly_on_bad_values(env: dict[str, str], message: str) -> None:
    result = _settings(env, "1")
    assert result.returncode != 0 and message in result.stderr


def test_it_hashes_with_argon2_first_and_writes_reset_mail_to_files() -> None:
    result = _settings({"SLANT_EMAIL": "file", "SLANT_EMAIL_DIR": "/tmp/slant-mail"},
                       "s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], s.EMAIL_BACKEND.rsplit('.', 2)[1], s.EMAIL_FILE_PATH")
    assert result.stdout.strip() == "('Argon2PasswordHasher', 'filebased', '/tmp/slant-mail')"
