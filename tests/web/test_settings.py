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


def _cli(args: list[str], env: dict[str, str], **kw):  # type: ignore[no-untyped-def]
    full = {**os.environ, **env}
    full.pop("DATABASE_URL", None)
    full.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-c", "from slant.cli import main; main()", *args], env=full,
                          capture_output=True, text=True, timeout=120, **kw)


def test_it_writes_a_strong_secret_key_readable_only_by_its_owner(tmp_path) -> None:
    made = _cli(["secret"], {"SLANT_DATA_DIR": str(tmp_path)})
    assert made.returncode == 0, made.stderr
    path = tmp_path / "secret_key"
    assert path.stat().st_mode & 0o777 == 0o600
    key = path.read_text().strip()
    assert len(key) >= 80
    # The settings use it from then on; a second `slant secret` does not replace it unasked.
    used = _settings({"SLANT_DATA_DIR": str(tmp_path)}, "s.SECRET_KEY, s.SECRET_KEY_SOURCE")
    assert used.stdout.strip() == repr((key, str(path)))
    again = _cli(["secret"], {"SLANT_DATA_DIR": str(tmp_path)})
    assert again.returncode != 0 and "exists already" in again.stderr + again.stdout
    assert path.read_text().strip() == key
    forced = _cli(["secret", "--force"], {"SLANT_DATA_DIR": str(tmp_path)})
    assert forced.returncode == 0 and path.read_text().strip() != key and path.stat().st_mode & 0o777 == 0o600
    # With a key file, SLANT_HTTPS=1 needs no SLANT_SECRET_KEY.
    https = _settings({"SLANT_DATA_DIR": str(tmp_path), "SLANT_HTTPS": "1"}, "s.SESSION_COOKIE_SECURE")
    assert https.stdout.strip() == "True", https.stderr


def test_it_refuses_a_key_file_others_can_read(tmp_path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("x" * 80)
    path.chmod(0o644)
    result = _settings({"SLANT_DATA_DIR": str(tmp_path)}, "s.SECRET_KEY")
    assert result.returncode != 0 and "readable by other users" in result.stderr


def test_it_passes_the_trusted_proxy_to_waitress() -> None:
    expr = "__import__('slant.web.cli', fromlist=['x']).waitress_options()"
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'slant.settings'; django.setup(); "
            f"print(sorted(({expr}).items()))")

    def options(env: dict[str, str]) -> str:
        full = {**os.environ, "SLANT_DATA_DIR": "/tmp/slant-settings-test", **env}
        result = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert options({}) == "[('clear_untrusted_proxy_headers', True)]"
    behind = options({"SLANT_PROXY_COUNT": "1"})
    assert "('trusted_proxy', '127.0.0.1')" in behind and "('trusted_proxy_count', 1)" in behind
    assert "'x-forwarded-for'" in behind and "'x-forwarded-proto'" in behind and "x-forwarded-host" not in behind
    named = options({"SLANT_TRUSTED_PROXY": "10.0.0.5"})
    assert "('trusted_proxy', '10.0.0.5')" in named and "('trusted_proxy_count', 1)" in named


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLANT_TRUSTED_PROXY": "nginx-box"}, "SLANT_TRUSTED_PROXY='nginx-box' is not an IP address"),
        ({"SLANT_TRUSTED_PROXY_HEADERS": "x-real-ip"}, "names a header other than"),
        ({"SLANT_REGISTRATION": "sometimes"}, "SLANT_REGISTRATION='sometimes' is not one of open, invite, closed"),
        ({"SLANT_QUOTA_ARTICLES": "-1"}, "SLANT_QUOTA_ARTICLES=-1 is below the minimum 0"),
    ],
)
def test_it_fails_loudly_on_bad_proxy_and_registration_values(env: dict[str, str], message: str) -> None:
    result = _settings(env, "1")
    assert result.returncode != 0 and message in result.stderr


def test_it_closes_registration_by_default_for_a_deployment() -> None:
    assert _settings({}, "s.SLANT_REGISTRATION").stdout.strip() == "'open'"
    assert _settings({"SLANT_PROXY_COUNT": "1"}, "s.SLANT_REGISTRATION").stdout.strip() == "'closed'"
    https = _settings({"SLANT_HTTPS": "1", "SLANT_SECRET_KEY": "k1" * 30}, "s.SLANT_REGISTRATION")
    assert https.stdout.strip() == "'closed'"
    assert _settings({"SLANT_PROXY_COUNT": "1", "SLANT_REGISTRATION": "invite"}, "s.SLANT_REGISTRATION").stdout.strip() == "'invite'"


def test_it_judges_loopback_addresses_and_secret_keys(settings) -> None:
    from slant.conf import SettingError
    from slant.web.cli import check_secret_key, is_loopback

    assert all(is_loopback(h) for h in ["127.0.0.1", "127.0.0.9", "localhost", "::1", "[::1]"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "::", "192.168.1.4", "slant.example.org", ""])
    settings.SECRET_KEY, settings.SECRET_KEY_SOURCE = settings.DEV_SECRET_KEY, "development"
    check_secret_key("127.0.0.1")  # a laptop may use the development key
    with pytest.raises(SettingError, match="refusing to serve on 0.0.0.0 with the development secret key"):
        check_secret_key("0.0.0.0")
    settings.SECRET_KEY, settings.SECRET_KEY_SOURCE = "short-key", "SLANT_SECRET_KEY"
    for host in ("127.0.0.1", "0.0.0.0"):
        with pytest.raises(SettingError, match="too weak"):
            check_secret_key(host)
    settings.SECRET_KEY = "a" * 60
    with pytest.raises(SettingError, match="too weak"):
        check_secret_key("0.0.0.0")
    settings.SECRET_KEY = "Zq8-x" * 12
    check_secret_key("0.0.0.0")


@pytest.mark.slow
def test_serve_refuses_a_public_address_with_the_development_key(tmp_path) -> None:
    refused = _cli(["serve", "--host", "0.0.0.0", "--port", "1", "--workers", "0"], {"SLANT_DATA_DIR": str(tmp_path)})
    assert refused.returncode != 0
    assert "development secret key" in refused.stderr and "slant secret" in refused.stderr
    weak = _cli(["serve", "--host", "127.0.0.1", "--port", "1", "--workers", "0"],
                {"SLANT_DATA_DIR": str(tmp_path), "SLANT_SECRET_KEY": "tooshort"})
    assert weak.returncode != 0 and "too weak" in weak.stderr
