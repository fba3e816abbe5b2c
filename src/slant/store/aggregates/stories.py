"""Stories in the store: grouping articles as they arrive, by hand, and listing them.

``on_saved`` is the one call the store's save path makes (``store.ingest.save_many``): for each new
analysis it writes the article's facts, its vector, and puts it in a story (``grouping`` decides).
An article joins at most one story and automatic grouping never moves it afterwards, so story ids
are stable and adding articles never reshuffles old stories.

Analysts decide by hand with ``merge`` and ``split``: the articles they place are pinned, the
decision is recorded (``StoryDecision``), and no automatic pass moves a pinned article. A story
merged into another keeps its id, with ``merged_into`` pointing to where its articles went.

Every reader takes ``articles``: the ids (a list or a queryset of ``article_id``s) the caller may
see. The web passes the user's own and team collections' articles; the CLI passes a collection's,
or None for the whole store.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from slant import conf
from slant.errors import InputError

from . import embed, facts, grouping
from .ann import VectorIndex

log = logging.getLogger("slant.stories")
ENABLED = conf.env_bool("SLANT_STORIES", True)

# ---------------------------------------------------------------------------
# The index of vectors, one per database alias, kept in step with ArticleEmbedding rows.


class StoreIndex:
    """Article vectors of one database in an ANN index; keys are ``ArticleEmbedding`` ids.

    ``sync`` adds the rows written since the last call (by this process or another), so several
    processes writing one database each see everyone's articles.
    """

    def __init__(self, using: str) -> None:
        self.using = using
        self.index = VectorIndex(embed.DIM)
        self.last_id = 0
        self.last_article = ""
        self.lock = threading.RLock()

    def sync(self) -> None:
        from django.db.models import Max

        from .models import ArticleEmbedding

        if self.last_id and not ArticleEmbedding.objects.using(self.using).filter(
                id=self.last_id, article_id=self.last_article).exists():
            # The row this index read last is gone (a database rebuilt, a rolled-back test): start again.
            self.index = VectorIndex(embed.DIM)
            self.last_id = 0
        while True:
            rows = list(ArticleEmbedding.objects.using(self.using).filter(id__gt=self.last_id)
                        .order_by("id").values_list("id", "vector", "article_id")[:20000])
            if not rows:
                return
            self.index.add_many([r[0] for r in rows], np.vstack([embed.from_bytes(r[1]) for r in rows]))
            self.last_id, self.last_article = rows[-1][0], rows[-1][2]


_INDEXES: dict[str, StoreIndex] = {}
_INDEX_LOCK = threading.Lock()


def store_index(using: str = "default") -> StoreIndex:
    with _INDEX_LOCK:
        found = _INDEXES.get(using)
        if found is None:
            found = _INDEXES[using] = StoreIndex(using)
    return found


def forget_indexes() -> None:
    """Drop the in-memory indexes (tests that recreate databases)."""
    with _INDEX_LOCK:
        _INDEXES.clear()


# ---------------------------------------------------------------------------
# Grouping as articles arrive.


def on_saved(docs: Sequence[Any], *, using: str = "default") -> None:
    """Facts, vector and story for each stored ``Doc`` whose article is in no story yet.

    A failure here never loses the stored analysis: it is logged, and ``group_pending`` picks the
    article up later (``slant stories --group``).
    """
    from .models import ArticleFacts

    if not ENABLED or not docs:
        return
    try:
        ids = [d.article.id for d in docs]
        done = set(ArticleFacts.objects.using(using).filter(article_id__in=ids, story__isnull=False)
                   .values_list("article_id", flat=True))
        todo = {d.article.id: d for d in docs if d.article.id not in done}
        if todo:
            # Vectors the batch workers computed come with the docs; the rest are computed here.
            add([(aid, d.to_dict()) for aid, d in todo.items()], using=using,
                vectors=embed.of_docs(list(todo.values())))
    except Exception:  # noqa: BLE001  (grouping is derived data; the analysis is stored)
        log.exception("grouping %d article(s) failed; `slant stories --group` retries", len(docs))


def add(items: Sequence[tuple[str, Mapping[str, Any]]], *, using: str = "default",
        vectors: np.ndarray | None = None, settings: grouping.Settings = grouping.DEFAULT) -> list[int]:
    """Group ``(article_id, analysis)`` pairs in order; returns their story ids."""
    from django.db import transaction

    from .models import ArticleEmbedding, ArticleFacts

    items = list(items)
    if vectors is None:
        vectors = embed.vectors([d.get("article", {}).get("text", "") for _, d in items])
    out = []
    idx = store_index(using)
    for (aid, data), vec in zip(items, vectors):
        sig = grouping.signals(data, vec)
        # One transaction per article: its facts, vector and story are written together (and committed once).
        # The index is synced before it: on SQLite the transaction holds the write lock from its start.
        with idx.lock:
            idx.sync()
        with idx.lock, transaction.atomic(using=using):
            existing = ArticleFacts.objects.using(using).filter(article_id=aid).values_list("story_id", flat=True).first()
            if existing is not None:
                out.append(existing)
                continue
            art = data.get("article", {})
            title = art.get("title") or (art.get("text") or "").split("\n", 1)[0]
            story, score = _place(aid, sig, idx, settings, using, title)
            signals = sig.to_json()
            if ArticleFacts.objects.using(using).filter(article_id=aid).exists():  # facts without a story
                facts.record(aid, data, using=using)
                ArticleFacts.objects.using(using).filter(article_id=aid).update(story=story, joined_score=score,
                                                                                 signals=signals)
            else:
                facts.record(aid, data, using=using, new=True, story_id=story, joined_score=score, signals=signals)
            emb, _ = ArticleEmbedding.objects.using(using).get_or_create(
                article_id=aid, defaults={"model": embed.MODEL, "vector": embed.to_bytes(vec)})
            _joined(story, sig.published, using)
            transaction.on_commit(functools.partial(_indexed, idx, emb.id, vec), using=using)
        out.append(story)
    return out


def _indexed(idx: StoreIndex, emb_id: int, vec: np.ndarray) -> None:
    """After the commit: the vector joins this process's index (a rolled-back one never does)."""
    with idx.lock:
        # ``last_id`` stays: rows of other processes below ``emb_id`` may not be synced yet; the next
        # sync reads from ``last_id`` on and skips this one, which the index already holds.
        idx.index.add(emb_id, vec)


