"""Tables for stories, outlets and attention: facts read once from each analysis.

The analysis JSON stays the source of truth. What the aggregates group and
count (an article's outlet, words, techniques, actors, quoted speakers) is
copied once into narrow, indexed rows here when the analysis is saved, so
that outlet profiles and attention charts are ``GROUP BY`` queries in the
database, never a loop over every stored analysis in Python.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from slant.store.models import Article


class Outlet(models.Model):
    """A news outlet, keyed by its normalised name (see ``outlets.outlet_key``)."""

    key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, help_text="The name as read (site name, else the domain)")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class OutletName(models.Model):
    """A user's own name for an outlet; it replaces ``Outlet.name`` for that user (user null: for everyone)."""

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "user"], name="one_outlet_name_per_user")]


class Story(models.Model):
    """One event as several outlets report it. Ids are never reused; a story merged into
    another keeps its row with ``merged_into`` set, so old links still lead somewhere."""

    title = models.TextField(default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    size = models.IntegerField(default=0)
    first_published = models.DateField(null=True, blank=True)
    last_published = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["last_published"], name="story_last_published")]


class ArticleFacts(models.Model):
    """What the aggregates need of one analysed article, and its story."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="facts")
    outlet = models.ForeignKey(Outlet, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    published = models.DateField(null=True, blank=True)
    words = models.IntegerField(default=0)
    story = models.ForeignKey(Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    # True once an analyst placed the article by hand (merge, split, move): no automatic pass moves it.
    pinned = models.BooleanField(default=False)
    # Where the automatic grouping put it: similarity to the article it joined (null: it started the story).
    joined_score = models.FloatField(null=True, blank=True)
    # The grouping's signals besides the vector, as ``grouping.Signals.to_json`` writes them.
    signals = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["outlet", "published"], name="facts_outlet_published"),
            models.Index(fields=["published"], name="facts_published"),
            models.Index(fields=["story", "published"], name="facts_story_published"),
        ]


class ArticleEmbedding(models.Model):
    """The article's MiniLM vector (float16 bytes). The id orders rows for the ANN index's sync."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="embedding")
    model = models.CharField(max_length=100)
    vector = models.BinaryField()


class ArticleTechnique(models.Model):
    """How many persuasion spans of one technique an article has (at or above the store's cut)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="technique_counts")
    technique = models.CharField(max_length=100)
    count = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "technique"], name="one_count_per_technique")]
        indexes = [models.Index(fields=["technique", "article"], name="technique_article")]


class ArticleActor(models.Model):
    """A merged entity of an article (people, organisations, places) with the author's stance toward it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="actors")
    key = models.CharField(max_length=200, help_text="casefolded name, for grouping across articles")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20)
    mentions = models.IntegerField(default=1)
    stance = models.CharField(max_length=10, null=True, blank=True)
    stance_score = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["key", "article"], name="actor_key_article")]


class ActorCount(models.Model):
    """How many articles name each actor key: ``COUNT(*)`` of ``ArticleActor`` rows per key, kept by the
    database itself (triggers on insert and delete of ``ArticleActor``, migration 0004), so the grouping's
    rarity weights read one row per key instead of counting every article that names "united states"."""

    key = models.CharField(max_length=200, primary_key=True)
    articles = models.IntegerField(default=0)


class ArticleQuoteSource(models.Model):
    """Whose words an article quotes: a speaker or a source outlet, with how many quotes."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quote_sources")
    kind = models.CharField(max_length=10)  # speaker | source
    key = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    count = models.IntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["kind", "key"], name="quote_source_kind_key")]


class StoryDecision(models.Model):
    """An analyst's merge, split or move, kept as the record of why a story looks as it does."""

    kind = models.CharField(max_length=10)  # merge | split
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="decisions")
    other = models.ForeignKey(Story, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    articles = models.JSONField(default=list)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
