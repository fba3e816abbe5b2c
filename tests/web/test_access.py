"""The whole access matrix: every URL, every role, and a check that no URL is left out.

Roles: the collection's owner, an editor and a viewer (teammates), an outsider
who belongs to another collection only, and an anonymous visitor. Anything a
user may not see answers 404; an anonymous API call answers 401; a member whose
role is too low for a change gets 403.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import client_for

ROLES = ["owner", "editor", "viewer", "outsider", "anon"]
MEMBERS = {"owner": 200, "editor": 200, "viewer": 200, "outsider": 404}
PAGE = {**MEMBERS, "anon": 404}          # an HTML page of a collection or article
TWIN = {**MEMBERS, "anon": 401}          # its JSON twin
LOGIN = {"owner": 200, "editor": 200, "viewer": 200, "outsider": 200, "anon": 302}
EDIT_PAGE = {"owner": 200, "editor": 200, "viewer": 403, "outsider": 404, "anon": 404}
EDIT_POST = {"owner": 302, "editor": 302, "viewer": 403, "outsider": 404, "anon": 404}
OWNER_POST = {"owner": 302, "editor": 403, "viewer": 403, "outsider": 404, "anon": 404}
OWNER_PAGE = {"owner": 200, "editor": 403, "viewer": 403, "outsider": 404, "anon": 404}

# url name -> list of (method, kwargs builder, data builder, expected status by role)
Ctx = dict[str, Any]
Case = tuple[str, Callable[[Ctx], dict[str, Any]], Callable[[Ctx], Any], dict[str, int]]


def _c(ctx: Ctx) -> dict[str, Any]:
    return {"cid": ctx["cid"]}


def _a(ctx: Ctx) -> dict[str, Any]:
    return {"cid": ctx["cid"], "aid": ctx["aid"]}


def _j(ctx: Ctx) -> dict[str, Any]:
    return {"cid": ctx["cid"], "jid": ctx["jid"]}


def _corr(ctx: Ctx) -> dict[str, Any]:
    return {"cid": ctx["cid"], "aid": ctx["aid"], "corr": ctx["corr"]}


def _none(ctx: Ctx) -> dict[str, Any]:
    return {}


def _no_data(ctx: Ctx) -> None:
    return None


def _s(ctx: Ctx) -> dict[str, Any]:
    """The story of the fixture's article (grouped when its analysis was stored)."""
    from slant.store.aggregates.stories import story_of

    return {"sid": story_of(ctx["aid"])}


def _o(ctx: Ctx) -> dict[str, Any]:
    """An outlet for the fixture's article (its text has none)."""
    from slant.store.aggregates.models import ArticleFacts
    from slant.store.aggregates.outlets import outlet_for

    outlet = outlet_for("Harbour Herald", None)
    ArticleFacts.objects.filter(article_id=ctx["aid"]).update(outlet=outlet)
    return {"oid": outlet.pk}


# A merge or split the members may attempt: editors get as far as the check of the request (400: a story
# cannot merge with itself; a split must leave some articles), a viewer is refused.
CHANGE_REFUSED = {"owner": 400, "editor": 400, "viewer": 403, "outsider": 404, "anon": 401}

def _f(ctx: Ctx) -> dict[str, Any]:
    """The collection and a feed it follows (created on first use)."""
    from django.utils import timezone

    from slant.web.feeds.models import Feed

    feed, _ = Feed.objects.get_or_create(collection_id=ctx["cid"], url="https://news.example/feed.xml",
                                         defaults={"interval_s": 3600, "next_poll_at": timezone.now()})
    return {"cid": ctx["cid"], "fid": feed.pk}


