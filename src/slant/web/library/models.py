"""Collections of articles, shared with a team in three roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from slant.store.models import Article


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# What each role may do; higher roles include the lower ones.
RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}


class Collection(models.Model):
    """A private set of articles; only its members see that it exists."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    articles = models.ManyToManyField(Article, through="Entry", related_name="collections")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection", "user"], name="one_role_per_member")]

    def can(self, needed: str) -> bool:
        return RANK[Role(self.role)] >= RANK[Role(needed)]


class Entry(models.Model):
    """An article in a collection: who added it, when, and from where."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="entries")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="entries")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    added_at = models.DateTimeField(auto_now_add=True)
    origin = models.CharField(max_length=20, default="paste")  # upload, paste, url, api
    # A name given in this collection (rename); the stored article keeps its own title,
    # which other collections holding the same text still show.
    title = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["collection", "article"], name="article_once_per_collection")]


class Upload(models.Model):
    """Raw input waiting to be read into articles: an uploaded file, a page to fetch.

    The request only stores it and queues an intake job; the worker reads
    (or fetches) it, adds each article it holds to ``collection`` and writes
    what happened into ``report``: ``{"articles": [ids], "errors": [messages]}``.
    """

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    origin = models.CharField(max_length=20, default="upload")  # upload, url, api
    filename = models.CharField(max_length=255, blank=True, default="")
    url = models.TextField(blank=True, default="")
    data = models.BinaryField(blank=True, default=b"")
    size = models.PositiveBigIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]

    @property
    def label(self) -> str:
        """What the user gave: the file's name or the URL."""
        return self.filename or self.url or f"upload {self.pk}"

    def __str__(self) -> str:
        return self.label
