"""Per-user quotas: articles added, bytes of their text, analysis jobs waiting.

The limits are the site's (``SLANT_QUOTA_ARTICLES``, ``SLANT_QUOTA_BYTES``,
``SLANT_QUOTA_JOBS``; 0 means no limit) unless staff set a user's own in the
admin (``Quota``). Superusers have none. Whatever adds articles or queues work
for a user calls ``check_quota`` first, with what it is about to add.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from slant.errors import InputError


class QuotaExceeded(InputError):
    """Adding this would take a user over one of their quotas.

    ``status`` is the HTTP answer: 429 for jobs waiting (it passes as they
    finish), 403 for articles and bytes (it passes when some are deleted).
    """

    def __init__(self, source: str, reason: str, *, status: int = 403) -> None:
        super().__init__(source, reason)
        self.status = status


class _Octets(models.Func):
    """A text column's size in UTF-8 bytes (LENGTH counts characters)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        if connection.vendor == "sqlite":
            return super().as_sql(compiler, connection, template="LENGTH(CAST(%(expressions)s AS BLOB))", **extra_context)
        return super().as_sql(compiler, connection, template="OCTET_LENGTH(%(expressions)s)", **extra_context)


def limits(user: Any) -> dict[str, int]:
    """The user's limits: articles, bytes and jobs (0: no limit)."""
    site = {"articles": settings.SLANT_QUOTA_ARTICLES, "bytes": settings.SLANT_QUOTA_BYTES, "jobs": settings.SLANT_QUOTA_JOBS}
    from slant.web.accounts.models import Quota

    own = Quota.objects.filter(user=user).first()
    if own is not None:
        for name in site:
            if getattr(own, name) is not None:
                site[name] = int(getattr(own, name))
    return site


def usage(user: Any) -> dict[str, int]:
    """What the user holds now: articles they added, the bytes of those texts, their jobs not yet finished."""
    from slant.web.jobs.models import Job, Status
    from slant.web.library.models import Entry

    entries = Entry.objects.filter(added_by=user)
    size = entries.aggregate(total=models.Sum(_Octets("article__text")))["total"] or 0
    # Jobs the user queued (analyses, uploads to read, URLs to fetch); a job
    # with no owner counts for whoever added its article.
    mine = models.Q(owner=user) | models.Q(owner__isnull=True, article__entries__added_by=user)
    waiting = Job.objects.filter(mine, status__in=[Status.QUEUED, Status.RUNNING]).values("pk").distinct().count()
    return {"articles": entries.count(), "bytes": int(size), "jobs": waiting}


def _amount(name: str, n: int, *, noun: bool = True) -> str:
    if name == "bytes":
        return f"{n / 1_000_000:,.1f} MB" if n >= 100_000 else f"{n:,} bytes"
    if not noun:
        return f"{n:,}"
    return f"{n:,} {'analysis jobs waiting' if name == 'jobs' else 'articles'}"


def check_quota(user: Any, *, articles: int = 0, bytes: int = 0, jobs: int = 0) -> None:  # noqa: A002
    """Raise QuotaExceeded, with a message saying which limit and by how much, if this would pass one."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_superuser", False):
        return
    adding = {"articles": articles, "bytes": bytes, "jobs": jobs}
    if not any(adding.values()):
        return
    limit = limits(user)
    if not any(limit[k] for k, v in adding.items() if v):
        return
    used = usage(user)
    for name, more in adding.items():
        if more and limit[name] and used[name] + more > limit[name]:
            raise QuotaExceeded(
                user.get_username(),
                f"over your quota of {_amount(name, limit[name])}: you have {_amount(name, used[name], noun=False)} "
                f"and this would add {_amount(name, more, noun=False)}. Delete some, wait for analyses to finish, "
                "or ask an administrator to raise your quota.",
                status=429 if name == "jobs" else 403,
            )
