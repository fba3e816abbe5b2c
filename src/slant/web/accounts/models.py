"""API tokens, stored hashed.

A token is ``slant_<prefix>_<secret>``; the prefix finds the row, and only the
SHA-256 of the whole token is kept, so a leaked database holds no usable token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.prefix} of {self.user}"

    @classmethod
    def issue(cls, user: object) -> str:
        """Create a token for ``user`` and return it (the only time it is visible)."""
        prefix = secrets.token_hex(6)
        token = f"slant_{prefix}_{secrets.token_urlsafe(32)}"
        cls.objects.create(user=user, prefix=prefix, digest=_digest(token))
        return token

    @classmethod
    def find_user(cls, token: str) -> object | None:
        """The active user a token belongs to, or None."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "slant":
            return None
        row = cls.objects.select_related("user").filter(prefix=parts[1]).first()
        if row is None or not hmac.compare_digest(row.digest, _digest(token)):
            return None
        if not row.user.is_active:
            return None
        # Record use at most once a minute: a write per request would queue
        # every API call behind SQLite's single writer.
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user
