"""Corrections by characters: they survive a new analysis or are shown as orphaned,
and search and every export read the corrected labels."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .conftest import ARTICLE_TEXT, MARKED, client_for

# A later model: the same span for "disgraceful relic", another technique for
# "historic day", and no span for the Flag-Waving phrase.
MARKED_V2 = [("disgraceful relic", "Loaded_Language", 0.88), ("historic day", "Slogans", 0.4)]


def _url(entry, suffix: str = "/") -> str:  # type: ignore[no-untyped-def]
    return f"/collections/{entry.collection_id}/articles/{entry.article_id}{suffix}"


def _at(phrase: str) -> tuple[int, int]:
    start = ARTICLE_TEXT.index(phrase)
    return start, start + len(phrase)


def _key(client, entry, label: str) -> str:  # type: ignore[no-untyped-def]
    return next(s["key"] for s in client.get(_url(entry, ".json")).json()["persuasion_corrected"] if s["label"] == label)


@pytest.fixture
def corrected(team, marked_entry):  # type: ignore[no-untyped-def]
    """The marked article with a reject, a relabel, an accept and an added span."""
    client = client_for(team["users"]["editor"])
    url = _url(marked_entry, "/corrections/")
    client.post(url, {"action": "reject", "span": _key(client, marked_entry, "Loaded_Language")})
    client.post(url, {"action": "relabel", "span": _key(client, marked_entry, "Flag-Waving"), "label": "Slogans"})
    client.post(url, {"action": "accept", "span": _key(client, marked_entry, "Exaggeration,Minimisation")})
    start, end = _at("Mayor Jane Holloway")
    client.post(url, {"action": "add", "start": start, "end": end, "label": "Name_Calling,Labeling"})
    return marked_entry


@pytest.fixture
def reanalysed(corrected, settings, marked_stages):  # type: ignore[no-untyped-def]
    """The same article analysed again by a new model (another pipeline id)."""
    from slant import pipeline
    from slant.doc import Span
    from slant.web.jobs.runner import enqueue, run_pending_jobs

    def _v2():  # type: ignore[no-untyped-def]
        def run(doc):  # type: ignore[no-untyped-def]
            doc.set_layer("persuasion", [Span(*_at(p), label=l, score=s) for p, l, s in MARKED_V2])
            return doc

        return run

    pipeline.register("test_persuasion_v2", adds=("persuasion",))(_v2)
    settings.SLANT_WEB_STAGES = [*marked_stages[:-1], "test_persuasion_v2"]
    enqueue(corrected.article)
    run_pending_jobs()
    yield corrected
    pipeline._REGISTRY.pop("test_persuasion_v2", None)
    pipeline._INSTANCES.pop("test_persuasion_v2", None)


def test_it_records_a_correction_by_characters_and_analysis(team, corrected) -> None:
    from slant.store.models import Analysis
    from slant.web.reader.models import Correction

    pipeline = Analysis.objects.get().pipeline
    rows = {(c.action, c.start, c.end, c.label, c.new_label, c.pipeline) for c in Correction.objects.all()}
    assert rows == {
        ("reject", *_at("disgraceful relic"), "Loaded_Language", "", pipeline),
        ("relabel", *_at("a historic day for everyone in Hampshire"), "Flag-Waving", "Slogans", pipeline),
        ("accept", *_at("historic day"), "Exaggeration,Minimisation", "", pipeline),
        ("add", *_at("Mayor Jane Holloway"), "Name_Calling,Labeling", "", pipeline),
    }


def test_it_carries_corrections_to_a_new_analysis_or_flags_them(team, reanalysed) -> None:
    from slant.store.models import Analysis

    assert Analysis.objects.count() == 2
    data = client_for(team["users"]["viewer"]).get(_url(reanalysed, ".json")).json()
    assert data["pipeline"] != Analysis.objects.order_by("created_at").first().pipeline  # the new analysis is shown
    states = {(s["start"], s["end"], s["label"], s["state"]) for s in data["persuasion_corrected"]}
    assert states == {
        (*_at("disgraceful relic"), "Loaded_Language", "rejected"),  # same characters, same label: carried over
        (*_at("historic day"), "Slogans", "model"),  # the accept was of another label here: not applied to this span
        (*_at("Mayor Jane Holloway"), "Name_Calling,Labeling", "added"),  # the editor's own span stays
    }
    orphans = {(o["action"], o["start"], o["end"], o["label"]) for o in data["orphaned_corrections"]}
    assert orphans == {("relabel", *_at("a historic day for everyone in Hampshire"), "Flag-Waving"),
                       ("accept", *_at("historic day"), "Exaggeration,Minimisation")}
    assert all("another analysis" in o["reason"] for o in data["orphaned_corrections"])
    page = client_for(team["users"]["editor"]).get(_url(reanalysed)).content.decode()
    assert 'id="orphaned"' in page and "Corrections that no longer apply" in page


def test_every_export_uses_the_corrected_labels(team, corrected) -> None:
    viewer = client_for(team["users"]["viewer"])
    cid = team["collection"].pk
    expected = {(*_at("a historic day for everyone in Hampshire"), "Slogans"), (*_at("historic day"), "Exaggeration,Minimisation"),
                (*_at("Mayor Jane Holloway"), "Name_Calling,Labeling")}
    response = viewer.get(f"/collections/{cid}/export.jsonl")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-ndjson")
    [line] = b"".join(response.streaming_content).decode().splitlines()
    data = json.loads(line)
    spans = data["layers"]["persuasion"]
    assert {(s["start"], s["end"], s["label"]) for s in spans} == expected
    assert data["summary"]["techniques"] == {"Exaggeration,Minimisation": 1, "Name_Calling,Labeling": 1, "Slogans": 1}
    assert next(s for s in spans if s["label"] == "Slogans")["model_label"] == "Flag-Waving"
    for s in spans:
        assert data["article"]["text"][s["start"]:s["end"]] == ARTICLE_TEXT[s["start"]:s["end"]]
    rows = list(csv.DictReader(io.StringIO(b"".join(viewer.get(f"/collections/{cid}/export.csv").streaming_content).decode())))
    persuasion = {(int(r["start"]), int(r["end"]), r["label"]) for r in rows if r["layer"] == "persuasion"}
    assert persuasion == expected and all(r["text"] == ARTICLE_TEXT[int(r["start"]):int(r["end"])] for r in rows)
    ptc = b"".join(viewer.get(f"/collections/{cid}/export.ptc").streaming_content).decode()
    assert {(int(s), int(e), label) for _, label, s, e in (l.split("\t") for l in ptc.splitlines())} == expected
    assert viewer.get(f"/collections/{cid}/export.xml").status_code == 404


def test_the_cli_exports_a_collection_with_its_corrections(team, corrected, tmp_path, monkeypatch) -> None:
    from slant import cli
    from slant.errors import InputError

    out = tmp_path / "labels.txt"
    from slant import store

    monkeypatch.setattr(store, "setup", lambda *a, **k: "default")  # the test database is set up already
    cli.export(fmt=cli.Format.ptc, db=None, out=out, pipeline=None, collection=team["collection"].pk)
    rows = {(label, int(s), int(e)) for _, label, s, e in (l.split("\t") for l in out.read_text().splitlines())}
    assert ("Slogans", *_at("a historic day for everyone in Hampshire")) in rows
    assert ("Loaded_Language", *_at("disgraceful relic")) not in rows  # rejected
    with pytest.raises(InputError, match="no such collection"):
        cli.export(fmt=cli.Format.ptc, db=None, out=out, pipeline=None, collection=999999)


def test_search_reads_the_corrected_labels(team, corrected) -> None:
    viewer = client_for(team["users"]["viewer"])

    def found(technique: str) -> int:
        return len(viewer.get("/search.json", {"technique": technique}).json()["results"])

    assert found("Loaded_Language") == 0  # rejected
    assert found("Slogans") == 1 and found("Flag-Waving") == 0  # relabelled
    assert found("Name_Calling,Labeling") == 1  # added


def test_it_deletes_a_correction_after_confirmation(team, corrected) -> None:
    from slant.web.reader.models import Correction

    editor = client_for(team["users"]["editor"])
    add = Correction.objects.get(action="add")
    editor.post(_url(corrected, "/corrections/"), {"action": "relabel", "span": f"c{add.pk}", "label": "Doubt"})
    url = _url(corrected, f"/corrections/{add.pk}/delete/")
    page = editor.get(url)
    assert page.status_code == 200 and b"Mayor Jane Holloway" in page.content and b"csrfmiddlewaretoken" in page.content
    assert Correction.objects.filter(pk=add.pk).exists()  # a GET deletes nothing
    assert client_for(team["users"]["viewer"]).post(url).status_code == 403
    assert client_for(team["users"]["outsider"]).post(url).status_code == 404
    assert editor.post(url).status_code == 302
    assert not Correction.objects.filter(action="add").exists()
    assert not Correction.objects.filter(target_id=add.pk).exists()  # its relabel went with it
    labels = {s["label"] for s in editor.get(_url(corrected, ".json")).json()["persuasion_corrected"]}
    assert "Name_Calling,Labeling" not in labels and "Doubt" not in labels


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_old_corrections_by_characters() -> None:
    """Rows keyed ``m<i>`` before the migration get the i-th span's characters and label, or stay orphaned."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before, after = [("reader", "0001_initial"), ("library", "0001_initial")], executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = get_user_model().objects.create_user("old", password="x")
    Article = old.get_model("store", "Article")
    Analysis = old.get_model("store", "Analysis")
    article = Article.objects.create(id="a" * 64, text=ARTICLE_TEXT, title="T")
    spans = [{"start": _at(p)[0], "end": _at(p)[1], "label": l, "score": s} for p, l, s in MARKED]
    Analysis.objects.create(article=article, pipeline="old-pipeline", data={"layers": {"persuasion": spans}})
    collection = old.get_model("library", "Collection").objects.create(name="c")
    entry = old.get_model("library", "Entry").objects.create(collection=collection, article=article)
    Correction = old.get_model("reader", "Correction")
    Correction.objects.create(entry=entry, author_id=user.pk, action="reject", span_key="m0")
    Correction.objects.create(entry=entry, author_id=user.pk, action="relabel", span_key="m1", label="Slogans")
    added = Correction.objects.create(entry=entry, author_id=user.pk, action="add", start=0, end=7, label="Doubt")
    Correction.objects.create(entry=entry, author_id=user.pk, action="reject", span_key=f"c{added.pk}")
    Correction.objects.create(entry=entry, author_id=user.pk, action="accept", span_key="m7")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("reader", "Correction")
    rows = [(c.action, c.start, c.end, c.label, c.new_label, c.pipeline, c.target_id) for c in new.objects.order_by("id")]
    assert rows == [
        ("reject", *_at("disgraceful relic"), "Loaded_Language", "", "old-pipeline", None),
        ("relabel", *_at("a historic day for everyone in Hampshire"), "Flag-Waving", "Slogans", "old-pipeline", None),
        ("add", 0, 7, "Doubt", "", "", None),
        ("reject", None, None, "", "", "", added.pk),
        ("accept", None, None, "", "", "", None),  # no 8th span: left for the app to list as orphaned
    ]