MATRIX: dict[str, list[Case]] = {
    "collection_list": [("get", _none, _no_data, LOGIN)],
    "collection_list_json": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "collection_create": [("post", _none, lambda ctx: {"name": "New"}, {**{r: 302 for r in ROLES}})],
    "collection": [("get", _c, _no_data, PAGE)],
    "collection_json": [("get", _c, _no_data, TWIN)],
    "members": [
        ("get", _c, _no_data, PAGE),
        ("post", _c, lambda ctx: {"username": "outsider", "role": "viewer"}, OWNER_POST),
    ],
    "members_json": [("get", _c, _no_data, TWIN)],
    "collection_rename": [("get", _c, _no_data, OWNER_PAGE), ("post", _c, lambda ctx: {"name": "Renamed"}, OWNER_POST)],
    "collection_delete": [("get", _c, _no_data, OWNER_PAGE), ("post", _c, _no_data, OWNER_POST)],
    "article_rename": [("get", _a, _no_data, EDIT_PAGE), ("post", _a, lambda ctx: {"title": "Renamed"}, EDIT_POST)],
    "article_delete": [("get", _a, _no_data, EDIT_PAGE), ("post", _a, _no_data, EDIT_POST)],
    "correction_delete": [("get", _corr, _no_data, EDIT_PAGE), ("post", _corr, _no_data, EDIT_POST)],
    "export_collection": [("get", lambda ctx: {**_c(ctx), "fmt": "jsonl"}, _no_data, PAGE),
                          ("get", lambda ctx: {**_c(ctx), "fmt": "csv"}, _no_data, PAGE)],
    "add_article": [
        ("get", _c, _no_data, EDIT_PAGE),
        ("post", _c, lambda ctx: {"text": f"A pasted piece by {ctx['role']}\n\nIts body text."}, EDIT_POST),
    ],
    "jobs": [("get", _c, _no_data, PAGE)],
    "feeds": [
        ("get", _c, _no_data, PAGE),
        ("post", _c, lambda ctx: {"url": f"https://news.example/{ctx['role']}.xml"}, EDIT_POST),
    ],
    "feeds_json": [("get", _c, _no_data, TWIN)],
    "feed_poll_now": [("post", _f, _no_data, EDIT_POST)],
    "feed_unfollow": [("post", _f, _no_data, EDIT_POST)],
    "jobs_json": [("get", _c, _no_data, TWIN)],
    "job_retry": [("post", _j, _no_data, EDIT_POST)],
    "export_ptc": [("get", _c, _no_data, PAGE)],
    "export_label_studio": [("get", _c, _no_data, PAGE)],
    "article": [("get", _a, _no_data, PAGE)],
    "article_json": [("get", _a, _no_data, TWIN)],
    "correct": [("post", _a, lambda ctx: {"action": "add", "start": 0, "end": 7, "label": "Loaded_Language"}, EDIT_POST)],
    "search": [("get", _none, _no_data, LOGIN)],
    "search_json": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "tokens": [("get", _none, _no_data, LOGIN), ("post", _none, lambda ctx: {}, LOGIN)],
    # Staff only (none of these roles is staff): Django's staff check sends them to log in.
    "invitations": [("get", _none, _no_data, {r: 302 for r in ROLES}), ("post", _none, lambda ctx: {}, {r: 302 for r in ROLES})],
    "password_change": [("get", _none, _no_data, LOGIN)],
    "password_change_done": [("get", _none, _no_data, LOGIN)],
    "api_collections": [
        ("get", _none, _no_data, {**LOGIN, "anon": 401}),
        ("post_json", _none, lambda ctx: {"name": "Via API"}, {r: 201 for r in ROLES} | {"anon": 401}),
    ],
    "api_collection": [("get", _c, _no_data, TWIN)],
    "api_collection_articles": [
        ("get", _c, _no_data, TWIN),
        ("post_json", _c, lambda ctx: {"text": f"API piece by {ctx['role']}\n\nBody."},
         {"owner": 202, "editor": 202, "viewer": 403, "outsider": 404, "anon": 401}),
    ],
    "api_article": [("get", lambda ctx: {"aid": ctx["aid"]}, _no_data, TWIN)],
    "api_corrections": [
        ("get", _a, _no_data, TWIN),
        ("post_json", _a, lambda ctx: {"action": "add", "start": 0, "end": 7, "label": "Doubt"},
         {"owner": 201, "editor": 201, "viewer": 403, "outsider": 404, "anon": 401}),
    ],
    "api_correction": [("delete", lambda ctx: {**_a(ctx), "cid2": ctx["corr"]}, _no_data,
                        {"owner": 204, "editor": 204, "viewer": 403, "outsider": 404, "anon": 401})],
    "api_upload": [("get", lambda ctx: {"cid": ctx["cid"], "uid": ctx["uid"]}, _no_data, TWIN)],
    "api_export": [("get", _c, _no_data, TWIN)],
    "api_not_found": [("get", lambda ctx: {"rest": "collections/1/nothing"}, _no_data, {**{r: 404 for r in ROLES}, "anon": 401})],
    # Stories, outlets, attention (issue 13): lists answer every user, counting only their own collections
    # (test_stories_api.py checks that an outsider's lists are empty); one story or outlet is a 404 to them.
    # Their pages: the lists count only the user's own collections (test_story_pages.py checks what an outsider
    # sees there); one story or outlet is a 404 to an outsider; outlets_compare needs ?a=&b= (else 404).
    "stories": [("get", _none, _no_data, {**LOGIN, "anon": 404})],
    "story": [("get", _s, _no_data, PAGE)],
    "outlets": [("get", _none, _no_data, {**LOGIN, "anon": 404})],
    "outlet": [("get", _o, _no_data, PAGE)],
    "outlets_compare": [("get", _none, _no_data, {r: 404 for r in ROLES})],
    "attention": [("get", _none, _no_data, {**LOGIN, "anon": 404})],
    # Their .json twins (the API's views: 401 to an anonymous caller, 400 for a comparison without ?a=&b=).
    "stories_json": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "story_json": [("get", _s, _no_data, TWIN)],
    "outlets_json": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "outlet_json": [("get", _o, _no_data, TWIN)],
    "outlets_compare_json": [("get", _none, _no_data, {**{r: 400 for r in ROLES}, "anon": 401})],
    "attention_json": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "api_stories": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "api_story": [("get", _s, _no_data, TWIN)],
    "api_story_merge": [("post_json", _s, lambda ctx: {"stories": [_s(ctx)["sid"]]}, CHANGE_REFUSED)],
    "api_story_split": [("post_json", _s, lambda ctx: {"articles": [ctx["aid"]]}, CHANGE_REFUSED)],
    "api_outlets": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "api_outlets_compare": [("get", _none, _no_data, {**{r: 400 for r in ROLES}, "anon": 401})],
    "api_outlet": [("get", _o, _no_data, TWIN)],
    "api_outlet_name": [("post_json", _o, lambda ctx: {"name": f"Named by {ctx['role']}"}, TWIN)],
    "api_attention": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
    "api_attention_csv": [("get", _none, _no_data, {**LOGIN, "anon": 401})],
}

