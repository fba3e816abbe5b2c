"""Renaming and deleting collections, articles; pages of long lists."""

from __future__ import annotations

import pytest
from django.db import connection

from slant.sources import article_from_text

from .conftest import ARTICLE_TEXT, client_for


def _add(team, collection, texts, user="owner"):  # type: ignore[no-untyped-def]
    from slant.web.library.adding import add_articles

    return add_articles(collection, [article_from_text(t) for t in texts], user=team["users"][user], origin="paste")


def _counts() -> dict[str, int]:
    from slant.store.models import Analysis, Article
    from slant.web.jobs.models import Job
    from slant.web.library.models import Entry, Upload
    from slant.web.reader.models import Correction

    return {"articles": Article.objects.count(), "analyses": Analysis.objects.count(), "jobs": Job.objects.count(),
            "entries": Entry.objects.count(), "corrections": Correction.objects.count(), "uploads": Upload.objects.count()}


def test_it_renames_a_collection_for_its_owner_only(team) -> None:
    cid = team["collection"].pk
    owner = client_for(team["users"]["owner"])
    form = owner.get(f"/collections/{cid}/rename/")
    assert form.status_code == 200 and b'value="Harbour coverage"' in form.content and b"csrfmiddlewaretoken" in form.content
    assert client_for(team["users"]["editor"]).post(f"/collections/{cid}/rename/", {"name": "X"}).status_code == 403
    assert client_for(team["users"]["outsider"]).post(f"/collections/{cid}/rename/", {"name": "X"}).status_code == 404
    assert owner.post(f"/collections/{cid}/rename/", {"name": ""}).status_code == 400
    assert owner.post(f"/collections/{cid}/rename/", {"name": "Ports"}).status_code == 302
    team["collection"].refresh_from_db()
    assert team["collection"].name == "Ports"


def test_it_deletes_a_collection_and_every_row_only_it_held(team) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from slant.web.jobs.runner import run_pending_jobs
    from slant.web.reader.models import Correction
    from slant.web.search.index import indexed_ids

    shared, own = _add(team, team["collection"], [ARTICLE_TEXT, "Only here\n\nA story only this collection holds."])
    _add(team, team["other"], [ARTICLE_TEXT], user="outsider")  # the outsider holds the first one too
    run_pending_jobs()
    Correction.objects.create(entry=own, action="add", start=0, end=4, label="Doubt")
    cid = team["collection"].pk
    client_for(team["users"]["owner"]).post(f"/collections/{cid}/add/", {"file": SimpleUploadedFile("q.txt", b"Q\n\nQueued.")})
    before = _counts()
    owner = client_for(team["users"]["owner"])
    page = owner.get(f"/collections/{cid}/delete/")
    assert page.status_code == 200 and b"cannot be undone" in page.content
    assert _counts() == before  # the confirmation page deletes nothing
    assert client_for(team["users"]["editor"]).post(f"/collections/{cid}/delete/").status_code == 403
    assert owner.post(f"/collections/{cid}/delete/").status_code == 302
    assert owner.get(f"/collections/{cid}/").status_code == 404
    after = _counts()
    assert after == {"articles": 1, "analyses": 1, "jobs": 1, "entries": 1, "corrections": 0, "uploads": 0}
    from slant.store.models import Article

    assert Article.objects.get().id == shared.article_id  # the outsider's copy stays
    if connection.vendor == "sqlite":
        assert indexed_ids() == {shared.article_id}
    outsider = client_for(team["users"]["outsider"])
    assert [r["title"] for r in outsider.get("/search.json", {"q": "harbour"}).json()["results"]] == [
        "Council approves the new harbour bridge"]
    assert client_for(team["users"]["owner"]).get("/search.json", {"q": "story"}).json()["results"] == []