def _place(aid: str, sig: grouping.Signals, idx: StoreIndex, s: grouping.Settings, using: str,
           title: str = "") -> tuple[int, float | None]:
    from .models import ActorCount, ArticleFacts, Story

    found = idx.index.search(sig.vector, s.k)
    cands: list[tuple[Any, float]] = []
    if found:
        cos_by = dict(found)
        rows = (ArticleFacts.objects.using(using).filter(article__embedding__id__in=list(cos_by), story__isnull=False)
                .exclude(article_id=aid)
                .values_list("article__embedding__id", "story_id", "published", "signals"))
        rows = list(rows)
        keys = set(sig.actors)
        for r in rows:
            keys.update((r[3] or {}).get("actors", []))
        n = max(len(idx.index), 1)
        df = dict(ActorCount.objects.using(using).filter(key__in=list(keys)).values_list("key", "articles")) if keys else {}
        freq = grouping.ActorFrequencies()
        freq.n, freq.df = n, df
        for emb, story, published, sigs in rows:
            other = grouping.Signals.from_json(sigs, sig.vector, published)
            score = grouping.pair_score(sig, other, cos_by[emb], freq.weight, s)
            if score is not None:
                cands.append((story, score))
    picked = grouping.choose(cands, s)
    if picked is not None:
        return int(picked[0]), round(float(picked[1]), 4)
    return Story.objects.using(using).create(title=title[:500] or _title_of(aid, using), size=0).id, None


def _joined(story: int, published: Any, using: str) -> None:
    """One more article in ``story``: its size and dates, in one UPDATE."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce, Greatest, Least

    from .models import Story

    change: dict[str, Any] = {"size": F("size") + 1}
    if published is not None:
        change["first_published"] = Least(Coalesce(F("first_published"), Value(published)), Value(published))
        change["last_published"] = Greatest(Coalesce(F("last_published"), Value(published)), Value(published))
    Story.objects.using(using).filter(id=story).update(**change)


def _title_of(aid: str, using: str) -> str:
    from slant.store.models import Article

    row = Article.objects.using(using).filter(id=aid).values_list("title", "text").first()
    if not row:
        return ""
    return (row[0] or row[1].split("\n", 1)[0])[:500]


def _refresh(story_ids: Iterable[int], using: str) -> None:
    """Recompute each story's size and first/last publication date from its members."""
    from django.db.models import Count, Max, Min

    from .models import ArticleFacts, Story

    for sid in set(story_ids):
        agg = ArticleFacts.objects.using(using).filter(story_id=sid).aggregate(
            n=Count("article_id"), first=Min("published"), last=Max("published"))
        Story.objects.using(using).filter(id=sid).update(size=agg["n"], first_published=agg["first"],
                                                         last_published=agg["last"])


