"""Per-user quotas: articles, bytes of text, analysis jobs waiting; clear messages, nothing half added."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from slant.web.accounts.quotas import QuotaExceeded, check_quota, usage

from .conftest import client_for


def _paste(client: Any, cid: int, n: int):  # type: ignore[no-untyped-def]
    return client.post(f"/collections/{cid}/add/", {"text": f"Piece {n}\n\nBody text number {n} of the piece."}, follow=True)


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_it_counts_what_a_user_added(team: dict, article_entry: Any) -> None:
    used = usage(team["users"]["owner"])
    text = article_entry.article.text
    assert used == {"articles": 1, "bytes": len(text.encode("utf-8")), "jobs": 0}
    assert usage(team["users"]["outsider"]) == {"articles": 0, "bytes": 0, "jobs": 0}


def test_it_refuses_articles_over_the_quota_with_a_clear_message(team: dict, settings) -> None:
    from slant.web.library.models import Entry

    settings.SLANT_QUOTA_ARTICLES = 2
    editor, cid = client_for(team["users"]["editor"]), team["collection"].pk
    assert _paste(editor, cid, 1).status_code == 200
    assert _paste(editor, cid, 2).status_code == 200
    refused = _paste(editor, cid, 3)
    assert refused.status_code == 400
    assert "over your quota of 2 articles: you have 2 and this would add 1" in _messages(refused)
    assert Entry.objects.filter(added_by=team["users"]["editor"]).count() == 2
    # Another user has their own quota.
    assert _paste(client_for(team["users"]["owner"]), cid, 4).status_code == 200


def test_it_refuses_bytes_over_the_quota_through_the_api(team: dict, settings) -> None:
    from slant.web.accounts.models import ApiToken

    settings.SLANT_QUOTA_BYTES = 100
    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(team['users']['owner'])}")
    url = f"/api/collections/{team['collection'].pk}/articles"
    small = api.post(url, data=json.dumps({"text": "Short\n\nA few words."}), content_type="application/json")
    assert small.status_code == 202
    big = api.post(url, data=json.dumps({"text": "Long\n\n" + "word " * 40}), content_type="application/json")
    assert big.status_code == 403 and "over your quota of 100 bytes" in big.json()["error"]


def test_it_limits_jobs_waiting_and_frees_them_as_they_finish(team: dict, settings) -> None:
    from slant.web.jobs.runner import run_pending_jobs

    settings.SLANT_QUOTA_JOBS = 1
    owner, cid = client_for(team["users"]["owner"]), team["collection"].pk
    assert _paste(owner, cid, 1).status_code == 200
    refused = _paste(owner, cid, 2)
    assert refused.status_code == 400 and "over your quota of 1 analysis jobs waiting" in _messages(refused)
    run_pending_jobs()
    assert _paste(owner, cid, 2).status_code == 200


def test_it_takes_a_users_own_quota_over_the_sites(team: dict, settings) -> None:
    from slant.web.accounts.models import Quota

    settings.SLANT_QUOTA_ARTICLES = 1
    owner = team["users"]["owner"]
    Quota.objects.create(user=owner, articles=0)  # 0: no limit for this user
    check_quota(owner, articles=50)
    with pytest.raises(QuotaExceeded, match="quota of 1 articles"):
        check_quota(team["users"]["viewer"], articles=2)
    settings.SLANT_QUOTA_ARTICLES = 0
    check_quota(team["users"]["viewer"], articles=10_000)