# Pages anyone may open (they hold nothing private), tested in test_it_serves_public_pages.
PUBLIC = {
    "home", "login", "logout", "register", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete", "api_openapi", "static",
}


def _names(patterns: list[Any], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                names.add("admin")  # Django's admin: staff only, tested below
                continue
            names |= _names(p.url_patterns, prefix)
        elif isinstance(p, URLPattern):
            names.add(p.name or f"<unnamed {p.pattern}>")
    return names


def test_it_has_an_access_test_for_every_url() -> None:
    declared = set(MATRIX) | PUBLIC | {"admin"}
    found = _names(get_resolver().url_patterns)
    assert found - declared == set(), "URL patterns without an access test: add them to MATRIX or PUBLIC"
    assert declared - found == set(), "access tests for URLs that no longer exist"


# Pages that show data (not forms or downloads) and must each have a JSON twin named "<page>_json".
PAGES_WITH_DATA = {"collection_list", "collection", "members", "jobs", "feeds", "article", "search",
                   "stories", "story", "outlets", "outlet", "attention"}


def test_it_gives_every_page_of_data_a_json_twin(team: dict, article_entry: Any) -> None:
    found = _names(get_resolver().url_patterns)
    assert {f"{name}_json" for name in PAGES_WITH_DATA} <= found
    client = client_for(team["users"]["viewer"])
    ctx = {"cid": team["collection"].pk, "aid": article_entry.article_id}
    ctx.update(_s(ctx))
    ctx.update(_o(ctx))
    for name in PAGES_WITH_DATA:
        args = {k: v for k, v in ctx.items() if k in MATRIX[name][0][1](ctx)}
        twin = client.get(reverse(f"{name}_json", kwargs=args))
        assert twin.status_code == 200 and twin["Content-Type"].startswith("application/json"), name


def _request(client: Any, method: str, url: str, data: Any) -> Any:
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    if method == "post_json":
        return client.post(url, data=json.dumps(data), content_type="application/json")
    return client.post(url, data=data or {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_enforces_the_access_matrix(name: str, role: str, team: dict, article_entry: Any) -> None:
    from slant.web.jobs.models import Job
    from slant.web.reader.models import Correction

    user = team["users"].get(role)
    added = Correction.objects.create(entry=article_entry, author=team["users"]["owner"], action="add", start=0, end=7,
                                      label="Doubt")
    from slant.web.library.adding import queue_url

    upload = queue_url(team["collection"], user=team["users"]["owner"], url="https://example.org/story.html")
    ctx = {"cid": team["collection"].pk, "aid": article_entry.article_id, "role": role,
           "jid": Job.objects.get(article_id=article_entry.article_id).pk, "corr": added.pk, "uid": upload.pk}
    for method, kwargs, data, expected in MATRIX[name]:
        client = client_for(user)
        response = _request(client, method, reverse(name, kwargs=kwargs(ctx)), data(ctx))
        assert response.status_code == expected[role], f"{method.upper()} {name} as {role}: {response.status_code}"
        if response.status_code == 302 and role == "anon":
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["owner", "editor", "viewer", "outsider"])
def test_it_answers_api_calls_with_a_bearer_token_by_role(role: str, team: dict, article_entry: Any) -> None:
    from django.test import Client

    from slant.web.accounts.models import ApiToken

    token = ApiToken.issue(team["users"][role])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    cid, aid = team["collection"].pk, article_entry.article_id
    expected = MEMBERS[role]
    assert client.get(f"/api/collections/{cid}").status_code == expected
    assert client.get(f"/api/articles/{aid}").status_code == expected
    post = client.post(f"/api/collections/{cid}/articles", data=json.dumps({"text": "T\n\nBody by token"}), content_type="application/json")
    assert post.status_code == {"owner": 202, "editor": 202, "viewer": 403, "outsider": 404}[role]


def test_it_refuses_a_wrong_or_malformed_token(team: dict) -> None:
    from django.test import Client

    for header in ["Bearer slant_nope_nope", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer slant_x"]:
        response = Client(HTTP_AUTHORIZATION=header).get("/api/collections")
        assert response.status_code == 401, header
        assert "error" in response.json()


def test_it_hides_unknown_ids_exactly_like_forbidden_ones(team: dict, article_entry: Any) -> None:
    outsider = client_for(team["users"]["outsider"])
    missing, forbidden = 999999, team["collection"].pk
    assert outsider.get(f"/collections/{missing}/").status_code == outsider.get(f"/collections/{forbidden}/").status_code == 404
    a = outsider.get(f"/api/collections/{missing}")
    b = outsider.get(f"/api/collections/{forbidden}")
    assert a.status_code == b.status_code == 404 and a.json() == b.json()


def test_it_serves_public_pages(db: Any) -> None:
    client = client_for(None)
    for url in ["/accounts/login/", "/accounts/register/", "/accounts/password/reset/", "/accounts/password/reset/sent/",
                "/accounts/password/reset/done/", "/api/openapi.json", "/static/slant/slant.css"]:
        assert client.get(url).status_code == 200, url
    home = client.get("/")
    assert home.status_code == 200 and b"Read the news critically" in home.content and b"/accounts/register/" in home.content
    assert client.get("/accounts/password/reset/MQ/bad-token/").status_code == 200  # says the link is invalid
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/static/../settings.py").status_code in (400, 404)  # never the file


def test_it_keeps_the_admin_to_staff(team: dict) -> None:
    for role in ["owner", "outsider"]:
        response = client_for(team["users"][role]).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_checks_csrf_on_forms_and_session_api_calls(team: dict, article_entry: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team["users"]["owner"], backend="django.contrib.auth.backends.ModelBackend")
    cid = team["collection"].pk
    assert client.post("/collections/new/", {"name": "x"}).status_code == 403
    assert client.post(f"/collections/{cid}/add/", {"text": "A\n\nB"}).status_code == 403
    api = client.post("/api/collections", data=json.dumps({"name": "x"}), content_type="application/json")
    assert api.status_code == 403
    # With the token from the page, the same form goes through.
    page = client.get("/collections/")
    token = page.cookies["csrftoken"].value
    assert client.post("/collections/new/", {"name": "x", "csrfmiddlewaretoken": token}).status_code == 302
