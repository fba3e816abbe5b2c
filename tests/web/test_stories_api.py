"""The stories, outlets and attention API: figures over the user's own collections only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from .conftest import client_for


def _doc(title: str, outlet: str, day: dt.date, actors: list[str], loaded: bool = False) -> Any:
    from slant.article import Article
    from slant.doc import Doc, Span

    body = f"{' and '.join(actors)} met on {day:%d %B %Y} to talk about the harbour bridge."
    text = f"{title}\n\n{body}\n"
    doc = Doc(Article(text=text, title=title, outlet=outlet, published=day, language="en"))
    doc.entities = [{"id": f"e{i}", "name": name, "type": "ORG", "mentions": 1,
                     "stance": {"label": "negative", "score": 0.7}} for i, name in enumerate(actors)]
    if loaded:
        start = text.index("harbour")
        doc.set_layer("persuasion", [Span(start, start + 7, "Loaded_Language", 0.9)])
    return doc


@pytest.fixture
def corpus(team: dict) -> dict:
    """Three articles in the team's collection, one in the outsider's own."""
    from slant.store.aggregates.stories import forget_indexes
    from slant.store.ingest import save
    from slant.web.library.models import Entry

    forget_indexes()
    day = dt.date(2024, 5, 1)
    docs = {
        "d1": _doc("Unite meets the port", "Alpha", day, ["Unite"]),
        "d2": _doc("Unite and the port talk again", "Beta", day, ["Unite"], loaded=True),
        "d3": _doc("Holloway on the bridge", "Alpha", day + dt.timedelta(days=8), ["Jane Holloway"]),
        "d4": _doc("Unite's private memo", "Alpha", day, ["Unite"]),
    }
    for d in docs.values():
        save(d, "test-api")
    for key in ("d1", "d2", "d3"):
        Entry.objects.create(collection=team["collection"], article_id=docs[key].article.id)
    Entry.objects.create(collection=team["other"], article_id=docs["d4"].article.id)
    return {k: d.article.id for k, d in docs.items()}


def _get(user: Any, url: str) -> Any:
    response = client_for(user).get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:200])
    return response


def test_it_counts_attention_per_outlet_and_day_in_the_user_s_collections_only(team: dict, corpus: dict) -> None:
    owner, outsider = team["users"]["owner"], team["users"]["outsider"]
    got = _get(owner, "/api/attention?entity=unite&interval=day").json()
    assert got["total"] == 2  # d4 is in the outsider's collection: not counted
    assert {s["outlet"]: s["points"] for s in got["series"]} == {
        "Alpha": [{"period": "2024-05-01", "articles": 1}], "Beta": [{"period": "2024-05-01", "articles": 1}]}
    weekly = _get(owner, "/api/attention?technique=Loaded_Language&interval=week").json()
    assert [(s["outlet"], s["points"]) for s in weekly["series"]] == [("Beta", [{"period": "2024-04-29", "articles": 1}])]
    every = _get(owner, "/api/attention?interval=week").json()
    assert {s["outlet"]: [p["articles"] for p in s["points"]] for s in every["series"]} == {"Alpha": [1, 1], "Beta": [1]}
    rows = list(csv.reader(io.StringIO(_get(owner, "/api/attention.csv?entity=Unite").content.decode())))
    assert rows[0] == ["period", "outlet_id", "outlet", "articles"]
    assert sorted((r[0], r[2], r[3]) for r in rows[1:]) == [("2024-05-01", "Alpha", "1"), ("2024-05-01", "Beta", "1")]
    # The outsider counts their own article only.
    theirs = _get(outsider, "/api/attention?entity=unite").json()
    assert theirs["total"] == 1
    assert client_for(owner).get("/api/attention?interval=year").status_code == 400
    assert client_for(owner).get("/api/attention?since=yesterday").status_code == 400


def test_it_shows_an_outsider_no_story_or_outlet_of_another_team(team: dict, corpus: dict) -> None:
    from slant.store.aggregates.stories import story_of

    owner, outsider = team["users"]["owner"], team["users"]["outsider"]
    mine = _get(owner, "/api/stories").json()["stories"]
    listed = {a for s in mine for a in s["articles"]}
    assert listed == {corpus["d1"], corpus["d2"], corpus["d3"]}
    theirs = _get(outsider, "/api/stories").json()["stories"]
    assert {a for s in theirs for a in s["articles"]} == {corpus["d4"]}
    # A story holding the team's articles shows the outsider nothing of them, and vice versa.
    for key in ("d1", "d2", "d3"):
        sid = story_of(corpus[key])
        view = client_for(outsider).get(f"/api/stories/{sid}")
        assert view.status_code == 404 or corpus[key] not in view.json()["articles"]
    sid4 = story_of(corpus["d4"])
    view = client_for(owner).get(f"/api/stories/{sid4}")
    assert view.status_code == 404 or corpus["d4"] not in view.json()["articles"]
    outlets = {o["name"]: o["articles"] for o in _get(outsider, "/api/outlets").json()["outlets"]}
    assert outlets == {"Alpha": 1}
    beta = next(o["id"] for o in _get(owner, "/api/outlets").json()["outlets"] if o["name"] == "Beta")
    assert client_for(outsider).get(f"/api/outlets/{beta}").status_code == 404
    assert client_for(outsider).get(f"/api/outlets/compare?a={beta}&b={beta}").status_code == 404


def test_it_profiles_and_compares_outlets_and_keeps_each_user_s_names(team: dict, corpus: dict) -> None:
    owner, viewer = team["users"]["owner"], team["users"]["viewer"]
    ids = {o["name"]: o["id"] for o in _get(owner, "/api/outlets").json()["outlets"]}
    alpha = _get(owner, f"/api/outlets/{ids['Alpha']}").json()
    assert alpha["articles"] == 2  # d1 and d3; d4 is the outsider's
    assert [(a["name"], a["articles"], a["stance"]) for a in alpha["actors"]] == [
        ("Jane Holloway", 1, {"negative": 1}), ("Unite", 1, {"negative": 1})]
    assert [p["period"] for p in alpha["over_time"]] == ["2024-05-01"]
    both = _get(owner, f"/api/outlets/compare?a={ids['Alpha']}&b={ids['Beta']}").json()
    assert [a["name"] for a in both["shared_actors"]] == ["Unite"]
    assert both["b"]["techniques"] == [{"technique": "Loaded_Language", "count": 1,
                                        "rate_per_1000_words": round(1000 / both["b"]["words"], 3)}]
    renamed = client_for(owner).post(f"/api/outlets/{ids['Alpha']}/name", data=json.dumps({"name": "Alpha News"}),
                                     content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Alpha News"
    assert {o["name"] for o in _get(owner, "/api/outlets").json()["outlets"]} == {"Alpha News", "Beta"}
    assert {o["name"] for o in _get(viewer, "/api/outlets").json()["outlets"]} == {"Alpha", "Beta"}


def test_it_merges_and_splits_stories_for_editors_of_every_article(team: dict, corpus: dict) -> None:
    from slant.store.aggregates import stories
    from slant.store.aggregates.models import ArticleFacts

    def alone(aid: str) -> int:
        """Put the article in a story of its own (by hand), whatever the grouping did."""
        sid = stories.story_of(aid)
        if ArticleFacts.objects.filter(story_id=sid).count() > 1:
            sid = stories.split(sid, [aid])["new_story"]
        return sid

    owner, viewer = team["users"]["owner"], team["users"]["viewer"]
    s1, s3, s4 = alone(corpus["d1"]), alone(corpus["d3"]), alone(corpus["d4"])
    body = json.dumps({"stories": [s3]})
    assert client_for(viewer).post(f"/api/stories/{s1}/merge", data=body, content_type="application/json").status_code == 403
    merged = client_for(owner).post(f"/api/stories/{s1}/merge", data=body, content_type="application/json")
    assert merged.status_code == 200 and stories.story_of(corpus["d3"]) == s1
    # The outsider's story is not the team's to merge: a 404, as if it did not exist.
    other = client_for(owner).post(f"/api/stories/{s1}/merge", data=json.dumps({"stories": [s4]}),
                                   content_type="application/json")
    assert other.status_code == 404
    # Once a story holds an article of another team, the team sees its own part but may not rearrange it.
    stories.merge(s1, [s4])
    refused = client_for(owner).post(f"/api/stories/{s1}/split", data=json.dumps({"articles": [corpus["d3"]]}),
                                     content_type="application/json")
    assert refused.status_code == 403
    view = _get(owner, f"/api/stories/{s1}").json()
    assert set(view["articles"]) == {corpus["d1"], corpus["d3"]}
    assert {o["name"] for o in view["comparison"]["outlets"]} == {"Alpha"}


def test_it_keeps_the_actor_counts_of_the_grouping_exact_through_adds_and_deletes(team: dict, corpus: dict) -> None:
    """``ActorCount`` (kept by database triggers) equals the articles naming each key, after a delete too."""
    from django.db.models import Count

    from slant.store.aggregates.models import ActorCount, ArticleActor
    from slant.store.models import Article

    def counted() -> dict[str, int]:
        return dict(ArticleActor.objects.values("key").annotate(n=Count("article_id")).values_list("key", "n"))

    def kept() -> dict[str, int]:
        return {k: n for k, n in ActorCount.objects.values_list("key", "articles") if n}

    assert kept() == counted() == {"unite": 3, "jane holloway": 1}
    Article.objects.filter(id=corpus["d4"]).delete()  # the cascade takes its actor rows
    assert kept() == counted() == {"unite": 2, "jane holloway": 1}
    ArticleActor.objects.filter(article_id=corpus["d3"]).update(key="j. holloway")
    assert kept() == counted() == {"unite": 2, "j. holloway": 1}


def test_the_story_list_comes_in_pages_counted_in_the_database(team: dict, corpus: dict, settings: Any) -> None:
    from slant.store.aggregates import stories

    owner, outsider = team["users"]["owner"], team["users"]["outsider"]
    settings.SLANT_PAGE_SIZE = 1
    seen = _get(owner, "/api/stories?page=1").json()
    everything = stories.list_stories(articles=[corpus[k] for k in ("d1", "d2", "d3")])
    assert seen["count"] == len(everything) == seen["pages"] and seen["per_page"] == 1
    assert seen["several_outlets"] == sum(1 for s in everything if len(s["outlets"]) > 1)
    paged = [s for n in range(1, seen["pages"] + 1) for s in _get(owner, f"/api/stories?page={n}").json()["stories"]]
    assert paged == everything  # the same stories, in the same order, as the whole list
    assert client_for(owner).get(f"/api/stories?page={seen['pages'] + 1}").status_code == 404
    assert client_for(owner).get("/api/stories?page=0").status_code == 404
    page = _get(owner, "/stories/?page=2").content.decode()
    assert f"Page 2 of {seen['pages']}" in page and everything[1]["title"] in page and everything[0]["title"] not in page
    assert _get(outsider, "/api/stories").json()["count"] == 1  # the outsider's own article's story only
