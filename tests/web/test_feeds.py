"""Followed feeds: conditional requests, backoff, a gap per host, each article stored once.

A real HTTP server on loopback plays the feed's host: it answers 200 with an
ETag, 304 when asked with that ETag, 500 when told to fail, and a changed
feed with one more item. Article pages are served by the same server.
"""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from django.utils import timezone

from .conftest import client_for

PAGE = """<html><head><title>{title}</title><meta property="og:site_name" content="Harbour Gazette"></head>
<body><nav>Home | World | User Login | Register Account</nav><article><h1>{title}</h1>
<p>{body} The council met on Tuesday in Portsmouth and voted on the plans for the harbour after a long debate.</p>
<p>Residents who spoke at the meeting said the work should start before the winter storms arrive in the town.</p>
<p>The mayor said the budget had been set aside last year and that contractors would be chosen in the spring.</p>
</article></body></html>"""

ITEMS = {
    "a1": ("Council votes on the harbour bridge", "The first story about the bridge."),
    "a2": ("Ferry timetable changes next month", "The second story is about the ferry."),
    "a3": ("Storm closes the harbour for two days", "A third story arrives later."),
}


def rss(keys: list[str], base: str) -> bytes:
    items = "".join(
        f"<item><title>{ITEMS[k][0]}</title><link>{base}/{k}.html</link><guid>{base}/{k}</guid></item>" for k in keys
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title>'
            f"<link>{base}/</link>{items}</channel></rss>").encode()


class FeedHost:
    """State shared with the handler: what the feed answers now, and what was asked."""

    def __init__(self) -> None:
        self.mode = "ok"          # ok | fail | changed | truncated
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.base = ""


@pytest.fixture
def host() -> Iterator[FeedHost]:
    state = FeedHost()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            state.requests.append((self.path, dict(self.headers.items())))
            if self.path == "/feed.xml":
                self._feed()
            elif self.path.endswith(".html") and self.path[1:-5] in ITEMS:
                title, body = ITEMS[self.path[1:-5]]
                self._send(200, PAGE.format(title=title, body=body).encode(), "text/html; charset=utf-8")
            else:
                self._send(404, b"not here", "text/plain")

        def _feed(self) -> None:
            if state.mode == "fail":
                return self._send(500, b"oops", "text/plain")
            etag = '"v2"' if state.mode == "changed" else '"v1"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", "application/rss+xml", etag=etag)
            keys = ["a1", "a2", "a3"] if state.mode == "changed" else ["a1", "a2"]
            body = rss(keys, state.base)
            if state.mode == "truncated":
                body = body[: body.index(b"</item>") + 40]
            self._send(200, body, "application/rss+xml", etag=etag)

        def _send(self, status: int, body: bytes, kind: str, etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fast_feeds(settings):  # type: ignore[no-untyped-def]
    settings.SLANT_FEED_HOST_GAP_S = 0
    settings.SLANT_FEED_MIN_INTERVAL_S = 0
    settings.SLANT_FEED_MAX_BACKOFF_S = 7200


def follow(team: dict, url: str, interval_s: int = 600) -> Any:
    from slant.web.feeds.models import Feed

    return Feed.objects.create(collection=team["collection"], url=url, interval_s=interval_s,
                               added_by=team["users"]["editor"], next_poll_at=timezone.now())


def due_now(feed: Any) -> None:
    type(feed).objects.filter(pk=feed.pk).update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))


def feed_asks(host: FeedHost) -> list[dict[str, str]]:
    return [headers for path, headers in host.requests if path == "/feed.xml"]


def test_it_polls_conditionally_backs_off_and_stores_each_article_once(team: dict, host: FeedHost) -> None:
    from slant.store.models import Article
    from slant.web.feeds.models import FeedItem
    from slant.web.feeds.poll import poll_feeds
    from slant.web.jobs.models import Job
    from slant.web.library.models import Entry

    feed = follow(team, f"{host.base}/feed.xml")
    report = poll_feeds()
    assert (report.polled, report.new_items, report.fetched) == (1, 2, 2)
    feed.refresh_from_db()
    assert feed.etag == '"v1"' and feed.title == "Harbour Gazette" and feed.failures == 0
    entries = Entry.objects.filter(collection=team["collection"], origin="feed")
    assert entries.count() == 2
    assert Job.objects.filter(article__in=entries.values("article")).count() == 2  # queued for analysis
    stored = Article.objects.filter(url=f"{host.base}/a1.html").get()
    assert stored.text.startswith("Council votes on the harbour bridge")
    assert "Register Account" not in stored.text  # the page went through the usual extraction

    # Asked again: the ETag goes back, the server says 304, nothing new.
    due_now(feed)
    report = poll_feeds()
    assert feed_asks(host)[-1].get("If-None-Match") == '"v1"'
    assert (report.polled, report.not_modified, report.new_items) == (1, 1, 0)
    feed.refresh_from_db()
    assert feed.last_status.startswith("304") and feed.failures == 0

    # The server fails: the error is kept and the next poll backs off, doubling.
    host.mode = "fail"
    for failures, wait in [(1, 600), (2, 1200), (3, 2400), (4, 4800), (5, 7200)]:
        due_now(feed)
        before = timezone.now()
        assert poll_feeds().failed == 1
        feed.refresh_from_db()
        assert feed.failures == failures and "HTTP 500" in feed.last_error
        assert wait - 5 <= (feed.next_poll_at - before).total_seconds() <= wait + 5
        assert feed.last_success_at is not None  # the last success stays visible
    assert poll_feeds().polled == 0  # not due during the backoff

    # The feed changes: only the new item is fetched; nothing is stored twice.
    host.mode = "changed"
    due_now(feed)
    report = poll_feeds()
    assert (report.polled, report.new_items, report.fetched) == (1, 1, 1)
    feed.refresh_from_db()
    assert feed.failures == 0 and feed.etag == '"v2"' and feed.last_error  # the old error stays, with its time
    assert entries.count() == 3 and FeedItem.objects.filter(feed=feed).count() == 3
    pages = [path for path, _ in host.requests if path.endswith(".html")]
    assert sorted(pages) == ["/a1.html", "/a2.html", "/a3.html"]  # each page fetched once
    # Polled again with nothing new: the same three articles.
    due_now(feed)
    poll_feeds()
    assert entries.count() == 3 and Article.objects.filter(url__startswith=host.base).count() == 3