def test_it_removes_an_article_from_a_collection_after_confirmation(team) -> None:
    from slant.web.jobs.runner import run_pending_jobs
    from slant.web.search.index import indexed_ids

    [entry] = _add(team, team["collection"], [ARTICLE_TEXT])
    run_pending_jobs()
    url = f"/collections/{entry.collection_id}/articles/{entry.article_id}/delete/"
    editor = client_for(team["users"]["editor"])
    assert editor.get(url).status_code == 200 and _counts()["articles"] == 1
    assert client_for(team["users"]["viewer"]).post(url).status_code == 403
    assert editor.post(url).status_code == 302
    assert _counts() == {"articles": 0, "analyses": 0, "jobs": 0, "entries": 0, "corrections": 0, "uploads": 0}
    if connection.vendor == "sqlite":
        assert indexed_ids() == set()
    assert editor.get("/search.json", {"q": "harbour"}).json()["results"] == []


def test_it_renames_an_article_in_one_collection_only(team) -> None:
    [entry] = _add(team, team["collection"], [ARTICLE_TEXT])
    _add(team, team["other"], [ARTICLE_TEXT], user="outsider")
    editor = client_for(team["users"]["editor"])
    url = f"/collections/{entry.collection_id}/articles/{entry.article_id}/rename/"
    assert editor.post(url, {"title": "Bridge vote"}).status_code == 302
    assert editor.get(f"/collections/{entry.collection_id}.json").json()["articles"][0]["title"] == "Bridge vote"
    assert editor.get(f"/collections/{entry.collection_id}/articles/{entry.article_id}.json").json()["article"]["title"] == "Bridge vote"
    other = client_for(team["users"]["outsider"]).get(f"/collections/{team['other'].pk}.json").json()
    assert other["articles"][0]["title"] == "Council approves the new harbour bridge"
    from slant.store.models import Article

    assert Article.objects.get().text == ARTICLE_TEXT  # the text and its offsets never change


def test_it_pages_a_long_collection_and_search(team, settings) -> None:
    settings.SLANT_PAGE_SIZE = 4
    _add(team, team["collection"], [f"Harbour story {i}\n\nThe harbour, part {i}." for i in range(10)])
    viewer = client_for(team["users"]["viewer"])
    cid = team["collection"].pk
    first = viewer.get(f"/collections/{cid}.json").json()
    assert (first["page"], first["pages"], first["count"], len(first["articles"])) == (1, 3, 10, 4)
    last = viewer.get(f"/collections/{cid}.json", {"page": 3}).json()
    assert len(last["articles"]) == 2
    seen = [a["id"] for p in (1, 2, 3) for a in viewer.get(f"/collections/{cid}.json", {"page": p}).json()["articles"]]
    assert len(seen) == len(set(seen)) == 10
    assert viewer.get(f"/collections/{cid}.json", {"page": 4}).status_code == 404
    assert viewer.get(f"/collections/{cid}/", {"page": "x"}).status_code == 404
    html = viewer.get(f"/collections/{cid}/", {"page": 2}).content.decode()
    assert "Page 2 of 3" in html and 'rel="next"' in html and 'rel="prev"' in html
    found = viewer.get("/search.json", {"q": "harbour", "page": 3}).json()
    assert (found["page"], found["pages"], found["count"], len(found["results"])) == (3, 3, 10, 2)
    page = viewer.get("/search/", {"q": "harbour", "page": 2}).content.decode()
    assert "Page 2 of 3" in page and "q=harbour&amp;page=3" in page


@pytest.mark.slow
def test_a_collection_of_three_hundred_articles_opens_in_pages(team, settings) -> None:
    """The 294-article collection of the issue: each page makes a bounded number of queries."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    _add(team, team["collection"], [f"Story {i}\n\nBody number {i}." for i in range(300)])
    viewer = client_for(team["users"]["viewer"])
    with CaptureQueriesContext(conn) as queries:
        response = viewer.get(f"/collections/{team['collection'].pk}/")
    assert response.status_code == 200 and response.content.decode().count('class="status ') == 50
    assert len(queries) < 25
