"""Full-text search over the user's own collections, with filters."""

from __future__ import annotations

import datetime as dt

import pytest

from slant.article import Article

from .conftest import client_for


@pytest.fixture
def library(team, marked_stages):  # type: ignore[no-untyped-def]
    from slant.web.jobs.runner import run_pending_jobs
    from slant.web.library.adding import add_articles

    owner, outsider = team["users"]["owner"], team["users"]["outsider"]
    add_articles(team["collection"], [
        Article(text="Harbour bridge approved\n\nMayor Jane Holloway called the old crossing a disgraceful relic.",
                title="Harbour bridge approved", outlet="Portsmouth Post", published=dt.date(2026, 3, 2)),
        Article(text="Ferry fares rise\n\nThe harbour ferry will cost more from April, the operator said.",
                title="Ferry fares rise", outlet="Wire", published=dt.date(2025, 11, 20)),
    ], user=owner, origin="paste")
    add_articles(team["other"], [
        Article(text="Secret harbour memo\n\nOnly the outsider may read this harbour story.", title="Secret harbour memo"),
    ], user=outsider, origin="paste")
    run_pending_jobs()
    return team


def _titles(client, **params) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/search.json", params)
    assert response.status_code == 200
    return sorted(r["title"] for r in response.json()["results"])


def test_it_finds_words_only_in_the_users_collections(library) -> None:
    viewer = client_for(library["users"]["viewer"])
    assert _titles(viewer, q="harbour") == ["Ferry fares rise", "Harbour bridge approved"]
    assert _titles(client_for(library["users"]["outsider"]), q="harbour") == ["Secret harbour memo"]
    assert _titles(viewer, q="memo") == []


def test_it_filters_by_outlet_date_technique_and_entity(library) -> None:
    viewer = client_for(library["users"]["viewer"])
    assert _titles(viewer, q="harbour", outlet="wire") == ["Ferry fares rise"]
    assert _titles(viewer, q="harbour", since="2026-01-01") == ["Harbour bridge approved"]
    assert _titles(viewer, q="harbour", until="2025-12-31") == ["Ferry fares rise"]
    assert _titles(viewer, technique="Loaded_Language") == ["Harbour bridge approved"]
    assert _titles(viewer, entity="Jane Holloway") == ["Harbour bridge approved"]


def test_it_treats_query_syntax_as_plain_words(library) -> None:
    viewer = client_for(library["users"]["viewer"])
    for q in ['"unbalanced', "harbour AND OR NOT", "col:x*", "NEAR(", "'); DROP TABLE x; --"]:
        assert viewer.get("/search.json", {"q": q}).status_code == 200
    assert client_for(library["users"]["viewer"]).get("/search/", {"q": "harbour"}).status_code == 200
