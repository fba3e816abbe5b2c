"""One story, its outlets side by side: the comparison as plain dicts, every figure linking to its spans.

``story_view`` reads the analyses of the story's articles (a story holds a few to a few dozen) and
returns, per outlet:

- the actors it names (merged entities), and those it leaves out that another outlet names;
- its stance toward the actors that two or more outlets name (``entities[].stance``, per article,
  with the evidence offsets);
- persuasion techniques as a rate per 1,000 words (spans scored at least ``facts.min_score()``), each
  count with its spans ``{"article", "start", "end"}``;
- whose words it quotes: speakers and source outlets, each with the quotes' spans;
- its "only here" sentences: sentences with no close match in any other outlet's articles of the
  story (``unique_sentences``), a candidate for informational bias;

and one merged timeline of the dates every outlet mentions. Offsets are ``[start, end)`` into the
article's text, as everywhere in slant.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Any, Mapping

from .facts import actors, min_score, name_key, word_count

UNKNOWN = "(unknown outlet)"
# A sentence is "only here" when no sentence of another outlet covers this share of its weighted words.
UNIQUE_BELOW = 0.5
MIN_WORDS = 5
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+", re.UNICODE)
_STOP = frozenset("""a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my no nor not now of off on
once only or other our ours out over own said same says she should so some such than that the their theirs them then
there these they this those through to too under until up very was we were what when where which while who whom why
will with would you your yours""".split())


def _words(text: str) -> list[str]:
    return [w for w in (t.casefold() for t in _WORD.findall(text)) if w not in _STOP]


def _sentences(data: Mapping[str, Any]) -> list[tuple[int, int]]:
    spans = [(s["start"], s["end"]) for s in data.get("layers", {}).get("sentences", [])]
    if spans:
        return spans
    text = data.get("article", {}).get("text", "")
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]


def unique_sentences(docs: Mapping[str, tuple[str, Mapping[str, Any]]], threshold: float = UNIQUE_BELOW,
                     min_words: int = MIN_WORDS) -> dict[str, list[dict[str, Any]]]:
    """Outlet -> its sentences without a close match in another outlet's articles.

    ``docs``: article id -> (outlet, analysis). A sentence's match with another is the share of its
    content words (weighted by rarity within the story) that the other sentence also has; it is
    "only here" when its best match among other outlets' sentences is below ``threshold``. The title
    line is skipped (titles are written apart from the reporting).
    """
    sents: list[tuple[str, str, int, int, set[str]]] = []
    for aid, (outlet, data) in docs.items():
        text = data.get("article", {}).get("text", "")
        title_end = text.find("\n") if data.get("article", {}).get("title") else -1
        for start, end in _sentences(data):
            if end <= title_end:
                continue
            sents.append((outlet, aid, start, end, set(_words(text[start:end]))))
    df = Counter(w for s in sents for w in s[4])
    n = len(sents) + 1
    idf = {w: math.log(n / c) + 1.0 for w, c in df.items()}
    # Inverted index: word -> sentences holding it, to compare only sentences that share a word.
    holders: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sents):
        for w in s[4]:
            holders[w].append(i)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i, (outlet, aid, start, end, words) in enumerate(sents):
        if len(words) < min_words:
            continue
        total = sum(idf[w] for w in words)
        shared: Counter[int] = Counter()
        for w in words:
            for j in holders[w]:
                if sents[j][0] != outlet:
                    shared[j] += idf[w]  # type: ignore[assignment]
        best = max(shared.values(), default=0.0) / total if total else 0.0
        if best < threshold:
            text = docs[aid][1].get("article", {}).get("text", "")
            out[outlet].append({"article": aid, "start": start, "end": end, "text": text[start:end],
                                "best_match": round(best, 3)})
    return dict(out)


def _stance_of(entity: Mapping[str, Any]) -> dict[str, Any] | None:
    st = entity.get("stance")
    if not isinstance(st, Mapping) or not st.get("label"):
        return None
    return {"label": st["label"], "score": st.get("score"), "evidence": st.get("evidence", [])}


def compare(docs: Mapping[str, tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The comparison of a story's articles: ``docs`` is article id -> (outlet name, analysis)."""
    outlets: dict[str, dict[str, Any]] = {}
    actor_names: dict[str, str] = {}
    named_by: dict[str, set[str]] = defaultdict(set)
    timeline: dict[str, dict[str, Any]] = {}
    for aid, (outlet, data) in docs.items():
        o = outlets.setdefault(outlet, {"name": outlet, "articles": [], "words": 0, "actors": {}, "stance": {},
                                        "techniques": {}, "speakers": {}, "sources": {}})
        o["articles"].append(aid)
        o["words"] += word_count(data)
        text = data.get("article", {}).get("text", "")
        by_id = {e.get("id"): e for e in data.get("entities", []) or []}
        for a in actors(data):
            actor_names.setdefault(a["key"], a["name"])
            named_by[a["key"]].add(outlet)
            row = o["actors"].setdefault(a["key"], {"key": a["key"], "name": a["name"], "type": a["type"], "mentions": 0})
            row["mentions"] += a["mentions"]
            st = _stance_of(by_id.get(a["entity"], {}))
            if st:
                o["stance"].setdefault(a["key"], []).append({"article": aid, **st})
        for span in data.get("layers", {}).get("persuasion", []):
            score = span.get("score")
            if not span.get("label") or (score is not None and score < min_score()):
                continue
            t = o["techniques"].setdefault(span["label"], {"count": 0, "spans": []})
            t["count"] += 1
            t["spans"].append({"article": aid, "start": span["start"], "end": span["end"], "score": score})
        for q in data.get("layers", {}).get("quotes", []):
            for kind, bucket in (("speaker", "speakers"), ("source", "sources")):
                e = by_id.get(q.get(kind)) if q.get(kind) else None
                if not e or not e.get("name"):
                    continue
                row = o[bucket].setdefault(name_key(e["name"]), {"name": e["name"], "count": 0, "quotes": []})
                row["count"] += 1
                row["quotes"].append({"article": aid, "start": q["start"], "end": q["end"]})
        for d in data.get("layers", {}).get("dates", []):
            value = d.get("value")
            if not value:
                continue
            slot = timeline.setdefault(value, {"value": value, "precision": d.get("precision") or d.get("label"),
                                               "mentions": []})
            slot["mentions"].append({"outlet": outlet, "article": aid, "start": d["start"], "end": d["end"],
                                     "text": text[d["start"]:d["end"]]})
    shared = {k for k, who in named_by.items() if len(who) >= 2}
    for name, o in outlets.items():
        own = set(o["actors"])
        o["actors"] = sorted(o["actors"].values(), key=lambda a: (-a["mentions"], a["name"]))
        o["leaves_out"] = sorted(
            ({"key": k, "name": actor_names[k], "named_by": sorted(named_by[k])} for k in set(named_by) - own),
            key=lambda a: (-len(a["named_by"]), a["name"]))
        stance = {}
        for key in sorted(shared & own):
            per = o["stance"].get(key, [])
            if per:
                labels = Counter(p["label"] for p in per)
                stance[key] = {"name": actor_names[key], "label": labels.most_common(1)[0][0], "articles": per}
        o["stance"] = stance
        rate = 1000.0 / o["words"] if o["words"] else 0.0
        for t in o["techniques"].values():
            t["rate_per_1000_words"] = round(t["count"] * rate, 3)
        o["techniques"] = dict(sorted(o["techniques"].items(), key=lambda kv: (-kv[1]["count"], kv[0])))
        o["speakers"] = sorted(o["speakers"].values(), key=lambda s: (-s["count"], s["name"]))
        o["sources"] = sorted(o["sources"].values(), key=lambda s: (-s["count"], s["name"]))
    only = unique_sentences(docs)
    for name, o in outlets.items():
        o["only_here"] = only.get(name, [])
    return {
        "outlets": [outlets[k] for k in sorted(outlets)],
        "shared_actors": sorted(({"key": k, "name": actor_names[k], "named_by": sorted(named_by[k])} for k in shared),
                                key=lambda a: (-len(a["named_by"]), a["name"])),
        "timeline": [timeline[k] for k in sorted(timeline)],
    }


