"""The stage registry and runner."""

from __future__ import annotations

import pytest

import slant
from slant import Article, Doc, Pipeline, PipelineError, Span
from slant.pipeline import register


@register("test_upper", needs=("sentences",), adds=("shouting",), languages={"en"})
def _upper():
    def stage(doc: Doc) -> Doc:
        doc.set_layer("shouting", [s for s in doc.layer("sentences") if doc.span_text(s).isupper()])
        return doc

    return stage


@register("test_bad_return", adds=("nothing",))
def _bad():
    return lambda doc: None


def test_it_refuses_a_stage_before_the_layers_it_needs() -> None:
    with pytest.raises(PipelineError, match="needs layer"):
        Pipeline(["test_upper"])


def test_it_refuses_unknown_stages() -> None:
    with pytest.raises(PipelineError, match="unknown stage"):
        Pipeline(["no_such_stage"])


def test_it_refuses_a_stage_that_does_not_return_the_doc() -> None:
    with pytest.raises(PipelineError, match="returned NoneType"):
        Pipeline(["test_bad_return"])(Doc(Article(text="x")))


def test_it_runs_stages_in_order_and_records_them() -> None:
    doc = slant.analyze("LOUD TITLE\n\nThis is a calm sentence about the weather in the city today. THIS IS NOT.", stages=["language", "sentences", "test_upper"])
    assert doc.stages_run == ["language", "sentences", "test_upper"]
    assert doc.article.language == "en"
    texts = [doc.span_text(s) for s in doc.layers["sentences"]]
    assert texts[0] == "LOUD TITLE"
    assert "This is a calm sentence about the weather in the city today." in texts
    assert [doc.span_text(s) for s in doc.layers["shouting"]] == ["LOUD TITLE", "THIS IS NOT."]


def test_it_skips_english_stages_on_other_languages_and_says_why() -> None:
    text = "Die Regierung\n\nDie Bundesregierung hat am Dienstag neue Regeln für den Handel beschlossen, sagte der Minister."
    doc = slant.analyze(text, stages=["language", "sentences", "entities"])
    assert doc.article.language == "de"
    assert doc.stages_run == ["language"]
    assert "'de'" in doc.stages_skipped["sentences"]
    assert "'de'" in doc.stages_skipped["entities"]
    assert "sentences" not in doc.to_dict()["layers"]


def test_sentences_and_entities_point_at_the_text() -> None:
    text = "Talks in Seoul\n\nPresident Yoon Suk Yeol met NATO officials in Seoul on Monday.\nThey spoke for an hour."
    doc = slant.analyze(text, stages=["language", "sentences", "entities"])
    for span in doc.layers["sentences"]:
        piece = doc.span_text(span)
        assert piece == piece.strip() and "\n" not in piece
    names = {(doc.span_text(s), s.label) for s in doc.layers["entities"]}
    assert ("NATO", "ORG") in names
    assert any(t == "Seoul" for t, _ in names)


def test_stage_models_load_once_per_process() -> None:
    from slant.pipeline import instance

    assert instance("sentences") is instance("sentences")


def test_a_span_layer_can_be_set_empty() -> None:
    doc = Doc(Article(text=""))
    doc.set_layer("sentences", [])
    assert doc.to_dict()["layers"]["sentences"] == []
    assert Span(0, 0).as_dict() == {"start": 0, "end": 0}


@register("test_missing_model", adds=("never",))
def _missing():
    from slant.errors import ModelError

    raise ModelError("weights not found at /nowhere/model.onnx")


def test_it_reports_a_stage_whose_model_is_missing_as_skipped() -> None:
    doc = Pipeline(["test_missing_model"])(Doc(Article(text="Some text")))
    assert "/nowhere/model.onnx" in doc.stages_skipped["test_missing_model"]
    assert doc.stages_run == []


def test_a_strict_pipeline_raises_on_a_missing_model() -> None:
    from slant.errors import ModelError

    with pytest.raises(ModelError):
        Pipeline(["test_missing_model"], strict=True)(Doc(Article(text="Some text")))


def test_entity_mentions_never_cross_a_line_break() -> None:
    text = "Talks with Biden\n\nSouth Korean officials met President Biden in Seoul on Monday to talk about trade."
    doc = slant.analyze(text, stages=["language", "sentences", "entities"])
    assert doc.layers["entities"], "expected some mentions"
    for span in doc.layers["entities"]:
        assert "\n" not in doc.span_text(span)
