"""Polling followed feeds: conditional GETs, a gap per host, each item fetched once.

Two steps, each cheap when there is nothing to do, so the analysis worker can
call ``poll_feeds`` on every turn of its loop:

1. ``poll_due_feeds``: every feed whose ``next_poll_at`` has come, and whose
   host is free, is asked with If-None-Match / If-Modified-Since. A 304 is a
   success with nothing new; new entries are recorded as pending items (once
   per feed, keyed by the entry's id or link). A failure (network, HTTP >=
   400, not a feed) is recorded on the feed and pushes its next poll back by
   a backoff that doubles with each failure in a row, up to a ceiling.
2. ``fetch_pending_items``: each pending item whose host is free is fetched
   through the library's URL fetcher (the same address checks and limits as a
   URL typed by a user) and added to the feed's collection, which stores the
   article once and queues its analysis. An item that fails is tried again
   later, and given up after ``MAX_ITEM_ATTEMPTS``.

Recording items before fetching them is what keeps a crash harmless: an item
recorded but not fetched is fetched on the next turn, even when the feed
itself answers 304 from then on.

Claims are compare-and-set updates, so several workers may poll at once
without asking a feed twice; the per-host gap is a row per host holding when
the next request may go, reserved the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import urllib.parse
from typing import Any, Callable

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from slant.errors import InputError
from slant.web.feeds.models import Feed, FeedItem, HostClock, ItemStatus

log = logging.getLogger("slant.web.feeds")

MAX_ITEM_ATTEMPTS = 3
FEED_TYPES = ("xml", "rss", "atom")
# While one worker polls a feed, others leave it alone for this long.
CLAIM_S = 300


@dataclasses.dataclass
class PollReport:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    fetched: int = 0
    item_failures: int = 0

    def __bool__(self) -> bool:
        return bool(self.polled or self.fetched or self.item_failures)


def host_of(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()


def take_host_slot(host: str, *, now: dt.datetime | None = None) -> bool:
    """Reserve the host for one request now, if its gap has passed; False if it is still resting."""
    gap = dt.timedelta(seconds=float(settings.SLANT_FEED_HOST_GAP_S))
    now = now or timezone.now()
    for _ in range(5):
        row = HostClock.objects.filter(host=host).first()
        if row is None:
            try:
                HostClock.objects.create(host=host, next_at=now + gap)
                return True
            except IntegrityError:  # another worker created it first: read it again
                continue
        if row.next_at > now:
            return False
        if HostClock.objects.filter(host=host, next_at=row.next_at).update(next_at=now + gap):
            return True
    return False


def backoff(feed: Feed) -> dt.timedelta:
    """How long to wait after the feed's ``failures``-th failure in a row: the interval, doubled each time, capped."""
    doubled = float(feed.interval_s) * 2 ** max(feed.failures - 1, 0)
    return dt.timedelta(seconds=min(doubled, float(settings.SLANT_FEED_MAX_BACKOFF_S)))


def _transport(transport: Any) -> Callable[..., Any]:
    if transport is not None:
        return transport
    from slant.web.library.fetch import direct_transport

    return direct_transport(bool(getattr(settings, "SLANT_FETCH_ALLOW_PRIVATE", False)))


def _header(headers: Any, name: str) -> str:
    return next((str(v) for k, v in headers.items() if k.lower() == name.lower()), "")