def story_view(story_id: int, *, articles: Any = None, user: Any = None, using: str = "default") -> dict[str, Any] | None:
    """The story (``stories.list_stories``'s dict, its articles' metadata) and ``compare`` over the articles the
    caller may see; None when there is no such story or none of it is visible."""
    from slant.store.models import Analysis

    from .models import ArticleFacts, Story
    from .outlets import display_names
    from .visible import only

    story = Story.objects.using(using).filter(id=story_id).first()
    if story is None:
        return None
    qs = ArticleFacts.objects.using(using).filter(story_id=story_id)
    qs = only(qs, articles)
    members = list(qs.order_by("published", "article_id").values_list("article_id", "outlet_id", "published", "words",
                                                                       "article__title", "article__url"))
    if not members:
        return None
    names = display_names({m[1] for m in members if m[1] is not None}, user, using=using)
    latest: dict[str, Any] = {}
    for aid, data in (Analysis.objects.using(using).filter(article_id__in=[m[0] for m in members])
                      .order_by("created_at", "id").values_list("article_id", "data")):
        latest[aid] = data
    docs = {m[0]: (names.get(m[1], UNKNOWN) if m[1] is not None else UNKNOWN, latest[m[0]])
            for m in members if m[0] in latest}
    dates = [m[2] for m in members if m[2]]
    out = {
        "id": story.id, "title": story.title,
        "articles": [m[0] for m in members],
        "outlets": sorted({d[0] for d in docs.values()}),
        "first_published": min(dates).isoformat() if dates else None,
        "last_published": max(dates).isoformat() if dates else None,
        "merged_into": story.merged_into_id,
        "members": [{"id": m[0], "outlet": names.get(m[1], UNKNOWN) if m[1] is not None else UNKNOWN,
                     "outlet_id": m[1], "published": m[2].isoformat() if m[2] else None, "words": m[3],
                     "title": m[4], "url": m[5]} for m in members],
        "comparison": compare(docs),
    }
    return out