def group_pending(*, using: str = "default", batch: int = 64) -> int:
    """Group every stored analysis whose article has no story yet (in publication order); returns how many."""
    from django.db.models import F

    from slant.store.models import Analysis

    from .models import ArticleFacts

    grouped = set(ArticleFacts.objects.using(using).filter(story__isnull=False).values_list("article_id", flat=True))
    todo: dict[str, Any] = {}
    for aid, pk in (Analysis.objects.using(using).order_by(F("article__published").asc(nulls_last=True),
                                                           "article__created_at", "created_at")
                    .values_list("article_id", "pk")):
        if aid not in grouped and aid not in todo:
            todo[aid] = pk
    ids = list(todo.values())
    done = 0
    for i in range(0, len(ids), batch):
        chunk = {row.pk: row for row in Analysis.objects.using(using).filter(pk__in=ids[i:i + batch])}
        add([(chunk[pk].article_id, chunk[pk].data) for pk in ids[i:i + batch]], using=using)
        done += len(chunk)
    return done


# ---------------------------------------------------------------------------
# By hand.


def merge(target: int, others: Sequence[int], *, user: Any = None, using: str = "default") -> dict[str, Any]:
    """Move every article of ``others`` into ``target``, pinned; the others point to ``target``."""
    from django.db import transaction

    from .models import ArticleFacts, Story, StoryDecision

    others = [int(o) for o in others if int(o) != int(target)]
    if not others:
        raise InputError("stories", "name at least one story other than the target to merge")
    with transaction.atomic(using=using):
        live = set(Story.objects.using(using).filter(id__in=[target, *others], merged_into__isnull=True).values_list("id", flat=True))
        missing = [s for s in [target, *others] if s not in live]
        if missing:
            raise InputError(f"story {missing[0]}", "no such story (or it was merged into another)")
        moved = list(ArticleFacts.objects.using(using).filter(story_id__in=others).values_list("article_id", flat=True))
        ArticleFacts.objects.using(using).filter(story_id__in=[target, *others]).update(story_id=target, pinned=True)
        Story.objects.using(using).filter(id__in=others).update(merged_into_id=target)
        for o in others:
            StoryDecision.objects.using(using).create(kind="merge", story_id=target, other_id=o, articles=moved,
                                                      user=user if getattr(user, "pk", None) else None)
    _refresh([target, *others], using)
    return {"story": target, "merged": others, "moved": moved}


def split(story_id: int, article_ids: Sequence[str], *, user: Any = None, using: str = "default") -> dict[str, Any]:
    """Move ``article_ids`` out of ``story_id`` into a new story; both sides are pinned."""
    from django.db import transaction

    from .models import ArticleFacts, Story, StoryDecision

    wanted = list(dict.fromkeys(article_ids))
    with transaction.atomic(using=using):
        story = Story.objects.using(using).filter(id=story_id, merged_into__isnull=True).first()
        if story is None:
            raise InputError(f"story {story_id}", "no such story (or it was merged into another)")
        members = set(ArticleFacts.objects.using(using).filter(story_id=story_id).values_list("article_id", flat=True))
        stray = [a for a in wanted if a not in members]
        if stray:
            raise InputError(f"article {stray[0]}", f"is not in story {story_id}")
        if not wanted or len(wanted) == len(members):
            raise InputError("articles", "name some, but not all, of the story's articles to split off")
        new = Story.objects.using(using).create(title=_title_of(wanted[0], using))
        ArticleFacts.objects.using(using).filter(article_id__in=wanted).update(story_id=new.id, pinned=True)
        ArticleFacts.objects.using(using).filter(story_id=story_id).update(pinned=True)
        StoryDecision.objects.using(using).create(kind="split", story_id=story_id, other_id=new.id, articles=wanted,
                                                  user=user if getattr(user, "pk", None) else None)
    _refresh([story_id, new.id], using)
    return {"story": story_id, "new_story": new.id, "moved": wanted}


# ---------------------------------------------------------------------------
# Reading.


def _members(story_ids: Iterable[int] | None, articles: Any, using: str) -> Any:
    from .models import ArticleFacts

    qs = ArticleFacts.objects.using(using).filter(story__isnull=False)
    if story_ids is not None:
        qs = qs.filter(story_id__in=list(story_ids))
    from .visible import only

    qs = only(qs, articles)
    return qs


