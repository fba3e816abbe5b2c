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
    """One editor's decision on one span of an article in a collection.

    ``span_key`` names the span it applies to: ``m<i>`` for the i-th model
    span of the persuasion layer, ``c<id>`` for a span added by a correction.
    An ``add`` carries its own start, end and label. The corrected state is
    the model output with every correction applied in time order.
    """

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="corrections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    span_key = models.CharField(max_length=32, blank=True, default="")
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
