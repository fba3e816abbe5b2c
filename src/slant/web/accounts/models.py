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


class Invitation(models.Model):
    """A single-use, expiring invitation to register, made by staff.

    The code is ``inv_<prefix>_<secret>``; as with tokens, only its SHA-256 is kept.
    """

    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"invitation {self.prefix}"

    @classmethod
    def issue(cls, by: object | None, days: int) -> tuple[str, "Invitation"]:
        """A new invitation and its code (the only time the code is visible)."""
        prefix = secrets.token_hex(6)
        code = f"inv_{prefix}_{secrets.token_urlsafe(24)}"
        row = cls.objects.create(
            prefix=prefix, digest=_digest(code), created_by=by, expires_at=timezone.now() + dt.timedelta(days=days)
        )
        return code, row

    @classmethod
    def find(cls, code: str) -> "Invitation | None":
        """The unused, unexpired invitation with this code, or None."""
        parts = code.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != "inv":
            return None
        row = cls.objects.filter(prefix=parts[1]).first()
        if row is None or not hmac.compare_digest(row.digest, _digest(code.strip())):
            return None
        if row.used_at is not None or row.expires_at <= timezone.now():
            return None
        return row

    def use(self, user: object) -> bool:
        """Mark it used by ``user``; False if someone used it (or it expired) first."""
        now = timezone.now()
        taken = Invitation.objects.filter(pk=self.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now, used_by=user)
        return taken == 1


class Registration(models.Model):
    """Where and when an account was registered, to limit registrations per client address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registration")
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL)


class Quota(models.Model):
    """One user's limits where they differ from the site's (SLANT_QUOTA_*); empty means the site's."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quota")
    articles = models.PositiveBigIntegerField(null=True, blank=True, help_text="Articles added (0: no limit).")
    bytes = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes of article text added (0: no limit).")
    jobs = models.PositiveBigIntegerField(null=True, blank=True, help_text="Analysis jobs waiting at once (0: no limit).")

    def __str__(self) -> str:
        return f"quota of {self.user}"
