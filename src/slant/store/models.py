"""Articles and their analyses: one model of the data for CLI and web.

The store consumes the ``slant.analysis/1`` JSON rather than modelling each
layer in tables: the analysis is a pure function of the article, and the
JSON is the contract every consumer reads.
"""

from __future__ import annotations

from django.db import models


class Article(models.Model):
    """An article, stored once per distinct text (id = sha256 of the text)."""

    id = models.CharField(primary_key=True, max_length=64, editable=False)
    text = models.TextField()
    title = models.TextField(null=True, blank=True)
    url = models.TextField(null=True, blank=True)
    outlet = models.TextField(null=True, blank=True)
    author = models.TextField(null=True, blank=True)
    published = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=16, null=True, blank=True)
    source = models.TextField(null=True, blank=True, help_text="Where it was first read from")
    created_at = models.DateTimeField(auto_now_add=True)
    # Ingest never rewrites a stored row; updated_at lets tests (and users) see that.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title or self.id[:12]


class Analysis(models.Model):
    """The JSON of one pipeline run over one article.

    ``pipeline`` names the stages and model versions that produced it; the
    same article analysed by the same pipeline is stored once.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="analyses")
    pipeline = models.CharField(max_length=255)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "pipeline"], name="one_analysis_per_pipeline")]

    def __str__(self) -> str:
        return f"{self.article_id[:12]} by {self.pipeline}"
