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


# --- registration: open, invite-only, closed; throttled per address ---------------------

def _register(client: Client, name: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/register/", {"username": name, "password1": PASSWORD, "password2": PASSWORD, **extra},
                       REMOTE_ADDR=extra.pop("address", "127.0.0.1"))


def test_it_closes_registration(db, settings) -> None:
    settings.SLANT_REGISTRATION = "closed"
    page = Client().get("/accounts/register/")
    assert page.status_code == 403 and "Registration is closed" in page.content.decode()
    assert _register(Client(), "gil").status_code == 403
    assert not get_user_model().objects.filter(username="gil").exists()


def test_it_registers_only_with_a_valid_unused_invitation(team, settings) -> None:
    from slant.web.accounts.models import Invitation

    settings.SLANT_REGISTRATION = "invite"
    assert _register(Client(), "hal").status_code == 400  # no invitation
    assert _register(Client(), "hal", invitation="inv_0000_nonsense").status_code == 400
    code, _ = Invitation.issue(team["users"]["owner"], days=7)
    page = Client().get(f"/accounts/register/?invite={code}")
    assert page.status_code == 200 and code in page.content.decode()  # the link fills the form in
    assert _register(Client(), "hal", invitation=code).status_code == 302
    # Single use: the same code does not make a second account.
    again = _register(Client(), "ida", invitation=code)
    assert again.status_code == 400 and "unknown, used already or expired" in again.content.decode()
    row = Invitation.objects.get()
    assert row.used_by.username == "hal" and code not in (row.digest, row.prefix)
    # Expired invitations are refused.
    old, row = Invitation.issue(None, days=1)
    Invitation.objects.filter(pk=row.pk).update(expires_at=row.created_at - __import__("datetime").timedelta(seconds=1))
    assert _register(Client(), "jo", invitation=old).status_code == 400
    assert not get_user_model().objects.filter(username__in=["ida", "jo"]).exists()


def test_it_lets_only_staff_make_invitations(team) -> None:
    from .conftest import client_for

    owner = team["users"]["owner"]
    assert client_for(owner).post("/accounts/invitations/").status_code == 302  # not staff: to the login page
    owner.is_staff = True
    owner.save()
    page = client_for(owner).post("/accounts/invitations/")
    assert page.status_code == 200
    link = re.search(r"http://testserver/accounts/register/\?invite=(inv_\w+_[\w-]+)", page.content.decode())
    from slant.web.accounts.models import Invitation

    assert link and Invitation.find(link.group(1)) is not None


def test_it_makes_invitations_from_the_cli_function(db, settings) -> None:
    from slant.errors import InputError
    from slant.web.accounts.models import Invitation
    from slant.web.cli import invite_create

    code, expires = invite_create(days=2)
    row = Invitation.find(code)
    assert row is not None and row.created_by is None and expires == row.expires_at
    with pytest.raises(InputError, match="no such staff user"):
        invite_create(by="nobody")


def test_it_limits_registrations_per_client_address(db, settings) -> None:
    settings.SLANT_REGISTRATIONS_PER_HOUR = 2
    assert _register(Client(), "k1", address="192.0.2.7").status_code == 302
    assert _register(Client(), "k2", address="192.0.2.7").status_code == 302
    third = _register(Client(), "k3", address="192.0.2.7")
    assert third.status_code == 429 and "Too many accounts" in third.content.decode()
    assert _register(Client(), "k4", address="192.0.2.8").status_code == 302  # another address is not held back
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == ["k1", "k2", "k4"]


def test_it_shows_a_styled_lockout_page_saying_how_long(team, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "editor", "password": "wrong"})
    assert response.status_code == 429
    page = response.content.decode()
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"locked for {minutes} minutes" in page
    assert "/static/slant/slant.css" in page and "<h1>Too many failed log-ins</h1>" in page


@pytest.mark.slow
def test_it_prints_an_invitation_from_the_cli(tmp_path) -> None:
    import os
    import sqlite3
    import subprocess
    import sys

    env = {**os.environ, "SLANT_DATA_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    made = subprocess.run([sys.executable, "-c", "from slant.cli import main; main()", "invite", "--days", "3"],
                          text=True, env=env, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.strip().splitlines()
    code = lines[-1]
    assert re.fullmatch(r"inv_[0-9a-f]{12}_[\w-]{30,}", code) and f"/accounts/register/?invite={code}" in lines[0]
    with sqlite3.connect(tmp_path / "slant.sqlite3") as con:
        [(prefix, digest, used)] = con.execute("SELECT prefix, digest, used_at FROM accounts_invitation").fetchall()
    assert code.split("_")[1] == prefix and code not in digest and used is None
