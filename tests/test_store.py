"""The store: idempotent saves, pipeline ids, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from slant import store
from slant.article import Article
from slant.doc import Doc, Span
from slant.store import export
from slant.store.ingest import counts, done_ids, is_done, save, save_many

PIPE = "language,persuasion@0.1.0+000000000000"


def _doc(text: str, *, source: str | None = None, spans: list[tuple[str, str]] = (), url: str | None = None) -> Doc:
    """A doc with persuasion spans over the given phrases (no models involved)."""
    doc = Doc(Article(text=text, title=text.split("\n", 1)[0], source=source, url=url, language="en"))
    layer = []
    for phrase, label in spans:
        start = text.index(phrase)
        layer.append(Span(start, start + len(phrase), label, 0.9))
    doc.set_layer("persuasion", layer)
    doc.set_layer("sentences", [Span(0, len(text.split("\n", 1)[0]))])
    return doc


def _rows(using: str) -> list[tuple]:
    from slant.store.models import Analysis, Article as StoredArticle

    arts = list(StoredArticle.objects.using(using).order_by("id").values_list("id", "created_at", "updated_at", "title"))
    anas = list(Analysis.objects.using(using).order_by("id").values_list("id", "article_id", "pipeline", "created_at", "updated_at", "data"))
    return arts + anas


def test_it_saves_an_article_and_its_analysis_once(db_url: str) -> None:
    using = store.setup(db_url)
    doc = _doc("Title one\n\nA shameful plan.", spans=[("shameful", "Loaded_Language")])

    assert save(doc, PIPE, using=using) is True
    before = _rows(using)
    assert counts(using=using) == {"articles": 1, "analyses": 1}

    # The same text again, even with other metadata: nothing is written.
    again = Doc(doc.article.replace(url="https://elsewhere.example/", source="other.txt"))
    again.set_layer("persuasion", [])
    assert save(again, PIPE, using=using) is False
    assert save(doc, PIPE, using=using) is False
    assert counts(using=using) == {"articles": 1, "analyses": 1}
    assert _rows(using) == before  # same ids, created_at, updated_at and data


def test_it_keeps_one_analysis_per_pipeline(db_url: str) -> None:
    using = store.setup(db_url)
    doc = _doc("Title two\n\nBody.")
    save(doc, PIPE, using=using)
    save(doc, "language@0.1.0+111111111111", using=using)
    assert counts(using=using) == {"articles": 1, "analyses": 2}
    assert is_done(doc.article.id, PIPE, using=using)
    assert not is_done(doc.article.id, "other", using=using)
    assert done_ids([doc.article.id, "f" * 64], PIPE, using=using) == {doc.article.id}


def test_it_writes_a_batch_in_one_transaction(db_url: str) -> None:
    using = store.setup(db_url)
    good = _doc("Good\n\nBody.")
    # A span past the end of its text cannot be built, so make the second
    # doc fail while saving instead: an analysis dict that is not JSON.
    bad = _doc("Bad\n\nBody.")
    bad.summary["not json"] = object()
    with pytest.raises(TypeError):
        save_many([good, bad], PIPE, using=using)
    assert counts(using=using) == {"articles": 0, "analyses": 0}


def test_pipeline_ids_name_their_stages_and_change_with_them() -> None:
    a = store.pipeline_id(["language", "sentences"])
    assert a.startswith("language,sentences@")
    assert store.stages_of(a) == ["language", "sentences"]
    assert store.stages_of("language,sentences") == ["language", "sentences"]
    assert store.pipeline_id(["language", "sentences"]) == a
    assert store.pipeline_id(["language"]) != a
    with pytest.raises(ValueError):
        store.pipeline_id(["bad,name"])


def test_it_opens_several_databases_in_one_process(tmp_path, db_url: str) -> None:
    first = store.setup(db_url)
    other = store.setup(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert first != other
    save(_doc("Only here\n\nBody."), PIPE, using=other)
    assert counts(using=other)["articles"] == 1
    assert counts(using=first)["articles"] == 0


def _export(fmt: str, using: str, **kw) -> str:
    out = io.StringIO()
    export.write(fmt, out, using=using, **kw)
    return out.getvalue()


def test_it_exports_ptc_lines_with_ptc_ids_where_the_file_has_one(db_url: str) -> None:
    using = store.setup(db_url)
    ptc = _doc("Ptc title\n\nThey are traitors and cowards.", source="/data/dev/article123456.txt",
               spans=[("traitors", "Name_Calling,Labeling"), ("cowards", "Loaded_Language")])
    ours = _doc("Our title\n\nA total disaster.", source="mine/story.txt", spans=[("total disaster", "Exaggeration,Minimisation")])
    save(ptc, PIPE, using=using)
    save(ours, PIPE, using=using)

    assert _export("ptc", using) == (
        "123456\tName_Calling,Labeling\t20\t28\n"
        "123456\tLoaded_Language\t33\t40\n"
        f"{ours.article.id}\tExaggeration,Minimisation\t13\t27\n"
    )
    assert export.ptc_id("article999.txt") == "999"
    assert export.ptc_id("article999.txt.bak") is None
    assert export.ptc_id(None) is None


def test_it_exports_jsonl_and_one_csv_row_per_span(db_url: str) -> None:
    using = store.setup(db_url)
    doc = _doc("Csv title\n\nA shameful, \"quoted\"\nplan.", url="https://news.example/a",
               spans=[("shameful", "Loaded_Language"), ("\"quoted\"\nplan", "Doubt")])
    save(doc, PIPE, using=using)

    lines = _export("jsonl", using).splitlines()
    assert [json.loads(line) for line in lines] == [doc.to_dict()]

    rows = list(csv.DictReader(io.StringIO(_export("csv", using))))
    assert [(r["layer"], r["start"], r["end"], r["label"], r["text"]) for r in rows] == [
        ("persuasion", "13", "21", "Loaded_Language", "shameful"),
        ("persuasion", "23", "36", "Doubt", "\"quoted\"\nplan"),
        ("sentences", "0", "9", "", "Csv title"),
    ]
    assert {r["article_id"] for r in rows} == {doc.article.id}
    assert {r["url"] for r in rows} == {"https://news.example/a"}
    assert rows[0]["score"] == "0.9"


def test_exports_take_the_latest_analysis_or_the_pipeline_asked(db_url: str) -> None:
    using = store.setup(db_url)
    old = _doc("Same\n\nA shameful plan.", spans=[("shameful", "Loaded_Language")])
    new = _doc("Same\n\nA shameful plan.", spans=[("plan", "Doubt")])
    save(old, "old@0.1.0+0", using=using)
    save(new, "new@0.1.0+0", using=using)
    assert _export("ptc", using).split("\t")[1] == "Doubt"
    assert _export("ptc", using, pipeline="old@0.1.0+0").split("\t")[1] == "Loaded_Language"
    with pytest.raises(ValueError):
        _export("xml", using)


def test_pipeline_ids_change_with_settings_that_change_the_output(monkeypatch, tmp_path) -> None:
    for name in store.fingerprint.OUTPUT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLANT_GAZETTEER", str(tmp_path / "none.json"))
    plain = store.pipeline_id(["language", "persuasion"])
    seen = {plain}
    for name, value in (("SLANT_PERSUASION_BACKEND", "int8"), ("SLANT_PERSUASION_THRESHOLD", "0.5"),
                        ("SLANT_STANCE_BACKEND", "int8")):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            seen.add(store.pipeline_id(["language", "persuasion"]))
    assert len(seen) == 4  # each setting gives its own id: analyses made under one are not reused under another
    # The user's gazetteer file enters by its content.
    gazetteer = tmp_path / "g.json"
    monkeypatch.setenv("SLANT_GAZETTEER", str(gazetteer))
    gazetteer.write_text('{"entries": []}', encoding="utf-8")
    first = store.pipeline_id(["language", "persuasion"])
    gazetteer.write_text('{"entries": [{"name": "X"}]}', encoding="utf-8")
    assert store.pipeline_id(["language", "persuasion"]) not in (first, plain)
    monkeypatch.setenv("SLANT_GAZETTEER", str(tmp_path / "none.json"))
    assert store.pipeline_id(["language", "persuasion"]) == plain