def test_it_keeps_a_gap_between_requests_to_one_host(team: dict, settings) -> None:  # type: ignore[no-untyped-def]
    from slant.web.feeds.poll import take_host_slot

    settings.SLANT_FEED_HOST_GAP_S = 5
    now = timezone.now()
    assert take_host_slot("news.example", now=now)
    assert not take_host_slot("news.example", now=now + dt.timedelta(seconds=2))
    assert take_host_slot("other.example", now=now + dt.timedelta(seconds=2))
    assert take_host_slot("news.example", now=now + dt.timedelta(seconds=5.1))


def test_it_waits_for_the_host_before_fetching_the_items(team: dict, host: FeedHost, settings) -> None:  # type: ignore[no-untyped-def]
    from slant.web.feeds.models import FeedItem
    from slant.web.feeds.poll import poll_feeds

    settings.SLANT_FEED_HOST_GAP_S = 3600
    follow(team, f"{host.base}/feed.xml")
    report = poll_feeds()
    # The feed took the host's slot: its items wait, recorded, for the next free slot.
    assert (report.polled, report.new_items, report.fetched) == (1, 2, 0)
    assert FeedItem.objects.filter(status="pending").count() == 2
    assert [p for p, _ in host.requests] == ["/feed.xml"]


def test_it_retries_a_failing_item_then_gives_up_visibly(team: dict, host: FeedHost) -> None:
    from slant.web.feeds.models import FeedItem
    from slant.web.feeds.poll import MAX_ITEM_ATTEMPTS, fetch_pending_items, poll_feeds

    feed = follow(team, f"{host.base}/feed.xml")
    ITEMS["gone"] = ("", "")
    try:
        poll_feeds()
        item = FeedItem.objects.create(feed=feed, key="k" * 64, link=f"{host.base}/missing.html", next_try_at=timezone.now())
        for attempt in range(1, MAX_ITEM_ATTEMPTS + 1):
            FeedItem.objects.filter(pk=item.pk).update(next_try_at=timezone.now())
            fetch_pending_items()
            item.refresh_from_db()
            assert item.attempts == attempt and "404" in item.error
        assert item.status == "failed"
        data = client_for(team["users"]["viewer"]).get(f"/collections/{team['collection'].pk}/feeds.json").json()
        [shown] = data["feeds"]
        assert shown["items"] == {"pending": 0, "done": 2, "failed": 1}
        assert shown["failed_items"][0]["link"].endswith("/missing.html")
    finally:
        ITEMS.pop("gone")


def test_it_warns_when_a_feed_is_truncated(team: dict, host: FeedHost) -> None:
    from slant.web.feeds.poll import poll_feeds

    host.mode = "truncated"
    feed = follow(team, f"{host.base}/feed.xml")
    report = poll_feeds()
    feed.refresh_from_db()
    assert report.new_items == 1 and "malformed" in feed.warning and "missing" in feed.warning


def test_it_refuses_a_feed_on_a_private_address(team: dict, host: FeedHost, settings) -> None:  # type: ignore[no-untyped-def]
    from slant.web.feeds.poll import poll_feeds

    settings.SLANT_FETCH_ALLOW_PRIVATE = False
    feed = follow(team, f"{host.base}/feed.xml")
    assert poll_feeds().failed == 1
    feed.refresh_from_db()
    assert "private" in feed.last_error and host.requests == []


def test_it_is_polled_by_the_analysis_worker(team: dict, host: FeedHost) -> None:
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import work

    follow(team, f"{host.base}/feed.xml")
    work(once=True)
    assert Job.objects.filter(status="done").count() == 2  # fetched, stored, analysed in one turn


def test_it_follows_and_unfollows_from_the_page(team: dict, host: FeedHost) -> None:
    from slant.web.feeds.models import Feed

    cid = team["collection"].pk
    editor = client_for(team["users"]["editor"])
    page = editor.get(f"/collections/{cid}/feeds/")
    assert page.status_code == 200 and b"Follow a feed" in page.content
    response = editor.post(f"/collections/{cid}/feeds/", {"url": f"{host.base}/feed.xml", "interval_min": "30"})
    assert response.status_code == 302
    feed = Feed.objects.get(collection_id=cid)
    assert feed.interval_s == 1800
    assert editor.post(f"/collections/{cid}/feeds/", {"url": "ftp://example.org/feed"}).status_code == 200
    assert Feed.objects.filter(collection_id=cid).count() == 1
    viewer = client_for(team["users"]["viewer"])
    assert b"Follow a feed" not in viewer.get(f"/collections/{cid}/feeds/").content
    assert editor.post(f"/collections/{cid}/feeds/{feed.pk}/unfollow/").status_code == 302
    assert not Feed.objects.filter(pk=feed.pk).exists()
