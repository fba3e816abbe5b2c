"""Small checks for OWASP ASVS 4.0 level 2 requirements that no other test covers.

docs/security.md lists every requirement of the sections that apply and
points at the test for each one (here or elsewhere).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from .conftest import PASSWORD, client_for


def _register(name: str, password: str, **extra: Any):  # type: ignore[no-untyped-def]
    return Client().post("/accounts/register/", {"username": name, "password1": password, "password2": password, **extra})


def test_it_needs_twelve_characters_and_takes_long_unicode_passwords_whole(db) -> None:
    User = get_user_model()
    assert _register("short", "quiet river").status_code == 400  # 11 characters
    long_one = "a sentence that goes on " * 5 + "ünïcödé ✓ 🔑"  # 131 characters, any Unicode
    assert len(long_one) > 128
    assert _register("longer", long_one).status_code == 302
    client = Client()
    assert client.post("/accounts/login/", {"username": "longer", "password": long_one}).status_code == 302
    # No truncation: the same password with its last character changed is wrong.
    assert Client().post("/accounts/login/", {"username": "longer", "password": long_one[:-1] + "x"}).status_code == 200
    assert User.objects.get(username="longer").password.startswith(("argon2$", "md5$"))


def test_it_salts_each_password_hash(db, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    User = get_user_model()
    a = User.objects.create_user("salt-a", password=PASSWORD).password
    b = User.objects.create_user("salt-b", password=PASSWORD).password
    assert a.startswith("argon2$") and a != b


def test_it_ignores_fields_a_form_does_not_declare(db) -> None:
    assert _register("mallory", PASSWORD, is_staff="1", is_superuser="1").status_code == 302
    user = get_user_model().objects.get(username="mallory")
    assert not user.is_staff and not user.is_superuser


def test_it_gives_a_new_session_at_log_in_and_ends_it_at_log_out(team) -> None:
    client = Client()
    client.get("/accounts/login/")
    client.session["probe"] = 1
    before = client.cookies.get("sessionid")
    assert client.post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code == 302
    key = client.cookies["sessionid"].value
    assert before is None or before.value != key
    assert len(key) >= 32  # Django's 32 characters of [a-z0-9]: about 165 bits
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get("/collections/").status_code == 200
    client.post("/accounts/logout/")
    assert stolen.get("/collections/").status_code == 302  # the old session id opens nothing


def test_it_ends_other_sessions_when_the_password_changes(team) -> None:
    laptop, phone = Client(), Client()
    for c in (laptop, phone):
        assert c.post("/accounts/login/", {"username": "editor", "password": PASSWORD}).status_code == 302
    new = "another long passphrase 7"
    assert laptop.post("/accounts/password/change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}).status_code == 302
    assert laptop.get("/collections/").status_code == 200
    assert phone.get("/collections/").status_code == 302
    # The old password is needed to change it.
    wrong = laptop.post("/accounts/password/change/", {"old_password": "not it at all", "new_password1": "x" * 20, "new_password2": "x" * 20})
    assert wrong.status_code == 200


def test_it_sets_cookie_flags_and_a_bounded_session_age(team, settings) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert 0 < int(cookie["max-age"]) <= 12 * 3600 == settings.SESSION_COOKIE_AGE


def test_it_uses_host_prefixed_cookies_over_https() -> None:
    code = "import slant.settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_AGE)"
    env = {**os.environ, "SLANT_DATA_DIR": "/tmp/slant-settings-test", "SLANT_HTTPS": "1", "SLANT_SECRET_KEY": "k9-" * 20}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", str(12 * 3600)], out.stderr


def test_it_redirects_after_log_in_only_to_this_site(team) -> None:
    for target in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        response = Client().post(f"/accounts/login/?next={target}", {"username": "owner", "password": PASSWORD, "next": target})
        assert response.status_code == 302 and response["Location"] == "/", target


def test_it_lists_no_folders_and_answers_405_to_other_methods(team) -> None:
    client = client_for(team["users"]["owner"])
    assert Client().get("/static/slant/").status_code == 404
    assert client.put("/collections/").status_code == 405
    assert client.delete("/accounts/tokens/").status_code == 405


def test_it_sends_safe_default_headers(team) -> None:
    response = client_for(team["users"]["owner"]).get("/collections/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Access-Control-Allow-Origin" not in response  # no cross-origin reads


def test_it_serves_api_answers_as_downloads_with_their_type(team) -> None:
    from slant.web.accounts.models import ApiToken

    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(team['users']['owner'])}")
    for response in (api.get("/api/collections"), api.get("/api/nothing-here"), Client().get("/api/collections")):
        assert response["Content-Disposition"] == 'attachment; filename="api.json"'
        assert response["Content-Type"].startswith("application/json")
    assert "Access-Control-Allow-Origin" not in api.get("/api/collections", HTTP_ORIGIN="https://evil.example")


def test_it_refuses_api_bodies_that_are_not_json(team) -> None:
    from slant.web.accounts.models import ApiToken

    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(team['users']['owner'])}")
    cid = team["collection"].pk
    response = api.post(f"/api/collections/{cid}/articles", data="text=hello", content_type="text/plain")
    assert response.status_code == 400 and "error" in response.json()
    response = api.post(f"/api/collections/{cid}/articles", data=json.dumps(["not", "an", "object"]), content_type="application/json")
    assert response.status_code == 400


def test_it_never_uses_an_uploaded_file_name_as_a_path(team, tmp_path) -> None:
    client = client_for(team["users"]["owner"])
    name = "../../../../" + str(tmp_path / "escaped.html").lstrip("/")
    page = b"<html><head><title>Escape</title></head><body><article><p>" + b"Words of a story. " * 20 + b"</p></article></body></html>"
    response = client.post(f"/collections/{team['collection'].pk}/add/", {"file": SimpleUploadedFile(name, page)}, follow=True)
    assert response.status_code == 200
    assert not (tmp_path / "escaped.html").exists()


def test_it_runs_without_debug_by_default() -> None:
    env = {**os.environ, "SLANT_DATA_DIR": "/tmp/slant-settings-test"}
    env.pop("SLANT_DEBUG", None)
    out = subprocess.run([sys.executable, "-c", "import slant.settings as s; print(s.DEBUG)"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_it_resolves_no_external_entities_in_feeds(tmp_path) -> None:
    from slant.article import Article
    from slant.sources import iter_sources

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-SERVER-FILE")
    feed = tmp_path / "feed.rss"
    feed.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>Item &leak;</title>'
        "<description>Words of the item about the harbour bridge and the council vote. &leak;</description>"
        "</item></channel></rss>"
    )
    texts = [item.text + (item.title or "") for item in iter_sources([str(feed)]) if isinstance(item, Article)]
    assert all("TOP-SECRET" not in t for t in texts)
