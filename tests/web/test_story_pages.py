"""The pages of stories, outlets and attention: figures by hand on a small story, links to the spans, access."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from .conftest import client_for

DAY = dt.date(2024, 5, 1)
# Two outlets report one council vote. Herald quotes the mayor and attacks the union; Courier does not name the mayor.
HERALD = ("Council backs the harbour bridge\n\n"
          "Mayor Jane Holloway won the council vote on the harbour bridge on 30 April 2024. "
          "The reckless Unite bosses tried to wreck it. "
          "\"This bridge is for everyone,\" Jane Holloway said.\n")
COURIER = ("Harbour bridge approved by council\n\n"
           "The council approved the harbour bridge on 30 April 2024 after a long debate. "
           "Unite said the workers were not heard. "
           "Fishermen fear the works will close the harbour mouth for two summers.\n")


def _doc(text: str, outlet: str) -> Any:
    from slant.article import Article
    from slant.doc import Doc, Span

    title = text.split("\n", 1)[0]
    doc = Doc(Article(text=text, title=title, outlet=outlet, published=DAY, language="en"))

    def at(s: str) -> tuple[int, int]:
        i = text.index(s)
        return i, i + len(s)

    sentences = [m.span() for m in re.finditer(r"[^.\n]+[.]\"?|[^\n]+", text)]
    doc.set_layer("sentences", [Span(a, b) for a, b in sentences])
    ents, spans = [], []
    unite = at("Unite")
    ents.append({"id": "e1", "name": "Unite", "type": "ORG", "mentions": 1,
                 "stance": {"label": "negative" if outlet == "Herald" else "neutral", "score": 0.8,
                            "evidence": [[s, e] for s, e in sentences if s <= unite[0] < e]}})
    spans.append(Span(*unite, "ORG", attrs={"entity": "e1"}))
    if "Holloway" in text:
        ents.append({"id": "e2", "name": "Jane Holloway", "type": "PERSON", "mentions": 2, "stance": {"label": "positive", "score": 0.6}})
        spans.append(Span(*at("Jane Holloway"), "PERSON", attrs={"entity": "e2"}))
        doc.set_layer("quotes", [Span(*at('"This bridge is for everyone,"'), attrs={"speaker": "e2", "cue": "said", "source": None})])
        doc.set_layer("persuasion", [Span(*at("reckless Unite bosses"), "Name_Calling,Labeling", 0.8),
                                     Span(*at("wreck"), "Loaded_Language", 0.7)])
    else:
        doc.set_layer("quotes", [])
        doc.set_layer("persuasion", [Span(*at("close the harbour mouth"), "Appeal_to_fear-prejudice", 0.6)])
    doc.entities = ents
    doc.set_layer("entities", spans)
    d = at("30 April 2024")
    doc.set_layer("dates", [Span(*d, attrs={"value": "2024-04-30"})])
    return doc


@pytest.fixture
def story(team: dict) -> dict:
    from slant.store.aggregates.stories import forget_indexes, story_of
    from slant.store.ingest import save
    from slant.web.library.models import Entry

    forget_indexes()
    docs = {"herald": _doc(HERALD, "Herald"), "courier": _doc(COURIER, "Courier")}
    for d in docs.values():
        save(d, "test-pages")
        Entry.objects.create(collection=team["collection"], article_id=d.article.id)
    sid = story_of(docs["herald"].article.id)
    assert sid is not None and sid == story_of(docs["courier"].article.id), "the fixture's two reports should form one story"
    return {"sid": sid, "ids": {k: d.article.id for k, d in docs.items()}, "docs": docs}


def _page(user: Any, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_it_compares_the_outlets_of_a_story_with_figures_by_hand(team: dict, story: dict) -> None:
    page = _page(team["users"]["viewer"], f"/stories/{story['sid']}/")
    assert "Courier" in page and "Herald" in page
    # Actors: Courier leaves the mayor out; both name Unite.
    actors = _section(page, "actors-h")
    holloway = actors.split("Jane Holloway", 1)[1].split("</tr>", 1)[0]
    assert holloway.count('class="left-out"') == 1 and holloway.count('class="named"') == 1
    unite = actors.split(">Unite <", 1)[1].split("</tr>", 1)[0]
    assert unite.count('class="named"') == 2
    # Stance toward Unite, shared: Herald negative with its evidence sentence linked to its place in the article.
    stance = _section(page, "stance-h")
    assert "negative" in stance and "neutral" in stance
    herald_text = story["docs"]["herald"].text
    start = herald_text.index(" The reckless")  # the fixture's sentence, as its sentences layer cuts it
    end = herald_text.index("wreck it.") + len("wreck it.")
    cid = team["collection"].pk
    assert f'href="/collections/{cid}/articles/{story["ids"]["herald"]}/#range-{start}-{end}"' in stance
    # Techniques per 1,000 words: Herald has 2 spans in its words; each count lists its spans.
    words = {k: len(re.findall(r"\w+", d.text)) for k, d in story["docs"].items()}
    rates = _section(page, "techniques-h")
    expected = 1000 * 1 / words["herald"]
    assert f"<strong>{expected:.1f}</strong>" in rates
    name_calling = rates.split("Name Calling, Labeling", 1)[1].split("</tr>", 1)[0]
    s = herald_text.index("reckless Unite bosses")
    assert f"#range-{s}-{s + len('reckless Unite bosses')}" in name_calling
    assert f"<td>{words['herald']}</td>" in rates and f"<td>{words['courier']}</td>" in rates
    # Quotes, timeline, and what only one outlet carries.
    quotes = _section(page, "quotes-h")
    assert "Jane Holloway" in quotes and "×1" in quotes
    timeline = _section(page, "timeline-h")
    assert '<time datetime="2024-04-30">30 April 2024</time>' in timeline and timeline.count("“30 April 2024”") == 2
    only = _section(page, "only-h")
    assert "Fishermen fear the works" in html.unescape(only)
    # The articles themselves, drawn by the one reading model.
    assert page.count("data-slant-article") == 2 and "hl t-name-calling-labeling" in page


def test_it_links_a_story_from_the_list_and_keeps_it_from_an_outsider(team: dict, story: dict) -> None:
    listing = _page(team["users"]["viewer"], "/stories/")
    assert f'href="/stories/{story["sid"]}/' in listing and "Council backs the harbour bridge" in listing or "Harbour bridge" in listing
    outsider = team["users"]["outsider"]
    assert client_for(outsider).get(f"/stories/{story['sid']}/").status_code == 404
    assert f"/stories/{story['sid']}/" not in _page(outsider, "/stories/")
    assert client_for(None).get(f"/stories/{story['sid']}/").status_code == 404


def test_it_profiles_an_outlet_and_compares_two(team: dict, story: dict) -> None:
    from slant.store.aggregates.models import ArticleFacts

    viewer = team["users"]["viewer"]
    herald = ArticleFacts.objects.get(article_id=story["ids"]["herald"]).outlet_id
    courier = ArticleFacts.objects.get(article_id=story["ids"]["courier"]).outlet_id
    listing = _page(viewer, "/outlets/")
    assert f'href="/outlets/{herald}/' in listing and f'href="/outlets/{courier}/' in listing
    page = _page(viewer, f"/outlets/{herald}/")
    assert 'data-chart="o-over"' in page and 'id="o-over"' in page and "vega-lite.min.js" in page
    # each count opens the articles it counts
    assert f"/search/?outlet_id={herald}&amp;technique=Loaded_Language" in page
    assert "negative 1" in page  # its stance toward Unite, in articles
    both = _page(viewer, f"/outlets/compare/?a={herald}&b={courier}")
    shared = _section(both, "shared-h")
    assert "Unite" in shared and "negative 1" in shared and "neutral 1" in shared
    assert client_for(team["users"]["outsider"]).get(f"/outlets/{herald}/").status_code == 404
    assert client_for(team["users"]["outsider"]).get(f"/outlets/compare/?a={herald}&b={courier}").status_code == 404
    assert client_for(viewer).get("/outlets/compare/?a=x&b=1").status_code == 404


def test_it_charts_attention_with_links_and_exports(team: dict, story: dict) -> None:
    import json

    page = _page(team["users"]["viewer"], "/attention/?entity=Unite&interval=day")
    assert "2 matching articles" in page
    spec = json.loads(html.unescape(re.search(r'<script id="attention-spec" type="application/json">(.*?)</script>', page, re.S).group(1)))
    values = spec["data"]["values"]
    assert sorted((v["outlet"], v["period"], v["articles"]) for v in values) == [("Courier", "2024-05-01", 1), ("Herald", "2024-05-01", 1)]
    assert all(v["link"].startswith("/search/?") and "since=2024-05-01" in v["link"] for v in values)
    assert spec["encoding"]["href"] == {"field": "link"}
    assert "/api/attention.csv?entity=Unite&amp;interval=day" in page
    # The outlet checkboxes become the API's list.
    from slant.store.aggregates.models import ArticleFacts

    herald = ArticleFacts.objects.get(article_id=story["ids"]["herald"]).outlet_id
    page = _page(team["users"]["viewer"], f"/attention/?entity=Unite&outlet={herald}")
    assert "1 matching article" in page
    # An outsider counts nothing of the team's.
    assert "0 matching articles" in _page(team["users"]["outsider"], "/attention/?entity=Unite")
    assert "must be a date" in _page(team["users"]["viewer"], "/attention/?q=bridge&since=yesterday")


def test_it_links_a_renamed_or_domain_only_outlet_to_its_own_articles(team: dict, story: dict) -> None:
    """An outlet's links name it by id: they still find its articles after a user renames it, and for an
    outlet known only by its address's domain (no article's outlet field holds that name)."""
    from slant.article import Article
    from slant.doc import Doc
    from slant.store.aggregates.models import ArticleFacts
    from slant.store.aggregates.outlets import rename
    from slant.store.ingest import save
    from slant.web.library.models import Entry

    viewer = team["users"]["viewer"]
    herald = ArticleFacts.objects.get(article_id=story["ids"]["herald"]).outlet_id
    rename(herald, "The Daily Herald", viewer)
    page = _page(viewer, f"/outlets/{herald}/")
    assert "The Daily Herald" in page
    links = set(re.findall(r'href="(/search/\?[^"]+)"', page))
    assert links and all(f"outlet_id={herald}" in x and "outlet=" not in x.replace("outlet_id=", "") for x in links)
    found = client_for(viewer).get("/search.json?" + html.unescape(next(iter(links))).split("?", 1)[1]).json()
    assert [r["id"] for r in found["results"]] == [story["ids"]["herald"]]
    assert "Only The Daily Herald" in _page(viewer, f"/search/?outlet_id={herald}")
    assert f"/attention/?outlets={herald}&amp;interval=week" in page
    # An outlet known by its domain only.
    doc = Doc(Article(text="Bridge tolls\n\nThe harbour bridge will charge a toll.\n", title="Bridge tolls",
                      url="https://www.portnews.co.uk/tolls", published=DAY, language="en"))
    save(doc, "test-pages")
    Entry.objects.create(collection=team["collection"], article_id=doc.article.id)
    port = ArticleFacts.objects.get(article_id=doc.article.id).outlet_id
    page = _page(viewer, f"/outlets/{port}/")
    assert "portnews.co.uk" in page
    found = client_for(viewer).get(f"/search.json?outlet_id={port}").json()
    assert [r["id"] for r in found["results"]] == [doc.article.id]
    # The attention chart's points open the search of their outlet by id too.
    spec_page = _page(viewer, "/attention/?entity=Unite&interval=day")
    assert f"outlet_id={herald}" in html.unescape(spec_page)
    # An outsider's search by that id finds nothing, and shows no name.
    outsider = team["users"]["outsider"]
    assert client_for(outsider).get(f"/search.json?outlet_id={herald}").json()["results"] == []
    assert "Daily Herald" not in _page(outsider, f"/search/?outlet_id={herald}")


def test_it_gives_the_story_outlet_and_attention_pages_json_twins(team: dict, story: dict) -> None:
    from slant.store.aggregates.models import ArticleFacts

    viewer, outsider = team["users"]["viewer"], team["users"]["outsider"]
    herald = ArticleFacts.objects.get(article_id=story["ids"]["herald"]).outlet_id
    courier = ArticleFacts.objects.get(article_id=story["ids"]["courier"]).outlet_id
    pairs = [(f"/stories/{story['sid']}.json", f"/api/stories/{story['sid']}"), ("/stories.json", "/api/stories"),
             (f"/outlets/{herald}.json?interval=day", f"/api/outlets/{herald}?interval=day"),
             ("/outlets.json", "/api/outlets"),
             (f"/outlets/compare.json?a={herald}&b={courier}", f"/api/outlets/compare?a={herald}&b={courier}"),
             # The attention twin reads the page's form as sent: empty fields, one outlet checkbox each.
             (f"/attention.json?q=&entity=Unite&technique=&outlet={herald}&outlet={courier}&interval=day",
              f"/api/attention?entity=Unite&outlets={herald},{courier}&interval=day")]
    for twin, api in pairs:
        got = client_for(viewer).get(twin)
        assert got.status_code == 200 and got["Content-Type"].startswith("application/json"), twin
        assert got.json() == client_for(viewer).get(api).json(), twin
    view = client_for(viewer).get(f"/stories/{story['sid']}.json").json()
    assert sorted(view["articles"]) == sorted(story["ids"].values())
    assert client_for(viewer).get("/attention.json?entity=Unite").json()["total"] == 2
    # The outsider: no story, no outlet, nothing counted.
    assert client_for(outsider).get(f"/stories/{story['sid']}.json").status_code == 404
    assert client_for(outsider).get(f"/outlets/{herald}.json").status_code == 404
    assert client_for(outsider).get("/stories.json").json()["stories"] == []
    assert client_for(outsider).get("/outlets.json").json()["outlets"] == []
    assert client_for(outsider).get("/attention.json?entity=Unite").json()["total"] == 0
    assert client_for(None).get(f"/stories/{story['sid']}.json").status_code == 401


def test_it_counts_a_word_search_in_the_database(team: dict, story: dict) -> None:
    """Attention's word search: full text (FTS5 on SQLite, the stored tsvector on PostgreSQL), per outlet."""
    from slant.store.models import Article
    from slant.web.search.index import index_article

    for aid in story["ids"].values():
        index_article(Article.objects.get(id=aid))
    viewer = team["users"]["viewer"]
    got = client_for(viewer).get("/api/attention?q=fishermen&interval=day").json()
    assert got["total"] == 1 and [s["outlet"] for s in got["series"]] == ["Courier"]
    got = client_for(viewer).get("/api/attention?q=harbour+bridge&interval=week").json()
    assert got["total"] == 2 and sorted(s["outlet"] for s in got["series"]) == ["Courier", "Herald"]
    assert client_for(viewer).get("/api/attention?q=zeppelin").json()["total"] == 0
    assert client_for(team["users"]["outsider"]).get("/api/attention?q=harbour").json()["total"] == 0
    # PostgreSQL: the word search turns sequential scans off for its statement only.
    from django.db import connection, transaction

    from slant.store.aggregates import attention

    with transaction.atomic(), connection.cursor() as cur:
        assert attention.series(attention.Search(q="harbour"))["total"] == 2
        cur.execute("SELECT 1" if connection.vendor != "postgresql" else "SELECT current_setting('enable_seqscan')")
        assert cur.fetchone()[0] in (1, "on")
