"""Register, log in and out, change and reset a password, lockout, CLI users and tokens."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from .conftest import PASSWORD


def test_it_registers_and_logs_in(db) -> None:
    client = Client()
    response = client.post("/accounts/register/", {
        "username": "ana", "email": "ana@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    assert client.get("/collections/").status_code == 200  # logged in straight away
    client.post("/accounts/logout/")
    assert client.get("/collections/").status_code == 302
    response = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_refuses_a_weak_password_at_registration(db) -> None:
    response = Client().post("/accounts/register/", {"username": "bo", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="bo").exists()


def test_it_hashes_passwords_with_argon2(db, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = get_user_model().objects.create_user("cy", password=PASSWORD)
    assert user.password.startswith("argon2$")


def test_it_changes_a_password(team) -> None:
    client = Client()
    assert client.post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code == 302
    new = "a much better passphrase 42"
    response = client.post("/accounts/password/change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    assert client.post("/accounts/login/", {"username": "owner", "password": new}).status_code == 302


def test_it_resets_a_password_by_mail(team) -> None:
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "viewer@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    new = "reset passphrase that is long"
    response = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert client.post("/accounts/login/", {"username": "viewer", "password": new}).status_code == 302


def test_it_locks_out_repeated_failed_logins(team, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "editor", "password": "wrong"}).status_code == 200
    # The failure that reaches the limit locks the user name out from this address.
    assert client.post("/accounts/login/", {"username": "editor", "password": "wrong"}).status_code == 429
    # Even the right password is refused now.
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 429
    # Another user from the same address is not locked.
    assert client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD}).status_code == 302


def test_it_adds_users_and_tokens_from_the_cli_functions(db) -> None:
    from slant.errors import InputError
    from slant.web.cli import token_create, user_add

    user_add("dee", PASSWORD)
    with pytest.raises(InputError, match="exists already"):
        user_add("dee", PASSWORD)
    with pytest.raises(InputError, match="too short|too common"):
        user_add("eve", "short")
    token = token_create("dee")
    from slant.web.accounts.models import ApiToken

    row = ApiToken.objects.get()
    assert token not in (row.digest, row.prefix) and token.startswith(f"slant_{row.prefix}_")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/collections")
    assert response.status_code == 200
    with pytest.raises(InputError, match="no such user"):
        token_create("nobody")


def test_it_creates_and_revokes_tokens_on_the_tokens_page(team) -> None:
    from .conftest import client_for

    client = client_for(team["users"]["owner"])
    page = client.post("/accounts/tokens/")
    token = re.search(r"(slant_[0-9a-f]+_[\w-]+)", page.content.decode()).group(1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/collections").status_code == 200
    client.post("/accounts/tokens/", {"revoke": token.split("_")[1]})
    assert api.get("/api/collections").status_code == 401


@pytest.mark.slow
def test_it_adds_a_user_and_prints_a_token_through_the_cli(tmp_path) -> None:
    import os
    import sqlite3
    import subprocess
    import sys

    env = {**os.environ, "SLANT_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-c", "from slant.cli import main; main()"]
    added = subprocess.run([*cli, "user", "add", "fay", "--password-stdin"], input=PASSWORD + "\n", text=True,
                           env=env, capture_output=True, timeout=120)
    assert added.returncode == 0, added.stderr
    made = subprocess.run([*cli, "token", "create", "fay"], text=True, env=env, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"slant_[0-9a-f]{12}_[\w-]{40,}", token)
    with sqlite3.connect(tmp_path / "slant.sqlite3") as con:
        [(password,)] = con.execute("SELECT password FROM auth_user WHERE username = 'fay'").fetchall()
        [(digest,)] = con.execute("SELECT digest FROM accounts_apitoken").fetchall()
    assert password.startswith("argon2$") and token not in digest
    refused = subprocess.run([*cli, "user", "add", "fay", "--password-stdin"], input=PASSWORD + "\n", text=True,
                             env=env, capture_output=True, timeout=120)
    assert refused.returncode != 0 and "exists already" in refused.stderr + refused.stdout
