"""Response headers: a Content-Security-Policy with no inline script, and
``Cache-Control: private, no-store`` on everything a signed-in user or an API
client receives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.test import Client

from slant.web.http import CONTENT_SECURITY_POLICY

from .conftest import client_for

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "slant" / "web" / "templates"
# A <script> without src runs inline, unless it is a JSON data block (json_script), which never runs.
INLINE_SCRIPT = re.compile(r"""<script(?![^>]*\b(src=|type=["']?application/json))[^>]*>""", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_it_allows_scripts_only_from_our_own_files() -> None:
    policy = _directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]


def test_it_has_no_inline_script_in_any_template() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:60]}")
    assert offenders == [], "move these to a static .js file (the CSP blocks them)"


def _pages(team: dict, entry: Any) -> list[str]:
    cid, aid = team["collection"].pk, entry.article_id
    return [
        "/collections/", "/collections.json", f"/collections/{cid}/", f"/collections/{cid}.json",
        f"/collections/{cid}/members/", f"/collections/{cid}/members.json", f"/collections/{cid}/jobs/",
        f"/collections/{cid}/jobs.json", f"/collections/{cid}/articles/{aid}/", f"/collections/{cid}/articles/{aid}.json",
        f"/collections/{cid}/export/ptc.txt", f"/collections/{cid}/export/label-studio.json", "/search/?q=bridge",
        "/search.json?q=bridge", "/accounts/tokens/", f"/api/collections/{cid}", f"/api/articles/{aid}",
    ]


def test_it_sends_the_policy_and_keeps_signed_in_pages_out_of_caches(team: dict, marked_entry: Any) -> None:
    client = client_for(team["users"]["viewer"])
    for url in _pages(team, marked_entry):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        if response["Content-Type"].startswith("text/html"):
            body = response.content.decode()
            assert not INLINE_SCRIPT.search(body) and not HANDLER.search(body), url


def test_it_keeps_api_answers_to_a_token_out_of_caches(team: dict, article_entry: Any) -> None:
    from slant.web.accounts.models import ApiToken

    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(team['users']['editor'])}")
    cid = team["collection"].pk
    for response in (api.get("/api/collections"), api.get(f"/api/collections/{cid}/articles"),
                     api.get(f"/api/articles/{article_entry.article_id}"), api.get("/api/collections/999999")):
        assert response["Cache-Control"] == "private, no-store"
    assert Client(HTTP_AUTHORIZATION="Bearer slant_x_y").get("/api/collections")["Cache-Control"] == "private, no-store"


def test_it_leaves_public_files_cacheable(db: Any) -> None:
    response = Client().get("/static/slant/slant.css")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
    assert Client().get("/accounts/login/")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
