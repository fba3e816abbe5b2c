"""The URL fetcher: private addresses (also behind redirects, IPv6 wrappers and
DNS rebinding), the Host header and TLS name, and one deadline for the whole fetch.

"The internet" here is a loopback server reached through a fake resolver:
``public.example`` resolves to a public address (93.184.216.34), and every
connection to that address is rerouted to the loopback server. Nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from slant.errors import InputError
from slant.web.library.fetch import direct_transport, fetch, refusal

PUBLIC_IP = "93.184.216.34"
PAGE = b"<html><head><title>Public page</title></head><body><p>public words</p></body></html>"
SECRET = b"<html><body><p>internal secret</p></body></html>"


class _Server:
    """A loopback HTTP server whose routes the tests set; it records each request's path and headers."""

    def __init__(self, routes: dict[str, object], context: ssl.SSLContext | None = None) -> None:
        self.routes = routes
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.sni: list[str | None] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                outer.seen.append((self.path, dict(self.headers.items())))
                route = outer.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if context is not None:
            def remember(sock, name, ctx):  # type: ignore[no-untyped-def]
                self.sni.append(name)
            context.sni_callback = remember
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[list[_Server]]:
    made: list[_Server] = []
    yield made
    for server in made:
        server.close()


@pytest.fixture
def network(monkeypatch, servers):  # type: ignore[no-untyped-def]
    """A fake resolver (name -> list of answers, served in turn) and connections rerouted from public addresses."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.create_connection
    answers: dict[str, list[str]] = {}
    calls: dict[str, int] = {}
    reroute: dict[str, int] = {}  # public address -> loopback port
    connected: list[tuple[str, int]] = []

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(host, str) and host in answers:
            n = calls.get(host, 0)
            calls[host] = n + 1
            ip = answers[host][min(n, len(answers[host]) - 1)]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sockaddr = (ip, port, 0, 0) if family == socket.AF_INET6 else (ip, port)
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        host, port = address[0], address[1]
        connected.append((host, port))
        if host in reroute:
            return real_connect(("127.0.0.1", reroute[host]), *args, **kwargs)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return real_connect(address, *args, **kwargs)  # by name: resolved (again) through getaddrinfo
        if not ipaddress.ip_address(host).is_loopback:
            raise OSError(101, "Network is unreachable")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)

    class Net:
        def serve(self, routes: dict[str, object], *, name: str | None = None, ip: str = PUBLIC_IP,
                  context: ssl.SSLContext | None = None) -> _Server:
            server = _Server(routes, context)
            servers.append(server)
            if name:
                answers[name] = [ip]
                reroute[ip] = server.port
            return server

    net = Net()
    net.answers, net.calls, net.reroute, net.connected = answers, calls, reroute, connected  # type: ignore[attr-defined]
    return net


def _get(url: str, *, timeout: float = 3.0, max_bytes: int = 100_000, allow_private: bool = False, **kw):  # type: ignore[no-untyped-def]
    return direct_transport(allow_private, **kw)(url, timeout, max_bytes)


# --- private addresses, directly ------------------------------------------------

PRIVATE_URLS = [
    "http://127.0.0.1/", "http://127.0.0.2:8080/", "http://localhost/", "http://0.0.0.0/", "http://0/",
    "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://198.18.0.1/", "http://192.0.0.8/", "http://240.0.0.1/", "http://224.0.0.1/",
    "http://239.255.255.250/", "http://255.255.255.255/",
    "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
    "http://[::1]/", "http://[::]/", "http://[fe80::1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
    "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.1.2.3]/", "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::192.168.0.1]/",
    "http://[64:ff9b:1::1]/", "http://[2002:7f00:1::1]/", "http://[2002:a00:1::]/", "http://[2002:c0a8:101::1]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://[2001:db8::1]/",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_it_refuses_private_and_local_addresses(url: str) -> None:
    with pytest.raises(InputError, match="private or local|local-use NAT64"):
        _get(url)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"]
)
def test_it_takes_public_addresses_also_inside_ipv6_wrappers(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_it_refuses_other_schemes_and_bad_urls() -> None:
    for url in ("file:///etc/passwd", "ftp://example.org/", "gopher://127.0.0.1:25/", "http:///nohost", "http://[::1/"):
        with pytest.raises(InputError, match="only http|not a valid URL"):
            fetch(url, max_bytes=50, timeout=1.0)


# --- redirects ----------------------------------------------------------------

@pytest.mark.parametrize(
    "target", ["http://127.0.0.1/", "http://localhost:22/", "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::a00:1]/",
               "http://[2002:a9fe:a9fe::]/", "http://169.254.169.254/latest/meta-data/", "/hop2"],
)
def test_it_checks_every_redirect_again(network, target: str) -> None:
    inner = network.serve({"/": (200, {"Content-Type": "text/html"}, SECRET)})
    network.answers["inside.example"] = ["10.0.0.7"]
    network.serve({
        "/start": (302, {"Location": target}, b""),
        "/hop2": (301, {"Location": "http://inside.example/"}, b""),
    }, name="public.example")
    with pytest.raises(InputError, match="private or local|embedding"):
        _get("http://public.example/start")
    assert inner.seen == []


def test_it_follows_a_public_redirect_and_stops_after_too_many(network) -> None:
    network.serve({
        "/old": (301, {"Location": "/new"}, b""),
        "/new": (200, {"Content-Type": "text/html"}, PAGE),
        "/loop": (302, {"Location": "/loop"}, b""),
    }, name="public.example")
    answer = _get("http://public.example/old")
    assert answer.status == 200 and answer.body == PAGE and answer.url == "http://public.example/new"
    with pytest.raises(InputError, match="more than 5 redirects"):
        _get("http://public.example/loop")


# --- DNS rebinding --------------------------------------------------------------

def test_it_connects_to_the_address_it_checked_not_to_the_name_again(network) -> None:
    """The name resolves to a public address when checked and to loopback afterwards."""
    inner = network.serve({"/": (200, {"Content-Type": "text/html"}, SECRET)})
    outer = network.serve({"/": (200, {"Content-Type": "text/html"}, PAGE)})
    network.answers["rebind.example"] = [PUBLIC_IP, "127.0.0.1"]
    network.reroute[PUBLIC_IP] = outer.port
    url = f"http://rebind.example:{inner.port}/"
    answer = _get(url)
    assert answer.body == PAGE and inner.seen == []
    assert network.connected == [(PUBLIC_IP, inner.port)]
    # The Host header still names the site.
    assert outer.seen[0][1]["Host"] == f"rebind.example:{inner.port}"


def test_it_sends_the_name_in_sni_and_checks_the_certificate_against_it(network, tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=news.example", "-addext", "subjectAltName=DNS:news.example"],
        check=True, capture_output=True, timeout=60,
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    site = network.serve({"/a.html": (200, {"Content-Type": "text/html"}, PAGE)}, name="news.example", context=server_context)
    client_context = ssl.create_default_context(cafile=str(cert))
    answer = _get("https://news.example/a.html", ssl_context=client_context)
    assert answer.body == PAGE
    assert site.sni == ["news.example"] and site.seen[0][1]["Host"] == "news.example"
    assert network.connected == [(PUBLIC_IP, 443)]
    # Another name on the same address: the certificate does not match it.
    network.answers["other.example"] = [PUBLIC_IP]
    with pytest.raises(InputError, match="TLS"):
        _get("https://other.example/a.html", ssl_context=client_context)


# --- one deadline for the whole fetch ------------------------------------------------

def _drip_body(handler) -> None:  # type: ignore[no-untyped-def]
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for _ in range(60):  # a byte every 0.1 s for 6 s, each read well inside any per-read timeout
        try:
            handler.wfile.write(b"x")
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.1)


def _drip_headers(handler) -> None:  # type: ignore[no-untyped-def]
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        for i in range(60):
            handler.wfile.write(f"X-Slow-{i}: y\r\n".encode())
            handler.wfile.flush()
            time.sleep(0.1)
    except OSError:
        return


@pytest.mark.parametrize("route", [_drip_body, _drip_headers], ids=["body", "headers"])
def test_it_stops_a_slow_page_at_the_deadline(network, route) -> None:  # type: ignore[no-untyped-def]
    network.serve({"/slow": route, "/go": (302, {"Location": "/slow"}, b"")}, name="public.example")
    for path in ("/slow", "/go"):
        start = time.monotonic()
        with pytest.raises(InputError, match=r"longer than the time limit of 1.5 s"):
            fetch(f"http://public.example{path}", max_bytes=200_000, timeout=1.5, transport=direct_transport(False))
        assert time.monotonic() - start < 2.5


def test_it_reads_no_more_than_the_size_limit(network) -> None:
    network.serve({"/big": (200, {"Content-Type": "text/html"}, b"y" * 300_000)}, name="public.example")
    answer = _get("http://public.example/big", max_bytes=1000)
    assert len(answer.body) == 1001
    with pytest.raises(InputError, match="larger than the limit of 1000 bytes"):
        fetch("http://public.example/big", max_bytes=1000, timeout=3.0, transport=direct_transport(False))
