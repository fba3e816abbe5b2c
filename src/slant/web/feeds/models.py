"""Feeds a collection follows, the items seen in them, and a clock per host."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from slant.store.models import Article
from slant.web.library.models import Collection


class Feed(models.Model):
    """One RSS/Atom feed followed by one collection.

    ``next_poll_at`` is when the poller may ask it next: the interval after a
    success, a growing backoff after failures (``failures`` in a row).
    """

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True, default="")
    interval_s = models.PositiveIntegerField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    added_at = models.DateTimeField(auto_now_add=True)
    # What the server said last time, sent back as If-None-Match / If-Modified-Since.
    etag = models.CharField(max_length=500, blank=True, default="")
    last_modified = models.CharField(max_length=200, blank=True, default="")
    next_poll_at = models.DateTimeField(db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=40, blank=True, default="")  # "200: 3 new", "304", "error"
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    warning = models.TextField(blank=True, default="")  # e.g. a truncated feed whose last items may be lost
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["collection_id", "url", "id"]
        constraints = [models.UniqueConstraint(fields=["collection", "url"], name="feed_once_per_collection")]

    def __str__(self) -> str:
        return self.url


class ItemStatus(models.TextChoices):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class FeedItem(models.Model):
    """An entry seen in a feed, keyed by its id (or link): recorded once, fetched once."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=64)  # sha256 of the entry's id, else its link
    link = models.URLField(max_length=2000, blank=True, default="")
    title = models.CharField(max_length=500, blank=True, default="")
    published = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(db_index=True)
    error = models.TextField(blank=True, default="")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_items")
    seen_at = models.DateTimeField(auto_now_add=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seen_at", "id"]
        constraints = [models.UniqueConstraint(fields=["feed", "key"], name="item_once_per_feed")]


class HostClock(models.Model):
    """When the poller may next send a request to a host (the per-host rate limit)."""

    host = models.CharField(max_length=255, primary_key=True)
    next_at = models.DateTimeField()
