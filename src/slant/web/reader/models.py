"""Corrections to persuasion spans, kept beside the model output, never over it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from slant.web.library.models import Entry


class Action(models.TextChoices):
    ACCEPT = "accept"
    REJECT = "reject"
    RELABEL = "relabel"
    ADD = "add"


class Correction(models.Model):
    """One editor's decision on one persuasion span of an article in a collection.

    A model span is named by what it is, never by its position in one run:
    ``(start, end, label)`` into the article's text, plus ``pipeline``, the
    id of the analysis the editor saw. Since an article's id is its text's
    hash, the same offsets always mean the same characters; after a new
    analysis the correction applies to the span with the same start, end and
    label, and when there is none it is shown as orphaned, never applied to
    another span.

    ``add`` makes a span of its own (``start``, ``end``, ``label``);
    corrections of an added span point at it through ``target``. ``relabel``
    carries the new technique in ``new_label``. The corrected state is the
    model output with every correction applied in time order.
    """

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="corrections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=80, blank=True, default="")
    new_label = models.CharField(max_length=80, blank=True, default="")
    pipeline = models.CharField(max_length=255, blank=True, default="")
    target = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="followups")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} [{self.start}, {self.end}) {self.label}"