def _entries(url: str, body: bytes) -> tuple[str, list[dict[str, str]], str]:
    """The feed's title, its entries (key, link, title, published) and a warning, or InputError."""
    import feedparser

    try:
        parsed = feedparser.parse(body)
    except Exception as exc:  # noqa: BLE001  (feedparser can fail on hostile bytes in many ways)
        raise InputError(url, f"the feed could not be parsed ({type(exc).__name__}: {exc})") from None
    entries = list(parsed.get("entries") or [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries and (problem is not None or not parsed.get("version")):
        raise InputError(url, f"not an RSS or Atom feed ({problem or 'no feed elements found'})")
    warning = ""
    if problem is not None:
        warning = f"the feed is malformed ({problem}); items after the damage may be missing"
    found = []
    skipped = 0
    for entry in entries:
        ident = str(entry.get("id") or entry.get("link") or "").strip()
        link = str(entry.get("link") or "").strip()
        if not ident or not link:
            skipped += 1
            continue
        found.append({
            "key": hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest(),
            "link": link[:2000], "title": str(entry.get("title") or "")[:500],
            "published": str(entry.get("published") or entry.get("updated") or "")[:40],
        })
    if skipped:
        warning = (warning + "; " if warning else "") + f"{skipped} entries without a link were skipped"
    return str(parsed.get("feed", {}).get("title") or "")[:500], found, warning


def _failed(feed: Feed, now: dt.datetime, error: str) -> None:
    feed.failures += 1
    feed.last_error, feed.last_error_at, feed.last_status = error[:2000], now, "error"
    feed.next_poll_at = now + backoff(feed)
    feed.save(update_fields=["failures", "last_error", "last_error_at", "last_status", "next_poll_at", "last_polled_at"])


def poll_feed(feed: Feed, *, transport: Any = None, now: dt.datetime | None = None) -> tuple[str, int]:
    """Ask one feed for what is new; returns ("new" | "not-modified" | "failed", items recorded)."""
    now = now or timezone.now()
    feed.last_polled_at = now
    headers = {"User-Agent": "slant/0.1 (+feed follower)", "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        answer = _transport(transport)(feed.url, float(settings.SLANT_FETCH_TIMEOUT), int(settings.SLANT_MAX_UPLOAD_BYTES), headers)
        if answer.status == 304:
            feed.failures, feed.last_success_at, feed.last_status = 0, now, "304 not modified"
            feed.next_poll_at = now + dt.timedelta(seconds=feed.interval_s)
            feed.save(update_fields=["failures", "last_success_at", "last_status", "next_poll_at", "last_polled_at"])
            return "not-modified", 0
        if answer.status >= 400:
            raise InputError(feed.url, f"the server answered HTTP {answer.status}")
        if len(answer.body) > int(settings.SLANT_MAX_UPLOAD_BYTES):
            raise InputError(feed.url, f"the feed is larger than the limit of {settings.SLANT_MAX_UPLOAD_BYTES} bytes")
        title, entries, warning = _entries(feed.url, answer.body)
    except InputError as exc:
        _failed(feed, now, exc.reason)
        return "failed", 0
    except Exception as exc:  # noqa: BLE001  (one feed's trouble must never stop the worker)
        log.exception("feed %s failed", feed.pk)
        _failed(feed, now, f"{type(exc).__name__}: {exc}")
        return "failed", 0
    known = set(FeedItem.objects.filter(feed=feed, key__in=[e["key"] for e in entries]).values_list("key", flat=True))
    new = [e for e in entries if e["key"] not in known]
    # ignore_conflicts: another worker (or a crashed earlier poll) may have recorded some already.
    FeedItem.objects.bulk_create([FeedItem(feed=feed, next_try_at=now, **e) for e in new], ignore_conflicts=True)
    feed.etag = _header(answer.headers, "ETag")[:500]
    feed.last_modified = _header(answer.headers, "Last-Modified")[:200]
    feed.title = title or feed.title
    feed.warning = warning
    feed.failures, feed.last_success_at, feed.last_status = 0, now, f"{answer.status}: {len(new)} new"
    feed.next_poll_at = now + dt.timedelta(seconds=feed.interval_s)
    feed.save()
    return "new", len(new)


def poll_due_feeds(*, transport: Any = None, limit: int = 20, report: PollReport | None = None) -> PollReport:
    report = PollReport() if report is None else report
    now = timezone.now()
    for feed in Feed.objects.filter(next_poll_at__lte=now).order_by("next_poll_at", "id")[:limit]:
        if not take_host_slot(host_of(feed.url), now=now):
            continue
        # Claim: only the worker whose update matches the row it read polls the feed.
        if not Feed.objects.filter(pk=feed.pk, next_poll_at=feed.next_poll_at).update(next_poll_at=now + dt.timedelta(seconds=CLAIM_S)):
            continue
        outcome, new = poll_feed(feed, transport=transport, now=now)
        report.polled += 1
        report.not_modified += outcome == "not-modified"
        report.failed += outcome == "failed"
        report.new_items += new
    return report


def fetch_item(item: FeedItem, *, transport: Any = None, now: dt.datetime | None = None) -> bool:
    """Fetch one item's page and add its article to the feed's collection; True when stored."""
    from slant.web.library.adding import add_articles, url_articles

    now = now or timezone.now()
    item.attempts += 1
    try:
        articles, errors = url_articles(item.link, transport=transport)
        if not articles:
            raise InputError(item.link, "; ".join(errors) or "no article found on the page")
        feed = item.feed
        entries = add_articles(feed.collection, articles[:1], user=feed.added_by, origin="feed")
        item.article_id = entries[0].article_id
        item.status, item.error, item.fetched_at = ItemStatus.DONE, "", now
        item.save(update_fields=["attempts", "article", "status", "error", "fetched_at"])
        return True
    except Exception as exc:  # noqa: BLE001  (recorded on the item; the worker goes on)
        reason = exc.reason if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
        item.error = reason[:2000]
        if item.attempts >= MAX_ITEM_ATTEMPTS:
            item.status = ItemStatus.FAILED
        item.next_try_at = now + dt.timedelta(seconds=float(settings.SLANT_FEED_MIN_INTERVAL_S) * item.attempts)
        item.save(update_fields=["attempts", "error", "status", "next_try_at"])
        return False


def fetch_pending_items(*, transport: Any = None, limit: int = 20, report: PollReport | None = None) -> PollReport:
    report = PollReport() if report is None else report
    now = timezone.now()
    pending = FeedItem.objects.select_related("feed", "feed__collection", "feed__added_by").filter(
        status=ItemStatus.PENDING, next_try_at__lte=now).order_by("next_try_at", "id")[:limit]
    for item in pending:
        if not take_host_slot(host_of(item.link), now=now):
            continue
        # Claim the try by pushing its time forward; a worker that loses the race skips it.
        claimed_until = now + dt.timedelta(seconds=CLAIM_S)
        if not FeedItem.objects.filter(pk=item.pk, next_try_at=item.next_try_at, status=ItemStatus.PENDING).update(next_try_at=claimed_until):
            continue
        item.next_try_at = claimed_until
        if fetch_item(item, transport=transport, now=now):
            report.fetched += 1
        else:
            report.item_failures += 1
    return report


def poll_feeds(*, transport: Any = None) -> PollReport:
    """One turn of the poller: due feeds, then pending items. Never raises."""
    report = PollReport()
    try:
        poll_due_feeds(transport=transport, report=report)
        fetch_pending_items(transport=transport, report=report)
    except Exception:  # noqa: BLE001  (a database hiccup here must not stop analysis)
        log.exception("polling feeds failed")
    return report
