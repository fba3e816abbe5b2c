"""Fixtures for the web app's tests: Django settings, users in every role, articles.

The base set-up follows healthchecks: an owner, a teammate in each role
(editor, viewer) and an outsider who should have no access at all.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slant.settings")
os.environ.setdefault("SLANT_DATA_DIR", tempfile.mkdtemp(prefix="slant-web-test-"))

import django  # noqa: E402
import pytest  # noqa: E402

# pytest-django sets Django up at start-up only when the settings module is
# known then; this folder names it late, so set Django up here.
django.setup()

CHEAP_STAGES = ["language", "sentences", "entities"]
PASSWORD = "correct horse battery staple"

ARTICLE_TEXT = (
    "Council approves the new harbour bridge\n\n"
    "The city council in Portsmouth voted on Tuesday to build a new harbour bridge. "
    "Mayor Jane Holloway called the old crossing a disgraceful relic. "
    "\"This is a historic day for everyone in Hampshire,\" she said.\n"
)


@pytest.fixture(autouse=True)
def _web_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.SLANT_WEB_STAGES = list(CHEAP_STAGES)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SLANT_FETCH_ALLOW_PRIVATE = True
    # Fast hashing in tests only; Argon2 is checked in test_accounts.py.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.AXES_ENABLED = True
    yield


@pytest.fixture
def team(db):  # type: ignore[no-untyped-def]
    """A collection with an owner, an editor and a viewer, plus an outsider with their own collection."""
    from django.contrib.auth import get_user_model

    from slant.web.library.models import Membership, Role
    from slant.web.library.views import create_collection

    User = get_user_model()
    users = {name: User.objects.create_user(name, f"{name}@example.org", PASSWORD) for name in ("owner", "editor", "viewer", "outsider")}
    collection = create_collection(users["owner"], "Harbour coverage")
    Membership.objects.create(collection=collection, user=users["editor"], role=Role.EDITOR)
    Membership.objects.create(collection=collection, user=users["viewer"], role=Role.VIEWER)
    other = create_collection(users["outsider"], "Outsider's own")
    return {"users": users, "collection": collection, "other": other}


@pytest.fixture
def article_entry(team):  # type: ignore[no-untyped-def]
    """One article in the team's collection, analysed with the cheap stages, plus one persuasion correction."""
    from slant.sources import article_from_text
    from slant.web.jobs.runner import run_pending_jobs
    from slant.web.library.adding import add_articles

    [entry] = add_articles(team["collection"], [article_from_text(ARTICLE_TEXT)], user=team["users"]["owner"], origin="paste")
    run_pending_jobs()
    return entry


def client_for(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# Phrases the test persuasion stage marks: (phrase, technique, score). Two
# overlap, so the reading view must show both.
MARKED = [
    ("disgraceful relic", "Loaded_Language", 0.91),
    ("a historic day for everyone in Hampshire", "Flag-Waving", 0.62),
    ("historic day", "Exaggeration,Minimisation", 0.35),
]


def _marker_stage():  # type: ignore[no-untyped-def]
    from slant.doc import Span

    def run(doc):  # type: ignore[no-untyped-def]
        spans = []
        for phrase, label, score in MARKED:
            at = doc.text.find(phrase)
            if at >= 0:
                spans.append(Span(at, at + len(phrase), label=label, score=score))
        doc.set_layer("persuasion", spans)
        return doc

    return run


@pytest.fixture
def marked_stages(settings):  # type: ignore[no-untyped-def]
    """A cheap pipeline plus a phrase-list stage standing in for the persuasion model.

    The real model is slow and its output changes as it is trained; the
    reading view only needs some persuasion spans with known offsets.
    """
    from slant import pipeline

    pipeline.register("test_persuasion", adds=("persuasion",))(_marker_stage)
    settings.SLANT_WEB_STAGES = [*CHEAP_STAGES, "test_persuasion"]
    yield settings.SLANT_WEB_STAGES
    pipeline._REGISTRY.pop("test_persuasion", None)
    pipeline._INSTANCES.pop("test_persuasion", None)


@pytest.fixture
def marked_entry(team, marked_stages):  # type: ignore[no-untyped-def]
    from slant.sources import article_from_text
    from slant.web.jobs.runner import run_pending_jobs
    from slant.web.library.adding import add_articles

    [entry] = add_articles(team["collection"], [article_from_text(ARTICLE_TEXT)], user=team["users"]["owner"], origin="paste")
    run_pending_jobs()
    return entry
