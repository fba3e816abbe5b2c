"""Fetching an article page by URL, with limits on size, time and content type.

The transport is pluggable (a callable taking the URL, the time limit and the
size limit), so tests and deployments can swap it. The default one,
``direct_transport``:

1. resolves the host name once and checks every address it resolves to:
   private, loopback, link-local, multicast and reserved addresses are
   refused, and so are public-looking IPv6 addresses that embed such an IPv4
   address (IPv4-mapped and -compatible, NAT64 ``64:ff9b::/96``, 6to4
   ``2002::/16``, Teredo) and local-use NAT64 (``64:ff9b:1::/48``), unless
   ``SLANT_FETCH_ALLOW_PRIVATE`` is set;
2. connects to the address it checked, never to the name again, so a DNS
   answer that changes between the check and the connection (DNS rebinding)
   cannot lead it inside the network; the Host header, TLS SNI and the
   certificate check still use the name;
3. follows at most ``MAX_REDIRECTS`` redirects, each one checked again from 1;
4. holds the whole fetch (resolution, connection, TLS, redirects, headers and
   body) to one deadline, ``timeout`` seconds from the start, so a page that
   drips one byte a second ends at the deadline with a clear error;
5. never reads more than ``max_bytes + 1`` bytes of a body.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from typing import Callable, Mapping

from slant.errors import InputError

# Types we can read as an article (HTML pages, plain text and feeds).
ALLOWED_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
    "application/xml": ".xml",
    "text/xml": ".xml",
}
MAX_REDIRECTS = 5
USER_AGENT = "slant/0.1 (+article fetcher)"


@dataclasses.dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


# (url, time limit, size limit[, extra request headers]) -> Response. The
# headers are optional so that simple transports (tests) may take three.
Transport = Callable[..., Response]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Special-purpose blocks that some Python versions count as global.
_SPECIAL = [ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15", "100.64.0.0/10")]


def refusal(address: Address) -> str | None:
    """Why the fetcher will not connect to ``address``, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address inside: judge the IPv4 one.
        embedded: list[ipaddress.IPv4Address] = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address in _NAT64_LOCAL:
            return "a local-use NAT64 address"
        if address in _IPV4_COMPATIBLE and int(address) > 1:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        for inner in embedded:
            if refusal(inner) is not None:
                return f"an IPv6 address embedding the private or local address {inner}"
        if embedded:
            return None  # a wrapper (in ::/8, "reserved") around public IPv4 addresses
    if (
        not address.is_global or address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or any(address in network for network in _SPECIAL if network.version == address.version)
    ):
        return "a private or local address"
    return None


