"""Fetching an article page by URL, with limits on size, time and content type.

The transport is pluggable (a callable taking the URL, the time limit and the
size limit), so tests and deployments can swap it. The default one uses the
standard library, refuses private and loopback addresses unless
``SLANT_FETCH_ALLOW_PRIVATE`` is set, and never reads past the size limit.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
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


@dataclasses.dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


# (url, time limit, size limit[, extra request headers]) -> Response. The
# headers are optional so that simple transports (tests) may take three.
Transport = Callable[..., Response]


def _check_host(url: str, allow_private: bool) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InputError(url, "only http:// and https:// addresses can be fetched")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise InputError(url, "the host name does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise InputError(url, "the address is private or local, which the server does not fetch")


def urllib_transport(allow_private: bool = False) -> Transport:
    """The default transport: urllib, at most ``max_bytes`` read, no redirects off-limits."""

    class _Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            _check_host(newurl, allow_private)  # a redirect may not lead inside the network either
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(_Redirects)

    def transport(url: str, timeout: float, max_bytes: int, headers: Mapping[str, str] | None = None) -> Response:
        _check_host(url, allow_private)
        request = urllib.request.Request(url, headers={"User-Agent": "slant/0.1 (+article fetcher)", **(headers or {})})
        try:
            with opener.open(request, timeout=timeout) as answer:
                body = answer.read(max_bytes + 1)
                return Response(answer.geturl(), answer.status, dict(answer.headers.items()), body)
        except urllib.error.HTTPError as exc:
            return Response(url, exc.code, dict(exc.headers.items()) if exc.headers else {}, b"")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(url, f"could not be fetched ({reason})") from None

    return transport


def fetch(url: str, *, max_bytes: int, timeout: float, transport: Transport | None = None) -> tuple[bytes, str]:
    """The page's bytes and a file suffix for its type; InputError on any refusal."""
    if transport is None:
        from django.conf import settings

        transport = urllib_transport(bool(getattr(settings, "SLANT_FETCH_ALLOW_PRIVATE", False)))
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
