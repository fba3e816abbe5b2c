"""The API: its JSON contract, and every operation fuzzed against the OpenAPI spec."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, settings as hsettings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from slant.web.wsgi import application

from .conftest import ARTICLE_TEXT, client_for

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def api(team):  # type: ignore[no-untyped-def]
    from slant.web.accounts.models import ApiToken

    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(team['users']['owner'])}")


def test_it_follows_the_contract_from_collection_to_analysis(api, team) -> None:
    from slant.web.jobs.runner import run_pending_jobs

    made = api.post("/api/collections", data=json.dumps({"name": "Via API"}), content_type="application/json")
    assert made.status_code == 201
    cid = made.json()["id"]
    added = api.post(f"/api/collections/{cid}/articles", data=json.dumps({"text": ARTICLE_TEXT}), content_type="application/json")
    assert added.status_code == 202
    aid = added.json()["id"]
    assert added.json()["status"] == "queued"
    pending = api.get(f"/api/articles/{aid}").json()
    assert (pending["status"], pending["analysis"], pending["error"]) == ("queued", None, None)
    run_pending_jobs()
    done = api.get(f"/api/articles/{aid}").json()
    assert done["status"] == "done" and done["error"] is None
    assert done["analysis"]["schema"] == "slant.analysis/1" and done["analysis"]["article"]["id"] == aid
    assert done["analysis"]["article"]["text"] == ARTICLE_TEXT
    # The same text again: already analysed, so 201 and done.
    again = api.post(f"/api/collections/{cid}/articles", data=json.dumps({"text": ARTICLE_TEXT}), content_type="application/json")
    assert again.status_code == 201 and again.json() == {"id": aid, "status": "done"}
    listing = api.get(f"/api/collections/{cid}").json()
    assert [a["id"] for a in listing["articles"]] == [aid] and listing["role"] == "owner"


def test_it_takes_files_and_html_and_reads_them_in_a_job(api, team) -> None:
    from slant.store.models import Article
    from slant.web.jobs.runner import run_pending_jobs

    cid = team["collection"].pk
    upload = api.post(f"/api/collections/{cid}/articles", {"file": [SimpleUploadedFile("a.txt", b"Filed\n\nA text file."),
                                                                   SimpleUploadedFile("b.txt", b"Second\n\nAnother one.")]})
    assert upload.status_code == 202 and upload.json()["status"] == "queued"
    assert [u["source"] for u in upload.json()["uploads"]] == ["a.txt", "b.txt"]
    page = "<html><body><article><h1>Bridge</h1>" + "<p>The council voted to build a bridge over the harbour this week.</p>" * 5 + "</article></body></html>"
    html = api.post(f"/api/collections/{cid}/articles", data=json.dumps({"html": page, "url": "https://example.org/b"}),
                    content_type="application/json")
    assert html.status_code == 202, html.content
    assert not Article.objects.exists()  # nothing is read in the request
    run_pending_jobs()
    [followed] = html.json()["uploads"]
    state = api.get(followed["url"]).json()
    assert state["status"] == "done" and len(state["articles"]) == 1 and state["errors"] == []
    assert api.get(f"/api/articles/{state['articles'][0]}").json()["article"]["url"] == "https://example.org/b"
    assert Article.objects.count() == 3


def test_it_adds_by_url_in_a_job(api, team, settings) -> None:
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_FETCH_ALLOW_PRIVATE = False  # so the fetch fails without touching the network
    cid = team["collection"].pk
    added = api.post(f"/api/collections/{cid}/articles", data=json.dumps({"url": "http://127.0.0.1:9/story.html"}),
                     content_type="application/json")
    assert added.status_code == 202
    [upload] = added.json()["uploads"]
    assert upload["status"] == "queued" and upload["source"] == "http://127.0.0.1:9/story.html"
    run_pending_jobs()
    state = api.get(upload["url"]).json()
    assert state["status"] == "failed" and "private or local" in state["error"]
    assert client_for(team["users"]["outsider"]).get(upload["url"]).status_code == 404


def test_it_reads_writes_and_deletes_corrections(api, team, marked_entry) -> None:
    cid, aid = team["collection"].pk, marked_entry.article_id
    url = f"/api/collections/{cid}/articles/{aid}/corrections"
    spans = api.get(url).json()["persuasion_corrected"]
    key = next(s["key"] for s in spans if s["label"] == "Loaded_Language")
    made = api.post(url, data=json.dumps({"action": "relabel", "span": key, "label": "Doubt"}), content_type="application/json")
    assert made.status_code == 201
    assert {(s["label"], s["state"]) for s in made.json()["persuasion_corrected"]} >= {("Doubt", "relabelled")}
    bad = api.post(url, data=json.dumps({"action": "reject", "span": "s0-1-Nothing"}), content_type="application/json")
    assert bad.status_code == 400 and "No such span" in bad.json()["error"]
    [correction] = api.get(url).json()["corrections"]
    from slant.web.accounts.models import ApiToken

    viewer = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(team['users']['viewer'])}")
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, data=json.dumps({"action": "reject", "span": key}), content_type="application/json").status_code == 403
    assert viewer.delete(f"{url}/{correction['id']}").status_code == 403
    assert api.delete(f"{url}/{correction['id']}").status_code == 204
    assert api.delete(f"{url}/{correction['id']}").status_code == 404
    assert api.get(url).json()["corrections"] == []


def test_it_exports_a_collection_with_its_corrections(api, team, marked_entry) -> None:
    cid, aid = team["collection"].pk, marked_entry.article_id
    spans = api.get(f"/api/collections/{cid}/articles/{aid}/corrections").json()["persuasion_corrected"]
    key = next(s["key"] for s in spans if s["label"] == "Loaded_Language")
    api.post(f"/api/collections/{cid}/articles/{aid}/corrections", data=json.dumps({"action": "reject", "span": key}),
             content_type="application/json")
    jsonl = api.get(f"/api/collections/{cid}/export")
    assert jsonl.status_code == 200 and jsonl["Content-Type"].startswith("application/x-ndjson")
    [line] = b"".join(jsonl.streaming_content).decode().splitlines()
    assert "Loaded_Language" not in {s["label"] for s in json.loads(line)["layers"]["persuasion"]}
    csv_text = b"".join(api.get(f"/api/collections/{cid}/export", {"format": "csv"}).streaming_content).decode()
    assert csv_text.startswith("article_id,layer,start,end,label") and "Loaded_Language" not in csv_text
    assert api.get(f"/api/collections/{cid}/export", {"format": "pdf"}).status_code == 400
    assert client_for(team["users"]["outsider"]).get(f"/api/collections/{cid}/export").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "send JSON"),
        (json.dumps({"text": "a", "html": "<p>b</p>"}), "exactly one"),
        (json.dumps({}), "exactly one"),
        (json.dumps({"text": 5}), "must be a string"),
        (json.dumps({"text": "   "}), "empty text"),
        (json.dumps({"url": "ftp://example.org/x"}), "http:// or https://"),
    ],
)
def test_it_explains_bad_article_requests(api, team, body: str, message: str) -> None:
    response = api.post(f"/api/collections/{team['collection'].pk}/articles", data=body, content_type="application/json")
    assert response.status_code == 400 and message in response.json()["error"]


def test_it_explains_a_bad_upload(api, team) -> None:
    cid = team["collection"].pk
    response = api.post(f"/api/collections/{cid}/articles", {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")})
    assert response.status_code == 400 and "unknown file type" in response.json()["error"]
    response = api.post(f"/api/collections/{cid}/articles", {"other": "field"})
    assert response.status_code == 400 and "file" in response.json()["error"]


def test_it_answers_401_without_credentials_and_405_for_other_methods(team) -> None:
    assert Client().get("/api/collections").status_code == 401
    assert Client().get("/api/collections").headers["WWW-Authenticate"].startswith("Bearer")
    assert client_for(team["users"]["owner"]).delete("/api/collections").status_code == 405


def test_it_publishes_the_spec_for_every_api_url() -> None:
    from django.urls import get_resolver

    spec = Client().get("/api/openapi.json").json()
    routes = {str(p.pattern) for p in get_resolver().url_patterns if str(p.pattern).startswith("api/") and p.name != "api_not_found"}
    names = {"cid": "id", "cid2": "cid"}  # the URL's parameter names where the spec's differ
    as_spec = {"/" + re.sub(r"<\w+:(\w+)>", lambda m: "{" + names.get(m.group(1), m.group(1)) + "}", r.replace("<str:aid>", "{id}"))
               for r in routes} - {"/api/openapi.json"}
    assert as_spec == set(spec["paths"])


@pytest.mark.slow
@schema.parametrize()
@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_it_answers_as_the_spec_says(case, api_token_header) -> None:  # type: ignore[no-untyped-def]
    # Every default check but one: a request can match the schema and still be
    # bad input (a PNG upload, blank text), which the API rightly answers 400.
    case.call_and_validate(headers=api_token_header, excluded_checks=[positive_data_acceptance])


@pytest.fixture
def api_token_header(team):  # type: ignore[no-untyped-def]
    from django.core import signals
    from django.db import close_old_connections

    from slant.web.accounts.models import ApiToken

    # Schemathesis calls the WSGI app directly, whose request signals would
    # close the test's database connection (and its transaction) as Django's
    # own test client takes care to avoid.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {ApiToken.issue(team['users']['owner'])}"}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