def list_stories(*, articles: Any = None, user: Any = None, using: str = "default", limit: int | None = None,
                 min_size: int = 1) -> list[dict[str, Any]]:
    """One dict per story with at least one article the caller may see, newest first.

    ``{"id", "title", "articles": [ids], "outlets": [names], "first_published", "last_published"}``;
    only visible articles are listed, and the dates are theirs.
    """
    rows = list(_members(None, articles, using).order_by("story_id", "published", "article_id")
                .values_list("story_id", "article_id", "outlet_id", "published", "story__title"))
    out = [s for s in _built(rows, user, using) if len(s["articles"]) >= min_size]
    out.sort(key=lambda s: (s["last_published"] or "", s["id"]), reverse=True)
    return out[:limit] if limit else out


def stories_page(*, articles: Any = None, user: Any = None, using: str = "default", min_size: int = 1,
                 offset: int = 0, size: int = 50) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """One page of :func:`list_stories`, in the same order: ``({"count", "several"}, stories)``, where
    ``count`` is how many stories the caller may see (with at least ``min_size`` visible articles) and
    ``several`` how many of them more than one outlet tells. The database counts each story's visible
    articles, outlets and latest date in one pass (one access check per article); only the page's stories'
    members are read after that."""
    from django.db.models import Count, Max

    per_story = list(_members(None, articles, using).values("story_id")
                     .annotate(n=Count("article_id"), outlets=Count("outlet_id", distinct=True), last=Max("published"))
                     .filter(n__gte=min_size).values_list("story_id", "outlets", "last"))
    totals = {"count": len(per_story), "several": sum(1 for _, o, _ in per_story if o > 1)}
    # Newest first, undated last, then the higher id first: list_stories's order.
    per_story.sort(key=lambda r: (r[2].isoformat() if r[2] else "", r[0]), reverse=True)
    ids = [r[0] for r in per_story[offset:offset + size]]
    rows = list(_members(ids, articles, using).order_by("story_id", "published", "article_id")
                .values_list("story_id", "article_id", "outlet_id", "published", "story__title"))
    by_id = {s["id"]: s for s in _built(rows, user, using)}
    return totals, [by_id[i] for i in ids if i in by_id]


def _built(rows: list[tuple[Any, ...]], user: Any, using: str) -> list[dict[str, Any]]:
    """Story dicts from ``(story_id, article_id, outlet_id, published, title)`` rows ordered by story."""
    from .outlets import display_names

    by: dict[int, dict[str, Any]] = {}
    for sid, aid, oid, pub, title in rows:
        s = by.setdefault(sid, {"id": sid, "title": title, "articles": [], "_outlets": [], "dates": []})
        s["articles"].append(aid)
        if oid is not None and oid not in s["_outlets"]:
            s["_outlets"].append(oid)
        if pub:
            s["dates"].append(pub)
    names = display_names({o for s in by.values() for o in s["_outlets"]}, user, using=using)
    out = []
    for s in by.values():
        dates = s.pop("dates")
        s["outlets"] = [names[o] for o in s.pop("_outlets")]
        s["first_published"] = min(dates).isoformat() if dates else None
        s["last_published"] = max(dates).isoformat() if dates else None
        out.append(s)
    return out


def story_of(article_id: str, *, using: str = "default") -> int | None:
    from .models import ArticleFacts

    return ArticleFacts.objects.using(using).filter(article_id=article_id).values_list("story_id", flat=True).first()


def resolve(story_id: int, *, using: str = "default") -> int | None:
    """The live story id for ``story_id`` (following merges), or None if there is no such story."""
    from .models import Story

    seen = set()
    sid: int | None = story_id
    while sid is not None and sid not in seen:
        seen.add(sid)
        row = Story.objects.using(using).filter(id=sid).values_list("merged_into_id", flat=True).first()
        if row is None:
            if not Story.objects.using(using).filter(id=sid).exists():
                return None
            return sid
        sid = row
    return sid


def decisions(story_id: int, *, using: str = "default") -> list[dict[str, Any]]:
    from django.db.models import Q

    from .models import StoryDecision

    return [
        {"kind": d.kind, "story": d.story_id, "other": d.other_id, "articles": d.articles,
         "at": d.created_at.isoformat()}
        for d in StoryDecision.objects.using(using).filter(Q(story_id=story_id) | Q(other_id=story_id))
    ]
