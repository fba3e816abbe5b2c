"""`slant serve` behind a real nginx on loopback, as docs/deploy.md sets it up.

nginx (Debian's package; `.ci/run` installs it) runs as the test's own user
with a config, pid file, logs and temp folders in a temporary directory, and
passes X-Forwarded-Proto: https (it stands for a proxy that terminates TLS)
and X-Forwarded-For. Two clients connect from two loopback addresses
(127.0.0.2 and 127.0.0.3), so nginx sees two different client addresses.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
FAILURES = 3

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen, what: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"{what} exited ({proc.returncode}): {out[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not listen on {port} within {seconds} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """nginx on a free loopback port in front of `slant serve` (SLANT_HTTPS=1, one trusted proxy)."""
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    tmp = tmp_path_factory.mktemp("proxy")
    env = {**os.environ, "SLANT_DATA_DIR": str(tmp / "data"), "SLANT_HTTPS": "1",
           "SLANT_SECRET_KEY": secrets.token_urlsafe(64), "SLANT_PROXY_COUNT": "1", "SLANT_TRUSTED_PROXY": "127.0.0.1",
           "SLANT_ALLOWED_HOSTS": "localhost", "SLANT_LOGIN_FAILURES": str(FAILURES)}
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SLANT_DB_URL"):
        env.pop(name, None)
    cli = [sys.executable, "-c", "from slant.cli import main; main()"]
    added = subprocess.run([*cli, "user", "add", "ana", "--password-stdin"], input=PASSWORD + "\n", env=env,
                           capture_output=True, text=True, timeout=180)
    assert added.returncode == 0, added.stderr
    upstream, port = _free_port(), _free_port()
    server = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(upstream), "--workers", "0"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, upstream=upstream))
    nginx = subprocess.Popen([NGINX, "-e", str(tmp / "error.log"), "-p", str(tmp), "-c", str(conf)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(upstream, server, "slant serve")
        _wait_for(port, nginx, "nginx", 30)
        yield port, upstream
    finally:
        _stop(nginx)
        _stop(server)


class _Client:
    """A browser stand-in from one source address, keeping its cookies (Secure ones too: the proxy is "https")."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        headers = {"Host": f"localhost:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://localhost:{self.port}",
                            "Referer": f"https://localhost:{self.port}{path}"})
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        text = answer.read().decode("utf-8", "replace")
        for value in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return answer.status, dict(answer.headers.items()), text

    def log_in(self, username: str, password: str) -> int:
        status, _, page = self.request("GET", "/accounts/login/")
        assert status == 200, status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        from urllib.parse import urlencode

        status, _, _ = self.request("POST", "/accounts/login/", urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}))
        return status


def test_it_serves_https_behind_the_proxy_without_a_redirect_loop(site: tuple[int, int]) -> None:
    status, headers, _ = _Client(site[0], "127.0.0.2").request("GET", "/accounts/login/")
    assert status == 200, (status, headers.get("Location"))
    assert headers.get("Strict-Transport-Security", "").startswith("max-age=")
    assert "Secure" in headers.get("Set-Cookie", "")


def test_it_locks_out_each_client_address_on_its_own(site: tuple[int, int]) -> None:
    attacker, colleague = _Client(site[0], "127.0.0.2"), _Client(site[0], "127.0.0.3")
    results = [attacker.log_in("ana", "wrong password") for _ in range(FAILURES)]
    assert results[:-1] == [200] * (FAILURES - 1) and results[-1] == 429
    assert attacker.log_in("ana", PASSWORD) == 429  # locked: even the right password
    # The same user name from another client is not locked out.
    assert colleague.log_in("ana", PASSWORD) == 302


def test_it_names_no_versions_in_its_server_header(site: tuple[int, int]) -> None:
    proxy, upstream = site
    _, through_proxy, _ = _Client(proxy, "127.0.0.2").request("GET", "/accounts/login/")
    assert through_proxy["Server"] == "nginx"  # server_tokens off, as docs/deploy.md says
    _, direct, _ = _Client(upstream, "127.0.0.1").request("GET", "/accounts/login/")
    assert direct["Server"] == "slant"


def test_serve_closes_registration_off_loopback(tmp_path: Path) -> None:
    env = {**os.environ, "SLANT_DATA_DIR": str(tmp_path), "SLANT_SECRET_KEY": secrets.token_urlsafe(64)}
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SLANT_DB_URL", "SLANT_REGISTRATION"):
        env.pop(name, None)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", "from slant.cli import main; main()", "serve", "--host", "0.0.0.0",
                               "--port", str(port), "--workers", "0"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(port, server, "slant serve")
        status, _, page = _Client(port, "127.0.0.1").request("GET", "/accounts/register/")
        assert status == 403 and "Registration is closed" in page
    finally:
        _stop(server)
