"""Doc, Span and the slant.analysis/1 contract."""

from __future__ import annotations

import json

import pytest

from slant import SCHEMA, Article, ContractError, Doc, Span

TEXT = "A title\n\nThe body says something loaded. And more."


def make_doc() -> Doc:
    doc = Doc(Article(text=TEXT, title="A title", published=None, language="en"))
    body = TEXT.index("The body")
    doc.set_layer("sentences", [Span(body, TEXT.index(" And")), Span(TEXT.index("And"), len(TEXT))])
    loaded = TEXT.index("something loaded")
    doc.set_layer(
        "persuasion",
        [
            Span(loaded, loaded + len("something loaded"), "Loaded_Language", 0.9),
            # the same offsets with a second label, and an overlapping span
            Span(loaded, loaded + len("something loaded"), "Exaggeration,Minimisation", 0.4),
            Span(loaded + 10, loaded + 16, "Name_Calling,Labeling", 0.6),
        ],
    )
    doc.entities = [{"id": "e1", "name": "X", "type": "ORG", "aliases": ["X"], "mentions": 1}]
    return doc


def test_it_round_trips_the_contract_exactly() -> None:
    doc = make_doc()
    data = json.loads(doc.to_json())
    again = Doc.from_json(doc.to_json())
    assert json.loads(again.to_json()) == data
    assert data["schema"] == SCHEMA
    assert set(data) >= {"schema", "article", "layers", "entities", "summary"}
    assert data["article"]["id"] == doc.article.id


def test_it_keeps_multi_label_and_overlapping_spans_with_exact_offsets() -> None:
    doc = make_doc()
    spans = doc.layers["persuasion"]
    assert [doc.span_text(s) for s in spans] == ["something loaded", "something loaded", "loaded"]
    assert {s.label for s in spans} == {"Loaded_Language", "Exaggeration,Minimisation", "Name_Calling,Labeling"}


def test_it_computes_the_summary_from_the_persuasion_layer() -> None:
    summary = make_doc().to_dict()["summary"]
    body_len = len(TEXT) - TEXT.index("The body")
    assert summary["techniques"]["Loaded_Language"] == 1
    assert summary["persuasive_share"] == round(len("something loaded") / body_len, 4)


def test_it_refuses_spans_past_the_text() -> None:
    doc = Doc(Article(text="short"))
    with pytest.raises(ContractError, match="runs past the text"):
        doc.set_layer("x", [Span(0, 99)])


def test_it_refuses_inverted_spans() -> None:
    with pytest.raises(ContractError):
        Span(5, 2)


def test_it_refuses_another_schema() -> None:
    with pytest.raises(ContractError, match="expected schema"):
        Doc.from_dict({"schema": "other/9", "article": {"text": "x"}})


def test_span_attrs_are_written_beside_the_core_fields() -> None:
    span = Span(0, 3, "GPE", None, {"entity": "e1"})
    assert span.as_dict() == {"start": 0, "end": 3, "label": "GPE", "entity": "e1"}
    assert Span.from_dict(span.as_dict()) == span