class _Expired(Exception):
    pass


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; _Expired once none are."""
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise _Expired
        return remaining


# Name resolution cannot be given a timeout, so it runs on a small pool and
# the fetch stops waiting for it at the deadline.
_RESOLVER = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="slant-resolve")


def _resolve(url: str, host: str, port: int, deadline: _Deadline, allow_private: bool) -> list[str]:
    future = _RESOLVER.submit(socket.getaddrinfo, host, port, proto=socket.IPPROTO_TCP)
    try:
        infos = future.result(timeout=deadline.left())
    except concurrent.futures.TimeoutError:
        raise _Expired from None
    except (socket.gaierror, UnicodeError):
        raise InputError(url, "the host name does not resolve") from None
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0])
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            raise InputError(url, f"the host resolves to an address slant cannot judge ({text})") from None
        reason = None if allow_private else refusal(address)
        if reason is not None:
            raise InputError(url, f"the address is {reason}, which the server does not fetch")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise InputError(url, "the host name does not resolve")
    return addresses


def _split(url: str) -> tuple[urllib.parse.SplitResult, str, int]:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise InputError(url, "the address is not a valid URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InputError(url, "only http:// and https:// addresses can be fetched")
    return parts, parts.hostname, port or (443 if parts.scheme == "https" else 80)


class _Watchdog:
    """Shuts the current socket down at the deadline, whatever call is blocked on it."""

    def __init__(self, deadline: _Deadline) -> None:
        self.sock: socket.socket | None = None
        self.fired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline.end - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self.sock is not None:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self.sock = sock
            if self.fired and sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(
    url: str, parts: urllib.parse.SplitResult, host: str, port: int, addresses: list[str],
    deadline: _Deadline, context: ssl.SSLContext | None, watchdog: _Watchdog,
) -> socket.socket:
    last: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=deadline.left())
        except OSError as exc:
            last = exc
            continue
        watchdog.watch(sock)
        if parts.scheme == "https":
            context = context or ssl.create_default_context()
            sock.settimeout(deadline.left())
            try:
                # SNI and the certificate check use the name, the connection the checked address.
                sock = context.wrap_socket(sock, server_hostname=host)
            except ssl.SSLError as exc:
                sock.close()
                raise InputError(url, f"could not be fetched (TLS: {exc.reason or exc})") from None
            watchdog.watch(sock)
        return sock
    raise InputError(url, f"could not be fetched ({getattr(last, 'strerror', None) or last})")


def _host_header(parts: urllib.parse.SplitResult, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    default = 443 if parts.scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


def _get(
    url: str, deadline: _Deadline, max_bytes: int, allow_private: bool,
    context: ssl.SSLContext | None, watchdog: _Watchdog, extra: Mapping[str, str],
) -> Response:
    for _ in range(MAX_REDIRECTS + 1):
        parts, host, port = _split(url)
        addresses = _resolve(url, host, port, deadline, allow_private)
        sock = _connect(url, parts, host, port, addresses, deadline, context, watchdog)
        connection = http.client.HTTPConnection(host, port)
        connection.sock = sock  # already connected, to the checked address
        try:
            sock.settimeout(deadline.left())
            target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
            connection.request("GET", target, headers={
                **extra, "Host": _host_header(parts, host, port), "User-Agent": USER_AGENT,
                "Accept": "text/html, application/xhtml+xml, text/plain, application/rss+xml, "
                          "application/atom+xml, application/xml;q=0.9, */*;q=0.1",
                "Accept-Encoding": "identity", "Connection": "close",
            })
            answer = connection.getresponse()
            headers = dict(answer.headers.items())
            location = answer.headers.get("Location")
            if answer.status in {301, 302, 303, 307, 308} and location:
                url = urllib.parse.urljoin(url, location.strip())
                continue
            if answer.status >= 400:
                return Response(url, answer.status, headers, b"")
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                sock.settimeout(deadline.left())
                chunk = answer.read1(min(65536, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            deadline.left()  # a socket shut at the deadline looks like a short body
            return Response(url, answer.status, headers, b"".join(chunks))
        finally:
            watchdog.watch(None)
            connection.close()
    raise InputError(url, f"more than {MAX_REDIRECTS} redirects")


def direct_transport(allow_private: bool = False, *, ssl_context: ssl.SSLContext | None = None) -> Transport:
    """The default transport (see the module's docstring); ``ssl_context`` for a private CA."""

    def transport(url: str, timeout: float, max_bytes: int, headers: Mapping[str, str] | None = None) -> Response:
        deadline = _Deadline(timeout)
        watchdog = _Watchdog(deadline)
        try:
            return _get(url, deadline, max_bytes, allow_private, ssl_context, watchdog, dict(headers or {}))
        except InputError:
            raise
        except (_Expired, OSError, http.client.HTTPException) as exc:
            if watchdog.fired or isinstance(exc, (_Expired, TimeoutError)) or time.monotonic() >= deadline.end:
                raise InputError(url, f"took longer than the time limit of {timeout:g} s (SLANT_FETCH_TIMEOUT)") from None
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise InputError(url, f"could not be fetched ({reason})") from None
        finally:
            watchdog.cancel()

    return transport


def fetch(url: str, *, max_bytes: int, timeout: float, transport: Transport | None = None) -> tuple[bytes, str]:
    """The page's bytes and a file suffix for its type; InputError on any refusal."""
    if transport is None:
        from django.conf import settings

        transport = direct_transport(bool(getattr(settings, "SLANT_FETCH_ALLOW_PRIVATE", False)))
    answer = transport(url, timeout, max_bytes)
    if answer.status >= 400:
        raise InputError(url, f"the server answered HTTP {answer.status}")
    content_type = next((v for k, v in answer.headers.items() if k.lower() == "content-type"), "")
    kind = content_type.split(";")[0].strip().lower()
    if kind not in ALLOWED_TYPES:
        raise InputError(url, f"content type {kind or 'unknown'!r} is not an article page (HTML, text or feed)")
    if len(answer.body) > max_bytes:
        raise InputError(url, f"the page is larger than the limit of {max_bytes} bytes")
    return answer.body, ALLOWED_TYPES[kind]
